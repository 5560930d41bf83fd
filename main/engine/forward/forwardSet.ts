// The forwards of one host: local listeners (-L, -D), remote ones (-R) and the connections
// through them, with their bytes each way. An I/O adapter (sockets, timers); the decisions
// it needs are pure elsewhere: where to listen (bindAddress.ts), what a SOCKS client asks
// (socks.ts), how a connection crosses (carrier.ts).
//
// The set belongs to the host connection (reconnect/hostConnection.ts), not to one TCP
// link: local listeners stay open across a drop; a connection arriving while the link is
// down waits (LINK_WAIT_MS) and goes through after the heal; -R forwards are asked for
// again on every new link (the same port, even one the server chose). A connection a
// non-resumable carrier holds dies with its link, and that is said, not hidden.

import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { HostConnection } from '../reconnect/hostConnection';
import type { RemoteClient, TcpConnectionInfo } from '../transport/remoteClient';
import { localBindAddresses, remoteBindAddress } from './bindAddress';
import type { Carrier, CarrierOpen, CarrierRefusal, Origin, RemoteListener } from './carrier';
import { endpointText, forwardLabel, type Endpoint, type ForwardSpec } from './forwardSpec';
import { parseSocks, socksReply, type SocksOutcome, type SocksPhase } from './socks';

/**
 * How long a new local connection waits for a link that is down (ms). A Wi-Fi change or a
 * wake-up heals in seconds; a program that waits longer than this has its own timeout
 * and is better told "no" than left hanging.
 */
export const LINK_WAIT_MS = 30_000;
/** -R bind addresses that are loopback (as ssh sends them): the agent may hold these. */
const LOOPBACK_BINDS = new Set(['localhost', '127.0.0.1', '::1']);
/** Most SOCKS handshake bytes kept (a CONNECT is at most ~520 bytes). */
const SOCKS_MAX_BUFFER = 1024;
/** How long a SOCKS client has to say where it wants to go (ms); then it is dropped. */
const SOCKS_HANDSHAKE_MS = 10_000;

export type ConnectionInfo = {
  id: number;
  /** The client's address: `127.0.0.1:53122`, or the server side's for -R. */
  from: string;
  /** Where it goes: host:port or a socket path (for -D, what the SOCKS client asked). */
  to: string;
  since: number;
  /** Bytes from the target to the client. */
  bytesIn: number;
  /** Bytes from the client to the target. */
  bytesOut: number;
  state: 'handshake' | 'waiting-for-link' | 'open';
};

export type ForwardState = 'starting' | 'listening' | 'waiting-for-link' | 'failed';

export type ForwardInfo = {
  /** `-L 8080:db:5432`: names the forward everywhere. */
  label: string;
  kind: ForwardSpec['kind'];
  state: ForwardState;
  /** Where it listens: `127.0.0.1:8080`, `[::1]:8080`, or `server localhost:9000` for -R. */
  where: string[];
  message?: string;
  carrier: string;
  resumable: boolean;
  connections: ConnectionInfo[];
  /** Since the forward started, closed connections included. */
  total: { connections: number; bytesIn: number; bytesOut: number };
};

export type ForwardEvent =
  /** `plain`: this one's connections ride an SSH channel although the carrier resumes
   * (a -R that sshd holds). */
  | { kind: 'listening'; label: string; where: string[]; plain?: true }
  | { kind: 'failed'; label: string; message: string }
  /** Something about one connection or a detail of the forward, worth a line. */
  | { kind: 'notice'; label: string; message: string }
  /** A connection was cut because its link died (a plain carrier cannot resume). */
  | { kind: 'lost'; label: string; message: string }
  /** Counters or connections changed (for the panel; not worth a line). */
  | { kind: 'changed' };

export type ForwardSetOptions = {
  carrier: Carrier;
  gatewayPorts: boolean;
  linkWaitMs?: number;
  log?: (m: string) => void;
};

type Conn = {
  info: ConnectionInfo;
  socket: net.Socket;
  client: RemoteClient | undefined;
  stream: Duplex | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Waiting for the link: what to do once it is up. */
  resume: ((client: RemoteClient) => void) | undefined;
};

type Fwd = {
  spec: ForwardSpec;
  label: string;
  state: ForwardState;
  where: string[];
  message: string | undefined;
  servers: net.Server[];
  conns: Set<Conn>;
  total: { connections: number; bytesIn: number; bytesOut: number };
  /** -R: the port the server bound (the one asked for, or the one it chose for 0). */
  remotePort: number | undefined;
  /** -R held by the agent (the carrier's listener), not by sshd: it outlives the link. */
  agent: RemoteListener | undefined;
};

type Listener = (e: ForwardEvent) => void;

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

const REFUSAL_TO_SOCKS: Record<CarrierRefusal, SocksOutcome> = {
  prohibited: 'not-allowed',
  refused: 'refused',
  unreachable: 'unreachable',
  failed: 'failed',
};

/**
 * Asks sshd for a remote listener (tcpip-forward): the port it bound, or why not in ssh's
 * words ("remote port forwarding failed for listen port N").
 */
function askServer(
  client: RemoteClient,
  bind: string,
  port: number,
): Promise<{ ok: true; port: number } | { ok: false; message: string }> {
  return new Promise((resolve) => {
    const done = (err: Error | undefined, bound: number) =>
      resolve(
        err
          ? {
              ok: false,
              message: `remote port forwarding failed for listen port ${port}: the server refused (${err.message.replace(/^\(SSH\)\s*/, '')}); its sshd_config may forbid it (AllowTcpForwarding, PermitListen) or the port is in use there`,
            }
          : { ok: true, port: port === 0 ? bound : port },
      );
    try {
      client.forwardIn(bind, port, done);
    } catch (e) {
      done(e as Error, 0);
    }
  });
}

export class ForwardSet {
  private readonly _fwds: Fwd[];
  private readonly _listeners = new Set<Listener>();
  private readonly _offs: (() => void)[] = [];
  private _client: RemoteClient | undefined;
  private _nextId = 1;
  private _disposed = false;
  private _ending: Promise<void> | undefined;
  private readonly _onTcp = (info: TcpConnectionInfo, accept: () => Duplex, reject: () => void) =>
    this._remoteConnection(info, accept, reject);

  constructor(
    /** undefined for an empty set that never connects. */
    private readonly _conn: HostConnection | undefined,
    specs: readonly ForwardSpec[],
    private readonly _opts: ForwardSetOptions,
  ) {
    this._fwds = specs.map((spec) => ({
      spec,
      label: forwardLabel(spec),
      state: 'starting',
      where: [],
      message: undefined,
      servers: [],
      conns: new Set(),
      total: { connections: 0, bytesIn: 0, bytesOut: 0 },
      remotePort: undefined,
      agent: undefined,
    }));
  }

  onEvent(l: Listener): () => void {
    this._listeners.add(l);
    return () => this._listeners.delete(l);
  }

  /** What the panel shows. */
  snapshot(): ForwardInfo[] {
    return this._fwds.map((f) => ({
      label: f.label,
      kind: f.spec.kind,
      state: f.state,
      where: [...f.where],
      ...(f.message ? { message: f.message } : {}),
      carrier: this._opts.carrier.name,
      resumable: this._resumable(f),
      connections: [...f.conns].map((c) => ({ ...c.info })),
      total: { ...f.total },
    }));
  }

  /**
   * Opens the local listeners and asks for the remote ones on the link that is up; resolves
   * with each forward's outcome ('listening' or 'failed'), in order.
   */
  async start(): Promise<ForwardEvent[]> {
    if (!this._conn) return [];
    this._offs.push(
      this._conn.onClient((c) => this._linkUp(c)),
      this._conn.onLost(() => this._linkDown()),
    );
    if (this._conn.client) this._attach(this._conn.client);
    const out: ForwardEvent[] = [];
    for (const f of this._fwds) {
      const e =
        f.spec.kind !== 'remote'
          ? await this._listen(f)
          : this._agentHolds(f)
            ? await this._listenOnAgent(f)
            : await this._requestRemote(f);
      out.push(e);
    }
    return out;
  }

  /**
   * Ends the forwards for good: no new connection is taken, what the carrier holds on the
   * server is ended there (a resumable carrier's sessions would outlive this process
   * otherwise), within `timeoutMs`; then dispose(). The same promise on every call.
   */
  end(timeoutMs: number): Promise<void> {
    this._ending ??= (async () => {
      for (const f of this._fwds) for (const s of f.servers) s.close();
      if (!this._disposed) await this._opts.carrier.endAll?.(timeoutMs);
      this.dispose();
    })();
    return this._ending;
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    for (const off of this._offs) off();
    for (const f of this._fwds) {
      for (const s of f.servers) s.close();
      for (const c of f.conns) this._drop(f, c);
      if (f.agent) void f.agent.close();
      else if (f.spec.kind === 'remote' && f.remotePort !== undefined && this._client) {
        try {
          this._client.unforwardIn(remoteBindAddress(f.spec.listen.host), f.remotePort, () => {});
        } catch {
          // the link is gone: so is the server's listener
        }
      }
    }
    this._detach();
  }

  private _emit(e: ForwardEvent): void {
    for (const l of [...this._listeners]) l(e);
  }

  private _log(m: string): void {
    this._opts.log?.(m);
  }

  // --- the link ------------------------------------------------------------------------------

  private _attach(client: RemoteClient): void {
    this._detach();
    this._client = client;
    if (this._fwds.some((f) => f.spec.kind === 'remote')) client.on('tcp connection', this._onTcp);
  }

  private _detach(): void {
    this._client?.removeListener('tcp connection', this._onTcp);
    this._client = undefined;
  }

  private _linkUp(client: RemoteClient): void {
    if (this._disposed) return;
    this._attach(client);
    for (const f of this._fwds) {
      // sshd dropped its listeners with the old connection; the agent's stays.
      if (f.spec.kind === 'remote' && f.state !== 'failed' && !f.agent) void this._requestRemote(f);
      for (const c of f.conns) {
        const go = c.resume;
        if (!go) continue;
        c.resume = undefined;
        if (c.timer) clearTimeout(c.timer);
        c.timer = undefined;
        go(client);
      }
    }
    this._emit({ kind: 'changed' });
  }

  private _linkDown(): void {
    this._detach();
    for (const f of this._fwds) {
      if (f.spec.kind === 'remote' && f.state === 'listening' && !f.agent)
        f.state = 'waiting-for-link';
    }
    this._emit({ kind: 'changed' });
  }

  // --- local listeners (-L, -D) ----------------------------------------------------------------

  private async _listen(f: Fwd): Promise<ForwardEvent> {
    const listen = f.spec.listen;
    const errors: string[] = [];
    if (listen.kind === 'unix') {
      const r = await this._bind(f, { path: listen.path });
      if (r) errors.push(r);
    } else {
      for (const host of localBindAddresses(listen.host, this._opts.gatewayPorts)) {
        const r = await this._bind(f, { port: listen.port, ...(host ? { host } : {}) });
        if (r) errors.push(r);
      }
    }
    if (f.servers.length === 0) {
      f.state = 'failed';
      f.message = errors.join('; ');
      const e: ForwardEvent = { kind: 'failed', label: f.label, message: f.message };
      this._emit(e);
      return e;
    }
    f.state = 'listening';
    const e: ForwardEvent = { kind: 'listening', label: f.label, where: [...f.where] };
    this._emit(e);
    return e;
  }

  /** Listens at one address; undefined on success, else why not, in words. */
  private _bind(
    f: Fwd,
    at: { port: number; host?: string } | { path: string },
  ): Promise<string | undefined> {
    return new Promise((resolve) => {
      const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) =>
        this._accept(f, s),
      );
      const where = 'path' in at ? at.path : hostPort(at.host ?? '*', at.port);
      server.once('error', (e: NodeJS.ErrnoException) => {
        resolve(
          e.code === 'EADDRINUSE'
            ? 'path' in at
              ? `cannot listen on ${where}: the socket file exists; remove it if no program uses it`
              : `cannot listen on ${where}: the port is in use by another program; pick another port`
            : e.code === 'EACCES'
              ? `cannot listen on ${where}: permission denied (ports below 1024 need privileges)`
              : e.code === 'EADDRNOTAVAIL'
                ? `cannot listen on ${where}: this machine has no such address`
                : `cannot listen on ${where}: ${e.message}`,
        );
      });
      server.listen(at, () => {
        server.removeAllListeners('error');
        server.on('error', (e) => this._log(`${f.label}: listener error: ${e.message}`));
        if (this._disposed) {
          server.close();
          return resolve(undefined);
        }
        f.servers.push(server);
        f.where.push(where);
        resolve(undefined);
      });
    });
  }

  private _accept(f: Fwd, socket: net.Socket): void {
    if (this._disposed) return void socket.destroy();
    const from =
      socket.remoteAddress !== undefined
        ? hostPort(socket.remoteAddress.replace(/^::ffff:/, ''), socket.remotePort ?? 0)
        : 'local socket';
    const target = f.spec.kind === 'dynamic' ? undefined : f.spec.target;
    const c: Conn = {
      info: {
        id: this._nextId++,
        from,
        to: target ? endpointText(target) : '(SOCKS)',
        since: Date.now(),
        bytesIn: 0,
        bytesOut: 0,
        state: 'handshake',
      },
      socket,
      client: undefined,
      stream: undefined,
      timer: undefined,
      resume: undefined,
    };
    f.conns.add(c);
    f.total.connections++;
    socket.on('error', () => {});
    socket.on('close', () => this._closed(f, c));
    this._emit({ kind: 'changed' });
    if (target)
      this._whenLinked(f, c, (client) => void this._open(f, c, client, target, Buffer.alloc(0)));
    else this._socks(f, c);
  }

  private _socks(f: Fwd, c: Conn): void {
    let buf = Buffer.alloc(0);
    let phase: SocksPhase = 'start';
    const socket = c.socket;
    c.timer = setTimeout(() => {
      this._emit({
        kind: 'notice',
        label: f.label,
        message: `${c.info.from} sent no SOCKS request in time; closed`,
      });
      socket.destroy();
    }, SOCKS_HANDSHAKE_MS);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const r = parseSocks(buf, phase);
        if (r.kind === 'more') {
          if (buf.length > SOCKS_MAX_BUFFER) socket.destroy();
          return;
        }
        if (r.kind === 'greeted') {
          socket.write(r.reply);
          buf = buf.subarray(r.consumed);
          phase = 'v5-request';
          continue;
        }
        socket.removeListener('data', onData);
        socket.pause();
        if (c.timer) clearTimeout(c.timer);
        c.timer = undefined;
        if (r.kind === 'refuse') {
          this._emit({ kind: 'notice', label: f.label, message: `${c.info.from}: ${r.message}` });
          if (r.reply) socket.end(r.reply);
          else socket.destroy();
          return;
        }
        const rest = buf.subarray(r.consumed);
        const target: Endpoint = { kind: 'tcp', host: r.target.host, port: r.target.port };
        c.info.to = endpointText(target);
        this._emit({ kind: 'changed' });
        this._whenLinked(
          f,
          c,
          (client) =>
            void this._open(f, c, client, target, rest, (outcome) =>
              socket.write(socksReply(r.version, outcome)),
            ),
        );
        return;
      }
    };
    socket.on('data', onData);
    socket.resume();
  }

  /** Runs `go` with the link now, or once it is back (bounded by LINK_WAIT_MS). */
  private _whenLinked(f: Fwd, c: Conn, go: (client: RemoteClient) => void): void {
    const client = this._conn?.client;
    if (client) return go(client);
    c.info.state = 'waiting-for-link';
    c.resume = go;
    const wait = this._opts.linkWaitMs ?? LINK_WAIT_MS;
    c.timer = setTimeout(() => {
      c.resume = undefined;
      this._emit({
        kind: 'notice',
        label: f.label,
        message: `connection from ${c.info.from} closed: the link has been down for ${Math.round(wait / 1000)} s`,
      });
      c.socket.destroy();
    }, wait);
    this._emit({ kind: 'changed' });
  }

  private async _open(
    f: Fwd,
    c: Conn,
    client: RemoteClient,
    target: Endpoint,
    early: Buffer,
    reply?: (outcome: SocksOutcome) => void,
  ): Promise<void> {
    const origin: Origin = {
      address: c.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
      port: c.socket.remotePort ?? 0,
    };
    const r = await this._opts.carrier.open(client, target, origin);
    if (this._gone(c, r)) return;
    if (!r.ok) {
      this._tell(f, c, r.message);
      if (reply) {
        reply(REFUSAL_TO_SOCKS[r.why]);
        c.socket.end();
      } else c.socket.destroy();
      return;
    }
    reply?.('ok');
    this._join(f, c, client, r.stream, early);
  }

  /** Whether `c` went while its stream was opened (a stream it got is dropped then). */
  private _gone(c: Conn, r: CarrierOpen): boolean {
    if (!c.socket.destroyed && !this._disposed) return false;
    if (r.ok) r.stream.destroy();
    return true;
  }

  /** A line about one connection. */
  private _tell(f: Fwd, c: Conn, message: string): void {
    this._emit({
      kind: 'notice',
      label: f.label,
      message: `connection from ${c.info.from}: ${message}`,
    });
  }

  /**
   * Relays socket ⇄ stream with half-closes, counting bytes. For -R the socket is the
   * target (`socketIsTarget`): bytes are still counted as seen by the forward's client.
   */
  private _join(
    f: Fwd,
    c: Conn,
    client: RemoteClient | undefined,
    stream: Duplex,
    early: Buffer,
    socketIsTarget = false,
  ): void {
    const socket = c.socket;
    c.client = client;
    c.stream = stream;
    c.info.state = 'open';
    const toTarget = (n: number) => {
      c.info.bytesOut += n;
      f.total.bytesOut += n;
    };
    const fromTarget = (n: number) => {
      c.info.bytesIn += n;
      f.total.bytesIn += n;
    };
    socket.on('data', (d: Buffer) => (socketIsTarget ? fromTarget : toTarget)(d.length));
    stream.on('data', (d: Buffer) => (socketIsTarget ? toTarget : fromTarget)(d.length));
    stream.on('error', () => {});
    if (early.length > 0) {
      toTarget(early.length);
      stream.write(early);
    }
    socket.pipe(stream);
    stream.pipe(socket);
    stream.on('close', () => {
      // The link this stream rode is no longer the host's: it was cut, not ended. (A -R
      // that sshd holds rides an SSH channel whatever the carrier.)
      const cut = !this._resumable(f) && client !== undefined && this._conn?.client !== client;
      if (cut && !socket.destroyed && !this._disposed) {
        this._emit({
          kind: 'lost',
          label: f.label,
          message: `connection from ${c.info.from} to ${c.info.to} was cut by the lost link (forwarding over a plain SSH channel cannot resume)`,
        });
        socket.destroy();
      } else if (!socket.writableEnded) socket.end();
    });
    socket.resume();
    this._emit({ kind: 'changed' });
  }

  private _closed(f: Fwd, c: Conn): void {
    if (c.timer) clearTimeout(c.timer);
    c.timer = undefined;
    c.resume = undefined;
    c.stream?.destroy();
    if (f.conns.delete(c)) this._emit({ kind: 'changed' });
  }

  private _drop(f: Fwd, c: Conn): void {
    c.socket.destroy();
    this._closed(f, c);
  }

  // --- remote forwards (-R) ------------------------------------------------------------------

  private _requestRemote(f: Fwd): Promise<ForwardEvent> {
    const spec = f.spec;
    if (spec.kind !== 'remote') throw new Error('not a remote forward');
    const client = this._client;
    if (!client) {
      f.state = 'waiting-for-link';
      return Promise.resolve({ kind: 'notice', label: f.label, message: 'waiting for the link' });
    }
    const bind = remoteBindAddress(spec.listen.host);
    const port = f.remotePort ?? spec.listen.port;
    return askServer(client, bind, port).then((r) => {
      if (this._client !== client || this._disposed) return { kind: 'changed' };
      if (!r.ok) return this._failed(f, r.message);
      const first = f.remotePort === undefined;
      f.remotePort = r.port;
      return this._listening(f, `server ${hostPort(bind || '*', r.port)}`, first && port === 0);
    });
  }

  private _failed(f: Fwd, message: string): ForwardEvent {
    f.state = 'failed';
    f.message = message;
    const e: ForwardEvent = { kind: 'failed', label: f.label, message };
    this._emit(e);
    return e;
  }

  /** A -R listens at `where`; `allocated`: the server chose the port (asked for 0). */
  private _listening(f: Fwd, where: string, allocated: boolean): ForwardEvent {
    f.state = 'listening';
    f.message = undefined;
    f.where = [where];
    if (allocated && f.spec.kind === 'remote')
      this._emit({
        kind: 'notice',
        label: f.label,
        message: `Allocated port ${f.remotePort} for remote forward to ${endpointText(f.spec.target)}`,
      });
    const e: ForwardEvent = {
      kind: 'listening',
      label: f.label,
      where: [...f.where],
      ...(this._opts.carrier.resumable && !this._resumable(f) ? { plain: true as const } : {}),
    };
    this._emit(e);
    return e;
  }

  /** Whether `f`'s connections survive a reconnect: a -R only where the agent holds it. */
  private _resumable(f: Fwd): boolean {
    return this._opts.carrier.resumable && (f.spec.kind !== 'remote' || f.agent !== undefined);
  }

  /**
   * Whether the carrier holds this -R on the server (the agent listens): for loopback
   * only. Any other address is sshd's to bind under its GatewayPorts, so it stays with
   * sshd, whose policy then holds as for ssh.
   */
  private _agentHolds(f: Fwd): boolean {
    if (f.spec.kind !== 'remote' || !this._opts.carrier.listen || !this._client) return false;
    return LOOPBACK_BINDS.has(remoteBindAddress(f.spec.listen.host).toLowerCase());
  }

  /**
   * -R on the agent. sshd is asked first, as ssh asks it, and the port handed straight back:
   * a server that forbids remote forwarding (AllowTcpForwarding, PermitListen) forbids it
   * here too; then the agent listens and each connection rides a session of its own.
   */
  private async _listenOnAgent(f: Fwd): Promise<ForwardEvent> {
    const spec = f.spec;
    const client = this._client;
    if (spec.kind !== 'remote' || !client) throw new Error('no remote forward or no link');
    const bind = remoteBindAddress(spec.listen.host);
    const asked = spec.listen.port;
    const policy = await askServer(client, bind, asked);
    if (this._disposed) return { kind: 'changed' };
    if (!policy.ok) return this._failed(f, policy.message);
    await new Promise<void>((resolve) => {
      try {
        client.unforwardIn(bind, policy.port, () => resolve());
      } catch {
        resolve(); // the link is gone: so is sshd's listener
      }
    });
    const l = this._opts.carrier.listen!(bind, asked);
    f.agent = l;
    return new Promise((resolve) => {
      let first = true;
      l.onEvent((e) => {
        if (this._disposed) return;
        if (e.kind === 'connection') return this._agentConnection(f, l, e.n, e.from);
        let out: ForwardEvent;
        if (e.kind === 'listening') {
          f.remotePort = e.port;
          out = this._listening(f, `server ${hostPort(bind || '*', e.port)}`, first && asked === 0);
        } else out = this._failed(f, e.message);
        if (first) resolve(out);
        first = false;
      });
    });
  }

  /** A connection the agent's listener announced: to the target here, then taken there. */
  private _agentConnection(f: Fwd, l: RemoteListener, n: number, from: string): void {
    this._toTarget(
      f,
      from,
      undefined,
      // Taken and dropped, so its client on the server sees the close now, not after the hold.
      () => void l.take(n).then((r) => r.ok && r.stream.destroy()),
      (c) =>
        void l.take(n).then((r) => {
          if (this._gone(c, r)) return;
          if (!r.ok) {
            this._tell(f, c, r.message);
            c.socket.destroy();
            return;
          }
          // -R runs the other way round: the stream is the client side, the socket the target.
          this._join(f, c, undefined, r.stream, Buffer.alloc(0), true);
        }),
    );
  }

  /**
   * -R: connects to the forward's target here for a connection that arrived on the server
   * from `from`; `failed` once it cannot be reached (said as a notice), `connected` once
   * it is.
   */
  private _toTarget(
    f: Fwd,
    from: string,
    client: RemoteClient | undefined,
    failed: () => void,
    connected: (c: Conn) => void,
  ): void {
    if (f.spec.kind !== 'remote') return;
    const target = f.spec.target;
    const socket =
      target.kind === 'unix'
        ? net.connect({ path: target.path, allowHalfOpen: true })
        : net.connect({ host: target.host ?? 'localhost', port: target.port, allowHalfOpen: true });
    socket.pause();
    const c: Conn = {
      info: {
        id: this._nextId++,
        from: `server ${from}`,
        to: endpointText(target),
        since: Date.now(),
        bytesIn: 0,
        bytesOut: 0,
        state: 'handshake',
      },
      socket,
      client,
      stream: undefined,
      timer: undefined,
      resume: undefined,
    };
    f.conns.add(c);
    f.total.connections++;
    socket.on('close', () => this._closed(f, c));
    socket.on('error', () => {});
    socket.once('error', (e: NodeJS.ErrnoException) => {
      if (c.stream) return;
      this._emit({
        kind: 'notice',
        label: f.label,
        message: `connection from ${c.info.from}: cannot connect to ${c.info.to} here (${e.code ?? e.message})`,
      });
      failed();
    });
    socket.once('connect', () => connected(c));
    this._emit({ kind: 'changed' });
  }

  private _remoteConnection(
    info: TcpConnectionInfo,
    accept: () => Duplex,
    reject: () => void,
  ): void {
    const f = this._fwds.find((x) => x.spec.kind === 'remote' && x.remotePort === info.destPort);
    if (!f || f.spec.kind !== 'remote' || this._disposed) return reject();
    const client = this._client;
    this._toTarget(f, hostPort(info.srcIP, info.srcPort), client, reject, (c) =>
      // -R runs the other way round: the channel is the client side, the socket the target.
      this._join(f, c, client, accept(), Buffer.alloc(0), true),
    );
  }
}
