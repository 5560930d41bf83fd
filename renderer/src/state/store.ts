// The renderer's state: tabs, their connections and terminals, open questions, settings.
// A plain class with immutable snapshots for React (useSyncExternalStore); terminals live
// beside the snapshot, one TerminalController per tab, never re-created by a render.
//
// A tab is either "new" (the quick-connect form) or "terminal" (a connection). Each
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
import type { DesktopNotifier } from '../notify/desktop';
import { schemeFor } from '../terminal/schemes';
import { normalizeHex } from '../terminal/schemeImport';
import { loadSettings, saveSettings, type Settings } from './settings';
import { setKeyBindings } from '../terminal/shortcuts';

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
  readonly tabs: readonly TabView[];
  readonly activeKey: string | undefined;
  readonly prompts: readonly OpenPrompt[];
  readonly settings: Settings;
  /** The system prefers dark (for theme 'system'). */
  readonly systemDark: boolean;
  /** The tab whose close asks "detach or end?". */
  readonly closeAsk: string | undefined;
  /** Tabs whose typing goes to all of them (broadcast input); empty when off. */
  readonly broadcast: readonly string[];
  /** The engine cannot be reached at all. */
  readonly fatal: string | undefined;
};

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
  private _searchListener: ((key: string, index: number, count: number) => void) | undefined;
  /** The tab order last sent to the host (`setTabOrder`). */
  private _sentOrder = '';

  constructor(
    readonly api: HoldfastApi,
    private readonly _storage: Storage | undefined,
    deps: StoreDeps = {},
  ) {
    this._createTerminal = deps.createTerminal ?? ((look, cb) => new TerminalController(look, cb));
    this._nextFrame = deps.nextFrame ?? nextFrame;
    this.notifications = new TabNotifications({
      ...(deps.notifier ? { notifier: deps.notifier } : {}),
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
    });
    const media =
      typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;
    media?.addEventListener('change', (e) => {
      this._set({ systemDark: e.matches });
      this._applyLook();
    });
    this._snap = {
      tabs: [],
      activeKey: undefined,
      prompts: [],
      settings: loadSettings(_storage),
      systemDark: media?.matches ?? false,
      closeAsk: undefined,
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
      if (key) this._terminals.get(key)?.writeGap(e.from, e.to);
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
    this._set({ tabs: [...this._snap.tabs, tab], activeKey: tab.key });
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
    this._set({ tabs: [...this._snap.tabs, tab], activeKey: tab.key });
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
    this._set({ tabs: [...this._snap.tabs, view], activeKey: view.key });
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
    this._set({ tabs: [...this._snap.tabs, tab], activeKey: tab.key });
    void this._connect(tab.key);
  }

  /** Tabs on saved hosts take their host's colour (after a restore, or an edit). */
  applyProfileColors(profiles: readonly { name: string; color?: string | undefined }[]): void {
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
    const first = restored[0] as TabView;
    this._set({ tabs: [...kept, ...restored], activeKey: first.key });
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

  /** The close button: asks first when that is the setting and a session is live. */
  requestClose(key: string): void {
    const tab = this.tab(key);
    if (!tab) return;
    if (tab.tabId && isLive(tab.state) && this._snap.settings.closeAction === 'ask') {
      this._set({ closeAsk: key });
      return;
    }
    this.close(key, 'detach');
  }

  cancelClose(): void {
    this._set({ closeAsk: undefined });
  }

  close(key: string, how: 'detach' | 'kill', dontAskAgain = false): void {
    const index = this._snap.tabs.findIndex((t) => t.key === key);
    if (index < 0) return;
    if (dontAskAgain) this.updateSettings({ closeAction: 'detach' });
    this._releaseConnection(key, how);
    this._disposeTerminal(key);
    this.notifications.forget(key);
    const tabs = this._snap.tabs.filter((t) => t.key !== key);
    let activeKey = this._snap.activeKey;
    if (activeKey === key) activeKey = (tabs[index] ?? tabs[index - 1])?.key;
    this._set({ tabs, activeKey, closeAsk: undefined });
    if (this._snap.broadcast.includes(key)) this.setBroadcast(this._snap.broadcast);
  }

  activate(key: string): void {
    if (this.tab(key)) this._set({ activeKey: key });
    if (this.tab(key)?.badge !== undefined) this._patch(key, { badge: undefined });
  }

  /** "Notify me when this finishes": on or off for a tab. */
  setNotifyOnFinish(key: string, on: boolean): void {
    if (!this.tab(key)) return;
    this._patch(key, { notifyOnFinish: on || undefined });
    this.notifications.setFinishWatch(key, on);
  }

  cycle(direction: 1 | -1): void {
    const tabs = this._snap.tabs;
    if (tabs.length < 2) return;
    const at = tabs.findIndex((t) => t.key === this._snap.activeKey);
    const next = tabs[(at + direction + tabs.length) % tabs.length];
    if (next) this._set({ activeKey: next.key });
  }

  rename(key: string, title: string): void {
    this._patch(key, { customTitle: title.trim() || undefined });
  }

  /** Moves tab `key` before (or after) tab `target`. */
  move(key: string, target: string, after: boolean): void {
    if (key === target) return;
    const tabs = [...this._snap.tabs];
    const from = tabs.findIndex((t) => t.key === key);
    if (from < 0) return;
    const [moved] = tabs.splice(from, 1);
    const to = tabs.findIndex((t) => t.key === target);
    if (!moved || to < 0) return;
    tabs.splice(after ? to + 1 : to, 0, moved);
    this._set({ tabs });
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
    const look = this.look();
    for (const term of this._terminals.values()) term.applyLook(look);
  }

  isDark(): boolean {
    const { theme } = this._snap.settings;
    return theme === 'dark' || (theme === 'system' && this._snap.systemDark);
  }

  look(): TerminalLook {
    const s = this._snap.settings;
    return {
      fontFamily: s.fontFamily,
      fontSize: Math.round(s.fontSize * s.zoom * 10) / 10,
      theme: schemeFor(s.colorScheme, this.isDark(), s.customSchemes).theme,
      scrollback: s.scrollback,
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
    const terminal = this._createTerminal(this.look(), {
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
    if (state.kind === 'connected') this.notifications.connected(key);
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

  private _set(patch: Partial<Snapshot>): void {
    this._snap = { ...this._snap, ...patch };
    if (patch.tabs) this._sendTabOrder();
    this._onChange.fire();
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

/** What a tab of `target` is called before the terminal names it. */
export function targetLabel(target: Target): string {
  if (target.kind === 'profile') return target.name;
  if (target.kind === 'destination') return formatDestination(target.destination);
  const parsed = parseQuickConnect(target.text);
  return parsed.ok ? formatDestination(parsed.destination) : target.text;
}

function logBug(error: unknown): void {
  console.error(`holdfast: ${(error as Error)?.message ?? String(error)}`);
}
