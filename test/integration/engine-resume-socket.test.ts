// Proves the fallback of protocol 5's resume sockets through sshd and the fault proxy: a
// tab whose resume socket is gone on the server (removed here, as a full disk or a ninth
// client id would leave it) attaches through the session's own socket after a reset, with
// each typed line read once and no GAP; that attach makes the master offer a socket
// again, and the next resume is attached on it. A black-hole in between is resumed on it
// too, with a line typed into the outage read once. Two windows on one session (two
// engines, two client ids) get a socket each and both resume on theirs through a reset and
// a black-hole, every line read once and shown once in each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../main/engine/engine';
import type { Tab } from '../../main/engine/types';
import { destinationOf, TabRecorder, testEngine } from '../support/engineHarness';
import { startFaultProxyFor, type FaultProxy } from '../support/faultProxy';
import { delay, pollFor } from '../support/proc';
import { startSshd, type Sshd } from '../support/sshd';

const PUSHED = /attached \(protocol 5, by its resume socket\)/;
const USUAL = /attached \(protocol 5, with HELLO\)/;
const NO_SOCKET = /no resume socket/;

describe('resume sockets through sshd', () => {
  let sshd: Sshd;
  let proxy: FaultProxy;
  beforeAll(async () => {
    sshd = await startSshd({ label: 'resume-socket' });
    proxy = await startFaultProxyFor(sshd);
  });
  afterAll(async () => {
    await proxy?.close();
    await sshd?.stop();
  });

  /** A connected tab through the proxy: a new session that echoes each line it reads (the
   * PTY's echo off, so a line shows once), or a window on session `attach`. */
  async function readerTab(
    engine: Engine,
    attach?: string,
  ): Promise<{ tab: Tab; rec: TabRecorder }> {
    const tab = engine.openTab({
      ...destinationOf(sshd, { port: proxy.port }),
      cols: 80,
      rows: 24,
      ...(attach
        ? { attach }
        : { command: ['stty -echo; while read -r l; do echo "got:$l"; done'] }),
    });
    const rec = new TabRecorder(tab);
    await rec.waitState('connected', 30_000);
    return { tab, rec };
  }

  it('falls back to the session socket when its resume socket is gone, then uses a new one', async () => {
    const { engine, logs } = testEngine({ keepalive: { intervalMs: 500, countMax: 3 } });
    const count = (re: RegExp) => logs.filter((l) => re.test(l)).length;
    try {
      const { tab, rec } = await readerTab(engine);
      const line = async (s: string) => {
        tab.write(Buffer.from(`${s}\n`));
        await rec.waitFor(`got:${s}`, 30_000);
      };
      await line('a');

      // A reset: resumed on the resume socket.
      await proxy.reset();
      await line('b');
      await pollFor('a resume on the resume socket', () => count(PUSHED) >= 1);

      // The socket removed on the server: the next resume goes the usual way.
      const rm = await sshd.exec('rm -f ~/.holdfast/sessions/*.*.sock');
      expect(rm.code).toBe(0);
      const usualBefore = count(USUAL);
      await proxy.reset();
      await line('c');
      await pollFor('an attach the usual way', () => count(USUAL) > usualBefore);
      expect(count(NO_SOCKET), logs.slice(-20).join('\n')).toBeGreaterThanOrEqual(1);

      // That attach made the master offer a socket again: a black-hole resumes on it, and a
      // line typed into the outage is read once.
      const pushedBefore = count(PUSHED);
      proxy.blackhole();
      await delay(1_000);
      tab.write(Buffer.from('d\n'));
      await delay(2_500);
      proxy.pass();
      await rec.waitFor('got:d', 30_000);
      await pollFor('a resume on the new resume socket', () => count(PUSHED) > pushedBefore);

      const got = rec.text.split(/\r?\n/).filter((l) => l.startsWith('got:'));
      expect(got).toEqual(['got:a', 'got:b', 'got:c', 'got:d']);
      expect(rec.gaps).toEqual([]);
      await tab.kill();
    } finally {
      engine.dispose();
      proxy.pass();
    }
  }, 120_000);

  it('gives two windows on one session a socket each, both resumed on theirs', async () => {
    const a = testEngine({ keepalive: { intervalMs: 500, countMax: 3 } });
    const b = testEngine({ keepalive: { intervalMs: 500, countMax: 3 } });
    const pushed = (logs: string[]) => logs.filter((l) => PUSHED.test(l)).length;
    try {
      const { tab: tabA, rec: recA } = await readerTab(a.engine);
      const { tab: tabB, rec: recB } = await readerTab(b.engine, tabA.sessionId!);
      tabA.write(Buffer.from('a1\n'));
      await recB.waitFor('got:a1', 30_000);
      const socks = await sshd.exec(
        `ls ~/.holdfast/sessions/ | grep -c '^${tabA.sessionId}\\..*\\.sock$'`,
      );
      expect(socks.stdout.trim()).toBe('2');

      for (const [n, fault] of [
        () => proxy.reset(),
        async () => {
          proxy.blackhole();
          await delay(2_500);
          proxy.pass();
        },
      ].entries()) {
        const before = [pushed(a.logs), pushed(b.logs)];
        await fault();
        tabA.write(Buffer.from(`a${n + 2}\n`));
        tabB.write(Buffer.from(`b${n + 2}\n`));
        for (const rec of [recA, recB]) {
          await rec.waitFor(`got:a${n + 2}`, 30_000);
          await rec.waitFor(`got:b${n + 2}`, 30_000);
        }
        await pollFor('both windows resumed on their sockets', () => {
          return pushed(a.logs) > before[0]! && pushed(b.logs) > before[1]!;
        });
      }
      for (const rec of [recA, recB]) {
        const got = rec.text.split(/\r?\n/).filter((l) => l.startsWith('got:'));
        expect([...got].sort()).toEqual(['got:a1', 'got:a2', 'got:a3', 'got:b2', 'got:b3']);
        expect(rec.gaps).toEqual([]);
      }
      await tabA.kill();
    } finally {
      a.engine.dispose();
      b.engine.dispose();
      proxy.pass();
    }
  }, 120_000);
});
