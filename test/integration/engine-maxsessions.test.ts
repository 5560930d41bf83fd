// Proves a host that limits channels per connection (MaxSessions) and forbids stream-local
// forwarding still takes every tab: the engine opens a second connection rather than
// failing, and each tab keeps its own session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type Sshd } from '../support/sshd';
import { destinationOf, TabRecorder, testEngine } from '../support/engineHarness';

let sshd: Sshd;
beforeAll(async () => {
  sshd = await startSshd({ extraConfig: ['AllowStreamLocalForwarding no', 'MaxSessions 2'] });
});
afterAll(async () => {
  await sshd?.stop();
});

describe('a server with MaxSessions 2 and no stream-local forwarding', () => {
  it('opens four tabs, each echoing its own input, over more than one connection', async () => {
    const { engine, logs } = testEngine();
    try {
      const tabs = [];
      for (let i = 0; i < 4; i++) {
        const tab = engine.openTab({
          ...destinationOf(sshd),
          cols: 80,
          rows: 24,
          command: ['stty -echo; cat'],
        });
        const rec = new TabRecorder(tab);
        await rec.waitState('connected', 30_000);
        tabs.push(rec);
      }
      for (const [i, rec] of tabs.entries()) rec.tab.write(Buffer.from(`tab-${i}-says-hi\r`));
      for (const [i, rec] of tabs.entries()) {
        await rec.waitFor(`tab-${i}-says-hi`);
        expect(rec.text).not.toMatch(new RegExp(`tab-(?!${i}-)\\d-says-hi`));
      }
      expect(new Set(tabs.map((r) => r.tab.sessionId)).size).toBe(4);
      expect(logs.join('\n')).toMatch(/opened connection 2/);
      for (const rec of tabs) await rec.tab.kill();
    } finally {
      engine.dispose();
    }
  });
});

describe('a server with MaxSessions 2 that allows stream-local forwarding', () => {
  let limited: Sshd;
  beforeAll(async () => {
    limited = await startSshd({ extraConfig: ['MaxSessions 2'] });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  it('ends six sessions killed at once: each kill asks again for a channel the server refused', async () => {
    const { engine } = testEngine();
    try {
      const tabs = [];
      for (let i = 0; i < 6; i++) {
        const tab = engine.openTab({
          ...destinationOf(limited),
          cols: 80,
          rows: 24,
          command: [`stty -echo; echo ready-${i}; exec sleep 600`],
        });
        const rec = new TabRecorder(tab);
        await rec.waitFor(`ready-${i}`, 30_000);
        tabs.push(rec);
      }
      // Every tab rides one connection's stream-local channels; six `kill --wait` execs at
      // once are more session channels than sshd allows on it.
      await Promise.all(tabs.map((r) => r.tab.kill()));
      const ls = (await limited.exec('~/.holdfast/bin/holdfast-agent ls')).stdout;
      for (const r of tabs) expect(ls, `session ${r.tab.sessionId}`).not.toContain(r.tab.sessionId);
    } finally {
      engine.dispose();
    }
  });
});

describe('a server with MaxSessions 1', () => {
  let one: Sshd;
  beforeAll(async () => {
    one = await startSshd({ extraConfig: ['MaxSessions 1'] });
  });
  afterAll(async () => {
    await one?.stop();
  });

  it("lists sessions while a new tab's first link holds the connection's one session channel", async () => {
    // A new tab's first link is its probe's exec (the bridge): on a server that allows one
    // session channel per connection, the next exec goes over another connection.
    const { engine, logs } = testEngine();
    try {
      const tab = engine.openTab({
        ...destinationOf(one),
        cols: 80,
        rows: 24,
        command: ['echo first-tab; exec sleep 600'],
      });
      const rec = new TabRecorder(tab);
      await rec.waitFor('first-tab', 30_000);
      expect(logs.join('\n')).toMatch(/attaching on the probe's channel/);
      const list = await engine.listSessions(destinationOf(one));
      expect(list.ok && list.value.map((s) => s.id)).toEqual([tab.sessionId]);
      expect(logs.join('\n')).toMatch(/opened connection 2/);
      await rec.tab.kill();
      const after = await engine.listSessions(destinationOf(one));
      expect(after.ok && after.value).toEqual([]);
    } finally {
      engine.dispose();
    }
  });
});
