// The renderer's terminals in unit tests: a real xterm.js terminal (it parses and keeps
// its buffer without a DOM) in a stand-in element that is never opened, so flow control,
// screens and the store run in Node.

import { Terminal } from '@xterm/xterm';
import type { TerminalDeps, TerminalLook } from '../../renderer/src/terminal/TerminalController';
import { LIGHT_THEME } from '../../renderer/src/terminal/themes';

export const LOOK: TerminalLook = {
  fontFamily: 'monospace',
  fontSize: 13,
  theme: LIGHT_THEME,
  scrollback: 1000,
  allowOsc52Write: false,
  gpu: 'off',
};

/** 80×24, as a terminal that was never fitted to a window. */
export const HEADLESS: TerminalDeps = {
  // Never opened: only these are touched.
  createElement: () =>
    ({ className: '', parentElement: null, remove() {} }) as unknown as HTMLDivElement,
  createTerminal: (options) => new Terminal({ ...options, cols: 80, rows: 24 }),
};
