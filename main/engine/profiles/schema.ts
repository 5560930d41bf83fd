/**
 * What a saved host profile is, as zod schemas: one for profiles.json (the stored form,
 * format {@link PROFILES_FORMAT_VERSION}) and one for what the editor and the CLI hand in
 * (the same fields, a password in place of its keychain key, no id yet).
 *
 * A profile either names a host itself (`host`, `port`, `user`, `auth`, `jump`,
 * `keepalive`) or follows an ssh_config alias (`alias`): then ssh_config stays the source
 * of truth for everything it can say, and the profile adds only what it cannot (group,
 * color, notes, scrollback, the command and environment of the session).
 *
 * Every rule carries the message the user sees next to the field.
 */
import path from 'node:path';
import { z } from 'zod';
import { parseForward } from '../forward/forwardSpec';
import { parseJumpHop } from '../ssh/destination';

/**
 * The profiles.json format this Holdfast writes and reads. Bump it (and add a migration
 * in `migrations.ts`) whenever a field changes meaning or a new field is added: the
 * schema is strict, so an older Holdfast must refuse a file it cannot fully understand.
 */
export const PROFILES_FORMAT_VERSION = 2;

/** Limits on what one profile may hold: generous for people, small enough to stay a file. */
export const PROFILE_LIMITS = {
  /** Characters in the agent's directory on the server (PATH_MAX is 4096; sockets need less). */
  agentDirLength: 512,
  /** Characters in a name; it is also typed on the command line. */
  nameLength: 64,
  /** A DNS name is at most 253 characters; a little room for odd spellings. */
  hostLength: 255,
  /** Jump hosts in one chain; config.ts refuses longer chains (MAX_JUMP_HOPS). */
  jumpHops: 8,
  /** Seconds between keepalive probes: an hour is already no keepalive at all. */
  keepaliveIntervalMaxSeconds: 3600,
  /** Unanswered probes before the link is judged dead. */
  keepaliveCountMax: 100,
  /** Terminal lines kept; the renderer's global setting has the same ceiling. */
  scrollbackMaxLines: 1_000_000,
  /** Characters in the command run instead of the login shell. */
  commandLength: 4096,
  /** Environment variables per profile. */
  envEntries: 64,
  /** Characters in one environment value. */
  envValueLength: 4096,
  /** Characters in a group name. */
  groupLength: 64,
  /** Characters of notes. */
  notesLength: 10_000,
  /** Port forwards per profile. */
  forwards: 32,
  /** Characters in one forward's specification. */
  forwardLength: 1024,
  /** Profiles in one file. */
  profiles: 10_000,
} as const;

/**
 * A name is what the user types after `holdfast` and what an exported Host line says,
 * so it is one shell word and one ssh_config pattern with no wildcards: letters, digits,
 * `.`, `_`, `-`, `+`, not starting with `-` (it would read as an option).
 */
const NAME_RE = /^[A-Za-z0-9_.+][A-Za-z0-9_.+-]*$/;
/** Characters OpenSSH refuses in host and user names (they could reach a shell via %h). */
const UNSAFE_RE = /[\s'`"$\\;&<>|(){}]/;
/** What makes an ssh_config Host entry a pattern rather than one alias. */
const PATTERN_RE = /[*?!,]/;
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const COLOR_RE = /^#[0-9A-Fa-f]{6}$/;
/** Keychain keys are ours (see `secretKeyFor`): a narrow alphabet keeps them inert. */
const SECRET_KEY_RE = /^[A-Za-z0-9._:/-]{1,200}$/;
const ID_RE = /^[A-Za-z0-9-]{1,64}$/;

function hasControl(s: string): boolean {
  return [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

const id = z
  .string()
  .regex(ID_RE, { error: 'must be letters, digits and dashes (Holdfast sets it)' });

const name = z
  .string()
  .trim()
  .min(1, { error: 'enter a name' })
  .max(PROFILE_LIMITS.nameLength, {
    error: `must be at most ${PROFILE_LIMITS.nameLength} characters`,
  })
  .regex(NAME_RE, {
    error:
      "use letters, digits, '.', '_', '+' and '-' only, not starting with '-' (you type the name after holdfast, and it is a Host name in ssh_config)",
  });

const alias = z
  .string()
  .trim()
  .min(1, { error: 'enter the Host name from ssh_config' })
  .refine((s) => !PATTERN_RE.test(s), {
    error: "must be one Host name, not a pattern: no '*', '?', '!' or ','",
  })
  .refine((s) => !UNSAFE_RE.test(s) && !hasControl(s) && !s.startsWith('-'), {
    error: 'contains characters an ssh_config Host name cannot have',
  });

const host = z
  .string()
  .trim()
  .min(1, { error: 'enter a host name or address' })
  .max(PROFILE_LIMITS.hostLength, {
    error: `must be at most ${PROFILE_LIMITS.hostLength} characters`,
  })
  .refine((s) => !s.startsWith('-'), { error: "may not start with '-'" })
  .refine((s) => !s.includes('@'), {
    error: "put the user in the user field, not before '@' in the host",
  })
  .refine((s) => !s.startsWith('['), { error: 'write an IPv6 address without brackets' })
  .refine((s) => !UNSAFE_RE.test(s) && !hasControl(s) && !s.includes('/'), {
    error: 'contains characters a host name cannot have (spaces, quotes, $, ; ...)',
  });

const port = z
  .number({ error: 'must be a number from 1 to 65535' })
  .int({ error: 'must be a whole number from 1 to 65535' })
  .min(1, { error: 'must be a number from 1 to 65535' })
  .max(65535, { error: 'must be a number from 1 to 65535' });

const user = z
  .string()
  .trim()
  .min(1, { error: 'enter a user name, or leave it out for the default' })
  .refine((s) => !s.startsWith('-'), { error: "may not start with '-'" })
  .refine((s) => !UNSAFE_RE.test(s) && !hasControl(s), {
    error: 'contains characters a user name cannot have (spaces, quotes, $, ; ...)',
  });

const keyFile = z
  .string()
  .trim()
  .min(1, { error: 'choose a private key file' })
  .refine((p) => p === '~' || p.startsWith('~/') || path.isAbsolute(p), {
    error: 'write the full path of the key file (or one starting with ~/)',
  })
  .refine((p) => !hasControl(p), { error: 'contains control characters' });

const secretKey = z
  .string()
  .regex(SECRET_KEY_RE, { error: 'is not a keychain key Holdfast wrote' });

const AUTH_METHOD_ERROR = "must be 'agent', 'key' or 'password'";
const authError = (iss: { code: string }): string | undefined =>
  iss.code === 'invalid_union' ? AUTH_METHOD_ERROR : undefined;

/** Auth as stored: a password is never here, only the key of its keychain entry. */
const storedAuth = z.discriminatedUnion(
  'method',
  [
    /** Keys offered by the SSH agent (then ~/.ssh keys and a password prompt, like ssh). */
    z.strictObject({ method: z.literal('agent') }),
    /** This private key file only (IdentitiesOnly). */
    z.strictObject({ method: z.literal('key'), keyFile }),
    /** A password; `secretKey` names its keychain entry when one was stored. */
    z.strictObject({ method: z.literal('password'), secretKey: secretKey.optional() }),
  ],
  { error: authError },
);

/** Auth as the editor hands it in: the password itself, to go to the keychain. */
const inputAuth = z.discriminatedUnion(
  'method',
  [
    z.strictObject({ method: z.literal('agent') }),
    z.strictObject({ method: z.literal('key'), keyFile }),
    /** Without `password` an existing keychain entry is kept (editing other fields). */
    z.strictObject({
      method: z.literal('password'),
      password: z
        .string()
        .min(1, { error: 'enter the password, or leave it out to be asked when connecting' })
        .max(4096, { error: 'is too long' })
        .optional(),
    }),
  ],
  { error: authError },
);

const jumpHop = z
  .string()
  .trim()
  .min(1, { error: 'enter a jump host ([user@]host[:port] or an ssh_config alias)' })
  .superRefine((hop, ctx) => {
    if (hop.includes(',')) {
      ctx.addIssue({ code: 'custom', message: 'one jump host per entry, without commas' });
      return;
    }
    const parsed = parseJumpHop(hop);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error });
  });

const jump = z
  .array(jumpHop)
  .min(1, { error: 'leave the jump hosts out, or name at least one' })
  .max(PROFILE_LIMITS.jumpHops, {
    error: `at most ${PROFILE_LIMITS.jumpHops} jump hosts in a chain`,
  });

const keepalive = z.strictObject({
  /** Seconds between SSH keepalive probes (ServerAliveInterval). */
  intervalSeconds: z
    .number({ error: 'must be a number of seconds' })
    .int({ error: 'must be a whole number of seconds' })
    .min(1, { error: `must be 1 to ${PROFILE_LIMITS.keepaliveIntervalMaxSeconds} seconds` })
    .max(PROFILE_LIMITS.keepaliveIntervalMaxSeconds, {
      error: `must be 1 to ${PROFILE_LIMITS.keepaliveIntervalMaxSeconds} seconds`,
    })
    .optional(),
  /** Unanswered probes before the link is judged dead (ServerAliveCountMax). */
  countMax: z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: `must be 1 to ${PROFILE_LIMITS.keepaliveCountMax}` })
    .max(PROFILE_LIMITS.keepaliveCountMax, {
      error: `must be 1 to ${PROFILE_LIMITS.keepaliveCountMax}`,
    })
    .optional(),
});

const scrollback = z
  .number({ error: 'must be a number of lines' })
  .int({ error: 'must be a whole number of lines' })
  .min(0, { error: `must be 0 to ${PROFILE_LIMITS.scrollbackMaxLines} lines` })
  .max(PROFILE_LIMITS.scrollbackMaxLines, {
    error: `must be 0 to ${PROFILE_LIMITS.scrollbackMaxLines} lines`,
  });

const command = z
  .string()
  .trim()
  .min(1, { error: 'enter a command, or leave it out for the login shell' })
  .max(PROFILE_LIMITS.commandLength, {
    error: `must be at most ${PROFILE_LIMITS.commandLength} characters`,
  })
  .refine((s) => !s.includes('\0'), { error: 'contains a NUL character' });

const env = z
  .record(
    z.string().regex(ENV_NAME_RE, {
      error: 'is not a variable name: use letters, digits and _, not starting with a digit',
    }),
    z
      .string({ error: 'must be text' })
      .max(PROFILE_LIMITS.envValueLength, {
        error: `must be at most ${PROFILE_LIMITS.envValueLength} characters`,
      })
      .refine((s) => !s.includes('\0'), { error: 'contains a NUL character' }),
  )
  .refine((e) => Object.keys(e).length <= PROFILE_LIMITS.envEntries, {
    error: `at most ${PROFILE_LIMITS.envEntries} variables`,
  });

const group = z
  .string()
  .trim()
  .min(1, { error: 'enter a group name, or leave it out' })
  .max(PROFILE_LIMITS.groupLength, {
    error: `must be at most ${PROFILE_LIMITS.groupLength} characters`,
  });

const color = z.string().regex(COLOR_RE, { error: 'must be a color like #3b82f6' });

/** The terminal colour scheme of its tabs (the app's id; an unknown one is ignored there). */
const colorScheme = z
  .string()
  .trim()
  .min(1, { error: 'choose a colour scheme, or leave it out' })
  .max(128, { error: 'must be at most 128 characters' });

/** Where the agent lives on the server (HoldfastDir): absolute, or `~/` for the home. */
const agentDir = z
  .string()
  .trim()
  .max(PROFILE_LIMITS.agentDirLength, {
    error: `must be at most ${PROFILE_LIMITS.agentDirLength} characters`,
  })
  .refine((s) => s.startsWith('/') || s.startsWith('~/'), {
    error: 'enter an absolute path, or one starting with ~/ for the home directory',
  })
  .refine((s) => !/[\0\n\r]/.test(s), { error: 'must be one line' });

/**
 * A port forward as ssh writes it after -L, -R or -D (`8080:db:5432`), started with the
 * profile's first tab and kept while one of its tabs is open.
 */
const forward = z
  .strictObject({
    kind: z.enum(['local', 'remote', 'dynamic'], {
      error: "must be 'local' (-L), 'remote' (-R) or 'dynamic' (-D)",
    }),
    spec: z
      .string()
      .trim()
      .min(1, { error: 'enter the forward, e.g. 5432:localhost:5432' })
      .max(PROFILE_LIMITS.forwardLength, {
        error: `must be at most ${PROFILE_LIMITS.forwardLength} characters`,
      }),
  })
  .superRefine((f, ctx) => {
    const r = parseForward(f.kind, f.spec);
    if (!r.ok) ctx.addIssue({ code: 'custom', path: ['spec'], message: r.message });
  });

const forwards = z.array(forward).max(PROFILE_LIMITS.forwards, {
  error: `at most ${PROFILE_LIMITS.forwards} forwards`,
});

const notes = z.string().max(PROFILE_LIMITS.notesLength, {
  error: `must be at most ${PROFILE_LIMITS.notesLength} characters`,
});

/** The fields ssh_config says for an alias; a profile that follows one may not repeat them. */
export const HOST_FIELDS = ['host', 'port', 'user', 'auth', 'jump', 'keepalive'] as const;

/** A profile either names its host or follows an alias, never both, never neither. */
function checkTarget(
  p: { alias?: string | undefined; host?: string | undefined } & Record<string, unknown>,
  ctx: z.RefinementCtx,
): void {
  if (p.alias !== undefined) {
    for (const field of HOST_FIELDS) {
      if (p[field] === undefined) continue;
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: `is taken from ssh_config when the profile follows Host '${p.alias}': remove it here, or stop following the alias`,
      });
    }
  } else if (p.host === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['host'],
      message: 'enter a host name or address (or follow an ssh_config alias)',
    });
  }
}

/** The fields every profile may have besides its target and auth. */
const common = {
  name,
  /** Follow this ssh_config Host alias instead of naming the host here. */
  alias: alias.optional(),
  host: host.optional(),
  port: port.optional(),
  /** Remote user; the local user name (or ssh_config's User) when absent. */
  user: user.optional(),
  /** ProxyJump chain, first hop first: `[user@]host[:port]` or ssh_config aliases. */
  jump: jump.optional(),
  keepalive: keepalive.optional(),
  /** Terminal lines kept for tabs of this profile; the app's setting when absent. */
  scrollback: scrollback.optional(),
  /** Run by the remote user's shell instead of the login shell. */
  command: command.optional(),
  /** Set in the session's environment. */
  env: env.optional(),
  /** Where the agent lives on the server, when the usual places will not do. */
  agentDir: agentDir.optional(),
  /**
   * Forward the local ssh-agent into the session (ForwardAgent yes); off when absent. The
   * editor shows what it risks (the contract's FORWARD_AGENT_WARNING).
   */
  forwardAgent: z.boolean().optional(),
  /** -L/-R/-D forwards started with the profile's tabs. */
  forwards: forwards.optional(),
  group: group.optional(),
  /** The tab and list color, `#rrggbb`. */
  color: color.optional(),
  /** Its tabs' colour scheme instead of the app's (production on a red background). */
  colorScheme: colorScheme.optional(),
  notes: notes.optional(),
};

/** One profile as profiles.json stores it. */
export const ProfileSchema = z
  .strictObject({
    /** Stable across renames; keychain entries are keyed by it. */
    id,
    ...common,
    /** How to log in; as ssh would (agent, ~/.ssh keys, then a password prompt) when absent. */
    auth: storedAuth.optional(),
  })
  .superRefine(checkTarget);

/** A profile as the editor or the CLI hands it in for saving. */
export const ProfileInputSchema = z
  .strictObject({
    ...common,
    auth: inputAuth.optional(),
  })
  .superRefine(checkTarget);

export type Profile = z.output<typeof ProfileSchema>;
export type ProfileAuth = NonNullable<Profile['auth']>;
export type ProfileInput = z.input<typeof ProfileInputSchema>;

/**
 * profiles.json once upgraded to the current format. The version itself is checked (and
 * older files upgraded) before this schema runs: see `fileFormat.ts`.
 */
export const ProfilesFileSchema = z
  .strictObject({
    version: z.number().int().min(1),
    profiles: z
      .array(ProfileSchema, {
        error: (iss) =>
          iss.input === undefined
            ? 'is missing: write "profiles": [ ... ]'
            : 'must be a list of profiles [ ... ]',
      })
      .max(PROFILE_LIMITS.profiles, { error: `at most ${PROFILE_LIMITS.profiles} profiles` }),
  })
  .superRefine((file, ctx) => {
    const names = new Map<string, number>();
    const ids = new Map<string, number>();
    file.profiles.forEach((p, i) => {
      const key = p.name.toLowerCase();
      const seen = names.get(key);
      if (seen !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['profiles', i, 'name'],
          message: `'${p.name}' is already the name of profiles[${seen}]: names must differ (case does not count)`,
        });
      } else names.set(key, i);
      const seenId = ids.get(p.id);
      if (seenId !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['profiles', i, 'id'],
          message: `is the same as profiles[${seenId}].id: give one of them a new id`,
        });
      } else ids.set(p.id, i);
    });
  });

export type ProfilesFile = z.output<typeof ProfilesFileSchema>;

/** Whether two profile names are the same name (names compare without case, like Host). */
export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
