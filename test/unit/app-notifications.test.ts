// What these prove: desktop notifications from the main process (main/app/notifications.ts)
// against a stand-in for Electron's Notification class: a notice is shown with its title
// and body; one with the same tag replaces the one before; a click reports its tag (main.ts
// then focuses the window and tells the page); a desktop without notifications answers
// false so the page shows its own; only so many are held open. And the path to it: the
// page's `notify` call is validated at the IPC boundary (a bad notice never reaches it),
// and the bridge answers `unsupported` where the host has none.

import { describe, expect, it } from 'vitest';
import {
  MAX_OPEN_NOTIFICATIONS,
  MainNotifications,
  type NotificationClass,
} from '../../main/app/notifications';
import { handleCall, type SenderFacts } from '../../main/app/ipcValidation';
import { EngineBridge } from '../../main/host/engineBridge';
import type { DesktopNotice } from '../../main/contract/api';

type Made = {
  title: string;
  body: string;
  shown: number;
  closed: number;
  listeners: Map<string, () => void>;
};

/** A stand-in for Electron's Notification: records what was made, shown, closed. */
function standIn(supported = true): { api: NotificationClass; made: Made[] } {
  const made: Made[] = [];
  class FakeNotification {
    private readonly _m: Made;
    static isSupported(): boolean {
      return supported;
    }
    constructor(options: { title: string; body: string }) {
      this._m = { ...options, shown: 0, closed: 0, listeners: new Map() };
      made.push(this._m);
    }
    show(): void {
      this._m.shown++;
    }
    close(): void {
      this._m.closed++;
      this._m.listeners.get('close')?.();
    }
    on(event: string, listener: () => void): this {
      this._m.listeners.set(event, listener);
      return this;
    }
  }
  return { api: FakeNotification, made };
}

const notice = (tag: string, title = 'web: session ended'): DesktopNotice => ({
  title,
  body: 'exit status 3 after 2 s',
  tag,
});

describe('MainNotifications', () => {
  it('shows a notice with its title and body', () => {
    const { api, made } = standIn();
    const n = new MainNotifications(api, () => {});
    expect(n.show(notice('k1:ended'))).toBe(true);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ title: 'web: session ended', body: 'exit status 3 after 2 s' });
    expect(made[0]?.shown).toBe(1);
  });

  it('replaces an open notice with the same tag, and keeps the others', () => {
    const { api, made } = standIn();
    const n = new MainNotifications(api, () => {});
    n.show(notice('k1:ended'));
    n.show(notice('k2:ended'));
    n.show(notice('k1:ended', 'web: again'));
    expect(made.map((m) => m.closed)).toEqual([1, 0, 0]);
    expect(n.openCount).toBe(2);
  });

  it('reports the tag of a clicked notice, once, and lets it go', () => {
    const { api, made } = standIn();
    const clicked: string[] = [];
    const n = new MainNotifications(api, (tag) => clicked.push(tag));
    n.show(notice('k7:finished'));
    made[0]?.listeners.get('click')?.();
    expect(clicked).toEqual(['k7:finished']);
    expect(n.openCount).toBe(0);
  });

  it('answers false on a desktop without notifications, showing nothing', () => {
    const { api, made } = standIn(false);
    const n = new MainNotifications(api, () => {});
    expect(n.show(notice('k1:ended'))).toBe(false);
    expect(made).toEqual([]);
  });

  it(`holds at most ${MAX_OPEN_NOTIFICATIONS} open, closing the oldest`, () => {
    const { api, made } = standIn();
    const n = new MainNotifications(api, () => {});
    for (let i = 0; i <= MAX_OPEN_NOTIFICATIONS; i++) n.show(notice(`k${i}:bell`));
    expect(n.openCount).toBe(MAX_OPEN_NOTIFICATIONS);
    expect(made[0]?.closed).toBe(1);
    expect(made.slice(1).every((m) => m.closed === 0)).toBe(true);
  });
});

describe('the notify call', () => {
  const ours: SenderFacts = {
    url: 'app://holdfast/index.html',
    isTopFrame: true,
    webContentsId: 1,
  };

  function bridge(notify?: (n: DesktopNotice) => boolean): EngineBridge {
    return new EngineBridge({
      createEngine: () => ({
        openTab: () => {
          throw new Error('not here');
        },
        listSessions: async () => ({ ok: true, value: [] }),
        killSession: async () => ({ ok: true }),
        renameSession: async () => ({ ok: true }),
        networkChanged: () => {},
      }),
      emit: () => {},
      openExternal: () => {},
      ...(notify ? { notify } : {}),
    });
  }

  it('reaches the main process’s notifications from our page', async () => {
    const { api, made } = standIn();
    const main = new MainNotifications(api, () => {});
    const reply = await handleCall(
      ours,
      [1],
      bridge((n) => main.show(n)),
      'notify',
      [notice('k1:ended')],
    );
    expect(reply).toEqual({ ok: true, value: { ok: true } });
    expect(made).toHaveLength(1);
  });

  it('refuses a notice of the wrong shape in words, before it is shown', async () => {
    const { api, made } = standIn();
    const main = new MainNotifications(api, () => {});
    const impl = bridge((n) => main.show(n));
    const long = await handleCall(ours, [1], impl, 'notify', [notice('k1', 'x'.repeat(300))]);
    expect(long).toEqual({
      ok: false,
      message: expect.stringMatching(/notify\(notice.title\): a notification title is at most 256/),
    });
    const extra = await handleCall(ours, [1], impl, 'notify', [{ ...notice('k1'), icon: '/x' }]);
    expect(extra.ok).toBe(false);
    const foreign = await handleCall({ ...ours, url: 'https://evil.test/' }, [1], impl, 'notify', [
      notice('k1'),
    ]);
    expect(foreign.ok).toBe(false);
    expect(made).toEqual([]);
  });

  it('answers unsupported where the host shows none (the page then shows its own)', () => {
    expect(bridge().notify(notice('k1'))).toMatchObject({
      ok: false,
      error: { kind: 'unsupported' },
    });
    expect(bridge(() => false).notify(notice('k1'))).toMatchObject({
      ok: false,
      error: { kind: 'unsupported' },
    });
  });
});
