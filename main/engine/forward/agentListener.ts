// A remote forward's listener held by the agent (`holdfast-agent listen`, run as a pipes
// session): its stdout says when it listens and announces each connection; being a
// session's output, what it says while the link is down arrives after the heal, once.
// Each announced connection is then taken by a session of its own (`take`, through the
// carrier), whose stream resumes like a -L connection's.

import type { PipeTab } from '../types';
import type { CarrierOpen, RemoteListener, RemoteListenerEvent } from './carrier';

/** Most bytes of an unfinished announcement kept: one line is under 100 bytes. */
const LINE_MAX = 1024;
/** How much of the listener's stderr is kept for the message when it fails. */
const STDERR_KEEP = 2048;

/** `holdfast-agent listen` exit statuses (remote-agent/cmd_listen.c) the user can act on. */
const LISTEN_IN_USE = 9;
const LISTEN_DENIED = 10;

/** One line of the listener's stdout, or undefined for one this client does not know. */
export function parseListenLine(line: string): RemoteListenerEvent | undefined {
  const l = /^listening (\d+)$/.exec(line);
  if (l) return { kind: 'listening', port: Number(l[1]) };
  const c = /^conn (\d+) (\S+) (\d+)$/.exec(line);
  if (c) {
    const host = c[2]!.includes(':') ? `[${c[2]}]` : c[2]!;
    return { kind: 'connection', n: Number(c[1]), from: `${host}:${c[3]}` };
  }
  return undefined;
}

/** Why the listener ended before its forward did, in words. */
function endedWhy(code: number, stderr: string, where: string): string {
  const text = stderr.replace(/^holdfast-agent: (listen: )?/, '');
  if (code === LISTEN_IN_USE)
    return `the server's port ${where} is in use by another program; pick another port`;
  if (code === LISTEN_DENIED)
    return `the server refused ${where}: ports below 1024 need privileges there`;
  return `the server stopped listening on ${where}: ${text || `listen exited ${code}`}`;
}

export function agentListener(
  tab: PipeTab,
  where: string,
  take: (n: number) => Promise<CarrierOpen>,
): RemoteListener {
  const listeners = new Set<(e: RemoteListenerEvent) => void>();
  const emit = (e: RemoteListenerEvent) => {
    for (const l of [...listeners]) l(e);
  };
  let pending = '';
  let stderr = '';
  let out = 0n;
  let err = 0n;
  let closed: Promise<void> | undefined;
  tab.onOutput((d, offset) => {
    out = offset + BigInt(d.length);
    tab.written(out, err);
    pending += d.toString('latin1');
    for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
      const e = parseListenLine(pending.slice(0, i));
      pending = pending.slice(i + 1);
      if (e) emit(e);
    }
    if (pending.length > LINE_MAX) pending = '';
  });
  tab.onStderr((d, offset) => {
    err = offset + BigInt(d.length);
    tab.written(out, err);
    if (stderr.length < STDERR_KEEP) stderr = (stderr + d.toString('utf8')).slice(0, STDERR_KEEP);
  });
  tab.onState((s) => {
    if (closed) return;
    if (s.kind === 'ended')
      emit({ kind: 'failed', message: endedWhy(s.exitCode, stderr.trim(), where) });
    else if (s.kind === 'failed')
      emit({ kind: 'failed', message: `the server's listener on ${where} failed: ${s.reason}` });
  });
  return {
    onEvent: (l) => void listeners.add(l),
    take,
    close() {
      closed ??= tab.kill().catch(() => {});
      return closed;
    },
  };
}
