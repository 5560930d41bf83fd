// Proves `holdfast-agent listen` and `take`, the server end of a resumable remote forward:
// the listener binds loopback (any free port for 0) and announces each connection on its
// stdout; a connection waits, its early bytes kept, until `take` gets the socket from the
// listener and relays it with its stdin/stdout, binary and both ways, passing each end on
// as a half-close; a connection number that is not waiting, a listener that is gone and a
// port in use are said plainly with their exit status; the end of the listener's stdin
// closes the port and its control socket.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { agentBin, agentTestScope, type AgentHome } from '../support/agent';
import { pollFor } from '../support/proc';

const scope = agentTestScope(afterEach);
let children: ChildProcess[] = [];
const sockets: net.Socket[] = [];
afterEach(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  children = [];
  for (const s of sockets.splice(0)) s.destroy();
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const TOKEN = 'tok-0123456789abcdef';

type Proc = {
  child: ChildProcess;
  out: () => Buffer;
  err: () => string;
  exited: Promise<number | null>;
};

function agent(h: AgentHome, args: string[]): Proc {
  const child = spawn(agentBin(), args, { env: h.env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  const out: Buffer[] = [];
  let err = '';
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdin!.on('error', () => {});
  return {
    child,
    out: () => Buffer.concat(out),
    err: () => err,
    exited: new Promise((r) => child.on('exit', (code) => r(code))),
  };
}

async function listening(h: AgentHome): Promise<{ l: Proc; port: number }> {
  const l = agent(h, ['listen', '0', TOKEN]);
  const m = await pollFor(
    'listening',
    () => /^listening (\d+)\n/.exec(l.out().toString()) ?? undefined,
    10_000,
  );
  return { l, port: Number(m[1]) };
}

function connect(port: number): { c: net.Socket; got: () => Buffer; ended: Promise<void> } {
  const c = net.connect(port, '127.0.0.1');
  sockets.push(c);
  c.on('error', () => {});
  const parts: Buffer[] = [];
  c.on('data', (d: Buffer) => parts.push(d));
  return { c, got: () => Buffer.concat(parts), ended: new Promise((r) => c.on('end', r)) };
}

describe('listen and take', () => {
  it('announces a connection, and take relays it both ways with its early bytes, ends passed on', async () => {
    const h = scope.home();
    const { l, port } = await listening(h);
    const up = randomBytes(300_000);
    const down = randomBytes(200_000);
    const { c, got, ended } = connect(port);
    const local = await new Promise<number>((r) => c.on('connect', () => r(c.localPort!)));
    c.write(up.subarray(0, 1000)); // before anyone took it
    await pollFor('the announcement', () => l.out().toString().includes('conn 1 '), 10_000);
    expect(l.out().toString()).toBe(`listening ${port}\nconn 1 127.0.0.1 ${local}\n`);

    const t = agent(h, ['take', TOKEN, '1']);
    c.end(up.subarray(1000)); // the rest, then the end: a half-close
    await pollFor('take to pass the client end', () => t.out().length === up.length, 20_000);
    expect(sha(t.out())).toBe(sha(up));
    t.child.stdin!.end(down);
    await ended;
    expect(sha(got())).toBe(sha(down));
    expect(await t.exited).toBe(0);
  });

  it('says so when the connection is not waiting or the listener is gone (exit 3)', async () => {
    const h = scope.home();
    const { l } = await listening(h);
    const none = agent(h, ['take', TOKEN, '7']);
    expect(await none.exited).toBe(3);
    expect(none.err()).toMatch(/connection 7 is not waiting/);
    l.child.stdin!.end();
    expect(await l.exited).toBe(0);
    const gone = agent(h, ['take', TOKEN, '1']);
    expect(await gone.exited).toBe(3);
    expect(gone.err()).toMatch(/no listener .* the forward has ended/);
  });

  it('ends at the end of its stdin: the port closes and the control socket goes', async () => {
    const h = scope.home();
    const { l, port } = await listening(h);
    const ctl = path.join(h.sessionsDir, `${TOKEN}.listen`);
    expect(existsSync(ctl)).toBe(true);
    l.child.stdin!.end();
    expect(await l.exited).toBe(0);
    expect(existsSync(ctl)).toBe(false);
    const refused = await new Promise<string>((r) => {
      const c = net.connect(port, '127.0.0.1');
      c.on('error', (e: NodeJS.ErrnoException) => r(e.code ?? ''));
      c.on('connect', () => r('connected'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('names a port in use and exits 9; a bad token is refused', async () => {
    const h = scope.home();
    const { port } = await listening(h);
    const again = agent(h, ['listen', String(port), 'another-token-123']);
    expect(await again.exited).toBe(9);
    expect(again.err()).toMatch(new RegExp(`port ${port}: .*in use.*pick another port`));
    const bad = agent(h, ['listen', '0', 'a/b']);
    expect(await bad.exited).toBe(1);
    expect(bad.err()).toMatch(/token must be/);
  });
});
