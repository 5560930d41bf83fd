// How many terminal cells a typed character takes, for echo prediction: only where every
// terminal agrees. A character whose width differs between Unicode versions (emoji, whose
// width changed with Unicode 9; East Asian "ambiguous" letters) or that combines with the
// one before it is not predicted at all: a guess there would draw a wrong screen, and the
// real echo comes a round trip later anyway.

/** Code point ranges two cells wide in Unicode 6 and 11 alike (CJK, Hangul, kana, fullwidth). */
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], // Hangul Jamo initial consonants
  [0x2e80, 0x303e], // CJK radicals, punctuation
  [0x3041, 0x33ff], // kana, CJK symbols
  [0x3400, 0x4dbf], // CJK extension A
  [0x4e00, 0x9fff], // CJK unified ideographs
  [0xa000, 0xa4cf], // Yi
  [0xac00, 0xd7a3], // Hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0xfe30, 0xfe4f], // CJK compatibility forms
  [0xff00, 0xff60], // fullwidth forms
  [0xffe0, 0xffe6], // fullwidth signs
  [0x20000, 0x2fffd], // CJK extension B and later
  [0x30000, 0x3fffd],
];

/** Latin, Greek, Cyrillic and the like: one cell, up to the first combining marks. */
const NARROW_UP_TO = 0x02ff;

/**
 * The cells `ch` (one code point) takes on every terminal: 1 or 2, or undefined when that
 * is not certain (controls, combining marks, emoji, ambiguous widths, private use).
 */
export function cellWidth(ch: string): 1 | 2 | undefined {
  const cp = ch.codePointAt(0);
  if (cp === undefined || ch.length > (cp > 0xffff ? 2 : 1)) return undefined;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return undefined;
  // Ambiguous-width Latin-1 signs (e.g. ×, °, ±) are one cell in xterm.js, VTE and
  // iTerm2's defaults; only the CJK-legacy option makes them two.
  if (cp <= NARROW_UP_TO) return 1;
  for (const [lo, hi] of WIDE) if (cp >= lo && cp <= hi) return 2;
  // Greek, Cyrillic, Armenian: one cell (East Asian "ambiguous", two only under the same
  // CJK-legacy option), minus Cyrillic's combining marks.
  if (cp >= 0x0370 && cp <= 0x058f && !(cp >= 0x0483 && cp <= 0x0489)) return 1;
  return undefined;
}
