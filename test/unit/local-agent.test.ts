// Proves the local end of agent forwarding asks the agent on this machine one request and
// hands back its whole answer, and that every way it can fail ends in a reason (the tab
// then answers SSH_AGENT_FAILURE), never in a hang: no agent, a socket nobody listens on,
// an agent that hangs up, an answer larger than the relay carries, no answer in time.
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askLocalAgent } from '../../main/engine/localAgent';
import { startSshAgent, type SshAgent } from '../support/sshAgent';
import { sshKeygen } from '../support/sshd';

let dir: string;
let agent: SshAgent;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hft-localagent-'));
  await sshKeygen(path.join(dir, 'k'), 'ed25519', '', 'local-agent-test');
  agent = await startSshAgent(dir, [{ file: path.join(dir, 'k') }]);
});

afterAll(async () => {
  agent?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A fake agent that answers every connection with `reply` (raw bytes), or never. */
async function fakeAgent(reply: Buffer | undefined): Promise<{ sock: string; close(): void }> {
  const sock = path.join(dir, `fake-${Math.random().toString(16).slice(2)}.sock`);
  const server = net.createServer((c) => {
    c.on('error', () => undefined);
    c.once('data', () => (reply === undefined ? undefined : c.end(reply)));
  });
  await new Promise<void>((r) => server.listen(sock, r));
  return { sock, close: () => server.close() };
}

describe('asking the local agent', () => {
  it('returns the whole answer of a real ssh-agent', async () => {
    const r = await askLocalAgent(agent.sock, Buffer.of(11)); // REQUEST_IDENTITIES
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.reply[0]).toBe(12); // IDENTITIES_ANSWER
    expect(r.reply.readUInt32BE(1)).toBe(1);
    expect(r.reply.toString('latin1')).toContain('local-agent-test');
  });

  it('says so when there is no local agent', async () => {
    const r = await askLocalAgent(undefined, Buffer.of(11));
    expect(r).toMatchObject({ ok: false, reason: /SSH_AUTH_SOCK is not set/ });
  });

  it('says so when nobody listens on the socket', async () => {
    const r = await askLocalAgent(path.join(dir, 'nobody.sock'), Buffer.of(11));
    expect(r).toMatchObject({ ok: false, reason: /cannot reach the local agent/ });
  });

  it('says so when the agent hangs up without an answer', async () => {
    const fake = await fakeAgent(Buffer.alloc(0));
    const r = await askLocalAgent(fake.sock, Buffer.of(11));
    fake.close();
    expect(r).toMatchObject({ ok: false, reason: /closed the connection without an answer/ });
  });

  it('refuses an answer larger than the relay carries', async () => {
    const fake = await fakeAgent(Buffer.of(0, 1, 0, 1, 12));
    const r = await askLocalAgent(fake.sock, Buffer.of(11));
    fake.close();
    expect(r).toMatchObject({ ok: false, reason: /65537-byte message/ });
  });

  it('gives up on an agent that never answers', async () => {
    const fake = await fakeAgent(undefined);
    const r = await askLocalAgent(fake.sock, Buffer.of(11), 200);
    fake.close();
    expect(r).toMatchObject({ ok: false, reason: /did not answer within 0.2 s/ });
  });
});
