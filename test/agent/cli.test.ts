// Proves the command line contract: --version's exact format and checksum, --help, and that
// bad input (unknown option or id, bad values, a state directory with the wrong mode or
// owner, a command that cannot run) gets one line saying what and how to fix, a non-zero
// exit, and touches nothing.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { makeHome, REPO, type AgentHome } from '../support/agent';

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

/** stderr is exactly one line "holdfast-agent: <what>; <how to fix>". */
function expectOneLineError(stderr: string, what: RegExp): void {
  expect(stderr.endsWith('\n')).toBe(true);
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^holdfast-agent: .+; .+/);
  expect(stderr).toMatch(what);
}

describe('holdfast-agent command line', () => {
  it('prints name, version, source checksum and protocol versions on one line', async () => {
    const r = await home().run(['--version']);
    expect(r.code).toBe(0);
    const m =
      /^holdfast-agent (\d+\.\d+\.\d+) build ([0-9a-f]{16}) protocols (\d+(?:,\d+)*)\n$/.exec(
        r.stdout,
      );
    expect(m, r.stdout).not.toBeNull();
    expect(m?.[3]).toBe('1,2,3,4,5');
    // The checksum is sha256 over remote-agent/*.c and *.h in byte order of their names.
    const dir = path.join(REPO, 'remote-agent');
    const files = readdirSync(dir)
      .filter((f) => /\.[ch]$/.test(f))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const hash = createHash('sha256');
    for (const f of files) hash.update(readFileSync(path.join(dir, f)));
    expect(m?.[2]).toBe(hash.digest('hex').slice(0, 16));
  });

  it('prints help naming every command', async () => {
    const r = await home().run(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['new', 'ls', 'attach', 'kill', 'bridge', 'nc', '--version']) {
      expect(r.stdout).toContain(cmd);
    }
  });

  it('refuses an unknown option or command with one line naming it', async () => {
    const h = home();
    for (const args of [['--frobnicate'], ['ls', '--bogus'], ['new', '--bogus'], ['frob']]) {
      const r = await h.run(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expectOneLineError(r.stderr, new RegExp(`'${args[args.length - 1]}'`));
      expect(r.stdout).toBe('');
    }
  });

  it('refuses an unknown session id in bridge and kill', async () => {
    const h = home();
    for (const cmd of ['bridge', 'kill']) {
      const r = await h.run([cmd, 'nosuchid']);
      expect(r.code).not.toBe(0);
      expectOneLineError(r.stderr, /no session 'nosuchid'; list sessions with: holdfast-agent ls/);
    }
  });

  it('refuses option values out of range', async () => {
    const h = home();
    for (const [opt, val] of [
      ['--cols', '0'],
      ['--rows', '5000'],
      ['--scrollback', '10'],
      ['--scrollback', '2G'],
      ['--cols', 'wide'],
    ] as const) {
      const r = await h.run(['new', opt, val, '--', 'true']);
      expect(r.code).not.toBe(0);
      expectOneLineError(r.stderr, new RegExp(`${opt} must be a number`));
    }
    expect(existsSync(h.hfDir)).toBe(false);
  });

  it('refuses a state directory with the wrong mode and leaves it as it was', async () => {
    const h = home();
    mkdirSync(h.hfDir, { mode: 0o755 });
    chmodSync(h.hfDir, 0o755);
    const r = await h.run(['ls']);
    expect(r.code).not.toBe(0);
    expectOneLineError(
      r.stderr,
      new RegExp(`${h.hfDir} is mode 0755, expected 0700; fix with: chmod 700 ${h.hfDir}`),
    );
    expect(statSync(h.hfDir).mode & 0o7777).toBe(0o755);
    expect(existsSync(h.sessionsDir)).toBe(false);
  });

  it('refuses a sessions directory with the wrong mode', async () => {
    const h = home();
    mkdirSync(h.hfDir, { mode: 0o700 });
    mkdirSync(h.sessionsDir, { mode: 0o700 });
    chmodSync(h.sessionsDir, 0o711);
    const r = await h.run(['new', '--', 'true']);
    expect(r.code).not.toBe(0);
    expectOneLineError(r.stderr, /sessions is mode 0711, expected 0700; fix with: chmod 700 /);
    expect(readdirSync(h.sessionsDir)).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0)(
    'refuses a state directory owned by another user (needs root to chown)',
    async () => {
      const h = home();
      mkdirSync(h.hfDir, { mode: 0o700 });
      chownSync(h.hfDir, 65534, 65534);
      const r = await h.run(['ls']);
      expect(r.code).not.toBe(0);
      expectOneLineError(
        r.stderr,
        /is owned by uid 65534, not by you \(uid 0\); fix with: chown 0 /,
      );
    },
  );

  it('creates the state directories with mode 0700', async () => {
    const h = home();
    const r = await h.run(['ls']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('no sessions\n');
    expect(statSync(h.hfDir).mode & 0o7777).toBe(0o700);
    expect(statSync(h.sessionsDir).mode & 0o7777).toBe(0o700);
  });

  it('reports a command that cannot be executed and leaves no session behind', async () => {
    const h = home();
    const r = await h.run(['new', '--', '/nonexistent/command']);
    expect(r.code).not.toBe(0);
    expectOneLineError(r.stderr, /cannot run '\/nonexistent\/command': No such file or directory/);
    expect(r.stdout).toBe('');
    expect(readdirSync(h.sessionsDir)).toEqual([]);
  });

  it('reports a --cwd that does not exist', async () => {
    const h = home();
    const r = await h.run(['new', '--cwd', '/nonexistent/dir', '--', 'true']);
    expect(r.code).not.toBe(0);
    expectOneLineError(r.stderr, /cannot change to directory \/nonexistent\/dir/);
    expect(readdirSync(h.sessionsDir)).toEqual([]);
  });

  it('refuses attach when stdin is not a terminal', async () => {
    const h = home();
    const id = await h.newSession(['--', 'sleep', '30']);
    const r = await h.run(['attach', id]);
    expect(r.code).not.toBe(0);
    expectOneLineError(r.stderr, /attach needs a terminal, but stdin is not a TTY/);
  });
});
