// Proves the engine resumes quickly when the path heals through a middlebox that mishandles
// the connections opened during the outage, with a real sshd behind the fault proxy and
// nothing lost: when they are reset at the heal, the reset is taken as news that the path
// works and the next dial starts at once; when they stay parked for good (TCP up, the
// server never heard), they do not hold back fresh dials until their handshake timeout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeldFate } from '../support/faultProxy';
import { destinationOf, testEngine } from '../support/engineHarness';
import { startFaultProxyFor, type FaultProxy } from '../support/faultProxy';
import { delay, pollFor } from '../support/proc';
import { startSshd, type Sshd } from '../support/sshd';

/** Keepalive 1 s x 3: the link is judged dead 3 s into the black hole. */
const KEEPALIVE = { intervalMs: 1000, countMax: 3 };
/** Past the detection, so dials are made (and held) during the outage. */
const OUTAGE_MS = 5_000;

let sshd: Sshd;
let proxy: FaultProxy;

beforeAll(async () => {
  sshd = await startSshd({ label: 'middlebox' });
  proxy = await startFaultProxyFor(sshd);
});

afterAll(async () => {
  await proxy?.close();
  await sshd?.stop();
});

/** One outage healed with `held`; how long from the heal to the first new byte. */
async function outage(held: HeldFate): Promise<{ healToOutputMs: number; logs: string[] }> {
  const { engine, logs } = testEngine({ keepalive: KEEPALIVE });
  try {
    const tab = engine.openTab({
      ...destinationOf(sshd, { port: proxy.port }),
      cols: 80,
      rows: 24,
      command: ['while :; do date +%s%N; sleep 0.01; done'],
    });
    const chunks: { t: number; offset: bigint; len: number }[] = [];
    const gaps: bigint[][] = [];
    tab.onOutput((d, offset) => chunks.push({ t: Date.now(), offset, len: d.length }));
    tab.onGap((from, to) => gaps.push([from, to]));
    await pollFor('streaming', () => tab.state.kind === 'connected' && chunks.length > 20);
    proxy.blackhole();
    await delay(OUTAGE_MS);
    expect(tab.state.kind).not.toBe('connected');
    const healAt = Date.now();
    proxy.pass({ held });
    await pollFor('output after the heal', () => chunks.some((c) => c.t >= healAt), 20_000);
    const first = chunks.find((c) => c.t >= healAt)!;
    // Nothing lost: every chunk starts where the previous one ended, and no GAP.
    for (let i = 1; i < chunks.length; i++) {
      expect(chunks[i]!.offset).toBe(chunks[i - 1]!.offset + BigInt(chunks[i - 1]!.len));
    }
    expect(gaps).toEqual([]);
    await tab.kill();
    return { healToOutputMs: first.t - healAt, logs };
  } finally {
    engine.dispose();
    proxy.pass();
  }
}

describe('resume through a middlebox', () => {
  it('resumes at once when the dials made during the outage are reset at the heal', async () => {
    const { healToOutputMs, logs } = await outage('reset');
    expect(healToOutputMs, logs.slice(-20).join('\n')).toBeLessThan(1000);
  });

  it('resumes when the dials made during the outage stay parked for good', async () => {
    // Without replacing parked handshakes, four of them hold every slot until their 15 s
    // handshake timeout.
    const { healToOutputMs, logs } = await outage('keep');
    expect(healToOutputMs, logs.slice(-20).join('\n')).toBeLessThan(3000);
  });
});
