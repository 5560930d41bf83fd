/**
 * Resolves a destination the way OpenSSH's ssh_config(5) does, into a {@link ResolvedHost}.
 *
 * Order, first value wins (ssh_config(5) "the first obtained value will be used"):
 *   1. `-o Key=Value` options, in order;
 *   2. explicit flags (`-p`, `-l`, `-i`, `-J`), which count as the same `-o` options;
 *   3. the user and port written in the destination (`user@host`, `ssh://user@host:port`);
 *   4. the config file (`-F FILE`, else `~/.ssh/config`), top to bottom, with Host and
 *      Match blocks, Include (relative to ~/.ssh, globbed), and a second "final" pass
 *      when a `Match final` asks for one;
 *   5. defaults: OpenSSH's, except ServerAliveInterval/ServerAliveCountMax (see
 *      {@link HOLDFAST_DEFAULTS}).
 * IdentityFile accumulates over all of these instead of first-wins. The system-wide
 * /etc/ssh/ssh_config is not read.
 *
 * A malformed line is an error naming the file, the line, what is wrong and how to fix it.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { agentLocation } from './agentKeys';
import { parseConfigText, type ConfigLine } from './configFile';
import {
  DIRECTIVES,
  isYes,
  lineError,
  type Collected,
  type RequestTty,
  type Sourced,
} from './configDirectives';
import type { ForwardSpec } from '../forward/forwardSpec';
import { formatJumpHop, parseDestination, parseJumpHop, type Destination } from './destination';
import { configError, type ConfigError } from './errors';
import { globFiles } from './glob';
import { OPENSSH_KEYWORDS } from './keywords';
import { matchPatternList } from './patterns';
import type { PredictMode } from '../../common/predict/echoPredictor';
import { fail, ok, type Result } from './result';
import { expandEnv, expandPercent, expandTilde } from './tokens';

// Kept importable from here (tests and callers know it as the config's).
export { splitWords } from './configFile';

/** StrictHostKeyChecking, normalized: `off` is `no`, `true`/`false` are `yes`/`no`. */
export type StrictHostKeyChecking = 'yes' | 'no' | 'accept-new' | 'ask';

/**
 * HoldfastTransport (ours, not OpenSSH's): which program carries the connection. `auto`
 * picks the system OpenSSH client only where ssh2 cannot do what the config asks.
 */
export type TransportSetting = 'auto' | 'ssh2' | 'openssh';

/** ControlMaster, normalized (`yes`/`no` spelled as such). */
export type ControlMasterSetting = 'no' | 'yes' | 'ask' | 'auto' | 'autoask';

/** The user-authentication methods Holdfast speaks, by their SSH names. */
export type AuthMethodName = 'publickey' | 'keyboard-interactive' | 'password';

/**
 * Where Holdfast's defaults differ from OpenSSH's, and why.
 * OpenSSH sends no keepalives unless ServerAliveInterval is set; Holdfast must show a dead
 * link within about 5 s to reconnect (DESIGN.md "Reconnection"), so it probes every 1 s
 * and judges the link dead after 4 s in which nothing at all came back (any byte counts,
 * not only probe replies, which queue behind a flood: reconnect/hostConnection.ts). How
 * this was tuned against false alarms (a flood on a busy 2-core machine, a stalled event
 * loop): test/bench/README.md, "Dead link noticed".
 */
export const HOLDFAST_DEFAULTS = {
  /** Seconds between SSH keepalive probes when ServerAliveInterval is unset. */
  serverAliveInterval: 1,
  /** Probe intervals of silence before the link is judged dead, when ServerAliveCountMax is unset. */
  serverAliveCountMax: 4,
  /**
   * SendEnv when the config names none: the locale, as the system-wide ssh_config of
   * Debian, Ubuntu, Fedora and macOS sends it (Holdfast does not read that file). Without
   * it a server whose default locale is POSIX gets a shell that garbles non-ASCII typing.
   */
  sendEnv: ['LANG', 'LC_*'] as readonly string[],
} as const;

/** OpenSSH's default port. */
const DEFAULT_PORT = 22;
/** Default identity files, in OpenSSH's order (security-key types left out: ssh2 cannot use them). */
const DEFAULT_IDENTITY_FILES = ['id_rsa', 'id_ecdsa', 'id_ed25519'];
/** The security-key defaults OpenSSH also tries; only its own client can use them. */
const DEFAULT_SECURITY_KEY_FILES = ['id_ecdsa_sk', 'id_ed25519_sk'];
/** OpenSSH's NumberOfPasswordPrompts default. */
const DEFAULT_PASSWORD_PROMPTS = 3;
/** OpenSSH's PreferredAuthentications default, minus the methods Holdfast does not speak. */
const DEFAULT_AUTH_ORDER: readonly AuthMethodName[] = [
  'publickey',
  'keyboard-interactive',
  'password',
];
/** OpenSSH's include depth limit (READCONF_MAX_DEPTH). */
const MAX_INCLUDE_DEPTH = 16;
/** Most jump hosts in one chain; more means a loop through a jump host's own ProxyJump. */
const MAX_JUMP_HOPS = 8;
/** What config errors from the command line are attributed to. */
const COMMAND_LINE = 'command line';

/** What {@link resolveHost} takes: the destination and the command-line options. */
export interface ResolveHostInput {
  /** `host`, `user@host`, or `ssh://[user@]host[:port]`. */
  destination: string;
  /** `-F FILE` (relative to the working directory; `none` for no file). Default ~/.ssh/config. */
  configFile?: string;
  /** `-o` options, each `Key=Value` or `Key Value`. */
  options?: string[];
  /** `-p PORT`. */
  port?: number;
  /** `-l USER`. */
  user?: string;
  /** `-i FILE`, in order. */
  identityFiles?: string[];
  /** `-J HOPS` (comma-separated, or `none`). */
  jump?: string;
  /**
   * -L/-R/-D, before the -o options: forwards accumulate, command line first. Not part of
   * {@link CommandLine}: the system ssh is never told them (Holdfast listens itself).
   */
  forwards?: { kind: 'local' | 'remote' | 'dynamic'; spec: string }[];
  /** Home directory for `~` and defaults. Default: os.homedir(). */
  home?: string;
  /** Local user name (default remote user, %u). Default: os.userInfo().username. */
  localUser?: string;
  /** Environment for `${VAR}` and IdentityAgent. Default: process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Everything a dial needs to know about one host, after ssh_config. */
export interface ResolvedHost {
  /** The host as the user typed it (what Host patterns matched). */
  alias: string;
  /** The name or address to connect to (HostName, %h expanded). */
  hostName: string;
  port: number;
  user: string;
  /** Private key files to try, absolute, in order; tokens and `~` expanded. */
  identityFiles: string[];
  /** Use only `identityFiles`, not every key the agent offers. */
  identitiesOnly: boolean;
  /** IdentityAgent: a socket path, `'none'`, or undefined for SSH_AUTH_SOCK. */
  identityAgent: string | undefined;
  /**
   * ForwardAgent (`-A`): off, or on with the local agent socket that answers the session's
   * requests (yes: IdentityAgent, else SSH_AUTH_SOCK, as OpenSSH; or the path or `$VAR`
   * written); `socket` undefined when yes finds no agent.
   */
  forwardAgent: false | { socket: string | undefined };
  /** Jump hosts as written (`[user@]host[:port]` or ssh:// URIs), first hop first; [] for none. */
  proxyJump: string[];
  /** known_hosts files to read; the first is where new keys are recorded. */
  userKnownHostsFiles: string[];
  /** System known_hosts files, read but never written. */
  globalKnownHostsFiles: string[];
  /** HostKeyAlias: the name to look up and record host keys under instead of hostName:port. */
  hostKeyAlias: string | undefined;
  /**
   * HoldfastDir (Holdfast's own keyword): where the agent lives on the server, instead of
   * the first usable of ~/.holdfast, $XDG_RUNTIME_DIR, /dev/shm and /tmp. In a file that
   * OpenSSH also reads, put `IgnoreUnknown HoldfastDir` before it.
   */
  holdfastDir?: string;
  /** HashKnownHosts: record new keys hashed (`|1|salt|hash`). */
  hashKnownHosts: boolean;
  strictHostKeyChecking: StrictHostKeyChecking;
  /** Seconds between keepalive probes (see {@link HOLDFAST_DEFAULTS}); 0 if the config disabled them. */
  serverAliveInterval: number;
  /** Unanswered keepalive probes before the link is judged dead. */
  serverAliveCountMax: number;
  /** ConnectTimeout in seconds, or undefined when unset. */
  connectTimeout: number | undefined;
  /** Authentication methods to try, in order (PreferredAuthentications and the *Authentication switches). */
  preferredAuthentications: AuthMethodName[];
  /** NumberOfPasswordPrompts: password (and passphrase) attempts. */
  numberOfPasswordPrompts: number;
  /** SendEnv: names (globs) of local environment variables to pass to new sessions. */
  sendEnv: string[];
  /** SetEnv: variables to set in new sessions, as NAME → value. */
  setEnv: Record<string, string>;
  /** HoldfastTransport: `-o HoldfastTransport=openssh` forces the system ssh client. */
  transport: TransportSetting;
  /** HoldfastPredict: local echo prediction in the terminal client; unset means auto. */
  predict?: PredictMode;
  /** RequestTTY: whether the terminal client asks for a terminal (its -t/-T win). */
  requestTty?: RequestTty;
  /** What only the system OpenSSH client can do; see transport/chooseTransport.ts. */
  openssh: OpenSshOnly;
  /** -L/-R/-D and Local/Remote/DynamicForward, command line first; [] after ClearAllForwardings. */
  forwards: ForwardSpec[];
  /** ExitOnForwardFailure: a forward that cannot be set up ends the program (exit 255). */
  exitOnForwardFailure: boolean;
  /** GatewayPorts: local forwards without a bind address listen on every interface. */
  gatewayPorts: boolean;
  /** How this was resolved, so jump hosts resolve against the same config. */
  origin: {
    configFile: string | undefined;
    home: string;
    localUser: string;
    env?: Readonly<Record<string, string | undefined>>;
    /** The command line as given, so the system ssh can be run with the very same one. */
    commandLine?: CommandLine;
  };
}

/** The parts of {@link ResolveHostInput} that came from the user's command line. */
export type CommandLine = Pick<
  ResolveHostInput,
  'destination' | 'configFile' | 'options' | 'port' | 'user' | 'identityFiles' | 'jump'
>;

/** Settings ssh2 cannot honour; each one sends the host to the OpenSSH transport. */
export interface OpenSshOnly {
  /** CertificateFile, absolute; ssh also loads `<IdentityFile>-cert.pub` by itself. */
  certificateFiles: string[];
  /** ProxyCommand as written (ssh expands its tokens), undefined for none. */
  proxyCommand: string | undefined;
  /** PKCS11Provider, undefined for none. */
  pkcs11Provider: string | undefined;
  /** SecurityKeyProvider, undefined for OpenSSH's built-in one. */
  securityKeyProvider: string | undefined;
  /** GSSAPIAuthentication (Kerberos). */
  gssapiAuthentication: boolean;
  /** ControlMaster, and ControlPath as written (undefined for none). */
  controlMaster: ControlMasterSetting;
  controlPath: string | undefined;
  /** KnownHostsCommand as written, undefined for none. */
  knownHostsCommand: string | undefined;
  /** Default security-key identities found on disk (id_ed25519_sk...), when no IdentityFile is set. */
  securityKeyFiles: string[];
}

/** A host that asks for nothing beyond ssh2 (tests and hand-made hosts start here). */
export function noOpenSshOnly(): OpenSshOnly {
  return {
    certificateFiles: [],
    proxyCommand: undefined,
    pkcs11Provider: undefined,
    securityKeyProvider: undefined,
    gssapiAuthentication: false,
    controlMaster: 'no',
    controlPath: undefined,
    knownHostsCommand: undefined,
    securityKeyFiles: [],
  };
}

/** What Host/Match lines are matched against, and where `~` goes. */
interface Context {
  /** The host as typed, lower case (Host patterns, %n). */
  original: string;
  home: string;
  localUser: string;
  env: Readonly<Record<string, string | undefined>>;
}

interface Scope {
  /** Inside an Include from an inactive block: parse only, nothing applies. */
  neverMatch: boolean;
  depth: number;
  finalPass: boolean;
}

/** Match criteria Holdfast evaluates, and those it cannot (they would run or probe things). */
const MATCH_SUPPORTED = new Set(['host', 'originalhost', 'user', 'localuser', 'tagged']);
const MATCH_UNSUPPORTED = new Set(['exec', 'localnetwork', 'version', 'command', 'sessiontype']);

function displayHome(p: string, home: string): string {
  return p === home ? '~' : p.startsWith(home + path.sep) ? `~${p.slice(home.length)}` : p;
}

/** One resolution: the collected values, the loaded files, the pass state. */
class Resolver {
  readonly c: Collected = { identityFiles: [], certificateFiles: [], forwards: [] };
  wantFinalPass = false;
  /** The host name Host and Match lines see in the final pass. */
  finalHost = '';
  private readonly _files = new Map<string, ConfigLine[]>();

  constructor(readonly ctx: Context) {}

  private _err(line: ConfigLine, message: string): ConfigError {
    return lineError(line, message);
  }

  /** Applies one ordinary directive: validates it always, stores it when `active`. */
  apply(line: ConfigLine, active: boolean): ConfigError | undefined {
    const directive = DIRECTIVES.get(line.keyword);
    if (directive) return directive(line, this.c, active);
    if (OPENSSH_KEYWORDS.has(line.keyword)) return undefined;
    const ignore = this.c.ignoreUnknown;
    if (ignore !== undefined && matchPatternList(line.keyword, ignore) === 'match') {
      return undefined;
    }
    return this._err(
      line,
      `unknown keyword '${line.name}': check its spelling (man ssh_config), or list it in IgnoreUnknown if another ssh client reads this file.`,
    );
  }

  /** The host Match lines test with `host`: HostName so far (%h expanded), or the final name. */
  private _matchHost(scope: Scope): string {
    if (scope.finalPass) return this.finalHost;
    if (this.c.hostName === undefined) return this.ctx.original;
    const expanded = expandPercent(this.c.hostName.value, { h: this.ctx.original });
    return expanded.ok ? expanded.value : this.c.hostName.value;
  }

  /** Whether a `Host` line's patterns select this host (a negated match always wins). */
  hostMatches(line: ConfigLine, scope: Scope): boolean {
    const target = scope.finalPass ? this.finalHost : this.ctx.original;
    const patterns = line.args.flatMap((a) => a.split(','));
    return matchPatternList(target, patterns) === 'match';
  }

  /** Evaluates a `Match` line; unsupported criteria are an error only when they would decide. */
  evalMatch(line: ConfigLine, scope: Scope): Result<boolean, ConfigError> {
    // `key=value` is the same as `key value` (OpenSSH 9.x).
    const args = line.args.flatMap((a) => {
      const eq = a.indexOf('=');
      return eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a];
    });
    if (args.length === 0) {
      return fail(
        this._err(line, 'Match needs criteria, e.g. "Match host example.com" or "Match all".'),
      );
    }
    let result = true;
    const unsupported: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const raw = args[i] as string;
      const negate = raw.startsWith('!');
      const attr = (negate ? raw.slice(1) : raw).toLowerCase();
      if (attr === 'all') {
        if (i !== args.length - 1) {
          return fail(
            this._err(line, "'Match all' cannot be combined with criteria after it: use it alone."),
          );
        }
        if (negate) result = false;
        continue;
      }
      if (attr === 'canonical' || attr === 'final') {
        if (attr === 'final' && !negate && !scope.neverMatch) this.wantFinalPass = true;
        // Holdfast never canonicalizes; both hold only in the final pass, as in OpenSSH.
        if (scope.finalPass === negate) result = false;
        continue;
      }
      if (!MATCH_SUPPORTED.has(attr) && !MATCH_UNSUPPORTED.has(attr)) {
        return fail(
          this._err(
            line,
            `unknown Match criterion '${raw}': use host, originalhost, user, localuser, tagged, final, canonical or all.`,
          ),
        );
      }
      const arg = args[++i];
      if (arg === undefined || (arg === '' && attr !== 'tagged')) {
        return fail(
          this._err(line, `Match '${raw}' needs a value, e.g. "Match ${attr} example.com".`),
        );
      }
      if (MATCH_UNSUPPORTED.has(attr)) {
        unsupported.push(`${raw} ${arg}`);
        continue;
      }
      let hit: boolean;
      switch (attr) {
        case 'host':
          hit = matchPatternList(this._matchHost(scope), arg) === 'match';
          break;
        case 'originalhost':
          hit = matchPatternList(this.ctx.original, arg) === 'match';
          break;
        case 'user':
          hit = matchPatternList(this.c.user ?? this.ctx.localUser, arg, false) === 'match';
          break;
        case 'localuser':
          hit = matchPatternList(this.ctx.localUser, arg, false) === 'match';
          break;
        default: {
          const tag = this.c.tag ?? '';
          hit = tag === '' ? arg === '' : matchPatternList(tag, arg, false) === 'match';
        }
      }
      if (hit === negate) result = false;
    }
    if (scope.neverMatch) return ok(false);
    if (result && unsupported.length > 0) {
      return fail(
        this._err(
          line,
          `Holdfast cannot evaluate 'Match ${unsupported.join(' ')}' (it would run a command or probe the system): ` +
            'rewrite this block with Host or Match host/user patterns, or give Holdfast its own config with -F.',
        ),
      );
    }
    return ok(result);
  }

  /** Reads and tokenizes a file once per resolution. ENOENT → undefined (skipped). */
  async load(
    file: string,
    required: boolean,
  ): Promise<Result<ConfigLine[] | undefined, ConfigError>> {
    const cached = this._files.get(file);
    if (cached !== undefined) return ok(cached);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !required) return ok(undefined);
      const why =
        code === 'ENOENT'
          ? 'no such file: check the path given with -F'
          : code === 'EACCES'
            ? 'permission denied: make it readable by you (chmod 600)'
            : code === 'EISDIR'
              ? 'it is a directory, not a file'
              : (err as Error).message;
      return fail(configError(`cannot read config file ${file}: ${why}.`));
    }
    const parsed = parseConfigText(text, file);
    if (!parsed.ok) return parsed;
    this._files.set(file, parsed.value);
    return ok(parsed.value);
  }

  private async _include(
    line: ConfigLine,
    state: { active: boolean },
    scope: Scope,
  ): Promise<ConfigError | undefined> {
    if (line.args.length === 0) return this._err(line, "'Include' needs at least one file.");
    if (scope.depth >= MAX_INCLUDE_DEPTH) {
      return this._err(
        line,
        `Include nested more than ${MAX_INCLUDE_DEPTH} deep: does a file include itself?`,
      );
    }
    for (const arg of line.args) {
      const tilde = expandTilde(arg, this.ctx.home);
      if (!tilde.ok) return this._err(line, tilde.error);
      const tokens = this.tokens(
        this._matchHost(scope),
        this.c.port ?? DEFAULT_PORT,
        this.c.user ?? this.ctx.localUser,
        '',
      );
      const expanded = expandPercent(tilde.value, tokens);
      if (!expanded.ok) return this._err(line, expanded.error);
      const env = expandEnv(expanded.value, this.ctx.env);
      if (!env.ok) return this._err(line, env.error);
      const pattern = path.isAbsolute(env.value)
        ? env.value
        : path.join(this.ctx.home, '.ssh', env.value);
      for (const file of await globFiles(pattern)) {
        const lines = await this.load(file, false);
        if (!lines.ok) return lines.error;
        if (lines.value === undefined) continue;
        const outer = state.active;
        const err = await this.processLines(lines.value, state, {
          neverMatch: scope.neverMatch || !outer,
          depth: scope.depth + 1,
          finalPass: scope.finalPass,
        });
        if (err !== undefined) return err;
        // A Host or Match inside the included file does not leak out of it.
        state.active = outer;
      }
    }
    return undefined;
  }

  /** Runs a file's directives with OpenSSH's active-block semantics. */
  async processLines(
    lines: readonly ConfigLine[],
    state: { active: boolean },
    scope: Scope,
  ): Promise<ConfigError | undefined> {
    for (const line of lines) {
      if (line.keyword === 'host') {
        if (line.args.length === 0)
          return this._err(line, '\'Host\' needs at least one pattern, e.g. "Host *.example.com".');
        state.active = !scope.neverMatch && this.hostMatches(line, scope);
      } else if (line.keyword === 'match') {
        const m = this.evalMatch(line, scope);
        if (!m.ok) return m.error;
        state.active = m.value;
      } else if (line.keyword === 'include') {
        const err = await this._include(line, state, scope);
        if (err !== undefined) return err;
      } else {
        const err = this.apply(line, state.active && !scope.neverMatch);
        if (err !== undefined) return err;
      }
    }
    return undefined;
  }

  /** The %-tokens OpenSSH offers for IdentityFile, UserKnownHostsFile, IdentityAgent, Include. */
  tokens(hostName: string, port: number, user: string, jump: string): Record<string, string> {
    const local = os.hostname();
    const uid = process.getuid?.();
    return {
      C: createHash('sha1').update(`${local}${hostName}${port}${user}${jump}`).digest('hex'),
      L: local.split('.')[0] ?? local,
      d: this.ctx.home,
      h: hostName,
      i: uid === undefined ? '' : String(uid),
      j: jump,
      k: this.c.hostKeyAlias ?? hostName,
      l: local,
      n: this.ctx.original,
      p: String(port),
      r: user,
      u: this.ctx.localUser,
    };
  }
}

/** Expands `~`, `${VAR}` and %-tokens in a path-like value; errors name where it came from. */
function expandPath(
  value: Sourced<string>,
  home: string,
  tokens: Record<string, string>,
  env: Readonly<Record<string, string | undefined>>,
): Result<string, ConfigError> {
  const where = (m: string): ConfigError =>
    configError(m, value.at.file, value.at.line === 0 ? undefined : value.at.line);
  const tilde = expandTilde(value.value, home);
  if (!tilde.ok) return fail(where(tilde.error));
  const withEnv = expandEnv(tilde.value, env);
  if (!withEnv.ok) return fail(where(withEnv.error));
  const withTokens = expandPercent(withEnv.value, tokens);
  if (!withTokens.ok) return fail(where(withTokens.error));
  return ok(path.resolve(withTokens.value));
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

function defaultGlobalKnownHosts(env: Readonly<Record<string, string | undefined>>): string[] {
  if (process.platform === 'win32') {
    const base = path.join(env.ProgramData ?? 'C:\\ProgramData', 'ssh');
    return [path.join(base, 'ssh_known_hosts'), path.join(base, 'ssh_known_hosts2')];
  }
  return ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
}

function commandLineLines(input: ResolveHostInput): Result<ConfigLine[], ConfigError> {
  const out: ConfigLine[] = [];
  const add = (text: string, label: string): ConfigError | undefined => {
    const parsed = parseConfigText(text, COMMAND_LINE);
    if (!parsed.ok)
      return configError(
        `${label}: ${parsed.error.message.replace(/^command line( line \d+)?: /, '')}`,
      );
    for (const line of parsed.value) {
      if (line.keyword === 'host' || line.keyword === 'match' || line.keyword === 'include') {
        return configError(
          `${label}: ${line.name} cannot be given with -o; put it in the config file.`,
        );
      }
      // Attributed to the option itself; line 0 means "not in a file".
      out.push({ ...line, file: label, line: 0 });
    }
    return undefined;
  };
  const FORWARD_KEYWORD = {
    local: 'LocalForward',
    remote: 'RemoteForward',
    dynamic: 'DynamicForward',
  };
  const FORWARD_FLAG = { local: '-L', remote: '-R', dynamic: '-D' };
  for (const f of input.forwards ?? []) {
    const err = add(
      `${FORWARD_KEYWORD[f.kind]} "${f.spec.replace(/"/g, '')}"`,
      `option ${FORWARD_FLAG[f.kind]} '${f.spec}'`,
    );
    if (err !== undefined) return fail(err);
  }
  for (const opt of input.options ?? []) {
    const err = add(opt, `option -o '${opt}'`);
    if (err !== undefined) return fail(err);
  }
  // Explicit flags are the same as the matching -o options (after them: -o comes first).
  if (input.port !== undefined) {
    const err = add(`Port ${input.port}`, `option -p ${input.port}`);
    if (err !== undefined) return fail(err);
  }
  const quote = (v: string): string => `"${v.replace(/"/g, '\\"')}"`;
  if (input.user !== undefined) {
    const err = add(`User ${quote(input.user)}`, `option -l '${input.user}'`);
    if (err !== undefined) return fail(err);
  }
  for (const file of input.identityFiles ?? []) {
    const err = add(`IdentityFile ${quote(file)}`, `option -i '${file}'`);
    if (err !== undefined) return fail(err);
  }
  if (input.jump !== undefined) {
    const err = add(`ProxyJump ${input.jump}`, `option -J '${input.jump}'`);
    if (err !== undefined) return fail(err);
  }
  return ok(out);
}

async function resolveParsed(
  dest: Destination,
  input: ResolveHostInput,
): Promise<Result<ResolvedHost, ConfigError>> {
  const home = input.home ?? os.homedir();
  const localUser = input.localUser ?? os.userInfo().username;
  const env = input.env ?? process.env;
  const original = net.isIP(dest.host) ? dest.host : dest.host.toLowerCase();
  const r = new Resolver({ original, home, localUser, env });
  const c = r.c;

  const cmdline = commandLineLines(input);
  if (!cmdline.ok) return cmdline;
  for (const line of cmdline.value) {
    const err = r.apply(line, true);
    if (err !== undefined) return fail(err);
  }
  // The destination's own user and port count like -l/-p given after the options.
  if (dest.user !== undefined) c.user ??= dest.user;
  if (dest.port !== undefined) c.port ??= dest.port;

  const configFile =
    input.configFile === undefined
      ? path.join(home, '.ssh', 'config')
      : input.configFile.toLowerCase() === 'none'
        ? undefined
        : path.resolve(input.configFile);
  if (configFile !== undefined) {
    const lines = await r.load(configFile, input.configFile !== undefined);
    if (!lines.ok) return lines;
    if (lines.value !== undefined) {
      const err = await r.processLines(
        lines.value,
        { active: true },
        { neverMatch: false, depth: 0, finalPass: false },
      );
      if (err !== undefined) return fail(err);
      if (r.wantFinalPass) {
        const expanded =
          c.hostName === undefined ? undefined : expandPercent(c.hostName.value, { h: original });
        r.finalHost = expanded?.ok === true ? expanded.value.toLowerCase() : original;
        const again = await r.processLines(
          lines.value,
          { active: true },
          { neverMatch: false, depth: 0, finalPass: true },
        );
        if (again !== undefined) return fail(again);
      }
    }
  }

  let hostName = original;
  if (c.hostName !== undefined) {
    const expanded = expandPercent(c.hostName.value, { h: original });
    if (!expanded.ok)
      return fail(configError(expanded.error, c.hostName.at.file, c.hostName.at.line || undefined));
    hostName = net.isIP(expanded.value) ? expanded.value : expanded.value.toLowerCase();
  }
  const port = c.port ?? DEFAULT_PORT;
  const user = c.user ?? localUser;

  // ProxyCommand is run by the system ssh (transport/chooseTransport.ts), never by us.
  const proxyCommand =
    c.proxy?.kind === 'command' && c.proxy.value.toLowerCase() !== 'none'
      ? c.proxy.value
      : undefined;
  const proxyJump = c.proxy?.kind === 'jump' ? c.proxy.hops : [];
  if (proxyJump.length === 1) {
    const hop = parseJumpHop(proxyJump[0] as string);
    if (
      hop.ok &&
      hop.value.host.toLowerCase() === hostName &&
      (hop.value.port ?? DEFAULT_PORT) === port &&
      (hop.value.user ?? user) === user
    ) {
      return fail(
        configError(
          `ProxyJump for ${hostName} points at ${hostName} itself: remove it or name a different jump host.`,
        ),
      );
    }
  }
  const lastHop =
    proxyJump.length > 0 ? parseJumpHop(proxyJump[proxyJump.length - 1] as string) : undefined;
  const tokens = r.tokens(hostName, port, user, lastHop?.ok ? lastHop.value.host : '');

  const identityFiles: string[] = [];
  for (const raw of c.identityFiles) {
    if (raw.value.toLowerCase() === 'none') continue;
    const p = expandPath(raw, home, tokens, env);
    if (!p.ok) return p;
    if (!identityFiles.includes(p.value)) identityFiles.push(p.value);
  }
  const securityKeyFiles: string[] = [];
  if (c.identityFiles.length === 0) {
    for (const name of DEFAULT_IDENTITY_FILES) {
      const p = path.join(home, '.ssh', name);
      if (await isFile(p)) identityFiles.push(p);
    }
    for (const name of DEFAULT_SECURITY_KEY_FILES) {
      const p = path.join(home, '.ssh', name);
      if (await isFile(p)) securityKeyFiles.push(p);
    }
  }
  const certificateFiles: string[] = [];
  for (const raw of c.certificateFiles) {
    const p = expandPath(raw, home, tokens, env);
    if (!p.ok) return p;
    if (!certificateFiles.includes(p.value)) certificateFiles.push(p.value);
  }
  const noneToUndefined = (v: string | undefined): string | undefined =>
    v === undefined || v.toLowerCase() === 'none' ? undefined : v;

  const knownHosts = async (
    src: Sourced<string[]> | undefined,
    fallback: string[],
  ): Promise<Result<string[], ConfigError>> => {
    if (src === undefined) return ok(fallback);
    if (src.value.length === 1 && (src.value[0] as string).toLowerCase() === 'none') return ok([]);
    const out: string[] = [];
    for (const v of src.value) {
      const p = expandPath({ value: v, at: src.at }, home, tokens, env);
      if (!p.ok) return p;
      out.push(p.value);
    }
    return ok(out);
  };
  const userKnownHostsFiles = await knownHosts(c.userKnownHostsFiles, [
    path.join(home, '.ssh', 'known_hosts'),
    path.join(home, '.ssh', 'known_hosts2'),
  ]);
  if (!userKnownHostsFiles.ok) return userKnownHostsFiles;
  const globalKnownHostsFiles = await knownHosts(
    c.globalKnownHostsFiles,
    defaultGlobalKnownHosts(env),
  );
  if (!globalKnownHostsFiles.ok) return globalKnownHostsFiles;

  let identityAgent: string | undefined;
  if (c.identityAgent !== undefined) {
    const v = c.identityAgent.value;
    if (v.toLowerCase() === 'none') identityAgent = 'none';
    else if (v === 'SSH_AUTH_SOCK') identityAgent = undefined;
    else if (/^\$[A-Za-z_][A-Za-z0-9_]*$/.test(v)) {
      identityAgent = env[v.slice(1)];
      if (identityAgent === undefined) {
        return fail(
          configError(
            `IdentityAgent names ${v}, which is not set in the environment.`,
            c.identityAgent.at.file,
            c.identityAgent.at.line || undefined,
          ),
        );
      }
    } else {
      const p = expandPath(c.identityAgent, home, tokens, env);
      if (!p.ok) return p;
      identityAgent = p.value;
    }
  }

  const forwardAgent = resolveForwardAgent(c.forwardAgent, identityAgent, home, tokens, env);
  if (!forwardAgent.ok) return forwardAgent;

  const enabled: Record<AuthMethodName, boolean> = {
    publickey: c.pubkeyAuthentication ?? true,
    'keyboard-interactive': c.kbdInteractiveAuthentication ?? true,
    password: c.passwordAuthentication ?? true,
  };
  const order = (c.preferredAuthentications ?? DEFAULT_AUTH_ORDER).filter(
    (m, i, all): m is AuthMethodName =>
      (m === 'publickey' || m === 'keyboard-interactive' || m === 'password') &&
      all.indexOf(m) === i &&
      enabled[m],
  );

  return ok({
    alias: dest.host,
    hostName,
    port,
    user,
    identityFiles,
    identitiesOnly: c.identitiesOnly ?? false,
    identityAgent,
    forwardAgent: forwardAgent.value,
    proxyJump,
    userKnownHostsFiles: userKnownHostsFiles.value,
    globalKnownHostsFiles: globalKnownHostsFiles.value,
    hostKeyAlias: c.hostKeyAlias?.toLowerCase(),
    ...(c.holdfastDir !== undefined ? { holdfastDir: c.holdfastDir } : {}),
    hashKnownHosts: c.hashKnownHosts ?? false,
    strictHostKeyChecking: c.strict ?? 'ask',
    serverAliveInterval: c.serverAliveInterval ?? HOLDFAST_DEFAULTS.serverAliveInterval,
    serverAliveCountMax: c.serverAliveCountMax ?? HOLDFAST_DEFAULTS.serverAliveCountMax,
    connectTimeout:
      c.connectTimeout === undefined || c.connectTimeout === 0 ? undefined : c.connectTimeout,
    preferredAuthentications: order,
    numberOfPasswordPrompts: c.numberOfPasswordPrompts ?? DEFAULT_PASSWORD_PROMPTS,
    sendEnv: c.sendEnv ?? [...HOLDFAST_DEFAULTS.sendEnv],
    setEnv: c.setEnv ?? {},
    transport: c.transport ?? 'auto',
    ...(c.predict !== undefined ? { predict: c.predict } : {}),
    ...(c.requestTty !== undefined ? { requestTty: c.requestTty } : {}),
    forwards: c.clearAllForwardings === true ? [] : c.forwards.map((f) => f.value),
    exitOnForwardFailure: c.exitOnForwardFailure ?? false,
    gatewayPorts: c.gatewayPorts ?? false,
    openssh: {
      certificateFiles,
      proxyCommand,
      pkcs11Provider: noneToUndefined(c.pkcs11Provider),
      securityKeyProvider:
        c.securityKeyProvider === undefined || c.securityKeyProvider === 'internal'
          ? undefined
          : c.securityKeyProvider,
      gssapiAuthentication: c.gssapiAuthentication ?? false,
      controlMaster: c.controlMaster ?? 'no',
      controlPath: noneToUndefined(c.controlPath),
      knownHostsCommand: noneToUndefined(c.knownHostsCommand),
      securityKeyFiles,
    },
    origin: {
      configFile: input.configFile,
      home,
      localUser,
      ...(input.env === undefined ? {} : { env: input.env }),
      commandLine: {
        destination: input.destination,
        ...(input.configFile === undefined ? {} : { configFile: input.configFile }),
        ...(input.options === undefined ? {} : { options: input.options }),
        ...(input.port === undefined ? {} : { port: input.port }),
        ...(input.user === undefined ? {} : { user: input.user }),
        ...(input.identityFiles === undefined ? {} : { identityFiles: input.identityFiles }),
        ...(input.jump === undefined ? {} : { jump: input.jump }),
      },
    },
  });
}

/**
 * Resolves `input.destination` through the command-line options and ssh_config, like
 * `ssh -G` would, into everything a dial needs. Jump hosts are left as written in
 * `proxyJump`; resolve them with {@link resolveJumpChain}.
 */
export async function resolveHost(
  input: ResolveHostInput,
): Promise<Result<ResolvedHost, ConfigError>> {
  const dest = parseDestination(input.destination);
  if (!dest.ok) return fail(configError(dest.error));
  return resolveParsed(dest.value, input);
}

/**
 * Resolves `host.proxyJump` into the hosts to dial, first first, each through the same
 * config file. As with OpenSSH's `-J a,b`, the first hop's own ProxyJump is honoured
 * (recursively) and the later hops are reached through the chain, so theirs is not.
 * Jump hosts do not inherit the target's `-o` options (OpenSSH passes only `-F` on).
 */
export async function resolveJumpChain(
  host: ResolvedHost,
): Promise<Result<ResolvedHost[], ConfigError>> {
  return chainOf(host, 0);
}

async function chainOf(
  host: ResolvedHost,
  depth: number,
): Promise<Result<ResolvedHost[], ConfigError>> {
  if (host.proxyJump.length === 0) return ok([]);
  const base = {
    ...(host.origin.configFile === undefined ? {} : { configFile: host.origin.configFile }),
    home: host.origin.home,
    localUser: host.origin.localUser,
    ...(host.origin.env === undefined ? {} : { env: host.origin.env }),
  };
  const out: ResolvedHost[] = [];
  for (let i = 0; i < host.proxyJump.length; i++) {
    const text = host.proxyJump[i] as string;
    const hop = parseJumpHop(text);
    if (!hop.ok) return fail(configError(`bad ProxyJump hop '${text}': ${hop.error}`));
    const resolved = await resolveParsed(
      { host: hop.value.host },
      {
        ...base,
        destination: formatJumpHop({ host: hop.value.host }),
        ...(hop.value.user === undefined ? {} : { user: hop.value.user }),
        ...(hop.value.port === undefined ? {} : { port: hop.value.port }),
        // Later hops are reached through the earlier ones: their own ProxyJump does not apply.
        ...(i > 0 ? { options: ['ProxyJump none'] } : {}),
      },
    );
    if (!resolved.ok) {
      return fail({ ...resolved.error, message: `jump host '${text}': ${resolved.error.message}` });
    }
    if (i === 0) {
      if (depth + host.proxyJump.length >= MAX_JUMP_HOPS) {
        return fail(
          configError(
            `ProxyJump chain to ${host.hostName} is longer than ${MAX_JUMP_HOPS} hops: does a jump host's ProxyJump lead back to itself?`,
          ),
        );
      }
      const before = await chainOf(resolved.value, depth + host.proxyJump.length);
      if (!before.ok) return before;
      out.push(...before.value);
    }
    out.push(resolved.value);
  }
  return ok(out);
}

/** `~/.ssh/id_ed25519` style display of a path under `home`, for messages. */
export function displayPath(p: string, home: string = os.homedir()): string {
  return displayHome(p, home);
}

/**
 * ForwardAgent as OpenSSH reads it: yes/no, or the agent to forward as a socket path (`~`,
 * `${VAR}` and %-tokens expanded) or `$VAR` naming one. `yes` forwards the agent the
 * login uses: IdentityAgent when set (none: no agent), else SSH_AUTH_SOCK.
 */
function resolveForwardAgent(
  src: Sourced<string> | undefined,
  identityAgent: string | undefined,
  home: string,
  tokens: Record<string, string>,
  env: Readonly<Record<string, string | undefined>>,
): Result<ResolvedHost['forwardAgent'], ConfigError> {
  if (src === undefined) return ok(false);
  const yes = isYes(src.value);
  if (yes === false) return ok(false);
  if (yes === true) {
    // The agent the login would use (IdentityAgent none: none at all, as with ssh).
    const at = agentLocation({ identityAgent }, env);
    return ok({ socket: at.kind === 'at' ? at.where : undefined });
  }
  if (/^\$[A-Za-z_][A-Za-z0-9_]*$/.test(src.value)) {
    const socket = env[src.value.slice(1)];
    if (socket === undefined) {
      return fail(
        configError(
          `ForwardAgent names ${src.value}, which is not set in the environment; set it, or write ForwardAgent yes to forward SSH_AUTH_SOCK.`,
          src.at.file,
          src.at.line || undefined,
        ),
      );
    }
    return ok({ socket });
  }
  const p = expandPath(src, home, tokens, env);
  return p.ok ? ok({ socket: p.value }) : p;
}
