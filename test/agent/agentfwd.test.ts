// Proves the master's side of agent forwarding (PROTOCOL.md "Agent forwarding") against a
// real master: a session started with --forward-agent owns a socket in a 0700 directory
// and names it in SSH_AUTH_SOCK; a program's request goes, whole, to the client that said
// AGENT_READY and its answer comes back; an unanswered request is sent again to the next
// client that says AGENT_READY; nobody else is ever asked; AGENT_READY does not exist
// before version 4; an oversized message closes only that program's connection; the
// socket and its directory go when the session ends.
import { chmodSync, existsSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentConn, enc, ERR, makeHome, type AgentHome, type Reply } from '../support/agent';
import { delay, pollFor, run } from '../support/proc';

let homes: AgentHome[] = [];
let conns: AgentConn[] = [];
let programs: net.Socket[] = [];
afterEach(async () => {
  for (const c of conns) c.close();
  for (const p of programs) p.destroy();
  conns = [];
  programs = [];
  await Promise.all(homes.map((h) => h.cleanup()));
  homes = [];
});

/** A session with forwarding on; its agent socket's path. */
async function forwardingSession(command = ['sleep', '60']) {
  const h = makeHome();
  homes.push(h);
  const id = await h.newSession(['--forward-agent', '--', ...command]);
  return { h, id, sock: path.join(h.sessionsDir, `${id}.agent`, 'sock') };
}

async function client(h: AgentHome, id: string, ready: boolean): Promise<AgentConn> {
  const c = await AgentConn.socket(h, id);
  conns.push(c);
  await c.attach({ version: 4 });
  if (ready) c.send(enc.agentReady());
  return c;
}

/** A program in the session talking to the agent socket, one message at a time. */
async function program(sock: string) {
  const s = net.createConnection(sock);
  programs.push(s);
  await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
  let got = Buffer.alloc(0);
  s.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
  s.on('error', () => undefined);
  return {
    socket: s,
    ask: (body: Buffer) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(body.length);
      s.write(Buffer.concat([len, body]));
    },
    received: () => got,
  };
}

const LIST = Buffer.of(11); // SSH_AGENTC_REQUEST_IDENTITIES
const NO_KEYS = Buffer.of(12, 0, 0, 0, 0); // SSH_AGENT_IDENTITIES_ANSWER, none
const framed = (b: Buffer) => Buffer.concat([Buffer.of(0, 0, 0, b.length), b]);

/** `c` answers `requestId` with NO_KEYS; resolves once program `p` has exactly that. */
async function answer(
  c: AgentConn,
  requestId: number,
  p: { received: () => Buffer },
): Promise<void> {
  c.send(enc.agentReply(requestId, NO_KEYS));
  await pollFor('the answer', () => p.received().length >= framed(NO_KEYS).length, 5_000);
  expect(p.received()).toEqual(framed(NO_KEYS));
}

function request(c: AgentConn): Promise<Extract<Reply, { type: 'agent-request' }>> {
  return c.next('agent-request') as Promise<Extract<Reply, { type: 'agent-request' }>>;
}

describe('agent forwarding in the master', () => {
  it('gives the session SSH_AUTH_SOCK: its own socket in a 0700 directory', async () => {
    const { h, id, sock } = await forwardingSession([
      'sh',
      '-c',
      'echo "[$SSH_AUTH_SOCK]"; sleep 60',
    ]);
    const c = await client(h, id, false);
    await c.waitOutput('SSH_AUTH_SOCK', (o) => o.includes(`[${sock}]`));
    expect(statSync(path.dirname(sock)).mode & 0o777).toBe(0o700);
    expect(statSync(sock).mode & 0o777).toBe(0o600);
  });

  it('relays a request to the client that said AGENT_READY, and its answer back', async () => {
    const { h, id, sock } = await forwardingSession();
    const silent = await client(h, id, false);
    const ready = await client(h, id, true);
    const p = await program(sock);
    p.ask(LIST);
    const r = await request(ready);
    expect(r.data).toEqual(LIST);
    await answer(ready, r.requestId, p);
    expect(silent.received.some((x) => x.type === 'agent-request')).toBe(false);
  });

  it('sends an unanswered request again to the next client that says AGENT_READY', async () => {
    const { h, id, sock } = await forwardingSession();
    const first = await client(h, id, true);
    const p = await program(sock);
    p.ask(LIST);
    const lost = await request(first); // its link went half-open: no answer comes
    const second = await client(h, id, true);
    const again = await request(second);
    expect(again.requestId).toBe(lost.requestId);
    await answer(second, again.requestId, p);
    first.send(enc.agentReply(lost.requestId, Buffer.of(5))); // late: dropped by id
    await delay(300);
    expect(p.received()).toEqual(framed(NO_KEYS));
  });

  it('hands the requests of a carrier that closed to the client that said AGENT_READY before', async () => {
    const { h, id, sock } = await forwardingSession();
    const older = await client(h, id, true);
    const newer = await client(h, id, true);
    const p = await program(sock);
    p.ask(LIST);
    await request(newer);
    newer.close();
    const r = await request(older);
    await answer(older, r.requestId, p);
  });

  it('refuses AGENT_READY on a version 3 link', async () => {
    const { h, id } = await forwardingSession();
    const c = await AgentConn.socket(h, id);
    conns.push(c);
    await c.attach({ version: 3 });
    c.send(enc.agentReady());
    const e = await c.next('error');
    expect(e.code).toBe(ERR.PROTOCOL);
    expect(e.message).toMatch(/does not exist in protocol version 3/);
  });

  it('closes a program that sends an oversized message; the session and other programs go on', async () => {
    const { h, id, sock } = await forwardingSession();
    const ready = await client(h, id, true);
    const bad = await program(sock);
    bad.socket.write(Buffer.of(0x00, 0x01, 0x00, 0x01)); // 65 537 bytes announced
    await new Promise<void>((resolve) => bad.socket.once('close', () => resolve()));
    const good = await program(sock);
    good.ask(LIST);
    const r = await request(ready);
    await answer(ready, r.requestId, good);
  });

  it.skipIf(process.getuid?.() !== 0)(
    'turns away another account even where the directory was opened up to it',
    async () => {
      const { h, id, sock } = await forwardingSession();
      const ready = await client(h, id, true);
      // Only root can run as someone else here; the mode is loosened on purpose.
      for (const dir of [path.dirname(sock), h.sessionsDir, h.hfDir, path.dirname(h.hfDir)])
        chmodSync(dir, 0o711);
      chmodSync(sock, 0o666);
      const other = await run(
        'setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', 'ssh-add', '-l'],
        { env: { SSH_AUTH_SOCK: sock }, timeoutMs: 10_000 },
      );
      // The master hangs up at once: ssh-add says so, or dies of SIGPIPE writing its request.
      expect(other.code).not.toBe(0);
      expect(`${other.stderr}${other.signal ?? ''}`).toMatch(
        /communication with agent failed|SIGPIPE/,
      );
      await delay(300);
      expect(ready.received.some((x) => x.type === 'agent-request')).toBe(false);
      const mine = await program(sock); // the account itself still gets through
      mine.ask(LIST);
      const r = await request(ready);
      await answer(ready, r.requestId, mine);
    },
  );

  it('has no socket without --forward-agent, and removes it when the session ends', async () => {
    const h = makeHome();
    homes.push(h);
    const plain = await h.newSession(['--', 'sleep', '60']);
    expect(existsSync(path.join(h.sessionsDir, `${plain}.agent`))).toBe(false);
    // A client that offers to forward there is told nothing will ask (AGENT_NONE).
    const offered = await client(h, plain, true);
    await offered.next('agent-none');
    const { h: h2, id, sock } = await forwardingSession();
    expect(existsSync(sock)).toBe(true);
    const killed = await h2.run(['kill', id, '--wait']);
    expect(killed.code, killed.stderr).toBe(0);
    await pollFor('the session to end', () => !existsSync(h2.socketPath(id)), 10_000);
    expect(existsSync(path.dirname(sock))).toBe(false);
  });
});
