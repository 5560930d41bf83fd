/**
 * What the editor or the CLI hands in → a profile ready to store, or every field that is
 * wrong with a message for each. Besides the schema (`schema.ts`) this checks what needs
 * the other profiles or the disk: a name already taken, a key file that is not there.
 * Nothing is stored here; the caller saves only a fully valid profile.
 */
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { fail, ok, type Result } from '../util/result';
import { expandTilde } from '../ssh/tokens';
import type { FieldError, ProfilesError } from './errors';
import { defaultMessage, describeFields, toFieldErrors } from './fieldErrors';
import { ProfileInputSchema, sameName, type Profile, type ProfileInput } from './schema';

type InvalidError = Extract<ProfilesError, { kind: 'invalid' }>;

/** What a key file path turned out to be. */
export type KeyFileCheck = 'file' | 'missing' | 'not-a-file' | 'unreadable';

export interface ValidateContext {
  /** The profiles saved now (a new name must differ from theirs). */
  existing: readonly Profile[];
  /** The profile being edited: its own name is not a duplicate, its id is kept. */
  editing?: Profile;
  /** For `~` in key file paths. */
  home: string;
  /** Looks at a key file; the real disk unless a test says otherwise. */
  checkKeyFile?: (absolutePath: string) => Promise<KeyFileCheck>;
}

/** A profile ready to store, and the password that goes to the keychain, if one was given. */
export interface ValidProfile {
  /** `auth.secretKey` is not set here: the store sets it once the keychain took the password. */
  profile: Profile;
  password?: string;
}

export async function checkKeyFileOnDisk(p: string): Promise<KeyFileCheck> {
  try {
    const st = await stat(p);
    if (!st.isFile()) return 'not-a-file';
    await access(p, constants.R_OK);
    return 'file';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'unreadable';
  }
}

/** Optional text fields the editor sends as '' when left empty. */
const BLANK_IS_ABSENT = [
  'alias',
  'host',
  'user',
  'command',
  'agentDir',
  'group',
  'color',
  'colorScheme',
  'notes',
] as const;

/** The editor's loose shape → what the schema judges: blanks dropped, echoed ids removed. */
function normalize(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const out: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  // The id is the store's business (update(id, ...)); an editor may echo it back.
  delete out.id;
  for (const k of BLANK_IS_ABSENT) if (out[k] === '') delete out[k];
  if (out.port === '' || out.port === null) delete out.port;
  if (Array.isArray(out.jump) && out.jump.length === 0) delete out.jump;
  if (typeof out.jump === 'string') {
    out.jump = out.jump.trim() === '' ? undefined : out.jump.split(',').map((h) => h.trim());
  }
  for (const k of ['env', 'keepalive'] as const) {
    const v = out[k];
    if (typeof v === 'object' && v !== null && Object.keys(v).length === 0) delete out[k];
  }
  const auth = out.auth;
  if (typeof auth === 'object' && auth !== null && !Array.isArray(auth)) {
    // An editor showing a stored password profile may send its keychain key back.
    const a = { ...(auth as Record<string, unknown>) };
    if (a.method === 'password') {
      delete a.secretKey;
      if (a.password === '') delete a.password;
    }
    out.auth = a;
  }
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}

async function keyFileError(
  keyFile: string,
  ctx: ValidateContext,
): Promise<FieldError | undefined> {
  const expanded = expandTilde(keyFile, ctx.home);
  if (!expanded.ok) return { field: 'auth.keyFile', message: expanded.error };
  const check = await (ctx.checkKeyFile ?? checkKeyFileOnDisk)(expanded.value);
  switch (check) {
    case 'file':
      return undefined;
    case 'missing':
      return {
        field: 'auth.keyFile',
        message: `there is no file ${keyFile}: check the path, or choose another key`,
      };
    case 'not-a-file':
      return { field: 'auth.keyFile', message: `${keyFile} is a folder, not a key file` };
    case 'unreadable':
      return {
        field: 'auth.keyFile',
        message: `${keyFile} cannot be read: make it yours and readable (chmod 600)`,
      };
  }
}

/**
 * Validates `input` against the schema, the other profiles and the disk. On failure every
 * wrong field is listed (one message per field); nothing has been stored.
 */
export async function validateProfileInput(
  input: ProfileInput | unknown,
  ctx: ValidateContext,
): Promise<Result<ValidProfile, InvalidError>> {
  const normalized = normalize(input);
  const parsed = ProfileInputSchema.safeParse(normalized, { error: defaultMessage });
  const fields: FieldError[] = parsed.success
    ? []
    : toFieldErrors(parsed.error.issues, [], '(the profile)');
  const flagged = new Set(fields.map((f) => f.field));

  // The checks beyond the schema run on fields the schema found fine, so all problems
  // are reported at once.
  const raw = (typeof normalized === 'object' && normalized !== null ? normalized : {}) as {
    name?: unknown;
    auth?: { method?: unknown; keyFile?: unknown };
  };
  if (!flagged.has('name') && typeof raw.name === 'string') {
    const name = raw.name.trim();
    const taken = ctx.existing.find((p) => sameName(p.name, name) && p.id !== ctx.editing?.id);
    if (taken !== undefined) {
      fields.push({
        field: 'name',
        message: `there is already a profile named '${taken.name}': choose another name`,
      });
    }
  }
  if (
    !flagged.has('auth.keyFile') &&
    !flagged.has('auth') &&
    raw.auth?.method === 'key' &&
    typeof raw.auth.keyFile === 'string'
  ) {
    const err = await keyFileError(raw.auth.keyFile.trim(), ctx);
    if (err !== undefined) fields.push(err);
  }

  if (!parsed.success || fields.length > 0) {
    return fail({
      kind: 'invalid',
      message: `The profile was not saved: ${describeFields(fields)}.`,
      fields,
    });
  }

  const { auth, ...rest } = parsed.data;
  const id = ctx.editing?.id ?? randomUUID();
  if (auth?.method === 'password') {
    return ok({
      profile: { id, ...rest, auth: { method: 'password' } },
      ...(auth.password === undefined ? {} : { password: auth.password }),
    });
  }
  return ok({ profile: { id, ...rest, ...(auth === undefined ? {} : { auth }) } });
}
