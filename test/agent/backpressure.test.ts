// Proves flow control under a flood (`yes`): a client that stops reading never slows a
// reading client (the job runs at the pace of the fastest live one); the master's memory
// stays bounded by its ring; and Ctrl-C (INPUT \x03) or SIGNAL INT from the lagging client
// stops the flood at once, because input is never queued behind output.
import { afterEach, describe, expect, it } from 'vitest';

import {
  AgentConn,
  enc,
  FLAG_FROM_END,
  isSanitized,
  makeHome,
  rssKiB,
  type AgentHome,
} from '../support/agent';
import { delay, isAlive, pollFor } from '../support/proc';

let homes: AgentHome[] = [];
let conns: AgentConn[] = [];
afterEach(async () => {
  for (const c of conns) c.close();
  conns = [];
  await Promise.all(homes.map((h) => h.cleanup()));
  homes = [];
});

async function floodWithLaggard(): Promise<{
  h: AgentHome;
  laggard: AgentConn;
  reader: AgentConn;
  master: number;
  child: number;
}> {
  const h = makeHome();
  homes.push(h);
  const id = await h.newSession(['--', 'yes', 'holdfast']);
  const laggard = await AgentConn.socket(h, id);
  const reader = await AgentConn.socket(h, id);
  conns.push(laggard, reader);
  reader.countOutputOnly();
  laggard.countOutputOnly();
  await laggard.attach({ flags: FLAG_FROM_END });
  laggard.socket?.pause(); // stops reading: its socket buffer fills, then it stalls
  await reader.attach({ flags: FLAG_FROM_END });
  const m = h.meta(id);
  return { h, laggard, reader, master: Number(m.pid), child: Number(m.child) };
}

describe('flow control', () => {
  it('lets a reading client stream past a stalled one and keeps the master bounded', async () => {
    const { reader, master } = await floodWithLaggard();
    await delay(2500);
    const before = reader.outputBytes;
    await delay(1000);
    const rate = reader.outputBytes - before;
    console.log(`reader took ${(rate / 1e6).toFixed(1)} MB in the second after the stall`);
    expect(rate).toBeGreaterThan(2_000_000);
    const rss = rssKiB(master) ?? 0;
    console.log(`master RSS while flooding with a stalled client: ${rss} KiB`);
    // 8 MiB ring + 1 MiB budget, a little slack; the sanitizers add their own shadow memory
    if (!isSanitized()) expect(rss).toBeLessThan(9 * 1024 + 1024);
  });

  it('stops the flood at once on Ctrl-C typed by the lagging client', async () => {
    const { laggard, child } = await floodWithLaggard();
    await delay(300);
    const t0 = Date.now();
    laggard.send(enc.input(1, '\x03'));
    await pollFor('yes to die', () => !isAlive(child), 2000, 5);
    console.log(`Ctrl-C stopped yes after ${Date.now() - t0} ms`);
  });

  it('stops the flood at once on SIGNAL INT from the lagging client', async () => {
    const { laggard, reader, child } = await floodWithLaggard();
    await delay(300);
    laggard.send(enc.signal(2));
    await pollFor('yes to die', () => !isAlive(child), 2000, 5);
    const exit = await reader.next('exit', 10_000);
    expect(exit.status).toBe(130);
  });
});
