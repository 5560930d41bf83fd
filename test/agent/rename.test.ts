// `holdfast-agent rename ID NAME`: a running session takes another name, which `ls` shows
// and which finds it as ID; the session itself (its master, its shell, an attached
// client) carries on untouched. A name in use by another live session, a bad name or an
// unknown session is refused in one line, and nothing changes.
import { afterEach, describe, expect, it } from 'vitest';
import { AgentConn, enc, makeHome, type AgentHome } from '../support/agent';

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

type LsEntry = { id: string; name: string; state: string };
async function ls(h: AgentHome): Promise<LsEntry[]> {
  const r = await h.run(['ls', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as LsEntry[];
}

/** stderr is exactly one line "holdfast-agent: <what>; <how to fix>". */
function expectOneLineError(stderr: string, what: RegExp): void {
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^holdfast-agent: .+; .+/);
  expect(stderr).toMatch(what);
}

describe('holdfast-agent rename', () => {
  it('renames a running session: ls shows it, the name finds it, the shell carries on', async () => {
    const h = home();
    const id = await h.newSession(['--name', 'build', '--', 'sh']);
    const conn = await AgentConn.socket(h, id);
    await conn.attach();

    const r = await h.run(['rename', 'build', 'deploy logs']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect((await ls(h)).find((e) => e.id === id)?.name).toBe('deploy logs');
    expect(h.meta(id).name).toBe('deploy logs');
    // The new name is an ID; the old one is free.
    expect((await h.run(['rename', 'deploy logs', '--', '-x'])).code).toBe(0);
    expect((await ls(h))[0]?.name).toBe('-x');
    const other = await h.newSession(['--name', 'build', '--', 'sleep', '30']);
    expect(other).not.toBe(id);

    // The attached client and its shell never noticed.
    conn.send(enc.input(1, 'echo "still-$((2 * 21))"\n'));
    await conn.waitOutput('the shell answering', (o) => o.includes('still-42'));
    conn.close();
  });

  it('refuses a name another live session has, a bad name and an unknown session', async () => {
    const h = home();
    const a = await h.newSession(['--name', 'a', '--', 'sleep', '30']);
    const b = await h.newSession(['--name', 'b', '--', 'sleep', '30']);
    const taken = await h.run(['rename', a, 'b']);
    expect(taken.code).not.toBe(0);
    expectOneLineError(
      taken.stderr,
      new RegExp(`a session named 'b' already exists \\(id ${b}\\)`),
    );
    // Its own name again is no conflict.
    expect((await h.run(['rename', a, 'a'])).code).toBe(0);

    for (const [args, what] of [
      [['rename', a, ''], /the new name must be 1 to 64 bytes/],
      [['rename', a, 'x'.repeat(65)], /the new name must be 1 to 64 bytes/],
      [['rename', a, 'two\nlines'], /the new name must not contain control characters/],
      [['rename', 'nosuch', 'c'], /no session 'nosuch'/],
      [['rename', a], /rename needs a session and a name/],
      [['rename', a, 'c', 'd'], /'d'/],
    ] as const) {
      const r = await h.run(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expectOneLineError(r.stderr, what);
    }
    expect((await ls(h)).map((e) => e.name).sort()).toEqual(['a', 'b']);
  });
});
