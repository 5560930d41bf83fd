// Proves a full agent is shown, not hung on, through the real CLI, a real sshd and the real
// agent: with 64 clients attached to a session, `holdfast --attach` says why it is not
// attached (the agent's "too many clients attached (limit 64)") about as soon as it has
// connected, its attempts then come further and further apart (not ~3 a second forever),
// and once a client leaves it attaches and delivers what was typed meanwhile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentConn } from '../support/agent';
import { runCli } from '../support/cliHarness';
import { pollFor } from '../support/proc';
import { startSshd, type Sshd } from '../support/sshd';

/** Clients the master lets attach at once (README "The master"). */
const MAX_CLIENTS = 64;
const REASON = 'too many clients attached (limit 64)';

let sshd: Sshd;
const conns: AgentConn[] = [];

beforeAll(async () => {
  sshd = await startSshd({ label: 'busy' });
});

afterAll(async () => {
  for (const c of conns) c.close();
  await sshd?.stop();
});

/** Runs the CLI to its end with an empty stdin; how long it took (ms). */
async function timedCli(args: string[]): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  const run = runCli(args);
  run.child.stdin!.end();
  const { code } = await run.exited;
  return { code, ms: Date.now() - started };
}

describe('a session with every client slot taken', () => {
  it('shows why the CLI is not attached, backs off, and attaches when a slot frees', async () => {
    const target = ['-F', sshd.sshConfigFile, sshd.sshAlias];
    // Deploys the agent, and tells how long connecting and one agent command take here.
    const baseline = await timedCli(['sessions', ...target]);
    expect(baseline.code).toBe(0);
    const created = await sshd.exec('~/.holdfast/bin/holdfast-agent new -- cat');
    expect(created.code, created.stderr).toBe(0);
    const id = created.stdout.trim();
    const socket = `${sshd.home}/.holdfast/sessions/${id}.sock`;
    for (let i = 0; i < MAX_CLIENTS; i++) {
      const c = await AgentConn.socketAt(socket);
      conns.push(c);
      await c.attach();
    }

    const started = Date.now();
    const run = runCli(['--attach', id, ...target]);
    const refusals: number[] = [];
    run.child.stderr!.on('data', (d: Buffer) => {
      for (const line of d.toString('utf8').split('\n'))
        if (line.includes(REASON)) refusals.push(Date.now());
    });
    run.child.stdin!.write('typed-while-full\n');
    try {
      await pollFor('the reason on the status line', () => refusals.length > 0, 20_000);
      // Shown as soon as the agent answered: within a second of what connecting takes.
      expect(refusals[0]! - started).toBeLessThan(baseline.ms + 1000);

      await pollFor('six refusals', () => refusals.length >= 6, 30_000);
      const gaps = refusals.slice(1, 6).map((t, i) => t - refusals[i]!);
      // A fixed 300 ms retry would give five gaps of ~0.3-0.5 s; a backoff grows them.
      expect(gaps[4], `gaps ${gaps.join(', ')} ms`).toBeGreaterThan(2000);
      expect(gaps[4]!, `gaps ${gaps.join(', ')} ms`).toBeGreaterThan(3 * gaps[0]!);
      expect(run.stdout()).toBe('');

      // One client leaves: the CLI takes the slot at its next try.
      const freed = Date.now();
      conns.pop()!.close();
      await pollFor(
        'the typed line echoed',
        () => run.stdout().includes('typed-while-full'),
        15_000,
      );
      expect(Date.now() - freed).toBeLessThan(5000 + baseline.ms);
      // The terminal's echo, then cat's copy: the line went in once.
      const copies = () => run.stdout().split('typed-while-full').length - 1;
      await pollFor("cat's copy of the line", () => copies() >= 2, 5000);
      expect(copies()).toBe(2);
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
    expect(run.stderr()).not.toMatch(/\n\s+at /);
  });
});
