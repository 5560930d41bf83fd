/**
 * Free TCP ports and reachability probes for the test bed.
 *
 * Test files run in parallel, so a port is only ever "probably free" between the probe and
 * the bind. Callers that hand the port to another process (sshd) must retry on a bind
 * failure; callers that listen themselves should listen on port 0 instead.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';

/** Lowest port we hand out: below it live well-known and registered services. */
const MIN_PORT = 10_000;

/** Attempts before giving up on finding a free port (each attempt is one bind). */
const MAX_ATTEMPTS = 50;

/** The kernel's ephemeral range; ports outside it never collide with outgoing connections. */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low !== undefined && high !== undefined && low > 0 && high >= low) return [low, high];
  } catch {
    // Not Linux: fall through to the usual default.
  }
  return [32_768, 60_999];
}

/** Binds `port` on `host` and releases it at once; resolves whether the bind worked. */
function tryBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/**
 * A TCP port on `host` that was free a moment ago.
 *
 * Picked at random below the kernel's ephemeral range, so neither outgoing connections nor
 * other `listen(0)` sockets take it meanwhile, and parallel test files rarely pick the same.
 * Falls back to a kernel-chosen port when that range is too small.
 */
export async function getFreePort(host = '127.0.0.1'): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const span = ephemeralLow - MIN_PORT;
  for (let attempt = 0; span > 1000 && attempt < MAX_ATTEMPTS; attempt++) {
    const port = MIN_PORT + Math.floor(Math.random() * span);
    if (await tryBind(host, port)) return port;
  }
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error(`could not read a free port on ${host}`));
      });
    });
  });
}

/** What a TCP connect attempt found. */
export type ProbeResult = 'open' | 'refused' | 'timeout' | 'error';

/**
 * Tries one TCP connect to `host:port` and closes it at once.
 * `'refused'` means nothing listens there (RST to the SYN); `'timeout'` means no answer.
 */
export function probePort(host: string, port: number, timeoutMs = 2000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: ProbeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    socket.once('connect', () => done('open'));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done(err.code === 'ECONNREFUSED' ? 'refused' : 'error'),
    );
  });
}

/** Whether `port` on `host` can be bound right now (nobody listens or holds it). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return tryBind(host, port);
}
