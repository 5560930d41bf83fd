/**
 * One SSH connection, connected and authenticated: the thin edge where sockets, timers and
 * ssh2 live. Everything it decides is delegated: host keys to `hostVerifier.ts`, login to
 * `auth.ts`, error sorting to `errors.ts`.
 *
 * - ProxyJump: each hop is dialed in turn, and the next hop's transport is a
 *   `direct-tcpip` channel (`forwardOut`) on the previous one. Closing the returned client
 *   closes the hops; a hop that dies takes the client with it.
 * - Timeouts: ConnectTimeout (or Holdfast's default) bounds each hop's TCP connect plus
 *   the SSH handshake up to the key exchange, counted from when TCP connecting began (as
 *   OpenSSH counts the connect and the server's greeting), and then the login again; never
 *   the time a person spends answering a prompt (ssh2's own readyTimeout would count it).
 * - Keepalives are always on (ServerAliveInterval/CountMax, Holdfast defaults otherwise),
 *   so a dead link is noticed by the client's 'error'/'close' within seconds.
 * - An AbortSignal ends a dial in progress and destroys its sockets: the reconnect
 *   supervisor runs overlapping dials and closes the losers.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2, { type Client as Ssh2Client, type ConnectConfig } from 'ssh2';
import type { Prompter } from '../prompts';
import { createAuthSession } from './auth';
import {
  ackPromptly,
  EarlyChannels,
  EarlyExecs,
  type ExecWant,
  installEarlyLogin,
  onLoginFailure,
  pipelinesInOrder,
  skipHostKeysProve,
} from './pipelined';
import { installSignFirst } from './signFirst';
import { coalesceWrites } from './coalesceWrites';
import {
  HOLDFAST_DEFAULTS,
  resolveJumpChain,
  type ResolvedHost,
  type StrictHostKeyChecking,
} from './config';
import type { CredentialCache } from './credentials';
import {
  atHop,
  cancelledError,
  classifyError,
  connectTimeoutError,
  forwardError,
  handshakeTimeoutError,
  type DialError,
  type DialTarget,
} from './errors';
import { hostKeyIdentity } from './hostKeyPolicy';
import { createHostVerifier } from './hostVerifier';
import { knownKeyTypes } from './knownHosts';
import { fail, ok, type Result } from './result';

const { Client: SshClient } = ssh2;

/** An ssh2 client, as {@link dial} returns it. */
export type Client = Ssh2Client;

/**
 * Tunables of a dial.
 * The ready timeout applies when ConnectTimeout is unset (OpenSSH then waits for the OS,
 * minutes): 15 s is long enough for a slow handshake over a poor link, and short enough
 * that a dial stuck in a black hole is abandoned while overlapping dials carry on.
 */
export const DIAL_DEFAULTS = {
  /** Milliseconds a hop may take from TCP connect to logged in, prompts excluded. */
  readyTimeoutMs: 15_000,
} as const;

/** SSH disconnect reason "no more auth methods available" (RFC 4253 §11.1). */
const DISCONNECT_NO_MORE_AUTH_METHODS = 14;

/** ssh2's host key algorithms in its default order (lib/protocol/constants.js). */
const SSH2_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** Options of {@link dial}. */
export interface DialOptions {
  /** Asks the user for passwords, passphrases, keyboard-interactive answers, unknown host keys. */
  prompter: Prompter;
  /** The caller's in-memory answers, so a reconnect asks nothing. */
  credentials: CredentialCache;
  /** Overrides StrictHostKeyChecking of every hop (e.g. 'yes' for an unattended reconnect). */
  strictHostKeyChecking?: StrictHostKeyChecking;
  /** The jump hosts, already resolved (first first). Default: `resolveJumpChain(host)`. */
  jumps?: ResolvedHost[];
  /** Aborts the dial: sockets are destroyed and the result is a 'cancelled' error. */
  signal?: AbortSignal;
  /**
   * A ready transport to use instead of a TCP connection to the first hop (the target
   * when there are no jumps), e.g. a fault-injecting proxy's stream in tests.
   */
  sock?: Duplex;
  /** Overrides ServerAliveInterval (in ms) and ServerAliveCountMax for every hop. */
  keepalive?: { intervalMs?: number; countMax?: number };
  /** Overrides ConnectTimeout for every hop, in ms (prompts excluded). */
  readyTimeoutMs?: number;
  /**
   * When the caller began connecting `sock` (Date.now() ms): the first hop's ConnectTimeout
   * counts from then, so a TCP connect and a silent server share one budget.
   */
  connectStartedAt?: number;
  /** Environment for SSH_AUTH_SOCK. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Things worth a log line or a note to the user: banners, recorded host keys, skipped lines. */
  onNotice?: (message: string) => void;
  /** ssh2's protocol debug lines. */
  debug?: (line: string) => void;
  /**
   * Told the target's transport (its socket, the given stream, or the channel through the
   * last jump host) once ssh2 reads it: every 'data' chunk on it is a sign of life, which
   * the reconnect supervisor times without reaching into ssh2's private fields.
   */
  onTransport?: (transport: Duplex) => void;
  /**
   * The session sockets a reconnect will open stream-local channels to, asked when the
   * login goes out: with a key the server accepted before, their channels are opened right
   * behind it instead of a round trip later (pipelined.ts).
   */
  earlyStreamLocal?: () => readonly string[];
  /** Execs the tabs run as soon as the connection is up (a new tab's probe): asked for
   * behind the login too (pipelined.ts). */
  earlyExec?: () => readonly ExecWant[];
}

/** How a hop's transport is obtained. */
type Transport =
  | { kind: 'tcp' }
  | { kind: 'stream'; stream: Duplex }
  | { kind: 'forward'; via: Ssh2Client; viaName: string };

/** A timer that does not run while a person is answering a prompt. */
class Deadline {
  private _timer: ReturnType<typeof setTimeout> | undefined;
  private _paused = 0;
  private _done = false;

  /** `firstMs`: what is left of the first phase's `_ms` when the deadline is created. */
  constructor(
    private readonly _ms: number,
    private readonly _onExpire: () => void,
    firstMs: number = _ms,
  ) {
    this._arm(firstMs);
  }

  private _arm(ms: number = this._ms): void {
    if (this._done || this._ms <= 0) return;
    this._timer = setTimeout(
      () => {
        this._done = true;
        this._onExpire();
      },
      Math.max(1, ms),
    );
  }

  /** The next phase begins, with a full timeout of its own. */
  restart(): void {
    if (this._done || this._paused > 0) return;
    if (this._timer !== undefined) clearTimeout(this._timer);
    this._arm();
  }

  pause(): void {
    if (this._paused++ === 0 && this._timer !== undefined) clearTimeout(this._timer);
  }

  /** After a prompt, the hop gets a full timeout again: the server waited for the person too. */
  resume(): void {
    if (--this._paused === 0) this._arm();
  }

  clear(): void {
    this._done = true;
    if (this._timer !== undefined) clearTimeout(this._timer);
  }
}

function label(host: ResolvedHost): string {
  return `${host.user}@${host.alias}${host.port === 22 ? '' : `:${host.port}`}`;
}

/**
 * How long a hop may take before the server's key exchange is done (and again for the
 * login), and how timeout messages name that limit. `overrideMs` is DialOptions.readyTimeoutMs.
 */
export function connectBudget(
  host: ResolvedHost,
  overrideMs?: number,
): { ms: number; target: DialTarget } {
  const ms =
    overrideMs ??
    (host.connectTimeout !== undefined ? host.connectTimeout * 1000 : DIAL_DEFAULTS.readyTimeoutMs);
  return {
    ms,
    target: {
      host: host.hostName,
      port: host.port,
      timeoutSeconds: Math.round(ms / 1000),
      ...(overrideMs !== undefined
        ? {}
        : { timeoutSource: host.connectTimeout !== undefined ? 'ConnectTimeout' : 'default' }),
    },
  };
}

/** ssh2's host key algorithms, those of key types known_hosts holds for this host first. */
async function hostKeyAlgorithms(host: ResolvedHost): Promise<string[] | undefined> {
  const id = hostKeyIdentity(host);
  const known = await knownKeyTypes(
    [...host.userKnownHostsFiles, ...host.globalKnownHostsFiles],
    id.name,
    id.port,
  );
  if (known.length === 0) return undefined;
  const first: string[] = [];
  for (const type of known) {
    const algos = type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];
    for (const a of algos)
      if (SSH2_HOST_KEY_ALGORITHMS.includes(a) && !first.includes(a)) first.push(a);
  }
  return [...first, ...SSH2_HOST_KEY_ALGORITHMS.filter((a) => !first.includes(a))];
}

/** Dials one hop over `transport`: host key, login, ready. */
async function dialHop(
  host: ResolvedHost,
  transport: Transport,
  opts: DialOptions,
  isTarget: boolean,
): Promise<Result<Ssh2Client, DialError>> {
  const { ms: readyMs, target } = connectBudget(host, opts.readyTimeoutMs);
  const intervalSeconds =
    host.serverAliveInterval > 0 ? host.serverAliveInterval : HOLDFAST_DEFAULTS.serverAliveInterval;
  const keepaliveInterval = opts.keepalive?.intervalMs ?? intervalSeconds * 1000;
  const keepaliveCountMax = Math.max(1, opts.keepalive?.countMax ?? host.serverAliveCountMax);
  const algorithms = await hostKeyAlgorithms(host);
  if (opts.signal?.aborted) return fail(cancelledError());

  return new Promise((resolve) => {
    const client = new SshClient();
    let sock: Duplex | undefined;
    let settled = false;
    let phase: 'connect' | 'handshake' = 'connect';

    // Prompts end with the hop, whatever ends it (cancel, timeout, the server giving up).
    const hopDone = new AbortController();
    const signal =
      opts.signal === undefined ? hopDone.signal : AbortSignal.any([opts.signal, hopDone.signal]);

    const finish = (result: Result<Ssh2Client, DialError>): void => {
      if (settled) return;
      settled = true;
      hopDone.abort();
      deadline.clear();
      opts.signal?.removeEventListener('abort', onAbort);
      if (!result.ok) {
        client.destroy();
        sock?.destroy();
      }
      resolve(result);
    };
    const onAbort = (): void => finish(fail(cancelledError()));
    // The caller's TCP connect (engine.ts) already spent part of this hop's budget.
    const spent =
      transport.kind === 'stream' && opts.connectStartedAt !== undefined
        ? Math.max(0, Date.now() - opts.connectStartedAt)
        : 0;
    const deadline = new Deadline(
      readyMs,
      () => {
        finish(
          fail(phase === 'connect' ? connectTimeoutError(target) : handshakeTimeoutError(target)),
        );
      },
      readyMs - spent,
    );
    const prompter: Prompter = async (req, signal) => {
      deadline.pause();
      try {
        return await opts.prompter(req, signal);
      } finally {
        deadline.resume();
      }
    };
    const verifier = createHostVerifier(host, {
      prompter,
      credentials: opts.credentials,
      ...(opts.strictHostKeyChecking === undefined ? {} : { strict: opts.strictHostKeyChecking }),
      signal,
      ...(opts.onNotice === undefined ? {} : { onNotice: opts.onNotice }),
    });
    const auth = createAuthSession(host, {
      prompter,
      credentials: opts.credentials,
      ...(opts.env === undefined ? {} : { env: opts.env }),
      signal,
      onCancel: (what) =>
        finish(
          fail(cancelledError(`You cancelled ${what}; Holdfast did not log in to ${label(host)}.`)),
        ),
    });

    // Kept after the dial: an 'error' without a listener would crash the process.
    client.on('error', (err: Error & { level?: string; code?: unknown }) => {
      if (auth.noteError(err) || settled) return;
      const refusal = verifier.refusal();
      if (refusal !== undefined) return finish(fail(refusal));
      if (err.level === 'client-authentication') return finish(fail(auth.failure()));
      if (err.code === DISCONNECT_NO_MORE_AUTH_METHODS) {
        const denied = auth.failure();
        return finish(
          fail({
            ...denied,
            message: `${denied.message} The server ended the login after too many attempts (${err.message}): offer fewer keys with IdentitiesOnly yes and the right IdentityFile.`,
          }),
        );
      }
      finish(fail(classifyError(err, target)));
    });
    client.on('close', () => {
      if (settled) return;
      const refusal = verifier.refusal();
      finish(
        fail(
          refusal ?? {
            kind: 'network',
            retryable: true,
            host: target.host,
            port: target.port,
            message: `${target.host} port ${target.port} closed the connection before login finished: check the server's sshd log (MaxStartups, AllowUsers).`,
          },
        ),
      );
    });
    // Key exchange done: the login gets a full timeout of its own.
    client.on('handshake', () => deadline.restart());
    client.on('ready', () => {
      auth.succeeded();
      finish(ok(client));
    });
    client.on('banner', (message: string) => {
      if (message.trim() !== '') opts.onNotice?.(message.trimEnd());
    });

    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const start = (stream: Duplex): void => {
      sock = stream;
      if (stream instanceof net.Socket) coalesceWrites(stream);
      const config: ConnectConfig = {
        sock: stream,
        username: host.user,
        hostVerifier: verifier.hostVerifier,
        authHandler: auth.authHandler,
        keepaliveInterval,
        keepaliveCountMax,
        // Our Deadline replaces it: ssh2's would also count the time spent at prompts.
        readyTimeout: 0,
        ...(algorithms === undefined ? {} : { algorithms: { serverHostKey: algorithms as never } }),
        ...(opts.debug === undefined ? {} : { debug: opts.debug }),
      };
      try {
        client.connect(config);
      } catch (err) {
        finish(fail(classifyError(err, target)));
        return;
      }
      installEarlyLogin(client);
      skipHostKeysProve(client);
      const paths = isTarget ? opts.earlyStreamLocal : undefined;
      const early = paths && new EarlyChannels(client, paths, (m) => opts.onNotice?.(m));
      if (early) onLoginFailure(client, () => early.loginFailed());
      const execs =
        isTarget && opts.earlyExec
          ? new EarlyExecs(client, opts.earlyExec, (m) => opts.onNotice?.(m))
          : undefined;
      if (execs) onLoginFailure(client, () => execs.loginFailed());
      ackPromptly(stream, client);
      installSignFirst(client, auth.signFirst, () => {
        if (pipelinesInOrder((client as { _remoteVer?: string })._remoteVer)) {
          early?.loginSent();
          execs?.loginSent();
        }
      });
      if (isTarget) opts.onTransport?.(stream);
    };

    if (transport.kind === 'stream') {
      phase = 'handshake';
      start(transport.stream);
    } else if (transport.kind === 'tcp') {
      const socket = net.connect({ host: host.hostName, port: host.port, noDelay: true });
      socket.once('connect', () => {
        phase = 'handshake';
      });
      // ssh2 waits for 'connect' itself and reports socket errors with their codes.
      start(socket);
    } else {
      try {
        transport.via.forwardOut('127.0.0.1', 0, host.hostName, host.port, (err, channel) => {
          if (settled) {
            channel?.destroy();
            return;
          }
          if (err) return finish(fail(forwardError(err, transport.viaName, target)));
          phase = 'handshake';
          start(channel);
        });
      } catch (err) {
        finish(fail(forwardError(err, transport.viaName, target)));
      }
    }
  });
}

/**
 * Dials `host` (through its jump hosts) and resolves with a connected, authenticated
 * ssh2 Client, or the reason it could not. Never throws, never prompts after it resolved.
 *
 * The client keeps a listener on 'error' so a late error cannot crash the process; add
 * your own 'error' and 'close' listeners to learn when the link dies (keepalive timeout
 * arrives as an 'error' with level 'client-timeout', then 'close').
 */
export async function dial(
  host: ResolvedHost,
  opts: DialOptions,
): Promise<Result<Ssh2Client, DialError>> {
  if (opts.signal?.aborted) return fail(cancelledError());
  let jumps = opts.jumps;
  if (jumps === undefined) {
    const chain = await resolveJumpChain(host);
    if (!chain.ok) return chain;
    jumps = chain.value;
  }
  const legs = [...jumps, host];
  const clients: Ssh2Client[] = [];
  const closeAll = (): void => {
    for (const c of [...clients].reverse()) c.destroy();
  };
  for (let i = 0; i < legs.length; i++) {
    const leg = legs[i] as ResolvedHost;
    const prev = clients[i - 1];
    const transport: Transport =
      prev !== undefined
        ? { kind: 'forward', via: prev, viaName: label(legs[i - 1] as ResolvedHost) }
        : opts.sock !== undefined
          ? { kind: 'stream', stream: opts.sock }
          : { kind: 'tcp' };
    const result = await dialHop(leg, transport, opts, i === legs.length - 1);
    if (!result.ok) {
      closeAll();
      return fail(i < legs.length - 1 ? atHop(result.error, label(leg)) : result.error);
    }
    clients.push(result.value);
  }
  const final = clients[clients.length - 1] as Ssh2Client;
  const hops = clients.slice(0, -1);
  if (hops.length > 0) {
    final.once('close', () => {
      for (const c of [...hops].reverse()) c.end();
    });
    for (const hop of hops) hop.once('close', () => final.destroy());
  }
  return ok(final);
}
