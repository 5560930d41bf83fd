// What these prove: the font picker's rules over a stand-in measure (a canvas in the
// browser). A family is installed when text with it first measures unlike each generic
// fallback alone; monospace when narrow and wide glyphs measure the same; the picker lists
// only installed monospace families, each once, sorted; and a chosen family becomes a
// font setting with a monospace fallback and is recognised in it again.

import { describe, expect, it } from 'vitest';
import {
  familyOfSetting,
  fontSettingFor,
  isInstalled,
  isMonospace,
  monospaceFamilies,
  type Measure,
} from '../../renderer/src/terminal/fonts';

/** A machine with these fonts: mono ones draw every glyph 10 wide, others by glyph. */
function machine(installed: Record<string, 'mono' | 'proportional'>): Measure {
  const generic: Record<string, 'mono' | 'proportional'> = {
    monospace: 'mono',
    'sans-serif': 'proportional',
    serif: 'proportional',
  };
  return (text, css) => {
    // The first family of the list that exists draws the text, as a browser does.
    const names = css.split(',').map((f) => f.trim().replace(/^"|"$/g, ''));
    const used = names.find((n) => n in installed || n in generic) ?? 'serif';
    const kind = installed[used] ?? generic[used];
    const salt = used.length; // each font has its own metrics
    return [...text].reduce(
      (w, c) => w + (kind === 'mono' ? 10 + salt : (c === 'i' || c === 'l' ? 4 : 12) + salt),
      0,
    );
  };
}

describe('the font picker', () => {
  const measure = machine({
    'DejaVu Sans Mono': 'mono',
    'Fira Code': 'mono',
    'DejaVu Sans': 'proportional',
  });

  it('tells installed families from missing ones', () => {
    expect(isInstalled('Fira Code', measure)).toBe(true);
    expect(isInstalled('Consolas', measure)).toBe(false);
  });

  it('tells monospace families from proportional ones', () => {
    expect(isMonospace('DejaVu Sans Mono', measure)).toBe(true);
    expect(isMonospace('DejaVu Sans', measure)).toBe(false);
  });

  it('lists the installed monospace families, once each, sorted', () => {
    expect(
      monospaceFamilies(
        ['Fira Code', 'Consolas', 'DejaVu Sans', 'DejaVu Sans Mono', 'Fira Code'],
        measure,
        true,
      ),
    ).toEqual(['DejaVu Sans Mono', 'Fira Code']);
  });

  it('makes a font setting of a family, and reads the family back from it', () => {
    expect(fontSettingFor('Fira Code')).toBe('"Fira Code", monospace');
    expect(familyOfSetting(fontSettingFor('Odd "Name"'))).toBe('Odd "Name"');
    expect(familyOfSetting('Menlo, monospace')).toBeUndefined();
  });
});
