// The CLI on a real terminal that tests can type into and read: a pty made by Python's
// pty module (as a user's terminal emulator would, ./ptyRelay.ts), and what the CLI
// writes parsed by an xterm.js terminal, the "local screen" a user sees.
// Every chunk of output is stamped with the time it arrived, for latency figures.

import type { ChildProcess } from 'node:child_process';
import { Terminal } from '@xterm/xterm';
import { CLI } from './cliHarness';
import { spawnOnPty } from './ptyRelay';

export type PtyClient = {
  child: ChildProcess;
  /** The local terminal's screen, fed everything the CLI wrote. */
  screen: Terminal;
  /** Output chunks as they arrived (ms, performance.now()). */
  chunks: { at: number; data: string }[];
  type(text: string): void;
  /** The screen's rows, right-trimmed, once everything received so far is parsed. */
  lines(): Promise<string[]>;
  exited: Promise<number | null>;
};

export function runCliOnPty(args: string[], size = { cols: 80, rows: 24 }): PtyClient {
  const child = spawnOnPty([process.execPath, CLI, ...args], size);
  const screen = new Terminal({ ...size, allowProposedApi: true, scrollback: 1000 });
  const chunks: { at: number; data: string }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    chunks.push({ at: performance.now(), data: d.toString('utf8') });
    screen.write(d);
  });
  return {
    child,
    screen,
    chunks,
    type: (text) => child.stdin!.write(text),
    lines: () =>
      new Promise((resolve) =>
        screen.write('', () => {
          const b = screen.buffer.active;
          const out: string[] = [];
          for (let y = 0; y < b.length; y++) {
            out.push((b.getLine(y)?.translateToString(true) ?? '').trimEnd());
          }
          while (out.length > 0 && out[out.length - 1] === '') out.pop();
          resolve(out);
        }),
      ),
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
}
