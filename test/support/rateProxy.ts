/**
 * A TCP proxy on 127.0.0.1 whose server-to-client direction is a link of a given rate:
 * the bottleneck a real network puts between a flood on the server and the client, so
 * every buffer on the server's side of it fills (as on a shaped link, without netem).
 * Client-to-server bytes pass at once. Back-pressure: while the paced side is behind, the
 * upstream socket is paused, so the kernel's TCP window closes as on a slow path.
 */
import net from 'node:net';

export interface RateProxy {
  readonly port: number;
  close(): Promise<void>;
}

/** Largest piece handed to the client at once (bytes): a few TCP segments' worth. */
const PIECE = 16 * 1024;

export async function startRateProxy(opts: {
  target: { host: string; port: number };
  /** Server-to-client rate, bytes per millisecond (1000 = 1 MB/s). */
  bytesPerMs: number;
}): Promise<RateProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const up = net.connect({ ...opts.target, allowHalfOpen: true });
    sockets.add(client).add(up);
    client.pipe(up);
    const queue: Buffer[] = [];
    let queued = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let sentAt = performance.now();
    let credit = 0;
    let ended = false;
    const pump = () => {
      timer = undefined;
      const now = performance.now();
      credit = Math.min(credit + (now - sentAt) * opts.bytesPerMs, PIECE);
      sentAt = now;
      while (queue.length > 0 && credit > 0) {
        const head = queue[0]!;
        const n = Math.min(head.length, Math.floor(credit) || 1);
        client.write(head.subarray(0, n));
        credit -= n;
        queued -= n;
        if (n === head.length) queue.shift();
        else queue[0] = head.subarray(n);
      }
      if (queued < PIECE) up.resume();
      if (queue.length === 0 && ended) client.end();
      if (queue.length > 0) timer = setTimeout(pump, Math.max(1, -credit / opts.bytesPerMs));
    };
    up.on('data', (d: Buffer) => {
      queue.push(d);
      queued += d.length;
      if (queued >= PIECE) up.pause();
      if (!timer) pump();
    });
    up.on('end', () => {
      ended = true;
      if (!timer) pump();
    });
    const done = () => {
      if (timer) clearTimeout(timer);
      client.destroy();
      up.destroy();
      sockets.delete(client);
      sockets.delete(up);
    };
    client.on('error', done).on('close', done);
    up.on('error', done).on('close', () => {
      if (!ended) done();
    });
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
