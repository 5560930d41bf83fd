// One tab: the resume machine (protocol/resume.ts) wired to an SSH channel on the host's
// current connection. Each tab has its own channel, so SSH's per-channel window is its
// flow control: pause() stops reading, the window closes, the agent stops reading the PTY.

import { TabEventSource } from './tabEvents';
import type { RemoteClient as Client, ExecChannel } from './transport/remoteClient';
import type { Duplex } from 'node:stream';
import {
  FrameDecoder,
  KEEPALIVE_INTERVAL_MS,
  WireSignal,
  encodeFrame,
  encodeFrameParts,
  isAgentFrame,
} from './protocol/frames';
import { ResumeState, type LostInput, type ResumeAction } from './protocol/resume';
import type { HostConnection, HostState } from './reconnect/hostConnection';
import type { PipeTab, TabState } from './types';
import { agentScript, MarkerSync, openRemote } from './remoteExec';
import type { BridgeLink } from './deploy/deploy';
import { ATTACH_STABLE_MS, attachRetryDelay } from './reconnect/attachRetry';
import { AGENT_FAILURE, askLocalAgent } from './localAgent';

/**
 * OpenSSH's answer to a session channel beyond MaxSessions, as ssh2 reports it (and as
 * the system ssh's multiplexing client prints it: "Session open refused by peer").
 */
export const CHANNEL_REFUSED =
  /open failed|prohibited|resource shortage|unable to exec|open refused/i;

export type RemoteAgent = { agentPath: string; home: string; holdfastDir: string };

/** ForwardAgent for this tab: off, or on with the local agent that answers (resolved). */
export type AgentForwarding = false | { socket: string | undefined };

/** Per host: whether the server lets us reach the socket straight (direct-streamlocal). */
export type ChannelPrefs = { streamLocal: boolean };

/** How long kill() waits for the agent to close the link after DETACH (ms): a round trip;
 * a link that died meanwhile must not hold the kill longer. */
const LEAVE_WAIT_MS = 2000;

/** How long kill() asks again for a channel the server refused (MaxSessions reached). */
const KILL_RETRY_MS = 5000;

let nextTabId = 1;

type Link = {
  stream: Duplex;
  decoder: FrameDecoder;
  closed: boolean;
  /** On a bridge exec: drops what the account's start-up files printed before it. */
  sync: MarkerSync | undefined;
  /** Why we dropped it (the agent's refusal, bad bytes), for the tab's status. */
  why?: string;
  /** To our resume socket: the master attaches us unasked. */
  pushed?: boolean;
  /** When the agent attached us on it (ms), if it did. */
  attachedAt?: number;
};

/** A stream to the session: stream-local straight to the socket, or a bridge exec. */
type SessionStream = { stream: Duplex; sync: MarkerSync | undefined; pushed?: boolean };

/** The longest Unix socket path a server takes (sun_path, 108 bytes with its NUL). */
const SUN_PATH_MAX = 107;

/** A bridge the probe already runs for this tab's new session, on the connection `client`. */
export type FirstLink = { client: Client; link: BridgeLink };

export class SessionTab extends TabEventSource implements PipeTab {
  readonly id = `tab-${nextTabId++}`;
  private _state: TabState = { kind: 'connecting', step: 'attaching' };
  private _link: Link | undefined;
  private _paused = false;
  private _ended = false;
  /** Whether the consumer reports what it has shown (else emitted output counts). */
  private _consumerShows = false;
  /** Pipes: whether the consumer reports what it has written (else emitted counts). */
  private _consumerWrites = false;
  private readonly _unsubscribe: (() => void)[] = [];
  private _retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Pipes: says written output that a batch held back (`_armWritten`). */
  private _writtenTimer: ReturnType<typeof setTimeout> | undefined;
  /** Attaches that failed in a row (attachRetry.ts), and since when (ms; 0: none). */
  private _failures = 0;
  private _failingSince = 0;
  /** A link to our resume socket failed: attach through the session's own socket until an
   * attach there makes the master offer one again. */
  private _pushRefused = false;
  /** Agent forwarding was found unavailable on this session (said once). */
  private _forwardingNoticed = false;
  /** The session has no agent socket (AGENT_NONE; said once). */
  private _agentNoneSaid = false;
  /** Version 2 keepalives: the agent waits for a live tab, however slowly it reads. */
  private readonly _keepalive = setInterval(
    () => this._run(this._resume.keepalive()),
    KEEPALIVE_INTERVAL_MS,
  ).unref();

  constructor(
    readonly sessionId: string,
    private _host: HostConnection,
    private readonly _agent: RemoteAgent,
    private readonly _prefs: ChannelPrefs,
    private readonly _resume: ResumeState,
    private readonly _clientName: string,
    private readonly _log: (msg: string) => void,
    private readonly _onClosed: (tab: SessionTab) => void,
    /** The server refused another channel on this connection (MaxSessions): a spare one. */
    private readonly _spareHost: (
      full: HostConnection,
    ) => Promise<HostConnection | undefined> = async () => undefined,
    /** ForwardAgent: this tab answers the session's agent requests from the local agent. */
    private readonly _forward: AgentForwarding = false,
    /** Used instead of opening a channel for the first attach, when on the same connection. */
    private _firstLink?: FirstLink,
  ) {
    super();
    _resume.forwardAgent(_forward !== false);
    this._bindHost(_host);
  }

  private _bindHost(host: HostConnection): void {
    for (const u of this._unsubscribe.splice(0)) u();
    this._host = host;
    this._unsubscribe.push(
      host.wantStream(() =>
        this._ended || !this._prefs.streamLocal ? undefined : (this._pushSock ?? this._sock),
      ),
      host.onClient((c) => this._attach(c)),
      host.onLost(() => this._dropLink('connection lost')),
      host.onState((s) => this._onHostState(s)),
    );
    if (host.client) this._attach(host.client);
  }

  // OpenSSH refuses a session channel beyond MaxSessions ("open failed"); a tab that
  // needs one (the bridge fallback) moves to another connection to the same host.
  private async _moveToSpare(client: Client, why: string): Promise<boolean> {
    if (!CHANNEL_REFUSED.test(why)) return false;
    const spare = await this._spareHost(this._host);
    if (!spare || this._ended || this._host.client !== client) return false;
    this._log(
      `tab ${this.id}: the server refused another channel (${why}); using another connection`,
    );
    this._bindHost(spare);
    return true;
  }

  get state(): TabState {
    return this._state;
  }

  write(data: Buffer): { ok: true } | { ok: false; reason: string } {
    const r = this._resume.write(data);
    if (!r.ok) return r;
    this._run(r.actions);
    return { ok: true };
  }

  resize(cols: number, rows: number): void {
    this._run(this._resume.resize(clamp(cols), clamp(rows)));
  }

  signal(name: 'INT' | 'TERM' | 'HUP' | 'KILL' | 'QUIT'): void {
    this._run(this._resume.signal(WireSignal[name]));
  }

  pause(): void {
    this._paused = true;
    this._link?.stream.pause();
  }

  resume(): void {
    this._paused = false;
    this._link?.stream.resume();
  }

  shown(offset: bigint): void {
    this._consumerShows = true;
    this._run(this._resume.shown(offset, Date.now()));
  }

  written(offset: bigint, errOffset: bigint): void {
    this._consumerWrites = true;
    this._run(this._resume.written(offset, errOffset, Date.now()));
    this._armWritten();
  }

  /** What was written but not said yet goes out when the resume machine says it is due. */
  private _armWritten(): void {
    const due = this._resume.writtenDueAt;
    if (due === undefined || this._writtenTimer || this._ended) return;
    this._writtenTimer = setTimeout(
      () => {
        this._writtenTimer = undefined;
        this._run(this._resume.flushWritten(Date.now()));
      },
      Math.max(0, due - Date.now()),
    );
  }

  endInput(): { ok: true } | { ok: false; reason: string } {
    const r = this._resume.endInput();
    if (!r.ok) return r;
    this._run(r.actions);
    return { ok: true };
  }

  get unackedInput(): number {
    return this._resume.unackedBytes;
  }

  reconnectNow(): void {
    this._host.reconnectNow();
    if (this._retryTimer) clearTimeout(this._retryTimer);
    this._retryTimer = undefined;
    if (this._host.client && !this._link && !this._ended) this._attach(this._host.client);
  }

  async detach(): Promise<void> {
    this._run(this._resume.flushWritten(Date.now())); // a collector goes on from there
    const link = this._link;
    if (link && !link.closed) link.stream.write(encodeFrame({ type: 'detach' }));
    this._close();
  }

  async kill(): Promise<void> {
    // Leave first: with no client of ours attached, `kill --wait` ends the master as soon as
    // the command has gone instead of keeping its status for a collector (this tab is going
    // away, so nobody would come: a killed session would be listed as exited for a day).
    this._ended = true;
    await this._leave();
    const client = this._host.client;
    if (client) await this._killOn(client);
    this._close();
  }

  /** Runs `kill --wait` on the server. A connection at its MaxSessions refuses the channel
   * while others run (the forwards end all their sessions at once): it is asked again as
   * they close, for up to KILL_RETRY_MS, rather than leaving the session running. */
  private async _killOn(client: Client): Promise<void> {
    const script = agentScript(this._agent, ['kill', this.sessionId, '--wait']);
    const until = Date.now() + KILL_RETRY_MS;
    for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
      const opened = await openRemote(client, script).then(
        (r) => r,
        (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
      );
      if (!(opened instanceof Error)) {
        const { channel } = opened;
        await new Promise<void>((resolve) => {
          channel.on('close', () => resolve()).resume();
          channel.stderr.resume();
          channel.end();
        });
        return;
      }
      if (!CHANNEL_REFUSED.test(opened.message) || Date.now() + delay > until) return;
      if (this._host.client !== client) return;
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  snapshot() {
    return this._resume.snapshot();
  }

  /** Says DETACH and waits (bounded) until the agent has closed the link: it has let go. */
  private _leave(): Promise<void> {
    const link = this._link;
    this._link = undefined;
    if (!link || link.closed) return Promise.resolve();
    link.closed = true;
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        link.stream.destroy();
        resolve();
      };
      const timer = setTimeout(done, LEAVE_WAIT_MS);
      link.stream.once('close', done).once('end', done).once('error', done);
      link.stream.resume(); // what still arrives is not wanted: let the end through
      link.stream.write(encodeFrame({ type: 'detach' }));
      link.stream.end();
    });
  }

  private _setState(s: TabState): void {
    this._state = s;
    this._emitState(s);
  }

  private _onHostState(s: HostState): void {
    if (this._ended) return;
    switch (s.kind) {
      case 'reconnecting':
      case 'offline':
      case 'needs-input':
        this._setState(s);
        break;
      case 'failed':
        this._setState({ kind: 'failed', reason: s.error.message, errorKind: s.error.kind });
        break;
      default:
        break;
    }
  }

  private _attach(client: Client): void {
    const first = this._firstLink;
    this._firstLink = undefined;
    if (this._ended) {
      first?.link.channel.destroy();
      return;
    }
    this._dropLink('moving to a new connection');
    // While attaches keep failing the tab goes on showing why until one succeeds.
    if (this._state.kind !== 'reattaching')
      this._setState({ kind: 'connecting', step: 'attaching' });
    if (first?.client === client) {
      this._log(`tab ${this.id}: attaching on the probe's channel (its bridge)`);
      const { channel, stdout, stderr, rest, helloSent } = first.link;
      this._watchBridge(channel, stderr);
      this._useLink(channel, stdout, { begun: helloSent, rest });
      channel.stderr.resume();
      return;
    }
    first?.link.channel.destroy();
    void this._openStream(client).then(
      ({ stream, sync, pushed }) => {
        if (this._ended || this._host.client !== client) {
          stream.destroy();
          return;
        }
        this._useLink(stream, sync, undefined, pushed);
      },
      (e: Error) => {
        this._log(`tab ${this.id}: could not open a channel: ${e.message}`);
        void this._moveToSpare(client, e.message).then((moved) => {
          if (!moved && this._host.client === client) this._retryLater(client, e.message);
        });
      },
    );
  }

  /** The session's socket on the server, for a stream-local channel. */
  private get _sock(): string {
    return `${this._agent.holdfastDir}/sessions/${this.sessionId}.sock`;
  }

  /** Our resume socket on the server (protocol 5), when the last attach said there is one
   * and no link to it has failed since: the master attaches us there without a word. */
  private get _pushSock(): string | undefined {
    if (!this._resume.pushable || this._pushRefused) return undefined;
    const hex = this._resume.clientId.subarray(0, 8).toString('hex');
    const sock = `${this._agent.holdfastDir}/sessions/${this.sessionId}.${hex}.sock`;
    return Buffer.byteLength(sock) <= SUN_PATH_MAX ? sock : undefined;
  }

  // Prefer a stream-local channel straight to the socket (no process to start), to our
  // resume socket when there is one; fall back to `holdfast-agent bridge` where the server
  // forbids it or the path is too long.
  private async _openStream(client: Client): Promise<SessionStream> {
    const push = this._prefs.streamLocal ? this._pushSock : undefined;
    if (push !== undefined) {
      try {
        return { stream: await streamLocal(client, push), sync: undefined, pushed: true };
      } catch (e) {
        this._pushRefused = true;
        this._log(
          `tab ${this.id}: no resume socket (${(e as Error).message}); attaching the usual way`,
        );
      }
    }
    if (this._prefs.streamLocal) {
      const sock = this._sock;
      try {
        return { stream: await streamLocal(client, sock), sync: undefined };
      } catch (e) {
        this._log(`tab ${this.id}: stream-local refused (${(e as Error).message}); using bridge`);
      }
    }
    // The bridge runs through the account's login shell: whatever its start-up files
    // print comes first, and only what follows our marker is the agent's protocol.
    const {
      channel: ch,
      stdout,
      stderr,
    } = await openRemote(client, agentScript(this._agent, ['bridge', this.sessionId]));
    this._watchBridge(ch, stderr);
    return { stream: ch, sync: stdout };
  }

  /** A bridge's stderr says why it ended, when it failed. */
  private _watchBridge(ch: ExecChannel, stderr: MarkerSync): void {
    let said = '';
    ch.stderr.on('data', (d: Buffer) => {
      const b = stderr.push(d);
      if (said.length < 4096) said += b.toString('utf8');
    });
    ch.on('exit', (code: number | null) => {
      // Before our marker only the channel's own refusal can come (nothing of ours ran).
      const why = said.trim() || (stderr.found ? '' : stderr.preamble.trim());
      if (code !== 0 && code !== null && why) this._bridgeFailed(why);
    });
  }

  private _bridgeFailed(message: string): void {
    if (/no session|no such session|unknown session|not found/i.test(message)) {
      this._ended = true;
      this._setState({ kind: 'failed', reason: message, errorKind: 'no-session' });
      this._close();
    } else if (CHANNEL_REFUSED.test(message) && this._host.client) {
      // Over the system ssh a refused channel is only known once its client has exited.
      void this._moveToSpare(this._host.client, message);
    }
  }

  /** `opened`: a channel the probe handed over, paused, `rest` what arrived behind its own
   * answer; `begun`: HELLO and ATTACH already went out on it. */
  private _useLink(
    stream: Duplex,
    sync: MarkerSync | undefined,
    opened?: { begun: boolean; rest: Buffer },
    pushed = false,
  ): void {
    const link: Link = { stream, decoder: new FrameDecoder(), closed: false, sync, pushed };
    this._link = link;
    const onData = (data: Buffer) => {
      if (this._link !== link) return;
      const chunk = link.sync ? link.sync.push(data) : data;
      if (chunk.length === 0) return;
      const { frames, error } = link.decoder.push(chunk);
      for (const f of frames) {
        if (this._link !== link) return;
        if (!isAgentFrame(f)) {
          this._linkError(link, `the agent sent a client frame (${f.type})`);
          return;
        }
        this._run(this._resume.receive(f));
      }
      if (error) this._linkError(link, error.message);
    };
    stream.on('data', onData);
    const onEnd = () => {
      if (this._link !== link || link.closed) return;
      link.closed = true;
      this._link = undefined;
      this._resume.linkLost();
      // A resume socket that closed before attaching us (its master forgot our id): the
      // session's own socket next time.
      if (link.pushed && link.attachedAt === undefined) this._pushRefused = true;
      if (this._ended) return;
      if (link.attachedAt !== undefined && Date.now() - link.attachedAt >= ATTACH_STABLE_MS) {
        this._failures = 0;
      }
      // The channel closed but the connection may be fine (the agent turned us away, the
      // master restarted, the bridge died): attach again after a backoff.
      const client = this._host.client;
      if (client) this._retryLater(client, link.why ?? 'the session channel closed');
    };
    stream.on('close', onEnd);
    stream.on('end', onEnd);
    stream.on('error', onEnd);
    if (!opened) {
      if (this._paused) stream.pause();
      this._run(pushed ? this._resume.beginPushed() : this._resume.begin(this._clientName));
      return;
    }
    if (!opened.begun) this._run(this._resume.begin(this._clientName));
    // Not within the constructor: whoever holds this tab listens once it has returned.
    queueMicrotask(() => {
      if (opened.rest.length > 0) onData(opened.rest);
      if (!this._paused && this._link === link) stream.resume();
    });
  }

  // Attach again after a jittered backoff that grows while attaches keep failing, and
  // show why meanwhile: a full agent is a state the user sees, not a silent loop.
  private _retryLater(client: Client, why: string): void {
    if (this._retryTimer) return;
    const now = Date.now();
    const delay = attachRetryDelay(this._failures++, Math.random);
    if (this._failingSince === 0) this._failingSince = now;
    this._log(`tab ${this.id}: ${why}; attaching again in ${delay} ms`);
    this._setState({
      kind: 'reattaching',
      reason: why,
      attempt: this._failures,
      nextTryAt: now + delay,
      since: this._failingSince,
    });
    this._retryTimer = setTimeout(() => {
      this._retryTimer = undefined;
      if (!this._ended && !this._link && this._host.client === client) this._attach(client);
    }, delay);
  }

  private _linkError(link: Link, message: string): void {
    this._log(`tab ${this.id}: dropping the link: ${message}`);
    link.why ??= message;
    link.stream.destroy();
  }

  private _dropLink(why: string): void {
    const link = this._link;
    if (!link) return;
    this._link = undefined;
    link.closed = true;
    this._resume.linkLost();
    this._log(`tab ${this.id}: link dropped (${why})`);
    link.stream.destroy();
  }

  private _run(actions: ResumeAction[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'send':
          if (this._link && !this._link.closed) {
            for (const part of encodeFrameParts(a.frame)) this._link.stream.write(part);
          }
          break;
        case 'output':
          this._emitOutput(a.data, a.offset);
          if (this._resume.pipes) {
            if (!this._consumerWrites) this._writtenAll();
          } else if (!this._consumerShows) {
            this._run(this._resume.shown(a.offset + BigInt(a.data.length), Date.now()));
          }
          break;
        case 'gap':
          this._emitGap(a.from, a.to, a.skipped);
          break;
        case 'err-output':
          this._emitStderr(a.data, a.offset);
          if (!this._consumerWrites) this._writtenAll();
          break;
        case 'err-gap':
          this._emitNotice(
            `${a.to - a.from} bytes of stderr were lost: the server no longer held them`,
          );
          break;
        case 'input-acked':
          this._emitInputAcked();
          break;
        case 'attached':
          if (this._link) this._link.attachedAt = Date.now();
          if (!a.info.pushed) this._pushRefused = false; // the master offers a socket anew
          this._failingSince = 0;
          this._setState({
            kind: 'connected',
            sessionId: this.sessionId,
            resilient: true,
            ...(a.info.pipes ? { pipes: true } : {}),
          });
          this._log(
            `tab ${this.id}: attached (protocol ${a.info.version}${a.info.pipes ? ', pipes' : ''}${a.info.pushed ? ', by its resume socket' : a.info.pipelined ? ', with HELLO' : ''})`,
          );
          if (a.info.resent > 0)
            this._log(`tab ${this.id}: resent ${a.info.resent} unacknowledged inputs`);
          this._checkForwarding(a.info.version);
          break;
        case 'agent-request':
          this._answerAgent(a.requestId, a.data);
          break;
        case 'agent-none':
          if (!this._agentNoneSaid) {
            this._agentNoneSaid = true;
            const m =
              'this session was started without agent forwarding: nothing in it can use your agent (start a new session with -A to forward it)';
            this._log(`tab ${this.id}: ${m}`);
            this._emitNotice(m);
          }
          break;
        case 'exit':
          this._ended = true;
          this._setState({
            kind: 'ended',
            exitCode: a.status,
            ...(a.signal ? { signal: a.signal } : {}),
          });
          this._close();
          break;
        case 'pong':
          break;
        case 'input-lost': {
          const m = describeLostInput(a.lost);
          this._log(`tab ${this.id}: ${m}`);
          this._emitNotice(m);
          break;
        }
        case 'link-error':
          if (this._link) this._linkError(this._link, a.message);
          break;
        case 'refused':
          this._ended = true;
          this._setState({ kind: 'failed', reason: a.message, errorKind: 'refused' });
          this._close();
          break;
      }
    }
  }

  /** Says once when the session cannot use this tab's agent (an older server agent). */
  private _checkForwarding(version: number): void {
    if (this._forward === false || this._forwardingNoticed) return;
    this._forwardingNoticed = true;
    if (version < 4) {
      const m = `agent forwarding is off: the Holdfast agent holding this session speaks protocol ${version}, forwarding needs 4 (start a new session to use it)`;
      this._log(`tab ${this.id}: ${m}`);
      this._emitNotice(m);
    } else if (this._forward.socket === undefined) {
      const m =
        'agent forwarding is on, but there is no local ssh-agent (SSH_AUTH_SOCK is not set): requests from the session fail';
      this._log(`tab ${this.id}: ${m}`);
      this._emitNotice(m);
    }
  }

  // A program in the session asks the agent: the local agent answers, or a failure does
  // (never silence: the program on the server would wait for the master's deadline).
  private _answerAgent(requestId: number, data: Buffer): void {
    const socket = this._forward === false ? undefined : this._forward.socket;
    void askLocalAgent(socket, data).then((r) => {
      if (!r.ok) this._log(`tab ${this.id}: agent request ${requestId} failed: ${r.reason}`);
      if (!this._ended)
        this._run(this._resume.agentReply(requestId, r.ok ? r.reply : AGENT_FAILURE));
    });
  }

  /** Pipes, with no consumer reporting writes: what was emitted counts as written. */
  private _writtenAll(): void {
    this._run(this._resume.written(this._resume.received, this._resume.errReceived, Date.now()));
    this._armWritten();
  }

  private _close(): void {
    this._ended = true;
    if (this._retryTimer) clearTimeout(this._retryTimer);
    if (this._writtenTimer) clearTimeout(this._writtenTimer);
    clearInterval(this._keepalive);
    for (const u of this._unsubscribe.splice(0)) u();
    const link = this._link;
    this._link = undefined;
    if (link) {
      link.closed = true;
      link.stream.end();
      setTimeout(() => link.stream.destroy(), 1000).unref();
    }
    this._onClosed(this);
  }
}

/** What the user is told when the server forgot this tab's keystrokes (PROTOCOL.md
 * "Input deduplication"): which input was not resent, shown as typed. */
export function describeLostInput(lost: LostInput): string {
  const head = "the server no longer remembered this tab's keystrokes";
  if (lost.bytes === 0) return `${head}; every keystroke sent had been confirmed, none lost`;
  const shown = printable(lost.data.subarray(0, LOST_INPUT_SHOWN));
  const more = lost.bytes > LOST_INPUT_SHOWN ? `… (${lost.bytes} bytes in all)` : '';
  return `${head}; ${lost.bytes} bytes typed before the reconnect were not confirmed and were not resent (they may or may not have reached the program): "${shown}"${more}`;
}

/** Bytes of lost input quoted in the notice: enough to recognise a command line. */
const LOST_INPUT_SHOWN = 80;

function printable(b: Buffer): string {
  let out = '';
  for (const c of b.toString('utf8')) {
    const code = c.codePointAt(0)!;
    if (code === 0x0d || code === 0x0a) out += '⏎';
    else if (code < 0x20) out += `^${String.fromCharCode(code + 0x40)}`;
    else if (code === 0x7f) out += '^?';
    else out += c;
  }
  return out;
}

function clamp(n: number): number {
  return Math.max(1, Math.min(4096, Math.floor(n)));
}

/** A stream-local channel to the server's Unix socket `path`. */
function streamLocal(client: Client, path: string): Promise<Duplex> {
  return new Promise((resolve, reject) =>
    client.openssh_forwardOutStreamLocal(path, (err, ch) => (err ? reject(err) : resolve(ch))),
  );
}
