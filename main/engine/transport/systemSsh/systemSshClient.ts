// The system OpenSSH client as a connection the engine can use like an ssh2 Client
// (remoteClient.ts): a master `ssh -M -N` per connection, owned by us, with its control
// socket in a private 0700 directory, and one multiplexing `ssh -S` child per exec.
//
// - Prompts: the master has no terminal; SSH_ASKPASS points at our helper, so passwords,
//   passphrases, one-time codes and unknown host keys reach the engine's Prompter (and a
//   reconnect answers from the credential cache, as ssh2 dials do).
// - Liveness: the master runs at LogLevel DEBUG3, which logs each packet the server sends
//   except channel data; keepalive replies are packets, and channel data arrives on our
//   exec pipes. Both count as traffic for the supervisor (reconnect/hostConnection.ts).
// - Death: the master exits (ServerAlive*, a reset), or the supervisor ends it.
// - Overlapping dials are separate masters on separate sockets; losers are ended.
// - A watchdog shell per master ends it if this process dies without a word (SIGKILL),
//   so no master outlives us and no socket directory is left behind.

import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Duplex } from 'node:stream';
import type { Prompter } from '../../prompts';
import { DIAL_DEFAULTS } from '../../ssh/dial';
import type { ResolvedHost } from '../../ssh/config';
import type { CredentialCache } from '../../ssh/credentials';
import { cancelledError, type DialError } from '../../ssh/errors';
import { fail, ok, type Result } from '../../ssh/result';
import type { ExecCallback, PtyRequest, RemoteClient, RemoteExecOptions } from '../remoteClient';
import { readAskpassQuestion } from './askpassPrompt';
import { startAskpass, type AskpassServer } from './askpassServer';
import { masterFailure, readMasterLine } from './masterLog';
import { masterArgs, muxArgs, muxForwardArgs } from './sshArgs';
import { ProcessChannel } from './processChannel';
import { OpenSshRemoteForwards } from './remoteForwards';

/** Lines of ssh's own messages kept for an error message (the last ones matter). */
const MAX_MESSAGE_LINES = 40;
/** How long a master has to exit after SIGTERM before it gets SIGKILL (ms). */
const KILL_GRACE_MS = 2_000;

export type SystemSshOptions = {
  prompter: Prompter;
  credentials: CredentialCache;
  signal?: AbortSignal;
  keepalive: { intervalMs: number; countMax: number };
  /** TCP is up (or the ProxyCommand runs) and SSH has begun. */
  onHandshake?: () => void;
  onNotice?: (message: string) => void;
  /** The ssh binary. Default `ssh` from PATH. */
  sshPath?: string;
  env?: Readonly<Record<string, string | undefined>>;
};

/** Where the private directories go: the user's runtime dir when there is one (short, 0700). */
async function privateBase(env: Readonly<Record<string, string | undefined>>): Promise<string> {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && path.isAbsolute(runtime)) {
    const s = await stat(runtime).catch(() => undefined);
    if (s?.isDirectory() && s.uid === process.getuid?.()) return runtime;
  }
  return os.tmpdir();
}

function baseEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

export class SystemSshClient extends EventEmitter implements RemoteClient {
  private readonly _traffic = new Set<() => void>();
  /** -R: the master's listeners on the server and our relays for them. */
  private readonly _remote: OpenSshRemoteForwards;
  private _closed = false;

  constructor(
    private readonly _master: ChildProcess,
    private readonly _watchdog: ChildProcess,
    private readonly _dir: string,
    private readonly _controlPath: string,
    private readonly _sshPath: string,
    private readonly _env: Record<string, string>,
    private readonly _askpass: AskpassServer,
  ) {
    super();
    // An 'error' nobody listens to would end the process; the supervisor adds its own.
    this.on('error', () => {});
    this._remote = new OpenSshRemoteForwards(
      _sshPath,
      _controlPath,
      { ..._env, SHELL: '/bin/sh' },
      (info, accept, reject) => this.emit('tcp connection', info, accept, reject),
    );
  }

  /** The master exited after login, with ssh's last words (e.g. "Timeout, server not responding."). */
  lost(lastMessage: string | undefined): void {
    if (this._closed) return;
    this._closed = true;
    this._askpass.close();
    this._remote.close();
    // The master is gone and reaped: its pid may be reused, so the watchdog must not act.
    this._watchdog.kill('SIGKILL');
    void rm(this._dir, { recursive: true, force: true });
    this.emit(
      'error',
      new Error(`OpenSSH ended the connection${lastMessage ? `: ${lastMessage}` : ''}`),
    );
    this.emit('close');
  }

  /** Called by the master's log reader when the server sent a packet. */
  heard(): void {
    for (const l of this._traffic) l();
  }

  onTraffic(listener: () => void): void {
    this._traffic.add(listener);
  }

  exec(command: string, a: RemoteExecOptions | ExecCallback, b?: ExecCallback): this {
    const [opts, cb] = typeof a === 'function' ? [{}, a] : [a, b as ExecCallback];
    this._run(command, opts, cb);
    return this;
  }

  shell(window: PtyRequest | false, opts: RemoteExecOptions, cb: ExecCallback): this {
    this._run(undefined, { ...opts, pty: window === false ? false : window }, cb);
    return this;
  }

  /** OpenSSH's client cannot forward a Unix socket to stdio: the engine uses `bridge`. */
  openssh_forwardOutStreamLocal(
    _socketPath: string,
    callback: (err: Error | undefined, channel: Duplex) => void,
  ): this {
    process.nextTick(() =>
      callback(new Error('not offered by the OpenSSH transport'), undefined as unknown as Duplex),
    );
    return this;
  }

  /** `ssh -S ctl -W host:port`: the master opens the channel, the child relays it. */
  forwardOut(
    _srcIP: string,
    _srcPort: number,
    dstIP: string,
    dstPort: number,
    callback: (err: Error | undefined, channel: Duplex) => void,
  ): this {
    this._spawnMux(
      muxForwardArgs(this._controlPath, dstIP, dstPort),
      { ...this._env, SHELL: '/bin/sh' },
      callback,
    );
    return this;
  }

  /** The master listens on the server and hands arrivals to a loopback relay of ours. */
  forwardIn(
    bindAddr: string,
    bindPort: number,
    callback: (err: Error | undefined, port: number) => void,
  ): this {
    this._remote.forwardIn(bindAddr, bindPort, callback);
    return this;
  }

  unforwardIn(bindAddr: string, bindPort: number, callback?: (err?: Error | null) => void): this {
    this._remote.unforwardIn(bindAddr, bindPort, callback);
    return this;
  }

  end(): this {
    this._stop();
    return this;
  }

  destroy(): this {
    this._stop();
    return this;
  }

  private _run(command: string | undefined, opts: RemoteExecOptions, cb: ExecCallback): void {
    if (this._closed) {
      process.nextTick(() => cb(new Error('the OpenSSH connection is closed'), undefined as never));
      return;
    }
    const term = typeof opts.pty === 'object' ? opts.pty.term : undefined;
    // TERM is what a multiplexing client sends for its terminal; SHELL runs ProxyCommand.
    const env = {
      ...this._env,
      ...(opts.env ?? {}),
      ...(term ? { TERM: term } : {}),
      SHELL: '/bin/sh',
    };
    const args = muxArgs(this._controlPath, command, {
      envNames: Object.keys(opts.env ?? {}),
      tty: opts.pty !== undefined && opts.pty !== false,
    });
    this._spawnMux(args, env, cb);
  }

  private _spawnMux(
    args: string[],
    env: Record<string, string>,
    cb: (err: Error | undefined, channel: ProcessChannel) => void,
  ): void {
    if (this._closed) {
      process.nextTick(() => cb(new Error('the OpenSSH connection is closed'), undefined as never));
      return;
    }
    const child = spawn(this._sshPath, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env,
      // No controlling terminal: terminal signals and prompts never reach it.
      detached: true,
    });
    let answered = false;
    child.once('error', (err) => {
      if (!answered) cb(err, undefined as never);
      answered = true;
    });
    child.once('spawn', () => {
      answered = true;
      cb(undefined, new ProcessChannel(child, () => this.heard()));
    });
  }

  private _stop(): void {
    this._remote.close();
    if (this._master.exitCode === null && this._master.signalCode === null) {
      this._master.kill('SIGTERM');
      setTimeout(() => {
        if (this._master.exitCode === null && this._master.signalCode === null)
          this._master.kill('SIGKILL');
      }, KILL_GRACE_MS).unref();
    }
  }
}

/** Ends `pid` and removes `dir` when this process's end closes the watchdog's stdin. */
function startWatchdog(pid: number, dir: string): ChildProcess {
  const w = spawn(
    '/bin/sh',
    ['-c', 'read _ ; kill "$1" 2>/dev/null; rm -rf "$2"', 'holdfast-watchdog', String(pid), dir],
    { stdio: ['pipe', 'ignore', 'ignore'], detached: true },
  );
  w.on('error', () => {});
  w.unref();
  (w.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return w;
}

/**
 * Connects to `host` with the system ssh, prompting through `opts.prompter`, and resolves
 * once the master is logged in and listens on its control socket. Never throws.
 */
export async function dialSystemSsh(
  host: ResolvedHost,
  opts: SystemSshOptions,
): Promise<Result<SystemSshClient, DialError>> {
  if (process.platform === 'win32')
    return fail({
      kind: 'config',
      retryable: false,
      message:
        'This host needs the system OpenSSH client (see holdfast -v), whose Windows build cannot share a connection (ControlMaster): set HoldfastTransport=ssh2 to try without it.',
    });
  if (opts.signal?.aborted) return fail(cancelledError());
  const envIn = opts.env ?? process.env;
  let dir: string;
  try {
    dir = await mkdtemp(path.join(await privateBase(envIn), 'holdfast-ssh-'));
  } catch (e) {
    return fail({
      kind: 'config',
      retryable: false,
      message: `Could not create a private directory for the OpenSSH connection: ${(e as Error).message}`,
    });
  }
  const controlPath = path.join(dir, 'c');
  const target = { user: host.user, host: host.hostName, port: host.port };
  const cached = new Set<string>();
  let cancelled: string | undefined;
  let promptOpen = 0;

  const answer = async (prompt: string, kind: string): Promise<string | undefined> => {
    const q = readAskpassQuestion(prompt, kind, target);
    if (q.kind === 'notice') {
      opts.onNotice?.(`${host.alias}: ${q.text}`);
      return '';
    }
    if (q.cacheKey) {
      const id = JSON.stringify(q.cacheKey);
      const remembered = opts.credentials.get(q.cacheKey);
      // The same question twice in one dial: the remembered answer was wrong.
      if (remembered && !cached.has(id)) {
        cached.add(id);
        return remembered[0];
      }
      opts.credentials.delete(q.cacheKey);
    }
    promptOpen++;
    try {
      const a = await opts.prompter(q.request, opts.signal);
      if (a.kind === 'cancel') {
        cancelled ??= q.request.kind.replace(/-/g, ' ');
        return undefined;
      }
      const reply = q.reply(a);
      if (reply !== undefined && q.cacheKey) {
        opts.credentials.set(q.cacheKey, [reply]);
        cached.add(JSON.stringify(q.cacheKey));
      }
      return reply;
    } finally {
      promptOpen--;
    }
  };
  const asking = await startAskpass(dir, answer).catch((e: Error) => e);
  if (asking instanceof Error) {
    void rm(dir, { recursive: true, force: true });
    return fail({
      kind: 'config',
      retryable: false,
      message: `Could not set up the prompts of the OpenSSH connection in ${dir}: ${asking.message}`,
    });
  }
  const askpass = asking;

  const commandLine = host.origin.commandLine ?? { destination: host.alias };
  const home = os.homedir();
  const args = masterArgs({
    commandLine,
    controlPath,
    keepalive: {
      intervalSeconds: Math.max(1, Math.ceil(opts.keepalive.intervalMs / 1000)),
      countMax: Math.max(1, opts.keepalive.countMax),
    },
    connectTimeoutSeconds: host.connectTimeout ?? DIAL_DEFAULTS.readyTimeoutMs / 1000,
    // ssh reads ~/.ssh/config of the real home; an engine told another home passes its own.
    ...(host.origin.home !== home && commandLine.configFile === undefined
      ? { defaultConfigFile: path.join(host.origin.home, '.ssh', 'config') }
      : {}),
  });
  const sshPath = opts.sshPath ?? 'ssh';
  const env = baseEnv(envIn);
  const master = spawn(sshPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...env, ...askpass.env },
    detached: true,
  });
  const cleanup = () => {
    askpass.close();
    void rm(dir, { recursive: true, force: true });
  };

  return new Promise((resolve) => {
    const messages: string[] = [];
    let client: SystemSshClient | undefined;
    let settled = false;
    let watchdog: ChildProcess | undefined;
    const readyMs =
      host.connectTimeout !== undefined ? host.connectTimeout * 1000 : DIAL_DEFAULTS.readyTimeoutMs;
    let deadlineAt = Date.now() + readyMs;
    const finish = (r: Result<SystemSshClient, DialError>) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (!r.ok) {
        if (master.exitCode === null && master.signalCode === null) master.kill('SIGTERM');
        // Ends the master itself, then leaves (the master's pid is still ours to signal).
        watchdog?.stdin?.end();
        cleanup();
      }
      resolve(r);
    };
    const onAbort = () => finish(fail(cancelledError()));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    // The deadline does not run while a person answers a prompt (as in ssh/dial.ts).
    const timer = setInterval(() => {
      if (promptOpen > 0) deadlineAt = Date.now() + readyMs;
      else if (Date.now() > deadlineAt)
        finish(
          fail({
            kind: 'timeout',
            retryable: true,
            host: target.host,
            port: target.port,
            phase: 'handshake',
            message:
              `${target.host} port ${target.port}: OpenSSH did not log in within ${Math.round(readyMs / 1000)} s. ${messages.slice(-2).join(' ')}`.trim(),
          }),
        );
    }, 250);

    master.once('error', (err: NodeJS.ErrnoException) => {
      finish(
        fail({
          kind: 'config',
          retryable: false,
          message:
            err.code === 'ENOENT'
              ? `This host needs the system OpenSSH client (see holdfast -v), but "${sshPath}" was not found: install OpenSSH's client (openssh-client), or set HoldfastTransport=ssh2 to try without it.`
              : `Could not run ${sshPath}: ${err.message}`,
        }),
      );
    });
    if (master.pid !== undefined) watchdog = startWatchdog(master.pid, dir);

    const lines = createInterface({ input: master.stderr as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const l = readMasterLine(line);
      switch (l.kind) {
        case 'traffic':
          client?.heard();
          break;
        case 'handshake':
          opts.onHandshake?.();
          break;
        case 'ready':
          void stat(controlPath).then(
            (s) => {
              const alive = master.exitCode === null && master.signalCode === null;
              if (!s.isSocket() || !watchdog || settled || !alive) return;
              client = new SystemSshClient(
                master,
                watchdog,
                dir,
                controlPath,
                sshPath,
                env,
                askpass,
              );
              finish(ok(client));
            },
            () => {},
          );
          break;
        case 'message':
          messages.push(l.text);
          if (messages.length > MAX_MESSAGE_LINES) messages.shift();
          break;
        case 'noise':
          break;
      }
    });
    // The verdict needs both: the exit, and every line ssh wrote before it.
    let exited = false;
    let drained = false;
    const ended = () => {
      if (!exited || !drained) return;
      if (client) return client.lost(messages[messages.length - 1]);
      if (cancelled !== undefined)
        return finish(
          fail(
            cancelledError(
              `You cancelled the ${cancelled} prompt; Holdfast did not log in to ${target.user}@${host.alias}.`,
            ),
          ),
        );
      finish(fail(masterFailure(messages, target)));
    };
    lines.once('close', () => {
      drained = true;
      ended();
    });
    master.once('exit', () => {
      exited = true;
      ended();
    });
  });
}
