// What these prove, on the host side of the contract (EngineBridge and tabs.json) with a
// scripted engine: tabs.json keeps the tab bar's order as the renderer last gave it
// (`setTabOrder`), whatever order the tabs were opened in; a reloaded page's bridge reads
// the file only after the previous page's bridge has written it for the last time; and a
// page that closes before asking for the saved tabs leaves them in the file.

import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RestorableTab } from '../../main/contract/api';
import { EngineBridge, type EngineLike } from '../../main/host/engineBridge';
import type { Disposable, Tab, TabState } from '../../main/engine/types';

class HeldTab implements Tab {
  readonly id = 'engine-tab';
  readonly state: TabState;
  constructor(readonly sessionId: string) {
    this.state = { kind: 'connected', sessionId, resilient: true };
  }
  private _none(): Disposable {
    return { dispose() {} };
  }
  onOutput() {
    return this._none();
  }
  onGap() {
    return this._none();
  }
  onState() {
    return this._none();
  }
  onNotice() {
    return this._none();
  }
  snapshot() {
    return undefined;
  }
  write() {
    return { ok: true as const };
  }
  resize() {}
  signal() {}
  pause() {}
  resume() {}
  reconnectNow() {}
  shown() {}
  async detach() {}
  async kill() {}
}

async function setup() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hft-tab-order-'));
  const tabsFile = path.join(dir, 'tabs.json');
  let opened = 0;
  const engine: EngineLike = {
    openTab: (req) => new HeldTab(req.attach ?? `s-${++opened}`),
    listSessions: async () => ({ ok: true, value: [] }),
    killSession: async () => ({ ok: true }),
    renameSession: async () => ({ ok: true }),
    networkChanged: () => {},
  };
  const make = (previousClosed?: () => Promise<unknown>) =>
    new EngineBridge({
      createEngine: () => engine,
      emit: () => {},
      openExternal: () => {},
      tabsFile,
      tabsSaveDelayMs: 10,
      ...(previousClosed ? { previousClosed } : {}),
    });
  const open = (bridge: EngineBridge, tabId: string, attach?: string) =>
    bridge.connect({
      tabId,
      target: { kind: 'quick', text: 'h' },
      cols: 80,
      rows: 24,
      ...(attach ? { attach } : {}),
    });
  const saved = async (): Promise<string[]> =>
    (JSON.parse(await readFile(tabsFile, 'utf8')) as { tabs: RestorableTab[] }).tabs.map(
      (t) => t.sessionId,
    );
  return { make, open, saved, tabsFile };
}

describe('tabs.json and the tab bar’s order', () => {
  it('keeps the order the renderer gave, not the order the tabs opened in', async () => {
    const { make, open, saved } = await setup();
    const bridge = make();
    await open(bridge, 'a');
    await open(bridge, 'b');
    await open(bridge, 'c');
    expect(bridge.setTabOrder(['c', 'a', 'b'])).toEqual({ ok: true });
    await bridge.flushTabs();
    expect(await saved()).toEqual(['s-3', 's-1', 's-2']);
    // A tab the order does not name yet goes after those it does.
    await open(bridge, 'd');
    await bridge.dispose();
    expect(await saved()).toEqual(['s-3', 's-1', 's-2', 's-4']);
    const next = make();
    const restored = await next.restoreTabs();
    expect(restored.ok && restored.tabs.map((t) => t.sessionId)).toEqual([
      's-3',
      's-1',
      's-2',
      's-4',
    ]);
  });

  it('reads the file of a reloaded page after the previous page’s bridge wrote it', async () => {
    const { make, open } = await setup();
    const first = make();
    await open(first, 'a');
    await open(first, 'b');
    first.setTabOrder(['b', 'a']);
    // The reload: the new bridge exists before the old one is disposed.
    const closing: Promise<void>[] = [];
    const second = make(() => Promise.all(closing));
    closing.push(first.dispose());
    const restored = await second.restoreTabs();
    expect(restored.ok && restored.tabs.map((t) => t.sessionId)).toEqual(['s-2', 's-1']);
  });

  it('leaves the saved tabs in the file when a page closes before asking for them', async () => {
    const { make, open, saved } = await setup();
    const first = make();
    await open(first, 'a');
    await first.dispose();
    await make().dispose(); // a page that never called restoreTabs
    expect(await saved()).toEqual(['s-1']);
  });
});

describe('tabs.json and split tabs', () => {
  const tree = <L>(a: L, b: L) =>
    ({ split: 'row', ratio: 0.3, a: { pane: a }, b: { pane: b } }) as const;

  it('keeps each split tab’s tree, ratio, focus and zoom, leaves naming the saved tabs', async () => {
    const { make, open } = await setup();
    const bridge = make();
    await open(bridge, 'a');
    await open(bridge, 'b');
    await open(bridge, 'c');
    bridge.setTabOrder(['c', 'a', 'b']);
    expect(bridge.setPaneLayouts([{ tree: tree('a', 'b'), focus: 'b', zoomed: 'b' }])).toEqual({
      ok: true,
    });
    await bridge.dispose();
    const restored = await make().restoreTabs();
    if (!restored.ok) throw new Error(restored.error.message);
    expect(restored.tabs.map((t) => t.sessionId)).toEqual(['s-3', 's-1', 's-2']);
    expect(restored.layouts).toEqual([{ tree: tree(1, 2) as never, focus: 2, zoomed: 2 }]);
  });

  it('keeps the split tabs of tabs not yet re-opened when the page goes again', async () => {
    const { make, open } = await setup();
    const first = make();
    await open(first, 'a');
    await open(first, 'b');
    first.setPaneLayouts([{ tree: tree('a', 'b'), focus: 'a' }]);
    await first.dispose();
    await make().dispose(); // a page that never asked for them
    const restored = await make().restoreTabs();
    expect(restored.ok && restored.layouts).toEqual([{ tree: tree(0, 1) as never, focus: 0 }]);
  });

  it('loads a tabs.json written before panes, as one pane per tab', async () => {
    const { make, tabsFile } = await setup();
    const tab = { target: { kind: 'quick', text: 'h' }, sessionId: 'old' };
    await writeFile(tabsFile, JSON.stringify({ version: 1, tabs: [tab] }));
    const restored = await make().restoreTabs();
    expect(restored.ok && restored.tabs.map((t) => t.sessionId)).toEqual(['old']);
    expect(restored.ok && restored.layouts).toBeUndefined();
  });

  it('restores nothing from a layout naming a tab the file does not have', async () => {
    const { make, tabsFile } = await setup();
    const tab = { target: { kind: 'quick', text: 'h' }, sessionId: 'old' };
    const layouts = [{ tree: tree(0, 5), focus: 0 }];
    await writeFile(tabsFile, JSON.stringify({ version: 1, tabs: [tab], layouts }));
    const restored = await make().restoreTabs();
    expect(restored.ok && restored.tabs).toEqual([]);
  });
});
