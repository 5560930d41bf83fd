/**
 * A lock file around read-modify-write of profiles.json, so the app and the CLI (or two
 * CLIs) writing at once never lose each other's changes.
 *
 * Taking it: create `<file>.lock` with O_EXCL and write who holds it
 * (`{"pid","host","created","nonce"}`). If it exists, wait (short jittered sleeps) until
 * it goes away, up to {@link LOCK_TUNABLES}.timeoutMs. A lock is stale, and is broken,
 * when its process is gone (same host, pid not running) or it is older than `staleMs`
 * (a write takes milliseconds; pids get reused). Breaking is itself guarded by
 * `<file>.lock.break` (O_EXCL) and re-checks that the lock is still the very one judged
 * stale (same inode, mtime and content), so two processes breaking at once cannot remove
 * a fresh lock. Releasing removes the lock only if it still carries our nonce.
 *
 * Within one process, callers queue in memory first, so they do not poll each other.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import os from 'node:os';
import { fail, ok, type Result } from '../util/result';
import type { ProfilesError } from './errors';

/** How long to wait and when to give up on a lock; times in ms. */
export const LOCK_TUNABLES = {
  /** Give up waiting for another writer after this: a write takes milliseconds. */
  timeoutMs: 10_000,
  /** A lock older than this is stale even if its pid runs (a hung or reused pid). */
  staleMs: 30_000,
  /** Sleep between tries, chosen at random in [min, max] so waiters do not move in step. */
  retryMinMs: 5,
  retryMaxMs: 40,
  /** A break guard left by a process that died while breaking is removed after this. */
  breakGuardStaleMs: 5_000,
} as const;

export interface LockOptions {
  timeoutMs?: number;
  staleMs?: number;
  /** Clock (epoch ms); tests move it. */
  now?: () => number;
}

type LockedError = Extract<ProfilesError, { kind: 'locked' }>;

/** What the lock file says about its holder. */
export interface Holder {
  pid: number;
  host: string;
  created: number;
  nonce: string;
}

/** The lock file as seen once, to tell later whether it is still the same one. */
interface Seen {
  raw: string;
  ino: number;
  mtimeMs: number;
  holder: Holder | undefined;
}

const queues = new Map<string, Promise<void>>();

function parseHolder(raw: string): Holder | undefined {
  try {
    const v = JSON.parse(raw) as Partial<Holder>;
    if (
      typeof v.pid === 'number' &&
      typeof v.host === 'string' &&
      typeof v.created === 'number' &&
      typeof v.nonce === 'string'
    )
      return v as Holder;
  } catch {
    // A lock being written this very moment, or garbage: judged by its age below.
  }
  return undefined;
}

/** Whether a process with this pid exists (EPERM: it exists but is not ours). */
function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function look(lockFile: string): Promise<Seen | undefined> {
  try {
    const [st, raw] = await Promise.all([stat(lockFile), readFile(lockFile, 'utf8')]);
    return { raw, ino: st.ino, mtimeMs: st.mtimeMs, holder: parseHolder(raw) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Why a lock is stale, or undefined while it is live. */
export function staleReason(
  holder: Holder | undefined,
  mtimeMs: number,
  now: number,
  staleMs: number,
  hostname: string = os.hostname(),
  alive: (pid: number) => boolean = processAlive,
): string | undefined {
  const created = holder?.created ?? mtimeMs;
  if (now - created > staleMs) return `it is ${Math.round((now - created) / 1000)} s old`;
  if (holder !== undefined && holder.host === hostname && !alive(holder.pid)) {
    return `process ${holder.pid} that took it is no longer running`;
  }
  return undefined;
}

async function tryCreate(lockFile: string, holder: Holder): Promise<boolean> {
  let fh;
  try {
    fh = await open(lockFile, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    await fh.writeFile(JSON.stringify(holder), 'utf8');
  } finally {
    await fh.close();
  }
  return true;
}

/** Removes `seen` if it is still the lock file, under the break guard. */
async function breakStale(lockFile: string, seen: Seen, now: number): Promise<void> {
  const guard = `${lockFile}.break`;
  try {
    await (await open(guard, 'wx', 0o600)).close();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // Someone else is breaking it now; a guard left by a crash is cleared when old.
    const st = await stat(guard).catch(() => undefined);
    if (st !== undefined && now - st.mtimeMs > LOCK_TUNABLES.breakGuardStaleMs) {
      await unlink(guard).catch(() => undefined);
    }
    return;
  }
  try {
    const again = await look(lockFile);
    if (
      again !== undefined &&
      again.ino === seen.ino &&
      again.mtimeMs === seen.mtimeMs &&
      again.raw === seen.raw
    ) {
      await unlink(lockFile).catch(() => undefined);
    }
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

async function release(lockFile: string, nonce: string): Promise<void> {
  const seen = await look(lockFile).catch(() => undefined);
  // Not ours any more (broken as stale while we hung): leave the new holder's lock alone.
  if (seen?.holder?.nonce === nonce) await unlink(lockFile).catch(() => undefined);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function acquire(lockFile: string, opts: LockOptions): Promise<Result<string, LockedError>> {
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? LOCK_TUNABLES.timeoutMs;
  const staleMs = opts.staleMs ?? LOCK_TUNABLES.staleMs;
  const nonce = randomBytes(8).toString('hex');
  const started = now();
  let last: Seen | undefined;
  for (;;) {
    const holder: Holder = { pid: process.pid, host: os.hostname(), created: now(), nonce };
    if (await tryCreate(lockFile, holder)) return ok(nonce);
    last = await look(lockFile);
    if (
      last !== undefined &&
      staleReason(last.holder, last.mtimeMs, now(), staleMs) !== undefined
    ) {
      await breakStale(lockFile, last, now());
      continue;
    }
    if (now() - started >= timeoutMs) {
      const pid = last?.holder?.pid;
      const since =
        last === undefined
          ? ''
          : `, for ${Math.round((now() - (last.holder?.created ?? last.mtimeMs)) / 1000)} s`;
      return fail({
        kind: 'locked',
        message: `another Holdfast is changing the profiles (${pid === undefined ? 'lock' : `process ${pid}`}${since}) and did not finish within ${Math.round(timeoutMs / 100) / 10} s: try again; if no Holdfast is running, delete ${lockFile}.`,
        lockFile,
        ...(pid === undefined ? {} : { holderPid: pid }),
      });
    }
    const span = LOCK_TUNABLES.retryMaxMs - LOCK_TUNABLES.retryMinMs;
    await sleep(LOCK_TUNABLES.retryMinMs + Math.random() * span);
  }
}

/**
 * Runs `fn` while holding `lockFile`. A lock that cannot be had in time is a `locked`
 * error; I/O errors (a folder that cannot be written) are thrown.
 */
export async function withFileLock<T>(
  lockFile: string,
  fn: () => Promise<T>,
  opts: LockOptions = {},
): Promise<Result<T, LockedError>> {
  const before = queues.get(lockFile) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((r) => (done = r));
  const tail = before.then(() => mine);
  queues.set(lockFile, tail);
  try {
    await before;
    const nonce = await acquire(lockFile, opts);
    if (!nonce.ok) return nonce;
    try {
      return ok(await fn());
    } finally {
      await release(lockFile, nonce.value);
    }
  } finally {
    done();
    if (queues.get(lockFile) === tail) queues.delete(lockFile);
  }
}
