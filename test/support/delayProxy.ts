/**
 * A TCP relay on 127.0.0.1 that puts a link's latency between a client and a server, for
 * counting round trips on loopback (this kernel has no sch_netem):
 *
 *   client ──► delay proxy (127.0.0.1:port) ──► target (sshd)
 *
 * Each chunk read on one side is written to the other `rttMs / 2` after it was read, in
 * order. A connection costs one round trip before the client's first byte can leave (the
 * SYN, SYN-ACK exchange): the upstream is dialled 1.5 RTT after the client connected, as
 * the server accepts when the client's ACK reaches it, so the server's banner reaches the
 * client at 2 RTT, as on a real path. Optionally the link has a rate (both ways): a chunk
 * leaves once the ones before it have, at that rate, then flies for RTT/2.
 *
 * What it does not emulate: loss, reordering, TCP's slow start and congestion window
 * (loopback's window opens at once), or Nagle/delayed-ACK interplay. It is faithful for
 * what it is for: how many round trips a protocol exchange waits on.
 */
import net from 'node:net';
import { trustPort, type ProxyTarget } from './faultProxy';
import type { Sshd } from './sshd';

export interface DelayProxy {
  readonly port: number;
  close(): Promise<void>;
}

/** Bytes waiting in one direction beyond which the sender is paused (back-pressure). */
const MAX_QUEUED = 4 * 1024 * 1024;

/** One direction of a link: chunks with the time each is due at the far side. */
class Lane {
  private readonly _queue: { due: number; data: Buffer }[] = [];
  private _queued = 0;
  private _timer: ReturnType<typeof setTimeout> | undefined;
  /** When the link finished putting the last chunk on the wire (rate-limited lanes). */
  private _busyUntil = 0;
  private _ended = false;
  /** The far side may be written (set once the upstream is connected). */
  open = false;

  constructor(
    private readonly _from: net.Socket,
    private readonly _to: net.Socket,
    private readonly _oneWayMs: number,
    private readonly _bytesPerMs: number | undefined,
  ) {
    _from.on('data', (data: Buffer) => this._push(data));
    _from.on('end', () => {
      this._ended = true;
      this.pump();
    });
  }

  private _push(data: Buffer): void {
    const now = performance.now();
    let leaves = now;
    if (this._bytesPerMs) {
      leaves = Math.max(now, this._busyUntil) + data.length / this._bytesPerMs;
      this._busyUntil = leaves;
    }
    this._queue.push({ due: leaves + this._oneWayMs, data });
    this._queued += data.length;
    if (this._queued > MAX_QUEUED) this._from.pause();
    this.pump();
  }

  /** Writes every chunk that is due, and waits for the next one. */
  pump(): void {
    if (this._timer || !this.open) return;
    const now = performance.now();
    while (this._queue.length > 0 && this._queue[0]!.due <= now) {
      const { data } = this._queue.shift()!;
      this._queued -= data.length;
      if (!this._to.destroyed) this._to.write(data);
    }
    if (this._queued <= MAX_QUEUED) this._from.resume();
    if (this._queue.length > 0) {
      this._timer = setTimeout(() => {
        this._timer = undefined;
        this.pump();
      }, this._queue[0]!.due - now);
    } else if (this._ended && !this._to.destroyed) {
      this._to.end();
    }
  }

  stop(): void {
    if (this._timer) clearTimeout(this._timer);
    this._timer = undefined;
  }
}

export async function startDelayProxy(opts: {
  target: ProxyTarget;
  /** Round-trip time the link adds (ms): each direction gets half. */
  rttMs: number;
  /** The link's rate both ways, bytes per ms (1000 = 1 MB/s); none: unlimited. */
  bytesPerMs?: number;
}): Promise<DelayProxy> {
  const sockets = new Set<net.Socket>();
  const oneWay = opts.rttMs / 2;
  // A link does not hold small segments back (Nagle's algorithm is the endpoints' own):
  // both sides of the relay send at once.
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const up = new net.Socket({ allowHalfOpen: true });
    up.setNoDelay(true);
    sockets.add(client).add(up);
    const toTarget = new Lane(client, up, oneWay, opts.bytesPerMs);
    const toClient = new Lane(up, client, oneWay, opts.bytesPerMs);
    const dial = setTimeout(() => {
      up.connect(opts.target, () => {
        toTarget.open = true;
        toTarget.pump();
      });
    }, 3 * oneWay);
    toClient.open = true;
    const done = () => {
      clearTimeout(dial);
      toTarget.stop();
      toClient.stop();
      client.destroy();
      up.destroy();
      sockets.delete(client);
      sockets.delete(up);
    };
    client.on('error', done).on('close', done);
    up.on('error', done).on('close', done);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A delay proxy in front of `sshd`, whose known_hosts then trusts the proxy's port too. */
export async function startDelayProxyFor(
  sshd: Sshd,
  opts: { rttMs: number; bytesPerMs?: number },
): Promise<DelayProxy> {
  const proxy = await startDelayProxy({ target: { host: sshd.host, port: sshd.port }, ...opts });
  await trustPort(sshd, proxy.port);
  return proxy;
}
