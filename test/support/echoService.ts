/**
 * TCP services on 127.0.0.1 for a forward to reach on the server's side (the bed's sshd
 * runs on this machine). `close()` ends their connections and stops listening.
 */
import net from 'node:net';

export type LocalService = { port: number; close(): void };

/** A service that runs `serve` on each connection (its errors are ignored). */
export async function startTcpService(serve: (c: net.Socket) => void): Promise<LocalService> {
  const sockets = new Set<net.Socket>();
  const s = net.createServer((c) => {
    sockets.add(c);
    c.on('error', () => {});
    serve(c);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return {
    port: (s.address() as net.AddressInfo).port,
    close: () => {
      for (const c of sockets) c.destroy();
      s.close();
    },
  };
}

/** An echo: every byte back on the same connection. */
export function startEchoService(): Promise<LocalService> {
  return startTcpService((c) => c.pipe(c));
}
