// Proves a session's lifecycle from the command line: `new` is quick and prints the id,
// `ls`/`ls --json` show the live fields, the child gets its environment, the session
// outlives its creator (SIGKILL, SIGHUP), exit statuses are reported and collected, `kill`
// works with names and signals, names are unique, and a socket path longer than sun_path
// still works.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import {
  AgentConn,
  agentBin,
  enc,
  FLAG_FROM_END,
  isSanitized,
  makeHome,
  socketIds,
  type AgentHome,
} from '../support/agent';
import { isAlive, pinPid, pollFor, signalPinned } from '../support/proc';

let homes: AgentHome[] = [];
function home(opts?: { hfSubdir?: string }): AgentHome {
  const h = makeHome(opts);
  homes.push(h);
  return h;
}
afterEach(async () => {
  await Promise.all(homes.map((h) => h.cleanup()));
  homes = [];
});

interface LsEntry {
  id: string;
  name: string;
  command: string;
  pid: number;
  created: string;
  attached: number;
  state: string;
}

async function lsJson(h: AgentHome): Promise<LsEntry[]> {
  const r = await h.run(['ls', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as LsEntry[];
}

describe('a session from the command line', () => {
  it('starts with new, which prints only the id once ready, and is listed by ls', async () => {
    const h = home();
    const t0 = performance.now();
    const r = await h.run(['new', '--name', 'build', '--', 'sleep', '30']);
    const ms = performance.now() - t0;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^[a-z2-7]{10}\n$/);
    const id = r.stdout.trim();
    console.log(`new until ready (including node spawn): ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(isSanitized() ? 3000 : 1000);
    // ready means listening: connecting must work at once
    expect(existsSync(h.socketPath(id))).toBe(true);

    const list = await lsJson(h);
    expect(list).toHaveLength(1);
    const e = list[0] as LsEntry;
    // an older engine reads these seven first, in this order; live fields come after
    expect(Object.keys(e).slice(0, 7)).toEqual([
      'id',
      'name',
      'command',
      'pid',
      'created',
      'attached',
      'state',
    ]);
    expect(e).toMatchObject({
      id,
      name: 'build',
      command: 'sleep 30',
      attached: 0,
      state: 'running',
    });
    expect(e.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Math.abs(Date.parse(e.created) - Date.now())).toBeLessThan(60_000);
    expect(isAlive(e.pid)).toBe(true);
    expect(e.pid).toBe(Number(h.meta(id).pid));

    const text = await h.run(['ls']);
    expect(text.stdout).toMatch(new RegExp(`^${id} +build +${e.pid} .* running +sleep 30$`, 'm'));
  });

  it('with --hold keeps every byte for the first client, however much came before it attached', async () => {
    // A tab runs `cat big.log` over a slow link: the command prints more than the
    // scrollback before the tab's first attach arrives. Without --hold the start is gone
    // (a GAP); with it the command waits at a full scrollback until the tab is there.
    const h = home();
    const lines = 20_000; // ~110 KB: more than the 64 KiB scrollback
    const start = async (hold: string[]) => {
      const id = await h.newSession([
        '--scrollback',
        '64K',
        ...hold,
        '--',
        'sh',
        '-c',
        `seq 1 ${lines}; sleep 30`,
      ]);
      await new Promise((r) => setTimeout(r, 1_000)); // the attach comes late
      const c = await AgentConn.socket(h, id);
      await c.attach();
      await c.waitOutput('the last line', (o) => o.includes(`\r\n${lines}\r\n`), 20_000);
      return c;
    };
    const held = await start(['--hold', '30']);
    const text = held.output().toString();
    expect(text.startsWith('1\r\n2\r\n3\r\n')).toBe(true);
    expect(text.trimEnd().split('\r\n')).toHaveLength(lines);
    expect(held.received.some((r) => r.type === 'gap')).toBe(false);
    // the same without --hold: the start was dropped before the client came
    const unheld = await start([]);
    expect(unheld.received.some((r) => r.type === 'gap')).toBe(true);
    expect(unheld.output().toString().startsWith('1\r\n')).toBe(false);
  });

  it('with --hold, a command that floods from its start waits a window ahead of its first client, so a Ctrl-C finds the rest in the PTY', async () => {
    // Reading on to the whole ring before the attach left 8 MiB that no key could flush.
    const h = home();
    const done = path.join(h.root, 'flood-done');
    const id = await h.newSession([
      '--hold',
      '30',
      '--',
      'sh',
      '-c',
      `head -c 1048576 /dev/zero | tr '\\0' x; touch ${done}; sleep 30`,
    ]);
    await new Promise((r) => setTimeout(r, 1_500)); // the attach comes late
    expect(existsSync(done), '1 MiB read with no client there').toBe(false);
    const c = await AgentConn.socket(h, id);
    await c.attach();
    await pollFor('the command to finish once shown', () => existsSync(done), 20_000);
    await c.waitOutput('all of it', (o) => o.length >= 1048576, 20_000);
    expect(c.received.some((r) => r.type === 'gap')).toBe(false);
  });

  it('counts attached clients in ls', async () => {
    const h = home();
    const id = await h.newSession(['--', 'sleep', '30']);
    const a = await AgentConn.socket(h, id);
    await a.attach({ flags: FLAG_FROM_END });
    const b = await AgentConn.socket(h, id);
    await b.attach({ flags: FLAG_FROM_END });
    expect((await lsJson(h))[0]?.attached).toBe(2);
    a.close();
    await pollFor('one client left', async () => (await lsJson(h))[0]?.attached === 1);
    b.close();
  });

  it('gives the child TERM, HOLDFAST_SESSION, --env, --cwd and the window size', async () => {
    const h = home();
    const env = { ...h.env };
    delete env.TERM;
    const r = await h.run(
      [
        'new',
        '--env',
        'FOO=bar baz',
        '--cwd',
        h.root,
        '--cols',
        '100',
        '--rows',
        '30',
        '--',
        'sh',
        '-c',
        'echo "[$TERM|$HOLDFAST_SESSION|$FOO|$(pwd)|$(stty size)]"; sleep 30',
      ],
      { env: { TERM: '' } },
    );
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    const c = await AgentConn.socket(h, id);
    await c.attach();
    const out = await c.waitOutput('the line', (o) => /\[.*\]/.test(o));
    // TERM was set to "" by us: only an unset TERM gets the default
    expect(out).toContain(`[|${id}|bar baz|${h.root}|30 100]`);
    c.close();

    const r2 = await h.run(['new', '--', 'sh', '-c', 'echo "[$TERM]"; sleep 30'], {
      env: { TERM: undefined },
    });
    const c2 = await AgentConn.socket(h, r2.stdout.trim());
    await c2.attach();
    expect(await c2.waitOutput('TERM', (o) => o.includes(']'))).toContain('[xterm-256color]');
    c2.close();
  });

  it('survives SIGKILL and SIGHUP of the process group that created it', async () => {
    const h = home();
    const script = `"$AGENT" new -- sleep 60 > "$ROOT/id"; sleep 60`;
    const creator = spawn('sh', ['-c', script], {
      env: { ...h.env, AGENT: agentBin(), ROOT: h.root },
      detached: true,
      stdio: 'ignore',
    });
    const id = await pollFor('the session', () => socketIds(h)[0]);
    const meta = await pollFor('metadata', () => {
      try {
        return h.meta(id);
      } catch {
        return undefined;
      }
    });
    const master = Number(meta.pid);
    const child = pinPid(Number(meta.child));
    const pinned = pinPid(master);
    expect(pinned).toBeDefined();
    // hang up the creator's whole group, then kill it, then hang up the master itself
    try {
      process.kill(-(creator.pid as number), 'SIGHUP');
      process.kill(-(creator.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
    if (pinned) signalPinned(pinned, 'SIGHUP');
    await new Promise((r) => setTimeout(r, 300));
    expect(isAlive(master)).toBe(true);
    const list = await lsJson(h);
    expect(list.map((e) => [e.id, e.state])).toEqual([[id, 'running']]);
    if (pinned) signalPinned(pinned, 'SIGTERM');
    if (child) signalPinned(child, 'SIGKILL');
  });

  it('reports the exit status through EXIT and ls, then ends once it was collected', async () => {
    const h = home();
    const id = await h.newSession(['--', 'sh', '-c', 'echo bye; exit 7']);
    await pollFor('exited 7', async () => (await lsJson(h))[0]?.state === 'exited 7');
    const c = await AgentConn.socket(h, id);
    const att = await c.attach();
    const exit = await c.next('exit');
    expect(exit.status).toBe(7);
    expect(exit.endOffset).toBe(att.endOffset);
    expect(c.output().toString()).toBe('bye\r\n');
    await c.closed;
    // EXIT_LINGER (5 s) after the first collection, the session is gone
    await pollFor('the session to end', async () => (await lsJson(h)).length === 0, 10_000);
    expect(existsSync(h.socketPath(id))).toBe(false);
    expect(existsSync(path.join(h.sessionsDir, `${id}.meta`))).toBe(false);
  });

  it('lets a command that closes its terminal run on to its own exit status', async () => {
    // Once no process holds the PTY's slave, closing the master end would hang the terminal
    // up and the kernel would SIGHUP the session leader: `exited 129`, not `exited 7`.
    const h = home();
    const id = await h.newSession([
      '--',
      'sh',
      '-c',
      'exec </dev/null >/dev/null 2>&1; sleep 0.3; exit 7',
    ]);
    await pollFor('the command to end', async () =>
      (await lsJson(h)).some((e) => e.id === id && e.state.startsWith('exited')),
    );
    expect((await lsJson(h)).find((e) => e.id === id)?.state).toBe('exited 7');
  });

  it('reports 128+N for a command killed by signal N (kill --signal KILL)', async () => {
    const h = home();
    const id = await h.newSession(['--', 'sleep', '60']);
    const r = await h.run(['kill', id, '--signal', 'KILL']);
    expect(r.code, r.stderr).toBe(0);
    await pollFor('exited 137', async () => (await lsJson(h))[0]?.state === 'exited 137');
  });

  it('accepts signal names with and without SIG and numbers', async () => {
    const h = home();
    for (const [sig, status] of [
      ['SIGINT', 130],
      ['hup', 129],
      ['15', 143],
    ] as const) {
      const id = await h.newSession(['--', 'sleep', '60']);
      const r = await h.run(['kill', '--signal', sig, id]);
      expect(r.code, r.stderr).toBe(0);
      await pollFor(`exited ${status}`, async () =>
        (await lsJson(h)).some((e) => e.id === id && e.state === `exited ${status}`),
      );
    }
    const bad = await h.run(['kill', 'x', '--signal', 'BOGUS']);
    expect(bad.stderr).toMatch(/unknown signal 'BOGUS'/);
  });

  it('kill ends interactive shells, which ignore TERM, with the default signal, even right after they start', async () => {
    // A bash that gets its HUP while it starts up sometimes drops it (3 of 60 survived):
    // kill hangs up again while the shell is still there.
    // The kill follows `new` within a millisecond or two, as from a script.
    const h = home();
    const bin = agentBin();
    const loop = `for i in $(seq 1 20); do id=$("$0" new -- bash --norc -i) && "$0" kill "$id" || exit 1; done`;
    const r = spawnSync('/bin/sh', ['-c', loop, bin], { env: h.env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect((await lsJson(h)).length).toBe(20);
    await pollFor(
      'every shell to exit',
      async () => (await lsJson(h)).every((e) => e.state.startsWith('exited')),
      30_000, // each poll runs `ls`, slow under ASan on a loaded machine
    );
  }, 60_000);

  it('keeps names unique among live sessions and accepts a name for the id', async () => {
    const h = home();
    const id = await h.newSession(['--name', 'web', '--', 'sleep', '60']);
    const dup = await h.run(['new', '--name', 'web', '--', 'sleep', '60']);
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toMatch(new RegExp(`a session named 'web' already exists \\(id ${id}\\)`));
    expect(socketIds(h)).toEqual([id]);
    expect((await h.run(['kill', 'web', '--signal', 'KILL'])).code).toBe(0);
    await pollFor('exit', async () => (await lsJson(h))[0]?.state === 'exited 137');
  });

  it('starts the login shell when no command is given', async () => {
    const h = home();
    const r = await h.run(['new'], { env: { SHELL: '/bin/sh' } });
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    const c = await AgentConn.socket(h, id);
    await c.attach();
    // a login shell has argv[0] "-sh"
    c.send(enc.input(1, 'echo "<$0>"\n'));
    await c.waitOutput('argv[0]', (o) => o.includes('<-sh>'));
    c.close();
  });

  it('works with a state directory deeper than a socket path can be', async () => {
    const deep = Array.from({ length: 8 }, (_, i) => `deep-directory-${i}`).join('/');
    const h = home({ hfSubdir: `${deep}/hf` });
    // the parents must exist (the agent creates only the state directory itself)
    mkdirSync(path.dirname(h.hfDir), { recursive: true });
    expect(h.socketPath('abcdefghij').length).toBeGreaterThan(108);
    const id = await h.newSession(['--', 'sh', '-c', 'echo deep; sleep 30']);
    expect((await lsJson(h)).map((e) => e.id)).toEqual([id]);
    const c = AgentConn.bridge(h, id);
    await c.attach();
    await c.waitOutput('output', (o) => o.includes('deep'));
    c.close();
  });
});
