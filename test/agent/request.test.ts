// Proves `new --request TOKEN` makes session creation idempotent (remote-agent/README.md):
// the same token gives the same session back, whether it is running, exited and kept, or
// asked for by several `new` at once; a different token, or a token whose master died,
// starts a new one; a malformed token is refused with one line and touches nothing; on a
// full disk the retry still finds its session; and without `--request` the metadata is
// exactly as before.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { agentBin, makeHome, socketIds, type AgentHome } from '../support/agent';
import {
  isAlive,
  pinPid,
  pollFor,
  run,
  signalPinned,
  terminate,
  type PinnedPid,
} from '../support/proc';

const noFullDisk =
  process.getuid?.() !== 0
    ? 'it needs root to mount a tmpfs'
    : spawnSync('unshare', ['-m', 'true'], { timeout: 10_000 }).status !== 0
      ? '`unshare -m true` fails here (no unshare, or no mount namespaces)'
      : undefined;
if (noFullDisk) console.log(`skipping the full-disk test of new --request: ${noFullDisk}`);

let homes: AgentHome[] = [];
let pinned: PinnedPid[] = [];
function home(opts?: { hfSubdir?: string }): AgentHome {
  const h = makeHome(opts);
  homes.push(h);
  return h;
}
afterEach(async () => {
  await terminate(pinned, 500);
  pinned = [];
  await Promise.all(homes.map((h) => h.cleanup()));
  homes = [];
});

interface LsEntry {
  id: string;
  name: string;
  state: string;
}

async function lsJson(h: AgentHome): Promise<LsEntry[]> {
  const r = await h.run(['ls', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as LsEntry[];
}

/** What the engine sends: 32 random hex digits. */
function token(): string {
  return randomBytes(16).toString('hex');
}

/** Runs `new ARGS`, expecting success, and returns the id it printed. */
async function newId(h: AgentHome, args: string[]): Promise<string> {
  const r = await h.run(['new', ...args]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(/^[a-z2-7]{10}\n$/);
  return r.stdout.trim();
}

describe('new --request', () => {
  it('gives the same session back for the same token, starting nothing the second time', async () => {
    const h = home();
    const t = token();
    // --name too: the retry must not be refused for the name its own session holds.
    const first = await h.newSession(['--request', t, '--name', 'retried', '--', 'sleep', '30']);
    expect(h.meta(first).request).toBe(t);
    const again = await newId(h, ['--request', t, '--name', 'retried', '--', 'sleep', '30']);
    const viaEquals = await newId(h, [`--request=${t}`, '--cols', '100']);
    expect(again).toBe(first);
    expect(viaEquals).toBe(first);
    const list = await lsJson(h);
    expect(list.map((e) => e.id)).toEqual([first]);
    expect(socketIds(h)).toEqual([first]);
  });

  it('starts a new session for a different token', async () => {
    const h = home();
    const a = await h.newSession(['--request', token(), '--', 'sleep', '30']);
    const b = await h.newSession(['--request', token(), '--', 'sleep', '30']);
    expect(b).not.toBe(a);
    expect((await lsJson(h)).map((e) => e.id).sort()).toEqual([a, b].sort());
  });

  it('gives back a session that has exited but is still kept for its status', async () => {
    const h = home();
    const t = token();
    const id = await h.newSession(['--request', t, '--', 'sh', '-c', 'exit 3']);
    await pollFor('exited 3', async () => (await lsJson(h))[0]?.state === 'exited 3');
    expect(await newId(h, ['--request', t, '--', 'sleep', '30'])).toBe(id);
    const list = await lsJson(h);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id, state: 'exited 3' });
  });

  it('starts a new session when the one with the token lost its master, and removes its files', async () => {
    const h = home();
    const t = token();
    const dead = await h.newSession(['--request', t, '--', 'sleep', '30']);
    const master = pinPid(Number(h.meta(dead).pid));
    expect(master).toBeDefined();
    signalPinned(master!, 'SIGKILL');
    await pollFor('the master to die', () => !isAlive(master!.pid));
    const fresh = await h.newSession(['--request', t, '--', 'sleep', '30']);
    expect(fresh).not.toBe(dead);
    expect(h.meta(fresh).request).toBe(t);
    expect(existsSync(h.socketPath(dead))).toBe(false);
    expect((await lsJson(h)).map((e) => e.id)).toEqual([fresh]);
  });

  it('starts one session when several new with the same token run at once', async () => {
    const h = home();
    const t = token();
    const runs = await Promise.all(
      Array.from({ length: 6 }, () => h.run(['new', '--request', t, '--', 'sleep', '30'])),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const ids = new Set(runs.map((r) => r.stdout.trim()));
    expect(ids.size).toBe(1);
    expect((await lsJson(h)).map((e) => e.id)).toEqual([...ids]);
  });

  it.each([
    ['shorter than 16 characters', 'abc123', /--request must be 16 to 64 characters, got 6/],
    ['longer than 64 characters', 'a'.repeat(65), /--request must be 16 to 64 characters, got 65/],
    ['that is empty', '', /--request must be 16 to 64 characters, got 0/],
    ['with a space', 'abcdefgh ijklmnop', /--request may hold only letters, digits/],
    ['with a newline', 'abcdefgh\nijklmnop', /--request may hold only letters, digits/],
    ['with a slash', '../../../etc/passwd', /--request may hold only letters, digits/],
    ['with a non-ASCII letter', 'abcdefghijklmnopé', /--request may hold only letters, digits/],
  ])('refuses a token %s in one line, creating nothing', async (_what, bad, message) => {
    const h = home();
    const r = await h.run(['new', '--request', bad, '--', 'sleep', '30']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.endsWith('\n')).toBe(true);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^holdfast-agent: .+; .+/);
    expect(r.stderr).toMatch(message);
    // Refused while parsing: not even the state directory exists.
    expect(existsSync(h.hfDir)).toBe(false);
  });

  it('refuses --request without a value', async () => {
    const h = home();
    const r = await h.run(['new', '--request']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe(
      'holdfast-agent: option --request needs a value; see: holdfast-agent --help\n',
    );
    expect(existsSync(h.hfDir)).toBe(false);
  });

  it('leaves the metadata and the sessions directory as before without --request', async () => {
    const h = home();
    const id = await h.newSession(['--', 'sleep', '30']);
    const keys = readFileSync(path.join(h.sessionsDir, `${id}.meta`), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => l.split(' ')[0]);
    expect(keys).toEqual(['id', 'name', 'created', 'pid', 'child', 'command']);
    expect(existsSync(path.join(h.sessionsDir, '.request.lock'))).toBe(false);
    // and a later `new` without a token always starts another session
    expect(await h.newSession(['--', 'sleep', '30'])).not.toBe(id);
  });

  // In a private mount namespace: a 16-inode tmpfs under HOLDFAST_DIR, one session started
  // with a token (the lock file exists from then on), then every inode taken.
  it.skipIf(noFullDisk !== undefined)(
    'finds its session on a full disk, and refuses a new token there in one line',
    async () => {
      const h = home({ hfSubdir: 'disk/hf' });
      const disk = path.dirname(h.hfDir);
      const out = path.join(h.root, 'out');
      mkdirSync(disk);
      mkdirSync(out);
      writeFileSync(
        path.join(h.root, 'full.sh'),
        `set -u
mount -t tmpfs -o size=64k,nr_inodes=16 tmpfs "$DISK" || exit 90
"$AGENT" new --request "$T1" -- sleep 600 >"$OUT/first" || exit 91
cp "$HOLDFAST_DIR/sessions/$(cat "$OUT/first").meta" "$OUT/first.meta"
i=0; while [ $i -lt 100 ] && touch "$DISK/f$i" 2>/dev/null; do i=$((i + 1)); done
"$AGENT" new --request "$T1" -- sleep 600 >"$OUT/again" 2>"$OUT/again.err"; echo $? >"$OUT/again.code"
"$AGENT" new --request "$T2" -- sleep 600 >"$OUT/other" 2>"$OUT/other.err"; echo $? >"$OUT/other.code"
ls -A "$HOLDFAST_DIR/sessions" >"$OUT/files"
`,
      );
      const [t1, t2] = [token(), token()];
      const r = await run('unshare', ['-m', 'sh', path.join(h.root, 'full.sh')], {
        env: { ...h.env, AGENT: agentBin(), DISK: disk, OUT: out, T1: t1, T2: t2 },
      });
      const read = (name: string): string => readFileSync(path.join(out, name), 'utf8');
      if (existsSync(path.join(out, 'first.meta'))) {
        for (const k of ['child', 'pid']) {
          const p = pinPid(Number(new RegExp(`^${k} (.*)$`, 'm').exec(read('first.meta'))?.[1]));
          if (p) pinned.push(p);
        }
      }
      expect(r.code, `the script failed: ${r.stderr}`).toBe(0);
      const first = read('first').trim();
      expect(read('again.code').trim(), read('again.err')).toBe('0');
      expect(read('again')).toBe(`${first}\n`);
      expect(read('other.code').trim()).not.toBe('0');
      expect(read('other')).toBe('');
      const err = read('other.err');
      expect(err.trimEnd().split('\n')).toHaveLength(1);
      expect(err).toMatch(/^holdfast-agent: .+the disk holding \S+ is full .+; free some space/);
      expect(read('files').split('\n').filter(Boolean).sort()).toEqual(
        ['.request.lock', `${first}.meta`, `${first}.sock`].sort(),
      );
    },
  );
});
