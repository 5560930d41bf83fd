// Read-only hooks for the end-to-end tests, installed only when the page is opened with
// `?test=1`: by the test host, or by an unpackaged desktop app started with
// HOLDFAST_TEST_HOOKS=1 (the Electron end-to-end test); never in a packaged app. The tests
// read the terminal's own buffer instead of scraping pixels, and poll these for states.

import type { Store } from './state/store';
import { leaves, mapPanes } from '../../main/contract/paneLayout';

export type HoldfastTestHooks = {
  tabCount(): number;
  activeIndex(): number;
  titles(): string[];
  /** 'new' for a quick-connect page, else the connection state's kind. */
  state(tabIndex: number): string | undefined;
  /** The whole connection state (reason, attempt...), for failure messages. */
  stateDetail(tabIndex: number): unknown;
  /** Every line of the active buffer (scrollback included), right-trimmed, joined by \n. */
  screenText(tabIndex: number): string;
  /** Only the visible rows. */
  viewportText(tabIndex: number): string;
  size(tabIndex: number): { cols: number; rows: number } | undefined;
  renderer(tabIndex: number): string | undefined;
  /** The contract tab id of the tab's connection. */
  tabId(tabIndex: number): string | undefined;
  /** The remote session of a connected tab. */
  sessionId(tabIndex: number): string | undefined;
  /** How many tabs the bar shows (a split tab is one; `tabCount` counts every pane). */
  groupCount(): number;
  /**
   * The active tab's panes: its tree with leaves as indices (as the other hooks take them),
   * the focused and zoomed pane's index, and each shown pane's size on the page in px.
   */
  layout():
    | {
        tree: unknown;
        focus: number;
        zoomed: number | undefined;
        boxes: Record<number, { x: number; y: number; w: number; h: number }>;
      }
    | undefined;
  /** Whether the tab's shell has shown OSC 133/633 shell integration marks. */
  shellIntegration(tabIndex: number): boolean;
  /** The xterm.js options that set the terminal's look. */
  termOptions(tabIndex: number): TermLookOptions | undefined;
  /** What local echo prediction draws over the tab's screen (viewport rows and columns). */
  predicted(tabIndex: number): { row: number; col: number; text: string }[];
  /** Its counts (keys drawn, echoes confirmed, mispredictions) and measured echo delay. */
  predictStats(
    tabIndex: number,
  ): { shown: number; confirmed: number; mispredicted: number; rttMs?: number } | undefined;
};

export type TermLookOptions = {
  fontFamily: string;
  fontSize: number;
  lineHeight: number;
  cursorStyle: string;
  cursorBlink: boolean;
  scrollback: number;
  background: string | undefined;
};

declare global {
  interface Window {
    __holdfastTest?: HoldfastTestHooks;
  }
}

export function installTestHooks(store: Store): void {
  const tabAt = (i: number) => store.getSnapshot().tabs[i];
  const termAt = (i: number) => {
    const tab = tabAt(i);
    return tab ? store.terminal(tab.key) : undefined;
  };
  const hooks: HoldfastTestHooks = {
    tabCount: () => store.getSnapshot().tabs.length,
    activeIndex: () =>
      store.getSnapshot().tabs.findIndex((t) => t.key === store.getSnapshot().activeKey),
    titles: () => [...document.querySelectorAll('.tab .tab-title')].map((e) => e.textContent ?? ''),
    state: (i) => {
      const tab = tabAt(i);
      if (!tab) return undefined;
      return tab.mode === 'new' ? 'new' : tab.state?.kind;
    },
    stateDetail: (i) => tabAt(i)?.state,
    screenText: (i) => (termAt(i)?.lines('all') ?? []).join('\n').replace(/\n+$/, ''),
    viewportText: (i) => (termAt(i)?.lines('viewport') ?? []).join('\n').replace(/\n+$/, ''),
    size: (i) => {
      const t = termAt(i);
      return t ? { cols: t.cols, rows: t.rows } : undefined;
    },
    renderer: (i) => termAt(i)?.renderer,
    tabId: (i) => tabAt(i)?.tabId,
    predicted: (i) => termAt(i)?.predicted() ?? [],
    predictStats: (i) => termAt(i)?.predictStats(),
    sessionId: (i) => {
      const state = tabAt(i)?.state;
      return state?.kind === 'connected' ? state.sessionId : undefined;
    },
    groupCount: () => store.getSnapshot().groups.length,
    layout: () => {
      const snap = store.getSnapshot();
      const group = store.groupOf(snap.activeKey);
      if (!group) return undefined;
      const index = (key: string): number => snap.tabs.findIndex((t) => t.key === key);
      const boxes: Record<number, { x: number; y: number; w: number; h: number }> = {};
      for (const key of leaves(group.tree)) {
        const el = document.querySelector<HTMLElement>(`.pane.shown[data-tab-key="${key}"]`);
        const r = el?.getBoundingClientRect();
        if (r) boxes[index(key)] = { x: r.x, y: r.y, w: r.width, h: r.height };
      }
      return {
        tree: mapPanes(group.tree, index),
        focus: index(group.focus),
        zoomed: group.zoomed === undefined ? undefined : index(group.zoomed),
        boxes,
      };
    },
    shellIntegration: (i) => {
      const tab = tabAt(i);
      return tab ? store.notifications.hasShellIntegration(tab.key) : false;
    },
    termOptions: (i) => {
      const o = termAt(i)?.term.options;
      if (!o) return undefined;
      return {
        fontFamily: o.fontFamily ?? '',
        fontSize: o.fontSize ?? 0,
        lineHeight: o.lineHeight ?? 1,
        cursorStyle: o.cursorStyle ?? 'block',
        cursorBlink: o.cursorBlink ?? false,
        scrollback: o.scrollback ?? 0,
        background: o.theme?.background,
      };
    },
  };
  Object.defineProperty(window, '__holdfastTest', {
    value: Object.freeze(hooks),
    configurable: false,
  });
}
