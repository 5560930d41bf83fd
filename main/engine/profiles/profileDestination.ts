/**
 * A profile → the engine's {@link Destination}, and which DESTINATION the CLI means.
 *
 * Resolution of a CLI DESTINATION, in this order:
 *   1. `-F FILE` given: DESTINATION goes to ssh_config resolution as typed; profiles are
 *      not consulted (the user asked for that file's view of the world).
 *   2. a saved profile whose name equals DESTINATION (case does not count) is used: its
 *      host, port, user, key, jump hosts and keepalives, or the alias it follows;
 *      flags on the command line still win over the profile (-p, -l, -i, -J, -o);
 *   3. otherwise DESTINATION goes to ssh_config resolution (`user@host`, an alias, ...).
 * A profile thus shadows an ssh_config Host of the same name: the profile is the more
 * specific thing the user saved for Holdfast. An unreadable profiles file never blocks a
 * connection: resolution goes on with ssh_config and a notice says why.
 */
import type { Destination } from '../types';
import type { BrokenFileNotice, ProfilesError } from './errors';
import { sameName, type Profile } from './schema';
import { ProfileStore } from './store';

/** `-o` options for what a profile says beyond host, port, user, key and jump hosts. */
export function profileSshOptions(profile: Profile): string[] {
  const options: string[] = [];
  // A chosen key file is the only key offered (no agent keys first, no MaxAuthTries).
  if (profile.auth?.method === 'key') options.push('IdentitiesOnly=yes');
  if (profile.auth?.method === 'password') {
    options.push('PreferredAuthentications=password,keyboard-interactive');
  }
  if (profile.keepalive?.intervalSeconds !== undefined) {
    options.push(`ServerAliveInterval=${profile.keepalive.intervalSeconds}`);
  }
  if (profile.keepalive?.countMax !== undefined) {
    options.push(`ServerAliveCountMax=${profile.keepalive.countMax}`);
  }
  if (profile.agentDir !== undefined) options.push(`HoldfastDir=${profile.agentDir}`);
  if (profile.forwardAgent === true) options.push('ForwardAgent=yes');
  return options;
}

/** Where the engine connects for `profile`. */
export function profileToDestination(profile: Profile): Destination {
  if (profile.alias !== undefined) {
    // ssh_config decides the rest; where the agent lives is Holdfast's own, and the
    // profile's forwarding switch, when on, wins as -A would.
    const dir = profile.agentDir === undefined ? [] : [`HoldfastDir=${profile.agentDir}`];
    if (profile.forwardAgent === true) dir.push('ForwardAgent=yes');
    return { destination: profile.alias, ...(dir.length ? { options: dir } : {}) };
  }
  const options = profileSshOptions(profile);
  return {
    destination: profile.host as string,
    ...(profile.port === undefined ? {} : { port: profile.port }),
    ...(profile.user === undefined ? {} : { user: profile.user }),
    ...(profile.auth?.method === 'key' ? { identityFiles: [profile.auth.keyFile] } : {}),
    ...(profile.jump === undefined ? {} : { jump: profile.jump.join(',') }),
    ...(options.length === 0 ? {} : { options }),
  };
}

/** What a new session of `profile` runs, and with which environment and scrollback. */
export interface ProfileSession {
  /** For OpenTabRequest.command: run by the remote user's shell. */
  command?: string[];
  env?: Record<string, string>;
  /** Terminal lines to keep (the UI's xterm scrollback). */
  scrollback?: number;
  /** Port forwards to start with the profile's tabs (ssh's -L/-R/-D specs). */
  forwards?: { kind: 'local' | 'remote' | 'dynamic'; spec: string }[];
}

export function profileSession(profile: Profile): ProfileSession {
  return {
    ...(profile.command === undefined ? {} : { command: [profile.command] }),
    ...(profile.env === undefined ? {} : { env: { ...profile.env } }),
    ...(profile.scrollback === undefined ? {} : { scrollback: profile.scrollback }),
    ...(profile.forwards === undefined || profile.forwards.length === 0
      ? {}
      : { forwards: profile.forwards.map((f) => ({ ...f })) }),
  };
}

/**
 * `cli` (what the command line said) on top of `profile`: flags win, as `-o` wins over
 * ssh_config; identity files and options add up, the command line's first.
 */
export function mergeWithProfile(cli: Destination, profile: Profile): Destination {
  const base = profileToDestination(profile);
  const identityFiles = [...(cli.identityFiles ?? []), ...(base.identityFiles ?? [])];
  const options = [...(cli.options ?? []), ...(base.options ?? [])];
  const port = cli.port ?? base.port;
  const user = cli.user ?? base.user;
  const jump = cli.jump ?? base.jump;
  return {
    destination: base.destination,
    ...(port === undefined ? {} : { port }),
    ...(user === undefined ? {} : { user }),
    ...(identityFiles.length === 0 ? {} : { identityFiles }),
    ...(jump === undefined ? {} : { jump }),
    ...(options.length === 0 ? {} : { options }),
    ...(cli.forwards === undefined ? {} : { forwards: cli.forwards }),
  };
}

/** How the CLI's DESTINATION was understood. */
export interface ProfileResolution {
  destination: Destination;
  /** The profile used, when one was. */
  profile?: Profile;
  /** Its command, environment and scrollback (empty when no profile was used). */
  session: ProfileSession;
  /** For stderr: the profiles file could not be used (destination went to ssh_config). */
  notice?: string;
}

/** What resolution needs of a store (a `ProfileStore`, or a fake in tests). */
export interface ProfileSource {
  load(): Promise<
    | { ok: true; value: { profiles: Profile[]; notice?: BrokenFileNotice } }
    | { ok: false; error: ProfilesError }
  >;
}

/** Applies the resolution order above to the DESTINATION and flags of the command line. */
export async function resolveProfileDestination(
  cli: Destination,
  store: ProfileSource = new ProfileStore(),
): Promise<ProfileResolution> {
  if (cli.configFile !== undefined) return { destination: cli, session: {} };
  const loaded = await store.load();
  if (!loaded.ok) {
    return {
      destination: cli,
      session: {},
      notice: `saved profiles not used: ${loaded.error.message}`,
    };
  }
  const profile = loaded.value.profiles.find((p) => sameName(p.name, cli.destination));
  const notice = loaded.value.notice?.message;
  if (profile === undefined) {
    return { destination: cli, session: {}, ...(notice === undefined ? {} : { notice }) };
  }
  return {
    destination: mergeWithProfile(cli, profile),
    profile,
    session: profileSession(profile),
    ...(notice === undefined ? {} : { notice }),
  };
}
