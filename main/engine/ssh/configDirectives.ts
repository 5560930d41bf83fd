// The ordinary ssh_config directives Holdfast reads, as a table: for each keyword, how its
// value is read (and refused, with words) and where it is kept. Every line is checked
// whether or not its Host/Match block applies; only an applying line stores its value, and
// the first value wins (as in OpenSSH) except where a keyword accumulates. Host, Match and
// Include are the resolver's own (config.ts); keywords not in this table are OpenSSH's
// (ignored), listed in IgnoreUnknown, or misspelt.

import { splitWords, type ConfigLine } from './configFile';
import type { ControlMasterSetting, StrictHostKeyChecking, TransportSetting } from './config';
import { PREDICT_MODES, type PredictMode } from '../../common/predict/echoPredictor';
import {
  forwardText,
  parseForward,
  type ForwardKind,
  type ForwardSpec,
} from '../forward/forwardSpec';
import { parseJumpHop } from './destination';
import { configError, type ConfigError } from './errors';
import { matchPattern } from './patterns';
import { fail, ok, type Result } from './result';
import { parseInterval } from './tokens';

/** Where a value came from, for error messages. */
export interface Where {
  file: string;
  line?: number;
}

export interface Sourced<T> {
  value: T;
  at: Where;
}

/** Values collected so far; unset until a source sets them (first wins). */
export interface Collected {
  hostName?: Sourced<string>;
  port?: number;
  user?: string;
  identityFiles: Sourced<string>[];
  identitiesOnly?: boolean;
  proxy?:
    { kind: 'jump'; hops: string[]; at: Where } | { kind: 'command'; value: string; at: Where };
  userKnownHostsFiles?: Sourced<string[]>;
  globalKnownHostsFiles?: Sourced<string[]>;
  strict?: StrictHostKeyChecking;
  serverAliveInterval?: number;
  serverAliveCountMax?: number;
  connectTimeout?: number;
  preferredAuthentications?: string[];
  hostKeyAlias?: string;
  holdfastDir?: string;
  identityAgent?: Sourced<string>;
  /** ForwardAgent as written: yes, no, a socket path or `$VAR` (config.ts reads it). */
  forwardAgent?: Sourced<string>;
  hashKnownHosts?: boolean;
  passwordAuthentication?: boolean;
  kbdInteractiveAuthentication?: boolean;
  pubkeyAuthentication?: boolean;
  numberOfPasswordPrompts?: number;
  /** Unset until a SendEnv line; accumulates, `-pattern` removes. */
  sendEnv?: string[];
  /** The first active SetEnv line wins whole, as in OpenSSH. */
  setEnv?: Record<string, string>;
  ignoreUnknown?: string;
  tag?: string;
  certificateFiles: Sourced<string>[];
  pkcs11Provider?: string;
  securityKeyProvider?: string;
  gssapiAuthentication?: boolean;
  controlMaster?: ControlMasterSetting;
  controlPath?: string;
  knownHostsCommand?: string;
  transport?: TransportSetting;
  predict?: PredictMode;
  requestTty?: RequestTty;
  /** LocalForward, RemoteForward, DynamicForward: every applying line adds one (no repeats). */
  forwards: Sourced<ForwardSpec>[];
  exitOnForwardFailure?: boolean;
  gatewayPorts?: boolean;
  clearAllForwardings?: boolean;
}

/** Checks one directive line; stores its value in `c` when `active`. */
export type Directive = (
  line: ConfigLine,
  c: Collected,
  active: boolean,
) => ConfigError | undefined;

type Read<T> = (line: ConfigLine) => Result<T, ConfigError>;

const CONTROL_MASTER_VALUES: readonly ControlMasterSetting[] = ['ask', 'auto', 'autoask'];
const TRANSPORT_VALUES: readonly TransportSetting[] = ['auto', 'ssh2', 'openssh'];

const STRICT_VALUES: Readonly<Record<string, StrictHostKeyChecking>> = {
  yes: 'yes',
  true: 'yes',
  no: 'no',
  false: 'no',
  off: 'no',
  ask: 'ask',
  'accept-new': 'accept-new',
};

/** RequestTTY as ssh_config(5) has it: -t (yes), -tt (force), -T (no), or ssh's own choice. */
export const REQUEST_TTY_VALUES = ['yes', 'no', 'force', 'auto'] as const;
export type RequestTty = (typeof REQUEST_TTY_VALUES)[number];

export function isYes(v: string): boolean | undefined {
  const s = v.toLowerCase();
  if (s === 'yes' || s === 'true') return true;
  if (s === 'no' || s === 'false') return false;
  return undefined;
}

function parseIntStrict(v: string): number | undefined {
  return /^\d{1,9}$/.test(v) ? Number(v) : undefined;
}

/** An error placed at `line` (line 0 is the command line: no line number). */
export function lineError(line: ConfigLine, message: string): ConfigError {
  return configError(message, line.file, line.line === 0 ? undefined : line.line);
}

function refuse(line: ConfigLine, message: string): Result<never, ConfigError> {
  return fail(lineError(line, message));
}

// --- readers: a line's value, or the error that says what to write ---------------------------

const one: Read<string> = (line) => {
  if (line.args.length === 1) return ok(line.args[0] as string);
  if (line.args.length === 0)
    return refuse(line, `'${line.name}' needs a value: write "${line.name} value".`);
  return refuse(
    line,
    `'${line.name}' takes one value but has ${line.args.length} (${line.args.join(' ')}): quote a value that contains spaces.`,
  );
};

/** `one`, then `convert`; undefined from `convert` refuses the line with `why(value)`. */
function oneAs<T>(
  convert: (v: string) => T | undefined,
  why: (v: string, line: ConfigLine) => string,
): Read<T> {
  return (line) => {
    const v = one(line);
    if (!v.ok) return v;
    const out = convert(v.value);
    return out === undefined ? refuse(line, why(v.value, line)) : ok(out);
  };
}

const bool = oneAs(isYes, (v, line) => `'${line.name}' must be yes or no, not '${v}'.`);

const count = oneAs(
  parseIntStrict,
  (v, line) => `'${line.name}' must be a whole number, not '${v}'.`,
);

const interval = oneAs(
  (v) => (v.toLowerCase() === 'none' ? 0 : parseInterval(v)),
  (v, line) => `'${line.name}' must be a time in seconds (like 10, or 1m30s), not '${v}'.`,
);

const port = oneAs(
  (v) => {
    const n = parseIntStrict(v);
    return n === undefined || n < 1 || n > 65535 ? undefined : n;
  },
  (v) => `Bad port '${v}': use a number from 1 to 65535.`,
);

const controlMaster = oneAs<ControlMasterSetting>(
  (v) => {
    const s = v.toLowerCase();
    const yes = isYes(s);
    return yes !== undefined ? (yes ? 'yes' : 'no') : CONTROL_MASTER_VALUES.find((m) => m === s);
  },
  (v) => `ControlMaster must be yes, no, ask, auto or autoask, not '${v}'.`,
);

const transport = oneAs(
  (v) => TRANSPORT_VALUES.find((m) => m === v.toLowerCase()),
  (v) => `HoldfastTransport must be auto, ssh2 or openssh (the system ssh client), not '${v}'.`,
);

const predict = oneAs(
  (v) => PREDICT_MODES.find((m) => m === v.toLowerCase()),
  (v) => `HoldfastPredict must be auto (local echo on a slow link), always or never, not '${v}'.`,
);

const requestTty = oneAs<RequestTty>(
  (v) => {
    const yes = isYes(v);
    return yes !== undefined
      ? yes
        ? 'yes'
        : 'no'
      : REQUEST_TTY_VALUES.find((m) => m === v.toLowerCase());
  },
  (v) => `RequestTTY must be yes, no, force or auto, not '${v}'.`,
);

const strict = oneAs(
  (v) => STRICT_VALUES[v.toLowerCase()],
  (v) => `StrictHostKeyChecking must be yes, no, accept-new, ask or off, not '${v}'.`,
);

// OpenSSH 8.9+ also accepts the host-binding variants; both mean "yes" here.
const pubkey = oneAs(
  (v) => {
    const s = v.toLowerCase();
    return s === 'unbound' || s === 'host-bound' ? true : isYes(s);
  },
  (v, line) => `'${line.name}' must be yes or no, not '${v}'.`,
);

const methodList: Read<string[]> = (line) => {
  const v = one(line);
  return v.ok ? ok(v.value.split(',').map((m) => m.trim().toLowerCase())) : v;
};

const jumpHops: Read<string[]> = (line) => {
  const v = one(line);
  if (!v.ok) return v;
  const hops = v.value.toLowerCase() === 'none' ? [] : v.value.split(',');
  for (const hop of hops) {
    const parsed = parseJumpHop(hop);
    if (!parsed.ok) {
      return refuse(
        line,
        `bad ProxyJump hop: ${parsed.error} Write hops as [user@]host[:port], separated by commas.`,
      );
    }
  }
  return ok(hops.map((h) => h.trim()));
};

/** Every word joined by spaces (a command), refused when there is none. */
const rest: Read<string> = (line) =>
  line.args.length === 0 ? refuse(line, `'${line.name}' needs a value.`) : ok(line.args.join(' '));

const fileList: Read<string[]> = (line) => {
  if (line.args.length === 0) return refuse(line, `'${line.name}' needs at least one file.`);
  const lower = line.args.map((a) => a.toLowerCase());
  if (lower.includes('none') && line.args.length > 1) {
    return refuse(line, `'${line.name}' cannot list 'none' together with files.`);
  }
  return ok(line.args);
};

const envNames: Read<string[]> = (line) =>
  line.args.length === 0
    ? refuse(line, `'${line.name}' needs variable names (globs such as LC_*).`)
    : ok(line.args);

const envSettings: Read<Record<string, string>> = (line) => {
  const words = line.raw === undefined ? line.args : splitWords(line.raw);
  if (words === undefined) return refuse(line, `'${line.name}' has a quote that is not closed.`);
  if (words.length === 0) return refuse(line, `'${line.name}' needs NAME=VALUE.`);
  const set: Record<string, string> = {};
  for (const word of words) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) {
      return refuse(
        line,
        `'${line.name}' takes NAME=VALUE (quote values with spaces: "NAME=a b"), not '${word}'.`,
      );
    }
    const eq = word.indexOf('=');
    set[word.slice(0, eq)] ??= word.slice(eq + 1);
  }
  return ok(set);
};

// --- keepers: where an applying line's value goes -------------------------------------------

function directive<T>(read: Read<T>, keep: (c: Collected, v: T, at: Where) => void): Directive {
  return (line, c, active) => {
    const v = read(line);
    if (!v.ok) return v.error;
    if (active) keep(c, v.value, { file: line.file, line: line.line });
    return undefined;
  };
}

type FirstWins = Exclude<keyof Collected, 'identityFiles' | 'certificateFiles' | 'forwards'>;

/** The first applying line sets `key`; later ones are checked but change nothing. */
function first<K extends FirstWins>(key: K, read: Read<NonNullable<Collected[K]>>): Directive {
  return directive(read, (c, v) => {
    c[key] ??= v;
  });
}

/** Like `first`, remembering where the value came from. */
function firstSourced<
  K extends
    'hostName' | 'identityAgent' | 'forwardAgent' | 'userKnownHostsFiles' | 'globalKnownHostsFiles',
>(key: K, read: Read<NonNullable<Collected[K]>['value']>): Directive {
  return directive(read, (c, value, at) => {
    c[key] ??= { value, at } as Collected[K];
  });
}

/** Every applying line adds one (IdentityFile, CertificateFile). */
function each(key: 'identityFiles' | 'certificateFiles'): Directive {
  return directive(one, (c, value, at) => c[key].push({ value, at }));
}

/**
 * A forward line: `LocalForward [bind:]port host:hostport` (two words, joined by ':' as
 * OpenSSH's readconf does) or the one-word form `-L`/`-R`/`-D` take on the command line.
 */
function forwardReader(kind: ForwardKind): Read<ForwardSpec> {
  return (line) => {
    if (line.args.length === 0 || line.args.length > 2)
      return refuse(
        line,
        `'${line.name}' takes ${kind === 'dynamic' ? 'one value: [bind_address:]port' : 'two values: [bind_address:]port host:hostport'}.`,
      );
    const r = parseForward(kind, line.args.join(':'), line.name);
    return r.ok ? ok(r.value) : refuse(line, r.message);
  };
}

function forward(kind: ForwardKind): Directive {
  return directive(forwardReader(kind), (c, value, at) => {
    // ssh keeps one of each: the same forward from -L and the config listens once
    if (
      !c.forwards.some(
        (f) => f.value.kind === value.kind && forwardText(f.value) === forwardText(value),
      )
    )
      c.forwards.push({ value, at });
  });
}

function sendEnv(c: Collected, args: string[]): void {
  let list = c.sendEnv ?? [];
  for (const arg of args) {
    // `-PATTERN` takes back names listed before (case-sensitive, as variable names).
    if (arg.startsWith('-')) list = list.filter((n) => !matchPattern(n, arg.slice(1), false));
    else if (!list.includes(arg)) list.push(arg);
  }
  c.sendEnv = list;
}

/** Keyword (lower case) → how Holdfast reads it. */
export const DIRECTIVES: ReadonlyMap<string, Directive> = new Map([
  ['hostname', firstSourced('hostName', one)],
  ['localforward', forward('local')],
  ['remoteforward', forward('remote')],
  ['dynamicforward', forward('dynamic')],
  ['exitonforwardfailure', first('exitOnForwardFailure', bool)],
  ['gatewayports', first('gatewayPorts', bool)],
  ['clearallforwardings', first('clearAllForwardings', bool)],
  ['port', first('port', port)],
  ['user', first('user', one)],
  ['identityfile', each('identityFiles')],
  ['identityfile2', each('identityFiles')],
  ['certificatefile', each('certificateFiles')],
  ['pkcs11provider', first('pkcs11Provider', one)],
  ['securitykeyprovider', first('securityKeyProvider', one)],
  ['controlpath', first('controlPath', one)],
  ['knownhostscommand', first('knownHostsCommand', rest)],
  ['gssapiauthentication', first('gssapiAuthentication', bool)],
  ['controlmaster', first('controlMaster', controlMaster)],
  ['holdfasttransport', first('transport', transport)],
  ['holdfastpredict', first('predict', predict)],
  ['requesttty', first('requestTty', requestTty)],
  ['identitiesonly', first('identitiesOnly', bool)],
  ['proxyjump', directive(jumpHops, (c, hops, at) => (c.proxy ??= { kind: 'jump', hops, at }))],
  ['proxycommand', directive(rest, (c, value, at) => (c.proxy ??= { kind: 'command', value, at }))],
  ['userknownhostsfile', firstSourced('userKnownHostsFiles', fileList)],
  ['globalknownhostsfile', firstSourced('globalKnownHostsFiles', fileList)],
  ['stricthostkeychecking', first('strict', strict)],
  ['serveraliveinterval', first('serverAliveInterval', interval)],
  ['connecttimeout', first('connectTimeout', interval)],
  ['serveralivecountmax', first('serverAliveCountMax', count)],
  ['numberofpasswordprompts', first('numberOfPasswordPrompts', count)],
  ['preferredauthentications', first('preferredAuthentications', methodList)],
  ['sendenv', directive(envNames, sendEnv)],
  ['setenv', first('setEnv', envSettings)],
  ['hostkeyalias', first('hostKeyAlias', one)],
  ['holdfastdir', first('holdfastDir', one)],
  ['tag', first('tag', one)],
  ['ignoreunknown', first('ignoreUnknown', one)],
  ['identityagent', firstSourced('identityAgent', one)],
  ['forwardagent', firstSourced('forwardAgent', one)],
  ['hashknownhosts', first('hashKnownHosts', bool)],
  ['passwordauthentication', first('passwordAuthentication', bool)],
  // The keyboard-interactive family's old names all mean the same switch.
  ['kbdinteractiveauthentication', first('kbdInteractiveAuthentication', bool)],
  ['challengeresponseauthentication', first('kbdInteractiveAuthentication', bool)],
  ['skeyauthentication', first('kbdInteractiveAuthentication', bool)],
  ['tisauthentication', first('kbdInteractiveAuthentication', bool)],
  ['pubkeyauthentication', first('pubkeyAuthentication', pubkey)],
  ['dsaauthentication', first('pubkeyAuthentication', pubkey)],
]);
