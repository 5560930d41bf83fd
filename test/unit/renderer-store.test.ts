// What these prove, on the renderer's Store with a scripted API and real TerminalControllers
// over xterm.js (no DOM): a tab connects with the id it chose and its output reaches its
// terminal, which acknowledges it; output of a closed tab is acknowledged so the engine
// holds nothing for it; a restored tab paints its kept screen and connects with the resume
// snapshot exactly as the host gave it (output goes on where the screen ends), and one
// without a screen replays from 0; a live tab's screen is kept once output pauses and at
// most every few seconds while it flows, at the offset it had shown; closing detaches. A
// saved host's colour scheme and scrollback apply to its tabs only, live.

import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  METHOD_NAMES,
  type EventName,
  type EventPayload,
  type HoldfastApi,
  type RestorableLayout,
  type RestorableTab,
} from '../../main/contract/api';
import { Store } from '../../renderer/src/state/store';
import { MAX_DEPTH } from '../../main/contract/paneLayout';
import { SCREEN_IDLE_MS, SCREEN_MAX_DELAY_MS } from '../../renderer/src/state/screenSchedule';
import { TerminalController } from '../../renderer/src/terminal/TerminalController';
import { HEADLESS } from '../support/headlessTerminal';
import { pollFor } from '../support/proc';

type Call = { method: string; args: unknown[] };

/** The contract as the renderer sees it, answering every call with success. */
type Opts = { restore?: RestorableTab[]; layouts?: RestorableLayout[] };

function scriptedApi(opts: Opts = {}) {
  const calls: Call[] = [];
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const api: Record<string, unknown> = {
    contractVersion: 3,
    on: (event: string, fn: (payload: unknown) => void) => {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(fn);
      return () => set.delete(fn);
    },
  };
  for (const method of METHOD_NAMES) {
    api[method] = async (...args: unknown[]) => {
      calls.push({ method, args });
      if (method === 'connect') return { ok: true, tabId: (args[0] as { tabId: string }).tabId };
      if (method === 'restoreTabs')
        return {
          ok: true,
          tabs: opts.restore ?? [],
          ...(opts.layouts ? { layouts: opts.layouts } : {}),
        };
      return { ok: true };
    };
  }
  const emit = <E extends EventName>(event: E, payload: EventPayload<E>): void => {
    for (const fn of listeners.get(event) ?? []) fn(payload);
  };
  const called = (method: string) => calls.filter((c) => c.method === method);
  return { api: api as HoldfastApi, calls, called, emit };
}

function setup(opts: Opts = {}) {
  const scripted = scriptedApi(opts);
  const terminals: TerminalController[] = [];
  const store = new Store(scripted.api, undefined, {
    nextFrame: () => Promise.resolve(),
    createTerminal: (look, callbacks) => {
      const term = new TerminalController(look, callbacks, HEADLESS);
      terminals.push(term);
      return term;
    },
  });
  return { ...scripted, store, terminals };
}

/** The first `connect` call, once the store has made it (microtasks only: fake clocks too). */
async function firstConnect(s: ReturnType<typeof setup>): Promise<Call> {
  for (let i = 0; i < 100 && s.called('connect').length === 0; i++) await Promise.resolve();
  const [connect] = s.called('connect');
  if (!connect) throw new Error('the store never called connect');
  return connect;
}

/** Connects a new tab by quick connect; resolves with its key and contract tab id. */
async function connectedTab(s: ReturnType<typeof setup>): Promise<{ key: string; tabId: string }> {
  const key = s.store.newTab('me@example.org');
  s.store.connectDraft(key);
  const tabId = ((await firstConnect(s)).args[0] as { tabId: string }).tabId;
  s.emit('state', { tabId, state: { kind: 'connected', sessionId: 's-1', resilient: true } });
  return { key, tabId };
}

const text = (s: ReturnType<typeof setup>, key: string) =>
  s.store.terminal(key)?.lines('all').join('\n') ?? '';

afterEach(() => {
  vi.useRealTimers();
});

describe('Store', () => {
  it('connects a tab with the id it chose, and its output reaches its terminal and is acked', async () => {
    const s = setup();
    const { key, tabId } = await connectedTab(s);
    expect(s.store.tab(key)?.tabId).toBe(tabId);
    expect(s.store.tab(key)?.state?.kind).toBe('connected');
    s.emit('output', { tabId, data: 'hi there\r\n', offset: '0', bytes: 10 });
    await pollFor('the output on screen', () => text(s, key).includes('hi there'));
    await pollFor('the ack', () => s.called('ackOutput').length > 0);
    expect(s.called('ackOutput').map((c) => c.args)).toEqual([[tabId, 10]]);
  });

  it('acks the output of a tab already closed, so the engine holds nothing for it', async () => {
    const s = setup();
    const { key, tabId } = await connectedTab(s);
    s.store.close(key, 'detach');
    expect(s.called('detach').map((c) => c.args)).toEqual([[tabId]]);
    s.emit('output', { tabId, data: 'late', offset: '0', bytes: 4 });
    await pollFor('the ack', () => s.called('ackOutput').length > 0);
    expect(s.called('ackOutput').map((c) => c.args)).toEqual([[tabId, 4]]);
  });

  it('restores a tab with its kept screen, resuming where the screen ends', async () => {
    const resume = { clientId: 'abcd', received: '5000', nextSeq: '1' };
    const s = setup({
      restore: [
        {
          target: { kind: 'quick', text: 'me@h' },
          sessionId: 's-7',
          title: 'build',
          resume,
          screen: 'kept \x1b[1mbold\x1b[0m line\r\n',
        },
      ],
    });
    await s.store.restore();
    const connect = await firstConnect(s);
    expect(connect?.args[0]).toMatchObject({ attach: 's-7', resume, title: 'build' });
    const key = s.store.getSnapshot().tabs[0]?.key as string;
    await pollFor('the kept screen painted', () => text(s, key).includes('kept bold line'));
    // The painted screen is not engine output: nothing to acknowledge.
    expect(s.called('ackOutput')).toEqual([]);
  });

  it('restores a tab without a kept screen with the host’s resume (from 0: a replay)', async () => {
    const resume = { clientId: 'abcd', received: '0', nextSeq: '1' };
    const s = setup({
      restore: [{ target: { kind: 'quick', text: 'me@h' }, sessionId: 's-7', resume }],
    });
    await s.store.restore();
    const connect = await firstConnect(s);
    expect(connect?.args[0]).toMatchObject({ attach: 's-7', resume });
  });

  it('keeps the screen once output pauses, at the offset it had shown', async () => {
    vi.useFakeTimers();
    const s = setup();
    const { tabId } = await connectedTab(s);
    s.emit('output', { tabId, data: 'done\r\n$ ', offset: '40', bytes: 8 });
    await vi.advanceTimersByTimeAsync(SCREEN_IDLE_MS - 100);
    expect(s.called('keepScreen')).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    const kept = s.called('keepScreen');
    expect(kept).toHaveLength(1);
    expect(kept[0]?.args[0]).toBe(tabId);
    expect(kept[0]?.args[1]).toBe('48');
    expect(kept[0]?.args[2]).toContain('done');
    // Nothing new shown: nothing kept again.
    await vi.advanceTimersByTimeAsync(10 * SCREEN_MAX_DELAY_MS);
    expect(s.called('keepScreen')).toHaveLength(1);
  });

  it('keeps the screen at most every few seconds while output keeps flowing', async () => {
    vi.useFakeTimers();
    const s = setup();
    const { tabId } = await connectedTab(s);
    let offset = 0;
    const seconds = 12;
    for (let t = 0; t < seconds * 1000; t += 100) {
      s.emit('output', { tabId, data: `line ${t}\r\n`, offset: String(offset), bytes: 10 });
      offset += 10;
      await vi.advanceTimersByTimeAsync(100);
    }
    const during = s.called('keepScreen').length;
    expect(during).toBeGreaterThanOrEqual(Math.floor((seconds * 1000) / SCREEN_MAX_DELAY_MS) - 1);
    expect(during).toBeLessThanOrEqual(Math.ceil((seconds * 1000) / SCREEN_MAX_DELAY_MS));
    await vi.advanceTimersByTimeAsync(SCREEN_IDLE_MS + 100);
    // And once it stops, the last screen ends where the output did.
    expect(s.called('keepScreen').at(-1)?.args[1]).toBe(String(offset));
  });

  it('keeps no screen for a tab whose session ended', async () => {
    vi.useFakeTimers();
    const s = setup();
    const { tabId } = await connectedTab(s);
    s.emit('output', { tabId, data: 'bye\r\n', offset: '0', bytes: 5 });
    s.emit('state', { tabId, state: { kind: 'ended', exitCode: 0 } });
    await vi.advanceTimersByTimeAsync(SCREEN_MAX_DELAY_MS);
    expect(s.called('keepScreen')).toEqual([]);
  });
});

describe('a saved host’s look', () => {
  it('paints its tabs with its colour scheme and keeps its scrollback; other tabs keep the app’s', async () => {
    // Applying a look re-fits on the next frame; there are no frames here.
    vi.stubGlobal('requestAnimationFrame', () => 0);
    const s = setup();
    s.store.applyProfileColors([
      { name: 'prod', color: '#d0443a', colorScheme: 'dracula', scrollback: 500 },
    ]);
    s.store.connectProfile('prod', '#d0443a');
    const prod = s.store.getSnapshot().activeKey!;
    const other = await connectedTab(s);
    expect(s.store.look(prod).theme.background).toBe('#282a36');
    expect(s.store.terminal(prod)?.term.options.scrollback).toBe(500);
    expect(s.store.look(other.key).theme.background).not.toBe('#282a36');
    expect(s.store.terminal(other.key)?.term.options.scrollback).toBe(10_000);
    // The host's scheme removed: its open terminal follows the app's again.
    s.store.applyProfileColors([{ name: 'prod', color: '#d0443a' }]);
    expect(s.store.terminal(prod)?.term.options.theme?.background).not.toBe('#282a36');
    vi.unstubAllGlobals();
  });

  it('ignores a scheme this app does not have', () => {
    const s = setup();
    s.store.applyProfileColors([{ name: 'prod', colorScheme: 'no-such-scheme' }]);
    s.store.connectProfile('prod');
    const key = s.store.getSnapshot().activeKey!;
    expect(s.store.look(key).theme).toEqual(s.store.look().theme);
  });
});

describe('a clicked notification', () => {
  it('shows the tab it is about', async () => {
    const s = setup();
    const first = await connectedTab(s);
    s.store.newTab();
    expect(s.store.getSnapshot().activeKey).not.toBe(first.key);
    s.emit('notificationClicked', { tag: `${first.key}:ended` });
    expect(s.store.getSnapshot().activeKey).toBe(first.key);
    // A notice about no tab (a closed tab's session) changes nothing.
    s.store.newTab();
    const now = s.store.getSnapshot().activeKey;
    s.emit('notificationClicked', { tag: 'host:prod:abc:ended' });
    expect(s.store.getSnapshot().activeKey).toBe(now);
  });
});

describe('Store: panes', () => {
  /** The tab ids of connect calls so far, in order. */
  const connects = (s: ReturnType<typeof setup>) =>
    s.called('connect').map((c) => c.args[0] as { tabId: string; attach?: string });
  const settle = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };

  it('splits a pane with a new session on its host, or another view of the same session', async () => {
    const s = setup();
    const { key } = await connectedTab(s);
    const right = s.store.split(key, 'row') as string;
    const below = s.store.split(right, 'column', 'same') as string;
    await settle();
    const [, second, third] = connects(s);
    expect(second?.attach).toBeUndefined(); // a new session
    expect(third?.attach).toBeUndefined(); // `right` had no session yet: a new one too
    expect(s.store.getSnapshot().groups).toHaveLength(1);
    expect(s.store.getSnapshot().tabs.map((t) => t.key)).toEqual([key, right, below]);
    expect(s.store.getSnapshot().activeKey).toBe(below);
    // Another view of the first pane's session attaches to it.
    s.store.split(key, 'column', 'same');
    await settle();
    expect(connects(s)[3]?.attach).toBe('s-1');
  });

  it('closing a pane detaches only its session; its sibling takes the place and the focus', async () => {
    const s = setup();
    const { key, tabId } = await connectedTab(s);
    const right = s.store.split(key, 'row') as string;
    await settle();
    const rightId = s.store.tab(right)?.tabId;
    s.store.close(right, 'detach', false, 'pane');
    expect(s.called('detach').map((c) => c.args)).toEqual([[rightId]]);
    expect(s.store.getSnapshot().groups[0]?.tree).toEqual({ pane: key });
    expect(s.store.getSnapshot().activeKey).toBe(key);
    // Closing the tab closes every pane.
    s.store.split(key, 'column');
    await settle();
    s.store.close(key, 'detach', false, 'tab');
    expect(s.called('detach')).toHaveLength(3);
    expect(s.called('detach')[1]?.args).toEqual([tabId]);
    expect(s.store.getSnapshot().tabs).toEqual([]);
    expect(s.store.getSnapshot().groups).toEqual([]);
  });

  it('tells the host each split tab by its panes’ connections, and nothing for a lone pane', async () => {
    const s = setup();
    const { key, tabId } = await connectedTab(s);
    const right = s.store.split(key, 'row') as string;
    await settle();
    s.store.toggleZoom();
    await settle();
    const rightId = s.store.tab(right)?.tabId;
    const last = s.called('setPaneLayouts').at(-1)?.args[0];
    expect(last).toEqual([
      {
        tree: { split: 'row', ratio: 0.5, a: { pane: tabId }, b: { pane: rightId } },
        focus: rightId,
        zoomed: rightId,
      },
    ]);
    s.store.close(right, 'detach', false, 'pane');
    await settle();
    expect(s.called('setPaneLayouts').at(-1)?.args[0]).toEqual([]);
  });

  it('refuses a split deeper than the host keeps, saying so on the pane', async () => {
    const s = setup();
    let { key } = await connectedTab(s);
    for (let i = 0; i < MAX_DEPTH; i++)
      key = s.store.split(key, i % 2 ? 'row' : 'column') as string;
    expect(s.store.split(key, 'row')).toBeUndefined();
    expect(s.store.tab(key)?.notice).toMatch(/at most 16 deep/);
    expect(s.store.getSnapshot().tabs).toHaveLength(MAX_DEPTH + 1);
  });

  it('restores split tabs as the host kept them: tree, ratio, focus and zoom', async () => {
    const tab = (sessionId: string): RestorableTab => ({
      target: { kind: 'quick', text: 'me@h' },
      sessionId,
    });
    const s = setup({
      restore: [tab('lone'), tab('left'), tab('right')],
      layouts: [
        {
          tree: { split: 'row', ratio: 0.7, a: { pane: 1 }, b: { pane: 2 } },
          focus: 2,
          zoomed: 2,
        },
      ],
    });
    await s.store.restore();
    const snap = s.store.getSnapshot();
    expect(snap.groups).toHaveLength(2);
    const attach = (key: string) => s.store.tab(key)?.attach;
    const [lone, split] = snap.groups;
    expect(lone && attach(lone.focus)).toBe('lone');
    expect(split?.tree).toMatchObject({ split: 'row', ratio: 0.7 });
    expect(split && attach(split.focus)).toBe('right');
    expect(split?.zoomed).toBe(split?.focus);
  });
});
