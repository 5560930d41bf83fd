// Proves that a tab whose command prints more than the scrollback before the tab's first
// attach arrives still shows every line (`new --hold`): over a link with a 200 ms round
// trip, `seq 1 1500000` (10.4 MB, more than the 8 MiB scrollback) runs the moment `new`
// starts it, a round trip or two before the tab attaches. ssh shows every line; so must we.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDelayProxyFor, type DelayProxy } from '../support/delayProxy';
import { destinationOf, TabRecorder, testEngine } from '../support/engineHarness';
import { startSshd, type Sshd } from '../support/sshd';

const LINES = 1_500_000;

let sshd: Sshd;
let link: DelayProxy;

beforeAll(async () => {
  sshd = await startSshd({ label: 'hold' });
  link = await startDelayProxyFor(sshd, { rttMs: 200 });
});

afterAll(async () => {
  await link?.close();
  await sshd?.stop();
});

describe('a new tab on a slow link', () => {
  it('shows every line of a command that outran its first attach, with no GAP', async () => {
    const { engine } = testEngine();
    try {
      const tab = engine.openTab({
        ...destinationOf(sshd, { port: link.port }),
        cols: 80,
        rows: 24,
        command: [`seq 1 ${LINES}`],
      });
      const rec = new TabRecorder(tab);
      const s = await rec.waitState('ended', 90_000);
      expect(s.kind === 'ended' && s.exitCode).toBe(0);
      expect(rec.gaps).toEqual([]);
      const text = rec.text;
      expect(text.startsWith('1\r\n2\r\n3\r\n')).toBe(true);
      const lines = text.trimEnd().split('\r\n');
      expect(lines.length).toBe(LINES);
      expect(lines.at(-1)).toBe(String(LINES));
    } finally {
      engine.dispose();
    }
  });
});
