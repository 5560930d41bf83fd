// The real screen of an xterm.js terminal (the app's, or the CLI's model of the local
// terminal) as echo prediction reads it. Typed by shape, so this room needs no xterm import.

import type { ScreenView } from './echoPredictor';

/** The part of xterm.js's IBuffer that is read. */
export interface BufferLike {
  readonly type: 'normal' | 'alternate';
  readonly cursorX: number;
  readonly cursorY: number;
  readonly baseY: number;
  getLine(y: number): { getCell(x: number): { getChars(): string } | undefined } | undefined;
}

/** A live view of `buffer` (read at each call, never copied). */
export function bufferScreen(buffer: () => BufferLike, cols: () => number): ScreenView {
  return {
    get cols() {
      return cols();
    },
    get cursorX() {
      return buffer().cursorX;
    },
    get cursorY() {
      const b = buffer();
      return b.baseY + b.cursorY;
    },
    get altScreen() {
      return buffer().type === 'alternate';
    },
    cell: (x, y) => buffer().getLine(y)?.getCell(x)?.getChars() ?? '',
  };
}
