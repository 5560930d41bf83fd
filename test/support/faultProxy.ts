/**
 * A TCP proxy on 127.0.0.1 that a test drives to break the network between a client and a
 * server on purpose: the faults a laptop meets when it changes Wi-Fi, sleeps or roams.
 *
 *   client ──► proxy (127.0.0.1:port) ──► target (sshd)
 *
 * Actions, scripted from the test (no randomness, no clock):
 * - `pass()`      forward both ways with back-pressure; a close (FIN) passes only after
 *                 every byte sent before it (half-close kept: allowHalfOpen).
 * - `blackhole()` nothing passes either way, not even a FIN or a reset, and both sockets
 *                 stay open: the half-open connection a network change leaves behind. New
 *                 connections are accepted by the kernel (as on loopback it must) but held:
 *                 no upstream dial, nothing forwarded, until `pass()`.
 * - `reset()`     RST every current connection, both sides, now. A one-shot action: the
 *                 mode is unchanged, so connections dialled afterwards are served normally
 *                 (or held, while black-holed). A test that wants "every dial fails" uses
 *                 `move()` and keeps dialling the old port, which refuses.
 * - `move()`      like a new IP address: listen on a new free port, stop accepting on the
 *                 old one (connects there are refused), and black-hole the connections that
 *                 came through the old port for good (`pass()` does not revive them: that
 *                 address is gone); only `reset()` or `close()` ends them.
 *
 * On heal (`pass()` after `blackhole()`), forwarding resumes for connections still open,
 * with what the kernel buffered meanwhile; nobody is told anything (no reset): the client
 * must find out on its own, e.g. by keepalives. The connections opened during the outage
 * (held: the kernel accepted them, a real path would have lost their SYNs) go on by
 * default; `pass({ held: 'reset' })` heals as a middlebox that never knew them: they get
 * an RST; `pass({ held: 'keep' })` as one that keeps them parked for good (nothing
 * passes on them, ever). Connections from before the outage carry on either way.
 *
 * Limits, by construction of a user-space proxy on loopback: bytes already handed to the
 * kernel when `blackhole()` is called still arrive (like packets already on the wire); the
 * kernel keeps ACKing into its receive buffer, so a black-holed sender sees a closed TCP
 * window rather than retransmission timeouts. For real packet loss, see `netns.ts`.
 */
import { appendFile } from 'node:fs/promises';
import net from 'node:net';
import type { Sshd } from './sshd';

/** Where the proxy forwards to. */
export interface ProxyTarget {
  host: string;
  port: number;
}

/** The proxy's current mode for new and (unless moved away) current connections. */
export type ProxyMode = 'pass' | 'blackhole';

/** What a heal does with the connections opened during the black hole. */
export type HeldFate = 'forward' | 'reset' | 'keep';

/** A running fault proxy. */
export interface FaultProxy {
  /** Always 127.0.0.1. */
  readonly host: string;
  /** The port clients should dial now (changes on `move()`). */
  readonly port: number;
  /** Current mode. */
  readonly mode: ProxyMode;
  /** Open client connections (including held and moved-away ones). */
  readonly connections: number;
  /** Client connections accepted since start. */
  readonly accepted: number;
  /** Bytes forwarded client → target since start. */
  readonly bytesToTarget: number;
  /** Bytes forwarded target → client since start. */
  readonly bytesToClient: number;
  /**
   * Forward everything (heal after `blackhole()`). `held`: what becomes of the connections
   * accepted during the black hole: forwarded (default), reset, or kept parked for good.
   */
  pass(opts?: { held?: HeldFate }): void;
  /** Stop forwarding both ways, keep sockets open, tell nobody. */
  blackhole(): void;
  /** RST every current connection on both sides. Resolves when they are all gone. */
  reset(): Promise<void>;
  /** Listen on a new port, refuse on the old, black-hole the old connections; resolves the new port. */
  move(): Promise<number>;
  /** Stop listening and destroy every connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * Ends `socket` with an RST, except while a FIN we sent is still on its way (`end()` was
 * called, its shutdown not done yet): libuv refuses a reset then (EINVAL), and Node, told
 * so, never closes the handle: no 'close', and the process spins at 100 % CPU when it
 * exits (the pipes bench did, after the CLI ended its connection with a FIN and a reset
 * together). That socket is closed plainly: its FIN is on its way already.
 */
export function resetSocket(socket: net.Socket): void {
  if (socket.writableEnded && !socket.writableFinished) socket.destroy();
  else socket.resetAndDestroy();
}

/** One client connection and its upstream twin. */
class Link {
  /** The upstream socket; undefined until dialled (held connections are not dialled yet). */
  upstream: net.Socket | undefined;
  /** Black-holed for good: its listening address went away with `move()`. */
  orphaned = false;
  /** Each side's end/error, seen while held, to pass on once traffic flows again. */
  private readonly _pendingEnd = new Set<net.Socket>();
  private readonly _pendingReset = new Set<net.Socket>();
  private _closed = false;

  constructor(
    readonly client: net.Socket,
    private readonly _proxy: FaultProxyImpl,
  ) {
    // Until dialled (a connection held by a black hole), a client that gives up just goes.
    client.on('error', () => undefined);
    client.once('close', () => {
      if (!this.upstream) this._finish();
    });
  }

  get held(): boolean {
    return this.orphaned || this._proxy.mode === 'blackhole';
  }

  /** Dials the target; until connected, the client socket stays paused. */
  dial(): void {
    // No Nagle in the relay: a path does not hold small segments back, endpoints do.
    const upstream = net.connect({ ...this._proxy.target, allowHalfOpen: true, noDelay: true });
    this.upstream = upstream;
    upstream.pause();
    upstream.once('connect', () => this.update());
    this._wire(this.client, upstream, 'toTarget');
    this._wire(upstream, this.client, 'toClient');
  }

  /** Forwards `from` → `to`: write each chunk, pause `from` while `to` is full. */
  private _wire(from: net.Socket, to: net.Socket, direction: 'toTarget' | 'toClient'): void {
    from.on('data', (chunk: Buffer) => {
      this._proxy.count(direction, chunk.length);
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => this.update());
    from.on('end', () => {
      if (this.held) this._pendingEnd.add(from);
      else to.end();
    });
    from.on('error', () => {
      // A reset from one side becomes a reset on the other, but only when traffic flows.
      if (this.held) this._pendingReset.add(from);
      else this.destroy(true);
    });
    from.on('close', () => {
      if (this.client.destroyed && (this.upstream?.destroyed ?? true)) this._finish();
    });
  }

  /** Pauses or resumes reading on both sides to match the mode and back-pressure. */
  update(): void {
    if (this._closed) return;
    const upstream = this.upstream;
    if (!upstream) {
      if (!this.held) this.dial();
      return;
    }
    if (this.held || upstream.connecting) {
      this.client.pause();
      upstream.pause();
      return;
    }
    if (this._pendingReset.size > 0) {
      this.destroy(true);
      return;
    }
    for (const side of this._pendingEnd) {
      this._pendingEnd.delete(side);
      (side === this.client ? upstream : this.client).end();
    }
    if (!upstream.writableNeedDrain) this.client.resume();
    if (!this.client.writableNeedDrain) upstream.resume();
  }

  /** Ends both sockets: with RST when `reset`, else a plain destroy. */
  destroy(reset: boolean): void {
    for (const socket of [this.client, this.upstream]) {
      if (!socket || socket.destroyed) continue;
      if (reset && !socket.connecting) resetSocket(socket);
      else socket.destroy();
    }
    this._finish();
  }

  private _finish(): void {
    if (this._closed) return;
    this._closed = true;
    this._proxy.forget(this);
  }

  /** Resolves once both sockets have closed. */
  closed(): Promise<void> {
    const sockets = [this.client, this.upstream].filter((s): s is net.Socket => s !== undefined);
    return Promise.all(
      sockets.map((s) =>
        s.closed ? Promise.resolve() : new Promise<void>((r) => s.once('close', () => r())),
      ),
    ).then(() => undefined);
  }
}

class FaultProxyImpl implements FaultProxy {
  readonly host = '127.0.0.1';
  port = 0;
  mode: ProxyMode = 'pass';
  accepted = 0;
  bytesToTarget = 0;
  bytesToClient = 0;
  private readonly _links = new Set<Link>();
  private _server: net.Server | undefined;
  private _closed = false;

  constructor(readonly target: ProxyTarget) {}

  get connections(): number {
    return this._links.size;
  }

  count(direction: 'toTarget' | 'toClient', bytes: number): void {
    if (direction === 'toTarget') this.bytesToTarget += bytes;
    else this.bytesToClient += bytes;
  }

  forget(link: Link): void {
    this._links.delete(link);
  }

  /** Listens on a fresh kernel-chosen port (no probe-then-bind race). */
  async listen(): Promise<number> {
    const server = net.createServer(
      { allowHalfOpen: true, pauseOnConnect: true, noDelay: true },
      (client) => {
        this.accepted++;
        const link = new Link(client, this);
        this._links.add(link);
        link.update();
      },
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.host, port: 0 }, () => resolve());
    });
    const address = server.address();
    if (!address || typeof address !== 'object')
      throw new Error('fault proxy: no listening address');
    this._server = server;
    this.port = address.port;
    return this.port;
  }

  pass(opts: { held?: HeldFate } = {}): void {
    this.mode = 'pass';
    for (const link of [...this._links]) {
      const held = !link.upstream && !link.orphaned;
      if (held && opts.held === 'reset') link.destroy(true);
      else if (held && opts.held === 'keep') link.orphaned = true;
      else link.update();
    }
  }

  blackhole(): void {
    this.mode = 'blackhole';
    for (const link of this._links) link.update();
  }

  async reset(): Promise<void> {
    const links = [...this._links];
    for (const link of links) link.destroy(true);
    await Promise.all(links.map((l) => l.closed()));
  }

  async move(): Promise<number> {
    const old = this._server;
    for (const link of this._links) {
      link.orphaned = true;
      link.update();
    }
    const port = await this.listen();
    // close() stops accepting at once (the port refuses) and waits for connections;
    // the orphaned ones are still open, so do not wait.
    old?.close();
    return port;
  }

  async close(): Promise<void> {
    if (this._closed) return;
    this._closed = true;
    const links = [...this._links];
    for (const link of links) link.destroy(false);
    const server = this._server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all(links.map((l) => l.closed()));
  }
}

/**
 * Starts a fault proxy on 127.0.0.1 (own kernel-chosen port) forwarding to `target`,
 * in pass mode. Close it with `close()`.
 */
export async function startFaultProxy(opts: { target: ProxyTarget }): Promise<FaultProxy> {
  const proxy = new FaultProxyImpl(opts.target);
  await proxy.listen();
  return proxy;
}

/**
 * A fault proxy in front of `sshd`, whose known_hosts then trusts the server's host key at
 * the proxy's port too (the key is the server's whatever port the path goes through).
 */
export async function startFaultProxyFor(
  sshd: Sshd,
  target: ProxyTarget = { host: sshd.host, port: sshd.port },
): Promise<FaultProxy> {
  const proxy = await startFaultProxy({ target });
  await trustPort(sshd, proxy.port);
  return proxy;
}

/** Makes `sshd`'s known_hosts trust its host key at `port` on its host (a proxy's port). */
export async function trustPort(sshd: Sshd, port: number): Promise<void> {
  const key = sshd.knownHostsLine.split(' ').slice(1).join(' ');
  await appendFile(sshd.knownHostsFile, `[${sshd.host}]:${port} ${key}\n`);
}
