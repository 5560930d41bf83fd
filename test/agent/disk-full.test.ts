// Proves what a full disk does to `new`: it says in one line that the disk is full and
// what to do, exits non-zero, and leaves no socket or metadata behind, while a session
// started before the disk filled keeps running and is listed by `ls`. The disk is a 64 KiB
// tmpfs mounted over HOLDFAST_DIR's parent in a private mount namespace (`unshare -m`), so
// this needs root; skipped with a message otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { agentBin, makeHome, type AgentHome } from '../support/agent';
import { isAlive, pinPid, run, terminate, type PinnedPid } from '../support/proc';

const skipReason =
  process.getuid?.() !== 0
    ? 'they need root to mount a tmpfs'
    : spawnSync('unshare', ['-m', 'true'], { timeout: 10_000 }).status !== 0
      ? '`unshare -m true` fails here (no unshare, or no mount namespaces)'
      : undefined;
if (skipReason) console.log(`skipping the full-disk tests: ${skipReason}`);

let homes: AgentHome[] = [];
let pinned: PinnedPid[] = [];
afterEach(async () => {
  // The sessions live in the namespace (their files are invisible from here): end them
  // by pid; the tmpfs goes with the namespace's last process.
  await terminate(pinned, 500);
  pinned = [];
  await Promise.all(homes.map((h) => h.cleanup()));
  homes = [];
});

// Runs in the namespace. Mounts the disk, starts the first session, fills the disk in the
// way $FILL says, then runs `new` again (in $SECOND, the same state directory unless
// given) and records what everything did in $OUT, outside the disk.
const SCRIPT = `
set -u
mount -t tmpfs -o "size=64k$MOUNT_OPTS" tmpfs "$DISK" || exit 90
first=$("$AGENT" new -- sleep 600) || exit 91
cp "$HOLDFAST_DIR/sessions/$first.meta" "$OUT/first.meta"
case $FILL in
  blocks) dd if=/dev/zero of="$DISK/fill" bs=4096 2>/dev/null ;;
  inodes) i=0; while touch "$DISK/f$i" 2>/dev/null; do i=$((i + 1)); done ;;
esac
HOLDFAST_DIR=$SECOND "$AGENT" new -- sleep 600 >"$OUT/new.out" 2>"$OUT/new.err"
echo $? >"$OUT/new.code"
ls -A "$HOLDFAST_DIR/sessions" >"$OUT/files"
ls -A "$DISK" >"$OUT/disk"
"$AGENT" ls --json >"$OUT/ls.json"
`;

interface Outcome {
  first: { id: string; pid: number };
  code: number;
  stdout: string;
  stderr: string;
  /** Files in the sessions directory afterwards. */
  files: string[];
  /** Entries of the disk's root afterwards (the fill files included). */
  disk: string[];
  ls: Array<{ id: string; state: string }>;
}

async function fillTheDisk(
  fill: 'blocks' | 'inodes',
  opts: { mountOpts?: string; second?: string } = {},
): Promise<Outcome> {
  const h = makeHome({ hfSubdir: 'disk/hf' });
  homes.push(h);
  const disk = path.dirname(h.hfDir);
  const out = path.join(h.root, 'out');
  mkdirSync(disk);
  mkdirSync(out);
  writeFileSync(path.join(h.root, 'fill.sh'), SCRIPT);
  const r = await run('unshare', ['-m', 'sh', path.join(h.root, 'fill.sh')], {
    env: {
      ...h.env,
      AGENT: agentBin(),
      DISK: disk,
      OUT: out,
      FILL: fill,
      MOUNT_OPTS: opts.mountOpts ?? '',
      SECOND: opts.second ? path.join(disk, opts.second) : h.hfDir,
    },
  });
  const read = (name: string): string => readFileSync(path.join(out, name), 'utf8');
  const meta = existsSync(path.join(out, 'first.meta')) ? read('first.meta') : '';
  const field = (k: string): string => new RegExp(`^${k} (.*)$`, 'm').exec(meta)?.[1] ?? '';
  for (const k of ['child', 'pid']) {
    const p = pinPid(Number(field(k)));
    if (p) pinned.push(p);
  }
  expect(r.code, `the script failed: ${r.stderr}`).toBe(0);
  const lines = (name: string): string[] => read(name).split('\n').filter(Boolean).sort();
  return {
    first: { id: field('id'), pid: Number(field('pid')) },
    code: Number(read('new.code')),
    stdout: read('new.out'),
    stderr: read('new.err'),
    files: lines('files'),
    disk: lines('disk'),
    ls: JSON.parse(read('ls.json')) as Outcome['ls'],
  };
}

/** `new` failed with one line saying the disk is full and how to get out of it. */
function expectDiskFullError(o: Outcome): void {
  expect(o.code).not.toBe(0);
  expect(o.stdout).toBe('');
  expect(o.stderr.endsWith('\n')).toBe(true);
  expect(o.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(o.stderr).toMatch(/^holdfast-agent: .+; .+/);
  expect(o.stderr).toMatch(/the disk holding \S+ is full \(No space left on device\)/);
  expect(o.stderr).toMatch(/; free some space there and retry\n$/);
}

/** The session started before the disk filled is still there, running, and listed. */
function expectFirstSessionUntouched(o: Outcome): void {
  expect(isAlive(o.first.pid)).toBe(true);
  expect(o.ls.map((e) => [e.id, e.state])).toEqual([[o.first.id, 'running']]);
  expect(o.files).toEqual([`${o.first.id}.meta`, `${o.first.id}.sock`]);
}

describe('a full disk', () => {
  it.skipIf(skipReason !== undefined)(
    'makes new say so when the metadata does not fit, leaving nothing behind',
    async () => {
      const o = await fillTheDisk('blocks');
      console.log(`new on a full disk: ${o.stderr.trim()}`);
      expectDiskFullError(o);
      expectFirstSessionUntouched(o);
    },
  );

  it.skipIf(skipReason !== undefined)(
    'makes new say so when no file can be created for the socket, leaving nothing behind',
    async () => {
      const o = await fillTheDisk('inodes', { mountOpts: ',nr_inodes=16' });
      console.log(`new with no inodes left: ${o.stderr.trim()}`);
      expectDiskFullError(o);
      expectFirstSessionUntouched(o);
    },
  );

  it.skipIf(skipReason !== undefined)(
    'makes new say so when the state directory cannot be created, creating nothing',
    async () => {
      const o = await fillTheDisk('inodes', { mountOpts: ',nr_inodes=16', second: 'fresh' });
      console.log(`new with a fresh HOLDFAST_DIR on a full disk: ${o.stderr.trim()}`);
      expectDiskFullError(o);
      expect(o.disk).not.toContain('fresh');
      expectFirstSessionUntouched(o);
    },
  );
});
