import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canCreateNetns,
  createLinkBed,
  listBedNamespaces,
  type LinkBed,
} from '../support/netns.js';
import { delay, isAlive, pollFor, run } from '../support/proc.js';
import { startSshd, stopAllSshd, type Sshd } from '../support/sshd.js';

const netns = await canCreateNetns();
if (!netns.ok) console.warn(`[test bed] network namespace tests skipped: ${netns.reason}`);

/** A remote command that prints 0, 1, 2, ... one line every 50 ms, forever. */
const COUNTER = 'i=0; while :; do echo $i; i=$((i+1)); sleep 0.05; done';

/** Established TCP connections to or from port `port` inside `ns`, as "local peer" pairs. */
async function established(bed: LinkBed, ns: string, port: number): Promise<string[]> {
  const ss = await bed.exec(ns, [
    'ss',
    '-Htn',
    'state',
    'established',
    `( sport = :${port} or dport = :${port} )`,
  ]);
  return ss.stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.trim().split(/\s+/).slice(-2).join(' '));
}

/** OpenSSH ssh, run in the client namespace, streaming COUNTER; collects the numbers. */
function streamCounter(bed: LinkBed, sshd: Sshd): { ssh: ChildProcess; lines: () => number[] } {
  const ssh = bed.spawn(bed.client, ['ssh', ...sshd.sshArgs(), COUNTER], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  ssh.stdout?.on('data', (b: Buffer) => {
    text += b.toString();
  });
  const lines = (): number[] =>
    text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .filter((l) => l !== '')
      .map(Number);
  return { ssh, lines };
}

/** Resolves once `lines()` has not grown for `quietMs`. */
async function waitUntilStalled(lines: () => number[], quietMs: number): Promise<number> {
  let last = lines().length;
  let since = Date.now();
  return pollFor('the stream to stall', () => {
    const now = lines().length;
    if (now !== last) {
      last = now;
      since = Date.now();
    }
    return Date.now() - since >= quietMs ? now : undefined;
  });
}

afterAll(stopAllSshd);

describe.skipIf(!netns.ok)('network namespace link bed', () => {
  let bed: LinkBed;
  let sshd: Sshd;

  beforeAll(async () => {
    bed = await createLinkBed();
    sshd = await startSshd({ netns: bed.server, listenAddress: bed.serverAddr });
  });

  afterAll(async () => {
    await sshd?.stop();
    await bed?.destroy();
  });

  it('lets ssh in the client namespace reach sshd in the server namespace', async () => {
    // Proves: the two namespaces are joined by the bridge, and sshd runs inside one.
    expect(sshd.host).toBe(bed.serverAddr);
    const result = await bed.exec(bed.client, ['ssh', ...sshd.sshArgs(), 'echo "$SSH_CONNECTION"']);
    expect(result.stderr).toBe('');
    expect(result.stdout.split(' ')[0]).toBe(bed.clientAddr);
    expect(result.stdout.split(' ')[2]).toBe(bed.serverAddr);
  });

  it('black hole stalls a live stream with no RST or FIN on either side', async () => {
    // Proves: blackhole() is silent packet loss: the output stops, both ends stay
    // ESTABLISHED, no reset is counted, and ssh does not exit.
    const { ssh, lines } = streamCounter(bed, sshd);
    try {
      await pollFor('counter output', () => lines().length >= 5);
      const clientConns = await established(bed, bed.client, sshd.port);
      expect(clientConns).toHaveLength(1);
      const before = await Promise.all([bed.tcpStats(bed.client), bed.tcpStats(bed.server)]);

      await bed.blackhole();
      const stalledAt = await waitUntilStalled(lines, 500);
      await delay(500);

      expect(lines()).toHaveLength(stalledAt);
      expect(ssh.exitCode).toBeNull();
      expect(await established(bed, bed.client, sshd.port)).toEqual(clientConns);
      expect(await established(bed, bed.server, sshd.port)).toHaveLength(1);
      const after = await Promise.all([bed.tcpStats(bed.client), bed.tcpStats(bed.server)]);
      for (const [i, stats] of after.entries()) {
        expect(stats.estabResets).toBe(before[i]?.estabResets);
        expect(stats.outRsts).toBe(before[i]?.outRsts);
      }
      const drops = await run('tc', ['-n', bed.bridge, '-s', 'qdisc', 'show', 'dev', 'ps']);
      expect(drops.stdout).toMatch(/dropped [1-9]/);
    } finally {
      await bed.heal();
      ssh.kill();
    }
  });

  it('heal resumes the same connection with no line lost or repeated', async () => {
    // Proves: after heal() TCP retransmits on the same connection, so the stream continues
    // where it stopped, and ssh never noticed the outage.
    const { ssh, lines } = streamCounter(bed, sshd);
    try {
      await pollFor('counter output', () => lines().length >= 5);
      const conns = await established(bed, bed.client, sshd.port);
      await bed.blackhole();
      const stalledAt = await waitUntilStalled(lines, 400);

      await bed.heal();
      await pollFor('the stream to resume', () => lines().length >= stalledAt + 10);

      expect(lines()).toEqual(lines().map((_, i) => i));
      expect(await established(bed, bed.client, sshd.port)).toEqual(conns);
      expect(ssh.exitCode).toBeNull();
    } finally {
      ssh.kill();
    }
  });
});

describe.skipIf(!netns.ok)('link bed cleanup', () => {
  it('destroy removes every bed namespace and can be called twice', async () => {
    // Proves: nothing of a bed outlives destroy(), not even with sshd run inside and stopped.
    const bed = await createLinkBed();
    const sshd = await startSshd({ netns: bed.server, listenAddress: bed.serverAddr });
    const names = [bed.client, bed.server, bed.bridge];
    expect(await listBedNamespaces()).toEqual(expect.arrayContaining(names));
    const pid = sshd.pid;

    await sshd.stop();
    await bed.destroy();
    await bed.destroy();

    expect(isAlive(pid)).toBe(false);
    const all = (await run('ip', ['netns', 'list'])).stdout;
    for (const name of names) expect(all).not.toContain(name);
  });
});
