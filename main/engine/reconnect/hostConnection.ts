// One SSH connection to one host, shared by all its tabs, kept alive by a reconnect
// supervisor. This is an I/O adapter: it owns timers and sockets; the decisions come from
// pure modules: whether the link is alive from linkMonitor.ts, when to dial from
// dialSchedule.ts.
//
// How a dead link is found and replaced (DESIGN.md "Reconnection"):
// - ssh2 sends a keepalive every ServerAliveInterval; every byte arriving on the link's
//   transport is told to the link monitor, which says when the link is suspect (dial
//   alongside it while still using it), revived, or dead. Its verdict is asked at the
//   time it names, and only after the I/O already waiting was read, so a stalled event
//   loop does not mistake its own stall for the link's silence.
// - Dials overlap (a dial stuck in a black-holed network does not hold back the next),
//   the first to finish wins, the others are aborted. The loop never gives up on its own.
// - networkChanged() dials a fresh connection at once; the old one is dropped only when
//   the new one is up and the tabs have moved to it.

import type { ExecWant } from '../ssh/pipelined';
import type { RemoteClient as Client } from '../transport/remoteClient';
import type { PromptRequest, Prompter } from '../prompts';
import {
  answeredRedialDelay,
  HANDSHAKE_PARKED_MS,
  MAX_CONCURRENT_DIALS,
  MAX_HANDSHAKING_DIALS,
  nextDialDelay,
} from './dialSchedule';
import { LinkMonitor, type Keepalive } from './linkMonitor';

export type DialFailure = {
  kind: string;
  message: string;
  retryable: boolean;
  /** A reset or a refusal came back: the path carries packets again (dialSchedule.ts). */
  pathAnswered?: boolean;
};
/** Where the link's bytes arrive: every 'data' chunk is a sign of life. */
export type Transport = { on(event: 'data', listener: (chunk: Buffer) => void): unknown };
export type DialResult =
  { ok: true; value: Client; transport: Transport } | { ok: false; error: DialFailure };
/** What connect() resolves with: the shared client, or why there is none. */
export type ConnectResult = { ok: true; value: Client } | { ok: false; error: DialFailure };
/**
 * Dials one connection. `onHandshake` is called once TCP is up and the SSH handshake
 * begins: from then on the dial is close to done and is not abandoned for a newer one,
 * unless `heard` (when the dialer can tell) says the server has not sent a byte yet and
 * it has been parked so for HANDSHAKE_PARKED_MS.
 */
export type Dialer = (
  signal: AbortSignal,
  prompter: Prompter,
  onHandshake: (heard?: () => boolean) => void,
  /** The session sockets the tabs will open channels to once this dial is up. */
  streamsWanted?: () => readonly string[],
  /** The execs tabs will run as soon as this dial is up (a new tab's probe). */
  execsWanted?: () => readonly ExecWant[],
) => Promise<DialResult>;

/** One dial in flight. */
type Dial = {
  ac: AbortController;
  started: number;
  /** When its SSH handshake began (TCP up), or undefined while it waits for TCP. */
  handshakeAt: number | undefined;
  /** Whether the server has sent anything on it, when the dialer can tell. */
  heard: (() => boolean) | undefined;
};

export type HostState =
  | { kind: 'idle' }
  | { kind: 'connecting' }
  | { kind: 'connected' }
  | { kind: 'reconnecting'; attempt: number; nextTryAt: number; since: number; lastError?: string }
  | { kind: 'offline'; since: number }
  | { kind: 'needs-input'; prompt: PromptRequest }
  | { kind: 'failed'; error: DialFailure };

export type HostClock = {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(t: unknown): void;
  random(): number;
  /** Runs `fn` once the I/O events already pending have been handled (setImmediate). */
  afterIo?(fn: () => void): void;
};

export const systemClock: HostClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
  random: () => Math.random(),
  // A timer runs before the poll phase that reads sockets: after a stall, bytes that came
  // meanwhile are read in the poll phase, and setImmediate runs after it.
  afterIo: (fn) => setImmediate(fn),
};

/** Error kinds that mean "no network at all" rather than "this host is not answering". */
const OFFLINE_KINDS = new Set(['resolve', 'unreachable']);

type Listener<T> = (v: T) => void;

export class HostConnection {
  private _client: Client | undefined;
  private _state: HostState = { kind: 'idle' };
  private _dials = new Set<Dial>();
  private _dialTimer: unknown;
  /** When the scheduled dial starts (ms), while one is scheduled. */
  private _nextDialAt = 0;
  /** Dials started in a row because the previous one came back reset or refused. */
  private _answeredInARow = 0;
  /** Judges the current link; undefined while there is none. */
  private _link: LinkMonitor | undefined;
  private _monitorTimer: unknown;
  private _outageSince = 0;
  private _attempt = 0;
  private _lastError: DialFailure | undefined;
  private _promptChain: Promise<unknown> = Promise.resolve();
  private _disposed = false;
  private _connecting: Promise<ConnectResult> | undefined;
  private readonly _onState = new Set<Listener<HostState>>();
  private readonly _onClient = new Set<Listener<Client>>();
  private readonly _onLost = new Set<Listener<void>>();
  private readonly _streams = new Set<() => string | undefined>();
  private readonly _execs = new Set<ExecWant>();

  constructor(
    private readonly _dial: Dialer,
    private readonly _prompter: Prompter,
    private readonly _keepalive: Keepalive,
    private readonly _clock: HostClock = systemClock,
    private readonly _log: (msg: string) => void = () => {},
  ) {}

  get state(): HostState {
    return this._state;
  }
  get client(): Client | undefined {
    return this._client;
  }
  /** Dials run alongside a link that is still used (suspect, or the network changed). */
  private get _speculating(): boolean {
    return this._client !== undefined && (this._link?.suspect ?? false);
  }

  onState(l: Listener<HostState>): () => void {
    this._onState.add(l);
    return () => this._onState.delete(l);
  }
  /** A (new) client is up: tabs open their channels on it. */
  onClient(l: Listener<Client>): () => void {
    this._onClient.add(l);
    return () => this._onClient.delete(l);
  }
  /** The active client died: tabs drop their channels and wait for onClient. */
  onLost(l: Listener<void>): () => void {
    this._onLost.add(l);
    return () => this._onLost.delete(l);
  }

  /**
   * A tab says which session socket it opens a channel to on each new client (undefined
   * when it will not): a reconnect's dial can open those channels early.
   */
  wantStream(path: () => string | undefined): () => void {
    this._streams.add(path);
    return () => this._streams.delete(path);
  }

  /**
   * A tab says it will run an exec as soon as a connection is up (its probe), while it
   * waits for one: the dial asks for it behind the login.
   */
  wantExec(want: ExecWant): () => void {
    this._execs.add(want);
    return () => this._execs.delete(want);
  }

  private _execsWanted = (): readonly ExecWant[] => [...this._execs];

  private _streamsWanted = (): readonly string[] =>
    [...this._streams].map((f) => f()).filter((p): p is string => p !== undefined);

  /** First connection; callers arriving while it is under way share the same dial. */
  connect(): Promise<ConnectResult> {
    if (this._client) return Promise.resolve({ ok: true, value: this._client });
    this._connecting ??= this._connectOnce().finally(() => {
      this._connecting = undefined;
    });
    return this._connecting;
  }

  private async _connectOnce(): Promise<DialResult> {
    this._setState({ kind: 'connecting' });
    const ac = new AbortController();
    const r = await this._dial(
      ac.signal,
      this._prompter,
      () => {},
      this._streamsWanted,
      this._execsWanted,
    );
    if (this._disposed) {
      if (r.ok) r.value.end();
      return { ok: false, error: { kind: 'cancelled', message: 'closed', retryable: false } };
    }
    if (!r.ok) {
      this._setState({ kind: 'failed', error: r.error });
      return r;
    }
    this._adopt(r.value, r.transport);
    return r;
  }

  /** The OS says the network changed (Wi-Fi, resume from sleep): dial a fresh link now. */
  networkChanged(): void {
    if (this._disposed || this._state.kind === 'failed' || this._state.kind === 'idle') return;
    this._log('network changed: dialing a fresh connection');
    this._outageSince = this._clock.now();
    this._answeredInARow = 0;
    if (this._client) {
      this._link?.doubt(this._clock.now());
      this._watch(); // a doubted link is looked at for signs of revival from now on
    }
    this._dialNow();
  }

  /** The user asked: try now instead of at the next scheduled attempt. */
  reconnectNow(): void {
    if (this._disposed) return;
    if (this._state.kind === 'failed') {
      this._lastError = undefined;
      this._outageSince = this._clock.now();
      this._attempt = 0;
      // Leave 'failed' (which halts the dial loop); _dialNow reports 'reconnecting'.
      this._state = { kind: 'idle' };
    }
    if (!this._client) this._dialNow();
  }

  dispose(): void {
    this._disposed = true;
    this._stopDialing();
    if (this._monitorTimer !== undefined) this._clock.clearTimeout(this._monitorTimer);
    this._client?.end();
    this._client = undefined;
  }

  private _setState(s: HostState): void {
    this._state = s;
    for (const l of [...this._onState]) l(s);
  }

  private _adopt(client: Client, transport: Transport): void {
    const old = this._client;
    const link = new LinkMonitor(this._keepalive, this._clock.now());
    this._client = client;
    this._link = link;
    this._attempt = 0;
    this._answeredInARow = 0;
    this._stopDialing();
    transport.on('data', () => {
      if (this._link === link) link.heard(this._clock.now());
    });
    const lost = (why: string) => {
      if (this._client !== client) return;
      this._log(`connection lost: ${why}`);
      this._declareDead();
    };
    client.on('close', () => lost('closed'));
    client.on('error', (e: Error) => lost(e.message));
    this._setState({ kind: 'connected' });
    for (const l of [...this._onClient]) l(client);
    if (old) old.end();
    this._watch();
  }

  // Asks the link monitor for its verdict at the time it names, after pending I/O.
  private _watch(): void {
    if (this._monitorTimer !== undefined) this._clock.clearTimeout(this._monitorTimer);
    this._monitorTimer = undefined;
    const link = this._link;
    if (!link || this._disposed) return;
    const wait = Math.max(0, link.nextCheckAt() - this._clock.now());
    this._monitorTimer = this._clock.setTimeout(() => {
      this._monitorTimer = undefined;
      if (this._clock.afterIo) this._clock.afterIo(() => this._judge(link));
      else this._judge(link);
    }, wait);
  }

  private _judge(link: LinkMonitor): void {
    // The link was replaced meanwhile, or another check is already scheduled for it.
    if (this._link !== link || this._disposed || this._monitorTimer !== undefined) return;
    const now = this._clock.now();
    const verdict = link.tick(now);
    switch (verdict.kind) {
      case 'dead':
        this._log(`no answer for ${verdict.silentMs} ms: link is dead`);
        this._declareDead();
        return;
      case 'suspect':
        this._log(`no answer for ${verdict.silentMs} ms: dialing alongside the suspect link`);
        this._outageSince = now;
        this._dialNow();
        break;
      case 'revived':
        // The old link spoke again before a fresh one was up: keep it.
        this._stopDialing();
        break;
      case 'alive':
        break;
    }
    this._watch();
  }

  private _declareDead(): void {
    const client = this._client;
    if (!client) return;
    const wasSuspect = this._speculating;
    this._client = undefined;
    this._link = undefined;
    if (this._monitorTimer !== undefined) this._clock.clearTimeout(this._monitorTimer);
    this._monitorTimer = undefined;
    client.destroy();
    for (const l of [...this._onLost]) l();
    if (this._disposed) return;
    // The outage began when the link became suspect, if dials have been running since.
    if (!wasSuspect || this._dials.size === 0) {
      this._outageSince = this._clock.now();
      this._answeredInARow = 0;
    }
    this._dialNow();
  }

  private _stopDialing(): void {
    if (this._dialTimer !== undefined) this._clock.clearTimeout(this._dialTimer);
    this._dialTimer = undefined;
    for (const d of this._dials) d.ac.abort();
    this._dials.clear();
  }

  // Start a dial now and schedule the next; overlapping dials are the point.
  private _dialNow(): void {
    if (this._dialTimer !== undefined) this._clock.clearTimeout(this._dialTimer);
    this._dialTimer = undefined;
    if (this._disposed || this._state.kind === 'failed') return;
    this._startDial();
    const delay = nextDialDelay(this._clock.now() - this._outageSince, this._clock.random);
    const nextTryAt = this._clock.now() + delay;
    if (!this._client) {
      const offline = this._lastError && OFFLINE_KINDS.has(this._lastError.kind);
      this._setState(
        offline
          ? { kind: 'offline', since: this._outageSince }
          : {
              kind: 'reconnecting',
              attempt: this._attempt,
              nextTryAt,
              since: this._outageSince,
              ...(this._lastError ? { lastError: this._lastError.message } : {}),
            },
      );
    }
    this._nextDialAt = this._clock.now() + delay;
    this._dialTimer = this._clock.setTimeout(() => this._dialNow(), delay);
  }

  // A dial came back reset or refused: the path works again, so dial at once (or after
  // the backoff for a server that keeps refusing) rather than at the next tick.
  private _pathAnswered(): void {
    if (this._dialTimer === undefined || this._disposed) return;
    const delay = answeredRedialDelay(this._answeredInARow, this._clock.random);
    if (this._clock.now() + delay >= this._nextDialAt) return;
    this._clock.clearTimeout(this._dialTimer);
    this._nextDialAt = this._clock.now() + delay;
    this._dialTimer = this._clock.setTimeout(() => {
      this._answeredInARow++;
      this._dialNow();
    }, delay);
  }

  private _abandon(d: Dial): void {
    d.ac.abort();
    this._dials.delete(d);
  }

  private _startDial(): void {
    // Dials in their SSH handshake may finish (a slow link is slow, not dead), but only a
    // few at once: where TCP connects and the path beyond it is black-holed (a jump host,
    // a proxy) every dial would reach that stage, and at the heal all of them would run
    // their key exchanges together, each slowing the one that wins. One whose server has
    // said nothing for HANDSHAKE_PARKED_MS is parked in a middlebox, not slow: a fresh
    // dial takes its place.
    const now = this._clock.now();
    const handshaking = [...this._dials].filter((x) => x.handshakeAt !== undefined);
    if (handshaking.length >= MAX_HANDSHAKING_DIALS) {
      const parked = handshaking
        .filter((x) => x.heard && !x.heard() && now - (x.handshakeAt ?? now) >= HANDSHAKE_PARKED_MS)
        .sort((a, b) => (a.handshakeAt ?? 0) - (b.handshakeAt ?? 0))[0];
      if (!parked) return;
      this._abandon(parked);
    }
    if (this._dials.size >= MAX_CONCURRENT_DIALS) {
      // Abandon the oldest dial still waiting for TCP (its SYNs are lost in a black hole).
      const oldest = [...this._dials]
        .filter((x) => x.handshakeAt === undefined)
        .sort((a, b) => a.started - b.started)[0];
      if (oldest) this._abandon(oldest);
    }
    const d: Dial = {
      ac: new AbortController(),
      started: now,
      handshakeAt: undefined,
      heard: undefined,
    };
    this._dials.add(d);
    this._attempt++;
    const onHandshake = (heard?: () => boolean) => {
      d.handshakeAt = this._clock.now();
      d.heard = heard;
    };
    void this._dial(
      d.ac.signal,
      (req) => this._askDuringReconnect(req),
      onHandshake,
      this._streamsWanted,
      this._execsWanted,
    ).then((r) => {
      const mine = this._dials.delete(d);
      if (r.ok) {
        if (!mine || this._disposed || (this._client && !this._speculating)) r.value.end();
        else this._adopt(r.value, r.transport);
        return;
      }
      if (!mine || d.ac.signal.aborted) return;
      this._lastError = r.error;
      if (r.error.pathAnswered) this._pathAnswered();
      if (!r.error.retryable) {
        this._stopDialing();
        if (!this._client) this._setState({ kind: 'failed', error: r.error });
      }
    });
  }

  // A silent reconnect needs the user (a second factor, a changed password): say so and
  // ask once, while the dial loop waits.
  private _askDuringReconnect(req: PromptRequest): ReturnType<Prompter> {
    const ask = async () => {
      if (this._dialTimer !== undefined) this._clock.clearTimeout(this._dialTimer);
      this._dialTimer = undefined;
      if (!this._client) this._setState({ kind: 'needs-input', prompt: req });
      try {
        return await this._prompter(req);
      } finally {
        if (!this._client && !this._disposed && this._state.kind === 'needs-input') this._dialNow();
      }
    };
    const p = this._promptChain.then(ask, ask);
    this._promptChain = p;
    return p;
  }
}
