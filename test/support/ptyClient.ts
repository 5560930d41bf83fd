// The CLI on a real terminal that tests can type into and read: a pty made by Python's
// pty module (as a user's terminal emulator would), relayed both ways without buffering,
// and what the CLI writes parsed by an xterm.js terminal, the "local screen" a user sees.
// Every chunk of output is stamped with the time it arrived, for latency figures.

import { spawn, type ChildProcess } from 'node:child_process';
import { Terminal } from '@xterm/xterm';
import { CLI } from './cliHarness';

const RELAY = `
import fcntl, os, pty, select, struct, sys, termios
rows, cols = int(sys.argv[1]), int(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
    os.execv(sys.argv[3], sys.argv[3:])
out = sys.stdout.buffer
stdin_open = True
while True:
    r, _, _ = select.select([fd] + ([0] if stdin_open else []), [], [])
    if 0 in r:
        b = os.read(0, 65536)
        if b:
            os.write(fd, b)
        else:
            stdin_open = False
    if fd in r:
        try:
            b = os.read(fd, 65536)
        except OSError:
            break
        if not b:
            break
        out.write(b)
        out.flush()
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
`;

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
  const child = spawn(
    'python3',
    ['-c', RELAY, String(size.rows), String(size.cols), process.execPath, CLI, ...args],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
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
