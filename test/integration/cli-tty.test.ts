// Proves the CLI on a real terminal (a pty made by Python's pty module, as a user's
// terminal emulator would): the remote terminal's CR LF reaches the screen as CR LF, not
// CR CR LF (the local terminal's output post-processing is off, as ssh sets it); and
// RequestTTY no in ssh_config gives a command no terminal even there, as -T does.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/cliHarness';
import { startSshd, type Sshd } from '../support/sshd';

let sshd: Sshd;
beforeAll(async () => {
  sshd = await startSshd({ label: 'tty' });
});
afterAll(async () => {
  await sshd?.stop();
});

// Runs argv on a fresh pty; prints everything the pty showed and exits with the program's
// status.
const ON_A_PTY = `
import os, pty, sys, subprocess
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b''
while True:
    try:
        b = os.read(fd, 65536)
    except OSError:
        break
    if not b:
        break
    out += b
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(status))
`;

function onPty(args: string[]): Promise<{ code: number | null; out: Buffer }> {
  return new Promise((resolve) => {
    const child = spawn('python3', ['-c', ON_A_PTY, process.execPath, CLI, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.on('exit', (code) => resolve({ code, out: Buffer.concat(chunks) }));
  });
}

describe('the CLI on a terminal', () => {
  it('shows each line with one CR, like ssh', async () => {
    const r = await onPty([
      '-F',
      sshd.sshConfigFile,
      sshd.sshAlias,
      '--',
      'printf "one\\ntwo\\n"; exit 5',
    ]);
    expect(r.code).toBe(5);
    const text = r.out.toString('latin1');
    expect(text).toContain('one\r\ntwo\r\n');
    expect(text).not.toContain('\r\r\n');
  });

  it('RequestTTY no in ssh_config runs the command without one, like -T', async () => {
    const probe = 'tty >/dev/null && echo tty || echo none';
    const args = (extra: string[]) => [
      '-F',
      sshd.sshConfigFile,
      ...extra,
      sshd.sshAlias,
      '--',
      probe,
    ];
    const no = await onPty(args(['-o', 'RequestTTY=no']));
    expect(no.out.toString('latin1')).toContain('none');
    const forced = await onPty(args(['-tt', '-o', 'RequestTTY=no']));
    expect(forced.out.toString('latin1')).toContain('tty');
    expect(forced.out.toString('latin1')).not.toContain('none');
  });
});
