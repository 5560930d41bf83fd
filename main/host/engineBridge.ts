// The contract implemented on top of one Engine: the host-side half that main/app's IPC
// handlers and the test host's WebSocket both call (through `dispatch` in the contract, which
// validates arguments first). It owns what neither transport should know about:
// - tabs by the id the renderer chose, and the engine listeners each tab registered;
// - one streaming UTF-8 decoder per tab, so output crosses as text with split multibyte
//   characters joined, never mangled;
// - flow control: bytes sent but not yet acknowledged by the renderer, per tab, with the
//   tab paused above a high watermark and resumed below a low one (xterm.js's
//   watermark scheme), so a flooding tab cannot queue without bound or starve the others;
// - prompt bookkeeping: each engine question gets an id, an event, and waits for an answer;
// - saved profiles (a ProfileStore the host process gives it), and connecting to one by name;
// - tabs.json: the open tabs with their sessions and resume client ids, so a restarted app
//   re-attaches each (./tabsFile.ts), and the screen each last showed with the offset it
//   ends at (./screenFiles.ts), so the tab paints it and resumes there, replaying nothing
//   it had already shown;
// - state events to the UI, a new kind at once and more of the same kind at most twice a
//   second (./stateThrottle.ts).
//
// The host room (main/host): Node, the engine and the contract meet here; the renderer
// never imports it (eslint.config.js, build/eslintRooms.mjs).

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import {
  isWebUrl,
  type AnyEvent,
  type DesktopNotice,
  type Failure,
  type HoldfastMethods,
  type MethodResult,
  type ProfileFailure,
  type ProfileInput,
  type PaneLayout,
  type ProfileView,
  type RestorableLayout,
  type RestorableTab,
  type SignalName,
  type Target,
} from '../contract/api';
import { parseQuickConnect, formatDestination } from '../contract/quickConnect';
import type {
  Destination as EngineDestination,
  OpenTabRequest,
  SessionInfo as EngineSessionInfo,
  Tab,
  TabState,
} from '../engine/types';
import type { PromptAnswer, PromptRequest, Prompter } from '../engine/prompts';
import {
  profileSession,
  profileToDestination,
  type Profile,
  type ProfileStore,
  type ProfilesError,
  type ProfileInput as StoreProfileInput,
} from '../engine/profiles';
import { readTabsFile, TabsFileWriter, type SavedTab, type SavedTabs } from './tabsFile';
import { leaves, mapPanes, type TabLayout } from '../contract/paneLayout';
import { DisposableStore } from '../common/emitter';
import { ScreenFiles, SCREENS_DIR } from './screenFiles';
import { StateThrottle, type ThrottleStep } from './stateThrottle';
import { ProfileForwards, type ForwardingEngine } from './profileForwards';

/**
 * Unacknowledged output (bytes) above which a tab is paused. 512 KiB is a few frames of
 * xterm's parse rate for plain text: big enough that a fast command never stalls on the
 * round trip of acks, small enough that Ctrl-C in a `yes` flood shows within a blink.
 */
export const FLOW_HIGH_WATERMARK_BYTES = 512 * 1024;
/** Unacknowledged output below which a paused tab resumes (hysteresis against flapping). */
export const FLOW_LOW_WATERMARK_BYTES = 128 * 1024;

/** What the bridge needs of the engine (main/engine/engine.ts implements it). */
export interface EngineLike {
  openTab(req: OpenTabRequest): Tab;
  listSessions(
    dest: EngineDestination,
  ): Promise<
    | { ok: true; value: EngineSessionInfo[] }
    | { ok: false; error: { kind: string; message: string } }
  >;
  /** Resolves when done; a `{ ok: false, error }` result (or a rejection) is reported. */
  killSession(dest: EngineDestination, id: string): Promise<unknown>;
  /** Resolves when done; a `{ ok: false, error }` result (or a rejection) is reported. */
  renameSession(dest: EngineDestination, id: string, name: string): Promise<unknown>;
  networkChanged(): void;
  dispose?(): unknown;
  /** Port forwards (optional: a test engine may have none). */
  startForwards?: ForwardingEngine['startForwards'];
  forwards?: ForwardingEngine['forwards'];
}

export interface EngineBridgeOptions {
  /** Builds the engine; the bridge passes the prompter it answers through the UI. */
  createEngine: (prompter: Prompter) => EngineLike;
  /** Sends one event to the UI (webContents.send, a WebSocket...). */
  emit: (event: AnyEvent) => void;
  /** Opens an http(s) URL in the system browser; only called with URLs that passed `isWebUrl`. */
  openExternal: (url: string) => void | Promise<void>;
  /**
   * Settings the host process adds to every destination, never the UI: an ssh_config file,
   * `-o` options, extra identity files (the test host points these at its own sshd).
   */
  destinationDefaults?: Pick<EngineDestination, 'configFile' | 'options' | 'identityFiles'>;
  /** One line per notable event (tab opened/closed, paused/resumed); default: silent. */
  log?: (line: string) => void;
  highWatermarkBytes?: number;
  lowWatermarkBytes?: number;
  /** The saved profiles (built by the host process with its config folder and keychain). */
  profiles?: Pick<ProfileStore, 'load' | 'get' | 'add' | 'update' | 'remove' | 'importSshConfig'>;
  /** Where the open tabs are remembered for `restoreTabs` (`<config dir>/tabs.json`). */
  tabsFile?: string;
  /** How soon a change reaches the tabs file (ms); default TABS_SAVE_DELAY_MS. */
  tabsSaveDelayMs?: number;
  /** Least time between two states of one kind sent to the UI (ms); default STATE_EVENT_INTERVAL_MS. */
  stateIntervalMs?: number;
  /**
   * Resolves once the bridge of the page before this one (a reload) has written the tabs
   * file for the last time; the file is read after it, so a reload never sees it stale.
   */
  previousClosed?: () => Promise<unknown>;
  /** The page's shortcuts changed (`setMenuKeys`): the desktop app rebuilds its menu. */
  onMenuKeys?: (bindings: Readonly<Record<string, readonly string[]>>) => void;
  /**
   * Shows a desktop notification (the desktop app's, from its main process); false when
   * this desktop has none. Absent (the test host, a browser): the page shows its own.
   */
  notify?: (notice: DesktopNotice) => boolean;
}

type TabRecord = {
  readonly id: string;
  readonly tab: Tab;
  readonly label: string;
  /** The engine listeners the tab registered, disposed with it. */
  readonly subscriptions: DisposableStore;
  /** What tabs.json says of it: where it goes, and its title. */
  readonly target: Target;
  readonly title: string | undefined;
  decoder: StringDecoder;
  /** Output bytes emitted and not yet acknowledged by the renderer. */
  unacked: number;
  /** Offset just past the last output (or gap) handed to the renderer: with `unacked`,
   * what the renderer has shown, told to the tab for end-to-end flow control. */
  emittedEnd: bigint;
  paused: boolean;
  /** What of the tab's states reaches the UI, and the timer of one held back. */
  readonly states: StateThrottle<TabState>;
  stateTimer: ReturnType<typeof setTimeout> | undefined;
};

type PendingPrompt = {
  readonly request: PromptRequest;
  readonly finish: (answer: PromptAnswer) => void;
};

type Done = MethodResult<'detach'>;
const OK: Done = { ok: true };

function failure(kind: string, message: string): { ok: false; error: Failure } {
  return { ok: false, error: { kind, message } };
}

export class EngineBridge implements HoldfastMethods {
  private readonly _engine: EngineLike;
  private readonly _tabs = new Map<string, TabRecord>();
  private readonly _prompts = new Map<string, PendingPrompt>();
  private readonly _high: number;
  private readonly _low: number;
  private _disposed = false;
  /** Tab ids being opened (a profile is read first): a second connect with one is refused. */
  private readonly _opening = new Set<string>();
  private readonly _tabsWriter: TabsFileWriter | undefined;
  private readonly _screens: ScreenFiles | undefined;
  /** tabs.json as found (read once, after the previous page's bridge is done with it). */
  private _saved: Promise<SavedTabs> | undefined;
  /** Whether `restoreTabs` handed the saved tabs out already (they are handed out once). */
  private _handedOut = false;
  /** The saved tabs while no page asked for them: kept in the file for the next one. */
  private _unclaimed: SavedTab[] = [];
  /** The tab bar's order as the renderer last said (`setTabOrder`). */
  private _order: readonly string[] = [];
  /** Restorable tabs handed out and not yet re-opened: kept in tabs.json meanwhile. */
  private _pendingRestore: SavedTab[] = [];
  /** The split tabs as the renderer last said (`setPaneLayouts`); leaves are tab ids. */
  private _layouts: readonly PaneLayout[] = [];
  /**
   * The split tabs of the file, leaves being its tabs (the objects of `_unclaimed` and
   * `_pendingRestore`): kept while those tabs are, until the renderer's layouts hold them.
   */
  private _savedLayouts: TabLayout<SavedTab>[] = [];
  /** Saved profiles' port forwards, kept while a tab of the profile is open. */
  private readonly _forwards: ProfileForwards | undefined;

  constructor(private readonly _opts: EngineBridgeOptions) {
    this._high = _opts.highWatermarkBytes ?? FLOW_HIGH_WATERMARK_BYTES;
    this._low = _opts.lowWatermarkBytes ?? FLOW_LOW_WATERMARK_BYTES;
    if (!(this._low < this._high)) throw new Error('the low watermark must be below the high one');
    this._engine = _opts.createEngine((req, signal) => this._ask(req, signal));
    const engine = this._engine;
    if (engine.startForwards && engine.forwards) {
      this._forwards = new ProfileForwards(
        {
          startForwards: engine.startForwards.bind(engine),
          forwards: engine.forwards.bind(engine),
        },
        (tabId, message) => this._emit({ event: 'notice', payload: { tabId, message } }),
      );
    }
    if (_opts.tabsFile !== undefined) {
      const file = _opts.tabsFile;
      this._tabsWriter = new TabsFileWriter(
        file,
        () => this._restorableTabs(),
        (line) => this._log(line),
        _opts.tabsSaveDelayMs,
        // Never write over the file before it was read.
        () => this._readSaved(file),
      );
      this._screens = new ScreenFiles(path.join(path.dirname(file), SCREENS_DIR), (line) =>
        this._log(line),
      );
    }
  }

  // --- methods of the contract -----------------------------------------------------------

  /** Synchronous for a typed destination; a profile is read from its file first. */
  connect(
    req: Parameters<HoldfastMethods['connect']>[0],
  ): MethodResult<'connect'> | Promise<MethodResult<'connect'>> {
    if (this._disposed) return failure('closed', 'The app is shutting down.');
    if (this._tabs.has(req.tabId) || this._opening.has(req.tabId)) {
      return failure('duplicate-tab', `A tab with id ${req.tabId} is already open.`);
    }
    if (req.target.kind !== 'profile') return this._open(req, this._resolveTyped(req.target));
    this._opening.add(req.tabId);
    return this._resolve(req.target)
      .finally(() => this._opening.delete(req.tabId))
      .then((dest) =>
        this._disposed ? failure('closed', 'The app is shutting down.') : this._open(req, dest),
      );
  }

  private _open(
    req: Parameters<HoldfastMethods['connect']>[0],
    dest: Resolved,
  ): MethodResult<'connect'> {
    if (!dest.ok) return dest;
    const open: OpenTabRequest = { ...dest.value, cols: req.cols, rows: req.rows };
    if (dest.session?.command !== undefined && req.attach === undefined) {
      open.command = dest.session.command;
    }
    if (dest.session?.env !== undefined) open.env = dest.session.env;
    if (req.attach !== undefined) open.attach = req.attach;
    if (req.name !== undefined) open.name = req.name;
    if (req.command !== undefined) open.command = req.command;
    if (req.resume !== undefined && req.attach !== undefined) open.resume = req.resume;
    let tab: Tab;
    try {
      tab = this._engine.openTab(open);
    } catch (error) {
      return failure('engine', `Could not open the tab: ${(error as Error).message}`);
    }
    const record: TabRecord = {
      id: req.tabId,
      tab,
      label: formatDestination(dest.value),
      subscriptions: new DisposableStore(),
      target: req.target,
      title: req.title,
      decoder: new StringDecoder('utf8'),
      unacked: 0,
      emittedEnd: 0n,
      paused: false,
      states: new StateThrottle(this._opts.stateIntervalMs),
      stateTimer: undefined,
    };
    this._tabs.set(req.tabId, record);
    const subs = record.subscriptions;
    subs.add(tab.onOutput((data, offset) => this._onOutput(record, data, offset)));
    subs.add(tab.onGap((from, to, skipped) => this._onGap(record, from, to, skipped)));
    subs.add(tab.onState((state) => this._onState(record, state)));
    subs.add(
      tab.onNotice((message) =>
        this._emit({ event: 'notice', payload: { tabId: record.id, message } }),
      ),
    );
    // Whatever happened inside openTab before we listened: the state as of now.
    this._onState(record, tab.state);
    const forwards = dest.session?.forwards;
    if (forwards && req.target.kind === 'profile') {
      this._forwards?.tabOpened(req.target.name, dest.value, forwards, record.id);
    }
    if (req.attach !== undefined) {
      this._pendingRestore = this._pendingRestore.filter((t) => t.sessionId !== req.attach);
    }
    this._tabsWriter?.changed();
    this._log(
      `tab ${record.id}: opened to ${record.label}${req.attach ? ` (attach ${req.attach})` : ''}`,
    );
    return { ok: true, tabId: req.tabId };
  }

  answerPrompt(promptId: string, answer: PromptAnswer): MethodResult<'answerPrompt'> {
    const pending = this._prompts.get(promptId);
    if (!pending) {
      return failure(
        'no-such-prompt',
        'That question was already answered or is no longer needed.',
      );
    }
    const mismatch = answerMismatch(pending.request, answer);
    if (mismatch) return failure('wrong-answer', mismatch);
    pending.finish(answer);
    return OK;
  }

  write(tabId: string, data: string, encoding?: 'utf8' | 'binary'): MethodResult<'write'> {
    const record = this._tabs.get(tabId);
    if (!record) return noTab(tabId);
    const result = record.tab.write(Buffer.from(data, encoding === 'binary' ? 'latin1' : 'utf8'));
    return result.ok ? OK : failure('input-refused', result.reason);
  }

  resize(tabId: string, cols: number, rows: number): MethodResult<'resize'> {
    const record = this._tabs.get(tabId);
    if (!record) return noTab(tabId);
    record.tab.resize(cols, rows);
    return OK;
  }

  signal(tabId: string, name: SignalName): MethodResult<'signal'> {
    const record = this._tabs.get(tabId);
    if (!record) return noTab(tabId);
    record.tab.signal(name);
    return OK;
  }

  reconnectNow(tabId: string): MethodResult<'reconnectNow'> {
    const record = this._tabs.get(tabId);
    if (!record) return noTab(tabId);
    record.tab.reconnectNow();
    return OK;
  }

  async detach(tabId: string): Promise<MethodResult<'detach'>> {
    return this._close(tabId, 'detach', true);
  }

  async kill(tabId: string): Promise<MethodResult<'kill'>> {
    return this._close(tabId, 'kill', true);
  }

  listForwards(): MethodResult<'listForwards'> {
    try {
      return { ok: true, hosts: this._forwards?.list() ?? [] };
    } catch (error) {
      return failure('engine', `Could not list the forwards: ${(error as Error).message}`);
    }
  }

  async listSessions(target: Target): Promise<MethodResult<'listSessions'>> {
    const dest = await this._resolve(target);
    if (!dest.ok) return dest;
    try {
      const result = await this._engine.listSessions(dest.value);
      if (!result.ok) return failure(result.error.kind, result.error.message);
      // Forwarded connections are not sessions to open: attaching would type into them.
      const sessions = result.value.filter((s) => !s.forwarded).map((s) => ({ ...s }));
      return { ok: true, sessions };
    } catch (error) {
      return failure('engine', `Could not list the sessions: ${(error as Error).message}`);
    }
  }

  async killSession(target: Target, sessionId: string): Promise<MethodResult<'killSession'>> {
    const dest = await this._resolve(target);
    if (!dest.ok) return dest;
    try {
      const result = await this._engine.killSession(dest.value, sessionId);
      if (isFailed(result)) return failure(result.error.kind, result.error.message);
      return OK;
    } catch (error) {
      return failure('engine', `Could not end session ${sessionId}: ${(error as Error).message}`);
    }
  }

  async renameSession(
    target: Target,
    sessionId: string,
    name: string,
  ): Promise<MethodResult<'renameSession'>> {
    const dest = await this._resolve(target);
    if (!dest.ok) return dest;
    try {
      const result = await this._engine.renameSession(dest.value, sessionId, name);
      if (isFailed(result)) return failure(result.error.kind, result.error.message);
      return OK;
    } catch (error) {
      return failure(
        'engine',
        `Could not rename session ${sessionId}: ${(error as Error).message}`,
      );
    }
  }

  ackOutput(tabId: string, bytes: number): MethodResult<'ackOutput'> {
    const record = this._tabs.get(tabId);
    // Acks for a tab just closed are in flight as a matter of course: nothing to do.
    if (!record) return OK;
    record.unacked = Math.max(0, record.unacked - bytes);
    // Past a gap still unacknowledged this runs ahead of the screen: harmless, the agent
    // only reads that much more (it never lets a client claim more than it was sent).
    record.tab.shown(record.emittedEnd - BigInt(record.unacked));
    if (record.paused && record.unacked <= this._low) {
      record.paused = false;
      record.tab.resume();
    }
    return OK;
  }

  async openExternal(url: string): Promise<MethodResult<'openExternal'>> {
    // Checked by the schema already; checked again here because this is where it matters.
    if (!isWebUrl(url)) return failure('refused', 'Only http:// and https:// links can be opened.');
    try {
      await this._opts.openExternal(url);
      return OK;
    } catch (error) {
      return failure('open-failed', `Could not open the link: ${(error as Error).message}`);
    }
  }

  networkChanged(): MethodResult<'networkChanged'> {
    this._engine.networkChanged();
    return OK;
  }

  async listProfiles(): Promise<MethodResult<'listProfiles'>> {
    const store = this._opts.profiles;
    if (!store) return { ok: true, profiles: [] };
    const loaded = await store.load();
    if (!loaded.ok) return profileFailure(loaded.error);
    const notice = loaded.value.notice?.message;
    return {
      ok: true,
      profiles: loaded.value.profiles.map(profileView),
      ...(notice === undefined ? {} : { notice }),
    };
  }

  async saveProfile(input: ProfileInput): Promise<MethodResult<'saveProfile'>> {
    const store = this._opts.profiles;
    if (!store) return noProfiles();
    const { id, ...fields } = input;
    // The store's schema judges every field and says what is wrong with each in words.
    const given = fields as StoreProfileInput;
    const saved = id === undefined ? await store.add(given) : await store.update(id, given);
    if (!saved.ok) return profileFailure(saved.error);
    this._log(`profiles: saved ${saved.value.name}`);
    return { ok: true, profile: profileView(saved.value) };
  }

  async removeProfile(nameOrId: string): Promise<MethodResult<'removeProfile'>> {
    const store = this._opts.profiles;
    if (!store) return noProfiles();
    const removed = await store.remove(nameOrId);
    if (!removed.ok) return profileFailure(removed.error);
    this._log(`profiles: removed ${removed.value.name}`);
    return { ok: true, profile: profileView(removed.value) };
  }

  async importSshConfig(): Promise<MethodResult<'importSshConfig'>> {
    const store = this._opts.profiles;
    if (!store) return noProfiles();
    const report = await store.importSshConfig();
    if (!report.ok) return profileFailure(report.error);
    const { file, added, skipped, warnings } = report.value;
    return { ok: true, file, added, skipped, warnings };
  }

  async restoreTabs(): Promise<MethodResult<'restoreTabs'>> {
    const file = this._opts.tabsFile;
    // Handed out once: a second window (or a second call) must not open them twice.
    if (file === undefined || this._handedOut) return { ok: true, tabs: [] };
    this._handedOut = true;
    const { tabs, layouts } = await this._readSaved(file);
    this._unclaimed = [];
    this._pendingRestore = [...this._pendingRestore, ...tabs];
    if (tabs.length > 0) this._log(`tabs: ${tabs.length} to restore`);
    const restorable = await Promise.all(tabs.map((tab) => this._withScreen(tab)));
    // Screens of tabs no longer remembered (ended, or lost to a crash) go.
    const keep = new Set(this._restorableTabs().tabs.flatMap((t) => t.resume?.clientId ?? []));
    await this._screens?.prune(keep);
    return { ok: true, tabs: restorable, ...(layouts.length > 0 ? { layouts } : {}) };
  }

  keepScreen(tabId: string, offset: string, screen: string): MethodResult<'keepScreen'> {
    const record = this._tabs.get(tabId);
    // A screen of a tab just closed is in flight as a matter of course: nothing to keep.
    if (!record || !this._screens || !isLive(record.tab.state)) return OK;
    const snapshot = record.tab.snapshot();
    if (snapshot === undefined) return OK; // not resumable (a plain shell): nothing to resume
    if (BigInt(offset) > BigInt(snapshot.received)) {
      return failure(
        'bad-offset',
        `A screen at output offset ${offset} is past what the tab has received (${snapshot.received}).`,
      );
    }
    void this._screens.save(snapshot.clientId, { offset, data: screen });
    return OK;
  }

  setMenuKeys(bindings: Record<string, string[]>): MethodResult<'setMenuKeys'> {
    this._opts.onMenuKeys?.(bindings);
    return OK;
  }

  notify(notice: DesktopNotice): MethodResult<'notify'> {
    const show = this._opts.notify;
    if (!show) return failure('unsupported', 'This host shows no notifications; the page does.');
    if (!show(notice)) return failure('unsupported', 'This desktop has no notifications.');
    return OK;
  }

  setTabOrder(tabIds: string[]): MethodResult<'setTabOrder'> {
    this._order = tabIds;
    this._tabsWriter?.changed();
    return OK;
  }

  setPaneLayouts(layouts: PaneLayout[]): MethodResult<'setPaneLayouts'> {
    this._layouts = layouts;
    this._tabsWriter?.changed();
    return OK;
  }

  // --- for the host process ----------------------------------------------------------------

  /** How many output bytes of a tab wait for the renderer's ack (for tests and logs). */
  unackedBytes(tabId: string): number | undefined {
    return this._tabs.get(tabId)?.unacked;
  }

  /** How many times tabs.json was written (for tests and logs). */
  get tabsFileWrites(): number {
    return this._tabsWriter?.writes ?? 0;
  }

  /** Resolves once every change so far is in the tabs file and screen files (for tests). */
  async flushTabs(): Promise<void> {
    await this._tabsWriter?.flush();
    await this._screens?.flush();
  }

  /**
   * The UI went away (window closed, page reloaded, socket dropped): detach every tab, so
   * the sessions keep running on their servers, and cancel every open question.
   */
  async dispose(): Promise<void> {
    if (this._disposed) return;
    this._disposed = true;
    // The app is going away, not the user closing tabs: tabs.json keeps them for next time.
    await this._tabsWriter?.stop();
    for (const pending of [...this._prompts.values()]) pending.finish({ kind: 'cancel' });
    await Promise.allSettled([...this._tabs.keys()].map((id) => this._close(id, 'detach', false)));
    await this._screens?.flush();
    await this._forwards?.dispose();
    await this._engine.dispose?.();
  }

  // --- internals ---------------------------------------------------------------------------

  private async _resolve(target: Target): Promise<Resolved> {
    if (target.kind !== 'profile') return this._resolveTyped(target);
    const store = this._opts.profiles;
    if (!store) return noProfiles();
    const found = await store.get(target.name);
    if (!found.ok) return failure(found.error.kind, found.error.message);
    return this._withDefaults(profileToDestination(found.value), profileSession(found.value));
  }

  private _resolveTyped(target: Exclude<Target, { kind: 'profile' }>): Resolved {
    if (target.kind === 'quick') {
      const parsed = parseQuickConnect(target.text);
      if (!parsed.ok) return failure('bad-destination', parsed.message);
      return this._withDefaults(parsed.destination, undefined);
    }
    return this._withDefaults({ ...target.destination }, undefined);
  }

  /** Adds what the host process puts on every destination (never chosen by the UI). */
  private _withDefaults(
    base: EngineDestination,
    session: ReturnType<typeof profileSession> | undefined,
  ): Resolved {
    const defaults = this._opts.destinationDefaults ?? {};
    const value: EngineDestination = { ...base };
    if (defaults.configFile !== undefined) value.configFile = defaults.configFile;
    if (defaults.options !== undefined) {
      // The host's options first: for ssh the first value of an option wins.
      value.options = [...defaults.options, ...(base.options ?? [])];
    }
    if (defaults.identityFiles !== undefined) {
      value.identityFiles = [...(base.identityFiles ?? []), ...defaults.identityFiles];
    }
    return session === undefined ? { ok: true, value } : { ok: true, value, session };
  }

  private _readSaved(file: string): Promise<SavedTabs> {
    this._saved ??= (async () => {
      await this._opts.previousClosed?.();
      const saved = await readTabsFile(file, (line) => this._log(line));
      this._unclaimed = saved.tabs;
      this._savedLayouts = saved.layouts.flatMap((l) => {
        const tree = mapPanes(l.tree, (i) => saved.tabs[i]);
        const focus = saved.tabs[l.focus];
        if (!tree || !focus) return [];
        return [{ tree, focus, zoomed: l.zoomed === undefined ? undefined : saved.tabs[l.zoomed] }];
      });
      return saved;
    })();
    return this._saved;
  }

  /**
   * The open tabs that hold a session, as tabs.json keeps them, in the tab bar's order
   * (tabs it does not name yet after those), then those not yet restored.
   */
  private _restorableTabs(): SavedTabs {
    const tabs: SavedTab[] = [];
    /** Each saved tab's index by what a layout's leaf names: a tab id or a file's tab. */
    const index = new Map<string | SavedTab, number>();
    const place = new Map(this._order.map((id, i) => [id, i]));
    const records = [...this._tabs.values()].map((record, i) => ({
      record,
      at: place.get(record.id) ?? this._order.length + i,
    }));
    records.sort((a, b) => a.at - b.at);
    for (const { record } of records) {
      if (!isLive(record.tab.state)) continue;
      const sessionId = record.tab.sessionId;
      if (sessionId === undefined) continue;
      const snapshot = record.tab.snapshot();
      const entry: SavedTab = { target: record.target, sessionId };
      if (record.title !== undefined) entry.title = record.title;
      if (snapshot !== undefined) {
        // Only the client id is worth a write. Where output goes on from comes with the
        // kept screen (`_withScreen`). Input numbering starts over at 1: the agent's
        // ATTACHED says how far it applied this client's input and numbering goes on from
        // there; a count saved here could run ahead of it (input in flight when the app
        // stopped is lost with it), and the agent refuses a hole in the numbering.
        entry.resume = { clientId: snapshot.clientId, received: '0', nextSeq: '1' };
      }
      index.set(record.id, tabs.length);
      tabs.push(entry);
    }
    const open = new Set(tabs.map((t) => t.sessionId));
    const waiting = [...this._pendingRestore, ...this._unclaimed];
    for (const t of waiting.filter((w) => !open.has(w.sessionId))) {
      index.set(t, tabs.length);
      tabs.push(t);
    }
    const layouts = [...this._layouts, ...this._savedLayouts].flatMap((l) => {
      const saved = savedLayout<string | SavedTab>(l, index);
      return saved ? [saved] : [];
    });
    return { tabs, layouts };
  }

  /** A saved tab with its kept screen, resuming where that screen ends; else from 0. */
  private async _withScreen(tab: SavedTab): Promise<RestorableTab> {
    const clientId = tab.resume?.clientId;
    const screen = clientId === undefined ? undefined : await this._screens?.read(clientId);
    if (!tab.resume || !screen) return tab;
    return { ...tab, resume: { ...tab.resume, received: screen.offset }, screen: screen.data };
  }

  /** `forget`: the user closed the tab, so its kept screen goes too. */
  private async _close(tabId: string, how: 'detach' | 'kill', forget: boolean): Promise<Done> {
    const record = this._tabs.get(tabId);
    if (!record) return noTab(tabId);
    this._tabs.delete(tabId);
    this._forwards?.tabClosed(tabId);
    record.subscriptions.dispose();
    clearTimeout(record.stateTimer);
    this._tabsWriter?.changed();
    const clientId = record.tab.snapshot()?.clientId;
    if (forget && clientId !== undefined) void this._screens?.remove(clientId);
    try {
      await (how === 'detach' ? record.tab.detach() : record.tab.kill());
    } catch (error) {
      const verb = how === 'detach' ? 'detach from' : 'end';
      return failure('engine', `Could not ${verb} the session: ${(error as Error).message}`);
    }
    this._log(`tab ${tabId}: ${how === 'detach' ? 'detached' : 'session ended'} (${record.label})`);
    return OK;
  }

  private _onOutput(record: TabRecord, data: Buffer, offset: bigint): void {
    const text = record.decoder.write(data);
    record.unacked += data.length;
    record.emittedEnd = offset + BigInt(data.length);
    // Emitted even when the decoder held every byte back: the renderer acks `bytes`.
    this._emit({
      event: 'output',
      payload: { tabId: record.id, data: text, offset: offset.toString(), bytes: data.length },
    });
    if (!record.paused && record.unacked > this._high) {
      record.paused = true;
      record.tab.pause();
    }
  }

  private _onGap(record: TabRecord, from: bigint, to: bigint, skipped: boolean): void {
    // A character cut by the gap cannot be completed: show what we have, start afresh.
    this._flushDecoder(record, from);
    record.emittedEnd = to;
    this._emit({
      event: 'gap',
      payload: {
        tabId: record.id,
        from: from.toString(),
        to: to.toString(),
        ...(skipped ? { skipped: true } : {}),
      },
    });
  }

  private _onState(record: TabRecord, state: TabState): void {
    if (!isLive(state)) {
      this._flushDecoder(record, undefined);
      // Nothing to restore any more (tabs.json drops the tab): its screen goes too.
      const clientId = record.tab.snapshot()?.clientId;
      if (clientId !== undefined) void this._screens?.remove(clientId);
    }
    this._tabsWriter?.changed();
    this._sendState(record, record.states.offer(state, Date.now()));
  }

  private _sendState(record: TabRecord, step: ThrottleStep<TabState>): void {
    if (step.send !== undefined) {
      clearTimeout(record.stateTimer);
      record.stateTimer = undefined;
      this._emit({ event: 'state', payload: { tabId: record.id, state: step.send } });
    }
    if (step.wakeAt !== undefined && record.stateTimer === undefined) {
      record.stateTimer = setTimeout(
        () => {
          record.stateTimer = undefined;
          if (this._tabs.get(record.id) === record) {
            this._sendState(record, record.states.due(Date.now()));
          }
        },
        Math.max(0, step.wakeAt - Date.now()),
      );
    }
  }

  private _flushDecoder(record: TabRecord, offset: bigint | undefined): void {
    const tail = record.decoder.end();
    record.decoder = new StringDecoder('utf8');
    if (tail === '') return;
    this._emit({
      event: 'output',
      payload: { tabId: record.id, data: tail, offset: (offset ?? 0n).toString(), bytes: 0 },
    });
  }

  private _ask(request: PromptRequest, signal?: AbortSignal): Promise<PromptAnswer> {
    if (this._disposed || signal?.aborted) return Promise.resolve({ kind: 'cancel' });
    const promptId = randomUUID();
    return new Promise((resolve) => {
      const onAbort = (): void => finish({ kind: 'cancel' });
      const finish = (answer: PromptAnswer): void => {
        if (!this._prompts.delete(promptId)) return;
        signal?.removeEventListener('abort', onAbort);
        resolve(answer);
        this._emit({ event: 'promptClosed', payload: { promptId } });
      };
      this._prompts.set(promptId, { request, finish });
      signal?.addEventListener('abort', onAbort, { once: true });
      this._emit({ event: 'prompt', payload: { promptId, request } });
    });
  }

  private _emit(event: AnyEvent): void {
    // Not re-checked here: AnyEvent types them, the UI's client checks each on arrival and
    // the bridge's unit tests check every event it sends; a per-output-chunk zod pass paid
    // for nothing.
    this._opts.emit(event);
  }

  private _log(line: string): void {
    this._opts.log?.(line);
  }
}

type Resolved =
  | { ok: true; value: EngineDestination; session?: ReturnType<typeof profileSession> }
  | { ok: false; error: Failure };

function noProfiles(): { ok: false; error: Failure } {
  return failure('no-profiles', 'Saved profiles are not available in this window.');
}

function profileFailure(error: ProfilesError): { ok: false; error: ProfileFailure } {
  return {
    ok: false,
    error: {
      kind: error.kind,
      message: error.message,
      ...(error.kind === 'invalid' ? { fields: error.fields } : {}),
    },
  };
}

/** A stored profile as the UI sees it: a kept password becomes `saved: true`, never its key. */
function profileView(profile: Profile): ProfileView {
  const { auth, ...rest } = profile;
  const view: ProfileView = { ...rest };
  if (auth?.method === 'password') {
    view.auth = { method: 'password', saved: auth.secretKey !== undefined };
  } else if (auth !== undefined) {
    view.auth = auth;
  }
  return view;
}

/** A tab whose session is still there to restore (not ended, not failed). */
function isLive(state: TabState): boolean {
  return state.kind !== 'ended' && state.kind !== 'failed';
}

function noTab(tabId: string): { ok: false; error: Failure } {
  return failure('no-such-tab', `No open tab has id ${tabId}; it may have been closed.`);
}

function isFailed(value: unknown): value is { ok: false; error: Failure } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { ok?: unknown; error?: { kind?: unknown; message?: unknown } };
  return v.ok === false && typeof v.error?.kind === 'string' && typeof v.error.message === 'string';
}

/** Why `answer` does not fit `request`, or undefined when it does. */
function answerMismatch(request: PromptRequest, answer: PromptAnswer): string | undefined {
  if (answer.kind === 'cancel') return undefined;
  if (request.kind === 'unknown-host-key') {
    return answer.kind === 'host-key' ? undefined : 'A host key question needs a trust decision.';
  }
  if (answer.kind !== 'text') return 'This question needs a typed answer.';
  const wanted = request.kind === 'keyboard-interactive' ? request.questions.length : 1;
  if (answer.values.length !== wanted) {
    return `This question needs ${wanted} answer(s), got ${answer.values.length}.`;
  }
  return undefined;
}

/**
 * A split tab as tabs.json keeps it (leaves: indices of the saved tabs), without the panes
 * that are not saved (ended, failed); none when fewer than two remain. A focus or zoom on
 * a pane that went moves to the first pane, or the zoom ends.
 */
function savedLayout<L>(
  layout: TabLayout<L>,
  index: ReadonlyMap<L, number>,
): RestorableLayout | undefined {
  const tree = mapPanes(layout.tree, (leaf) => index.get(leaf));
  if (!tree || leaves(tree).length < 2) return undefined;
  const focus = index.get(layout.focus) ?? leaves(tree)[0];
  if (focus === undefined) return undefined;
  const zoomed = layout.zoomed === undefined ? undefined : index.get(layout.zoomed);
  return zoomed === undefined ? { tree, focus } : { tree, focus, zoomed };
}
