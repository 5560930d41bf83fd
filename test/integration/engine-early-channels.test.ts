// Proves that a reconnect opens every tab's session channel right behind its login (one
// round trip fewer, main/engine/ssh/pipelined.ts), to the tab's resume socket, where the
// master attaches it unasked (protocol 5: another round trip fewer), and that this keeps
// the invariants: three tabs on one host, a real sshd behind the fault proxy, through a
// reset, a black-hole and dials reset at the heal; each tab's output arrives once and in
// order with no GAP, and each line typed while the link was down is read exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destinationOf, TabRecorder, testEngine } from '../support/engineHarness';
import { startFaultProxyFor, type FaultProxy } from '../support/faultProxy';
import { delay, pollFor } from '../support/proc';
import { startSshd, type Sshd } from '../support/sshd';

/** Keepalive 1 s x 3: the link is judged dead 3 s into a black hole. */
const KEEPALIVE = { intervalMs: 1000, countMax: 3 };
const TABS = 3;
/** Each tab reads lines and answers each one; the PTY's echo is off so a line shows once. */
const READER = 'stty -echo; while read -r l; do echo "got:$l"; done';
const EARLY = /opened \d+ channel\(s\) behind the login/;
const PUSHED = /attached \(protocol 5, by its resume socket\)/;

let sshd: Sshd;
let proxy: FaultProxy;

beforeAll(async () => {
  sshd = await startSshd({ label: 'early' });
  proxy = await startFaultProxyFor(sshd);
});

afterAll(async () => {
  await proxy?.close();
  await sshd?.stop();
});

describe('channels opened behind the login on a reconnect', () => {
  it('three tabs resume through a reset, a black-hole and reset dials, each line read once', async () => {
    const { engine, logs } = testEngine({ keepalive: KEEPALIVE });
    try {
      const recs = Array.from({ length: TABS }, () => {
        const tab = engine.openTab({
          ...destinationOf(sshd, { port: proxy.port }),
          cols: 80,
          rows: 24,
          command: [READER],
        });
        return new TabRecorder(tab);
      });
      await Promise.all(recs.map((r) => r.waitState('connected')));
      // The reader is running (echo off) once it answers.
      for (const [i, r] of recs.entries()) r.tab.write(Buffer.from(`hello${i}\n`));
      await Promise.all(recs.map((r, i) => r.waitFor(`got:hello${i}`)));

      const faults: [string, () => Promise<void>][] = [
        ['a reset', () => proxy.reset()],
        [
          'a black-hole',
          async () => {
            proxy.blackhole();
            await delay(4_500);
            proxy.pass();
          },
        ],
        [
          'dials reset at the heal',
          async () => {
            proxy.blackhole();
            await delay(4_500);
            proxy.pass({ held: 'reset' });
          },
        ],
      ];
      for (const [n, [what, fault]] of faults.entries()) {
        const earlyBefore = logs.filter((l) => EARLY.test(l)).length;
        const attachedBefore = logs.filter((l) => /attached \(protocol/.test(l)).length;
        const pushedBefore = logs.filter((l) => PUSHED.test(l)).length;
        if (what !== 'a reset') {
          // Typed into the outage: held by the tabs, delivered after the resume.
          const holding = fault();
          await delay(1_000);
          for (const [i, r] of recs.entries()) r.tab.write(Buffer.from(`f${n}t${i}\n`));
          await holding;
        } else {
          await fault();
          for (const [i, r] of recs.entries()) r.tab.write(Buffer.from(`f${n}t${i}\n`));
        }
        await Promise.all(recs.map((r, i) => r.waitFor(`got:f${n}t${i}`, 30_000)));
        await pollFor(
          `every tab re-attached after ${what}`,
          () => logs.filter((l) => /attached \(protocol/.test(l)).length >= attachedBefore + TABS,
        );
        const early = logs.filter((l) => EARLY.test(l)).slice(earlyBefore);
        expect(early.length, `${what}:\n${logs.slice(-30).join('\n')}`).toBeGreaterThan(0);
        expect(early.at(-1)).toContain(`opened ${TABS} channel(s)`);
        // Each to the tab's resume socket: the master attached every tab unasked.
        const pushed = logs.filter((l) => PUSHED.test(l)).length - pushedBefore;
        expect(pushed, `${what}:\n${logs.slice(-30).join('\n')}`).toBeGreaterThanOrEqual(TABS);
      }

      for (const [i, r] of recs.entries()) {
        const lines = r.text.split(/\r?\n/).filter((l) => l.startsWith('got:'));
        const want = [`got:hello${i}`, ...faults.map((_, n) => `got:f${n}t${i}`)];
        expect(lines, `tab ${i}`).toEqual(want);
        expect(r.gaps).toEqual([]);
      }
      await Promise.all(recs.map((r) => r.tab.kill()));
    } finally {
      engine.dispose();
      proxy.pass();
    }
  });
});
