// The resumable carrier: each forwarded connection is a pipes session on the server running
// `holdfast-agent nc HOST PORT`. The master holds the TCP connection to the target and both
// directions are offset-addressed and acknowledged, so a reset or a black hole costs a
// pause, not the connection: the tab re-attaches on the new link and resumes where it was.
//
// For -R the agent listens itself (`holdfast-agent listen`, agentListener.ts) and each
// connection it announces is a pipes session running `holdfast-agent take`, which resumes
// the same way. Each session ends with its forward (endAll) or, its client gone for good,
// after FORWARD_ORPHAN_GRACE_S on the server.
//
// nc runs directly under /bin/sh (OpenTabRequest.exec), never through the login shell: a
// start-up file that prints would corrupt the stream. A Unix-socket target has no nc form,
// so it rides the plain channel.

import { randomBytes } from 'node:crypto';
import { Duplex } from 'node:stream';
import { PIPES_INPUT_WINDOW } from '../protocol/resume';
import { shqLine } from '../remoteExec';
import type { Destination, Disposable, OpenTabRequest, PipeTab } from '../types';
import { agentListener } from './agentListener';
import { plainSshCarrier, type Carrier, type CarrierOpen, type RemoteListener } from './carrier';
import { carriedSessionName } from './carriedSession';

/** What the carrier needs of the engine (a type, so the engine can import this file). */
export type PipeTabOpener = { openPipeTab(req: OpenTabRequest): PipeTab };

/** Input held unacknowledged per connection before the local socket is paused: half the
 * session's window, so a burst that arrives while we wait never overruns it. */
const FORWARD_INPUT_WINDOW = PIPES_INPUT_WINDOW / 2;

/**
 * How long a carried connection's nc runs on the server with no client attached (s; the
 * agent's `new --orphan-grace`): then it ends, with its target connection. Long enough for
 * what a reconnect heals — a Wi-Fi change, a tunnel, a laptop closed for a meeting —, short
 * enough that a client gone for good (a crash, a machine that never came back) does not
 * hold a database's connection slot for hours.
 */
export const FORWARD_ORPHAN_GRACE_S = 15 * 60;

/** Random bytes of a listener's token (its control socket's name): 2 hex digits each. */
const LISTEN_TOKEN_BYTES = 12;

/** What nc and take say on stderr when the socket's read side ended (relay.h). */
const OUTPUT_END = /^holdfast-agent: end of output at (\d+)$/;

/** How much of nc's stderr is kept for the message when it fails. */
const STDERR_KEEP = 2048;

/** nc's exit statuses (remote-agent/cmd_nc.c) the user can act on. */
const NC_REFUSED = 4;
const NC_UNREACHABLE = 5;

export function resumableCarrier(
  tabs: PipeTabOpener,
  dest: Destination,
  orphanGraceS = FORWARD_ORPHAN_GRACE_S,
): Carrier {
  /** Targets the server's sshd lets us reach (AllowTcpForwarding, PermitOpen): asked once. */
  const allowed = new Set<string>();
  /** Connections open, and closed ones whose session is still being ended on the server. */
  const live = new Set<TabStream>();
  /** -R listeners held by the agent. */
  const listeners = new Set<RemoteListener>();
  /** A pipes session running `holdfast-agent WORDS...` directly under /bin/sh. */
  const session = (name: string, words: string[]): PipeTab =>
    tabs.openPipeTab({
      ...dest,
      cols: 80,
      rows: 24,
      pipes: true,
      // Session names are unique on a host; the tag tells apart connections to one target.
      name: carriedSessionName(name, randomBytes(3).toString('hex')),
      // Its only reader is a socket of this process: gone for good, it must not hold the
      // target's connection for ever (a reconnect comes back well within the grace).
      orphanGraceSeconds: orphanGraceS,
      // The first word stays unquoted-expandable: every script running the agent
      // exports HOLDFAST_DIR.
      exec: ['"$HOLDFAST_DIR/bin/holdfast-agent"', ...words.map(shqLine)],
    });
  return {
    name: 'resumable (agent)',
    resumable: true,
    listen(bind, port) {
      const token = randomBytes(LISTEN_TOKEN_BYTES).toString('hex');
      const where = `${bind || '*'}:${port}`;
      const words = ['listen', '--bind', bind || '*', String(port), token];
      const l = agentListener(session(`listen ${where}`, words), where, (n) =>
        opened(
          session(`take ${where}/${n}`, ['take', token, String(n)]),
          `connection ${n} to the server's ${where}`,
          live,
        ),
      );
      listeners.add(l);
      return {
        ...l,
        close: () => l.close().finally(() => listeners.delete(l)),
      };
    },
    async endAll(timeoutMs) {
      // Listeners first: they stop taking connections, and their kills ask for channels
      // before the carried connections' (a server at MaxSessions serves them in turn).
      const kills = [
        ...[...listeners].map((l) => l.close()),
        ...[...live].map((s) => s.endSession()),
      ];
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all(kills),
        new Promise((r) => (timer = setTimeout(r, timeoutMs))),
      ]);
      clearTimeout(timer);
    },
    async open(client, target, origin) {
      if (target.kind === 'unix') return plainSshCarrier.open(client, target, origin);
      const host = target.host ?? 'localhost';
      const key = `${host}:${target.port}`;
      if (!allowed.has(key)) {
        // The server's policy holds for us as for ssh: one direct-tcpip open tells whether
        // sshd permits this target (and whether anything listens) before nc goes around it.
        const probe = await plainSshCarrier.open(client, target, origin);
        if (probe.ok) {
          probe.stream.destroy();
          allowed.add(key);
        } else if (probe.why !== 'failed') return probe;
      }
      return opened(session(key, ['nc', host, String(target.port)]), key, live);
    },
  };
}

/** Resolves once the session is up (the stream), or with why it never came up. */
function opened(tab: PipeTab, target: string, live: Set<TabStream>): Promise<CarrierOpen> {
  const stream = new TabStream(tab);
  live.add(stream);
  // Kept until its session has ended on the server, so endAll waits for that too.
  stream.on('close', () => void stream.endSession().then(() => live.delete(stream)));
  // Why it ends badly is told by the refusal or the forward set's notice, not by a throw.
  stream.on('error', () => {});
  return new Promise((resolve) => {
    const sub = tab.onState((s) => {
      if (s.kind === 'connected') resolve({ ok: true, stream });
      else if (s.kind === 'failed')
        resolve({
          ok: false,
          why: 'failed',
          message: `could not open a connection to ${target}: ${s.reason}`,
        });
      else if (s.kind === 'ended') resolve(refusal(s.exitCode, stream.stderrText(), target));
      else return;
      sub.dispose();
      if (s.kind !== 'connected') stream.destroy();
    });
  });
}

function refusal(code: number, stderr: string, target: string): CarrierOpen {
  const text = stderr.replace(/^holdfast-agent: /, '') || `nc exited ${code}`;
  if (code === NC_REFUSED)
    return {
      ok: false,
      why: 'refused',
      message: `the server could not connect to ${target} (${text}): is anything listening there?`,
    };
  if (code === NC_UNREACHABLE)
    return { ok: false, why: 'unreachable', message: `${target} is unreachable: ${text}` };
  return { ok: false, why: 'failed', message: `could not open a connection to ${target}: ${text}` };
}

/**
 * A PipeTab as a Duplex: what is written goes to nc's stdin, nc's stdout is read. Both
 * directions keep the tab's flow control: input waits for acknowledgements past
 * FORWARD_INPUT_WINDOW, output pauses the tab while the reader is full.
 */
class TabStream extends Duplex {
  private _out = 0n;
  private _err = 0n;
  private _stderr = '';
  /** An unfinished line of stderr. */
  private _errLine = '';
  /** Where stdout ends, once the relay said so (remote-agent/relay.h RELAY_END_MARK). */
  private _outEnd: bigint | undefined;
  private _readEnded = false;
  private _paused = false;
  private _tabEnded = false;
  /** The session's end, once this stream asked for it. */
  private _killed: Promise<void> | undefined;
  /** A write waiting for acknowledgements. */
  private _held: (() => void) | undefined;
  private readonly _subs: Disposable[];

  constructor(private readonly _tab: PipeTab) {
    super({ allowHalfOpen: true });
    this._subs = [
      _tab.onOutput((d, offset) => {
        this._out = offset + BigInt(d.length);
        // Handed to this process is as far as it can go: if we die, the local socket
        // dies with us and there is no one to resume for.
        _tab.written(this._out, this._err);
        if (!this.push(d) && !this._paused) {
          this._paused = true;
          _tab.pause();
        }
        this._endIfDone();
      }),
      _tab.onStderr((d, offset) => {
        this._err = offset + BigInt(d.length);
        _tab.written(this._out, this._err);
        this._errLine += d.toString('utf8');
        for (let i = this._errLine.indexOf('\n'); i >= 0; i = this._errLine.indexOf('\n')) {
          const line = this._errLine.slice(0, i);
          this._errLine = this._errLine.slice(i + 1);
          const end = OUTPUT_END.exec(line);
          if (end) {
            this._outEnd = BigInt(end[1]!);
            this._endIfDone();
          } else if (this._stderr.length < STDERR_KEEP)
            this._stderr = (this._stderr + line + '\n').slice(0, STDERR_KEEP);
        }
        if (this._errLine.length > STDERR_KEEP) this._errLine = '';
      }),
      _tab.onInputAcked(() => {
        if (this._held && _tab.unackedInput < FORWARD_INPUT_WINDOW) {
          const go = this._held;
          this._held = undefined;
          go();
        }
      }),
      _tab.onState((s) => {
        if (s.kind === 'ended') {
          this._tabEnded = true;
          // nc is gone: nothing more can be sent either.
          if (this.readableEnded) this.destroy();
          else {
            if (!this._readEnded) this.push(null);
            this._readEnded = true;
            this.once('end', () => this.destroy());
          }
        } else if (s.kind === 'failed') {
          this._tabEnded = true;
          this.destroy(new Error(s.reason));
        }
      }),
    ];
  }

  /** The far end stopped sending and all it sent is here: a half-close, stdin stays open. */
  private _endIfDone(): void {
    if (this._readEnded || this._outEnd === undefined || this._out < this._outEnd) return;
    this._readEnded = true;
    this.push(null);
  }

  stderrText(): string {
    return this._stderr.trim();
  }

  /** Destroys the stream and resolves once the server ended its session. */
  endSession(): Promise<void> {
    this.destroy();
    return this._killed ?? Promise.resolve();
  }

  override _read(): void {
    if (this._paused) {
      this._paused = false;
      this._tab.resume();
    }
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    // The tab keeps the buffer until acknowledged: give it one nobody else reuses.
    const w = this._tab.write(Buffer.from(chunk));
    if (!w.ok) return done(new Error(w.reason));
    if (this._tab.unackedInput < FORWARD_INPUT_WINDOW) return done();
    this._held = () => done();
  }

  override _final(done: (e?: Error | null) => void): void {
    const r = this._tab.endInput();
    done(r.ok ? null : new Error(r.reason));
  }

  override _destroy(err: Error | null, done: (e?: Error | null) => void): void {
    for (const s of this._subs) s.dispose();
    this._held = undefined;
    // Closed early (the local side went away): end nc and its connection too.
    if (!this._tabEnded) this._killed = this._tab.kill().catch(() => {});
    done(err);
  }
}
