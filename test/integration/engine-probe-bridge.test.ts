// Proves a new session's first link is the probe's own channel: the probe starts the
// session and execs `holdfast-agent bridge`, which reads the HELLO and ATTACH the client
// sent behind the probe's script (two round trips fewer than opening a channel after it).
// On a first connect the probe asks for the upload instead: it drops those bytes, the
// install reads exactly the upload (`head -c`) and goes on as the bridge, reading the
// HELLO and ATTACH sent behind the upload. Then the invariants through faults: the start
// of the command's output arrives once, in order, with no GAP, and each line typed is
// read exactly once through a reset and a black-hole, after which the tab is on a
// channel of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destinationOf, TabRecorder, testEngine } from '../support/engineHarness';
import { startFaultProxyFor, type FaultProxy } from '../support/faultProxy';
import { delay, pollFor } from '../support/proc';
import { startSshd, type Sshd } from '../support/sshd';

const KEEPALIVE = { intervalMs: 1000, countMax: 3 };
const LINES = 20_000;
/** Prints numbered lines at once (they outrun nothing: the first link is already there),
 * then answers each line it reads; the PTY's echo is off so a line shows once. */
const COMMAND = `seq 1 ${LINES}; stty -echo; echo reader-up; while read -r l; do echo "got:$l"; done`;
const ON_PROBE = /attaching on the probe's channel/;

let sshd: Sshd;
let proxy: FaultProxy;

beforeAll(async () => {
  sshd = await startSshd({ label: 'probe-bridge' });
  proxy = await startFaultProxyFor(sshd);
});

afterAll(async () => {
  await proxy?.close();
  await sshd?.stop();
});

describe("a new session's first link is the probe's channel", () => {
  it('a first connect installs and attaches on the install, then a new session attaches on the probe and keeps every invariant through faults', async () => {
    const first = testEngine();
    try {
      const tab = first.engine.openTab({
        ...destinationOf(sshd),
        cols: 80,
        rows: 24,
        command: ['echo installed-and-ran'],
      });
      const rec = new TabRecorder(tab);
      await rec.waitFor('installed-and-ran', 30_000);
      expect(first.logs.join('\n')).toMatch(/agent uploaded/);
      expect(first.logs.filter((l) => ON_PROBE.test(l))).toHaveLength(1);
      expect(first.logs.filter((l) => /attached \(protocol/.test(l))).toHaveLength(1);
    } finally {
      first.engine.dispose();
    }

    const { engine, logs } = testEngine({ keepalive: KEEPALIVE });
    try {
      const tab = engine.openTab({
        ...destinationOf(sshd, { port: proxy.port }),
        cols: 80,
        rows: 24,
        command: [COMMAND],
      });
      const rec = new TabRecorder(tab);
      await rec.waitFor('reader-up', 30_000);
      expect(logs.join('\n')).toMatch(/is up to date/);
      expect(logs.filter((l) => ON_PROBE.test(l))).toHaveLength(1);
      expect(logs.filter((l) => /attached \(protocol/.test(l))).toHaveLength(1);
      rec.tab.write(Buffer.from('hello\n'));
      await rec.waitFor('got:hello');

      await proxy.reset();
      rec.tab.write(Buffer.from('after-reset\n'));
      await rec.waitFor('got:after-reset', 30_000);
      const holding = (async () => {
        proxy.blackhole();
        await delay(4_500);
        proxy.pass();
      })();
      await delay(1_000);
      rec.tab.write(Buffer.from('in-the-hole\n'));
      await holding;
      await rec.waitFor('got:in-the-hole', 30_000);
      await pollFor(
        're-attached twice',
        () => logs.filter((l) => /attached \(protocol/.test(l)).length >= 3,
      );

      const lines = rec.text.split(/\r?\n/);
      const numbers = lines.filter((l) => /^\d+$/.test(l)).map(Number);
      expect(numbers.length).toBe(LINES);
      expect(numbers.every((n, i) => n === i + 1)).toBe(true);
      expect(lines.filter((l) => l.startsWith('got:'))).toEqual([
        'got:hello',
        'got:after-reset',
        'got:in-the-hole',
      ]);
      expect(rec.gaps).toEqual([]);
      expect(logs.filter((l) => ON_PROBE.test(l))).toHaveLength(1);
      await rec.tab.kill();
    } finally {
      engine.dispose();
      proxy.pass();
    }
  }, 90_000);
});
