import { createHash } from 'node:crypto';
import net from 'node:net';
import type { Client, ClientChannel } from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetSocket, startFaultProxy, type FaultProxy } from '../support/faultProxy.js';
import { probePort } from '../support/ports.js';
import { delay, pollFor } from '../support/proc.js';
import { closeSsh2, connectSsh2, ssh2Channel, ssh2Exec } from '../support/ssh2Client.js';
import { startSshd, stopAllSshd, type Sshd } from '../support/sshd.js';

/** A remote command that prints 0, 1, 2, ... one line every 50 ms, forever. */
const COUNTER = 'i=0; while :; do echo $i; i=$((i+1)); sleep 0.05; done';

/** The numbers a COUNTER stream has delivered so far (complete lines only). */
function countedLines(chunks: Buffer[]): number[] {
  const text = Buffer.concat(chunks).toString();
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((l) => l !== '')
    .map(Number);
}

/** Starts COUNTER on `client` and collects its output. */
async function startCounter(client: Client): Promise<{ channel: ClientChannel; chunks: Buffer[] }> {
  const channel = await ssh2Channel(client, COUNTER);
  const chunks: Buffer[] = [];
  channel.on('data', (b: Buffer) => chunks.push(b));
  return { channel, chunks };
}

/** Resolves with how long it took `client` to report an error and close. */
function timeToDeath(
  client: Client,
  since: number,
): Promise<{ ms: number; error: Error | undefined }> {
  return new Promise((resolve) => {
    let error: Error | undefined;
    client.on('error', (err) => {
      error = err;
    });
    client.once('close', () => resolve({ ms: Date.now() - since, error }));
  });
}

afterAll(stopAllSshd);

describe('fault proxy in front of a real sshd', () => {
  let sshd: Sshd;
  let proxy: FaultProxy;
  const clients: Client[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) closeSsh2(c);
    await proxy.close();
  });

  /** A fresh proxy to sshd and an ssh2 client through it. */
  async function connectThroughProxy(keepalive = {}): Promise<Client> {
    proxy = await startFaultProxy({ target: { host: sshd.host, port: sshd.port } });
    const client = await connectSsh2(
      sshd.connectConfig({ host: proxy.host, port: proxy.port, ...keepalive }),
    );
    clients.push(client);
    return client;
  }

  it('forwards a command and brings back its output and exit code', async () => {
    // Proves: in pass mode the proxy is transparent for a whole SSH session.
    const client = await connectThroughProxy();
    const result = await ssh2Exec(client, 'echo through-proxy; echo oops >&2; exit 7');
    expect(result.stdout.toString()).toBe('through-proxy\n');
    expect(result.stderr.toString()).toBe('oops\n');
    expect(result.code).toBe(7);
    expect(proxy.connections).toBe(1);
    expect(proxy.bytesToTarget).toBeGreaterThan(0);
    expect(proxy.bytesToClient).toBeGreaterThan(0);
  });

  it('reset kills the connection at once: the ssh2 client errors and closes', async () => {
    // Proves: reset() is an RST the client sees immediately, not a timeout.
    const client = await connectThroughProxy();
    const died = timeToDeath(client, Date.now());
    await proxy.reset();
    const { ms, error } = await died;
    expect(ms).toBeLessThan(1000);
    expect(error?.message).toMatch(/ECONNRESET/);
    expect(proxy.connections).toBe(0);
  });

  it('black hole stalls the output until keepalives give up, within seconds', async () => {
    // Proves: blackhole() passes nothing and closes nothing: only the client's own
    // keepalives (500 ms x 2) can find out the link is dead.
    const client = await connectThroughProxy({ keepaliveInterval: 500, keepaliveCountMax: 2 });
    const { chunks } = await startCounter(client);
    await pollFor('counter output', () => countedLines(chunks).length >= 3);

    const since = Date.now();
    const died = timeToDeath(client, since);
    proxy.blackhole();
    await delay(200); // what was already in flight lands
    const stalledAt = Buffer.concat(chunks).length;
    const { ms, error } = await died;

    expect(Buffer.concat(chunks).length).toBe(stalledAt);
    expect(error?.message).toMatch(/keepalive/i);
    expect(ms).toBeGreaterThan(900);
    expect(ms).toBeLessThan(5000);
  });

  it('healing before keepalives give up lets the same session continue without a gap', async () => {
    // Proves: pass() after blackhole() resumes held connections with nothing lost or
    // repeated, and nobody was told about the outage.
    const client = await connectThroughProxy({ keepaliveInterval: 1000, keepaliveCountMax: 5 });
    let failed = false;
    client.on('error', () => {
      failed = true;
    });
    const { chunks } = await startCounter(client);
    await pollFor('counter output', () => countedLines(chunks).length >= 3);

    proxy.blackhole();
    await delay(200);
    const before = countedLines(chunks).length;
    await delay(600);
    expect(countedLines(chunks).length).toBe(before);

    proxy.pass();
    await pollFor('output to resume', () => countedLines(chunks).length >= before + 10);
    const lines = countedLines(chunks);
    expect(lines).toEqual(lines.map((_, i) => i));
    expect(failed).toBe(false);
    expect(proxy.connections).toBe(1);
  });

  it('move accepts new connections on the new port, refuses on the old, and strands the old ones', async () => {
    // Proves: move() behaves like a new address: old port refused, old connections silent.
    const oldClient = await connectThroughProxy();
    const { chunks } = await startCounter(oldClient);
    await pollFor('counter output', () => countedLines(chunks).length >= 2);
    const oldPort = proxy.port;

    const newPort = await proxy.move();

    expect(newPort).not.toBe(oldPort);
    expect(proxy.port).toBe(newPort);
    expect(await probePort('127.0.0.1', oldPort)).toBe('refused');
    const newClient = await connectSsh2(sshd.connectConfig({ host: proxy.host, port: newPort }));
    clients.push(newClient);
    expect((await ssh2Exec(newClient, 'echo moved')).stdout.toString()).toBe('moved\n');

    await delay(200);
    const stranded = Buffer.concat(chunks).length;
    proxy.pass(); // an old address does not come back
    await delay(300);
    expect(Buffer.concat(chunks).length).toBe(stranded);
  });

  it('forwards 20 MB byte-exact and delivers the end of the stream after the last byte', async () => {
    // Proves: back-pressure loses nothing on a large transfer, and the close (exit status,
    // EOF) never overtakes data.
    const client = await connectThroughProxy();
    const size = 20 * 1024 * 1024;
    const cmd = `f=$(mktemp); head -c ${size} /dev/urandom > "$f"; sha256sum < "$f" >&2; cat "$f"; rm "$f"`;
    let code: number | null = null;
    const channel = await ssh2Channel(client, cmd, (ch) =>
      ch.on('exit', (c: number | null) => {
        code = c;
      }),
    );
    const hash = createHash('sha256');
    let received = 0;
    let receivedAtEof = -1;
    let stderr = '';
    channel.on('data', (b: Buffer) => {
      received += b.length;
      hash.update(b);
    });
    channel.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    channel.on('end', () => {
      receivedAtEof = received;
    });
    await new Promise((resolve) => channel.once('close', resolve));

    expect(receivedAtEof).toBe(size);
    expect(received).toBe(size);
    expect(code).toBe(0);
    expect(hash.digest('hex')).toBe(stderr.split(' ')[0]);
    expect(proxy.bytesToClient).toBeGreaterThan(size);
  });
});

describe('fault proxy with a raw TCP server', () => {
  let server: net.Server;
  let proxy: FaultProxy;
  /** What the server received on each connection, and whether it saw the client's FIN. */
  let received: { bytes: number; ended: boolean; socket: net.Socket }[];

  beforeAll(async () => {
    server = net.createServer({ allowHalfOpen: true }, (socket) => {
      const entry = { bytes: 0, ended: false, socket };
      received.push(entry);
      socket.on('data', (b: Buffer) => {
        entry.bytes += b.length;
      });
      socket.on('end', () => {
        entry.ended = true;
        // Half-close: answer after the client's FIN, then close our side.
        socket.end(`got ${entry.bytes}`);
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  afterEach(async () => {
    await proxy.close();
  });

  async function dial(): Promise<{ socket: net.Socket; reply: Promise<string> }> {
    received = [];
    const address = server.address() as net.AddressInfo;
    proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: address.port } });
    const socket = net.connect({ host: proxy.host, port: proxy.port, allowHalfOpen: true });
    socket.on('error', () => undefined);
    const reply = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (b: Buffer) => {
        text += b.toString();
      });
      socket.on('end', () => resolve(text));
    });
    await new Promise((resolve) => socket.once('connect', resolve));
    return { socket, reply };
  }

  it('passes a half-close only after every byte before it, and the reply after it', async () => {
    // Proves: FIN ordering and half-open connections survive the proxy in pass mode.
    const { socket, reply } = await dial();
    const payload = Buffer.alloc(5 * 1024 * 1024, 7);
    socket.end(payload);
    expect(await reply).toBe(`got ${payload.length}`);
    expect(received[0]?.ended).toBe(true);
  });

  it('black hole passes neither data nor FIN, and heal delivers both, in order', async () => {
    // Proves: "nothing passes" includes the close; a heal releases what was held.
    const { socket, reply } = await dial();
    await pollFor('the upstream connection', () => received.length === 1);
    proxy.blackhole();
    socket.end('held bytes');
    await delay(300);
    expect(received[0]).toMatchObject({ bytes: 0, ended: false });
    expect(socket.destroyed).toBe(false);

    proxy.pass();
    expect(await reply).toBe('got 10');
  });

  it('black hole holds a new connection undialled until heal', async () => {
    // Proves: a dial during the outage reaches nobody, then completes on heal.
    received = [];
    const address = server.address() as net.AddressInfo;
    proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: address.port } });
    proxy.blackhole();
    const socket = net.connect({ host: proxy.host, port: proxy.port });
    socket.on('error', () => undefined);
    socket.write('early');
    await delay(300);
    expect(received).toHaveLength(0);
    expect(proxy.connections).toBe(1);

    proxy.pass();
    await pollFor('the held bytes to arrive', () => received[0]?.bytes === 5);
    socket.destroy();
  });

  it("a heal with held: 'reset' resets the connections made during the outage, not the older one", async () => {
    // Proves: the "middlebox lost their state" heal: held connections get an RST and
    // never reach the server; a connection from before the outage carries on.
    const { socket: old, reply } = await dial();
    await pollFor('the upstream connection', () => received.length === 1);
    proxy.blackhole();
    const held = net.connect({ host: proxy.host, port: proxy.port });
    const heldError = new Promise<string | undefined>((resolve) =>
      held.once('error', (err: NodeJS.ErrnoException) => resolve(err.code)),
    );
    await new Promise((resolve) => held.once('connect', resolve));
    held.write('never forwarded');
    await pollFor('the held connection', () => proxy.connections === 2);
    proxy.pass({ held: 'reset' });
    expect(await heldError).toBe('ECONNRESET');
    old.end('after');
    expect(await reply).toBe('got 5');
    expect(received).toHaveLength(1);
  });

  it("a heal with held: 'keep' leaves the outage's connections parked, and serves new ones", async () => {
    // Proves: the middlebox that holds connections for good: nothing reaches the server
    // on them, while a connection made after the heal is served.
    received = [];
    const address = server.address() as net.AddressInfo;
    proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: address.port } });
    proxy.blackhole();
    const parked = net.connect({ host: proxy.host, port: proxy.port });
    parked.on('error', () => undefined);
    parked.write('parked');
    await pollFor('the held connection', () => proxy.connections === 1);
    proxy.pass({ held: 'keep' });
    const fresh = net.connect({ host: proxy.host, port: proxy.port });
    fresh.on('error', () => undefined);
    fresh.write('fresh');
    await pollFor('the fresh bytes to arrive', () => received[0]?.bytes === 5);
    await delay(300);
    expect(received).toHaveLength(1);
    expect(parked.destroyed).toBe(false);
    parked.destroy();
    fresh.destroy();
  });

  it('reset sends an RST to both the client and the server', async () => {
    // Proves: reset() resets both sides, so the server side sees the loss too.
    const { socket } = await dial();
    await pollFor('the upstream connection', () => received.length === 1);
    const clientError = new Promise<string | undefined>((resolve) =>
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code)),
    );
    const serverError = new Promise<string | undefined>((resolve) =>
      received[0]?.socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code)),
    );
    await proxy.reset();
    expect(await clientError).toBe('ECONNRESET');
    expect(await serverError).toBe('ECONNRESET');
  });
});

describe('resetting a socket', () => {
  it('closes one whose FIN is still on its way, where an RST is refused', async () => {
    // Proves: a reset right after end() (the shutdown queued, not done) still closes the
    // socket; libuv refuses the RST then, and Node never closed it: no 'close', and the
    // process spun at 100 % CPU at exit.
    const accepted: net.Socket[] = [];
    const server = net.createServer({ allowHalfOpen: true }, (s) => accepted.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    await new Promise((r) => socket.once('connect', r));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.end();
    await new Promise<void>((r) => process.nextTick(() => process.nextTick(r))); // shutdown queued
    expect(socket.writableFinished).toBe(false);
    resetSocket(socket);
    await Promise.race([closed, delay(2000).then(() => Promise.reject(new Error('never closed')))]);
    for (const s of accepted) s.destroy();
    await new Promise((r) => server.close(r));
  });
});
