// What these prove: colour schemes from other terminals import — an iTerm2 .itermcolors
// property list (0-1 components to #rrggbb, cursor and selection when present, comments and
// DOCTYPE skipped) and Windows Terminal JSON (one scheme, a list, or a settings.json with
// "schemes"; purple is magenta; #rgb widened); a file that is neither, or lacks a colour,
// is refused with a message naming what is missing; and every built-in scheme is complete.

import { describe, expect, it } from 'vitest';
import { importSchemes, normalizeHex } from '../../renderer/src/terminal/schemeImport';
import { ANSI_KEYS, BUILT_IN_SCHEMES, schemeFor } from '../../renderer/src/terminal/schemes';

function itermColor(key: string, r: number, g: number, b: number): string {
  return `<key>${key}</key>
  <dict>
    <key>Alpha Component</key><real>1</real>
    <key>Blue Component</key><real>${b}</real>
    <key>Color Space</key><string>sRGB</string>
    <key>Green Component</key><integer>${g}</integer>
    <key>Red Component</key><real>${r}</real>
  </dict>`;
}

function itermFile(skip?: string): string {
  const colors = Array.from({ length: 16 }, (_, i) => `Ansi ${i} Color`)
    .filter((k) => k !== skip)
    .map((k, i) => itermColor(k, (i % 2) * 1, 0, i / 15))
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- exported by iTerm2 -->
<plist version="1.0">
<dict>
${colors}
${itermColor('Background Color', 0.1, 0, 0.2)}
${itermColor('Foreground Color', 0.9, 1, 0.8)}
${itermColor('Cursor Color', 1, 0.5, 0)}
${itermColor('Selection Color', 0.2, 0.2, 0.2)}
</dict>
</plist>`;
}

const WT = {
  name: 'Campbell',
  background: '#0C0C0C',
  foreground: '#CCCCCC',
  cursorColor: '#FFF',
  selectionBackground: '#FFFFFF',
  black: '#0C0C0C',
  red: '#C50F1F',
  green: '#13A10E',
  yellow: '#C19C00',
  blue: '#0037DA',
  purple: '#881798',
  cyan: '#3A96DD',
  white: '#CCCCCC',
  brightBlack: '#767676',
  brightRed: '#E74856',
  brightGreen: '#16C60C',
  brightYellow: '#F9F1A5',
  brightBlue: '#3B78FF',
  brightPurple: '#B4009E',
  brightCyan: '#61D6D6',
  brightWhite: '#F2F2F2',
};

describe('iTerm2 .itermcolors', () => {
  it('imports the 16 colours, background, foreground, cursor and selection', () => {
    const result = importSchemes('/home/me/Night Owl.itermcolors', itermFile());
    if (!result.ok) throw new Error(result.message);
    const [scheme] = result.schemes;
    expect(scheme?.name).toBe('Night Owl');
    expect(scheme?.dark).toBe(true);
    expect(scheme?.theme.black).toBe('#000000');
    expect(scheme?.theme.red).toBe('#ff0011');
    expect(scheme?.theme.brightWhite).toBe('#ff00ff');
    expect(scheme?.theme.background).toBe('#1a0033');
    expect(scheme?.theme.foreground).toBe('#e6ffcc');
    expect(scheme?.theme.cursor).toBe('#ff8000');
    expect(scheme?.theme.selectionBackground).toBe('#333333');
  });

  it('names the colour a file lacks', () => {
    expect(importSchemes('x.itermcolors', itermFile('Ansi 3 Color'))).toEqual({
      ok: false,
      message: 'The iTerm2 file has no “Ansi 3 Color”',
    });
  });

  it('refuses XML that is not a property list of colours', () => {
    const result = importSchemes('x.itermcolors', '<plist><dict><key>a</key></dict></plist>');
    expect(result).toMatchObject({ ok: false, message: /^Not an iTerm2 colour file: / });
  });
});

describe('Windows Terminal schemes', () => {
  it('imports one scheme, purple as magenta, #rgb widened', () => {
    const result = importSchemes('campbell.json', JSON.stringify(WT));
    if (!result.ok) throw new Error(result.message);
    const theme = result.schemes[0]?.theme;
    expect(result.schemes[0]?.name).toBe('Campbell');
    expect(theme?.magenta).toBe('#881798');
    expect(theme?.brightMagenta).toBe('#b4009e');
    expect(theme?.cursor).toBe('#ffffff');
    expect(theme?.background).toBe('#0c0c0c');
  });

  it('imports every scheme of a settings.json or a list', () => {
    const settings = { profiles: {}, schemes: [WT, { ...WT, name: 'Second', background: '#fff' }] };
    const result = importSchemes('settings.json', JSON.stringify(settings));
    expect(result.ok && result.schemes.map((s) => [s.name, s.dark])).toEqual([
      ['Campbell', true],
      ['Second', false],
    ]);
    const list = importSchemes('list.json', JSON.stringify([WT]));
    expect(list.ok && list.schemes.length).toBe(1);
  });

  it('names the colour a scheme lacks, and says when the file is not JSON', () => {
    const { brightPurple: _, ...partial } = WT;
    expect(importSchemes('c.json', JSON.stringify(partial))).toEqual({
      ok: false,
      message: 'Scheme “Campbell” has no colour “brightPurple” (#rrggbb)',
    });
    expect(importSchemes('c.json', '{ nope')).toMatchObject({
      ok: false,
      message: /^Not a Windows Terminal scheme: /,
    });
    expect(importSchemes('notes.txt', 'hello')).toMatchObject({
      ok: false,
      message: /neither an iTerm2 \.itermcolors file nor a Windows Terminal scheme/,
    });
  });
});

describe('built-in schemes', () => {
  it.each(Object.keys(BUILT_IN_SCHEMES))('%s has all 16 colours and its base colours', (id) => {
    const theme = BUILT_IN_SCHEMES[id]?.theme ?? {};
    for (const key of [...ANSI_KEYS, 'background', 'foreground', 'cursor']) {
      const value = (theme as Record<string, unknown>)[key];
      expect(typeof value === 'string' && normalizeHex(value), `${id} ${key}`).toBeTruthy();
    }
  });

  it('are a dozen besides Holdfast’s own, and auto follows the app’s theme', () => {
    expect(Object.keys(BUILT_IN_SCHEMES).length - 2).toBeGreaterThanOrEqual(12);
    expect(schemeFor('auto', true, []).name).toBe('Holdfast Dark');
    expect(schemeFor('auto', false, []).name).toBe('Holdfast Light');
    expect(schemeFor('custom:Gone', false, []).name).toBe('Holdfast Light');
    expect(schemeFor('nord', false, []).name).toBe('Nord');
  });
});
