// What a restarted app gets back, and what keeping it costs, on the host side
// (EngineBridge with tabs.json and kept screens in a temporary folder, scripted tabs):
// output flowing, acks and keystrokes never rewrite tabs.json, only a change of the tabs
// does, once per burst; a kept screen comes back with its tab, which resumes where the
// screen ends (else from the ring's start); screens of closed or ended tabs go. And what
// reaches the UI of a dialing tab's states: a new kind at once, more of the same kind at
// most once per interval with the latest winning (StateThrottle on a fake clock).

import { mkdtemp, readdir, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AnyEvent, TabState } from '../../main/contract/api';
import { EngineBridge, type EngineLike } from '../../main/host/engineBridge';
import { ScreenFiles, SCREENS_DIR } from '../../main/host/screenFiles';
import { STATE_EVENT_INTERVAL_MS, StateThrottle } from '../../main/host/stateThrottle';
import { ScriptedTab } from '../support/scriptedTab';

const CONNECTED: TabState = { kind: 'connected', sessionId: 's-1', resilient: true };
const reconnecting = (attempt: number): TabState => ({
  kind: 'reconnecting',
  attempt,
  nextTryAt: 1000 * attempt,
  since: 0,
});

async function setup(opts: { resumable?: boolean } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hft-host-restore-'));
  const tabsFile = path.join(dir, 'tabs.json');
  const tabs: ScriptedTab[] = [];
  const events: AnyEvent[] = [];
  const engine: EngineLike = {
    openTab: (req) => {
      const n = tabs.length + 1;
      const tab = new ScriptedTab({
        sessionId: req.attach ?? `s-${n}`,
        state: CONNECTED,
        ...(opts.resumable === false ? {} : { clientId: `c${n}`.padEnd(8, '0') }),
      });
      tabs.push(tab);
      return tab;
    },
    listSessions: async () => ({ ok: true, value: [] }),
    killSession: async () => ({ ok: true }),
    renameSession: async () => ({ ok: true }),
    networkChanged: () => {},
  };
  const make = () =>
    new EngineBridge({
      createEngine: () => engine,
      emit: (e) => events.push(e),
      openExternal: () => {},
      tabsFile,
      tabsSaveDelayMs: 5,
    });
  const open = (bridge: EngineBridge, tabId: string, extra: object = {}) =>
    bridge.connect({
      tabId,
      target: { kind: 'quick', text: 'me@h' },
      cols: 80,
      rows: 24,
      ...extra,
    });
  return { dir, tabsFile, tabs, events, make, open, screensDir: path.join(dir, SCREENS_DIR) };
}

const screenFiles = async (dir: string): Promise<string[]> =>
  (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();

describe('tabs.json is written when the tabs change, not while output flows', () => {
  it('output, acks, keystrokes and repeated states of an open tab never rewrite it', async () => {
    const { make, open, tabs } = await setup();
    const bridge = make();
    await open(bridge, 'a');
    await bridge.flushTabs();
    expect(bridge.tabsFileWrites).toBe(1);
    const tab = tabs[0] as ScriptedTab;
    for (let i = 0; i < 200; i++) {
      tab.output(Buffer.from(`line ${i}\r\n`));
      bridge.ackOutput('a', 9);
      bridge.write('a', 'x');
      tab.setState(i % 2 === 0 ? reconnecting(i) : CONNECTED);
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 10));
    }
    await bridge.flushTabs();
    expect(bridge.tabsFileWrites).toBe(1);
    // A change of the tabs is written, once for a burst.
    await open(bridge, 'b');
    await open(bridge, 'c');
    await bridge.flushTabs();
    expect(bridge.tabsFileWrites).toBe(2);
    await bridge.dispose();
  });
});

describe('kept screens', () => {
  it('a restored tab gets its kept screen and resumes where the screen ends', async () => {
    const { make, open, tabs } = await setup();
    const bridge = make();
    await open(bridge, 'a');
    await open(bridge, 'b');
    (tabs[0] as ScriptedTab).output(Buffer.alloc(5000, 'y'));
    expect(bridge.keepScreen('a', '4096', 'SCREEN-A')).toEqual({ ok: true });
    // The latest screen of a tab wins.
    expect(bridge.keepScreen('a', '5000', 'SCREEN-A2')).toEqual({ ok: true });
    await bridge.dispose();

    const next = make();
    const restored = await next.restoreTabs();
    expect(restored.ok && restored.tabs).toEqual([
      expect.objectContaining({
        sessionId: 's-1',
        screen: 'SCREEN-A2',
        resume: { clientId: 'c1000000', received: '5000', nextSeq: '1' },
      }),
      // No screen kept: the ring is replayed from its start.
      expect.objectContaining({
        sessionId: 's-2',
        resume: { clientId: 'c2000000', received: '0', nextSeq: '1' },
      }),
    ]);
    expect(restored.ok && 'screen' in (restored.tabs[1] ?? {})).toBe(false);
    await next.dispose();
  });

  it('refuses a screen past the output the tab has received', async () => {
    const { make, open, tabs, screensDir } = await setup();
    const bridge = make();
    await open(bridge, 'a');
    (tabs[0] as ScriptedTab).output(Buffer.from('abc'));
    expect(bridge.keepScreen('a', '4', 'S')).toEqual({
      ok: false,
      error: expect.objectContaining({ kind: 'bad-offset' }),
    });
    await bridge.flushTabs();
    expect(await screenFiles(screensDir)).toEqual([]);
    await bridge.dispose();
  });

  it('keeps nothing for a tab that cannot resume, or one already closed', async () => {
    const { make, open, screensDir } = await setup({ resumable: false });
    const bridge = make();
    await open(bridge, 'a');
    expect(bridge.keepScreen('a', '0', 'S')).toEqual({ ok: true });
    expect(bridge.keepScreen('gone', '0', 'S')).toEqual({ ok: true });
    await bridge.flushTabs();
    expect(await screenFiles(screensDir)).toEqual([]);
    await bridge.dispose();
  });

  it('forgets the screen of a tab the user closed or whose session ended, keeps it when the app goes away', async () => {
    const { make, open, tabs, screensDir } = await setup();
    const bridge = make();
    for (const id of ['a', 'b', 'c']) await open(bridge, id);
    for (const id of ['a', 'b', 'c']) bridge.keepScreen(id, '0', `SCREEN-${id}`);
    await bridge.flushTabs();
    expect(await screenFiles(screensDir)).toEqual([
      'c1000000.json',
      'c2000000.json',
      'c3000000.json',
    ]);
    await bridge.detach('a');
    (tabs[1] as ScriptedTab).setState({ kind: 'ended', exitCode: 0 });
    await bridge.dispose();
    expect(await screenFiles(screensDir)).toEqual(['c3000000.json']);
  });

  it('drops the screens of tabs no longer remembered when the tabs are handed out', async () => {
    const { make, open, screensDir } = await setup();
    const bridge = make();
    await open(bridge, 'a');
    bridge.keepScreen('a', '0', 'S');
    await bridge.dispose();
    // Left by a crash: a screen whose tab never reached tabs.json.
    await mkdir(screensDir, { recursive: true });
    await writeFile(path.join(screensDir, 'ffff0000.json'), '{}');
    const next = make();
    await next.restoreTabs();
    await next.flushTabs();
    expect(await screenFiles(screensDir)).toEqual(['c1000000.json']);
    await next.dispose();
  });

  it('reads a screen file that is not one as no screen, saying so', async () => {
    const { screensDir } = await setup();
    const lines: string[] = [];
    const files = new ScreenFiles(screensDir, (l) => lines.push(l));
    await mkdir(screensDir, { recursive: true });
    await writeFile(path.join(screensDir, 'abcd.json'), '{"version": 1, "offset": "x"}');
    expect(await files.read('abcd')).toBeUndefined();
    expect(lines.join('\n')).toContain('is not a screen file');
    // A name that is not a client id is never a path.
    expect(await files.read('../tabs')).toBeUndefined();
  });
});

describe('StateThrottle: what of a dialing tab reaches the UI', () => {
  const T = STATE_EVENT_INTERVAL_MS;

  it('passes a new kind at once', () => {
    const t = new StateThrottle<TabState>();
    expect(t.offer(CONNECTED, 0).send).toBe(CONNECTED);
    expect(t.offer(reconnecting(1), 10).send).toEqual(reconnecting(1));
    expect(t.offer(CONNECTED, 20).send).toBe(CONNECTED);
  });

  it('holds more of the same kind until the interval is up, the latest winning', () => {
    const t = new StateThrottle<TabState>();
    t.offer(reconnecting(1), 0);
    expect(t.offer(reconnecting(2), 150)).toEqual({ send: undefined, wakeAt: T });
    expect(t.offer(reconnecting(3), 300)).toEqual({ send: undefined, wakeAt: T });
    expect(t.due(T - 1)).toEqual({ send: undefined, wakeAt: T });
    expect(t.due(T)).toEqual({ send: reconnecting(3), wakeAt: undefined });
    expect(t.due(T + 1)).toEqual({ send: undefined, wakeAt: undefined });
    // After a quiet interval, the next one passes at once.
    expect(t.offer(reconnecting(4), 2 * T).send).toEqual(reconnecting(4));
  });

  it('drops a held state when a new kind passes', () => {
    const t = new StateThrottle<TabState>();
    t.offer(reconnecting(1), 0);
    t.offer(reconnecting(2), 100);
    expect(t.offer(CONNECTED, 200).send).toBe(CONNECTED);
    expect(t.due(T).send).toBeUndefined();
  });
});

describe('EngineBridge sends a dialing tab’s states at most twice a second', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the latest attempt per interval and a change of kind at once', async () => {
    vi.useFakeTimers();
    const { make, open, tabs, events } = await setup();
    const bridge = make();
    await open(bridge, 'a');
    const tab = tabs[0] as ScriptedTab;
    // 3 s of dialing, an attempt every 150 ms (20 attempts), then connected.
    for (let i = 1; i <= 20; i++) {
      tab.setState(reconnecting(i));
      await vi.advanceTimersByTimeAsync(150);
    }
    const states = () => events.flatMap((e) => (e.event === 'state' ? [e.payload.state] : []));
    // Attempt i came at 150·(i−1) ms: the first at once, then the latest every 500 ms.
    const attempts = states().flatMap((s) => (s.kind === 'reconnecting' ? [s.attempt] : []));
    expect(attempts).toEqual([1, 4, 7, 10, 14, 17, 20]);
    // Connected is a new kind: it passes at once, with no timer to wait for.
    tab.setState(CONNECTED);
    expect(states().at(-1)).toEqual(CONNECTED);
    await vi.advanceTimersByTimeAsync(2000);
    expect(states().filter((s) => s.kind === 'reconnecting')).toHaveLength(7);
    vi.useRealTimers();
    await bridge.dispose();
  });
});
