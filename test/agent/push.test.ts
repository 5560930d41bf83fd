// Proves protocol 5's resume sockets: a client that attached to a terminal session with
// version 5 gets a socket of its own (ID.HEX.sock, 0600) that answers a connection at
// once, with no HELLO or ATTACH sent: WELCOME, ATTACHED and the output after what that
// client said it showed, in one write. Input typed through it is applied once, a client
// of version 4 gets no socket, and the socket goes with its session.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { agentTestScope, AgentConn, enc, randomClientId, type AgentHome } from '../support/agent';
import { pollFor } from '../support/proc';

const scope = agentTestScope(afterEach);

const pushName = (id: string, clientId: Buffer) =>
  `${id}.${clientId.subarray(0, 8).toString('hex')}.sock`;

/** A shell loop that echoes each line it reads, after printing HF-READY. */
async function echoSession(h: AgentHome): Promise<string> {
  return h.newSession([
    '--',
    'sh',
    '-c',
    'stty -echo; echo HF-READY; while read -r l; do echo "got:$l"; done',
  ]);
}

/** An echo session a client attached to at `version` and left, once it saw HF-READY. */
async function leftAt(version: 4 | 5) {
  const h = scope.home();
  const id = await echoSession(h);
  const clientId = randomClientId();
  const a = await scope.socket(h, id);
  await a.attach({ version, clientId });
  await a.waitOutput('HF-READY', (s) => s.includes('HF-READY'));
  a.close();
  return { h, id, sock: path.join(h.sessionsDir, pushName(id, clientId)) };
}

describe('resume sockets (protocol 5)', () => {
  it('answer at once with the output after what the client showed, and take its input', async () => {
    const h = scope.home();
    const id = await echoSession(h);
    const clientId = randomClientId();
    const a = await scope.socket(h, id);
    await a.attach({ version: 5, clientId });
    const ready = await a.waitOutput('HF-READY', (s) => s.includes('HF-READY\r\n'));
    const shown = BigInt(Buffer.byteLength(ready, 'latin1'));
    a.send(enc.shown(shown), enc.input(1, 'one\n'));
    await a.waitOutput('got:one', (s) => s.includes('got:one'));
    a.close();

    const sock = path.join(h.sessionsDir, pushName(id, clientId));
    expect(existsSync(sock)).toBe(true);
    expect(statSync(sock).mode & 0o777).toBe(0o600);

    // Nothing is sent on this connection before the answer.
    const b = await AgentConn.socketAt(sock);
    const welcome = await b.next('welcome');
    expect(welcome.version).toBe(5);
    const attached = await b.next('attached');
    expect(attached.inputAcked).toBe(1n);
    const first = await b.next('output');
    expect(first.offset).toBe(shown); // from what it showed, not from 0
    const out = await b.waitOutput('got:one', (s) => s.includes('got:one'));
    expect(out).not.toContain('HF-READY');

    // Input through it goes on from the same id: applied once, a resent one dropped.
    b.send(enc.input(1, 'one\n'), enc.input(2, 'two\n'));
    await b.waitOutput('got:two', (s) => s.includes('got:two'));
    const c = await scope.socket(h, id);
    await c.attach({ version: 5 });
    const all = await c.waitOutput('got:two', (s) => s.includes('got:two'));
    expect(all.match(/got:one/g)).toHaveLength(1);
    b.close();
    c.close();

    // The socket goes with the session.
    expect((await h.run(['kill', '--wait', id])).code).toBe(0);
    await pollFor('the resume sockets to go', () => !existsSync(sock), 5_000);
    expect(readdirSync(h.sessionsDir).filter((f) => f.startsWith(`${id}.`))).toEqual([]);
  });

  it('is removed with the files of a master that died without cleaning up', async () => {
    const { h, id, sock } = await leftAt(5);
    expect(existsSync(sock)).toBe(true);
    const meta = h.meta(id);
    process.kill(Number(meta.pid), 'SIGKILL');
    process.kill(Number(meta.child), 'SIGKILL');
    await pollFor('the master to die', () => {
      try {
        process.kill(Number(meta.pid), 0);
        return false;
      } catch {
        return true;
      }
    });
    const ls = await h.run(['ls']);
    expect(ls.code).toBe(0);
    expect(readdirSync(h.sessionsDir).filter((f) => f.startsWith(`${id}.`))).toEqual([]);
  });

  it('is not made for a client of version 4', async () => {
    const { sock } = await leftAt(4);
    expect(existsSync(sock)).toBe(false);
  });
});
