// Keystrokes as echo prediction sees them: the text a terminal sends for keys (xterm.js's
// onData, or the bytes a local terminal gives the CLI, decoded as UTF-8) split into the few
// edits whose echo can be foreseen and everything else. Pure.

export type Key =
  /** One printable character (a code point, maybe two UTF-16 units). */
  | { kind: 'char'; text: string }
  /** DEL or BS: the line editor erases the character before the cursor. */
  | { kind: 'backspace' }
  /** Arrow left or right (CSI D/C, or SS3 D/C in application cursor mode). */
  | { kind: 'left' }
  | { kind: 'right' }
  /** Enter: a line goes to the program, whose answer cannot be foreseen. */
  | { kind: 'enter' }
  /** Any other control or escape sequence (Ctrl-C, Tab, arrows up/down, Alt+key, paste brackets). */
  | { kind: 'other' };

const ESC = 0x1b;

/** The keys in `data`, in order. An escape sequence cut short at the end is one `other`. */
export function parseKeys(data: string): Key[] {
  const keys: Key[] = [];
  let i = 0;
  while (i < data.length) {
    const code = data.charCodeAt(i);
    if (code === ESC) {
      const end = escapeEnd(data, i);
      const seq = data.slice(i, end);
      if (seq === '\x1b[D' || seq === '\x1bOD') keys.push({ kind: 'left' });
      else if (seq === '\x1b[C' || seq === '\x1bOC') keys.push({ kind: 'right' });
      else keys.push({ kind: 'other' });
      i = end;
      continue;
    }
    if (code === 0x7f || code === 0x08) keys.push({ kind: 'backspace' });
    else if (code === 0x0d || code === 0x0a) keys.push({ kind: 'enter' });
    else if (code < 0x20 || (code >= 0x80 && code < 0xa0)) keys.push({ kind: 'other' });
    else {
      const cp = data.codePointAt(i) ?? code;
      const text = String.fromCodePoint(cp);
      keys.push({ kind: 'char', text });
      i += text.length;
      continue;
    }
    i++;
  }
  return keys;
}

/** Where the escape sequence starting at `at` ends (exclusive): CSI, SS3 or ESC + one char. */
function escapeEnd(data: string, at: number): number {
  const next = data[at + 1];
  if (next === '[') {
    // CSI: parameter and intermediate bytes, then one final byte 0x40–0x7e.
    for (let j = at + 2; j < data.length; j++) {
      const c = data.charCodeAt(j);
      if (c >= 0x40 && c <= 0x7e) return j + 1;
    }
    return data.length;
  }
  if (next === 'O') return Math.min(at + 3, data.length);
  return Math.min(at + 2, data.length);
}
