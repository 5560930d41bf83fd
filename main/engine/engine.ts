// The engine: everything the app, the CLI and the test host do goes through here.
// It resolves destinations (ssh_config), shares one supervised connection per host among
// its tabs, deploys the agent once per connection, starts or attaches sessions, and hands
// back tabs whose streams survive the network.

import { TabEventSource } from './tabEvents';
import { trafficOf, type ExecChannel, type RemoteClient as Client } from './transport/remoteClient';
import { AgentBundle } from './deploy/agentBundle';
import { deployAgent, type DeployOptions, type DeployOutcome } from './deploy/deploy';
import { ResumeState } from './protocol/resume';
import { HostConnection, type DialFailure, type HostState } from './reconnect/hostConnection';
import { agentEnv, agentScript, notRunReason, remoteExec, shq, shqLine } from './remoteExec';
import type { TransportChoice } from './transport/chooseTransport';
import { dialSystemSsh } from './transport/systemSsh/systemSshClient';
import { chooseTransportFor } from './transport/transportFacts';
import { CHANNEL_REFUSED, SessionTab, type ChannelPrefs, type RemoteAgent } from './sessionTab';
import {
  classifyError,
  connectionKey,
  CredentialCache,
  connectBudget,
  dial,
  HOLDFAST_DEFAULTS,
  resolveHost,
  sessionEnvironment,
  type DialError,
  type ResolvedHost,
} from './ssh';
import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Prompter } from './prompts';
import type { Destination, OpenTabRequest, SessionInfo, Tab, TabState } from './types';

export type EngineOptions = {
  prompter: Prompter;
  /** Sent to the agent in HELLO, for its logs. */
  clientName?: string;
  agents?: AgentBundle;
  log?: (message: string) => void;
  /** Environment used for ssh_config resolution and the ssh-agent socket. */
  env?: Readonly<Record<string, string | undefined>>;
  home?: string;
  /** Keepalive override in ms (tests, bench); ssh_config's ServerAlive* otherwise. */
  keepalive?: { intervalMs: number; countMax: number };
  deploy?: DeployOptions;
};

export type EngineError = { kind: string; message: string };
export type EngineResult<T> = { ok: true; value: T } | { ok: false; error: EngineError };

type HostEntry = {
  key: string;
  resolved: ResolvedHost;
  /** ssh2 or the system OpenSSH client, and why (transport/chooseTransport.ts). */
  route: Route;
  conn: HostConnection;
  prefs: ChannelPrefs;
  agent: Promise<DeployOutcome> | undefined;
  users: number;
  /** Another connection to the same host, for when the server limits channels. */
  makeConn: () => HostConnection;
  /** Extra connections, and those the server refused another channel on. */
  spares: HostConnection[];
  full: Set<HostConnection>;
};

type Route = Extract<TransportChoice, { ok: true }>;

/** OpenSSH counts ServerAliveInterval in whole seconds; the supervisor must expect that. */
function wholeSeconds(k: { intervalMs: number; countMax: number }) {
  return { ...k, intervalMs: Math.max(1, Math.ceil(k.intervalMs / 1000)) * 1000 };
}

const UNREACHABLE = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EADDRNOTAVAIL']);

/** ssh2's keepaliveCountMax that never ends a connection by itself (see _host). */
const SSH2_NEVER_GIVES_UP = Number.POSITIVE_INFINITY;

/**
 * What a new session gets from ours: SendEnv/SetEnv (ssh/environment.ts) of the tab's own
 * resolution, which may differ from that of the host entry it shares a connection with.
 */
function sessionEnvOf(resolved: ResolvedHost): Record<string, string> {
  return sessionEnvironment(resolved, resolved.origin.env ?? process.env);
}

/**
 * Random bytes in the token that makes `new` idempotent (`--request`, 2 hex digits each):
 * 16 bytes never collide between tabs. Not a secret: the state directory is the user's own.
 */
const REQUEST_TOKEN_BYTES = 16;

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

export class Engine {
  private readonly _hosts = new Map<string, HostEntry>();
  private readonly _credentials = new CredentialCache();
  private readonly _agents: AgentBundle;
  private readonly _clientName: string;
  private readonly _log: (m: string) => void;

  constructor(private readonly _opts: EngineOptions) {
    this._agents = _opts.agents ?? AgentBundle.locate();
    this._clientName = _opts.clientName ?? 'holdfast';
    this._log = _opts.log ?? (() => {});
  }

  /** Opens a tab at once; its state events tell how connecting goes. */
  openTab(req: OpenTabRequest): Tab {
    const tab = new TabHandle(
      req.resume ? ResumeState.fromSnapshot(req.resume) : new ResumeState(),
    );
    tab.resize(req.cols, req.rows);
    void this._open(req, tab).catch((e: Error) => {
      this._log(`internal error while opening a tab: ${e.stack ?? e.message}`);
      tab.fail('internal', `Holdfast hit an internal error: ${e.message}`);
    });
    return tab;
  }

  /** Sessions the agent holds on a host, including ones other clients started. */
  async listSessions(dest: Destination): Promise<EngineResult<SessionInfo[]>> {
    return this._withAgent(dest, async (client, agent) => {
      const r = await remoteExec(client, agentScript(agent, ['ls', '--json']), {
        timeoutMs: 30_000,
      });
      if (!r.ran) return { ok: false, error: { kind: 'agent', message: notRunReason(r) } };
      if (r.code !== 0)
        return {
          ok: false,
          error: { kind: 'agent', message: r.stderr.trim() || `ls failed (exit ${r.code})` },
        };
      try {
        return { ok: true, value: JSON.parse(r.stdout) as SessionInfo[] };
      } catch {
        return {
          ok: false,
          error: { kind: 'agent', message: 'the agent printed a session list that is not JSON' },
        };
      }
    });
  }

  /** Ends a session on a host. */
  async killSession(dest: Destination, id: string, signal = 'TERM'): Promise<EngineResult<void>> {
    return this._withAgent(dest, async (client, agent) => {
      const r = await remoteExec(client, killScript(agent, id, signal), { timeoutMs: 30_000 });
      if (!r.ran) return { ok: false, error: { kind: 'agent', message: notRunReason(r) } };
      if (r.code !== 0)
        return {
          ok: false,
          error: { kind: 'agent', message: r.stderr.trim() || `kill failed (exit ${r.code})` },
        };
      return { ok: true, value: undefined };
    });
  }

  /** Wi-Fi changed, the machine woke up: every host dials a fresh connection now. */
  networkChanged(): void {
    for (const h of this._hosts.values()) h.conn.networkChanged();
  }

  dispose(): void {
    for (const h of this._hosts.values()) {
      h.conn.dispose();
      for (const c of h.spares) c.dispose();
    }
    this._hosts.clear();
    this._credentials.clear();
  }

  private async _resolve(dest: Destination): Promise<EngineResult<ResolvedHost>> {
    const r = await resolveHost({
      destination: dest.destination,
      ...(dest.configFile ? { configFile: dest.configFile } : {}),
      ...(dest.options ? { options: dest.options } : {}),
      ...(dest.port ? { port: dest.port } : {}),
      ...(dest.user ? { user: dest.user } : {}),
      ...(dest.identityFiles ? { identityFiles: dest.identityFiles } : {}),
      ...(dest.jump ? { jump: dest.jump } : {}),
      ...(this._opts.home ? { home: this._opts.home } : {}),
      ...(this._opts.env ? { env: this._opts.env } : {}),
    });
    if (!r.ok) return { ok: false, error: { kind: r.error.kind, message: r.error.message } };
    return r;
  }

  /**
   * The shared connection for `resolved`: only a destination whose host-key check and
   * login would be the same rides on another's connection (ssh/connectionKey.ts).
   */
  private _host(resolved: ResolvedHost, route: Route): HostEntry {
    const opensshLink = route.transport === 'openssh';
    const key = connectionKey(resolved, opensshLink);
    let h = this._hosts.get(key);
    if (h) return h;
    this._log(
      `${resolved.alias}: transport ${opensshLink ? 'OpenSSH (system ssh)' : 'ssh2'}: ${route.why}`,
    );
    // ServerAliveInterval 0 (no keepalives) is not an option here: a resumable session
    // must notice a dead link, so it gets Holdfast's default instead.
    const configured = this._opts.keepalive ?? {
      intervalMs: (resolved.serverAliveInterval || HOLDFAST_DEFAULTS.serverAliveInterval) * 1000,
      countMax: Math.max(1, resolved.serverAliveCountMax),
    };
    const keepalive = opensshLink ? wholeSeconds(configured) : configured;
    // ssh2 sends the probes; the supervisor (HostConnection) judges the link by every byte
    // heard. ssh2's own count of unanswered probes would call a flooding link dead when the
    // replies queue behind the flood, so it never gives up by itself.
    const probes = { intervalMs: keepalive.intervalMs, countMax: SSH2_NEVER_GIVES_UP };
    const makeConn = () =>
      new HostConnection(
        async (signal, prompter, onHandshake) => {
          if (opensshLink) {
            const r = await dialSystemSsh(resolved, {
              prompter,
              credentials: this._credentials,
              signal,
              keepalive,
              onHandshake,
              onNotice: (m) => this._log(m),
              ...(this._opts.env ? { env: this._opts.env } : {}),
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
            if (!tcp.ok)
              return { ok: false, error: toFailure(classifyError(tcp.error, budget.target)) };
            sock = tcp.value;
          }
          // The server speaks first (its version line): a socket that has read nothing is
          // still parked wherever the path holds it.
          onHandshake(sock ? () => (sock?.bytesRead ?? 0) > 0 : undefined);
          let transport: Duplex | undefined;
          const r = await dial(resolved, {
            prompter,
            credentials: this._credentials,
            signal,
            keepalive: probes,
            ...(sock ? { sock, connectStartedAt } : {}),
            ...(this._opts.env ? { env: this._opts.env } : {}),
            onNotice: (m) => this._log(m),
            onTransport: (t) => (transport = t),
          });
          if (!r.ok) sock?.destroy();
          if (!r.ok) return { ok: false, error: toFailure(r.error) };
          if (!transport) throw new Error('dial succeeded without telling its transport');
          return { ok: true, value: r.value, transport };
        },
        this._opts.prompter,
        keepalive,
        undefined,
        (m) => this._log(`${resolved.alias}: ${m}`),
      );
    const conn = makeConn();
    h = {
      key,
      resolved,
      route,
      conn,
      // OpenSSH's client has no stream-local channel to stdio: tabs use `bridge`.
      prefs: { streamLocal: !opensshLink },
      agent: undefined,
      users: 0,
      makeConn,
      spares: [],
      full: new Set(),
    };
    this._hosts.set(key, h);
    return h;
  }

  private async _connected(
    dest: Destination,
  ): Promise<EngineResult<{ h: HostEntry; client: Client; resolved: ResolvedHost }>> {
    const resolved = await this._resolve(dest);
    if (!resolved.ok) return resolved;
    const route = await chooseTransportFor(resolved.value);
    if (!route.ok) return { ok: false, error: { kind: 'config', message: route.message } };
    const h = this._host(resolved.value, route);
    const r = h.conn.client ? { ok: true as const, value: h.conn.client } : await h.conn.connect();
    if (!r.ok) {
      if (h.users === 0) {
        h.conn.dispose();
        this._hosts.delete(h.key);
      }
      return { ok: false, error: { kind: r.error.kind, message: r.error.message } };
    }
    return { ok: true, value: { h, client: r.value, resolved: resolved.value } };
  }

  private _deployed(h: HostEntry, client: Client): Promise<DeployOutcome> {
    if (!h.agent) {
      const started = Date.now();
      h.agent = deployAgent(client, this._agents, {
        ...this._opts.deploy,
        ...(h.resolved.holdfastDir ? { dir: h.resolved.holdfastDir } : {}),
      })
        .catch((e: Error): DeployOutcome => ({ kind: 'error', message: e.message }))
        .then((o) => {
          const took = `${Date.now() - started} ms`;
          this._log(
            o.kind === 'agent'
              ? o.uploaded
                ? `${h.resolved.alias}: agent ${o.target === 'source' ? 'built on the server' : `uploaded (${o.target})`} to ${o.agentPath} in ${took}`
                : `${h.resolved.alias}: agent ${o.agentPath} is up to date (${took})`
              : `${h.resolved.alias}: no agent: ${o.kind === 'error' ? o.message : o.reason}`,
          );
          return o;
        });
      // A failed deploy is tried again on the next tab, not remembered forever.
      void h.agent.then((o) => {
        if (o.kind === 'error') h.agent = undefined;
      });
    }
    return h.agent;
  }

  private async _withAgent<T>(
    dest: Destination,
    fn: (client: Client, agent: RemoteAgent) => Promise<EngineResult<T>>,
  ): Promise<EngineResult<T>> {
    const c = await this._connected(dest);
    if (!c.ok) return c;
    const { h, client } = c.value;
    h.users++;
    try {
      const d = await this._deployed(h, client);
      if (d.kind !== 'agent') {
        return {
          ok: false,
          error: { kind: 'no-agent', message: d.kind === 'error' ? d.message : d.reason },
        };
      }
      return await fn(client, remoteAgent(d));
    } finally {
      this._release(h);
    }
  }

  private _release(h: HostEntry): void {
    h.users--;
    if (h.users <= 0 && this._hosts.get(h.key) === h) {
      h.conn.dispose();
      for (const c of h.spares) c.dispose();
      this._hosts.delete(h.key);
    }
  }

  /**
   * A connection to the same host with room for another channel: `full` just refused
   * one (MaxSessions reached), so a host gets a second connection rather than an error.
   */
  private async _spare(h: HostEntry, full: HostConnection): Promise<HostConnection | undefined> {
    h.full.add(full);
    const free = [h.conn, ...h.spares].find((c) => !h.full.has(c) && c.client);
    if (free) return free;
    const conn = h.makeConn();
    const r = await conn.connect();
    if (!r.ok) {
      conn.dispose();
      return undefined;
    }
    h.spares.push(conn);
    this._log(
      `${h.resolved.alias}: opened connection ${h.spares.length + 1} (the server limits channels per connection)`,
    );
    return conn;
  }

  private async _open(req: OpenTabRequest, tab: TabHandle): Promise<void> {
    tab.setState({ kind: 'connecting', step: 'connecting' });
    const c = await this._connected(req);
    if (!c.ok) return tab.fail(c.error.kind, c.error.message);
    const { h, resolved } = c.value;
    h.users++;
    tab.onFinished(() => this._release(h));
    if (h.route.transport === 'openssh') tab.notice(`via OpenSSH (${h.route.why})`);
    // The link may drop while we set up (deploy, start the session): then wait for the
    // supervisor's next connection and carry on there. The link may also drop after the
    // server started the session but before its id reached us: every attempt sends `new`
    // the same token, so a retry gets that session back instead of starting a second one.
    const request = randomBytes(REQUEST_TOKEN_BYTES).toString('hex');
    let sessionId = req.attach;
    let agent: RemoteAgent | undefined;
    for (let attempt = 1; ; attempt++) {
      if (tab.closedEarly) return tab.finish();
      const client = h.conn.client ?? (await this._nextClient(h));
      if (!client) {
        const st = h.conn.state;
        return tab.fail(
          st.kind === 'failed' ? st.error.kind : 'disconnected',
          st.kind === 'failed' ? st.error.message : 'The connection was closed.',
        );
      }
      const step = await this._setup(h, resolved, client, req, tab, sessionId, request);
      if (step.kind === 'ready') {
        agent = step.agent;
        sessionId = step.sessionId;
        break;
      }
      if (step.kind === 'plain') return;
      if (h.conn.client === client || attempt >= 10) return tab.fail(step.errorKind, step.message);
      this._log(`setup interrupted by a lost connection (${step.message}); trying again`);
    }
    if (tab.closedEarly) return tab.finish();
    const inner = new SessionTab(
      sessionId,
      h.conn,
      agent,
      h.prefs,
      tab.resumeState,
      this._clientName,
      (m) => this._log(m),
      () => tab.finish(),
      (full) => this._spare(h, full),
    );
    tab.bind(inner);
  }

  /** Resolves with the next connection the supervisor makes, or undefined if it gives up. */
  private _nextClient(h: HostEntry): Promise<Client | undefined> {
    return new Promise((resolve) => {
      const offClient = h.conn.onClient((c) => {
        offClient();
        offState();
        resolve(c);
      });
      const offState = h.conn.onState((s) => {
        if (s.kind === 'failed') {
          offClient();
          offState();
          resolve(undefined);
        }
      });
    });
  }

  private async _setup(
    h: HostEntry,
    resolved: ResolvedHost,
    client: Client,
    req: OpenTabRequest,
    tab: TabHandle,
    attach: string | undefined,
    request: string,
  ): Promise<
    | { kind: 'ready'; agent: RemoteAgent; sessionId: string }
    | { kind: 'plain' }
    | { kind: 'error'; errorKind: string; message: string }
  > {
    tab.setState({ kind: 'connecting', step: 'deploying the agent' });
    const d = await this._deployed(h, client);
    if (d.kind === 'error') {
      return {
        kind: 'error',
        errorKind: 'deploy',
        message: `Could not install the Holdfast agent: ${d.message}`,
      };
    }
    if (d.kind === 'no-agent') {
      this._openPlainShell(h, resolved, client, req, tab, d.reason);
      return { kind: 'plain' };
    }
    const agent = remoteAgent(d);
    if (attach) return { kind: 'ready', agent, sessionId: attach };
    tab.setState({ kind: 'connecting', step: 'starting the session' });
    const env = sessionEnvOf(resolved);
    const attempt = (c: Client) =>
      this._newSession(c, agent, req, env, request).catch((e: Error): EngineResult<string> => ({
        ok: false,
        error: { kind: 'channel', message: e.message },
      }));
    let created = await attempt(client);
    if (!created.ok && CHANNEL_REFUSED.test(created.error.message)) {
      const spare = await this._spare(h, h.conn);
      if (spare?.client) created = await attempt(spare.client);
    }
    if (!created.ok)
      return { kind: 'error', errorKind: created.error.kind, message: created.error.message };
    return { kind: 'ready', agent, sessionId: created.value };
  }

  /**
   * Starts a session, or finds the one an earlier attempt with the same `request` token
   * started (`new --request`); `env` (SendEnv/SetEnv) rides on the exec channel, as ssh
   * sends it.
   */
  private async _newSession(
    client: Client,
    agent: RemoteAgent,
    req: OpenTabRequest,
    env: Record<string, string>,
    request: string,
  ): Promise<EngineResult<string>> {
    const args = [
      'new',
      '--request',
      request,
      '--cols',
      String(req.cols),
      '--rows',
      String(req.rows),
    ];
    if (req.name) args.push('--name', req.name);
    if (req.cwd) args.push('--cwd', req.cwd);
    for (const [k, v] of Object.entries(req.env ?? {})) args.push('--env', `${k}=${v}`);
    // Like ssh: the command words are joined and run by the user's login shell, byte for
    // byte (they reach it through /bin/sh's quoting, never through the login shell's own).
    let script = agentScript(agent, args);
    if (req.command && req.command.length > 0)
      script += ` -- "$SHELL" -c ${shqLine(req.command.join(' '))}`;
    const r = await remoteExec(client, script, { timeoutMs: 30_000, env });
    if (!r.ran)
      return {
        ok: false,
        error: { kind: 'agent', message: `The session could not be started: ${notRunReason(r)}` },
      };
    const id = r.stdout.trim();
    if (r.code !== 0 || !/^[A-Za-z0-9_-]+$/.test(id)) {
      return {
        ok: false,
        error: {
          kind: 'agent',
          message: `The session could not be started: ${r.stderr.trim() || `exit ${r.code}`}`,
        },
      };
    }
    return { ok: true, value: id };
  }

  // No agent fits and none can be built: a plain shell, honestly labelled.
  private _openPlainShell(
    h: HostEntry,
    resolved: ResolvedHost,
    client: Client,
    req: OpenTabRequest,
    tab: TabHandle,
    reason: string,
  ): void {
    const notice = `Holdfast could not run its agent on this server (${reason}). This is a plain SSH shell: it will not survive a disconnect.`;
    tab.notice(notice);
    this._log(notice);
    const cmd = req.command?.join(' ');
    const opts = { term: 'xterm-256color', cols: req.cols, rows: req.rows };
    const env = sessionEnvOf(resolved);
    const onStream = (err: Error | undefined, ch: ExecChannel) => {
      if (err) return tab.fail('channel', `Could not open a shell: ${err.message}`);
      tab.bindPlain(ch, () =>
        h.conn.onLost(() =>
          tab.fail('disconnected', 'The connection was lost; this plain shell did not survive it.'),
        ),
      );
    };
    try {
      if (cmd) client.exec(cmd, { pty: opts, env }, onStream);
      else client.shell(opts, { env }, onStream);
    } catch (e) {
      tab.fail('disconnected', `Could not open a shell: ${(e as Error).message}`);
    }
  }
}

/**
 * `kill`, then — once the command has gone and no client is attached to collect its
 * status — a second `kill`, which ends the master instead of leaving it for the whole
 * exit grace period: the user asked for the session to end.
 */
function killScript(agent: RemoteAgent, id: string, signal: string): string {
  const a = shq(agent.agentPath);
  // `ls --json` prints each session as one object with its fields in a fixed order
  // (..., "attached", "state"): an ended session nobody collects matches this.
  const re = id.replace(/[.[\]*^$\\]/g, '\\$&'); // a grep regex matching the id as is
  const session = (rest: string) => shq(`"id":"${re}"[^}]*${rest}`);
  return [
    agentEnv(agent),
    `${a} kill ${shq(id)} --signal ${shq(signal)} || exit $?`,
    'n=0',
    'while [ $n -lt 30 ]; do ' +
      `l=$(${a} ls --json 2>/dev/null); ` +
      `if printf '%s' "$l" | grep -q ${session('"attached":0,"state":"exited')}; then exec ${a} kill ${shq(id)} >/dev/null 2>&1; fi; ` +
      `printf '%s' "$l" | grep -q ${session('"state":"running"')} || exit 0; ` +
      'sleep 0.1; n=$((n + 1)); ' +
      'done',
  ].join('; ');
}

function remoteAgent(d: Extract<DeployOutcome, { kind: 'agent' }>): RemoteAgent {
  return { agentPath: d.agentPath, home: d.home, holdfastDir: d.dir };
}

/**
 * The Tab handed out at once by openTab: it queues keystrokes in its resume state until
 * the session is attached, then forwards to the SessionTab (or the plain shell).
 */
class TabHandle extends TabEventSource implements Tab {
  readonly id: string;
  private _inner: SessionTab | undefined;
  private _plain: ExecChannel | undefined;
  private _plainOffset = 0n;
  private _state: TabState = { kind: 'connecting', step: 'resolving' };
  private _finished = false;
  private _closedEarly = false;
  private readonly _finishers: (() => void)[] = [];
  private _paused = false;

  constructor(readonly resumeState: ResumeState) {
    super();
    this.id = `tab-${resumeState.clientId.toString('hex').slice(0, 8)}`;
  }

  get sessionId(): string | undefined {
    return this._inner?.sessionId;
  }
  get state(): TabState {
    return this._state;
  }
  get closedEarly(): boolean {
    return this._closedEarly;
  }

  setState(s: TabState): void {
    this._state = s;
    this._emitState(s);
  }
  notice(m: string): void {
    this._emitNotice(m);
  }
  fail(errorKind: string, reason: string): void {
    this.setState({ kind: 'failed', reason, errorKind });
    this.finish();
  }
  onFinished(fn: () => void): void {
    if (this._finished) fn();
    else this._finishers.push(fn);
  }
  finish(): void {
    if (this._finished) return;
    this._finished = true;
    for (const f of this._finishers.splice(0)) f();
  }

  bind(inner: SessionTab): void {
    this._inner = inner;
    inner.onOutput((d, o) => this._emitOutput(d, o));
    inner.onGap((f, t) => this._emitGap(f, t));
    inner.onNotice((m) => this._emitNotice(m));
    inner.onState((s) => this.setState(s));
    if (this._paused) inner.pause();
    this.setState(inner.state);
  }

  bindPlain(ch: ExecChannel, watch: () => () => void): void {
    this._plain = ch;
    const unwatch = watch();
    ch.on('data', (d: Buffer) => {
      this._emitOutput(d, this._plainOffset);
      this._plainOffset += BigInt(d.length);
    });
    ch.on('exit', (code: number | null) => {
      if (this._state.kind !== 'failed') this.setState({ kind: 'ended', exitCode: code ?? 255 });
    });
    ch.on('close', () => {
      unwatch();
      this.finish();
    });
    if (this._paused) ch.pause();
    this.setState({ kind: 'connected', sessionId: '', resilient: false });
  }

  write(data: Buffer): { ok: true } | { ok: false; reason: string } {
    if (this._plain) {
      this._plain.write(data);
      return { ok: true };
    }
    if (this._inner) return this._inner.write(data);
    const r = this.resumeState.write(data);
    return r.ok ? { ok: true } : r;
  }
  resize(cols: number, rows: number): void {
    if (this._plain) this._plain.setWindow(rows, cols, 0, 0);
    else if (this._inner) this._inner.resize(cols, rows);
    else this.resumeState.resize(cols, rows);
  }
  signal(name: 'INT' | 'TERM' | 'HUP' | 'KILL' | 'QUIT'): void {
    if (this._plain) this._plain.signal(name);
    else this._inner?.signal(name);
  }
  pause(): void {
    this._paused = true;
    this._inner?.pause();
    this._plain?.pause();
  }
  resume(): void {
    this._paused = false;
    this._inner?.resume();
    this._plain?.resume();
  }
  shown(offset: bigint): void {
    this._inner?.shown(offset); // a plain shell's flow control is the SSH channel's
  }
  reconnectNow(): void {
    this._inner?.reconnectNow();
  }
  async detach(): Promise<void> {
    this._closedEarly = true;
    if (this._inner) await this._inner.detach();
    else if (this._plain) this._plain.close();
    this.finish();
  }
  async kill(): Promise<void> {
    this._closedEarly = true;
    if (this._inner) await this._inner.kill();
    else if (this._plain) this._plain.close();
    this.finish();
  }
  snapshot() {
    return this._inner ? this._inner.snapshot() : undefined;
  }
}

export type { HostState };
