/**
 * Process helpers shared by the test bed: run a command, poll for a condition, find the
 * processes we started, and a synchronous safety net that still cleans up when a test file
 * dies half-way.
 *
 * Everything here acts on pids we know we started (or their descendants, or processes of a
 * user the bed created itself); nothing ever selects processes by name.
 */
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** What a finished command left behind. */
export interface RunResult {
  /** Everything written to stdout, decoded as UTF-8. */
  stdout: string;
  /** Everything written to stderr, decoded as UTF-8. */
  stderr: string;
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  /** The signal that ended it, if any. */
  signal: NodeJS.Signals | null;
}

/** Options for {@link run}. */
export interface RunOptions {
  /** Written to stdin, which is then closed. Without it stdin is empty. */
  input?: string | Buffer;
  /** Extra environment, merged over `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Kill the command (SIGKILL) after this long; the result then has `signal: 'SIGKILL'`. */
  timeoutMs?: number;
}

/** Default limit for a helper command: generous, but a hung command still fails the test. */
const DEFAULT_RUN_TIMEOUT_MS = 30_000;

/** Runs `file args...` to completion without a shell and collects its output. */
export function run(
  file: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const spawnOpts: SpawnOptions = {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
    };
    const child = spawn(file, args, spawnOpts);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code,
        signal,
      });
    });
    child.stdin?.on('error', () => {
      // The command may exit without reading its input; that is its business.
    });
    child.stdin?.end(opts.input);
  });
}

/** Like {@link run}, but throws (naming the command and its stderr) unless it exits 0. */
export async function runChecked(
  file: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const result = await run(file, args, opts);
  if (result.code !== 0) {
    const how = result.signal ? `signal ${result.signal}` : `exit code ${result.code}`;
    throw new Error(`${file} ${args.join(' ')} failed with ${how}: ${result.stderr.trim()}`);
  }
  return result;
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `check` every `intervalMs` until it returns a value other than undefined/false,
 * and resolves with that value; rejects naming `what` after `timeoutMs`.
 */
export async function pollFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(intervalMs);
  }
}

/** Whether a process with this pid exists (zombies count as gone). */
export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** The fields of /proc/PID/stat the bed needs. */
interface ProcStat {
  ppid: number;
  state: string;
  /** Clock ticks since boot at which the process started: with the pid, a unique identity. */
  startTime: string;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: split after it.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0] ?? '?', ppid: Number(rest[1]), startTime: rest[19] ?? '' };
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** All live descendants of `pid` (children, their children, ...), not `pid` itself. */
export function descendantPids(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const p of allPids()) {
    const stat = readStat(p);
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(p);
    children.set(stat.ppid, list);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = children.get(queue.shift() as number) ?? [];
    found.push(...next);
    queue.push(...next);
  }
  return found;
}

/** Pids of every live process whose real uid is `uid`. */
export function pidsOfUid(uid: number): number[] {
  const found: number[] = [];
  for (const p of allPids()) {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const match = /^Uid:\s+(\d+)/m.exec(status);
      if (match && Number(match[1]) === uid) found.push(p);
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/**
 * Pids of every live process whose environment holds `name=value` (a marker a server set
 * for its sessions). Processes we may not read (other users, as non-root) are skipped.
 */
export function pidsWithEnv(name: string, value: string): number[] {
  const marker = `${name}=${value}`;
  const found: number[] = [];
  for (const p of allPids()) {
    try {
      const environ = readFileSync(`/proc/${p}/environ`, 'latin1').split('\0');
      if (environ.includes(marker)) found.push(p);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/** A pid pinned to the process that had it when recorded, so a reused pid is never hit. */
export interface PinnedPid {
  pid: number;
  startTime: string;
}

/** Records `pid` with its start time; undefined if it is already gone. */
export function pinPid(pid: number): PinnedPid | undefined {
  const stat = readStat(pid);
  return stat ? { pid, startTime: stat.startTime } : undefined;
}

/** Sends `signal` to a pinned pid if it is still the same process; returns whether it did. */
export function signalPinned(p: PinnedPid, signal: NodeJS.Signals): boolean {
  const stat = readStat(p.pid);
  if (!stat || stat.startTime !== p.startTime || stat.state === 'Z') return false;
  try {
    process.kill(p.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Whether a pinned pid is still that same, live process. */
export function isPinnedAlive(p: PinnedPid): boolean {
  const stat = readStat(p.pid);
  return stat !== undefined && stat.startTime === p.startTime && stat.state !== 'Z';
}

/**
 * Terminates pinned processes: SIGTERM, then SIGKILL for whatever still lives after
 * `graceMs`. Resolves once all are gone (or after the SIGKILL round).
 */
export async function terminate(pids: readonly PinnedPid[], graceMs = 2000): Promise<void> {
  const live = pids.filter((p) => signalPinned(p, 'SIGTERM'));
  const deadline = Date.now() + graceMs;
  while (live.some(isPinnedAlive) && Date.now() < deadline) await delay(20);
  for (const p of live) signalPinned(p, 'SIGKILL');
  const killDeadline = Date.now() + 2000;
  while (live.some(isPinnedAlive) && Date.now() < killDeadline) await delay(20);
}

/** Runs a command synchronously, ignoring its outcome: only for the exit safety net. */
export function runQuietSync(file: string, args: readonly string[]): void {
  spawnSync(file, args, { stdio: 'ignore', timeout: 5000 });
}

const exitCleanups = new Set<() => void>();
let exitHooksInstalled = false;

function runExitCleanups(): void {
  for (const cleanup of [...exitCleanups]) {
    exitCleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // A safety net must not throw at exit; the next cleanup still runs.
    }
  }
}

/**
 * Registers a synchronous cleanup that runs if the process exits (normally, or on
 * SIGINT/SIGTERM/SIGHUP) before the returned function unregisters it. Use it for every
 * external resource (process, user, namespace) so a crashed test file leaves nothing behind.
 */
export function onExitCleanup(cleanup: () => void): () => void {
  if (!exitHooksInstalled) {
    exitHooksInstalled = true;
    process.on('exit', runExitCleanups);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      const handler = (): void => {
        runExitCleanups();
        process.off(signal, handler);
        // Re-raise so the default action (or the runner's own handler) still happens.
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      };
      process.on(signal, handler);
    }
  }
  exitCleanups.add(cleanup);
  return () => exitCleanups.delete(cleanup);
}
