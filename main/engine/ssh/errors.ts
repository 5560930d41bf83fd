/**
 * Every way a dial can fail, sorted in one place (STYLE.md §3, §6).
 *
 * Each error has a `kind` to switch on, a `message` a person can act on (what happened
 * and the way out), and `retryable`: whether dialing again later may succeed without the
 * user changing anything. Network trouble is retryable; auth, host keys and config are not.
 */

/** One authentication method tried during a dial, and what came of it. */
export interface AuthAttempt {
  /** The SSH method: 'publickey' covers both agent keys and key files. */
  method: 'none' | 'publickey' | 'password' | 'keyboard-interactive';
  /** What was tried, for people: "agent", "key ~/.ssh/id_ed25519", "password". */
  label: string;
  /** Why it did not get us in: "not accepted", "wrong", "no agent", "file not found". */
  outcome: string;
}

/** A known_hosts entry, for messages: where it is and which key it holds. */
export interface KnownKeyRef {
  fingerprint: string;
  keyType: string;
  file: string;
  line: number;
}

/** Fields shared by every dial error. */
interface ErrorBase {
  /** What happened and what to do about it, in one or a few sentences. */
  message: string;
  /** The jump host ("user@host:port") at which the dial failed, when it was not the target. */
  hop?: string;
}

/** ssh_config (or a command-line option) is wrong: names file and line when there is one. */
export interface ConfigError extends ErrorBase {
  kind: 'config';
  retryable: false;
  file?: string;
  line?: number;
}

/** Why a dial did not produce an authenticated connection. */
export type DialError =
  | ConfigError
  | (ErrorBase & { kind: 'resolve'; retryable: true; host: string })
  | (ErrorBase & { kind: 'refused'; retryable: true; host: string; port: number })
  | (ErrorBase & {
      kind: 'timeout';
      retryable: true;
      host: string;
      port: number;
      /** 'connect': no TCP answer; 'handshake': TCP worked, SSH did not finish in time. */
      phase: 'connect' | 'handshake';
    })
  | (ErrorBase & { kind: 'network'; retryable: true; host: string; port: number; code?: string })
  | (ErrorBase & {
      kind: 'auth';
      retryable: false;
      user: string;
      host: string;
      attempts: AuthAttempt[];
    })
  | (ErrorBase & {
      kind: 'host-key-changed';
      retryable: false;
      host: string;
      port: number;
      keyType: string;
      fingerprint: string;
      expected: KnownKeyRef[];
    })
  | (ErrorBase & {
      kind: 'host-key-unknown-refused';
      retryable: false;
      host: string;
      port: number;
      keyType: string;
      fingerprint: string;
      /** 'strict': StrictHostKeyChecking=yes; 'declined': the user said no. */
      reason: 'strict' | 'declined';
    })
  | (ErrorBase & {
      kind: 'host-key-revoked';
      retryable: false;
      host: string;
      port: number;
      keyType: string;
      fingerprint: string;
      file: string;
      line: number;
    })
  | (ErrorBase & { kind: 'cancelled'; retryable: false })
  | (ErrorBase & { kind: 'protocol'; retryable: false; detail: string });

/** The `kind` values of {@link DialError}. */
export type DialErrorKind = DialError['kind'];

/** A config error naming, when known, the file and line at fault. */
export function configError(message: string, file?: string, line?: number): ConfigError {
  const where =
    file === undefined ? '' : line === undefined ? `${file}: ` : `${file} line ${line}: `;
  return {
    kind: 'config',
    retryable: false,
    message: `${where}${message}`,
    ...(file === undefined ? {} : { file }),
    ...(line === undefined ? {} : { line }),
  };
}

/** A dial the caller (or the user at a prompt) called off. */
export function cancelledError(what = 'The connection attempt was cancelled.'): DialError {
  return { kind: 'cancelled', retryable: false, message: what };
}

/** Where a dial was headed, for messages. */
export interface DialTarget {
  host: string;
  port: number;
  /** How many seconds the dial waited before it gave up, for timeout messages. */
  timeoutSeconds?: number;
  /**
   * Where that limit came from: the host's ConnectTimeout, or Holdfast's default when
   * ConnectTimeout is not set. Absent when a caller chose the limit (e.g. a test).
   */
  timeoutSource?: 'ConnectTimeout' | 'default';
}

/** What Node and ssh2 put on the errors they emit. */
type NodeOrSsh2Error = Error & {
  code?: string | number;
  level?: string;
  reason?: number;
  description?: string;
};

/** Node's error codes that mean "the name did not resolve". */
const RESOLVE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_NODATA', 'EAI_FAIL']);

/** Node's error codes that mean "the network is not there right now". */
const UNREACHABLE_CODES = new Set([
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
]);

/** Node's error codes that mean "an established connection went away". */
const DROPPED_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** SSH disconnect reason: the server gave up on our authentication attempts (RFC 4253 §11.1). */
const DISCONNECT_NO_MORE_AUTH_METHODS = 14;

/** SSH channel open failure reasons (RFC 4254 §5.1), for jump-host forwarding. */
const OPEN_ADMINISTRATIVELY_PROHIBITED = 1;

function at(target: DialTarget): string {
  return `${target.host} port ${target.port}`;
}

/**
 * Sorts an error from Node's sockets or from ssh2 into a {@link DialError}.
 *
 * Auth and host-key failures are not sorted here: ssh2 reports them with generic text, and
 * the dial knows better (it kept the tried methods and the verifier's verdict).
 */
export function classifyError(err: unknown, target: DialTarget): DialError {
  const e: NodeOrSsh2Error = err instanceof Error ? err : new Error(String(err));
  const code = typeof e.code === 'string' ? e.code : undefined;

  if (code !== undefined && RESOLVE_CODES.has(code)) {
    const why =
      code === 'EAI_AGAIN'
        ? 'the name server did not answer; check your network'
        : 'check the name or your network';
    return {
      kind: 'resolve',
      retryable: true,
      host: target.host,
      message: `Could not resolve host '${target.host}': ${why}.`,
    };
  }
  if (code === 'ECONNREFUSED') {
    return {
      kind: 'refused',
      retryable: true,
      host: target.host,
      port: target.port,
      message: `Connection refused by ${at(target)}: is sshd running there, is the port right?`,
    };
  }
  if (code === 'ETIMEDOUT') {
    return connectTimeoutError(target);
  }
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return {
      kind: 'network',
      retryable: true,
      host: target.host,
      port: target.port,
      code,
      message: `No route to ${at(target)} (${code}): check your network connection.`,
    };
  }
  if (code !== undefined && DROPPED_CODES.has(code)) {
    return {
      kind: 'network',
      retryable: true,
      host: target.host,
      port: target.port,
      code,
      message: `The connection to ${at(target)} was cut (${code}): the network or the server dropped it; trying again usually works.`,
    };
  }
  if (e.level === 'client-timeout') {
    return handshakeTimeoutError(target);
  }
  if (e.level === 'client-socket' || e.level === 'client-dns') {
    return {
      kind: 'network',
      retryable: true,
      host: target.host,
      port: target.port,
      ...(code === undefined ? {} : { code }),
      message: `Network error talking to ${at(target)}: ${e.message}.`,
    };
  }
  if (/Connection lost before handshake/i.test(e.message)) {
    return {
      kind: 'network',
      retryable: true,
      host: target.host,
      port: target.port,
      message: `${at(target)} closed the connection before the SSH handshake: the server may be overloaded (sshd MaxStartups), or this port is not an SSH server.`,
    };
  }
  if (e.code === DISCONNECT_NO_MORE_AUTH_METHODS) {
    return {
      kind: 'auth',
      retryable: false,
      user: '',
      host: target.host,
      attempts: [],
      message: `${target.host} ended the login: ${e.message}. Offer fewer keys (IdentitiesOnly yes with the right IdentityFile).`,
    };
  }
  if (typeof e.code === 'number') {
    // Any other SSH_MSG_DISCONNECT from the server.
    return {
      kind: 'protocol',
      retryable: false,
      detail: e.message,
      message: `${target.host} disconnected: ${e.message}. Check the server's sshd log for the reason.`,
    };
  }
  if (e.level === 'handshake' || e.level === 'protocol') {
    return {
      kind: 'protocol',
      retryable: false,
      detail: e.message,
      message: `The SSH handshake with ${at(target)} failed: ${e.message}. The server may need an algorithm Holdfast does not offer, or it is not an SSH server.`,
    };
  }
  return {
    kind: 'network',
    retryable: true,
    host: target.host,
    port: target.port,
    ...(code === undefined ? {} : { code }),
    message: `Connection to ${at(target)} failed: ${e.message}.`,
  };
}

/** How long the dial waited and which setting said so: "after 3 s (ConnectTimeout 3)". */
function waited(target: DialTarget, preposition: 'after' | 'within'): string {
  const s = target.timeoutSeconds;
  if (s === undefined) return '';
  if (target.timeoutSource === 'ConnectTimeout')
    return ` ${preposition} ${s} s (ConnectTimeout ${s})`;
  if (target.timeoutSource === 'default')
    return ` ${preposition} ${s} s (Holdfast's limit while ConnectTimeout is not set)`;
  return ` ${preposition} ${s} s`;
}

/** No TCP answer within the connect timeout. */
export function connectTimeoutError(target: DialTarget): DialError {
  return {
    kind: 'timeout',
    retryable: true,
    host: target.host,
    port: target.port,
    phase: 'connect',
    message: `Timed out connecting to ${at(target)}${waited(target, 'after')}: the host may be down or offline, or a firewall drops the connection.`,
  };
}

/** TCP connected, but the SSH handshake (from the server's greeting on) did not finish in time. */
export function handshakeTimeoutError(target: DialTarget): DialError {
  const raise =
    target.timeoutSource === 'ConnectTimeout' ? '; on a slow link, raise ConnectTimeout' : '';
  return {
    kind: 'timeout',
    retryable: true,
    host: target.host,
    port: target.port,
    phase: 'handshake',
    message: `${at(target)} accepted the connection but the SSH handshake did not finish${waited(target, 'within')}: the network may be stalling, or it is not an SSH server${raise}.`,
  };
}

/**
 * A jump host could not open the forwarded connection to the next hop. `reason` is the
 * SSH channel-open failure code when the jump host sent one.
 */
export function forwardError(err: unknown, jump: string, next: DialTarget): DialError {
  const e: NodeOrSsh2Error = err instanceof Error ? err : new Error(String(err));
  if (e.reason === OPEN_ADMINISTRATIVELY_PROHIBITED) {
    return configError(
      `Jump host ${jump} does not allow forwarding to ${at(next)}: enable AllowTcpForwarding in its sshd_config, or use another jump host.`,
    );
  }
  const text = e.message.replace(/^\(SSH\)\s*/, '');
  if (/refused/i.test(text)) {
    return {
      kind: 'refused',
      retryable: true,
      host: next.host,
      port: next.port,
      message: `Jump host ${jump} reached ${next.host} but port ${next.port} refused the connection: is sshd running there, is the port right?`,
    };
  }
  if (/resolve|name or service|not known|getaddrinfo/i.test(text)) {
    return {
      kind: 'resolve',
      retryable: true,
      host: next.host,
      message: `Jump host ${jump} could not resolve host '${next.host}': check the name (it must be known to the jump host).`,
    };
  }
  return {
    kind: 'network',
    retryable: true,
    host: next.host,
    port: next.port,
    message: `Jump host ${jump} could not connect to ${at(next)}: ${text}.`,
  };
}

/** Puts the failing jump host in front of an error's message (and in `hop`). */
export function atHop(error: DialError, hop: string): DialError {
  return { ...error, hop, message: `Via jump host ${hop}: ${error.message}` };
}
