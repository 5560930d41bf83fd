// Proves DESIGN.md invariants 1 and 3 for who sets the job's pace: a live link, however
// slow, that is the only reader is waited for and never gets a GAP (version 2: liveness
// comes from the client's KEEPALIVEs, not from whether its socket drains); a client that
// never reads, re-attaching again and again, cannot slow the job while another client
// reads (the job runs at the pace of the fastest live client); and a client that goes
// silent (a half-open link) stops holding the job once LIVE_LIMIT has passed.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

import {
  AgentConn,
  enc,
  FLAG_FROM_END,
  makeHome,
  randomClientId,
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

/** A job that prints at a steady pace (32 KiB every 10 ms, ~3 MB/s) for as long as it
 * may: its unimpeded rate is known, and a held-back job shows as a lower one. */
const PACED_JOB = [
  'python3',
  '-c',
  "import os, time\nb = b'x' * 32767 + b'\\n'\nwhile True:\n    os.write(1, b)\n    time.sleep(0.01)",
];

/** The end of output now, as a client attaching at the end sees it. */
async function endOffset(h: AgentHome, id: string): Promise<bigint> {
  const c = await AgentConn.socket(h, id);
  const att = await c.attach({ flags: FLAG_FROM_END });
  c.close();
  return att.endOffset;
}

/** A client that re-attaches every `everyMs` from offset 0 (the whole ring behind) and
 * never reads a byte, until stopped. */
function reattachingLaggard(path: string, version: 1 | 2, everyMs: number): () => void {
  let stopped = false;
  let sock: net.Socket | undefined;
  const once = (): void => {
    if (stopped) return;
    sock?.destroy();
    sock = net.createConnection(path);
    sock.on('error', () => {});
    sock.pause();
    sock.write(
      version === 2
        ? Buffer.concat([enc.hello(1, 2), enc.attachV2(randomClientId(), 0n)])
        : Buffer.concat([enc.hello(1, 1), enc.attach(randomClientId(), 0n)]),
    );
    // a version 2 laggard even keeps itself live: it still must not hold the job
    if (version === 2) setTimeout(() => !stopped && sock?.write(enc.keepalive()), everyMs / 2);
    setTimeout(once, everyMs);
  };
  once();
  return () => {
    stopped = true;
    sock?.destroy();
  };
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

      const WINDOW_MS = 5_000;
      const a0 = reader.outputBytes;
      await delay(WINDOW_MS);
      const alone = reader.outputBytes - a0;

      const stop = reattachingLaggard(h.socketPath(id), version, 1_900);
      const b0 = reader.outputBytes;
      await delay(WINDOW_MS);
      const withLaggard = reader.outputBytes - b0;
      stop();
      const ratio = withLaggard / alone;
      console.log(
        `job rate alone ${(alone / WINDOW_MS / 1e3).toFixed(2)} MB/s, next to a version ${version} laggard ${(withLaggard / WINDOW_MS / 1e3).toFixed(2)} MB/s (${ratio.toFixed(2)}x)`,
      );
      expect(alone).toBeGreaterThan(WINDOW_MS * 1_000); // the job really ran (> 1 MB/s)
      expect(ratio).toBeGreaterThanOrEqual(0.9);
    }, 30_000);
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
    const id = await h.newSession(['--scrollback', '1M', '--', ...PACED_JOB]);
    const silent = await sock(h, id);
    await silent.attach({ version: 2 });
    silent.socket!.pause(); // never reads, never sends a keepalive: a half-open link
    await delay(10_000);
    const held = await endOffset(h, id);
    await delay(7_000);
    const later = await endOffset(h, id);
    console.log(`job output at 10 s: ${held} bytes, at 17 s: ${later} bytes`);
    // held: a window (1 MiB) plus what the socket buffers took; then the job runs again
    expect(held).toBeLessThan(4_000_000n);
    expect(later - held).toBeGreaterThan(4_000_000n);
  }, 30_000);
});
