// ssh2 writes each SSH packet to its socket on its own: a 64 KiB INPUT frame is two
// 32 KiB channel packets (the server's maximum) and so two write() calls, plus one per
// window adjust and acknowledgement. Corking the socket for the rest of the tick in which
// the first packet is written turns all of a tick's packets into one writev(): fewer
// syscalls and TCP segments, and no added latency (the uncork runs before any I/O wait).

import type net from 'node:net';

/** Makes every write to `sock` within one tick go out as one (see above). */
export function coalesceWrites(sock: net.Socket): void {
  const write = sock.write.bind(sock) as (...args: unknown[]) => boolean;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    sock.uncork();
  };
  sock.write = ((...args: unknown[]): boolean => {
    if (!corked && !sock.destroyed) {
      corked = true;
      sock.cork();
      process.nextTick(uncork);
    }
    return write(...args);
  }) as typeof sock.write;
}
