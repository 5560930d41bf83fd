// What these prove: the app's default shortcuts (main/contract/keys.ts) take no key that
// readline, emacs, vim, less, tmux or the tty use, on any platform; Ctrl+F, Ctrl+- and
// Ctrl+_ in particular reach the program; chords read and print back the same; key events
// (letters, shifted punctuation, the keypad, other layouts) map to the right chord; the
// user's bindings replace the defaults, and a chord that does not parse, is taken twice or
// is a program's is reported; and the control bytes xterm.js leaves out are sent.

import { describe, expect, it } from 'vitest';
import {
  ACTION_NAMES,
  actionFor,
  chordLabel,
  chordOfEvent,
  chordText,
  defaultBindings,
  parseChord,
  programUse,
  resolveBindings,
  type KeyEventLike,
} from '../../main/contract/keys';
import { missingControlKey } from '../../renderer/src/terminal/controlKeys';

function ev(key: string, mods: Partial<KeyEventLike> = {}, code?: string): KeyEventLike {
  return {
    key,
    ...(code !== undefined ? { code } : {}),
    ctrlKey: false,
    shiftKey: false,
    altKey: false,
    metaKey: false,
    ...mods,
  };
}

describe.each([false, true])('the default shortcuts (mac: %s)', (mac) => {
  const defaults = defaultBindings(mac);

  it.each(ACTION_NAMES)('of %s parse and take no key a program uses', (action) => {
    for (const text of defaults[action]) {
      const parsed = parseChord(text);
      expect(parsed.ok, text).toBe(true);
      if (parsed.ok) expect(programUse(parsed.chord, mac), text).toBeUndefined();
    }
  });

  it('resolve without a problem and without two actions on one chord', () => {
    const keys = resolveBindings({}, mac);
    expect(keys.problems).toEqual([]);
    const total = ACTION_NAMES.reduce((n, a) => n + defaults[a].length, 0);
    expect(keys.byChord.size).toBe(total);
  });

  it('leave Ctrl+F, Ctrl+-, Ctrl+_, Ctrl+/ and Ctrl+PageUp to the program', () => {
    const keys = resolveBindings({}, mac);
    expect(actionFor(keys, ev('f', { ctrlKey: true }, 'KeyF'))).toBeUndefined();
    expect(actionFor(keys, ev('-', { ctrlKey: true }, 'Minus'))).toBeUndefined();
    expect(actionFor(keys, ev('_', { ctrlKey: true, shiftKey: true }, 'Minus'))).toBeUndefined();
    expect(actionFor(keys, ev('_', { ctrlKey: true }))).toBeUndefined();
    expect(actionFor(keys, ev('/', { ctrlKey: true }, 'Slash'))).toBeUndefined();
    expect(actionFor(keys, ev('PageUp', { ctrlKey: true }, 'PageUp'))).toBeUndefined();
  });
});

describe('the audit of program keys', () => {
  const use = (text: string, mac = false): string | undefined => {
    const parsed = parseChord(text);
    if (!parsed.ok) throw new Error(parsed.message);
    return programUse(parsed.chord, mac);
  };

  it('names what a program does with the keys terminals used to take', () => {
    expect(use('Ctrl+F')).toMatch(/forward a character.*page forward \(vim, less\)/);
    expect(use('Ctrl+-')).toMatch(/undo/);
    expect(use('Ctrl+Shift+-')).toMatch(/undo/);
    expect(use('Ctrl+PageUp')).toMatch(/vim/);
    expect(use('Ctrl+B')).toMatch(/tmux/);
    expect(use('Alt+F')).toMatch(/Meta/);
    expect(use('Ctrl+F', true)).toMatch(/forward a character/);
  });

  it('leaves Ctrl+Shift+letter and ⌘ keys to the app', () => {
    expect(use('Ctrl+Shift+F')).toBeUndefined();
    expect(use('Cmd+F', true)).toBeUndefined();
  });
});

describe('chords', () => {
  it('read back as they print, in any order and case', () => {
    for (const text of ['Ctrl+Shift+F', 'Cmd+=', 'Ctrl+NumSub', 'Ctrl+Alt+PageUp', 'F5']) {
      const parsed = parseChord(text);
      expect(parsed.ok && chordText(parsed.chord), text).toBe(text);
    }
    const loose = parseChord('shift+control+f');
    expect(loose.ok && chordText(loose.chord)).toBe('Ctrl+Shift+F');
  });

  it('say what is wrong with a chord that does not read', () => {
    expect(parseChord('')).toMatchObject({ ok: false, message: /empty/ });
    expect(parseChord('Hyper+F')).toMatchObject({ ok: false, message: /"Hyper"/ });
    expect(parseChord('Ctrl+Shift+Banana')).toMatchObject({ ok: false, message: /not a key/ });
    expect(parseChord('Shift+A')).toMatchObject({ ok: false, message: /typed into the terminal/ });
  });

  it('come from key events by letter, by physical key for punctuation and the keypad', () => {
    const text = (e: KeyEventLike) => {
      const c = chordOfEvent(e);
      return c && chordText(c);
    };
    expect(text(ev('P', { ctrlKey: true, shiftKey: true }, 'KeyP'))).toBe('Ctrl+Shift+P');
    expect(text(ev('+', { ctrlKey: true, shiftKey: true }, 'Equal'))).toBe('Ctrl+Shift+=');
    expect(text(ev('-', { ctrlKey: true }, 'NumpadSubtract'))).toBe('Ctrl+NumSub');
    // A Russian layout: the key says ф, the physical key is A.
    expect(text(ev('ф', { ctrlKey: true, shiftKey: true }, 'KeyA'))).toBe('Ctrl+Shift+A');
    expect(text(ev('}', { metaKey: true, shiftKey: true }, 'BracketRight'))).toBe('Shift+Cmd+]');
    expect(text(ev('Shift', { shiftKey: true }, 'ShiftLeft'))).toBeUndefined();
  });

  it('print as each platform writes them', () => {
    const parsed = parseChord('Ctrl+Shift+=');
    if (!parsed.ok) throw new Error(parsed.message);
    expect(chordLabel(parsed.chord, false)).toBe('Ctrl++');
    const find = parseChord('Cmd+Shift+P');
    if (!find.ok) throw new Error(find.message);
    expect(chordLabel(find.chord, true)).toBe('⇧⌘P');
  });
});

describe('user bindings', () => {
  it('replace an action’s defaults and free them', () => {
    const keys = resolveBindings({ find: ['Ctrl+Shift+G'] }, false);
    expect(keys.problems).toEqual([]);
    expect(actionFor(keys, ev('G', { ctrlKey: true, shiftKey: true }, 'KeyG'))).toBe('find');
    expect(actionFor(keys, ev('F', { ctrlKey: true, shiftKey: true }, 'KeyF'))).toBeUndefined();
  });

  it('report a chord given to two actions and keep it for the first listed', () => {
    const keys = resolveBindings(
      { find: ['Ctrl+Shift+X', 'Ctrl+Shift+Y'], 'new-tab': ['Ctrl+Shift+X'] },
      false,
    );
    expect(keys.problems).toEqual([
      { action: 'find', message: 'Ctrl+Shift+X is already “New tab”' },
    ]);
    expect(actionFor(keys, ev('X', { ctrlKey: true, shiftKey: true }, 'KeyX'))).toBe('new-tab');
    expect(actionFor(keys, ev('Y', { ctrlKey: true, shiftKey: true }, 'KeyY'))).toBe('find');
  });

  it('report a default that a user binding took', () => {
    const keys = resolveBindings({ find: ['Ctrl+Shift+T'] }, false);
    expect(keys.problems).toEqual([
      { action: 'new-tab', message: 'Ctrl+Shift+T is already “Find”' },
    ]);
  });

  it('keep a program’s key the user chose, with a warning, and skip what does not read', () => {
    const keys = resolveBindings({ find: ['Ctrl+F', 'Ctrl+Nope'], bogus: ['Ctrl+Shift+Q'] }, false);
    expect(actionFor(keys, ev('f', { ctrlKey: true }, 'KeyF'))).toBe('find');
    const messages = keys.problems.map((p) => p.message);
    expect(messages).toContain('"bogus" is not an action; its keys are ignored');
    expect(messages.some((m) => /Ctrl\+F is forward a character.*no longer get it/.test(m))).toBe(
      true,
    );
    expect(messages.some((m) => /"Nope" is not a key/.test(m))).toBe(true);
  });
});

describe('control keys xterm.js leaves out', () => {
  it('sends C-_ for Ctrl+- and Ctrl+/, NUL for Ctrl+2, nothing for the rest', () => {
    expect(missingControlKey(ev('-', { ctrlKey: true }, 'Minus'))).toBe('\x1f');
    expect(missingControlKey(ev('/', { ctrlKey: true }, 'Slash'))).toBe('\x1f');
    expect(missingControlKey(ev('2', { ctrlKey: true }, 'Digit2'))).toBe('\x00');
    // Ctrl+_ (Shift) and Ctrl+F xterm.js sends itself.
    expect(missingControlKey(ev('_', { ctrlKey: true, shiftKey: true }, 'Minus'))).toBeUndefined();
    expect(missingControlKey(ev('f', { ctrlKey: true }, 'KeyF'))).toBeUndefined();
    expect(missingControlKey(ev('-', {}, 'Minus'))).toBeUndefined();
  });
});
