// The engine: everything the app, the CLI and the test host do goes through here.
// It resolves destinations (ssh_config), shares one supervised connection per host among
// its tabs, deploys the agent once per connection, starts or attaches sessions, and hands
// back tabs whose streams survive the network.

import type { RemoteClient as Client } from './transport/remoteClient';
import { AgentBundle } from './deploy/agentBundle';
import {
  MemoryAgentsSeen,
  speculateFor,
  type AgentSeen,
  type AgentsSeen,
} from './deploy/agentsSeen';
import {
  deployAgent,
  protocolMax as versionProtocol,
  type DeployOptions,
  type DeployOutcome,
} from './deploy/deploy';
import { hostDialer, hostKeepalive } from './hostDial';
import { openPlainShell } from './plainShell';
import { ResumeState } from './protocol/resume';
import { HostConnection, type HostState } from './reconnect/hostConnection';
import { plainSshCarrier } from './forward/carrier';
import { resumableCarrier } from './forward/resumableCarrier';
import { ForwardSet, type ForwardEvent, type ForwardInfo } from './forward/forwardSet';
import { agentScript, BOOTSTRAP, notRunReason, remoteExec } from './remoteExec';
import { newRequestToken, newSessionTail, openingFrames, startSession } from './sessionStart';
import { parseSessionList } from './sessionList';
import {
  CHANNEL_REFUSED,
  SessionTab,
  type ChannelPrefs,
  type FirstLink,
  type RemoteAgent,
} from './sessionTab';
import {
  connectionKey,
  CredentialCache,
  resolveHost,
  sessionEnvironment,
  type ResolvedHost,
} from './ssh';
import { TabHandle } from './tabHandle';
import type { TransportChoice } from './transport/chooseTransport';
import { chooseTransportFor } from './transport/transportFacts';
import type { Prompter } from './prompts';
import type { Destination, OpenTabRequest, PipeTab, SessionInfo, Tab } from './types';
import { forwardLabel, parseForward, type ForwardKind } from './forward/forwardSpec';

/** A forward as a profile or the app writes it: its kind and ssh's spec text. */
export type ForwardSpecInput = { kind: ForwardKind; spec: string };

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
  /** What this client last found on each server (deploy/agentsSeen.ts): decides whether a
   * first connect sends the agent unasked. In memory (this engine's life) when unset. */
  agentsSeen?: AgentsSeen;
  /** Orphan grace of forwarded connections' sessions in s (tests); FORWARD_ORPHAN_GRACE_S otherwise. */
  forwardOrphanGraceS?: number;
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
  /** Forward sets started on this host (each caller's own, on the shared connection). */
  forwards: Set<ForwardSet>;
};

/** The forwards a destination asked for, running on its host's connection. */
export type Forwards = {
  /** The host as the user named it. */
  host: string;
  set: ForwardSet;
  /** Each forward's first outcome, in order: 'listening' or 'failed'. */
  started: ForwardEvent[];
  /** ExitOnForwardFailure from the resolution: a failed forward should end the program. */
  exitOnForwardFailure: boolean;
  /** Whether the connections it carries survive a reconnect (and if not, why not). */
  carrier: { name: string; resumable: boolean };
  close(): void;
  /** close(), after ending on the server what the carrier holds there (bounded). */
  end(): Promise<void>;
};

/** How long ending the forwards waits for the server to end their sessions: one round trip
 * each, in parallel, in turns where the server limits channels (MaxSessions); a dead link
 * ends at once, a half-dead one must not hold the program's exit longer. */
const FORWARDS_END_MS = 6000;

/** One host's forwards, for the panel. */
export type HostForwards = { host: string; forwards: ForwardInfo[] };

type Route = Extract<TransportChoice, { ok: true }>;

/** The first protocol version with agent forwarding (AGENT_READY, `new --forward-agent`). */
const AGENT_FORWARDING_PROTOCOL = 4;

/**
 * What a new session gets from ours: SendEnv/SetEnv (ssh/environment.ts) of the tab's own
 * resolution, which may differ from that of the host entry it shares a connection with.
 */
function sessionEnvOf(resolved: ResolvedHost): Record<string, string> {
  return sessionEnvironment(resolved, resolved.origin.env ?? process.env);
}

export class Engine {
  private readonly _hosts = new Map<string, HostEntry>();
  private readonly _credentials = new CredentialCache();
  private readonly _agents: AgentBundle;
  private readonly _seen: AgentsSeen;
  private readonly _clientName: string;
  private readonly _log: (m: string) => void;
  private readonly _forwardListeners = new Set<() => void>();

  constructor(private readonly _opts: EngineOptions) {
    this._agents = _opts.agents ?? AgentBundle.locate();
    this._seen = _opts.agentsSeen ?? new MemoryAgentsSeen();
    this._clientName = _opts.clientName ?? 'holdfast';
    this._log = _opts.log ?? (() => {});
  }

  /** Opens a tab at once; its state events tell how connecting goes. */
  openTab(req: OpenTabRequest): Tab {
    return this.openPipeTab(req);
  }

  /** openTab, for a caller that also handles sessions without a terminal (`req.pipes`). */
  openPipeTab(req: OpenTabRequest): PipeTab {
    const mode = !req.pipes ? 'terminal' : req.attach ? 'learn' : 'pipes';
    const tail = req.attach && req.replay !== 'all' ? FRESH_ATTACH_TAIL : undefined;
    const tab = new TabHandle(
      req.resume ? ResumeState.fromSnapshot(req.resume, tail) : new ResumeState({ mode, tail }),
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
      const list = parseSessionList(r.stdout);
      if (!list.ok) return { ok: false, error: { kind: 'agent', message: list.message } };
      return list;
    });
  }

  /** Ends a session on a host. */
  async killSession(dest: Destination, id: string, signal = 'TERM'): Promise<EngineResult<void>> {
    return this._withAgent(dest, async (client, agent) => {
      const r = await remoteExec(
        client,
        agentScript(agent, ['kill', id, '--signal', signal, '--wait']),
        { timeoutMs: 30_000 },
      );
      if (!r.ran) return { ok: false, error: { kind: 'agent', message: notRunReason(r) } };
      if (r.code !== 0)
        return {
          ok: false,
          error: { kind: 'agent', message: r.stderr.trim() || `kill failed (exit ${r.code})` },
        };
      return { ok: true, value: undefined };
    });
  }

  /** Gives a session on a host another name (`holdfast-agent rename`). */
  async renameSession(dest: Destination, id: string, name: string): Promise<EngineResult<void>> {
    return this._withAgent(dest, async (client, agent) => {
      // `--`: a name may start with '-'.
      const r = await remoteExec(client, agentScript(agent, ['rename', id, '--', name]), {
        timeoutMs: 30_000,
      });
      if (!r.ran) return { ok: false, error: { kind: 'agent', message: notRunReason(r) } };
      if (r.code !== 0) {
        const message = r.stderr.trim().replace(/^holdfast-agent: /, '');
        return {
          ok: false,
          error: { kind: 'agent', message: message || `rename failed (exit ${r.code})` },
        };
      }
      return { ok: true, value: undefined };
    });
  }

  /**
   * Starts the forwards `dest` resolves to (-L/-R/-D given as options, Local/Remote/
   * DynamicForward in ssh_config) on its host's shared connection. They live until
   * close(), across reconnects; `extra` adds forwards not written in the config (a profile's).
   */
  async startForwards(
    dest: Destination,
    extra: readonly ForwardSpecInput[] = [],
  ): Promise<EngineResult<Forwards>> {
    const resolved = await this._resolve(dest);
    if (!resolved.ok) return resolved;
    const specs = [...resolved.value.forwards];
    for (const x of extra) {
      const p = parseForward(x.kind, x.spec);
      if (!p.ok) return { ok: false, error: { kind: 'config', message: p.message } };
      if (!specs.some((s) => forwardLabel(s) === forwardLabel(p.value))) specs.push(p.value);
    }
    if (specs.length === 0) return { ok: true, value: noForwards(resolved.value.alias) };
    const c = await this._connected(dest);
    if (!c.ok) return c;
    const { h, client } = c.value;
    h.users++;
    // Where the agent runs, each connection is a session of its own that outlives the
    // link; a plain-shell host gets ssh's channel, which does not.
    const deployed = await this._deployed(h, client);
    const carrier =
      deployed.kind === 'agent'
        ? resumableCarrier(this, dest, this._opts.forwardOrphanGraceS)
        : plainSshCarrier;
    const noAgent =
      deployed.kind === 'agent'
        ? ''
        : deployed.kind === 'error'
          ? deployed.message
          : deployed.reason;
    this._log(
      `${resolved.value.alias}: forwarded connections ride ${carrier.resumable ? 'an agent session each (holdfast-agent nc): they survive reconnects' : `a plain ${carrier.name} (no agent: ${noAgent})`}`,
    );
    const set = new ForwardSet(h.conn, specs, {
      carrier,
      gatewayPorts: resolved.value.gatewayPorts,
      log: (m) => this._log(`${resolved.value.alias}: ${m}`),
    });
    h.forwards.add(set);
    const offChanged = set.onEvent(() => this._forwardsChanged());
    const started = await set.start();
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      offChanged();
      set.dispose();
      h.forwards.delete(set);
      this._forwardsChanged();
      this._release(h);
    };
    return {
      ok: true,
      value: {
        host: resolved.value.alias,
        set,
        started,
        exitOnForwardFailure: resolved.value.exitOnForwardFailure,
        carrier: { name: carrier.name, resumable: carrier.resumable },
        close,
        end: async () => {
          await set.end(FORWARDS_END_MS);
          close();
        },
      },
    };
  }

  /** Every host's forwards with their live connections and bytes, for the panel. */
  forwards(): HostForwards[] {
    const out: HostForwards[] = [];
    for (const h of this._hosts.values()) {
      const forwards = [...h.forwards].flatMap((s) => s.snapshot());
      if (forwards.length > 0) out.push({ host: h.resolved.alias, forwards });
    }
    return out;
  }

  /** Called when any forward's listeners, connections or counters change. */
  onForwardsChanged(l: () => void): () => void {
    this._forwardListeners.add(l);
    return () => this._forwardListeners.delete(l);
  }

  private _forwardsChanged(): void {
    for (const l of [...this._forwardListeners]) l();
  }

  /** Wi-Fi changed, the machine woke up: every host dials a fresh connection now. */
  networkChanged(): void {
    for (const h of this._hosts.values()) h.conn.networkChanged();
  }

  /**
   * Closes every connection. The forwards first end what they carry on the servers (an
   * `nc` session per connection that would otherwise outlive this process), over the
   * connections still up, within FORWARDS_END_MS; without forwards it closes at once.
   */
  async dispose(): Promise<void> {
    const sets = [...this._hosts.values()].flatMap((h) => [...h.forwards]);
    if (sets.length > 0) await Promise.all(sets.map((set) => set.end(FORWARDS_END_MS)));
    for (const h of this._hosts.values()) {
      for (const set of h.forwards) set.dispose();
      h.conn.dispose();
      for (const c of h.spares) c.dispose();
    }
    this._hosts.clear();
    this._credentials.clear();
  }

  /** How `dest` resolves in its ssh_config (the CLI reads its own HoldfastPredict there). */
  resolve(dest: Destination): Promise<EngineResult<ResolvedHost>> {
    return this._resolve(dest);
  }

  private async _resolve(dest: Destination): Promise<EngineResult<ResolvedHost>> {
    const r = await resolveHost({
      destination: dest.destination,
      ...(dest.configFile ? { configFile: dest.configFile } : {}),
      ...(dest.options ? { options: dest.options } : {}),
      ...(dest.forwards ? { forwards: dest.forwards } : {}),
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
    const keepalive = hostKeepalive(resolved, opensshLink, this._opts.keepalive);
    const dialer = hostDialer(resolved, opensshLink, keepalive, {
      credentials: this._credentials,
      log: this._log,
      ...(this._opts.env ? { env: this._opts.env } : {}),
    });
    const makeConn = () =>
      new HostConnection(dialer, this._opts.prompter, keepalive, undefined, (m) =>
        this._log(`${resolved.alias}: ${m}`),
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
      forwards: new Set(),
    };
    this._hosts.set(key, h);
    return h;
  }

  /**
   * `tab`: a tab opens on this connection, a new session (`attach` unset) or one attached
   * to by id; while it waits for a dial, that dial asks behind its login for the exec its
   * first step runs (the probe, or `new` once the agent is known; pipelined.ts).
   */
  private async _connected(
    dest: Destination,
    tab?: { attach: string | undefined },
  ): Promise<EngineResult<{ h: HostEntry; client: Client; resolved: ResolvedHost }>> {
    const resolved = await this._resolve(dest);
    if (!resolved.ok) return resolved;
    const route = await chooseTransportFor(resolved.value);
    if (!route.ok) return { ok: false, error: { kind: 'config', message: route.message } };
    const h = this._host(resolved.value, route);
    const execFirst = tab && !h.conn.client && (tab.attach === undefined || !h.agent);
    const unwant = execFirst
      ? h.conn.wantExec({
          command: BOOTSTRAP,
          ...(tab.attach === undefined ? { env: sessionEnvOf(resolved.value) } : {}),
        })
      : undefined;
    const r = h.conn.client
      ? { ok: true as const, value: h.conn.client }
      : await h.conn.connect().finally(() => unwant?.());
    if (!r.ok) {
      if (h.users === 0) {
        h.conn.dispose();
        this._hosts.delete(h.key);
      }
      return { ok: false, error: { kind: r.error.kind, message: r.error.message } };
    }
    return { ok: true, value: { h, client: r.value, resolved: resolved.value } };
  }

  /**
   * The host's agent, probed (and installed) once per host connection. `start` is the
   * session the tab asking first wants: the probe starts it in the same round trip when
   * the agent is already there (other tabs see another request token and start their own).
   */
  private _deployed(
    h: HostEntry,
    client: Client,
    start?: DeployOptions['start'],
  ): Promise<DeployOutcome> {
    if (!h.agent) {
      const started = Date.now();
      const server = h.resolved;
      let seen: AgentSeen | undefined;
      h.agent = this._seen
        .get(server)
        .then((s) => {
          seen = s;
          const speculate = speculateFor(seen, this._agents);
          return deployAgent(client, this._agents, {
            ...(speculate ? { speculate } : {}),
            ...this._opts.deploy,
            ...(h.resolved.holdfastDir ? { dir: h.resolved.holdfastDir } : {}),
            ...(start ? { start } : {}),
          });
        })
        .catch((e: Error): DeployOutcome => ({ kind: 'error', message: e.message }))
        .then((o) => {
          const took = `${Date.now() - started} ms`;
          this._log(
            o.kind === 'agent'
              ? o.uploaded
                ? `${h.resolved.alias}: agent ${o.target === 'source' ? 'built on the server' : `uploaded (${[o.target, o.compressed && 'gzip', o.speculated === 'installed' && 'sent with the probe'].filter(Boolean).join(', ')})`} to ${o.agentPath} in ${took}`
                : `${h.resolved.alias}: agent ${o.agentPath} is up to date (${took}${o.speculated ? '; the upload sent with the probe was not needed' : ''})`
              : `${h.resolved.alias}: no agent: ${o.kind === 'error' ? o.message : o.reason}`,
          );
          if (o.kind === 'agent') {
            const version =
              o.target === 'source'
                ? this._agents.versionLine()
                : this._agents.binaryFor(o.target)?.versionLine;
            // Written only when it changed: not at every connection.
            if (version && (seen?.target !== o.target || seen.version !== version))
              void this._seen.set(server, { target: o.target, version });
          }
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
      const agent = remoteAgent(d);
      try {
        return await fn(client, agent);
      } catch (e) {
        // The server refused another channel on this connection (MaxSessions; a new tab's
        // first link is its probe's exec): the command runs on another connection.
        if (!CHANNEL_REFUSED.test((e as Error).message)) throw e;
        const spare = await this._spare(h, h.conn);
        if (!spare?.client) throw e;
        return await fn(spare.client, agent);
      }
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
    const c = await this._connected(req, { attach: req.attach });
    if (!c.ok) return tab.fail(c.error.kind, c.error.message);
    const { h, resolved } = c.value;
    h.users++;
    tab.onFinished(() => this._release(h));
    if (h.route.transport === 'openssh') tab.notice(`via OpenSSH (${h.route.why})`);
    // The link may drop while we set up (deploy, start the session): then wait for the
    // supervisor's next connection and carry on there. The link may also drop after the
    // server started the session but before its id reached us: every attempt sends `new`
    // the same token, so a retry gets that session back instead of starting a second one.
    const request = newRequestToken();
    let sessionId = req.attach;
    let agent: RemoteAgent | undefined;
    let agentProtocolMax: number | undefined;
    let firstLink: FirstLink | undefined;
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
        agentProtocolMax = step.protocolMax;
        sessionId = step.sessionId;
        firstLink = step.firstLink;
        break;
      }
      if (step.kind === 'plain') return;
      if (h.conn.client === client || attempt >= 10) return tab.fail(step.errorKind, step.message);
      this._log(`setup interrupted by a lost connection (${step.message}); trying again`);
    }
    if (tab.closedEarly) {
      firstLink?.link.channel.destroy();
      return tab.finish();
    }
    // A master this tab started runs the agent just checked: its protocol is known, so
    // every attach can go out with HELLO. One attached to by id may be older: learned.
    if (!req.attach && agentProtocolMax) tab.resumeState.expectVersion(agentProtocolMax);
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
      resolved.forwardAgent,
      firstLink,
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
    | {
        kind: 'ready';
        agent: RemoteAgent;
        sessionId: string;
        protocolMax: number;
        firstLink?: FirstLink;
      }
    | { kind: 'plain' }
    | { kind: 'error'; errorKind: string; message: string }
  > {
    tab.setState({ kind: 'connecting', step: 'deploying the agent' });
    const env = sessionEnvOf(resolved);
    const wantForward = resolved.forwardAgent !== false;
    // The probe starts the session only where the agent is this build (protocol 4), so the
    // forwarding asked for there is always served.
    // Its channel then goes on as the session's bridge, with HELLO and ATTACH already sent.
    const ahead = attach
      ? undefined
      : openingFrames(
          tab.resumeState,
          this._clientName,
          versionProtocol(this._agents.versionLine() ?? ''),
        );
    const start = attach
      ? undefined
      : {
          request,
          tail: newSessionTail(req, request, wantForward),
          env,
          ...(ahead ? { bridge: { ahead } } : {}),
        };
    const d = await this._deployed(h, client, start);
    if (d.kind === 'error') {
      return {
        kind: 'error',
        errorKind: 'deploy',
        message: `Could not install the Holdfast agent: ${d.message}`,
      };
    }
    if (d.kind === 'no-agent') {
      if (resolved.forwardAgent !== false)
        tab.notice('agent forwarding is off: it needs the Holdfast agent on the server');
      openPlainShell(h.conn, client, req, env, tab, d.reason, this._log);
      return { kind: 'plain' };
    }
    const agent = remoteAgent(d);
    const protocolMax = d.protocolMax;
    if (attach) return { kind: 'ready', agent, sessionId: attach, protocolMax };
    if (d.started?.request === request) {
      const link = d.started.link;
      delete d.started.link; // one tab, once
      return {
        kind: 'ready',
        agent,
        sessionId: d.started.id,
        protocolMax,
        ...(link ? { firstLink: { client, link } } : {}),
      };
    }
    tab.setState({ kind: 'connecting', step: 'starting the session' });
    const forward = wantForward && protocolMax >= AGENT_FORWARDING_PROTOCOL;
    if (wantForward && !forward) {
      tab.notice(
        `agent forwarding is off: the Holdfast agent on this server speaks protocol ${protocolMax}, forwarding needs ${AGENT_FORWARDING_PROTOCOL}`,
      );
    }
    const attempt = (c: Client) =>
      startSession(c, agent, req, env, request, forward).catch(
        (e: Error): EngineResult<string> => ({
          ok: false,
          error: { kind: 'channel', message: e.message },
        }),
      );
    let created = await attempt(client);
    if (!created.ok && CHANNEL_REFUSED.test(created.error.message)) {
      const spare = await this._spare(h, h.conn);
      if (spare?.client) created = await attempt(spare.client);
    }
    if (!created.ok)
      return { kind: 'error', errorKind: created.error.kind, message: created.error.message };
    return { kind: 'ready', agent, sessionId: created.value, protocolMax };
  }
}

/** A destination that asks for no forwards: nothing listens, no connection is made. */
function noForwards(host: string): Forwards {
  const set = new ForwardSet(undefined, [], { carrier: plainSshCarrier, gatewayPorts: false });
  return {
    host,
    set,
    started: [],
    exitOnForwardFailure: false,
    carrier: { name: plainSshCarrier.name, resumable: false },
    close: () => set.dispose(),
    end: () => {
      set.dispose();
      return Promise.resolve();
    },
  };
}

function remoteAgent(d: Extract<DeployOutcome, { kind: 'agent' }>): RemoteAgent {
  return { agentPath: d.agentPath, home: d.home, holdfastDir: d.dir };
}

export type { HostState };

/**
 * Output a window replays when it attaches to a session it has shown nothing of (512 KiB):
 * about 6,000 lines of 80 columns, a screen and a good scroll back, and 2.1 s on a
 * 2 Mbit/s link, where the whole 8 MiB scrollback would take over half a minute.
 */
export const FRESH_ATTACH_TAIL = 512 * 1024;
