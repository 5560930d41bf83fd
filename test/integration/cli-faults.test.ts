// Proves DESIGN.md's first two invariants end to end, through the real CLI, a real sshd
// and the real agent, while the network fails under them: every output line arrives
// exactly once and in order, and every keystroke is applied exactly once, across
// resets, black-holes (half-open links), a moved path, and a session that forgot the
// CLI's input state while it was away (300 other clients came and went).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type Sshd } from '../support/sshd';
import { startFaultProxy } from '../support/faultProxy';
import {
  checkNumbered,
  cliOptions,
  numberedLines,
  runCli,
  startRouter,
} from '../support/cliHarness';
import { delay, pollFor } from '../support/proc';
import { enc, randomClientId } from '../support/agent';
import net from 'node:net';

let sshd: Sshd;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

// Fast keepalives so a black-hole is judged within seconds, as a user would set them.
const FAST = ['-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=3'];

describe('the CLI through network faults', () => {
  it('delivers 200 000 numbered lines exactly once across a reset, a black-hole and a moved path', async () => {
    const proxy = await startFaultProxy({ target: { host: sshd.host, port: sshd.port } });
    const router = await startRouter(() => proxy.port);
    const N = 200_000;
    try {
      const run = runCli([
        ...(await cliOptions(sshd, router.port, FAST)),
        '-v', // without a terminal, status lines go to stderr only when asked
        '--',
        numberedLines(N, 2000, 0.05),
      ]);
      await pollFor('output to start', () => run.stdout().includes('line 1000'), 20_000);
      proxy.reset();
      await pollFor(
        'output after the reset',
        () => /line \d*5\d{4}\r?\n/.test(run.stdout()),
        20_000,
      );
      proxy.blackhole();
      await delay(4_500); // longer than 3 keepalives: the link is judged dead
      proxy.pass();
      const before = run.stdout().length;
      await pollFor(
        'output after the black-hole',
        () => run.stdout().length > before + 10_000,
        20_000,
      );
      await proxy.move(); // the old path is half-open for good; new dials take the new one
      const { code } = await run.exited;
      const check = checkNumbered(run.stdout(), N);
      expect(check.ok ? 'ok' : check.why).toBe('ok');
      expect(code).toBe(0);
      expect(run.stderr()).toMatch(/reconnecting/);
    } finally {
      await router.close();
      await proxy.close();
    }
  });

  it('applies every keystroke exactly once while the link is reset and black-holed', async () => {
    const proxy = await startFaultProxy({ target: { host: sshd.host, port: sshd.port } });
    try {
      const file = `in-${Date.now()}.txt`;
      const run = runCli([
        ...(await cliOptions(sshd, proxy.port, FAST)),
        '-v',
        '--',
        `stty -echo; cat > ${file}`,
      ]);
      // A CLI that exited early must fail the test by its status, not by a stray EPIPE.
      run.child.stdin!.on('error', () => undefined);
      const sent: string[] = [];
      const type = async (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          const line = `key-${i}\n`;
          sent.push(line);
          run.child.stdin!.write(line);
          await delay(5);
        }
      };
      await type(0, 100);
      // The faults hit a session in use: a reset during the very first login fails that
      // login, as it would for ssh (reconnecting is for links that were up).
      await pollFor('the first attach', () => /attached to session/.test(run.stderr()), 20_000);
      proxy.reset();
      await type(100, 200);
      proxy.blackhole();
      await type(200, 300);
      await delay(3_500);
      proxy.pass();
      await type(300, 400);
      run.child.stdin!.end();
      const { code } = await Promise.race([
        run.exited,
        delay(30_000).then(() => ({ code: `still running; stderr: ${run.stderr()}` })),
      ]);
      expect(code, run.stderr()).toBe(0);
      const got = await sshd.exec(`cat ${file}`);
      expect(got.stdout).toBe(sent.join(''));
    } finally {
      await proxy.close();
    }
  });

  it('keeps the session when the CLI is killed with SIGKILL, and --attach resumes it', async () => {
    const first = runCli([
      ...(await cliOptions(sshd, sshd.port)),
      '-v',
      '--name',
      'survivor',
      '--',
      'for i in $(seq 1 50); do echo tick-$i; sleep 0.1; done; exit 7',
    ]);
    await pollFor('first ticks', () => first.stdout().includes('tick-3'), 20_000);
    const id = /attached to session (\S+)/.exec(first.stderr())?.[1];
    expect(id).toBeDefined();
    first.child.kill('SIGKILL');
    await first.exited;
    const ls = await sshd.exec('~/.holdfast/bin/holdfast-agent ls');
    expect(ls.stdout).toContain(id!);
    const again = runCli([...(await cliOptions(sshd, sshd.port)), '--attach', id!]);
    const { code } = await again.exited;
    expect(code).toBe(7);
    expect(again.stdout()).toContain('tick-50');
  });

  it('keeps typing exactly once after 300 other clients came and went while it was cut off', async () => {
    const proxy = await startFaultProxy({ target: { host: sshd.host, port: sshd.port } });
    try {
      const file = `in-${Date.now()}.txt`;
      const run = runCli([
        ...(await cliOptions(sshd, proxy.port, FAST)),
        '-v',
        '--',
        `stty -echo; cat > ${file}`,
      ]);
      const sent: string[] = [];
      const type = async (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          const line = `key-${i}\n`;
          sent.push(line);
          run.child.stdin!.write(line);
          await delay(2);
        }
      };
      await pollFor('attached', () => /attached to session (\S+)/.exec(run.stderr())?.[1], 20_000);
      const id = /attached to session (\S+)/.exec(run.stderr())![1]!;
      await type(0, 100);
      await pollFor('the first keys in the file', async () =>
        (await sshd.exec(`cat ${file}`)).stdout.includes('key-99\n'),
      );
      await delay(300); // their ACKs reach the CLI
      // The CLI stops (a suspended laptop), its connection is cut, and meanwhile more
      // clients than the session remembers attach and leave: it forgets the CLI's id.
      run.child.kill('SIGSTOP');
      await proxy.reset();
      const sock = `${sshd.home}/.holdfast/sessions/${id}.sock`;
      for (let i = 0; i < 300; i++) await attachAndLeave(sock);
      run.child.kill('SIGCONT');
      await type(100, 200);
      run.child.stdin!.end();
      const { code } = await Promise.race([
        run.exited,
        delay(30_000).then(() => ({ code: `still running; stderr: ${run.stderr()}` })),
      ]);
      expect(code, run.stderr()).toBe(0);
      const got = await sshd.exec(`cat ${file}`);
      expect(got.stdout).toBe(sent.join(''));
      expect(run.stderr()).toMatch(/no longer remembered this tab's keystrokes/);
    } finally {
      await proxy.close();
    }
  }, 90_000);
});

/** One client id attaches to the session's socket (as root, on the server) and leaves. */
async function attachAndLeave(path: string): Promise<void> {
  const s = net.createConnection(path);
  await new Promise<void>((resolve, reject) => {
    let got = Buffer.alloc(0);
    s.on('error', reject);
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      // WELCOME then ATTACHED (0x82): the master holds a slot for this id now
      if (got.includes(0x82)) {
        s.end(enc.detach());
        resolve();
      }
    });
    s.write(Buffer.concat([enc.hello(1, 1), enc.attach(randomClientId(), 0n, 2)]));
  });
  s.destroy();
}
