// The client half of the resume protocol for one tab, as a pure state machine: it takes
// frames and calls, and returns actions (frames to send, output to show, events). No
// sockets and no timers: the caller owns the link and the clock (STYLE.md §1, §3).
//
// It keeps DESIGN.md's first two invariants on the client side:
// - output: `received` is "I have everything before this offset"; every byte before it
//   was handed up exactly once, a hole from the agent is a protocol error, an overlap is
//   trimmed, a GAP is handed up as a gap;
// - input: every keystroke gets a sequence number and stays queued until the agent
//   acknowledges it; on each attach the unacknowledged tail is resent, and the agent drops
//   what it already applied. Acknowledgements only grow. When the agent has forgotten this
//   client id (ERROR(INPUT_LOST) in version 2, a lower `input_acked` in version 1), the
//   unacknowledged tail may or may not have been applied: it is not resent (a key must
//   never apply twice) but reported, and input is numbered afresh.

import { randomBytes } from 'node:crypto';
import {
  AttachFlag,
  CLIENT_ID_LEN,
  ErrorCode,
  MAX_DATA,
  PROTOCOL_MAX,
  PROTOCOL_MIN,
  PROTOCOL_PIPES,
  PROTOCOL_PUSH,
  type AgentFrame,
  type ClientFrame,
} from './frames';

/** Input kept for resending while unacknowledged (1 MiB): about an hour of fast typing
 * or a large paste; beyond it a write is refused rather than buffered without bound. */
export const MAX_UNACKED_INPUT = 1 << 20;

/** Version 3: output shown but not yet said (bytes) after which SHOWN goes out at once.
 * An eighth of the agent's 256 KiB window, so the agent never waits on our batching, at
 * one small frame per 32 KiB of output (not one per chunk). */
export const SHOWN_BATCH_BYTES = 32 * 1024;
/** Version 3: below SHOWN_BATCH_BYTES, at most one SHOWN per this many ms (a frame rate):
 * a slow trickle is still said promptly, a fast one costs no frame per chunk. */
export const SHOWN_INTERVAL_MS = 16;

/** Pipes: unacknowledged stdin a client keeps in flight at most (bytes): a pipes
 * master's input queue (HF_PIPES_INQ_CAP, 2 MiB), so it never sends more than the master
 * can hold; the caller stops reading its stdin at this and goes on as ACKs come
 * (`unackedBytes`). stdin runs at most a window per ACK round trip: 2 MiB is 40 MB/s at
 * 50 ms (256 KiB, a terminal's queue, would be 5 MB/s). */
export const PIPES_INPUT_WINDOW = 2 * 1024 * 1024;

/** Pipes: written but unsaid output (bytes, both streams) after which PIPES_SHOWN goes out
 * at once. Each one is an SSH packet (a cipher call and a socket write on both ends): one
 * per 64 KiB chunk cost a sixth of the CPU of a download, and each still costs a socket
 * write that wakes sshd. An eighth of the agent's 8 MiB ring: with the SSH window (2 MiB)
 * and the socket buffers also in flight, the command never waits on our batching. */
export const WRITTEN_BATCH_BYTES = 1024 * 1024;
/** Pipes: below WRITTEN_BATCH_BYTES, at most one PIPES_SHOWN per this many ms; what is
 * left is said this long after the last one (`writtenDueAt`, the caller's timer), so a
 * collector after a crash repeats at most this much time's output. */
export const WRITTEN_INTERVAL_MS = 10;

/** How this tab attaches: a terminal session; a pipes session it started; or one it
 * attaches to by id and learns the kind of from the answer (collecting from what the
 * session's clients acknowledged, FROM_ACKED). */
export type StreamMode = 'terminal' | 'pipes' | 'learn';

export type AttachInfo = {
  /** The session has no terminal: stderr and EXIT come as pipes frames. */
  pipes: boolean;
  version: number;
  agentVersion: string;
  ringStart: bigint;
  endOffset: bigint;
  pid: number;
  /** Keystrokes resent on this attach because the agent had not acknowledged them. */
  resent: number;
  /** The attach went out with HELLO (one round trip fewer). */
  pipelined: boolean;
  /** The master attached us itself: a connection to our resume socket (another round
   * trip fewer). */
  pushed: boolean;
};

export type ResumeAction =
  | { type: 'send'; frame: ClientFrame }
  | { type: 'output'; offset: bigint; data: Buffer }
  /** `skipped`: output a TAIL attach chose not to replay (still on the server), not lost. */
  | { type: 'gap'; from: bigint; to: bigint; skipped: boolean }
  /** Pipes: the command's stderr, at stderr's own offsets. */
  | { type: 'err-output'; offset: bigint; data: Buffer }
  | { type: 'err-gap'; from: bigint; to: bigint }
  | { type: 'attached'; info: AttachInfo }
  /** `signal`: pipes only, the signal that ended the command (0: it exited). */
  | { type: 'exit'; status: number; signal?: number }
  /** An ACK shrank the unacknowledged input (a paused stdin may read again). */
  | { type: 'input-acked'; unacked: number }
  | { type: 'pong'; token: bigint }
  /** Version 4: a program in the session asks the forwarded agent; answer with
   * agentReply(requestId, ...) from the local agent. */
  | { type: 'agent-request'; requestId: number; data: Buffer }
  /** Version 4: this session was started without agent forwarding; nothing will ask. */
  | { type: 'agent-none' }
  /** The agent forgot this tab's input state; `lost` was not resent (it may or may not
   * have reached the program). Show it to the user. */
  | { type: 'input-lost'; lost: LostInput }
  /** The agent's bytes broke the protocol: drop this link and attach again. */
  | { type: 'link-error'; message: string }
  /** The agent refused us for good (version, offset): do not retry on this session. */
  | { type: 'refused'; code: number; message: string };

export type Phase = 'detached' | 'hello-sent' | 'attach-sent' | 'attached' | 'exited';

export type WriteResult = { ok: true; actions: ResumeAction[] } | { ok: false; reason: string };

export type ResumeSnapshot = { clientId: string; received: string; nextSeq: string };

/** Input that was sent but never acknowledged when the agent forgot this tab's state. */
export type LostInput = { inputs: number; bytes: number; data: Buffer };

export class ResumeState {
  private _clientId: Buffer;
  private _received: bigint;
  private _nextSeq = 1n;
  private _acked = 0n;
  /** Highest seq ever sent on a link under this client id (ATTACH_V2's input_sent). */
  private _sent = 0n;
  /** `eof`: the INPUT_EOF (pipes), numbered in the same sequence. */
  private _unacked: { seq: bigint; data: Buffer; eof?: true }[] = [];
  private _unackedBytes = 0;
  private _phase: Phase = 'detached';
  private _size: { cols: number; rows: number } | undefined;
  private _version = 0;
  private _agentVersion = '';
  /** The protocol version this tab's master is known to speak (0: unknown): told by whoever
   * started it (`expectVersion`) or learned from its WELCOME. From version 2 on, ATTACH_V2
   * means the same in every version, so it goes out with HELLO, saving a round trip. */
  private _expect = 0;
  /** This link's ATTACH_V2 went out with its HELLO. */
  private _pipelined = false;
  /** This link is to our resume socket: the master sends WELCOME and ATTACHED unasked. */
  private _pushed = false;
  /** Output offsets this link has carried up to (SHOWN may not say more). */
  private _linkHigh = 0n;
  private _exitStatus: number | undefined;
  /** Version 3: output before this offset is shown (what the caller reported)... */
  private _shown = 0n;
  /** ...this much of it was said to the agent on the current link, at this time (ms). */
  private _shownSaid = 0n;
  private _shownSaidAt = -Infinity;
  /** This tab serves the session's agent requests (ForwardAgent): says AGENT_READY on
   * every attach to a version 4 master. */
  private _forwardAgent = false;

  /** With nothing received yet, attach to at most this many bytes before the end. */
  private readonly _tail: bigint | undefined;
  /** The attach on the current link asked for a tail. */
  private _tailAsked = false;

  private readonly _mode: StreamMode;
  /** Pipes: the session turned out to have no terminal (ATTACHED_PIPES). */
  private _pipes = false;
  /** Pipes: stderr before this offset received... */
  private _errReceived = 0n;
  /** ...and acknowledged to the agent as written (with stdout's), on the current link, at
   * this time (ms)... */
  private _writtenSaid: [bigint, bigint] = [0n, 0n];
  private _writtenSaidAt = -Infinity;
  /** ...and written, as the caller reported (may be ahead of what was said). */
  private _written: [bigint, bigint] = [0n, 0n];
  /** Pipes, learning: attach FROM_ACKED until the first attach tells where streams start. */
  private _fromAcked: boolean;
  private _inputEnded = false;

  constructor(
    opts: {
      clientId?: Buffer;
      received?: bigint;
      nextSeq?: bigint;
      tail?: number;
      mode?: StreamMode;
    } = {},
  ) {
    this._mode = opts.mode ?? 'terminal';
    this._fromAcked = this._mode === 'learn';
    this._clientId = opts.clientId ?? randomBytes(CLIENT_ID_LEN);
    this._tail = opts.tail === undefined ? undefined : BigInt(opts.tail);
    if (this._clientId.length !== CLIENT_ID_LEN) throw new Error('clientId must be 16 bytes');
    this._received = opts.received ?? 0n;
    if (opts.nextSeq !== undefined) {
      this._nextSeq = opts.nextSeq;
      this._acked = this._sent = opts.nextSeq - 1n;
    }
  }

  /** This tab's identity for input deduplication; a new one after the agent forgot it. */
  get clientId(): Buffer {
    return this._clientId;
  }

  static fromSnapshot(s: ResumeSnapshot, tail?: number): ResumeState {
    return new ResumeState({
      clientId: Buffer.from(s.clientId, 'hex'),
      received: BigInt(s.received),
      nextSeq: BigInt(s.nextSeq),
      ...(tail === undefined ? {} : { tail }),
    });
  }

  /** What a restarted app needs to re-attach exactly where this tab was. */
  snapshot(): ResumeSnapshot {
    return {
      clientId: this.clientId.toString('hex'),
      received: this._received.toString(),
      nextSeq: this._nextSeq.toString(),
    };
  }

  get phase(): Phase {
    return this._phase;
  }
  /** Offset of the first byte not yet received. */
  get received(): bigint {
    return this._received;
  }
  get unackedBytes(): number {
    return this._unackedBytes;
  }
  get exitStatus(): number | undefined {
    return this._exitStatus;
  }
  /** Whether the attached session has no terminal (known after the first attach). */
  get pipes(): boolean {
    return this._pipes;
  }
  /** Pipes: offset of the first stderr byte not yet received. */
  get errReceived(): bigint {
    return this._errReceived;
  }

  /** The master speaks at most `version` (from the agent's `--version` line, when this
   * client started the session with that agent): attaches may be pipelined. */
  expectVersion(version: number): void {
    this._expect = Math.min(version, PROTOCOL_MAX);
  }

  /** Serve the session's forwarded-agent requests (from the next attach on). */
  forwardAgent(on: boolean): void {
    this._forwardAgent = on;
  }

  /** The local agent's answer to an agent-request. Only on the link it came from: after
   * a reconnect the master sends the request again, so an answer with no link is dropped. */
  agentReply(requestId: number, data: Buffer): ResumeAction[] {
    if (this._phase !== 'attached' || this._version < 4) return [];
    return [send({ type: 'agent-reply', requestId, data })];
  }

  /** A new link is open: greet the agent, and attach in the same breath when its master
   * is known to speak version 2 or later (PROTOCOL.md allows ATTACH together with HELLO;
   * the master reads frames that arrive back to back in order). */
  begin(clientName: string): ResumeAction[] {
    if (this._phase === 'exited') return [];
    this._phase = 'hello-sent';
    this._pushed = false;
    const hello = send({ type: 'hello', min: PROTOCOL_MIN, max: PROTOCOL_MAX, name: clientName });
    this._pipelined = this._expect >= (this._mode === 'terminal' ? 2 : PROTOCOL_PIPES);
    return this._pipelined ? [hello, this._attachFrame(this._expect)] : [hello];
  }

  /** The master of a terminal session keeps a resume socket for our id (version 5, from
   * our last attach): a link to it is attached by the master with nothing said. */
  get pushable(): boolean {
    return (
      this._version >= PROTOCOL_PUSH &&
      this._mode === 'terminal' &&
      !this._pipes &&
      this._phase !== 'exited'
    );
  }

  /** A new link to our resume socket: the master greets and attaches us from what it
   * knows we showed; nothing goes out before its answer. */
  beginPushed(): ResumeAction[] {
    if (this._phase === 'exited') return [];
    this._phase = 'hello-sent';
    this._pipelined = true;
    this._pushed = true;
    this._expect = PROTOCOL_PUSH;
    return [];
  }

  /** The link is gone; keep every offset and unacknowledged keystroke for the next one. */
  linkLost(): void {
    if (this._phase !== 'exited') this._phase = 'detached';
  }

  /** Version 2: a sign of life on an attached link, due every KEEPALIVE_INTERVAL_MS
   * whether or not output is being taken (the agent waits for a live client). */
  keepalive(): ResumeAction[] {
    return this._phase === 'attached' && this._version >= 2 ? [send({ type: 'keepalive' })] : [];
  }

  /** The output before `offset` has been shown to the user (written to the terminal,
   * parsed by the renderer). Version 3: said to the agent in batches (SHOWN), and the
   * agent reads the program's output at most a window past it, so a Ctrl-C's flush finds
   * the backlog still in the PTY. Never more than this link received. */
  shown(offset: bigint, now: number): ResumeAction[] {
    if (offset > this._shown) this._shown = offset;
    if (this._phase !== 'attached' || this._version < 3) return [];
    let at = this._shown < this._received ? this._shown : this._received;
    if (at > this._linkHigh) at = this._linkHigh;
    if (at <= this._shownSaid) return [];
    const batchFull = at - this._shownSaid >= BigInt(SHOWN_BATCH_BYTES);
    if (!batchFull && now - this._shownSaidAt < SHOWN_INTERVAL_MS) return [];
    this._shownSaid = at;
    this._shownSaidAt = now;
    return [send({ type: 'shown', offset: at })];
  }

  /** Pipes: stdout before `offset` and stderr before `errOffset` are written where they
   * go. Said to the agent in batches (PIPES_SHOWN): at once past WRITTEN_BATCH_BYTES or
   * WRITTEN_INTERVAL_MS after the last, else when `writtenDueAt` comes (`flushWritten`).
   * The rings never overwrite what was not said; a collector after a crash starts there. */
  written(offset: bigint, errOffset: bigint, now: number): ResumeAction[] {
    const [o, e] = this._written;
    this._written = [offset > o ? offset : o, errOffset > e ? errOffset : e];
    const [out, err] = this._writtenUnsaid();
    if (out === undefined || err === undefined) return [];
    const [o0, e0] = this._writtenSaid;
    const batchFull = out - o0 + (err - e0) >= BigInt(WRITTEN_BATCH_BYTES);
    if (!batchFull && now - this._writtenSaidAt < WRITTEN_INTERVAL_MS) return [];
    return this._sayWritten(out, err, now);
  }

  /** Pipes: when (ms) written output that was not said yet is due (`flushWritten`), or
   * undefined when nothing waits. */
  get writtenDueAt(): number | undefined {
    return this._writtenUnsaid()[0] === undefined
      ? undefined
      : this._writtenSaidAt + WRITTEN_INTERVAL_MS;
  }

  /** Pipes: says whatever is written and not said yet (its time came, or the tab detaches). */
  flushWritten(now: number): ResumeAction[] {
    const [out, err] = this._writtenUnsaid();
    return out === undefined || err === undefined ? [] : this._sayWritten(out, err, now);
  }

  /** What may be said as written now (never more than this link received), or undefined
   * when that says nothing new. */
  private _writtenUnsaid(): [bigint, bigint] | [undefined, undefined] {
    if (this._phase !== 'attached' || !this._pipes) return [undefined, undefined];
    const [offset, errOffset] = this._written;
    const [o0, e0] = this._writtenSaid;
    const out = offset < this._received ? offset : this._received;
    const err = errOffset < this._errReceived ? errOffset : this._errReceived;
    if (out <= o0 && err <= e0) return [undefined, undefined];
    return [out > o0 ? out : o0, err > e0 ? err : e0];
  }

  private _sayWritten(out: bigint, err: bigint, now: number): ResumeAction[] {
    this._writtenSaid = [out, err];
    this._writtenSaidAt = now;
    return [send({ type: 'pipes-shown', offset: out, errOffset: err })];
  }

  /** Pipes: the end of stdin, numbered after every earlier write, so the agent closes
   * the command's stdin exactly once and after all of it. */
  endInput(): WriteResult {
    if (this._phase === 'exited') return { ok: false, reason: 'the session has ended' };
    if (this._inputEnded) return { ok: true, actions: [] };
    this._inputEnded = true;
    const seq = this._nextSeq++;
    const entry = { seq, data: Buffer.alloc(0), eof: true as const };
    this._unacked.push(entry);
    return { ok: true, actions: this._phase === 'attached' ? [this._sendEntry(entry)] : [] };
  }

  /** Queue keystrokes; sent at once while attached, otherwise on the next attach. `data`
   * is kept (not copied) until acknowledged: the caller hands it over and leaves it be. */
  write(data: Buffer): WriteResult {
    if (this._phase === 'exited') return { ok: false, reason: 'the session has ended' };
    // A pipes caller keeps within PIPES_INPUT_WINDOW itself (it stops reading its stdin)
    const cap = this._mode === 'terminal' ? MAX_UNACKED_INPUT : PIPES_INPUT_WINDOW;
    if (this._unackedBytes + data.length > cap) {
      return {
        ok: false,
        reason: `more than ${cap >> 10} KiB of input is waiting for the server; wait for the connection to come back`,
      };
    }
    const actions: ResumeAction[] = [];
    for (let at = 0; at < data.length; at += MAX_DATA) {
      const chunk = data.subarray(at, at + MAX_DATA);
      const seq = this._nextSeq++;
      this._unacked.push({ seq, data: chunk });
      this._unackedBytes += chunk.length;
      if (this._phase === 'attached') actions.push(this._sendEntry({ seq, data: chunk }));
    }
    return { ok: true, actions };
  }

  /** Remember the window size; the latest attached client's size wins on the server. */
  resize(cols: number, rows: number): ResumeAction[] {
    this._size = { cols, rows };
    return this._phase === 'attached' ? [send({ type: 'resize', cols, rows })] : [];
  }

  signal(signal: number): ResumeAction[] {
    return this._phase === 'attached' ? [send({ type: 'signal', signal })] : [];
  }

  /** Handle one frame from the agent. */
  receive(f: AgentFrame): ResumeAction[] {
    switch (f.type) {
      case 'welcome':
        return this._onWelcome(f);
      case 'attached':
        return this._onAttached(f);
      case 'output':
        return this._onOutput(f.offset, f.data);
      case 'gap':
        return this._onGap(f.from, f.to);
      case 'ack':
        return this._onAck(f.seq);
      case 'exit':
        return this._onExit(f.endOffset, f.status);
      case 'error':
        return this._onError(f.code, f.message);
      case 'pong':
        return [{ type: 'pong', token: f.token }];
      case 'info-reply':
        return linkError('INFO_REPLY arrived on an attached link');
      case 'agent-request':
        if (this._phase !== 'attached' || !this._forwardAgent) {
          return linkError(`AGENT_REQUEST arrived without AGENT_READY (phase ${this._phase})`);
        }
        return [{ type: 'agent-request', requestId: f.requestId, data: f.data }];
      case 'agent-none':
        if (this._phase !== 'attached' || !this._forwardAgent) {
          return linkError(`AGENT_NONE arrived without AGENT_READY (phase ${this._phase})`);
        }
        return [{ type: 'agent-none' }];
      case 'attached-pipes':
        return this._onAttachedPipes(f);
      case 'err-output':
        return this._onErrOutput(f.offset, f.data);
      case 'err-gap':
        return this._onErrGap(f.from, f.to);
      case 'exit-pipes':
        if (this._errReceived !== f.errEnd) {
          return linkError(
            `EXIT at stderr offset ${f.errEnd}, but stderr up to ${this._errReceived} only`,
          );
        }
        return this._onExit(f.endOffset, f.status, f.signal);
    }
  }

  private _onWelcome(f: { version: number; agentVersion: string }): ResumeAction[] {
    if (this._phase !== 'hello-sent') return linkError(`WELCOME arrived in phase ${this._phase}`);
    if (f.version < PROTOCOL_MIN || f.version > PROTOCOL_MAX) {
      return [
        {
          type: 'refused',
          code: ErrorCode.VERSION,
          message: `the agent chose protocol ${f.version}, this client speaks ${PROTOCOL_MIN}..${PROTOCOL_MAX}`,
        },
      ];
    }
    this._version = f.version;
    this._agentVersion = f.agentVersion;
    this._phase = 'attach-sent';
    if (this._pushed && f.version < PROTOCOL_PUSH)
      return linkError(`the resume socket spoke protocol ${f.version}`);
    if (this._pipelined) {
      const needs = this._mode === 'terminal' ? 2 : PROTOCOL_PIPES;
      if (f.version >= needs) return []; // the attach sent with HELLO holds in this version
      if (f.version >= 2 && this._mode !== 'terminal') {
        // an agent without pipes: attach again (ATTACH_V2), its sessions all have terminals
        this._expect = f.version;
        return linkError(`the agent speaks protocol ${f.version}; attaching again without pipes`);
      }
      // An older master than expected: our ATTACH_V2 does not exist in version 1 and the
      // agent refuses it (nothing was applied). Attach again the unpipelined way.
      this._expect = 0;
      return linkError('the agent speaks protocol 1 only; attaching again without pipelining');
    }
    this._expect = f.version;
    return [this._attachFrame(f.version)];
  }

  private _attachFrame(version: number): ResumeAction {
    if (version >= PROTOCOL_PIPES && this._mode !== 'terminal') {
      const flags = this._fromAcked ? AttachFlag.FROM_ACKED : 0;
      this._tailAsked = false;
      return send({
        type: 'attach-pipes',
        clientId: this._clientId,
        offset: this._received,
        flags,
        inputSent: this._sent,
        errOffset: this._errReceived,
      });
    }
    // A window with nothing yet on an old session: the last part of its output is enough
    // for the screen, and over a slow link the whole scrollback would take half a minute.
    this._tailAsked = version >= 4 && this._tail !== undefined && this._received === 0n;
    const attach = this._tailAsked
      ? { clientId: this._clientId, offset: this._tail!, flags: AttachFlag.TAIL }
      : { clientId: this._clientId, offset: this._received, flags: 0 };
    return send(
      version >= 2
        ? { type: 'attach-v2', ...attach, inputSent: this._sent }
        : { type: 'attach', ...attach },
    );
  }

  private _onAttachedPipes(f: Extract<AgentFrame, { type: 'attached-pipes' }>): ResumeAction[] {
    if (this._phase !== 'attach-sent') return linkError(`ATTACHED arrived in phase ${this._phase}`);
    if (this._mode === 'terminal') return linkError('ATTACHED_PIPES answered a terminal attach');
    if (!this._fromAcked && (f.from !== this._received || f.errFrom !== this._errReceived)) {
      return linkError(`the agent continues at ${f.from}/${f.errFrom}, not where we are`);
    }
    this._received = f.from;
    this._errReceived = f.errFrom;
    // Nothing is said on this link yet. What was written while the last one died (its
    // PIPES_SHOWN lost with it, or held in a batch) is said at once: with the ring full
    // of it and all of it received, nothing else would ever say it, and the command and
    // its output would wait forever.
    this._writtenSaid = [0n, 0n];
    this._writtenSaidAt = -Infinity;
    this._fromAcked = false;
    this._pipes = true;
    const actions = this._onAttached({ ...f, type: 'attached', cols: 0, rows: 0 });
    const phase = this._phase as Phase; // moved on by _onAttached
    return phase === 'attached' ? [...actions, ...this.flushWritten(-Infinity)] : actions;
  }

  private _onAttached(f: Extract<AgentFrame, { type: 'attached' }>): ResumeAction[] {
    if (this._phase !== 'attach-sent') return linkError(`ATTACHED arrived in phase ${this._phase}`);
    if (this._pipes && f.cols !== 0) return linkError('a pipes session answered ATTACHED');
    this._fromAcked = false; // a terminal session: the offset we gave is where it goes on
    const last = this._unacked.at(-1);
    if (!this._pipes && last?.eof && last.seq > this._sent) {
      // attached by id to a terminal after our input ended: a terminal has no end of input
      // (the caller sends its EOF character instead)
      this._unacked.pop();
      this._nextSeq = last.seq;
      this._inputEnded = false;
    }
    const actions: ResumeAction[] = [];
    if (f.inputAcked < this._acked) {
      // A version 1 agent that forgot this id: it applied up to inputAcked under a fresh
      // record. What it had applied before is unknowable, so nothing is resent.
      actions.push(this._forget(f.inputAcked));
    }
    if (f.inputAcked >= this._nextSeq) {
      // A restored tab whose last keystrokes reached the server after its snapshot: the
      // agent's count is the truth, so number new input after it.
      this._nextSeq = f.inputAcked + 1n;
    }
    const before = this._unacked.length;
    this._dropAcked(f.inputAcked);
    // acknowledged while we were away: a caller waiting for room may go on
    if (this._unacked.length < before) {
      actions.push({ type: 'input-acked', unacked: this._unackedBytes });
    }
    this._phase = 'attached';
    // The agent counts what we had before the attach offset as shown. A master that
    // attached us itself starts from what we said we showed: we say the rest once it has
    // sent that far again (SHOWN never passes what a link carried).
    this._shownSaid = this._pushed ? 0n : this._received;
    this._shownSaidAt = -Infinity;
    this._linkHigh = this._pushed ? 0n : this._received;
    if (this._size && !this._pipes) actions.push(send({ type: 'resize', ...this._size }));
    if (this._forwardAgent && this._version >= 4) actions.push(send({ type: 'agent-ready' }));
    for (const u of this._unacked) actions.push(this._sendEntry(u));
    actions.push({
      type: 'attached',
      info: {
        pipes: this._pipes,
        version: this._version,
        agentVersion: this._agentVersion,
        ringStart: f.ringStart,
        endOffset: f.endOffset,
        pid: f.pid,
        resent: this._unacked.length,
        pipelined: this._pipelined,
        pushed: this._pushed,
      },
    });
    return actions;
  }

  private _onOutput(offset: bigint, data: Buffer): ResumeAction[] {
    if (this._phase !== 'attached') return linkError(`OUTPUT arrived in phase ${this._phase}`);
    if (offset > this._received) {
      return linkError(`output jumped from offset ${this._received} to ${offset} without a GAP`);
    }
    const end = offset + BigInt(data.length);
    if (end > this._linkHigh) this._linkHigh = end;
    // All of it had come before; resent by a master that attached us itself, it is what
    // that master needs to hear we showed.
    if (end <= this._received) {
      const at = this._shown < end ? this._shown : end;
      if (!this._pushed || at <= this._shownSaid) return [];
      this._shownSaid = at;
      return [send({ type: 'shown', offset: at })];
    }
    const fresh = data.subarray(Number(this._received - offset));
    const at = this._received;
    this._received = end;
    return [{ type: 'output', offset: at, data: fresh }];
  }

  private _onGap(from: bigint, to: bigint): ResumeAction[] {
    if (this._phase !== 'attached') return linkError(`GAP arrived in phase ${this._phase}`);
    if (from > this._received) {
      return linkError(`GAP starts at ${from}, but output up to ${this._received} only`);
    }
    if (to > this._linkHigh) this._linkHigh = to;
    if (to <= this._received) return [];
    const gapFrom = this._received;
    this._received = to;
    return [{ type: 'gap', from: gapFrom, to, skipped: this._tailAsked && gapFrom === 0n }];
  }

  private _onErrOutput(offset: bigint, data: Buffer): ResumeAction[] {
    if (this._phase !== 'attached' || !this._pipes) {
      return linkError(`ERR_OUTPUT arrived in phase ${this._phase}`);
    }
    if (offset > this._errReceived) {
      return linkError(`stderr jumped from ${this._errReceived} to ${offset} without a GAP`);
    }
    const end = offset + BigInt(data.length);
    if (end <= this._errReceived) return [];
    const at = this._errReceived;
    this._errReceived = end;
    return [{ type: 'err-output', offset: at, data: data.subarray(Number(at - offset)) }];
  }

  private _onErrGap(from: bigint, to: bigint): ResumeAction[] {
    if (this._phase !== 'attached' || !this._pipes || from > this._errReceived) {
      return linkError(`ERR_GAP ${from}..${to} does not follow stderr ${this._errReceived}`);
    }
    if (to <= this._errReceived) return [];
    const gapFrom = this._errReceived;
    this._errReceived = to;
    return [{ type: 'err-gap', from: gapFrom, to }];
  }

  private _onAck(seq: bigint): ResumeAction[] {
    if (seq >= this._nextSeq) return linkError(`ACK for input ${seq} that was never sent`);
    if (seq < this._acked) {
      return linkError(`ACK for input ${seq} after input ${this._acked} was acknowledged`);
    }
    const before = this._unacked.length;
    this._dropAcked(seq);
    return this._unacked.length < before
      ? [{ type: 'input-acked', unacked: this._unackedBytes }]
      : [];
  }

  private _onExit(endOffset: bigint, status: number, signal?: number): ResumeAction[] {
    if (this._phase !== 'attached') return linkError(`EXIT arrived in phase ${this._phase}`);
    if (endOffset !== this._received) {
      return linkError(`EXIT at offset ${endOffset}, but output up to ${this._received} only`);
    }
    if (this._pipes && signal === undefined) return linkError('EXIT arrived on a pipes link');
    this._phase = 'exited';
    this._exitStatus = status;
    return [signal === undefined ? { type: 'exit', status } : { type: 'exit', status, signal }];
  }

  private _onError(code: number, message: string): ResumeAction[] {
    if (code === ErrorCode.VERSION || code === ErrorCode.OFFSET) {
      return [{ type: 'refused', code, message }];
    }
    if (code === ErrorCode.INPUT_LOST) {
      // Attach again under a new id, numbering input from 1: the agent knows nothing of it.
      const lost = this._forget(0n);
      this._clientId = randomBytes(CLIENT_ID_LEN);
      return [lost, ...linkError(`the agent reported: ${message}; attaching with a new client id`)];
    }
    return linkError(`the agent reported: ${message}`);
  }

  /** The agent's record of this id is gone: input sent but not acknowledged may or may
   * not have been applied, so it is dropped and reported; input never sent keeps its
   * place, numbered after `applied` (what the agent's record now says). */
  private _forget(applied: bigint): ResumeAction {
    const sent = this._unacked.filter((u) => u.seq <= this._sent);
    const data = Buffer.concat(sent.map((u) => u.data));
    const lost: LostInput = { inputs: sent.length, bytes: data.length, data };
    this._acked = this._sent = applied;
    this._nextSeq = applied + 1n;
    this._unacked = this._unacked
      .filter((u) => !sent.includes(u))
      .map((u) => ({ ...u, seq: this._nextSeq++ }));
    this._unackedBytes -= data.length;
    return { type: 'input-lost', lost };
  }

  private _sendEntry(u: { seq: bigint; data: Buffer; eof?: true }): ResumeAction {
    if (u.seq > this._sent) this._sent = u.seq;
    return send(
      u.eof ? { type: 'input-eof', seq: u.seq } : { type: 'input', seq: u.seq, data: u.data },
    );
  }

  private _dropAcked(seq: bigint): void {
    if (seq > this._acked) this._acked = seq;
    if (this._acked > this._sent) this._sent = this._acked; // sent by an earlier run of the app
    while (this._unacked.length > 0 && this._unacked[0]!.seq <= this._acked) {
      this._unackedBytes -= this._unacked.shift()!.data.length;
    }
  }
}

function send(frame: ClientFrame): ResumeAction {
  return { type: 'send', frame };
}

function linkError(message: string): ResumeAction[] {
  return [{ type: 'link-error', message }];
}
