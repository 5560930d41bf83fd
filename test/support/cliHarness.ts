// Drives the real `holdfast` CLI (bin/holdfast.mjs, built by `npm run build`) as a child
// process, and a loopback "router" that stands for the server's fixed address while the
// path behind it changes (fault proxy moves), for end-to-end fault tests.

import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { trustPort } from './faultProxy';
import type { Sshd } from './sshd';

export const CLI = fileURLToPath(new URL('../../bin/holdfast.mjs', import.meta.url));

export type CliRun = {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** The same, as bytes (binary output). */
  stdoutBytes: () => Buffer;
  stderrBytes: () => Buffer;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

/** Starts `holdfast ARGS`, collecting its output. `prefix` wraps it (e.g. ip netns exec). */
export function runCli(
  args: string[],
  opts: { prefix?: string[]; env?: NodeJS.ProcessEnv } = {},
): CliRun {
  const argv = [...(opts.prefix ?? []), process.execPath, CLI, ...args];
  const child = spawn(argv[0]!, argv.slice(1), {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => err.push(d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr: () => Buffer.concat(err).toString('utf8'),
    stdoutBytes: () => Buffer.concat(out),
    stderrBytes: () => Buffer.concat(err),
    exited,
  };
}

/** Options that reach `sshd` through `port` (a proxy or router), host key pinned. */
export async function cliOptions(
  sshd: Sshd,
  port: number,
  extra: string[] = [],
): Promise<string[]> {
  // The host key is the server's, whatever port the path goes through.
  await trustPort(sshd, port);
  return ['-F', sshd.sshConfigFile, '-p', String(port), ...extra, sshd.sshAlias];
}

/** A fixed local address forwarding each new connection to whatever `target()` says now. */
export async function startRouter(
  target: () => number,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (c) => {
    const up = net.connect({ host: '127.0.0.1', port: target(), allowHalfOpen: true });
    sockets.add(c).add(up);
    c.pipe(up).pipe(c);
    const done = () => {
      c.destroy();
      up.destroy();
      sockets.delete(c);
      sockets.delete(up);
    };
    c.on('error', done).on('close', done);
    up.on('error', done).on('close', done);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A remote command printing `line 1` .. `line N`, paced so it spans a few seconds. */
export function numberedLines(n: number, perPause: number, pauseSeconds: number): string {
  return `awk 'BEGIN { for (i = 1; i <= ${n}; i++) { print "line " i; if (i % ${perPause} == 0) { fflush(); system("sleep ${pauseSeconds}") } } }'`;
}

/** Checks stdout holds exactly `line 1`..`line n`, each once and in order. */
export function checkNumbered(
  stdout: string,
  n: number,
): { ok: true } | { ok: false; why: string } {
  const lines = stdout
    .replace(/\r/g, '')
    .split('\n')
    .filter((l) => l.length > 0);
  for (let i = 0; i < n; i++) {
    if (lines[i] !== `line ${i + 1}`) {
      return {
        ok: false,
        why: `line ${i + 1}: expected "line ${i + 1}", got ${JSON.stringify(lines[i])} (context: ${JSON.stringify(lines.slice(Math.max(0, i - 2), i + 3))})`,
      };
    }
  }
  if (lines.length !== n) return { ok: false, why: `expected ${n} lines, got ${lines.length}` };
  return { ok: true };
}
