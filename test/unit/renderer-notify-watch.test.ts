// Proves the notice rules: an output pattern matches through colours and across chunks,
// once per quiet period; an ended session's notice carries its status and duration; the
// host process shows notices where it can, and the page itself where it cannot.
import { describe, expect, it } from 'vitest';

import { endedNotice, PATTERN_QUIET_MS, PatternWatch } from '../../renderer/src/notify/watch';
import { DesktopNotifier, type NotificationApi } from '../../renderer/src/notify/desktop';

describe('PatternWatch', () => {
  it('matches through escape sequences, any case, and names the line', () => {
    const w = new PatternWatch();
    expect(w.feed('ok\r\n\x1b[31mERR', ['error'], 0)).toBeUndefined();
    expect(w.feed('OR\x1b[0m: disk full\r\nnext', ['error'], 1)).toEqual({
      pattern: 'error',
      line: 'ERROR: disk full',
    });
  });

  it('stays quiet for the same pattern for a while', () => {
    const w = new PatternWatch();
    expect(w.feed('done\n', ['done'], 0)).toBeDefined();
    expect(w.feed('done\n', ['done'], PATTERN_QUIET_MS - 1)).toBeUndefined();
    expect(w.feed('done\n', ['done'], PATTERN_QUIET_MS)).toBeDefined();
  });
});

describe('endedNotice', () => {
  it('says the exit status and how long it ran', () => {
    expect(endedNotice('web', 3, 2_000)).toMatchObject({
      title: 'web: session ended',
      body: 'exit status 3 after 2 s',
      badge: 'exit 3',
    });
  });
});

describe('DesktopNotifier', () => {
  /** A stand-in for the Web Notification API, counting what it showed. */
  function webApi(): { api: NotificationApi; shown: string[] } {
    const shown: string[] = [];
    const api = class {
      static permission = 'granted';
      static requestPermission(): Promise<string> {
        return Promise.resolve('granted');
      }
      onclick: unknown;
      constructor(title: string) {
        shown.push(title);
      }
    } as unknown as NotificationApi;
    return { api, shown };
  }
  const notice = (title: string) => ({ title, body: '', tag: `k1:${title}` });
  const settle = () => new Promise((r) => setTimeout(r, 0));

  it('lets the host process show notices when it does', async () => {
    const { api, shown } = webApi();
    const asked: string[] = [];
    const n = new DesktopNotifier(api, {
      host: (x) => (asked.push(x.title), Promise.resolve('shown')),
    });
    n.show(notice('a'));
    n.show(notice('b'));
    await settle();
    expect(asked).toEqual(['a', 'b']);
    expect(shown).toEqual([]);
  });

  it('shows them itself once the host has none, and stops asking it', async () => {
    const { api, shown } = webApi();
    const asked: string[] = [];
    const n = new DesktopNotifier(api, {
      host: (x) => (asked.push(x.title), Promise.resolve('unsupported')),
    });
    n.show(notice('a'));
    await settle();
    n.show(notice('b'));
    await settle();
    expect(asked).toEqual(['a']);
    expect(shown).toEqual(['a', 'b']);
  });
});
