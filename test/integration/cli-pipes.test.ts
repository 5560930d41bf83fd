// Proves that a command without a terminal behaves exactly like `ssh host cmd` through
// the real CLI, sshd and agent (stdout byte-exact, stderr apart, stdin to EOF, the same
// exit status, compared byte for byte with the real ssh against the same sshd), and that
// it resumes: binary data each way through `cat` arrives with equal sha256 across a
// reset and a black-hole, and a SIGKILLed CLI's session is collected with --attach.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cliOptions, runCli, type CliRun } from '../support/cliHarness';
import { startFaultProxy } from '../support/faultProxy';
import { delay, pollFor } from '../support/proc';
import { startSshd, type Sshd } from '../support/sshd';

let sshd: Sshd;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hf-pipes-'));
  sshd = await startSshd();
  // 1 MiB of random bytes on the server, for both clients to print
  const r = await sshd.exec('cat > random.bin', { input: randomBytes(1 << 20) });
  expect(r.code).toBe(0);
});
afterAll(async () => {
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const FAST = ['-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=3'];
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

type Bytes = { stdout: Buffer; stderr: Buffer; code: number | null };

/** Runs a child with `input` on stdin (a pipe), collecting bytes. */
async function finish(run: CliRun, input?: Buffer): Promise<Bytes> {
  run.child.stdin!.on('error', () => undefined);
  run.child.stdin!.end(input);
  const { code } = await run.exited;
  return { stdout: run.stdoutBytes(), stderr: run.stderrBytes(), code };
}

/** The real ssh, the same way. */
function ssh(cmd: string, input?: Buffer, extra: string[] = []): Promise<Bytes> {
  const child = spawn('ssh', [...extra, ...sshd.sshArgs(), cmd], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  child.stdin.on('error', () => undefined);
  child.stdin.end(input);
  return new Promise((resolve) =>
    child.on('close', (code) =>
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), code }),
    ),
  );
}

/** Runs `argv` with a file on its stdin, opened and read `skip` bytes into (a file offset
 * the child shares, as a shell's `< f` after a `read` would leave it). */
function withFileStdin(
  argv: string[],
  file: string,
  skip: number,
): Promise<Bytes & { err: string }> {
  const fd = openSync(file, 'r');
  if (skip > 0) readSync(fd, Buffer.alloc(skip), 0, skip, null);
  const child = spawn(argv[0]!, argv.slice(1), { stdio: [fd, 'pipe', 'pipe'] });
  closeSync(fd);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => err.push(d));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      const stderr = Buffer.concat(err);
      resolve({ stdout: Buffer.concat(out), stderr, code, err: stderr.toString() });
    }),
  );
}

async function holdfast(cmd: string, input?: Buffer, extra: string[] = []): Promise<Bytes> {
  return finish(runCli([...(await cliOptions(sshd, sshd.port)), ...extra, '--', cmd]), input);
}

describe('a command without a terminal, like ssh', () => {
  it('prints 1 MiB of binary output byte-exact, as ssh does', async () => {
    const [a, b] = [await holdfast('cat random.bin'), await ssh('cat random.bin')];
    expect(a.stdout.length).toBe(1 << 20);
    expect(sha(a.stdout)).toBe(sha(b.stdout));
    expect(a.code).toBe(0);
  });

  it("passes stdin through: echo hi | holdfast -- cat gives ssh's bytes", async () => {
    const [a, b] = [
      await holdfast('cat', Buffer.from('hi\n')),
      await ssh('cat', Buffer.from('hi\n')),
    ];
    expect(a.stdout.toString('hex')).toBe(b.stdout.toString('hex'));
    expect(a.stdout.toString()).toBe('hi\n');
  });

  it("keeps stderr apart and exits with the command's code, as ssh does", async () => {
    const cmd = 'echo out; echo err >&2; exit 7';
    const [a, b] = [await holdfast(cmd), await ssh(cmd)];
    expect(a).toEqual(b);
    expect(a.stderr.toString()).toBe('err\n');
    expect(a.code).toBe(7);
  });

  it('exits as ssh does when a signal ends the command', async () => {
    const cmd = 'echo before; kill -9 $$';
    const [a, b] = [await holdfast(cmd), await ssh(cmd)];
    expect(a.stdout.toString()).toBe('before\n');
    expect(a.code).toBe(b.code);
  });

  it('takes 1.3 MB of stdin with lines over 4095 bytes, to EOF', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => `${i}:${'x'.repeat(13_000)}\n`).join('');
    const input = Buffer.from(lines);
    const a = await holdfast('cat; echo done >&2', input);
    expect(a.code).toBe(0);
    expect(sha(a.stdout)).toBe(sha(input));
    expect(a.stderr.toString()).toBe('done\n');
  });

  it('reads a file on stdin from where its offset stands, as ssh does (an empty one too)', async () => {
    const file = join(dir, 'offset.bin');
    const data = randomBytes(3 << 20); // reads of 512 KiB, past the 2 MiB input window
    writeFileSync(file, data);
    const opts = await cliOptions(sshd, sshd.port);
    const a = await withFileStdin([process.execPath, CLI, ...opts, '--', 'cat'], file, 10);
    const b = await withFileStdin(['ssh', ...sshd.sshArgs(), 'cat'], file, 10);
    expect(a.code, a.err).toBe(0);
    expect(a.stdout.length).toBe(data.length - 10);
    expect(sha(a.stdout)).toBe(sha(data.subarray(10)));
    expect(sha(a.stdout)).toBe(sha(b.stdout));
    writeFileSync(join(dir, 'empty'), '');
    const e = await withFileStdin(
      [process.execPath, CLI, ...opts, '--', 'wc -c'],
      join(dir, 'empty'),
      0,
    );
    expect(e.stdout.toString().trim(), e.err).toBe('0');
  });

  it('ends the command when its output is no longer read (yes | head), as ssh does', async () => {
    const run = runCli([...(await cliOptions(sshd, sshd.port)), '--', 'yes']);
    run.child.stdin!.end();
    await pollFor('some output', () => run.stdoutBytes().length > 0, 20_000);
    run.child.stdout!.destroy(); // the reader goes away, as `head` does
    const { code } = await Promise.race([
      run.exited,
      delay(20_000).then(() => ({ code: 'still running' })),
    ]);
    expect(code, run.stderr()).toBe(255);
    const ls = await finish(runCli(['sessions', ...(await cliOptions(sshd, sshd.port))]));
    expect(ls.stdout.toString(), ls.stdout.toString()).not.toMatch(/running \(pipes\).* yes\n/);
  });

  it('warns like ssh when -t cannot give a terminal, and -T and -tt choose', async () => {
    // (the bed's ssh logs at ERROR, which hides the warning; -v shows it, as ssh's own
    // default level does)
    const a = await holdfast('true', undefined, ['-t']);
    const b = await ssh('true', undefined, ['-t', '-v']);
    const warning = 'Pseudo-terminal will not be allocated because stdin is not a terminal.\r\n';
    expect(a.stderr.toString()).toBe(warning);
    expect(b.stderr.toString()).toContain(warning);
    const tt = await holdfast('tty >/dev/null && echo tty', undefined, ['-tt']);
    expect(tt.stdout.toString()).toBe('tty\r\n');
    const T = await holdfast('tty >/dev/null || echo none', undefined, ['-T']);
    expect(T.stdout.toString()).toBe('none\n');
  });
});

describe('RequestTTY in ssh_config', () => {
  it('force gives a terminal with stdin a pipe, as ssh does; -T on the command line wins', async () => {
    const probe = 'tty >/dev/null && echo tty || echo none';
    const force = ['-o', 'RequestTTY=force'];
    const [a, b] = [await holdfast(probe, undefined, force), await ssh(probe, undefined, force)];
    expect(a.stdout.toString()).toBe('tty\r\n');
    expect(a.stdout.toString()).toBe(b.stdout.toString());
    const T = await holdfast(probe, undefined, ['-T', ...force]);
    expect(T.stdout.toString()).toBe('none\n');
    const yes = await holdfast(probe, undefined, ['-o', 'RequestTTY=yes']);
    expect(yes.stderr.toString()).toContain('Pseudo-terminal will not be allocated');
    expect(yes.stdout.toString()).toBe('none\n');
  });
});

describe('a command without a terminal, resumed', () => {
  it('moves random bytes each way through cat with a reset and a black-hole in the middle', async () => {
    const proxy = await startFaultProxy({ target: { host: sshd.host, port: sshd.port } });
    const size = Number(process.env.HOLDFAST_PIPE_BYTES ?? 16 << 20);
    const input = randomBytes(size);
    try {
      const run = runCli([...(await cliOptions(sshd, proxy.port, FAST)), '-v', '--', 'cat']);
      run.child.stdin!.on('error', () => undefined);
      // the input goes in as the pipe takes it (flow control all the way to cat)
      const feeding = (async () => {
        for (let at = 0; at < size; at += 1 << 20) {
          if (!run.child.stdin!.write(input.subarray(at, at + (1 << 20)))) {
            await new Promise((r) => run.child.stdin!.once('drain', r));
          }
        }
        run.child.stdin!.end();
      })();
      await pollFor('output to flow', () => run.stdoutBytes().length > size / 4, 60_000);
      proxy.reset();
      await pollFor('output after the reset', () => run.stdoutBytes().length > size / 2, 60_000);
      proxy.blackhole();
      await delay(4_000); // longer than 3 keepalives: the link is judged dead
      proxy.pass();
      await feeding;
      const { code } = await Promise.race([
        run.exited,
        delay(60_000).then(() => {
          throw new Error(`still running: ${run.stdoutBytes().length} bytes out; ${run.stderr()}`);
        }),
      ]);
      const out = run.stdoutBytes();
      expect(out.length).toBe(size);
      expect(sha(out)).toBe(sha(input));
      expect(code).toBe(0);
      expect(run.stderr()).toMatch(/reconnecting|link dropped/);
    } finally {
      await proxy.close();
    }
  });

  it('sends a file on stdin exactly once through a reset while the command holds it back', async () => {
    const file = join(dir, 'reset.bin');
    const data = randomBytes(6 << 20);
    writeFileSync(file, data);
    const proxy = await startFaultProxy({ target: { host: sshd.host, port: sshd.port } });
    try {
      // The command takes 1 MiB, then nothing for 2 s: the client's window (2 MiB) fills and
      // the reset comes with input unacknowledged, to be sent again after it.
      const cmd = '{ head -c 1048576; sleep 2; cat; } | sha256sum';
      const opts = await cliOptions(sshd, proxy.port, FAST);
      const running = withFileStdin([process.execPath, CLI, ...opts, '-v', '--', cmd], file, 0);
      await pollFor(
        '2 MiB sent, the command holding the rest',
        () => proxy.bytesToTarget > 2 << 20,
        30_000,
      );
      await proxy.reset();
      const a = await running;
      expect(a.code, a.err).toBe(0);
      expect(a.err).toMatch(/link dropped|reconnecting/);
      expect(a.stdout.toString()).toBe(`${sha(data)}  -\n`);
    } finally {
      await proxy.close();
    }
  });

  it("lets --attach collect a SIGKILLed CLI's session: the rest of stdout and stderr, and the status", async () => {
    const first = runCli([
      ...(await cliOptions(sshd, sshd.port)),
      '-v',
      '--',
      'head -c 300000 random.bin; echo first-err >&2; sleep 2; tail -c +300001 random.bin; echo second-err >&2; exit 4',
    ]);
    first.child.stdin!.end();
    await pollFor('the first part', () => first.stdoutBytes().length >= 300_000, 20_000);
    await delay(500); // the first part is written and acknowledged; the command sleeps
    const id = /attached to session (\S+)/.exec(first.stderr())?.[1];
    expect(id).toBeTruthy();
    first.child.kill('SIGKILL');
    await first.exited;
    // the session is listed, marked as one without a terminal
    const ls = await finish(runCli(['sessions', ...(await cliOptions(sshd, sshd.port))]));
    expect(ls.stdout.toString()).toMatch(new RegExp(`${id}\\s+-\\s+running \\(pipes\\)`));

    const second = runCli([...(await cliOptions(sshd, sshd.port)), '--attach', id!]);
    const b = await finish(second);
    const all = Buffer.concat([first.stdoutBytes(), b.stdout]);
    const want = (await ssh('cat random.bin')).stdout;
    expect(all.length).toBe(want.length);
    expect(sha(all)).toBe(sha(want));
    expect(first.stderr()).toMatch(/first-err/);
    expect(b.stderr.toString()).toBe('second-err\n');
    expect(b.code).toBe(4);
  });
});
