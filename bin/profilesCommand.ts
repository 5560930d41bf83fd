// `holdfast profiles ...`: the saved host profiles from the terminal.
//
//   holdfast profiles ls                        name, target and group of each profile
//   holdfast profiles show NAME                 every field (passwords: "(in keychain)")
//   holdfast profiles import-ssh-config [FILE]  a profile per concrete Host (~/.ssh/config)
//   holdfast profiles export [NAME...]          an ssh_config snippet on stdout
//
// Exit status: 0, or 1 when the profiles cannot be read or changed (the reason on stderr).
// The profiles file is $HOLDFAST_CONFIG_DIR/profiles.json, else the platform's config
// folder (see main/engine/profiles/paths.ts).

import type { Command } from 'commander';
import os from 'node:os';
import path from 'node:path';
import {
  exportSshConfig,
  ProfileStore,
  findProfile,
  type Profile,
  type ProfilesError,
} from '../main/engine/profiles';

/** What the command writes to and exits through; the process's own unless a test says. */
export interface ProfilesCommandDeps {
  /** Makes the store when a subcommand runs (so HOLDFAST_CONFIG_DIR is read then). */
  store?: () => ProfileStore;
  out?: (text: string) => void;
  err?: (text: string) => void;
  /** Sets the exit status; the action returns afterwards. */
  exit?: (code: number) => void;
  /** For showing paths as `~/...`. */
  home?: string;
}

/** Exit status when the profiles cannot be read or changed. */
const EXIT_FAILED = 1;

function tilde(p: string, home: string): string {
  return p === home ? '~' : p.startsWith(home + path.sep) ? `~${p.slice(home.length)}` : p;
}

/** `user@host:port via a,b`, or `Host web (ssh_config)` for a profile following an alias. */
export function describeTarget(p: Profile): string {
  if (p.alias !== undefined) return `Host ${p.alias} (ssh_config)`;
  const host = p.host?.includes(':') && p.port !== undefined ? `[${p.host}]` : (p.host ?? '');
  const target = `${p.user === undefined ? '' : `${p.user}@`}${host}${p.port === undefined ? '' : `:${p.port}`}`;
  return p.jump === undefined ? target : `${target} via ${p.jump.join(',')}`;
}

function describeAuth(p: Profile): string {
  switch (p.auth?.method) {
    case undefined:
      return 'as ssh does (agent, ~/.ssh keys, then a password prompt)';
    case 'agent':
      return 'SSH agent';
    case 'key':
      return `key file ${p.auth.keyFile}`;
    case 'password':
      return p.auth.secretKey === undefined
        ? 'password (not saved; asked when connecting)'
        : 'password (in keychain)';
  }
}

/** Lines `label  value` for every field of `p`; unset ones as '-'. Never a secret. */
export function describeProfile(p: Profile): string {
  const fromSsh = p.alias === undefined ? '-' : '(from ssh_config)';
  const keepalive =
    p.keepalive === undefined
      ? undefined
      : [
          p.keepalive.intervalSeconds === undefined
            ? undefined
            : `a probe every ${p.keepalive.intervalSeconds} s`,
          p.keepalive.countMax === undefined
            ? undefined
            : `dead after ${p.keepalive.countMax} unanswered`,
        ]
          .filter((s) => s !== undefined)
          .join(', ');
  const env =
    p.env === undefined
      ? undefined
      : Object.entries(p.env)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n');
  const rows: [string, string | undefined][] = [
    ['name', p.name],
    ['follows', p.alias === undefined ? undefined : `Host ${p.alias} of ssh_config`],
    ['host', p.host ?? (p.alias === undefined ? undefined : fromSsh)],
    ['port', p.port === undefined ? (p.alias === undefined ? '- (22)' : fromSsh) : String(p.port)],
    ['user', p.user ?? (p.alias === undefined ? '- (your local user name)' : fromSsh)],
    ['auth', p.alias === undefined ? describeAuth(p) : fromSsh],
    ['jump', p.jump?.join(', ') ?? (p.alias === undefined ? undefined : fromSsh)],
    ['keepalive', keepalive ?? (p.alias === undefined ? '- (every 5 s, dead after 3)' : fromSsh)],
    ['scrollback', p.scrollback === undefined ? '- (the app setting)' : `${p.scrollback} lines`],
    ['command', p.command ?? '- (the login shell)'],
    ['env', env],
    ['group', p.group],
    ['color', p.color],
    ['notes', p.notes],
    ['id', p.id],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows
    .map(([label, value]) => {
      const lines = (value ?? '-').split('\n');
      const indent = ' '.repeat(width + 2);
      return `${label.padEnd(width)}  ${lines.join(`\n${indent}`)}`;
    })
    .join('\n');
}

function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Adds `profiles` and its subcommands to `program`. */
export function registerProfilesCommand(program: Command, deps: ProfilesCommandDeps = {}): Command {
  const out = deps.out ?? ((t: string) => void process.stdout.write(t));
  const err = deps.err ?? ((t: string) => void process.stderr.write(t));
  const exit =
    deps.exit ??
    ((code: number) => {
      process.exitCode = code;
    });
  const home = deps.home ?? os.homedir();
  const makeStore = deps.store ?? (() => new ProfileStore());

  const failed = (e: ProfilesError): void => {
    err(`holdfast: ${e.message}\n`);
    exit(EXIT_FAILED);
  };

  /** The profiles, after telling about a file moved aside; undefined after a failure. */
  const loadAll = async (store: ProfileStore): Promise<Profile[] | undefined> => {
    const loaded = await store.load();
    if (!loaded.ok) {
      failed(loaded.error);
      return undefined;
    }
    if (loaded.value.notice !== undefined) err(`holdfast: ${loaded.value.notice.message}\n`);
    return loaded.value.profiles;
  };

  const profiles = program
    .command('profiles')
    .description('saved host profiles (shared with the desktop app)')
    .exitOverride();

  profiles
    .command('ls')
    .alias('list')
    .description('list the saved profiles: name, target, group')
    .exitOverride()
    .action(async () => {
      const store = makeStore();
      const all = await loadAll(store);
      if (all === undefined) return;
      if (all.length === 0) {
        out(
          `No saved profiles in ${tilde(store.file, home)}. Import your ssh_config hosts with: holdfast profiles import-ssh-config\n`,
        );
        return;
      }
      const rows = [['NAME', 'TARGET', 'GROUP']];
      for (const p of all) rows.push([p.name, describeTarget(p), p.group ?? '-']);
      out(`${table(rows)}\n`);
    });

  profiles
    .command('show')
    .description('every field of one profile (passwords only as "(in keychain)")')
    .argument('<name>', 'profile name')
    .exitOverride()
    .action(async (name: string) => {
      const all = await loadAll(makeStore());
      if (all === undefined) return;
      const p = findProfile(all, name);
      if (p === undefined) {
        failed({
          kind: 'not-found',
          message: `there is no profile '${name}': holdfast profiles ls lists them.`,
          name,
        });
        return;
      }
      out(`${describeProfile(p)}\n`);
    });

  profiles
    .command('import-ssh-config')
    .description('add a profile following each concrete Host of an ssh_config file')
    .argument('[file]', 'ssh_config file', '~/.ssh/config')
    .exitOverride()
    .action(async (file: string) => {
      const store = makeStore();
      const source = file === '~/.ssh/config' ? undefined : file;
      const r = await store.importSshConfig(source);
      if (!r.ok) {
        failed(r.error);
        return;
      }
      const rep = r.value;
      const lines = [
        `Imported from ${tilde(rep.file, home)}: ${rep.added.length} added, ${rep.skipped.length} skipped.`,
        ...rep.added.map((n) => `  added    ${n}`),
        ...rep.skipped.map((s) => `  skipped  ${s.name} (${s.reason})`),
      ];
      out(`${lines.join('\n')}\n`);
      for (const w of rep.warnings) err(`holdfast: ${w}\n`);
    });

  profiles
    .command('export')
    .description('print profiles as an ssh_config snippet (all, or the ones named)')
    .argument('[names...]', 'profile names')
    .exitOverride()
    .action(async (names: string[]) => {
      const all = await loadAll(makeStore());
      if (all === undefined) return;
      const chosen: Profile[] = [];
      for (const name of names) {
        const p = findProfile(all, name);
        if (p === undefined) {
          failed({
            kind: 'not-found',
            message: `there is no profile '${name}': holdfast profiles ls lists them.`,
            name,
          });
          return;
        }
        chosen.push(p);
      }
      out(exportSshConfig(names.length === 0 ? all : chosen));
    });

  return profiles;
}
