/**
 * When two destinations may share one SSH connection. A connection carries the verdict of
 * one host-key check and one login, so a second destination may ride on it only when
 * every setting that could change that verdict or that identity is the same: otherwise an
 * alias whose known_hosts records a different key would reuse the first alias's verified
 * connection and skip its own check.
 *
 * The key is derived from every field of {@link ResolvedHost}, each with a decision
 * written down below. The table is typed over `keyof ResolvedHost`, so a field added to
 * ResolvedHost does not compile until someone decides whether it separates connections
 * (and a unit test checks the same against a real resolution).
 */
import { createHash } from 'node:crypto';
import type { ResolvedHost } from './config';

/**
 * - `connection`: part of the key; two hosts that differ here never share a connection.
 * - `label`: names the destination in messages only; every expansion of it (%n) already
 *   shows in the other fields.
 * - `per-session`: applies to each session, read from the tab's own resolution, never
 *   from the connection's.
 */
export type SharingDecision = 'connection' | 'label' | 'per-session';

export const SHARING: { readonly [K in keyof Required<ResolvedHost>]: SharingDecision } = {
  alias: 'label',
  // Where we connect and who we are there.
  hostName: 'connection',
  port: 'connection',
  user: 'connection',
  // The login: which keys, from where, which methods, how many tries.
  identityFiles: 'connection',
  identitiesOnly: 'connection',
  identityAgent: 'connection',
  preferredAuthentications: 'connection',
  numberOfPasswordPrompts: 'connection',
  // The path: jump hosts are resolved and checked through `origin`'s config, below.
  proxyJump: 'connection',
  // The host-key verdict: which files, under which name, how strict, how a key is recorded.
  userKnownHostsFiles: 'connection',
  globalKnownHostsFiles: 'connection',
  hostKeyAlias: 'connection',
  hashKnownHosts: 'connection',
  strictHostKeyChecking: 'connection',
  // How the connection is kept and given up on.
  serverAliveInterval: 'connection',
  serverAliveCountMax: 'connection',
  connectTimeout: 'connection',
  // Sent on each session's channel.
  sendEnv: 'per-session',
  // Whether the session's agent socket is served, and by which local agent: per tab.
  forwardAgent: 'per-session',
  setEnv: 'per-session',
  // The config file, home and environment that jump hosts and IdentityAgent resolve against.
  origin: 'connection',
  // Which program carries the link (ssh2 or the system ssh) and what the system ssh is told.
  transport: 'connection',
  openssh: 'connection',
  // Forwards are started by each caller from its own resolution, on the shared connection.
  forwards: 'per-session',
  exitOnForwardFailure: 'per-session',
  gatewayPorts: 'per-session',
  // Where the agent lives: a connection's deploy is done once, for one place.
  holdfastDir: 'connection',
  // Local echo prediction is drawing in the client: nothing of the connection.
  predict: 'per-session',
  // Whether a session gets a terminal is each tab's own choice.
  requestTty: 'per-session',
};

/** JSON with object keys sorted, so equal values serialise equally whatever their order. */
function canonical(v: unknown): string {
  if (v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * The key under which a connection for `host` may be shared: equal exactly when every
 * `connection` field is equal. A field missing from the table (a property that slipped
 * past the type) counts as `connection`: the safe side is a connection of its own. A
 * digest, since `origin.env` is a whole environment.
 */
export function connectionKey(host: ResolvedHost, viaOpenSsh = false): string {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(host)) {
    const decision = (SHARING as Record<string, SharingDecision | undefined>)[name];
    if (decision === undefined || decision === 'connection') fields[name] = value;
  }
  // The command line given (destination alias included) is what the system ssh reads its
  // config by; over ssh2 every setting it led to is in the fields already.
  if (!viaOpenSsh && host.origin.commandLine) {
    const { commandLine: _line, ...origin } = host.origin;
    fields.origin = origin;
  }
  return createHash('sha256').update(canonical(fields)).digest('hex');
}
