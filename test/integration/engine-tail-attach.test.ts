// Opening an old session in a new window (issue 12 item 6): a session with 8 MB of history
// is attached over a 2 Mbit/s link, and the window gets the session's last part (from a
// line start, the rest marked as not replayed) instead of the whole scrollback, which would
// take over half a minute there. Then the tail attach meets a reset and a black-hole: the
// output continues exactly, every line once, and a later gap is never marked as skipped.

import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRESH_ATTACH_TAIL } from '../../main/engine/engine';
import { destinationOf, TabRecorder, testEngine } from '../support/engineHarness';
import { startFaultProxyFor, trustPort, type FaultProxy } from '../support/faultProxy';
import { startRateProxy, type RateProxy } from '../support/rateProxy';
import { startSshd, type Sshd } from '../support/sshd';

/** 2 Mbit/s from server to client: the slowest link. */
const LINK_BYTES_PER_MS = 250;
/** Lines of history: 100 bytes each (101 through the PTY), ~8 MB. */
const HISTORY_LINES = 80_000;

let sshd: Sshd;
let link: RateProxy;
let proxy: FaultProxy;
let sessionId: string;
beforeAll(async () => {
  sshd = await startSshd({ label: 'tail' });
  link = await startRateProxy({
    target: { host: sshd.host, port: sshd.port },
    bytesPerMs: LINK_BYTES_PER_MS,
  });
  await trustPort(sshd, link.port);
  proxy = await startFaultProxyFor(sshd);
  // The session is made and filled over loopback, then left running without a window.
  const { engine } = testEngine();
  try {
    const tab = engine.openTab({
      ...destinationOf(sshd),
      cols: 120,
      rows: 30,
      command: [
        `awk 'BEGIN { for (i = 1; i <= ${HISTORY_LINES}; i++) printf "line %-93d.\\n", i; print "HISTORY-END" }'; ` +
          `i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.05; done`,
      ],
    });
    const rec = new TabRecorder(tab);
    await rec.waitFor('HISTORY-END', 60_000);
    sessionId = tab.sessionId!;
    await tab.detach();
  } finally {
    engine.dispose();
  }
}, 120_000);
afterAll(async () => {
  await link?.close();
  await proxy?.close();
  await sshd?.stop();
});

function lineNumbers(text: string, word: string): number[] {
  return [...text.matchAll(new RegExp(`${word} (\\d+)`, 'g'))].map((m) => Number(m[1]));
}

describe('attaching a window to a session with 8 MB of history', () => {
  it('shows its last part over a 2 Mbit/s link, the rest marked as not replayed', async () => {
    const { engine } = testEngine();
    try {
      const t0 = performance.now();
      const tab = engine.openTab({
        ...destinationOf(sshd, { port: link.port }),
        attach: sessionId,
        cols: 120,
        rows: 30,
      });
      const rec = new TabRecorder(tab);
      const gaps: boolean[] = [];
      tab.onGap((_f, _t, skipped) => gaps.push(skipped));
      await rec.waitFor('HISTORY-END', 30_000);
      const ms = performance.now() - t0;
      console.log(`tail attach at 2 Mbit/s: history's end on screen after ${ms.toFixed(0)} ms`);
      expect(gaps).toEqual([true]);
      const [from, to] = rec.gaps[0]!;
      expect(from).toBe(0n);
      expect(to).toBeGreaterThan(7_000_000n);
      // From a line start: the first thing shown is a whole line, and the lines run on to
      // the end of the history, each once.
      expect(rec.text.startsWith('line ')).toBe(true);
      const lines = lineNumbers(rec.text, 'line');
      expect(lines.at(-1)).toBe(HISTORY_LINES);
      expect(lines).toEqual(lines.map((_, i) => lines[0]! + i));
      expect(rec.text.indexOf('HISTORY-END')).toBeLessThanOrEqual(FRESH_ATTACH_TAIL);
      await tab.detach();
    } finally {
      engine.dispose();
    }
  }, 60_000);

  it('continues exactly through a reset and a black-hole after the tail attach', async () => {
    const { engine } = testEngine({ keepalive: { intervalMs: 500, countMax: 3 } });
    try {
      const tab = engine.openTab({
        ...destinationOf(sshd, { port: proxy.port }),
        attach: sessionId,
        cols: 120,
        rows: 30,
      });
      const rec = new TabRecorder(tab);
      const skipped: boolean[] = [];
      tab.onGap((_f, _t, s) => skipped.push(s));
      await rec.waitFor('HISTORY-END', 30_000);
      await proxy.reset();
      const seen = lineNumbers(rec.text, 'tick').at(-1) ?? 0;
      await rec.waitFor(`tick ${seen + 10}`, 30_000);
      proxy.blackhole();
      await new Promise((r) => setTimeout(r, 2500));
      proxy.pass();
      const after = lineNumbers(rec.text, 'tick').at(-1) ?? 0;
      await rec.waitFor(`tick ${after + 40}`, 30_000);
      // One gap, the skipped history; every tick once and in order across both faults.
      expect(skipped).toEqual([true]);
      const ticks = lineNumbers(rec.text, 'tick');
      expect(ticks).toEqual(ticks.map((_, i) => ticks[0]! + i));
      await tab.detach();
    } finally {
      engine.dispose();
    }
  }, 90_000);
});
