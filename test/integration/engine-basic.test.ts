// Proves the engine end to end against a real sshd: it deploys the agent into a fresh
// home, starts a session, shows its output, takes keystrokes, and the session outlives
// the tab (detach, then attach again from where it was); the session list tells what runs
// in it and where, and ending a session from the list leaves nothing behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type Sshd } from '../support/sshd';
import { destinationOf, TabRecorder, testEngine } from '../support/engineHarness';
import type { SessionInfo } from '../../main/engine/types';

let sshd: Sshd;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

describe('engine against a real sshd', () => {
  it('deploys the agent, runs a command and reports its exit code', async () => {
    const { engine } = testEngine();
    try {
      const tab = engine.openTab({
        ...destinationOf(sshd),
        cols: 80,
        rows: 24,
        command: ['echo hello-$((6*7)); exit 3'],
      });
      const rec = new TabRecorder(tab);
      await rec.waitFor('hello-42');
      const s = await rec.waitState('ended');
      expect(s).toEqual({ kind: 'ended', exitCode: 3 });
      const ls = await sshd.exec('ls -l ~/.holdfast/bin/');
      expect(ls.stdout).toMatch(/holdfast-agent -> holdfast-agent-/);
    } finally {
      engine.dispose();
    }
  });

  it('types into a shell and the session survives a detach', async () => {
    const { engine } = testEngine();
    try {
      const tab = engine.openTab({
        ...destinationOf(sshd),
        cols: 80,
        rows: 24,
        command: ['stty -echo; cat'],
      });
      const rec = new TabRecorder(tab);
      await rec.waitState('connected');
      tab.write(Buffer.from('first-line\r'));
      await rec.waitFor(/first-line\r?\n/);
      const id = tab.sessionId!;
      const snap = tab.snapshot()!;
      await tab.detach();
      const listed = await engine.listSessions(destinationOf(sshd));
      expect(listed.ok && listed.value.map((s) => s.id)).toContain(id);
      const again = engine.openTab({
        ...destinationOf(sshd),
        cols: 80,
        rows: 24,
        attach: id,
        resume: snap,
      });
      const rec2 = new TabRecorder(again);
      await rec2.waitState('connected');
      again.write(Buffer.from('second-line\r'));
      await rec2.waitFor('second-line');
      expect(rec2.text).not.toContain('first-line');
      await again.kill();
    } finally {
      engine.dispose();
    }
  });

  it('lists what a session runs now, where and its last line; ending it removes it', async () => {
    const { engine } = testEngine();
    try {
      const tab = engine.openTab({ ...destinationOf(sshd), cols: 80, rows: 24 });
      const rec = new TabRecorder(tab);
      await rec.waitState('connected');
      tab.write(Buffer.from('cd /tmp; echo marker-$((100+23)); sleep 600\r'));
      await rec.waitFor('marker-123');
      const id = tab.sessionId!;
      await tab.detach();
      const dest = destinationOf(sshd);
      let mine: SessionInfo | undefined;
      for (let i = 0; i < 50 && mine?.foregroundCommand !== 'sleep 600'; i++) {
        const listed = await engine.listSessions(dest);
        mine = listed.ok ? listed.value.find((s) => s.id === id) : undefined;
      }
      expect(mine).toMatchObject({
        foregroundCommand: 'sleep 600',
        cwd: '/tmp',
        lastLine: 'marker-123',
        jobRunning: true,
        attached: 0,
        state: 'running',
      });
      expect(await engine.killSession(dest, id)).toEqual({ ok: true, value: undefined });
      const after = await engine.listSessions(dest);
      expect(after.ok && after.value.map((s) => s.id)).not.toContain(id);
    } finally {
      engine.dispose();
    }
  });

  it('passes SendEnv and SetEnv to a new session (the locale by default), as ssh does', async () => {
    // What the server's AcceptEnv (LANG LC_* HFT_*) lets through reaches the session.
    const env = { ...process.env, LANG: 'C.UTF-8', HFT_SENT_A: 'one', HFT_UNSENT: 'no' };
    const show = ['for v in LANG HFT_SENT_A HFT_UNSENT HFT_SET; do echo "$v=${!v-unset}"; done'];
    const run = async (options: string[] | undefined): Promise<string> => {
      const { engine } = testEngine({ env });
      try {
        const tab = engine.openTab({
          ...destinationOf(sshd, options ? { options } : {}),
          cols: 80,
          rows: 24,
          command: show,
        });
        const rec = new TabRecorder(tab);
        await rec.waitState('ended');
        return rec.text.replace(/\r/g, '');
      } finally {
        engine.dispose();
      }
    };
    // No SendEnv anywhere: the locale only (what distributions' system ssh_config sends).
    const plain = await run(undefined);
    expect(plain).toContain('LANG=C.UTF-8\n');
    expect(plain).toContain('HFT_SENT_A=unset\n');
    // SendEnv takes globs; SetEnv values may hold spaces and win over SendEnv.
    const configured = await run(['SendEnv=HFT_SENT_* HFT_SET', 'SetEnv="HFT_SET=two words"']);
    expect(configured).toContain('HFT_SENT_A=one\n');
    expect(configured).toContain('HFT_UNSENT=unset\n');
    expect(configured).toContain('HFT_SET=two words\n');
    // A SendEnv list replaces the default, so LANG is not sent (the server's own applies).
    expect(configured).not.toContain('LANG=C.UTF-8\n');
  });
});
