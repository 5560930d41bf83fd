// Proves protocol 3's end-to-end flow control at the master: a client that takes every
// byte at once but says it has shown none (no SHOWN) gets at most the window past its
// attach offset, because the master stops reading the PTY there (so the tty's flush on
// Ctrl-C finds the backlog); each SHOWN lets more flow, the window sized to the path the
// SHOWNs measure (remote-agent/wnd.c), so a long path is not held to a fixed window per
// round trip; a version 2 client keeps
// today's rule (a window of unsent bytes); a SHOWN beyond what was sent, or in version 2,
// is a protocol error.
import { afterEach, describe, expect, it } from 'vitest';

import { AgentConn, ERR, FLAG_FROM_END, enc, makeHome, type AgentHome } from '../support/agent';
import { delay } from '../support/proc';

/** The master's HF_SHOWN_WINDOW (remote-agent/proto.h): the least, and the first, window. */
const SHOWN_WINDOW = 256 * 1024;
/** Long enough for `yes` to fill any window many times over on a loaded machine. */
const SETTLE_MS = 700;

let homes: AgentHome[] = [];
let conns: AgentConn[] = [];
afterEach(async () => {
  for (const c of conns) c.close();
  conns = [];
  await Promise.all(homes.map((h) => h.cleanup()));
  homes = [];
});

async function flood(version: 2 | 3): Promise<{ c: AgentConn; start: bigint }> {
  const h = makeHome();
  homes.push(h);
  const id = await h.newSession(['--', 'yes']);
  const c = await AgentConn.socket(h, id);
  conns.push(c);
  c.countOutputOnly();
  const att = await c.attach({ flags: FLAG_FROM_END, version });
  c.keepAlive(1000);
  return { c, start: att.endOffset };
}

describe('SHOWN (protocol 3): the job runs at most a window past what the client showed', () => {
  it('stops at the window while nothing is shown, and goes on by the window each SHOWN measured', async () => {
    const { c, start } = await flood(3);
    await delay(SETTLE_MS);
    const first = c.outputBytes;
    // Everything the master read was sent and taken: the PTY itself is what waits.
    expect(first).toBeGreaterThan(SHOWN_WINDOW / 2);
    expect(first).toBeLessThanOrEqual(SHOWN_WINDOW);
    await delay(SETTLE_MS);
    expect(c.outputBytes).toBe(first);

    // The SHOWN also measured the path: `first` bytes shown over a round trip of about
    // two settle times; the window becomes twice that product, at most 2 × first here.
    c.send(enc.shown(start + BigInt(first)));
    await delay(SETTLE_MS);
    expect(c.outputBytes).toBeGreaterThan(first + SHOWN_WINDOW / 2);
    expect(c.outputBytes).toBeLessThanOrEqual(first + 2 * first);
    await delay(SETTLE_MS);
    expect(c.outputBytes).toBeLessThanOrEqual(first + 2 * first);
  });

  it('grows the window to the path: a client that shows each byte 100 ms after it came gets more than a fixed window per round trip', async () => {
    const { c, start } = await flood(3);
    // The client's screen lags its socket by LAG_MS: it says SHOWN for what it had then.
    const LAG_MS = 100;
    const had: { at: number; bytes: number }[] = [];
    let shownBytes = 0;
    const t0 = performance.now();
    let atTwoSeconds = 0;
    while (performance.now() - t0 < 3000) {
      const now = performance.now();
      had.push({ at: now, bytes: c.outputBytes });
      while (had.length > 0 && had[0]!.at <= now - LAG_MS) {
        const h = had.shift()!;
        if (h.bytes > shownBytes) {
          shownBytes = h.bytes;
          c.send(enc.shown(start + BigInt(shownBytes)));
        }
      }
      if (atTwoSeconds === 0 && now - t0 >= 2000) atTwoSeconds = shownBytes;
      await delay(5);
    }
    // The last second: a fixed window allows SHOWN_WINDOW per 100 ms (2.6 MB/s); grown to
    // the measured product it is limited by the PTY or the cap (4 MiB per 100 ms).
    const lastSecond = shownBytes - atTwoSeconds;
    console.log(
      `a window grown to a 100 ms path: ${(lastSecond / 1e6).toFixed(1)} MB shown in 1 s`,
    );
    expect(lastSecond).toBeGreaterThan(2 * SHOWN_WINDOW * (1000 / LAG_MS));
  });

  it('keeps version 2 clients on the unsent-bytes window (no SHOWN needed)', async () => {
    const { c } = await flood(2);
    await delay(SETTLE_MS);
    expect(c.outputBytes).toBeGreaterThan(4 * SHOWN_WINDOW);
  });

  it('refuses a SHOWN beyond the output sent', async () => {
    const { c, start } = await flood(3);
    c.send(enc.shown(start + 10n * BigInt(SHOWN_WINDOW)));
    const e = await c.next('error');
    expect(e.code).toBe(ERR.PROTOCOL);
    expect(e.message).toMatch(/SHOWN offset .* beyond the output sent/);
  });

  it('refuses SHOWN in version 2', async () => {
    const { c, start } = await flood(2);
    c.send(enc.shown(start));
    const e = await c.next('error');
    expect(e.code).toBe(ERR.PROTOCOL);
    expect(e.message).toMatch(/does not exist in protocol version 2/);
  });
});
