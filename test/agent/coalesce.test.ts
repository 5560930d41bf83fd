// Proves the master answers an attach in one write: WELCOME, ATTACHED and the first OUTPUT
// leave in a single writev on the client's socket. A reader that wakes between two writes
// (sshd, relaying the session's socket) sends each in an SSH packet of its own; sshd leaves
// Nagle on for a channel that runs no command (a reconnect's), so on a real link the second
// packet waits a round trip for the first one's ACK before the output shows. The master's
// syscalls are read with strace, the one way to see write boundaries on a stream socket.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { agentTestScope, AgentConn, enc, randomClientId } from '../support/agent';
import { pollFor } from '../support/proc';

const scope = agentTestScope(afterEach);

/** The master's writes on the socket it accepted while `during` ran: one line each. */
async function writesOnAcceptedSocket(pid: number, out: string, during: () => Promise<void>) {
  const strace = spawn(
    'strace',
    ['-p', String(pid), '-e', 'trace=accept,accept4,write,writev', '-s', '0', '-o', out],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  strace.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => strace.once('exit', (code) => r(code)));
  try {
    await pollFor(`strace to attach to the master (${err})`, () => /attached/.test(err), 10_000);
    await during();
  } finally {
    strace.kill('SIGINT'); // detaches, leaving the master running
    await exited;
  }
  const lines = readFileSync(out, 'utf8').split('\n');
  const accepted = lines.map((l) => /^accept4?\(.*\)\s+= (\d+)$/.exec(l)).find((m) => m !== null);
  if (!accepted) throw new Error(`the master accepted no connection:\n${lines.join('\n')}`);
  const fd = accepted[1];
  return lines.filter((l) => new RegExp(`^writev?\\(${fd},`).test(l));
}

describe('the answer to an attach', () => {
  it('goes in one write: WELCOME, ATTACHED and the output waiting', async () => {
    const h = scope.home();
    const id = await h.newSession(['--', 'sh', '-c', 'echo HF-READY; exec sleep 60']);
    const first = await scope.socket(h, id);
    await first.attach({ version: 4 });
    await first.waitOutput('HF-READY', (s) => s.includes('HF-READY'));
    first.close();

    const pid = Number(h.meta(id).pid);
    const log = path.join(h.root, 'strace.log');
    let c: AgentConn | undefined;
    const writes = await writesOnAcceptedSocket(pid, log, async () => {
      c = await AgentConn.socket(h, id);
      // HELLO and ATTACH in one write, as they arrive from sshd
      c.send(Buffer.concat([enc.hello(1, 4), enc.attachV2(randomClientId(), 0n)]));
      await c.waitOutput('HF-READY', (s) => s.includes('HF-READY'));
    });
    c?.close();
    expect(c?.received.slice(0, 2).map((r) => r.type)).toEqual(['welcome', 'attached']);
    // One writev of three pieces: the control frames, the OUTPUT's header, its data.
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^writev\(\d+, \[.*\], 3\)\s+= \d+$/);
  });
});
