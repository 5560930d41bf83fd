// Proves `holdfast-agent nc HOST PORT`, the server end of a forwarded connection: it
// reaches a TCP service by IPv4, IPv6 and name, relays binary bytes both ways unchanged,
// passes the end of stdin on as a half-close (the service still answers after it), passes
// the service's end on as stdout's and says so on stderr with the byte count, and says by
// its exit status why a connection could not be made.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

import { agentBin, ensureAgentBuilt } from '../support/agent';
import { pollFor, run } from '../support/proc';

let servers: net.Server[] = [];
const sockets = new Set<net.Socket>();
afterEach(async () => {
  for (const c of sockets) c.destroy();
  sockets.clear();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  servers = [];
});

function track(s: net.Server): net.Server {
  servers.push(s);
  s.on('connection', (c: net.Socket) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
  });
  return s;
}

/** A TCP service on `host` that answers `reply(all it received)` once the client ends. */
async function service(host: string, reply: (got: Buffer) => Buffer): Promise<number> {
  const s = net.createServer((c) => {
    const parts: Buffer[] = [];
    c.on('data', (d: Buffer) => parts.push(d));
    c.on('end', () => c.end(reply(Buffer.concat(parts))));
    c.on('error', () => {});
  });
  track(s);
  await new Promise<void>((r) => s.listen(0, host, r));
  return (s.address() as net.AddressInfo).port;
}

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Runs nc with `input` on stdin; resolves with exit code and stdout bytes. */
function nc(
  args: string[],
  input: Buffer,
): Promise<{ code: number | null; out: Buffer; err: string }> {
  ensureAgentBuilt();
  return new Promise((resolve) => {
    const p = spawn(agentBin(), ['nc', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => resolve({ code, out: Buffer.concat(out), err }));
    // nc may fail (and exit) before it reads its input
    p.stdin.on('error', () => {});
    p.stdin.end(input);
  });
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('holdfast-agent nc', () => {
  it('relays 4 MB of random bytes to a service and its answer back, after a half-close', async () => {
    // The service answers only once it saw the end of our stream: without the half-close
    // on stdin EOF it would wait forever; without the relay back nothing would come out.
    const port = await service('127.0.0.1', (got) =>
      Buffer.concat([Buffer.from(sha(got)), got.subarray(0, 1000)]),
    );
    const data = randomBytes(4 * 1024 * 1024);
    const r = await nc(['127.0.0.1', String(port)], data);
    expect(r.code, r.err).toBe(0);
    expect(r.out.subarray(0, 64).toString()).toBe(sha(data));
    expect(r.out.subarray(64).equals(data.subarray(0, 1000))).toBe(true);
  });

  it('reaches a service by an IPv6 address and by name', async () => {
    const port6 = await service('::1', (got) => Buffer.concat([Buffer.from('v6:'), got]));
    const r6 = await nc(['::1', String(port6)], Buffer.from('hi'));
    expect(r6.code, r6.err).toBe(0);
    expect(r6.out.toString()).toBe('v6:hi');
    const port4 = await service('127.0.0.1', (got) => Buffer.concat([Buffer.from('n:'), got]));
    const rn = await nc(['localhost', String(port4)], Buffer.from('yo'));
    expect(rn.code, rn.err).toBe(0);
    expect(rn.out.toString()).toBe('n:yo');
  });

  it('exits 4 with one line naming host and port when nothing listens', async () => {
    const port = await closedPort();
    const r = await nc(['127.0.0.1', String(port)], Buffer.alloc(0));
    expect(r.code).toBe(4);
    expect(r.err).toBe(
      `holdfast-agent: nc: cannot connect to 127.0.0.1 port ${port}: Connection refused; is anything listening there?\n`,
    );
    expect(r.out.length).toBe(0);
  });

  it('exits 3 for a name that does not resolve, 1 for a bad port or missing arguments', async () => {
    const bad = await nc(['no-such-host.invalid', '80'], Buffer.alloc(0));
    expect(bad.code).toBe(3);
    expect(bad.err).toMatch(
      /^holdfast-agent: nc: cannot resolve 'no-such-host\.invalid': .+; check the host name\n$/,
    );
    for (const args of [['127.0.0.1', '0'], ['127.0.0.1', '70000'], ['127.0.0.1', 'http'], ['x']]) {
      const r = await run(agentBin(), ['nc', ...args], { timeoutMs: 10_000 });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^holdfast-agent: nc.*; .+\n$/);
    }
  });

  it('passes the service closing first on as the end of stdout while stdin stays open', async () => {
    // A service that greets and hangs up (an SMTP refusal, a banner): the client sees the
    // greeting and the end at once, without having to close its own side first.
    const s = net.createServer((c) => c.end('bye\n'));
    track(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    ensureAgentBuilt();
    const p = spawn(agentBin(), ['nc', '127.0.0.1', String(port)], { stdio: 'pipe' });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const got = await new Promise<string>((resolve) => {
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.stdout.on('end', () => resolve(out));
    });
    expect(got).toBe('bye\n');
    // said on stderr with stdout's length, for a session's client (which learns of
    // stdout's end only with the exit) to pass the end on at the right byte
    await pollFor('the end said on stderr', () => err.length > 0, 5000);
    expect(err).toBe('holdfast-agent: end of output at 4\n');
    p.stdin.end();
    const code = await new Promise<number | null>((r) => p.on('close', r));
    expect(code).toBe(0);
  });
});
