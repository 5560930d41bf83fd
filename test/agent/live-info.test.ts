// Proves what `ls --json` (each session's INFO_REPLY) tells about a live session: the
// command in the PTY's foreground now and its working directory, the last line it printed
// (escapes stripped), idle time and age, and the foreground going back to the shell when a
// job ends (how the app notices a command finished without shell integration). And that
// `kill --wait` ends a session for good: nothing left listed when it returns, unless a
// client is attached to collect the exit status; a command that ignores the signal is named.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { AgentConn, enc, makeHome, type AgentHome } from '../support/agent';
import { pollFor } from '../support/proc';

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

type Entry = Record<string, unknown> & { id: string; state: string; attached: number };

async function lsJson(h: AgentHome): Promise<Entry[]> {
  const r = await h.run(['ls', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Entry[];
}

async function entry(h: AgentHome, id: string): Promise<Entry | undefined> {
  return (await lsJson(h)).find((e) => e.id === id);
}

describe('ls --json live fields', () => {
  it('shows the foreground command, its cwd, the last line, idle time and age', async () => {
    const h = home();
    const dir = path.join(h.root, 'work dir');
    mkdirSync(dir);
    const id = await h.newSession(['--', 'bash', '--norc', '--noprofile', '-i']);
    const c = await AgentConn.socket(h, id);
    await c.attach();
    c.send(enc.input(1, `cd '${dir}'; printf '\\033[1;31mmarker\\033[0m-123\\n'; sleep 600\n`));
    await pollFor('sleep 600 in the foreground', async () => {
      const e = await entry(h, id);
      return e?.fg_command === 'sleep 600';
    });
    const e = (await entry(h, id)) as Entry;
    expect(e.cwd).toBe(dir);
    expect(e.last_line).toBe('marker-123');
    expect(e.fg_pid).not.toBe(e.child_pid); // a job of the shell, not the shell
    expect(typeof e.idle_ms).toBe('number');
    expect(e.age_ms as number).toBeGreaterThanOrEqual(e.idle_ms as number);
    await new Promise((r) => setTimeout(r, 300));
    expect(((await entry(h, id)) as Entry).idle_ms as number).toBeGreaterThanOrEqual(250);

    // the job ends: the shell is back in the foreground
    c.send(enc.signal(2));
    await pollFor('the shell back in the foreground', async () => {
      const back = await entry(h, id);
      return back !== undefined && back.fg_pid === back.child_pid;
    });
    expect(((await entry(h, id)) as Entry).fg_command).toMatch(/^bash/);
    c.close();
  });

  it('keeps the last line of a session that has exited, without live process fields', async () => {
    const h = home();
    const id = await h.newSession(['--', 'sh', '-c', 'echo last words; exit 3']);
    await pollFor('exit', async () => (await entry(h, id))?.state === 'exited 3');
    const e = (await entry(h, id)) as Entry;
    expect(e.last_line).toBe('last words');
    expect(e.fg_pid).toBeUndefined();
    expect(e.cwd).toBeUndefined();
  });
});

describe('kill --wait', () => {
  it('returns once the session is gone, so a list right after no longer shows it', async () => {
    const h = home();
    const id = await h.newSession(['--', 'bash', '--norc', '-i']);
    const r = await h.run(['kill', id, '--wait']);
    expect(r.code, r.stderr).toBe(0);
    expect(await lsJson(h)).toEqual([]);
  });

  it('leaves the exit status to an attached client, which collects it', async () => {
    const h = home();
    const id = await h.newSession(['--', 'sleep', '600']);
    const c = await AgentConn.socket(h, id);
    await c.attach();
    const r = await h.run(['kill', id, '--wait']);
    expect(r.code, r.stderr).toBe(0);
    const exit = await c.next('exit');
    expect(exit.status).toBe(143);
  });

  it('names a command that ignores the signal and how to end it', async () => {
    const h = home();
    // The signals are ignored only once the shell ran `trap`: wait for it to say so.
    const ready = path.join(h.root, 'trapped');
    const id = await h.newSession(['--', 'sh', '-c', `trap "" TERM HUP; : > ${ready}; sleep 600`]);
    await pollFor('the trap to be set', () => existsSync(ready));
    const r = await h.run(['kill', id, '--wait']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`session ${id} is still running .*--signal KILL`));
    expect((await h.run(['kill', id, '--signal', 'KILL', '--wait'])).code).toBe(0);
    expect(await lsJson(h)).toEqual([]);
  });
});
