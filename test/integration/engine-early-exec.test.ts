// Proves that a tab's first exec on a fresh connection (its probe: the first connect, which
// uploads the agent, a new session once the agent is there, an attach by id) is asked for
// behind the login and taken by the probe, against a real sshd: sshd then sends the
// channel's confirmation with its host-key list instead of a round trip later (pipelined.ts).
// Each tab shows its command's output, and typed input is read once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destinationOf, TabRecorder, testEngine } from '../support/engineHarness';
import { startSshd, type Sshd } from '../support/sshd';

const OPENED = /opened 1 exec channel\(s\) behind the login/;
const TAKEN = /an exec asked for behind the login was taken/;

let sshd: Sshd;
beforeAll(async () => {
  sshd = await startSshd({ label: 'early-exec' });
});
afterAll(async () => {
  await sshd?.stop();
});

/** A fresh engine (a fresh connection) opening one tab; its log and the tab. */
async function freshTab(extra: { attach?: string; command?: string[] } = {}) {
  const { engine, logs } = testEngine();
  const tab = engine.openTab({ ...destinationOf(sshd), cols: 80, rows: 24, ...extra });
  const rec = new TabRecorder(tab);
  await rec.waitState('connected', 30_000);
  return { engine, logs, tab, rec };
}

describe('the first exec of a tab, asked for behind the login', () => {
  it('is the probe on a first connect, a new session and an attach by id', async () => {
    const reader = ['stty -echo; echo READY; while read -r l; do echo "got:$l"; done'];
    // First connect: the agent is uploaded by the probe that took the early exec.
    const first = await freshTab({ command: reader });
    await first.rec.waitFor('READY');
    expect(
      first.logs.some((l) => /agent uploaded/.test(l)),
      first.logs.join('\n'),
    ).toBe(true);
    const id = first.tab.sessionId!;
    first.tab.write(Buffer.from('one\n'));
    await first.rec.waitFor('got:one');
    await first.tab.detach();
    first.engine.dispose();

    // A new session with the agent there, then an attach by id: each on a fresh connection.
    const second = await freshTab({ command: ['echo NEW-SESSION; sleep 30'] });
    await second.rec.waitFor('NEW-SESSION');
    await second.tab.kill();
    second.engine.dispose();
    const third = await freshTab({ attach: id });
    third.tab.write(Buffer.from('two\n'));
    await third.rec.waitFor('got:two');
    expect(third.rec.text.split('got:two').length - 1).toBe(1);
    await third.tab.kill();
    third.engine.dispose();

    for (const [what, logs] of [
      ['first connect', first.logs],
      ['new session', second.logs],
      ['attach by id', third.logs],
    ] as const) {
      expect(
        logs.filter((l) => OPENED.test(l)),
        `${what}:\n${logs.join('\n')}`,
      ).toHaveLength(1);
      expect(
        logs.filter((l) => TAKEN.test(l)),
        `${what}:\n${logs.join('\n')}`,
      ).toHaveLength(1);
    }
  }, 120_000);
});
