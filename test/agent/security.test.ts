// Proves nobody else gets in and dead sessions do not linger: another user can neither
// reach a session's socket nor use the agent on someone else's state directory (needs
// root to become `nobody`; skipped with a message otherwise), and a crashed master's
// socket is removed by `ls` and not listed.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { agentBin, AgentConn, makeHome, type AgentHome } from '../support/agent';
import { isAlive, pollFor } from '../support/proc';

let homes: AgentHome[] = [];
function home(): AgentHome {
  const h = makeHome();
  homes.push(h);
  return h;
}
afterEach(async () => {
  await Promise.all(homes.map((h) => h.cleanup()));
  homes = [];
});

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.log('skipping the other-user test: it needs root to run as nobody');

/** Runs argv as the user nobody. */
function asNobody(argv: string[], env: NodeJS.ProcessEnv) {
  return spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', ...argv], {
    env,
    encoding: 'utf8',
    timeout: 10_000,
  });
}

describe('access to sessions', () => {
  it.skipIf(!isRoot)('keeps another user from connecting to a session (as nobody)', async () => {
    const h = home();
    const id = await h.newSession(['--', 'sleep', '30']);
    // let nobody walk up to the state directory: only its own 0700 mode stands in the way
    chmodSync(h.root, 0o755);
    const connect = asNobody(
      [
        '/usr/bin/python3',
        '-c',
        'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print("connected")',
        h.socketPath(id),
      ],
      { PATH: '/usr/bin:/bin' },
    );
    expect(connect.stdout).not.toContain('connected');
    expect(connect.stderr).toMatch(/PermissionError|Permission denied/);

    // the agent itself, run by nobody on this directory, refuses before touching anything
    const bin = agentBin();
    const reachable = asNobody(['/bin/sh', '-c', `test -x "${bin}"`], {}).status === 0;
    if (reachable) {
      const r = asNobody([bin, 'bridge', id], { HOLDFAST_DIR: h.hfDir });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/is owned by uid 0, not by you \(uid 65534\)/);
    } else {
      console.log(`nobody cannot execute ${bin}; checked the raw socket only`);
    }
    expect((await h.run(['ls', '--json'])).stdout).toContain(id);
  });

  it("removes a crashed master's socket in ls and does not list it", async () => {
    const h = home();
    const id = await h.newSession(['--', 'sleep', '30']);
    const live = await h.newSession(['--', 'sleep', '30']);
    const master = Number(h.meta(id).pid);
    process.kill(master, 'SIGKILL');
    await pollFor('the master to die', () => !isAlive(master));
    expect(existsSync(h.socketPath(id))).toBe(true);
    const r = await h.run(['ls', '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Array<{ id: string }>).map((e) => e.id)).toEqual([live]);
    expect(existsSync(h.socketPath(id))).toBe(false);
    expect(existsSync(path.join(h.sessionsDir, `${id}.meta`))).toBe(false);
  });

  it('tells a bridge to a crashed session that it is gone', async () => {
    const h = home();
    const id = await h.newSession(['--', 'sleep', '30']);
    const master = Number(h.meta(id).pid);
    process.kill(master, 'SIGKILL');
    await pollFor('the master to die', () => !isAlive(master));
    const r = await h.run(['bridge', id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^holdfast-agent: session ${id} is gone .*; `));
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('relays more than a buffer of output through bridge unchanged', async () => {
    const h = home();
    const id = await h.newSession(['--', 'sh', '-c', 'seq 1 100000; sleep 30']);
    let want = '';
    for (let i = 1; i <= 100000; i++) want += `${i}\r\n`;
    const c = AgentConn.bridge(h, id);
    await c.attach();
    await c.waitOutput('all of seq', (o) => o.length >= want.length, 20_000);
    expect(c.output().toString() === want).toBe(true);
    c.close();
  });
});
