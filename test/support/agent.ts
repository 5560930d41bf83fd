/**
 * Helpers for the agent's integration tests (test/agent/): where the binary is, a private
 * state directory per test, and a small protocol codec of its own (PROTOCOL.md, versions 1..4)
 * so these tests depend only on the written spec, not on the engine's codec.
 *
 * Everything here kills only processes it started (pinned by pid and start time).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  onExitCleanup,
  pinPid,
  run,
  signalPinned,
  terminate,
  type PinnedPid,
  type RunResult,
} from './proc';

/** The repository root. */
export const REPO = fileURLToPath(new URL('../..', import.meta.url));
const AGENT_DIR = path.join(REPO, 'remote-agent');

/** The agent binary under test: $HOLDFAST_AGENT_BIN, else the default build. */
export function agentBin(): string {
  return process.env.HOLDFAST_AGENT_BIN ?? path.join(AGENT_DIR, 'build', 'holdfast-agent');
}

/** Whether the binary under test is the ASan+UBSan build (slower, bigger). */
export function isSanitized(): boolean {
  return agentBin().includes(`${path.sep}asan${path.sep}`);
}

let built = false;

/**
 * Brings the binary under test up to date with `make` when it is one of the Makefile's
 * own outputs (default or asan). Serialized with flock: test files run in parallel.
 */
export function ensureAgentBuilt(): void {
  if (built) return;
  const bin = agentBin();
  const target =
    bin === path.join(AGENT_DIR, 'build', 'holdfast-agent')
      ? 'all'
      : bin === path.join(AGENT_DIR, 'build', 'asan', 'holdfast-agent')
        ? 'asan'
        : undefined;
  if (target) {
    mkdirSync(path.join(AGENT_DIR, 'build'), { recursive: true });
    const r = spawnSync(
      'flock',
      [path.join(AGENT_DIR, 'build', '.make.lock'), 'make', '-s', '-C', AGENT_DIR, target],
      { encoding: 'utf8', timeout: 300_000 },
    );
    if (r.status !== 0) {
      throw new Error(`building the agent (make ${target}) failed:\n${r.stdout}${r.stderr}`);
    }
  }
  built = true;
}

/** A private $HOLDFAST_DIR and the sessions started in it. */
export interface AgentHome {
  /** The temporary directory holding everything (removed by cleanup). */
  root: string;
  /** $HOLDFAST_DIR (not created until the agent first runs). */
  hfDir: string;
  /** $HOLDFAST_DIR/sessions */
  sessionsDir: string;
  /** Environment for the agent: process.env plus HOLDFAST_DIR. */
  env: NodeJS.ProcessEnv;
  /** Runs the agent with these arguments. */
  run(
    args: readonly string[],
    opts?: { env?: NodeJS.ProcessEnv; input?: string },
  ): Promise<RunResult>;
  /** `new ARGS...`: asserts success, pins the master and child, returns the id. */
  newSession(args?: readonly string[]): Promise<string>;
  /** The session's metadata file as key/value pairs. */
  meta(id: string): Record<string, string>;
  /** Path of the session's socket. */
  socketPath(id: string): string;
  /** Kills every session started here and removes the directory. */
  cleanup(): Promise<void>;
}

/** Creates a private state directory; `hfDir` may be given relative to the temp root. */
export function makeHome(opts: { hfSubdir?: string } = {}): AgentHome {
  ensureAgentBuilt();
  const root = mkdtempSync(path.join(tmpdir(), 'hf-'));
  const hfDir = path.join(root, opts.hfSubdir ?? 'hf');
  const sessionsDir = path.join(hfDir, 'sessions');
  const env: NodeJS.ProcessEnv = { ...process.env, HOLDFAST_DIR: hfDir };
  const pinned: PinnedPid[] = [];
  const unregister = onExitCleanup(() => {
    for (const p of pinned) signalPinned(p, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  const home: AgentHome = {
    root,
    hfDir,
    sessionsDir,
    env,
    run: (args, o = {}) =>
      run(agentBin(), args, { env: { ...env, ...o.env }, input: o.input, timeoutMs: 20_000 }),
    async newSession(args = []) {
      const r = await home.run(['new', ...args]);
      if (r.code !== 0) throw new Error(`new ${args.join(' ')} failed: ${r.stderr}`);
      const id = r.stdout.trim();
      const m = home.meta(id);
      for (const key of ['child', 'pid']) {
        const p = pinPid(Number(m[key]));
        if (p) pinned.push(p);
      }
      return id;
    },
    meta(id) {
      const text = readFileSync(path.join(sessionsDir, `${id}.meta`), 'utf8');
      const out: Record<string, string> = {};
      for (const line of text.split('\n')) {
        const sp = line.indexOf(' ');
        if (sp > 0) out[line.slice(0, sp)] = line.slice(sp + 1);
      }
      return out;
    },
    socketPath: (id) => path.join(sessionsDir, `${id}.sock`),
    async cleanup() {
      // Sessions a test started with a plain `run(['new', ...])` are found by their
      // metadata, so no master outlives its test (a finished one would linger in its
      // exit grace period).
      for (const id of socketIdsIn(sessionsDir)) {
        try {
          const m = home.meta(id);
          for (const key of ['child', 'pid']) {
            const p = pinPid(Number(m[key]));
            if (p) pinned.push(p);
          }
        } catch {
          // metadata already gone with its session
        }
      }
      // Children first (the command and its group), then the masters.
      await terminate(pinned, 500);
      unregister();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return home;
}

function socketIdsIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith('.meta'))
      .map((n) => n.slice(0, -'.meta'.length));
  } catch {
    return [];
  }
}

/** Ids of the sessions whose socket exists. */
export function socketIds(home: AgentHome): string[] {
  try {
    return readdirSync(home.sessionsDir)
      .filter((f) => f.endsWith('.sock'))
      .map((f) => f.slice(0, -5));
  } catch {
    return [];
  }
}

// ---- the wire format (PROTOCOL.md) ----------------------------------------------------

export const MSG = {
  HELLO: 0x01,
  ATTACH: 0x02,
  INPUT: 0x03,
  RESIZE: 0x04,
  SIGNAL: 0x05,
  DETACH: 0x06,
  PING: 0x07,
  INFO: 0x08,
  KEEPALIVE: 0x09,
  ATTACH_V2: 0x0a,
  SHOWN: 0x0b,
  AGENT_READY: 0x10,
  AGENT_REPLY: 0x11,
  ATTACH_PIPES: 0x0c,
  PIPES_SHOWN: 0x0d,
  INPUT_EOF: 0x0e,
  WELCOME: 0x81,
  ATTACHED: 0x82,
  OUTPUT: 0x83,
  GAP: 0x84,
  ACK: 0x85,
  EXIT: 0x86,
  ERROR: 0x87,
  PONG: 0x88,
  INFO_REPLY: 0x89,
  AGENT_REQUEST: 0x8e,
  AGENT_NONE: 0x8f,
  ERR_OUTPUT: 0x8a,
  ERR_GAP: 0x8b,
  ATTACHED_PIPES: 0x8c,
  EXIT_PIPES: 0x8d,
} as const;

/** ATTACH_PIPES: start both streams where the session's clients acknowledged. */
export const FLAG_FROM_ACKED = 4;

export const FLAG_REDRAW = 1;
export const FLAG_FROM_END = 2;
/** Version 4: `offset` is how far before the end to start (at a line start). */
export const FLAG_TAIL = 8;
export const ERR = {
  VERSION: 1,
  PROTOCOL: 2,
  OFFSET: 3,
  BUSY: 4,
  INTERNAL: 5,
  TIMEOUT: 6,
  INPUT_LOST: 7,
} as const;

/** One frame: type byte, u32 big-endian length, payload. */
export function frame(type: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(type, 0);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

function u64(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(v);
  return b;
}

/** Client → agent frames. */
export const enc = {
  hello: (min = 1, max = 1, name = 'holdfast-test'): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt16BE(min, 0);
    b.writeUInt16BE(max, 2);
    return frame(MSG.HELLO, Buffer.concat([b, Buffer.from(name)]));
  },
  attach: (clientId: Buffer, offset: bigint, flags = 0): Buffer =>
    frame(MSG.ATTACH, Buffer.concat([clientId, u64(offset), Buffer.of(flags)])),
  /** Version 2's ATTACH: also the highest INPUT seq ever sent with this id. */
  attachV2: (clientId: Buffer, offset: bigint, flags = 0, inputSent = 0n): Buffer =>
    frame(MSG.ATTACH_V2, Buffer.concat([clientId, u64(offset), Buffer.of(flags), u64(inputSent)])),
  keepalive: (): Buffer => frame(MSG.KEEPALIVE),
  /** Version 4: attach to a pipes session (stdout and stderr offsets). */
  attachPipes: (clientId: Buffer, offset: bigint, errOffset: bigint, flags = 0, inputSent = 0n) =>
    frame(
      MSG.ATTACH_PIPES,
      Buffer.concat([clientId, u64(offset), Buffer.of(flags), u64(inputSent), u64(errOffset)]),
    ),
  /** Version 4: stdout and stderr written up to these offsets. */
  pipesShown: (offset: bigint, errOffset: bigint): Buffer =>
    frame(MSG.PIPES_SHOWN, Buffer.concat([u64(offset), u64(errOffset)])),
  /** Version 4: end of input, numbered like INPUT. */
  inputEof: (seq: bigint | number): Buffer => frame(MSG.INPUT_EOF, u64(BigInt(seq))),
  /** Version 3: all output before `offset` is shown. */
  shown: (offset: bigint): Buffer => frame(MSG.SHOWN, u64(offset)),
  /** Version 4: this client answers the session's agent requests. */
  agentReady: (): Buffer => frame(MSG.AGENT_READY),
  agentReply: (requestId: number, data: Buffer): Buffer => {
    const id = Buffer.alloc(4);
    id.writeUInt32BE(requestId);
    return frame(MSG.AGENT_REPLY, Buffer.concat([id, data]));
  },
  input: (seq: bigint | number, data: string | Buffer): Buffer =>
    frame(MSG.INPUT, Buffer.concat([u64(BigInt(seq)), Buffer.from(data)])),
  resize: (cols: number, rows: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt16BE(cols, 0);
    b.writeUInt16BE(rows, 2);
    return frame(MSG.RESIZE, b);
  },
  signal: (sig: number): Buffer => frame(MSG.SIGNAL, Buffer.of(sig)),
  detach: (): Buffer => frame(MSG.DETACH),
  ping: (token: bigint): Buffer => frame(MSG.PING, u64(token)),
  info: (): Buffer => frame(MSG.INFO),
};

/** Agent → client frames, decoded. */
export type Reply =
  | { type: 'welcome'; version: number; agent: string }
  | {
      type: 'attached';
      inputAcked: bigint;
      ringStart: bigint;
      endOffset: bigint;
      cols: number;
      rows: number;
      pid: number;
    }
  | { type: 'output'; offset: bigint; data: Buffer }
  | { type: 'gap'; from: bigint; to: bigint }
  | { type: 'ack'; seq: bigint }
  | { type: 'exit'; endOffset: bigint; status: number }
  | { type: 'error'; code: number; message: string }
  | { type: 'pong'; token: bigint }
  | { type: 'info-reply'; json: string }
  | { type: 'agent-request'; requestId: number; data: Buffer }
  | { type: 'agent-none' }
  | { type: 'err-output'; offset: bigint; data: Buffer }
  | { type: 'err-gap'; from: bigint; to: bigint }
  | {
      type: 'attached-pipes';
      inputAcked: bigint;
      ringStart: bigint;
      endOffset: bigint;
      errStart: bigint;
      errEnd: bigint;
      from: bigint;
      errFrom: bigint;
      pid: number;
    }
  | { type: 'exit-pipes'; endOffset: bigint; errEnd: bigint; status: number; signal: number };

function decodeReply(type: number, p: Buffer): Reply {
  switch (type) {
    case MSG.WELCOME:
      return { type: 'welcome', version: p.readUInt16BE(0), agent: p.subarray(2).toString() };
    case MSG.ATTACHED:
      return {
        type: 'attached',
        inputAcked: p.readBigUInt64BE(0),
        ringStart: p.readBigUInt64BE(8),
        endOffset: p.readBigUInt64BE(16),
        cols: p.readUInt16BE(24),
        rows: p.readUInt16BE(26),
        pid: p.readUInt32BE(28),
      };
    case MSG.OUTPUT:
      return { type: 'output', offset: p.readBigUInt64BE(0), data: Buffer.from(p.subarray(8)) };
    case MSG.GAP:
      return { type: 'gap', from: p.readBigUInt64BE(0), to: p.readBigUInt64BE(8) };
    case MSG.ACK:
      return { type: 'ack', seq: p.readBigUInt64BE(0) };
    case MSG.EXIT:
      return { type: 'exit', endOffset: p.readBigUInt64BE(0), status: p.readInt32BE(8) };
    case MSG.ERROR:
      return { type: 'error', code: p.readUInt16BE(0), message: p.subarray(2).toString() };
    case MSG.PONG:
      return { type: 'pong', token: p.readBigUInt64BE(0) };
    case MSG.INFO_REPLY:
      return { type: 'info-reply', json: p.toString() };
    case MSG.AGENT_NONE:
      return { type: 'agent-none' };
    case MSG.AGENT_REQUEST:
      return {
        type: 'agent-request',
        requestId: p.readUInt32BE(0),
        data: Buffer.from(p.subarray(4)),
      };
    case MSG.ERR_OUTPUT:
      return { type: 'err-output', offset: p.readBigUInt64BE(0), data: Buffer.from(p.subarray(8)) };
    case MSG.ERR_GAP:
      return { type: 'err-gap', from: p.readBigUInt64BE(0), to: p.readBigUInt64BE(8) };
    case MSG.ATTACHED_PIPES:
      return {
        type: 'attached-pipes',
        inputAcked: p.readBigUInt64BE(0),
        ringStart: p.readBigUInt64BE(8),
        endOffset: p.readBigUInt64BE(16),
        errStart: p.readBigUInt64BE(24),
        errEnd: p.readBigUInt64BE(32),
        from: p.readBigUInt64BE(40),
        errFrom: p.readBigUInt64BE(48),
        pid: p.readUInt32BE(56),
      };
    case MSG.EXIT_PIPES:
      return {
        type: 'exit-pipes',
        endOffset: p.readBigUInt64BE(0),
        errEnd: p.readBigUInt64BE(8),
        status: p.readInt32BE(16),
        signal: p.readUInt8(20),
      };
    default:
      throw new Error(`agent sent unknown frame type 0x${type.toString(16)}`);
  }
}

/**
 * A protocol connection to a session: the socket itself, or `holdfast-agent bridge`.
 * Keeps every frame received; waits are by predicate with a deadline.
 */
export class AgentConn {
  readonly received: Reply[] = [];
  /** Number of OUTPUT bytes received (kept even when frames are not stored). */
  outputBytes = 0;
  /** Resolves when the agent side closes. */
  readonly closed: Promise<void>;
  private _buf: Buffer = Buffer.alloc(0);
  private _cursor = 0;
  private _wake: (() => void) | undefined;
  private _isClosed = false;
  private _storeOutput = true;

  private constructor(
    private readonly _write: (b: Buffer) => void,
    readable: NodeJS.ReadableStream,
    private readonly _end: () => void,
    readonly process?: ChildProcess,
    readonly socket?: net.Socket,
  ) {
    readable.on('data', (chunk: Buffer) => this._onData(chunk));
    this.closed = new Promise((resolve) => {
      const done = (): void => {
        this._isClosed = true;
        this._wake?.();
        resolve();
      };
      readable.once('end', done);
      readable.once('close', done);
      readable.once('error', done);
    });
  }

  /** Connects straight to the session's socket. */
  static socket(home: AgentHome, id: string): Promise<AgentConn> {
    return AgentConn.socketAt(home.socketPath(id));
  }

  /** Connects straight to the socket at `socketPath` (e.g. a session held for an sshd user). */
  static async socketAt(socketPath: string): Promise<AgentConn> {
    const sock = net.createConnection(socketPath);
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    sock.on('error', () => {
      // reported through `closed`
    });
    return new AgentConn(
      (b) => sock.write(b),
      sock,
      () => sock.destroy(),
      undefined,
      sock,
    );
  }

  /** Speaks through `holdfast-agent bridge ID`. */
  static bridge(home: AgentHome, id: string): AgentConn {
    const child = spawn(agentBin(), ['bridge', id], {
      env: home.env,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    child.stdin.on('error', () => {
      // the bridge may be killed by the test
    });
    return new AgentConn(
      (b) => child.stdin.write(b),
      child.stdout,
      () => child.kill('SIGKILL'),
      child,
    );
  }

  send(...frames: Buffer[]): void {
    for (const f of frames) this._write(f);
  }

  /** Stops storing OUTPUT frames (only counting bytes): for floods. */
  countOutputOnly(): void {
    this._storeOutput = false;
  }

  close(): void {
    this._end();
  }

  get isClosed(): boolean {
    return this._isClosed;
  }

  /** The next frame (in order) that satisfies `pred`; frames before it are skipped. */
  async waitFor(what: string, pred: (r: Reply) => boolean, timeoutMs = 10_000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this._cursor < this.received.length) {
        const r = this.received[this._cursor++] as Reply;
        if (pred(r)) return r;
      }
      if (this._isClosed) {
        const e = this.received.find((x) => x.type === 'error');
        throw new Error(
          `connection closed while waiting for ${what}${e ? `: ${JSON.stringify(e)}` : ''}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this._wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** Waits for a frame of this type. */
  async next<T extends Reply['type']>(
    type: T,
    timeoutMs = 10_000,
  ): Promise<Extract<Reply, { type: T }>> {
    const r = await this.waitFor(type, (x) => x.type === type || x.type === 'error', timeoutMs);
    if (r.type !== type) throw new Error(`wanted ${type}, got ${JSON.stringify(r)}`);
    return r as Extract<Reply, { type: T }>;
  }

  /** All OUTPUT data received so far, concatenated. */
  output(): Buffer {
    return Buffer.concat(this.received.flatMap((r) => (r.type === 'output' ? [r.data] : [])));
  }

  /** All ERR_OUTPUT data received so far, concatenated. */
  errOutput(): Buffer {
    return Buffer.concat(this.received.flatMap((r) => (r.type === 'err-output' ? [r.data] : [])));
  }

  /** HELLO (versions 1..4) then ATTACH_PIPES; resolves with ATTACHED_PIPES. */
  async attachPipes(
    opts: { clientId?: Buffer; offset?: bigint; errOffset?: bigint; flags?: number } = {},
  ): Promise<Extract<Reply, { type: 'attached-pipes' }>> {
    const id = opts.clientId ?? randomClientId();
    this.send(
      enc.hello(1, 4),
      enc.attachPipes(id, opts.offset ?? 0n, opts.errOffset ?? 0n, opts.flags ?? 0),
    );
    await this.next('welcome');
    return this.next('attached-pipes');
  }

  /** Waits until the concatenated output satisfies `pred`. */
  async waitOutput(
    what: string,
    pred: (out: string) => boolean,
    timeoutMs = 10_000,
  ): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const out = this.output().toString('latin1');
      if (pred(out)) return out;
      if (this._isClosed)
        throw new Error(`connection closed while waiting for ${what}: ${out.slice(-200)}`);
      if (Date.now() > deadline) {
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(out.slice(-300))}`,
        );
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this._wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** HELLO then ATTACH (version 1) or ATTACH_V2 (versions 2..4: HELLO offers up to it);
   * resolves with ATTACHED. */
  async attach(
    opts: {
      clientId?: Buffer;
      offset?: bigint;
      flags?: number;
      version?: 1 | 2 | 3 | 4 | 5;
      inputSent?: bigint;
    } = {},
  ): Promise<Extract<Reply, { type: 'attached' }>> {
    const id = opts.clientId ?? randomClientId();
    const offset = opts.offset ?? 0n;
    const flags = opts.flags ?? 0;
    if (opts.version !== undefined && opts.version >= 2) {
      const v2 = enc.attachV2(id, offset, flags, opts.inputSent ?? 0n);
      this.send(enc.hello(1, opts.version), v2);
    } else {
      this.send(enc.hello(), enc.attach(id, offset, flags));
    }
    await this.next('welcome');
    return this.next('attached');
  }

  /** Version 2: sends KEEPALIVE every `ms` until the connection closes (a live client that
   * may not be reading). */
  keepAlive(ms = 4000): void {
    const t = setInterval(() => {
      if (this._isClosed) clearInterval(t);
      else this.send(enc.keepalive());
    }, ms);
    t.unref();
    void this.closed.then(() => clearInterval(t));
  }

  private _onData(chunk: Buffer): void {
    this._buf = this._buf.length ? Buffer.concat([this._buf, chunk]) : chunk;
    while (this._buf.length >= 5) {
      const len = this._buf.readUInt32BE(1);
      if (this._buf.length < 5 + len) break;
      const type = this._buf.readUInt8(0);
      const reply = decodeReply(type, this._buf.subarray(5, 5 + len));
      this._buf = this._buf.subarray(5 + len);
      if (reply.type === 'output') {
        this.outputBytes += reply.data.length;
        if (!this._storeOutput) continue;
      }
      this.received.push(reply);
    }
    this._wake?.();
  }
}

/** A client that re-attaches every `everyMs` from offset 0 (the whole ring behind) and
 * never reads a byte, until stopped. */
export function reattachingLaggard(path: string, version: 1 | 2, everyMs: number): () => void {
  let stopped = false;
  let sock: net.Socket | undefined;
  const once = (): void => {
    if (stopped) return;
    sock?.destroy();
    sock = net.createConnection(path);
    sock.on('error', () => {});
    sock.pause();
    sock.write(
      version === 2
        ? Buffer.concat([enc.hello(1, 2), enc.attachV2(randomClientId(), 0n)])
        : Buffer.concat([enc.hello(1, 1), enc.attach(randomClientId(), 0n)]),
    );
    // a version 2 laggard even keeps itself live: it still must not hold the job
    if (version === 2) setTimeout(() => !stopped && sock?.write(enc.keepalive()), everyMs / 2);
    setTimeout(once, everyMs);
  };
  once();
  return () => {
    stopped = true;
    sock?.destroy();
  };
}

/** A random 16-byte client id. */
export function randomClientId(): Buffer {
  const b = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  return b;
}

/** The session's INFO_REPLY, parsed. */
export async function info(home: AgentHome, id: string): Promise<Record<string, unknown>> {
  const c = await AgentConn.socket(home, id);
  c.send(enc.hello(), enc.info());
  await c.next('welcome');
  const r = await c.next('info-reply');
  c.close();
  return JSON.parse(r.json) as Record<string, unknown>;
}

/** Resident set size of a process in KiB (Linux /proc), or undefined. */
export function rssKiB(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs argv under a real PTY (python3's pty module) of rows x cols. stdin goes to the PTY,
 * the PTY's output comes out on stdout; SIGUSR1 resizes the PTY to 132x40.
 */
export function spawnInPty(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  rows = 24,
  cols = 80,
): ChildProcess {
  const script = `
import os, pty, sys, select, signal, struct, fcntl, termios
rows, cols = int(sys.argv[1]), int(sys.argv[2])
argv = sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
    os.execvp(argv[0], argv)
def on_usr1(*_):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 132, 0, 0))
signal.signal(signal.SIGUSR1, on_usr1)
stdin_open = True
while True:
    try:
        rl, _, _ = select.select([fd] + ([0] if stdin_open else []), [], [])
    except InterruptedError:
        continue
    if fd in rl:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b''
        if not data:
            break
        os.write(1, data)
    if 0 in rl:
        data = os.read(0, 65536)
        if not data:
            stdin_open = False
        else:
            os.write(fd, data)
_, st = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(st))
`;
  return spawn('python3', ['-c', script, String(rows), String(cols), ...argv], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/**
 * Homes and connections of one test file, closed and removed after each test: call once
 * at the top of a file; `home()` and `socket()` track what they hand out.
 */
export function agentTestScope(afterEachHook: (fn: () => Promise<void>) => void): {
  home: (opts?: { hfSubdir?: string }) => AgentHome;
  socket: (h: AgentHome, id: string) => Promise<AgentConn>;
} {
  let homes: AgentHome[] = [];
  let conns: AgentConn[] = [];
  afterEachHook(async () => {
    for (const c of conns) c.close();
    conns = [];
    await Promise.all(homes.map((h) => h.cleanup()));
    homes = [];
  });
  return {
    home: (opts) => {
      const h = makeHome(opts);
      homes.push(h);
      return h;
    },
    socket: async (h, id) => {
      const c = await AgentConn.socket(h, id);
      conns.push(c);
      return c;
    },
  };
}
