// Proves the agent refuses a state directory that other users could rename or replace
// through a directory above it (as OpenSSH's safe_path() checks every parent): a parent
// writable by others without the sticky bit, a group-writable one, one owned by another
// user, also when reached through a symbolic link or further up; each gets one line naming
// the directory and the fix, and nothing is created. A parent like /tmp (world-writable
// with the sticky bit) is fine.
import { chmodSync, chownSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { makeHome, type AgentHome } from '../support/agent';

let homes: AgentHome[] = [];
afterEach(async () => {
  await Promise.all(homes.map((h) => h.cleanup()));
  homes = [];
});

/** A state directory at `sub` under a fresh root, with `dir` (under the root) set to `mode`. */
function homeUnder(sub: string, dir: string, mode: number): AgentHome {
  const h = makeHome({ hfSubdir: sub });
  homes.push(h);
  mkdirSync(path.join(h.root, dir), { recursive: true });
  chmodSync(path.join(h.root, dir), mode);
  return h;
}

/** stderr is exactly one line "holdfast-agent: <what>; <how to fix>". */
function expectOneLineError(stderr: string, what: RegExp | string): void {
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^holdfast-agent: .+; .+/);
  if (typeof what === 'string') expect(stderr).toContain(what);
  else expect(stderr).toMatch(what);
}

describe('the directories above the state directory', () => {
  it('refuses one that others may write (no sticky bit), naming it and the fix', async () => {
    const h = homeUnder('shared/hf', 'shared', 0o777);
    const r = await h.run(['new', '--', 'sleep', '30']);
    expect(r.code).not.toBe(0);
    const shared = path.join(h.root, 'shared');
    expectOneLineError(
      r.stderr,
      `${shared}, a parent of ${h.hfDir}, is mode 0777: other users could rename or replace it; fix with: chmod go-w ${shared}`,
    );
    expect(existsSync(h.hfDir)).toBe(false);
  });

  it('refuses a group-writable one', async () => {
    const h = homeUnder('team/hf', 'team', 0o775);
    const r = await h.run(['ls']);
    expect(r.code).not.toBe(0);
    expectOneLineError(r.stderr, /team, a parent of .*, is mode 0775/);
    expect(existsSync(h.hfDir)).toBe(false);
  });

  it('refuses one further up, not only the direct parent', async () => {
    const h = homeUnder('open/a/b/hf', 'open', 0o777);
    mkdirSync(path.join(h.root, 'open', 'a', 'b'), { recursive: true });
    chmodSync(path.join(h.root, 'open', 'a'), 0o700);
    chmodSync(path.join(h.root, 'open', 'a', 'b'), 0o700);
    const r = await h.run(['ls']);
    expect(r.code).not.toBe(0);
    expectOneLineError(r.stderr, `${path.join(h.root, 'open')}, a parent of`);
  });

  it('checks where a symbolic link leads, not the link', async () => {
    const h = homeUnder('link/hf', 'open', 0o777);
    symlinkSync(path.join(h.root, 'open'), path.join(h.root, 'link'));
    const r = await h.run(['ls']);
    expect(r.code).not.toBe(0);
    expectOneLineError(r.stderr, `${path.join(h.root, 'open')}, a parent of ${h.hfDir}`);
    expect(existsSync(path.join(h.root, 'open', 'hf'))).toBe(false);
  });

  it('accepts one that others may write with the sticky bit, as /tmp', async () => {
    const h = homeUnder('sticky/hf', 'sticky', 0o1777);
    const r = await h.run(['ls']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('no sessions\n');
  });

  it.skipIf(process.getuid?.() !== 0)(
    'refuses one owned by another user, who could rename it (needs root to chown)',
    async () => {
      const h = homeUnder('theirs/hf', 'theirs', 0o755);
      chownSync(path.join(h.root, 'theirs'), 65534, 65534);
      const r = await h.run(['ls']);
      expect(r.code).not.toBe(0);
      expectOneLineError(
        r.stderr,
        /theirs, a parent of .*, is owned by uid 65534 \(neither you nor root\), who could rename or replace it; set HOLDFAST_DIR to a directory under your home/,
      );
    },
  );
});
