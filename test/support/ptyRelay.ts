// A program on a real terminal of its own: a pty made by Python's pty module (as a user's
// terminal emulator would), relayed both ways without buffering through the relay's stdin
// and stdout. No xterm here, so the bench can load it outside vitest.

import { spawn, type ChildProcess } from 'node:child_process';

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

/** Runs `argv` (an absolute program path first) on a PTY of its own, relayed both ways
 * through the returned process's stdin and stdout. */
export function spawnOnPty(argv: string[], size = { cols: 80, rows: 24 }): ChildProcess {
  return spawn('python3', ['-c', RELAY, String(size.rows), String(size.cols), ...argv], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}
