// How one host's connections are dialed: the keepalive its supervisor judges the link by,
// and the dialer for each attempt — the system ssh where the config asks for it, else our
// own TCP connect (so the supervisor knows when a dial has left the network's hands) and
// ssh2's handshake within ConnectTimeout.

import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Dialer, DialFailure } from './reconnect/hostConnection';
import {
  classifyError,
  connectBudget,
  dial,
  HOLDFAST_DEFAULTS,
  type CredentialCache,
  type DialError,
  type ResolvedHost,
} from './ssh';
import { trafficOf } from './transport/remoteClient';
import { dialSystemSsh } from './transport/systemSsh/systemSshClient';

export type HostKeepalive = { intervalMs: number; countMax: number };

export type HostDialDeps = {
  credentials: CredentialCache;
  log: (message: string) => void;
  env?: Readonly<Record<string, string | undefined>>;
};

/** OpenSSH counts ServerAliveInterval in whole seconds; the supervisor must expect that. */
function wholeSeconds(k: { intervalMs: number; countMax: number }) {
  return { ...k, intervalMs: Math.max(1, Math.ceil(k.intervalMs / 1000)) * 1000 };
}

const UNREACHABLE = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EADDRNOTAVAIL']);

/** ssh2's keepaliveCountMax that never ends a connection by itself (see _host). */
const SSH2_NEVER_GIVES_UP = Number.POSITIVE_INFINITY;

/** A TCP connection with no delay, or the error; aborting destroys it. */
function connectTcp(
  host: string,
  port: number,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<{ ok: true; value: Socket } | { ok: false; error: Error }> {
  return new Promise((resolve) => {
    const sock = netConnect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({
        ok: false,
        error: Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' }),
      });
    }, timeoutMs);
    sock.once('close', () => clearTimeout(timer));
    const onAbort = () => {
      sock.destroy();
      resolve({ ok: false, error: Object.assign(new Error('cancelled'), { code: 'ABORT_ERR' }) });
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    sock.once('connect', () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve({ ok: true, value: sock });
    });
    sock.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      resolve({ ok: false, error });
    });
  });
}

/** Codes of a dial that the path answered: a packet came back, so the path works again. */
const ANSWERED = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE']);

function toFailure(e: DialError): DialFailure {
  const code = (e as { code?: string }).code;
  const kind = e.kind === 'network' && code && UNREACHABLE.has(code) ? 'unreachable' : e.kind;
  const pathAnswered = e.kind === 'refused' || (code !== undefined && ANSWERED.has(code));
  return {
    kind,
    message: e.message,
    retryable: e.retryable,
    ...(pathAnswered ? { pathAnswered } : {}),
  };
}

/** The keepalive a host's supervisor judges its link by; `override` for tests and bench. */
export function hostKeepalive(
  resolved: ResolvedHost,
  opensshLink: boolean,
  override?: HostKeepalive,
): HostKeepalive {
  // ServerAliveInterval 0 (no keepalives) is not an option here: a resumable session
  // must notice a dead link, so it gets Holdfast's default instead.
  const configured = override ?? {
    intervalMs: (resolved.serverAliveInterval || HOLDFAST_DEFAULTS.serverAliveInterval) * 1000,
    countMax: Math.max(1, resolved.serverAliveCountMax),
  };
  return opensshLink ? wholeSeconds(configured) : configured;
}

/** Dials one connection to `resolved`, over the system ssh or ssh2. */
export function hostDialer(
  resolved: ResolvedHost,
  opensshLink: boolean,
  keepalive: HostKeepalive,
  deps: HostDialDeps,
): Dialer {
  // ssh2 sends the probes; the supervisor (HostConnection) judges the link by every byte
  // heard. ssh2's own count of unanswered probes would call a flooding link dead when the
  // replies queue behind the flood, so it never gives up by itself.
  const probes = { intervalMs: keepalive.intervalMs, countMax: SSH2_NEVER_GIVES_UP };
  return async (signal, prompter, onHandshake, streamsWanted, execsWanted) => {
    if (opensshLink) {
      const r = await dialSystemSsh(resolved, {
        prompter,
        credentials: deps.credentials,
        signal,
        keepalive,
        onHandshake,
        onNotice: (m) => deps.log(m),
        ...(deps.env ? { env: deps.env } : {}),
      });
      return r.ok
        ? { ok: true, value: r.value, transport: trafficOf(r.value) }
        : { ok: false, error: toFailure(r.error) };
    }
    // Without jump hosts we open TCP ourselves, so the supervisor knows when a dial
    // has left the network's hands (connected) and should be let finish.
    let sock: Socket | undefined;
    // ConnectTimeout covers this TCP connect and the handshake after it, together.
    const connectStartedAt = Date.now();
    if (resolved.proxyJump.length === 0) {
      const budget = connectBudget(resolved);
      const tcp = await connectTcp(resolved.hostName, resolved.port, signal, budget.ms);
      if (!tcp.ok) return { ok: false, error: toFailure(classifyError(tcp.error, budget.target)) };
      sock = tcp.value;
    }
    // The server speaks first (its version line): a socket that has read nothing is
    // still parked wherever the path holds it.
    onHandshake(sock ? () => (sock?.bytesRead ?? 0) > 0 : undefined);
    let transport: Duplex | undefined;
    const r = await dial(resolved, {
      prompter,
      credentials: deps.credentials,
      signal,
      keepalive: probes,
      ...(sock ? { sock, connectStartedAt } : {}),
      ...(deps.env ? { env: deps.env } : {}),
      onNotice: (m) => deps.log(m),
      onTransport: (t) => (transport = t),
      ...(streamsWanted ? { earlyStreamLocal: streamsWanted } : {}),
      ...(execsWanted ? { earlyExec: execsWanted } : {}),
    });
    if (!r.ok) sock?.destroy();
    if (!r.ok) return { ok: false, error: toFailure(r.error) };
    if (!transport) throw new Error('dial succeeded without telling its transport');
    return { ok: true, value: r.value, transport };
  };
}
