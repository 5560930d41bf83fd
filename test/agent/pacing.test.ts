// Proves DESIGN.md invariants 1 and 3 for who sets the job's pace: a live link, however
// slow, that is the only reader is waited for and never gets a GAP (version 2: liveness
// comes from the client's KEEPALIVEs, not from whether its socket drains); a client that
// never reads, re-attaching again and again, cannot slow the job while another client
// reads (the job runs at the pace of the fastest live client); and a client that goes
// silent (a half-open link) stops holding the job once LIVE_LIMIT has passed.
import { afterEach, describe, expect, it } from 'vitest';

import {
  AgentConn,
  FLAG_FROM_END,
  makeHome,
  reattachingLaggard,
  type AgentHome,
} from '../support/agent';
import { delay } from '../support/proc';

let homes: AgentHome[] = [];
let conns: AgentConn[] = [];
afterEach(async () => {
  for (const c of conns) c.close();
  conns = [];
  await Promise.all(homes.map((h) => h.cleanup()));
  homes = [];
});

function home(): AgentHome {
  const h = makeHome();
  homes.push(h);
  return h;
}

async function sock(h: AgentHome, id: string): Promise<AgentConn> {
  const c = await AgentConn.socket(h, id);
  conns.push(c);
  return c;
}

/** A job that prints at a steady 1 MB/s by the clock: late wake-ups on a busy machine
 * are caught up (up to 250 ms' worth), so its output per second is the same with or
 * without other load, unless the master stops reading it for longer. */
const PACED_JOB = [
  'python3',
  '-c',
  [
    'import os, time',
    "b = b'x' * 32767 + b'\\n'",
    'RATE, SLACK = 1000000, 250000',
    't0, sent = time.monotonic(), 0',
    'while True:',
    '    due = (time.monotonic() - t0) * RATE',
    '    if due - sent > SLACK:',
    '        sent = due - SLACK',
    '    while sent + len(b) <= due:',
    '        os.write(1, b)',
    '        sent += len(b)',
    '    time.sleep(0.01)',
  ].join('\n'),
];

/** The end of output now, as a client attaching at the end sees it. */
async function endOffset(h: AgentHome, id: string): Promise<bigint> {
  const c = await AgentConn.socket(h, id);
  const att = await c.attach({ flags: FLAG_FROM_END });
  c.close();
  return att.endOffset;
}

describe('who sets the pace of the job', () => {
  for (const version of [1, 2] as const) {
    it(`keeps the job at >= 0.9x its unimpeded rate while a never-reading client re-attaches every 1.9 s (version ${version})`, async () => {
      const h = home();
      const id = await h.newSession(['--', ...PACED_JOB]);
      const reader = await sock(h, id);
      reader.countOutputOnly();
      await reader.attach({ flags: FLAG_FROM_END, version: 2 });
      reader.keepAlive();
      await delay(500);

      // Short windows, alone and beside the laggard in turn, alone first and last: a
      // machine getting busier or idler meanwhile biases neither side.
      const WINDOW_MS = 2_000;
      const PAIRS = 3;
      // what the job printed (the end of output), not what the reader took meanwhile
      const window = async (): Promise<number> => {
        const e0 = await endOffset(h, id);
        await delay(WINDOW_MS);
        return Number((await endOffset(h, id)) - e0);
      };
      let aloneSum = await window();
      let besideSum = 0;
      for (let i = 0; i < PAIRS; i++) {
        const stop = reattachingLaggard(h.socketPath(id), version, 1_900);
        besideSum += await window();
        stop();
        aloneSum += await window();
      }
      const alone = aloneSum / (PAIRS + 1);
      const withLaggard = besideSum / PAIRS;
      const ratio = withLaggard / alone;
      console.log(
        `job rate alone ${(alone / WINDOW_MS / 1e3).toFixed(2)} MB/s, next to a version ${version} laggard ${(withLaggard / WINDOW_MS / 1e3).toFixed(2)} MB/s (${ratio.toFixed(2)}x)`,
      );
      expect(alone).toBeGreaterThan(WINDOW_MS * 500); // the job really ran (> 0.5 MB/s)
      expect(ratio).toBeGreaterThanOrEqual(0.9);
    }, 40_000);
  }

  it('waits for a live reader that stops reading for 2.5 s at a time: every byte, no GAP', async () => {
    const h = home();
    const N = 600_000; // `seq` prints ~4.5 MB through the PTY
    // A small ring: a job let run while the reader pauses would wrap it at once.
    const id = await h.newSession(['--scrollback', '1M', '--', 'sh', '-c', `sleep 1; seq 1 ${N}`]);
    const reader = await sock(h, id);
    reader.keepAlive(); // every 4 s, as the engine does
    await reader.attach({ version: 2 });
    // Like sshd when the SSH window is spent: take 1 MB, stop reading for 2.5 s, again.
    const s = reader.socket!;
    let taken = 0;
    let pauses = 0;
    s.on('data', (d: Buffer) => {
      taken += d.length;
      if (taken >= 1_000_000) {
        taken = 0;
        pauses++;
        s.pause();
        setTimeout(() => s.resume(), 2_500);
      }
    });
    const exit = await reader.next('exit', 60_000);
    let expected = '';
    for (let i = 1; i <= N; i++) expected += `${i}\r\n`;
    const got = reader.output().toString('latin1');
    console.log(`${got.length} bytes through ${pauses} pauses of 2.5 s`);
    expect(pauses).toBeGreaterThanOrEqual(3);
    expect(reader.received.filter((r) => r.type === 'gap')).toEqual([]);
    expect(got.length).toBe(expected.length);
    expect(got === expected).toBe(true);
    expect(exit.status).toBe(0);
  }, 60_000);

  it('stops holding the job for a version 2 client silent for LIVE_LIMIT (15 s), not before', async () => {
    const h = home();
    const id = await h.newSession(['--scrollback', '1M', '--', 'yes', 'holdfast']);
    const silent = await sock(h, id);
    await silent.attach({ version: 2 });
    silent.socket!.pause(); // never reads, never sends a keepalive: a half-open link
    // Until the attach nobody held the job: count from here (slow starts under ASan).
    const start = await endOffset(h, id);
    await delay(10_000);
    const held = await endOffset(h, id);
    await delay(7_000);
    const later = await endOffset(h, id);
    console.log(`job output from attach to 10 s: ${held - start} bytes, at 17 s: ${later} bytes`);
    // held: a window (1 MiB) plus what the socket buffers took; then the job runs again
    expect(held - start).toBeLessThan(4_000_000n);
    expect(later - held).toBeGreaterThan(4_000_000n);
  }, 30_000);
});
