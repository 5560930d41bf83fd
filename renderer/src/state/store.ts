// The renderer's state: tabs, their connections and terminals, open questions, settings.
// A plain class with immutable snapshots for React (useSyncExternalStore); terminals live
// beside the snapshot, one TerminalController per tab, never re-created by a render.
//
// The tab bar's tabs are groups of panes (./groups.ts): a tree of splits whose leaves are
// views, one connection each, with its own terminal; a tab of one pane is a tree of one
// leaf. `tabs` holds every view, the panes of a tab together; `activeKey` is the focused
// pane of the active tab, so what acts on "the active tab" (find, copy, close, broadcast)
// acts on the pane that has the keyboard.
//
// A view is either "new" (the quick-connect form) or "terminal" (a connection). Each
// connection gets a fresh contract tab id chosen here, before `connect` is called, so
// events that arrive before `connect` returns always find their tab.
//
// Each live tab's screen is kept with the host (`keepScreen`) when output pauses and at
// most every few seconds while it flows (./screenSchedule.ts); a restored tab paints its
// kept screen and resumes where it ends, replaying nothing it had already shown.
//
// The API, the terminals and the next-frame wait come in through the constructor, so the
// store runs in unit tests with a scripted API and terminals without a DOM.

import type {
  HoldfastApi,
  PromptAnswer,
  PromptRequest,
  ResumeSnapshot,
  Target,
  TabState,
} from '../../../main/contract/api';
import { parseQuickConnect, formatDestination } from '../../../main/contract/quickConnect';
import { Emitter } from '../../../main/common/emitter';
import {
  TerminalController,
  type TerminalCallbacks,
  type TerminalLook,
} from '../terminal/TerminalController';
import { ScreenSchedule } from './screenSchedule';
import { TabNotifications } from '../notify/tabNotifications';
import { HostSessionsWatch } from '../notify/hostSessions';
import { DesktopNotifier } from '../notify/desktop';
import { BUILT_IN_SCHEMES, schemeFor } from '../terminal/schemes';
import { normalizeHex } from '../terminal/schemeImport';
import { clampScrollback, loadSettings, saveSettings, type Settings } from './settings';
import { setKeyBindings } from '../terminal/shortcuts';
import { SHELL_INTEGRATION_LINE } from '../terminal/shellIntegration';
import {
  MAX_DEPTH,
  depthOf,
  leaves,
  mapPanes,
  neighbour,
  nudgeDivider,
  setRatio,
  splitPane,
  type Direction,
  type PaneTree,
  type SplitAxis,
  type SplitPath,
} from '../../../main/contract/paneLayout';
import { arrange, groupOf, single, type TabGroup } from './groups';

export type TabView = {
  /** Stable for the life of the tab (React key, DOM ids). */
  readonly key: string;
  readonly mode: 'new' | 'terminal';
  /** Quick-connect text being typed (mode 'new') or last used. */
  readonly draft: string;
  /** Why the draft is not a destination, shown under the field. */
  readonly draftError?: string;
  readonly target?: Target;
  /** user@host:port of the target. */
  readonly label: string;
  /** The session this tab attached to from the sessions panel (or restored). */
  readonly attach?: string;
  /** A restored tab's place in its session, used by its first connect only. */
  readonly resume?: ResumeSnapshot;
  /** A restored tab's kept screen, painted before its first connect (ends at `resume`). */
  readonly screen?: string;
  /** The contract tab id of the current connection. */
  readonly tabId?: string;
  readonly state?: TabState;
  /** Set by the terminal's title escape. */
  readonly termTitle?: string;
  /** Set by the user; wins over termTitle. */
  readonly customTitle?: string;
  /** The name of the session it was opened on (sessions panel). */
  readonly sessionName?: string;
  /** The saved host's colour (`#rrggbb`), shown on the tab. */
  readonly hostColor?: string;
  /** Last one-line notice from the engine or the terminal. */
  readonly notice?: string;
  /** What happened here while the user looked elsewhere (exit status, bell…), until looked at. */
  readonly badge?: string;
  /** "Notify me when this finishes" is on. */
  readonly notifyOnFinish?: boolean;
};

/** The search in tab `key` is at match `index` (-1: none) of `count`. */
export type SearchResults = { key: string; index: number; count: number };

export type OpenPrompt = { promptId: string; tabId?: string; request: PromptRequest };

export type Snapshot = {
  /** Every view (pane), in the bar's order, the panes of a tab together. */
  readonly tabs: readonly TabView[];
  /** The tab bar: each tab's tree of panes. */
  readonly groups: readonly TabGroup[];
  /** The focused pane of the active tab. */
  readonly activeKey: string | undefined;
  readonly prompts: readonly OpenPrompt[];
  readonly settings: Settings;
  /** The system prefers dark (for theme 'system'). */
  readonly systemDark: boolean;
  /** The view whose close asks "detach or end?". */
  readonly closeAsk: string | undefined;
  /** Whether that close is of the view's pane only or of its whole tab. */
  readonly closeScope: CloseScope;
  /** Tabs whose typing goes to all of them (broadcast input); empty when off. */
  readonly broadcast: readonly string[];
  /** The engine cannot be reached at all. */
  readonly fatal: string | undefined;
};

/** Closing a pane, or its whole tab (every pane). */
export type CloseScope = 'pane' | 'tab';

/** How a split's new pane gets its session: a new one on the same host, or the same one. */
export type SplitSession = 'new' | 'same';

/** States in which a tab still holds a session that closing would leave or end. */
export function isLive(state: TabState | undefined): boolean {
  return state !== undefined && state.kind !== 'ended' && state.kind !== 'failed';
}

/** A tab's own title: the user's, else the program's (OSC 0/2), else host and session name. */
export function tabTitle(tab: TabView): string {
  if (tab.customTitle) return tab.customTitle;
  if (tab.termTitle) return tab.termTitle;
  if (tab.mode === 'new') return 'New tab';
  return tab.sessionName ? `${tab.label} · ${tab.sessionName}` : tab.label;
}

let counter = 0;
function newId(prefix: string): string {
  const random =
    typeof crypto !== 'undefined' && 'randomUUID' in crypto
      ? crypto.randomUUID().replace(/-/g, '').slice(0, 12)
      : Math.random().toString(36).slice(2, 14);
  counter++;
  return `${prefix}${counter}-${random}`;
}

/** After the next frame (React has mounted and laid out), or 100 ms in a hidden window. */
const nextFrame = (): Promise<void> =>
  new Promise((resolve) => {
    requestAnimationFrame(() => resolve());
    setTimeout(resolve, 100);
  });

/** What the store is built with besides the API: the browser's by default. */
export type StoreDeps = {
  createTerminal?: (look: TerminalLook, callbacks: TerminalCallbacks) => TerminalController;
  /** Resolves once React has mounted and laid out a new terminal. */
  nextFrame?: () => Promise<void>;
  notifier?: DesktopNotifier;
};

/** A live tab's screen keeping: when, and the timer that waits for it. */
type ScreenKeeping = { schedule: ScreenSchedule; timer: ReturnType<typeof setTimeout> | undefined };

export class Store {
  private _snap: Snapshot;
  private readonly _onChange = new Emitter<void>();
  private readonly _terminals = new Map<string, TerminalController>();
  /** Contract tab id → tab key. */
  private readonly _byTabId = new Map<string, string>();
  private readonly _osc52Warned = new Set<string>();
  private readonly _screens = new Map<string, ScreenKeeping>();
  private readonly _createTerminal: NonNullable<StoreDeps['createTerminal']>;
  private readonly _nextFrame: () => Promise<void>;
  private readonly _onSearchResults = new Emitter<SearchResults>();
  /** Result counts of the terminals' searches (the search bar of the active tab listens). */
  readonly onSearchResults = this._onSearchResults.event;
  readonly notifications: TabNotifications;
  /** Notices for sessions no tab shows, on hosts a tab is connected to. */
  readonly hostSessions: HostSessionsWatch;
  private _searchListener: ((key: string, index: number, count: number) => void) | undefined;
  /** Saved hosts' own look (profile name → colour scheme, scrollback). */
  private _hostLooks = new Map<string, Omit<HostLookSource, 'name' | 'color'>>();
  /** Tab key → the session it was last connected to (while the tab is open). */
  private readonly _sessionOf = new Map<string, string>();
  /** The tab order last sent to the host (`setTabOrder`). */
  private _sentOrder = '';
  /** The split tabs last sent to the host (`setPaneLayouts`), as JSON. */
  private _sentLayouts = '[]';

  constructor(
    readonly api: HoldfastApi,
    private readonly _storage: Storage | undefined,
    deps: StoreDeps = {},
  ) {
    this._createTerminal = deps.createTerminal ?? ((look, cb) => new TerminalController(look, cb));
    this._nextFrame = deps.nextFrame ?? nextFrame;
    const notifier =
      deps.notifier ??
      new DesktopNotifier(undefined, {
        host: async (notice) => {
          const r = await api.notify(notice);
          return r.ok ? 'shown' : 'unsupported';
        },
        onClick: (tag) => this._noticeClicked(tag),
      });
    api.on('notificationClicked', (e) => this._noticeClicked(e.tag));
    this.hostSessions = new HostSessionsWatch({
      connectedHosts: () => {
        const hosts = new Map<string, Target>();
        for (const t of this._snap.tabs)
          if (t.target && t.state?.kind === 'connected') hosts.set(t.label, t.target);
        return hosts;
      },
      // A tab that showed the session (even ended, or reconnecting) tells about it itself,
      // whatever it calls the host (a profile and user@host may be one server; session ids
      // are random, so the id alone is the session).
      shown: (_label, id) =>
        this._snap.tabs.some((t) => this._sessionOf.get(t.key) === id || t.attach === id),
      list: async (target) => {
        const r = await this.api.listSessions(target).catch(() => undefined);
        return r?.ok ? r.sessions : undefined;
      },
      raise: (notice, tag) => notifier.show({ title: notice.title, body: notice.body, tag }),
    });
    this.notifications = new TabNotifications({
      notifier,
      isBackground: (key) =>
        key !== this._snap.activeKey ||
        (typeof document !== 'undefined' && document.visibilityState === 'hidden'),
      setBadge: (key, badge) => this._patch(key, { badge }),
      sessionOf: (key) => {
        const tab = this.tab(key);
        const state = tab?.state;
        if (!tab?.target || state?.kind !== 'connected') return undefined;
        return { target: tab.target, sessionId: state.sessionId, title: tabTitle(tab) };
      },
      listSessions: async (target) => {
        const r = await this.api.listSessions(target).catch(() => undefined);
        return r?.ok ? r.sessions : undefined;
      },
      watchEnded: (key) => this._patch(key, { notifyOnFinish: undefined }),
      commandNotifyAfterMs: () => this._snap.settings.notifyCommandAfterSeconds * 1000,
    });
    const media =
      typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;
    media?.addEventListener('change', (e) => {
      this._set({ systemDark: e.matches });
      this._applyLook();
    });
    this._snap = {
      tabs: [],
      groups: [],
      activeKey: undefined,
      prompts: [],
      settings: loadSettings(_storage),
      systemDark: media?.matches ?? false,
      closeAsk: undefined,
      closeScope: 'tab',
      fatal: undefined,
      broadcast: [],
    };
    this._useKeys(this._snap.settings.keybindings);
    api.on('output', (e) => {
      const key = this._byTabId.get(e.tabId);
      if (key) {
        this._terminals.get(key)?.writeOutput(e.data, e.bytes, e.offset);
        const tab = this.tab(key);
        const patterns = this._snap.settings.notifyPatterns;
        if (tab && patterns.length > 0)
          this.notifications.output(key, tabTitle(tab), e.data, patterns);
      }
      // Output of a tab already closed: ack it, so nothing is held for it.
      else if (e.bytes > 0) void this.api.ackOutput(e.tabId, e.bytes).catch(() => {});
    });
    api.on('gap', (e) => {
      const key = this._byTabId.get(e.tabId);
      if (key) this._terminals.get(key)?.writeGap(e.from, e.to, e.skipped === true);
    });
    api.on('state', (e) => this._onState(e.tabId, e.state));
    api.on('notice', (e) => {
      const key = this._byTabId.get(e.tabId);
      if (key) this._patch(key, { notice: e.message });
    });
    api.on('prompt', (e) => {
      if (this._snap.prompts.some((p) => p.promptId === e.promptId)) return;
      const prompt: OpenPrompt = { promptId: e.promptId, request: e.request };
      if (e.tabId !== undefined) prompt.tabId = e.tabId;
      this._set({ prompts: [...this._snap.prompts, prompt] });
    });
    api.on('promptClosed', (e) => {
      this._set({ prompts: this._snap.prompts.filter((p) => p.promptId !== e.promptId) });
    });
  }

  // --- React glue ---------------------------------------------------------------------------

  readonly subscribe = (fn: () => void): (() => void) => {
    const subscription = this._onChange.event(fn);
    return () => subscription.dispose();
  };

  readonly getSnapshot = (): Snapshot => this._snap;

  terminal(key: string): TerminalController | undefined {
    return this._terminals.get(key);
  }

  tab(key: string | undefined): TabView | undefined {
    return key === undefined ? undefined : this._snap.tabs.find((t) => t.key === key);
  }

  get activeTab(): TabView | undefined {
    return this.tab(this._snap.activeKey);
  }

  // --- tabs ---------------------------------------------------------------------------------

  newTab(draft = ''): string {
    const tab: TabView = { key: newId('k'), mode: 'new', draft, label: '' };
    this._addTab(tab);
    return tab.key;
  }

  setDraft(key: string, draft: string): void {
    this._patch(key, { draft, draftError: undefined });
  }

  /** Quick connect from a tab's form: says inline when the text is not a destination. */
  connectDraft(key: string): void {
    const tab = this.tab(key);
    if (!tab) return;
    const parsed = parseQuickConnect(tab.draft);
    if (!parsed.ok) {
      this._patch(key, { draftError: parsed.message });
      return;
    }
    const target: Target = { kind: 'quick', text: tab.draft.trim() };
    this._patch(key, {
      mode: 'terminal',
      target,
      label: formatDestination(parsed.destination),
      draftError: undefined,
      attach: undefined,
    });
    void this._connect(key);
  }

  /** The tab showing session `sessionId` of `target`'s host, if one is open. */
  tabOfSession(target: Target, sessionId: string): TabView | undefined {
    const label = targetLabel(target);
    return this._snap.tabs.find(
      (t) =>
        t.mode === 'terminal' &&
        t.label === label &&
        isLive(t.state) &&
        (t.state?.kind === 'connected' ? t.state.sessionId === sessionId : t.attach === sessionId),
    );
  }

  /**
   * Opens an existing session (sessions panel): shows its tab when one is open, else (or
   * with `anotherView`) opens a new tab on it.
   */
  openSession(target: Target, sessionId: string, sessionName: string, anotherView = false): void {
    const open = anotherView ? undefined : this.tabOfSession(target, sessionId);
    if (open) {
      this.activate(open.key);
      return;
    }
    const tab: TabView = {
      key: newId('k'),
      mode: 'terminal',
      draft: target.kind === 'quick' ? target.text : '',
      target,
      label: targetLabel(target),
      attach: sessionId,
      ...(sessionName ? { sessionName } : {}),
    };
    this._addTab(tab);
    void this._connect(tab.key);
  }

  /** A second tab on the session tab `key` shows (both mirror it, both may type). */
  openAnotherView(key: string): void {
    const tab = this.tab(key);
    if (!tab?.target || tab.state?.kind !== 'connected') return;
    const view: TabView = {
      key: newId('k'),
      mode: 'terminal',
      draft: tab.draft,
      target: tab.target,
      label: tab.label,
      attach: tab.state.sessionId,
    };
    this._addTab(view);
    void this._connect(view.key);
  }

  /**
   * Connects to a saved profile: in the active tab when it is an untouched new tab, else
   * in a new one.
   */
  connectProfile(name: string, color?: string): void {
    const target: Target = { kind: 'profile', name };
    const active = this.activeTab;
    const hostColor = color === undefined ? undefined : normalizeHex(color);
    const patch = { mode: 'terminal' as const, target, label: name, draft: '', hostColor };
    if (active && active.mode === 'new' && active.draft.trim() === '') {
      this._patch(active.key, { ...patch, draftError: undefined, attach: undefined });
      void this._connect(active.key);
      return;
    }
    const tab = { key: newId('k'), ...patch } as TabView;
    this._addTab(tab);
    void this._connect(tab.key);
  }

  /**
   * Tabs on saved hosts take their host's colour (after a restore, or an edit), and their
   * terminals the host's colour scheme and scrollback where it sets them.
   */
  applyProfileColors(profiles: readonly HostLookSource[]): void {
    const looks = new Map(
      profiles.flatMap((p) => {
        const look = { colorScheme: p.colorScheme, scrollback: p.scrollback };
        return look.colorScheme !== undefined || look.scrollback !== undefined
          ? [[p.name, look] as const]
          : [];
      }),
    );
    if (JSON.stringify([...looks]) !== JSON.stringify([...this._hostLooks])) {
      this._hostLooks = looks;
      this._applyLook();
    }
    const colors = new Map(profiles.map((p) => [p.name, p.color && normalizeHex(p.color)]));
    const tabs = this._snap.tabs.map((t) => {
      if (t.target?.kind !== 'profile' || !colors.has(t.target.name)) return t;
      const hostColor = colors.get(t.target.name) || undefined;
      if (hostColor === t.hostColor) return t;
      const { hostColor: _, ...rest } = t;
      return hostColor ? { ...rest, hostColor } : rest;
    });
    if (tabs.some((t, i) => t !== this._snap.tabs[i])) this._set({ tabs });
  }

  /**
   * Re-opens the tabs the app had open when it last stopped, each attached to its session
   * where it was. The untouched new tab of a fresh window gives way to them.
   */
  async restore(): Promise<void> {
    let result;
    try {
      result = await this.api.restoreTabs();
    } catch (error) {
      logBug(error);
      return;
    }
    if (!result.ok || result.tabs.length === 0) return;
    const restored: TabView[] = result.tabs.map((saved) => ({
      key: newId('k'),
      mode: 'terminal',
      draft: saved.target.kind === 'quick' ? saved.target.text : '',
      target: saved.target,
      label: targetLabel(saved.target),
      attach: saved.sessionId,
      // With its kept screen, the tab paints it and the output goes on where it ends;
      // without, `received` is 0 and the server's ring is replayed (a gap marker shows
      // what fell out of it). The client id keeps the agent's count of applied input.
      ...(saved.resume ? { resume: saved.resume } : {}),
      ...(saved.resume && saved.screen !== undefined ? { screen: saved.screen } : {}),
      ...(saved.title ? { customTitle: saved.title } : {}),
    }));
    const kept = this._snap.tabs.filter((t) => t.mode !== 'new' || t.draft.trim() !== '');
    const keptKeys = new Set(kept.map((t) => t.key));
    // The untouched new panes give way; a tab keeps its other panes.
    const groups = this._snap.groups.flatMap((g) => {
      const tree = mapPanes(g.tree, (k) => (keptKeys.has(k) ? k : undefined));
      if (!tree) return [];
      const focus = keptKeys.has(g.focus) ? g.focus : (leaves(tree)[0] as string);
      return [{ key: g.key, tree, focus }];
    });
    const restoredGroups = restoredLayouts(
      restored.map((t) => t.key),
      result.layouts ?? [],
    );
    const first = restoredGroups[0] as TabGroup;
    this._set({
      tabs: [...kept, ...restored],
      groups: [...groups, ...restoredGroups],
      activeKey: first.focus,
    });
    for (const tab of restored) void this._connect(tab.key);
    if (restored.some((t) => t.target?.kind === 'profile')) {
      const listed = await this.api.listProfiles().catch(() => undefined);
      if (listed?.ok) this.applyProfileColors(listed.profiles);
    }
  }

  /** Failed or ended: connect again to the same place (a new session unless attaching). */
  retry(key: string): void {
    const tab = this.tab(key);
    if (!tab?.target) return;
    // An ended session cannot be attached again: start a new one on the same host.
    if (tab.state?.kind === 'ended') {
      this._patch(key, { attach: undefined, resume: undefined, screen: undefined });
    }
    this._releaseConnection(key, 'detach');
    this._terminals.get(key)?.writeMarker(`Connecting again to ${tab.label}`);
    void this._connect(key);
  }

  /** Back to the quick-connect form with the destination filled in. */
  edit(key: string): void {
    const tab = this.tab(key);
    if (!tab) return;
    this._releaseConnection(key, 'detach');
    this._disposeTerminal(key);
    this._patch(key, {
      mode: 'new',
      state: undefined,
      notice: undefined,
      termTitle: undefined,
      attach: undefined,
    });
  }

  /**
   * The close button: of a pane, or of a whole tab (every pane). Asks first when that is
   * the setting and a session would be left or ended.
   */
  requestClose(key: string, scope: CloseScope = 'tab'): void {
    const tab = this.tab(key);
    if (!tab) return;
    const live = this._closing(key, scope).some((t) => t.tabId && isLive(t.state));
    if (live && this._snap.settings.closeAction === 'ask') {
      this._set({ closeAsk: key, closeScope: scope });
      return;
    }
    this.close(key, 'detach', false, scope);
  }

  /** The views a close of `key` with `scope` closes. */
  private _closing(key: string, scope: CloseScope): TabView[] {
    const group = groupOf(this._snap.groups, key);
    if (scope === 'pane' || !group) return this.tab(key) ? [this.tab(key) as TabView] : [];
    return leaves(group.tree).flatMap((k) => this.tab(k) ?? []);
  }

  cancelClose(): void {
    this._set({ closeAsk: undefined });
  }

  /** Closes a pane, or its whole tab: each session is detached (goes on) or ended. */
  close(
    key: string,
    how: 'detach' | 'kill',
    dontAskAgain = false,
    scope: CloseScope = 'tab',
  ): void {
    const closing = this._closing(key, scope).map((t) => t.key);
    if (closing.length === 0) return;
    if (dontAskAgain) this.updateSettings({ closeAction: 'detach' });
    for (const k of closing) {
      const tab = this.tab(k);
      if (how === 'kill' && tab?.state?.kind === 'connected')
        this.hostSessions.quiet(tab.label, tab.state.sessionId);
      this._releaseConnection(k, how);
      this._disposeTerminal(k);
      this.notifications.forget(k);
      this._sessionOf.delete(k);
    }
    const gone = new Set(closing);
    const groupIndex = this._snap.groups.findIndex((g) => g === groupOf(this._snap.groups, key));
    const groups: TabGroup[] = [];
    let activeKey = this._snap.activeKey;
    for (const g of this._snap.groups) {
      const tree = leaves(g.tree).some((k) => gone.has(k))
        ? mapPanes(g.tree, (k) => (gone.has(k) ? undefined : k))
        : g.tree;
      if (!tree) continue;
      if (tree === g.tree) {
        groups.push(g);
        continue;
      }
      // The focus goes to the pane that took the closed one's place.
      const focus = gone.has(g.focus) ? (leaves(tree)[0] as string) : g.focus;
      const zoomed = g.zoomed !== undefined && !gone.has(g.zoomed) ? g.zoomed : undefined;
      groups.push({ key: g.key, tree, focus, ...(zoomed ? { zoomed } : {}) });
      if (activeKey !== undefined && gone.has(activeKey)) activeKey = focus;
    }
    if (activeKey !== undefined && gone.has(activeKey)) {
      activeKey = (groups[groupIndex] ?? groups[groupIndex - 1])?.focus;
    }
    const tabs = this._snap.tabs.filter((t) => !gone.has(t.key));
    this._set({ tabs, groups, activeKey, closeAsk: undefined });
    if (this._snap.broadcast.some((k) => gone.has(k))) this.setBroadcast(this._snap.broadcast);
  }

  /** Shows pane `key` and gives it the keyboard (its tab becomes the active one). */
  activate(key: string): void {
    const group = groupOf(this._snap.groups, key);
    if (!group) return;
    if (group.focus !== key || this._snap.activeKey !== key) {
      // Focus moving to a pane the zoom hides ends the zoom (as tmux does).
      const zoomed = group.zoomed === key ? key : undefined;
      this._setGroup({ ...withoutZoom(group), focus: key, ...(zoomed ? { zoomed } : {}) }, key);
    }
    if (this.tab(key)?.badge !== undefined) this._patch(key, { badge: undefined });
  }

  /** Ends a session on a host (sessions panel): the user's own doing, so no notice of it. */
  killSession(target: Target, sessionId: string): ReturnType<HoldfastApi['killSession']> {
    this.hostSessions.quiet(targetLabel(target), sessionId);
    return this.api.killSession(target, sessionId);
  }

  // --- panes --------------------------------------------------------------------------------

  /**
   * Splits pane `key` (`row`: the new pane goes right, `column`: below): with a new
   * session on the same host, or another view of the same session. The new pane has the
   * keyboard.
   */
  split(key: string, axis: SplitAxis, session: SplitSession = 'new'): string | undefined {
    const tab = this.tab(key);
    const group = groupOf(this._snap.groups, key);
    if (!tab || !group) return undefined;
    const attach = tab.state?.kind === 'connected' ? tab.state.sessionId : tab.attach;
    const pane: TabView =
      tab.mode === 'terminal' && tab.target
        ? {
            key: newId('k'),
            mode: 'terminal',
            draft: tab.draft,
            target: tab.target,
            label: tab.label,
            ...(tab.hostColor ? { hostColor: tab.hostColor } : {}),
            ...(session === 'same' && attach !== undefined ? { attach } : {}),
          }
        : { key: newId('k'), mode: 'new', draft: '', label: '' };
    const tree = splitPane(group.tree, key, axis, pane.key);
    if (depthOf(tree) > MAX_DEPTH) {
      this._patch(key, { notice: `Panes nest at most ${MAX_DEPTH} deep: split another pane.` });
      return undefined;
    }
    this._set({
      tabs: [...this._snap.tabs, pane],
      groups: this._snap.groups.map((g) =>
        g.key === group.key ? { key: g.key, tree, focus: pane.key } : g,
      ),
      activeKey: pane.key,
    });
    if (pane.mode === 'terminal') void this._connect(pane.key);
    return pane.key;
  }

  /** Moves the keyboard to the pane next to the focused one that way (none at the edge). */
  focusPane(dir: Direction): void {
    const group = groupOf(this._snap.groups, this._snap.activeKey);
    if (!group) return;
    const next = neighbour(group.tree, group.focus, dir);
    if (next !== undefined) this.activate(next);
  }

  /** Moves the focused pane's nearest divider that way by one step (the keyboard's resize). */
  nudgeDivider(dir: Direction): void {
    const group = groupOf(this._snap.groups, this._snap.activeKey);
    if (!group || group.zoomed !== undefined) return;
    const tree = nudgeDivider(group.tree, group.focus, dir);
    if (tree !== group.tree) this._setGroup({ ...group, tree });
  }

  /** Drags the divider of the split at `path` in tab `groupKey` to `ratio`. */
  setRatio(groupKey: string, path: SplitPath, ratio: number): void {
    const group = this._snap.groups.find((g) => g.key === groupKey);
    if (group) this._setGroup({ ...group, tree: setRatio(group.tree, path, ratio) });
  }

  /** The focused pane fills its tab, or (again) shares it. */
  toggleZoom(): void {
    const group = groupOf(this._snap.groups, this._snap.activeKey);
    if (!group || 'pane' in group.tree) return;
    this._setGroup(
      group.zoomed !== undefined ? withoutZoom(group) : { ...group, zoomed: group.focus },
    );
  }

  /** The tab (group) of pane `key`. */
  groupOf(key: string | undefined): TabGroup | undefined {
    return groupOf(this._snap.groups, key);
  }

  /** "Notify me when this finishes": on or off for a tab. */
  setNotifyOnFinish(key: string, on: boolean): void {
    if (!this.tab(key)) return;
    this._patch(key, { notifyOnFinish: on || undefined });
    this.notifications.setFinishWatch(key, on);
  }

  /** Types the shell integration line into tab `key` (the user agreed to it, and sees it). */
  installShellIntegration(key: string): void {
    this._write(key, `${SHELL_INTEGRATION_LINE}\r`, 'utf8');
  }

  /** A notice was clicked: show the tab it is about (its tag starts with the tab's key). */
  private _noticeClicked(tag: string): void {
    const key = tag.slice(0, tag.indexOf(':'));
    if (this.tab(key)) this.activate(key);
  }

  cycle(direction: 1 | -1): void {
    const groups = this._snap.groups;
    if (groups.length < 2) return;
    const at = groups.findIndex((g) => g === groupOf(groups, this._snap.activeKey));
    const next = groups[(at + direction + groups.length) % groups.length];
    if (next) this._set({ activeKey: next.focus });
  }

  /**
   * Gives the session of `target` another name on its server; the views showing it take
   * the name. The server's refusal (a name in use, a bad name) comes back as the message.
   */
  async renameSession(
    target: Target,
    sessionId: string,
    name: string,
  ): Promise<{ ok: true } | { ok: false; message: string }> {
    let result;
    try {
      result = await this.api.renameSession(target, sessionId, name.trim());
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
    if (!result.ok) return { ok: false, message: result.error.message };
    const label = targetLabel(target);
    for (const t of this._snap.tabs) {
      const shows =
        t.state?.kind === 'connected' ? t.state.sessionId === sessionId : t.attach === sessionId;
      if (t.label === label && shows) this._patch(t.key, { sessionName: name.trim() });
    }
    return { ok: true };
  }

  rename(key: string, title: string): void {
    this._patch(key, { customTitle: title.trim() || undefined });
  }

  /** Moves the tab of pane `key` before (or after) the tab of pane `target`. */
  move(key: string, target: string, after: boolean): void {
    const moving = groupOf(this._snap.groups, key);
    const onto = groupOf(this._snap.groups, target);
    if (!moving || !onto || moving === onto) return;
    const groups = this._snap.groups.filter((g) => g !== moving);
    const to = groups.indexOf(onto);
    groups.splice(after ? to + 1 : to, 0, moving);
    this._set({ groups });
  }

  /** Broadcast input among these tabs (terminal tabs still open); fewer than two: off. */
  setBroadcast(keys: readonly string[]): void {
    const open = keys.filter((k) => this.tab(k)?.mode === 'terminal');
    this._set({ broadcast: open.length >= 2 ? open : [] });
  }

  reconnectNow(key: string): void {
    const tabId = this.tab(key)?.tabId;
    if (tabId) void this.api.reconnectNow(tabId).catch(logBug);
  }

  /** Dials now for every tab waiting for its link (reconnecting or offline). */
  reconnectAll(): void {
    for (const tab of this._snap.tabs) {
      const kind = tab.state?.kind;
      if (kind === 'reconnecting' || kind === 'offline') this.reconnectNow(tab.key);
    }
  }

  dismissNotice(key: string): void {
    this._patch(key, { notice: undefined });
  }

  // --- prompts ------------------------------------------------------------------------------

  async answer(promptId: string, answer: PromptAnswer): Promise<void> {
    this._set({ prompts: this._snap.prompts.filter((p) => p.promptId !== promptId) });
    try {
      const result = await this.api.answerPrompt(promptId, answer);
      if (!result.ok) console.warn(`holdfast: answer not taken: ${result.error.message}`);
    } catch (error) {
      logBug(error);
    }
  }

  // --- settings -----------------------------------------------------------------------------

  updateSettings(patch: Partial<Settings>): void {
    const settings = { ...this._snap.settings, ...patch };
    if (patch.keybindings) this._useKeys(settings.keybindings);
    saveSettings(this._storage, settings);
    this._set({ settings });
    this._applyLook();
  }

  private _applyLook(): void {
    for (const [key, term] of this._terminals) term.applyLook(this.look(key));
  }

  isDark(): boolean {
    const { theme } = this._snap.settings;
    return theme === 'dark' || (theme === 'system' && this._snap.systemDark);
  }

  /** The terminal look of tab `key` (the settings, with its saved host's own), or the app's. */
  look(key?: string): TerminalLook {
    const s = this._snap.settings;
    const target = this.tab(key)?.target;
    const host = target?.kind === 'profile' ? this._hostLooks.get(target.name) : undefined;
    const scheme = hostScheme(host?.colorScheme, s) ?? s.colorScheme;
    return {
      fontFamily: s.fontFamily,
      fontSize: Math.round(s.fontSize * s.zoom * 10) / 10,
      theme: schemeFor(scheme, this.isDark(), s.customSchemes).theme,
      scrollback: host?.scrollback !== undefined ? clampScrollback(host.scrollback) : s.scrollback,
      allowOsc52Write: s.allowOsc52Write,
      gpu: s.gpuAcceleration,
      cursorStyle: s.cursorStyle,
      cursorBlink: s.cursorBlink,
      lineHeight: s.lineHeight,
      predict: s.predictEcho,
    };
  }

  setFatal(message: string): void {
    this._set({ fatal: message });
  }

  // --- internals ----------------------------------------------------------------------------

  private async _connect(key: string): Promise<void> {
    const tab = this.tab(key);
    if (!tab?.target) return;
    const terminal = this._ensureTerminal(key);
    const tabId = newId('t');
    this._byTabId.set(tabId, key);
    this._patch(key, { tabId, state: { kind: 'connecting', step: 'starting' }, notice: undefined });
    // Let React mount the terminal and fit it, so the session starts at its real size.
    await this._nextFrame();
    terminal.fitNow();
    if (this.tab(key)?.tabId !== tabId) return; // closed or retried meanwhile
    // At its real size, so the kept screen lays out as it was drawn.
    if (tab.screen !== undefined && tab.resume !== undefined) {
      terminal.paintScreen(tab.screen, tab.resume.received);
    } else {
      terminal.newConnection();
    }
    const request = {
      tabId,
      target: tab.target,
      cols: terminal.cols,
      rows: terminal.rows,
      ...(tab.attach !== undefined ? { attach: tab.attach } : {}),
      ...(tab.attach !== undefined && tab.resume !== undefined ? { resume: tab.resume } : {}),
      ...(tab.customTitle !== undefined ? { title: tab.customTitle.slice(0, 256) } : {}),
    };
    // The snapshot is where the tab was at the restart: a later reconnect starts afresh.
    if (tab.resume !== undefined) this._patch(key, { resume: undefined, screen: undefined });
    let result;
    try {
      result = await this.api.connect(request);
    } catch (error) {
      result = { ok: false as const, error: { kind: 'bug', message: (error as Error).message } };
    }
    if (result.ok || this.tab(key)?.tabId !== tabId) return;
    this._byTabId.delete(tabId);
    if (result.error.kind === 'bad-destination') {
      this._disposeTerminal(key);
      this._patch(key, {
        mode: 'new',
        tabId: undefined,
        state: undefined,
        draftError: result.error.message,
      });
    } else {
      this._patch(key, {
        state: { kind: 'failed', reason: result.error.message, errorKind: result.error.kind },
      });
    }
  }

  private _ensureTerminal(key: string): TerminalController {
    const existing = this._terminals.get(key);
    if (existing) return existing;
    const terminal = this._createTerminal(this.look(key), {
      input: (data, encoding) => {
        // Typing (not mouse reports) in a broadcasting tab goes to every one of them.
        const broadcast = this._snap.broadcast;
        if (encoding === 'utf8' && broadcast.includes(key)) {
          for (const to of broadcast) this._write(to, data, encoding);
        } else this._write(key, data, encoding);
      },
      resize: (cols, rows) => {
        const tab = this.tab(key);
        if (tab?.tabId && isLive(tab.state))
          void this.api.resize(tab.tabId, cols, rows).catch(logBug);
      },
      title: (title) => this._patch(key, { termTitle: title.trim() || undefined }),
      bell: () => {
        const tab = this.tab(key);
        if (tab) this.notifications.bell(key, tabTitle(tab));
      },
      ack: (bytes) => {
        const tabId = this.tab(key)?.tabId;
        if (tabId) void this.api.ackOutput(tabId, bytes).catch(logBug);
      },
      openLink: (url) => {
        this.api.openExternal(url).then((r) => {
          if (!r.ok) this._patch(key, { notice: r.error.message });
        }, logBug);
      },
      clipboardWrite: (allowed) => {
        if (allowed || this._osc52Warned.has(key)) return;
        this._osc52Warned.add(key);
        this._patch(key, {
          notice:
            'A program asked to set your clipboard (OSC 52); that is off. Turn it on in Settings if you trust it.',
        });
      },
      searchResults: (index, count) => {
        this._onSearchResults.fire({ key, index, count });
      },
      shown: () => this._screenShown(key),
      shellMark: (mark) => {
        const tab = this.tab(key);
        if (tab) this.notifications.shellMark(key, tabTitle(tab), mark);
      },
      screen: (offset, data) => this._keepScreen(key, offset, data),
    });
    this._terminals.set(key, terminal);
    return terminal;
  }

  private _write(key: string, data: string, encoding: 'utf8' | 'binary'): void {
    const tabId = this.tab(key)?.tabId;
    if (!tabId || !isLive(this.tab(key)?.state)) return;
    this.api.write(tabId, data, encoding).then((r) => {
      if (!r.ok) this._patch(key, { notice: r.error.message });
    }, logBug);
  }

  private _releaseConnection(key: string, how: 'detach' | 'kill'): void {
    const tabId = this.tab(key)?.tabId;
    if (!tabId) return;
    this._byTabId.delete(tabId);
    this._patch(key, { tabId: undefined });
    const call = how === 'kill' ? this.api.kill(tabId) : this.api.detach(tabId);
    call.then((r) => {
      if (!r.ok && r.error.kind !== 'no-such-tab') console.warn(`holdfast: ${r.error.message}`);
    }, logBug);
  }

  private _disposeTerminal(key: string): void {
    this._terminals.get(key)?.dispose();
    this._terminals.delete(key);
    this._osc52Warned.delete(key);
    clearTimeout(this._screens.get(key)?.timer);
    this._screens.delete(key);
  }

  /** Output is on the tab's screen: keep the screen when the schedule says. */
  private _screenShown(key: string): void {
    let keeping = this._screens.get(key);
    if (!keeping)
      this._screens.set(key, (keeping = { schedule: new ScreenSchedule(), timer: undefined }));
    keeping.schedule.output(Date.now());
    this._armScreenTimer(key, keeping);
  }

  private _armScreenTimer(key: string, keeping: ScreenKeeping): void {
    const due = keeping.schedule.dueAt();
    if (keeping.timer !== undefined || due === undefined) return;
    keeping.timer = setTimeout(
      () => {
        keeping.timer = undefined;
        if (this._screens.get(key) !== keeping) return;
        const at = keeping.schedule.dueAt();
        if (at !== undefined && at > Date.now()) this._armScreenTimer(key, keeping);
        else if (at !== undefined) this._terminals.get(key)?.requestScreen();
      },
      Math.max(0, due - Date.now()),
    );
  }

  private _keepScreen(key: string, offset: string, data: string): void {
    this._screens.get(key)?.schedule.kept();
    const tab = this.tab(key);
    if (!tab?.tabId || !isLive(tab.state)) return;
    this.api.keepScreen(tab.tabId, offset, data).then((r) => {
      if (!r.ok) console.warn(`holdfast: screen not kept: ${r.error.message}`);
    }, logBug);
  }

  private _onState(tabId: string, state: TabState): void {
    const key = this._byTabId.get(tabId);
    if (!key) return;
    this._patch(key, { state });
    const tab = this.tab(key);
    if (state.kind === 'connected') {
      this._sessionOf.set(key, state.sessionId);
      this.notifications.connected(key);
      this.hostSessions.wake();
    }
    if (state.kind === 'ended' && tab) this.notifications.ended(key, tabTitle(tab), state.exitCode);
    if (state.kind === 'ended') {
      this._terminals.get(key)?.writeMarker(`Session ended (exit code ${state.exitCode})`);
    }
  }

  private _patch(
    key: string,
    patch: Partial<{ -readonly [K in keyof TabView]: TabView[K] | undefined }>,
  ): void {
    let changed = false;
    const tabs = this._snap.tabs.map((t) => {
      if (t.key !== key) return t;
      changed = true;
      const next = { ...t, ...patch } as Record<string, unknown>;
      for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
      return next as TabView;
    });
    if (changed) this._set({ tabs });
  }

  /** A new tab of one view, after the others, active. */
  private _addTab(tab: TabView): void {
    this._set({
      tabs: [...this._snap.tabs, tab],
      groups: [...this._snap.groups, single(newId('g'), tab.key)],
      activeKey: tab.key,
    });
  }

  /** Replaces a group (same key); `activeKey` too when given. */
  private _setGroup(group: TabGroup, activeKey?: string): void {
    const groups = this._snap.groups.map((g) => (g.key === group.key ? group : g));
    this._set(activeKey === undefined ? { groups } : { groups, activeKey });
  }

  private _set(patch: Partial<Snapshot>): void {
    this._snap = { ...this._snap, ...patch };
    if (patch.groups)
      this._snap = { ...this._snap, tabs: arrange(this._snap.tabs, this._snap.groups) };
    if (patch.tabs || patch.groups) {
      this._sendTabOrder();
      this._sendLayouts();
    }
    this._onChange.fire();
  }

  /**
   * The host keeps the split tabs for the next start (tabs.json), their leaves being the
   * panes' connections; sent when they change (a connection's id changes on a retry).
   */
  private _sendLayouts(): void {
    const tabIdOf = new Map(this._snap.tabs.flatMap((t) => (t.tabId ? [[t.key, t.tabId]] : [])));
    const layouts = this._snap.groups.flatMap((g) => {
      const tree = mapPanes(g.tree, (k) => tabIdOf.get(k));
      if (!tree || 'pane' in tree) return [];
      const focus = tabIdOf.get(g.focus) ?? (leaves(tree)[0] as string);
      const zoomed = g.zoomed === undefined ? undefined : tabIdOf.get(g.zoomed);
      return [{ tree, focus, ...(zoomed ? { zoomed } : {}) }];
    });
    const text = JSON.stringify(layouts);
    if (text === this._sentLayouts) return;
    this._sentLayouts = text;
    this._tell(() => this.api.setPaneLayouts(layouts));
  }

  /** The host keeps the bar's order for the next start (tabs.json); sent when it changes. */
  private _sendTabOrder(): void {
    const ids = this._snap.tabs.flatMap((t) => (t.tabId ? [t.tabId] : []));
    const order = ids.join(' ');
    if (order === this._sentOrder) return;
    this._sentOrder = order;
    this._tell(() => this.api.setTabOrder(ids));
  }

  /** The shortcuts in force here, and in the application menu (`setMenuKeys`). */
  private _useKeys(bindings: Settings['keybindings']): void {
    setKeyBindings(bindings);
    const keys = Object.fromEntries(Object.entries(bindings).map(([a, c]) => [a, [...c]]));
    this._tell(() => this.api.setMenuKeys(keys));
  }

  /** A call whose answer nothing waits for; a broken one is logged as our bug. */
  private _tell(call: () => Promise<unknown>): void {
    void Promise.resolve().then(call).catch(logBug);
  }
}

/** What of a saved profile sets the look of its tabs. */
export type HostLookSource = {
  name: string;
  color?: string | undefined;
  colorScheme?: string | undefined;
  scrollback?: number | undefined;
};

/** A host's scheme when it is one this app has (built in, or imported here). */
function hostScheme(id: string | undefined, s: Settings): string | undefined {
  if (id === undefined) return undefined;
  const known =
    Object.hasOwn(BUILT_IN_SCHEMES, id) || s.customSchemes.some((c) => `custom:${c.name}` === id);
  return known ? id : undefined;
}

/** What a tab of `target` is called before the terminal names it. */
export function targetLabel(target: Target): string {
  if (target.kind === 'profile') return target.name;
  if (target.kind === 'destination') return formatDestination(target.destination);
  const parsed = parseQuickConnect(target.text);
  return parsed.ok ? formatDestination(parsed.destination) : target.text;
}

function withoutZoom(group: TabGroup): TabGroup {
  const { zoomed: _, ...rest } = group;
  return rest;
}

/**
 * The tabs of restored views: the saved split tabs (leaves index `keys`), then a tab of
 * its own for each view no layout names (or named twice: the first layout wins).
 */
function restoredLayouts(
  keys: readonly string[],
  layouts: readonly { tree: PaneTree<number>; focus: number; zoomed?: number | undefined }[],
): TabGroup[] {
  const used = new Set<number>();
  const groups: { at: number; group: TabGroup }[] = [];
  for (const layout of layouts) {
    const tree = mapPanes(layout.tree, (i) => (used.has(i) ? undefined : keys[i]));
    if (!tree) continue;
    for (const i of leaves(layout.tree)) used.add(i);
    const inTree = new Set(leaves(tree));
    const focusKey = keys[layout.focus];
    const focus =
      focusKey !== undefined && inTree.has(focusKey) ? focusKey : (leaves(tree)[0] as string);
    const zoomKey = layout.zoomed === undefined ? undefined : keys[layout.zoomed];
    const zoomed =
      zoomKey !== undefined && inTree.has(zoomKey) && !('pane' in tree) ? zoomKey : undefined;
    const at = Math.min(...leaves(layout.tree));
    groups.push({ at, group: { key: newId('g'), tree, focus, ...(zoomed ? { zoomed } : {}) } });
  }
  keys.forEach((key, i) => {
    if (!used.has(i)) groups.push({ at: i, group: single(newId('g'), key) });
  });
  // In the saved order: a tab where its first pane was.
  return groups.sort((a, b) => a.at - b.at).map((g) => g.group);
}

function logBug(error: unknown): void {
  console.error(`holdfast: ${(error as Error)?.message ?? String(error)}`);
}
