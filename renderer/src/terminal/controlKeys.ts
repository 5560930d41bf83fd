// Ctrl keys that xterm (the program) and VTE turn into control bytes but xterm.js leaves
// out: without these, Ctrl+- (emacs and readline's undo, C-_) and Ctrl+/ reach nothing.
// Only the unshifted keys: Ctrl+_ and Ctrl+@ xterm.js already sends itself.

import type { KeyEventLike } from '../../../main/contract/keys';

/** The bytes a key event should send that xterm.js would not, or undefined. */
export function missingControlKey(e: KeyEventLike): string | undefined {
  if (!e.ctrlKey || e.shiftKey || e.altKey || e.metaKey) return undefined;
  const code = e.code ?? '';
  if (code === 'Minus' || code === 'Slash' || e.key === '-' || e.key === '/') return '\x1f';
  if (code === 'Digit2' || e.key === '2') return '\x00';
  return undefined;
}
