// What these prove: sessions no tab shows, on a host a tab is connected to, raise notices
// from their host's session list. A session seen running and then exited tells its status
// and how long it ran; a foreground job that ended tells its command and last line; a
// session a tab shows, one the user ended, or one first seen already exited raises
// nothing; each end is told once. The watch lists only hosts with a connected tab, and
// stops when there are none.

import { describe, expect, it } from 'vitest';
import type { SessionInfo, Target } from '../../main/contract/api';
import { HostSessionsState, HostSessionsWatch } from '../../renderer/src/notify/hostSessions';
import type { TabNotice } from '../../renderer/src/notify/watch';

const session = (id: string, more: Partial<SessionInfo> = {}): SessionInfo => ({
  id,
  name: '',
  command: '/bin/bash',
  pid: 1,
  created: '2026-01-01T00:00:00Z',
  attached: 0,
  state: 'running',
  ...more,
});
const exited = (id: string, code: number, ageMs: number): SessionInfo =>
  session(id, { state: `exited ${code}`, exitStatus: code, ageMs });
const none = (): boolean => false;

describe('HostSessionsState', () => {
  it('tells a session that was running and has exited, with its status and age, once', () => {
    const s = new HostSessionsState();
    expect(s.update([session('a', { name: 'build' })], none)).toEqual([]);
    expect(s.update([{ ...exited('a', 4, 8_000), name: 'build' }], none)).toEqual([
      { kind: 'ended', id: 'a', name: 'build', exitCode: 4, ranMs: 8_000 },
    ]);
    expect(s.update([exited('a', 4, 13_000)], none)).toEqual([]);
  });

  it('tells a foreground job that ended, with what it printed last', () => {
    const s = new HostSessionsState();
    const running = session('a', {
      jobRunning: true,
      foregroundCommand: 'make -j8',
      lastLine: 'built 12 targets',
    });
    s.update([running], none);
    expect(s.update([session('a', { jobRunning: false, lastLine: '$ ' })], none)).toEqual([
      {
        kind: 'job-finished',
        id: 'a',
        name: '',
        command: 'make -j8',
        lastLine: 'built 12 targets',
      },
    ]);
  });

  it('says nothing of sessions a tab shows or the user ended, or first seen exited', () => {
    const s = new HostSessionsState();
    s.update([session('shown'), session('mine')], none);
    const skip = (id: string) => id === 'shown' || id === 'mine';
    expect(
      s.update([exited('shown', 1, 1), exited('mine', 1, 1), exited('new', 2, 1)], skip),
    ).toEqual([]);
  });
});

describe('HostSessionsWatch', () => {
  const target: Target = { kind: 'quick', text: 'u@h' };

  it('lists connected hosts only, raises a notice per end, and stops with no host left', async () => {
    let hosts = new Map([['u@h:22', target]]);
    let list = [session('a')];
    const asked: string[] = [];
    const raised: { notice: TabNotice; tag: string }[] = [];
    const watch = new HostSessionsWatch(
      {
        connectedHosts: () => hosts,
        shown: () => false,
        list: async (t) => {
          asked.push(t.kind === 'quick' ? t.text : '');
          return list;
        },
        raise: (notice, tag) => raised.push({ notice, tag }),
      },
      60_000, // ticks are driven by wake() here
    );
    watch.wake();
    await new Promise((r) => setTimeout(r, 0));
    list = [exited('a', 3, 2_000)];
    watch.wake();
    await new Promise((r) => setTimeout(r, 0));
    expect(asked).toEqual(['u@h', 'u@h']);
    expect(raised).toEqual([
      {
        notice: expect.objectContaining({
          title: 'u@h:22 · a: session ended',
          body: 'exit status 3 after 2 s',
        }),
        tag: 'host:u@h:22:a:ended',
      },
    ]);
    hosts = new Map();
    watch.wake();
    await new Promise((r) => setTimeout(r, 0));
    expect(asked).toHaveLength(2);
    watch.dispose();
  });
});
