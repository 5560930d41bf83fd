/**
 * The saved host profiles: profiles.json in the config folder, shared by the app and the
 * CLI. This is the I/O edge of the profiles code; the rules live in `schema.ts`,
 * `validateInput.ts` and `fileFormat.ts`.
 *
 * - Reading never takes the lock (writes are atomic renames, so a read sees a whole file).
 * - Every change is read-modify-write under `profiles.json.lock` (`fileLock.ts`) and is
 *   written atomically (`../util/atomicWrite.ts`): concurrent writers never lose each other's work.
 * - A file that is not JSON or not valid is never overwritten: under the lock it is moved
 *   aside as `profiles.json.broken-<date>`, the user is told what is wrong and where it is,
 *   and the profiles start empty.
 * - A file from a newer Holdfast is refused, read and written alike, and left as it is.
 *   A file in an older format is upgraded on read; the first save writes the new format
 *   and keeps the old file as `profiles.json.format-<N>` for an older Holdfast.
 * - Passwords go to the {@link SecretStore}; the file holds only their keys. A change is
 *   all or nothing: a password stored for a change whose file write failed is rolled back.
 */
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, copyFile, mkdir, readFile, rename } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fail, ok, type Result } from '../util/result';
import { expandTilde } from '../ssh/tokens';
import type { Disposable } from '../types';
import { writeFileAtomic } from '../util/atomicWrite';
import {
  describeIoError,
  type BrokenFileNotice,
  type FieldError,
  type ProfilesError,
} from './errors';
import { describeFields } from './fieldErrors';
import { parseProfilesText, serializeProfiles, type ParsedProfilesFile } from './fileFormat';
import { withFileLock, type LockOptions } from './fileLock';
import { CURRENT_FORMAT, type ProfilesFormat } from './migrations';
import { profilesFile } from './paths';
import { sameName, type Profile, type ProfileInput } from './schema';
import { NoKeychainSecretStore, secretKeyFor, type SecretStore } from './secrets';
import { planImport, readSshConfigHosts, type ImportReport } from './sshConfigImport';
import { validateProfileInput, type KeyFileCheck } from './validateInput';

export interface ProfileStoreOptions {
  /** The profiles file; default `configDir()/profiles.json` (see `paths.ts`). */
  file?: string;
  /** Where passwords go; default: none (the CLI), which refuses to store any. */
  secrets?: SecretStore;
  /** For `~` in key files and the default ssh_config; default os.homedir(). */
  home?: string;
  /** Environment for `${VAR}` in ssh_config Include lines; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** One line per event (a file moved aside, a lock broken). Never given a secret. */
  log?: (message: string) => void;
  /** Clock (epoch ms): dates of moved-aside files, lock ages. */
  now?: () => number;
  lock?: Pick<LockOptions, 'timeoutMs' | 'staleMs'>;
  /** Looks at key files at save time; the real disk by default. */
  checkKeyFile?: (absolutePath: string) => Promise<KeyFileCheck>;
  /** Tests only: act as a Holdfast of another format version (see `migrations.ts`). */
  format?: ProfilesFormat;
}

/** What loading gives: the profiles, and a notice when an unreadable file was moved aside. */
export type LoadOutcome = Result<
  {
    profiles: Profile[];
    notice?: BrokenFileNotice;
    /** The file is in this older format; the next save upgrades it (keeping a copy). */
    migratedFrom?: number;
  },
  ProfilesError
>;

/** A change computed under the lock: the new list, what to return, how to undo or finish. */
type Change<T> = {
  profiles: Profile[];
  value: T;
  /** Runs when the file could not be written (restores the keychain). */
  undo?: () => Promise<void>;
  /** Runs after the file was written (forgets passwords no profile references). */
  after?: () => Promise<void>;
};

type NotFound = Extract<ProfilesError, { kind: 'not-found' }>;

function notFound(name: string): NotFound {
  return {
    kind: 'not-found',
    message: `there is no profile '${name}': holdfast profiles ls lists them.`,
    name,
  };
}

function invalid(fields: FieldError[]): ProfilesError {
  return {
    kind: 'invalid',
    message: `The profile was not saved: ${describeFields(fields)}.`,
    fields,
  };
}

/** The profile with this name (names compare without case) or id. */
export function findProfile(profiles: readonly Profile[], nameOrId: string): Profile | undefined {
  return (
    profiles.find((p) => sameName(p.name, nameOrId)) ?? profiles.find((p) => p.id === nameOrId)
  );
}

export class ProfileStore {
  readonly file: string;
  private readonly _lockFile: string;
  private readonly _secrets: SecretStore;
  private readonly _home: string;
  private readonly _env: Readonly<Record<string, string | undefined>>;
  private readonly _log: (message: string) => void;
  private readonly _now: () => number;
  private readonly _format: ProfilesFormat;
  private readonly _noticeListeners = new Set<(notice: BrokenFileNotice) => void>();

  constructor(private readonly _opts: ProfileStoreOptions = {}) {
    this.file = path.resolve(_opts.file ?? profilesFile());
    this._lockFile = `${this.file}.lock`;
    this._secrets = _opts.secrets ?? new NoKeychainSecretStore();
    this._home = _opts.home ?? os.homedir();
    this._env = _opts.env ?? process.env;
    this._log = _opts.log ?? (() => undefined);
    this._now = _opts.now ?? Date.now;
    this._format = _opts.format ?? CURRENT_FORMAT;
  }

  /**
   * Tells `listener` when a change met an unreadable file and moved it aside (the change
   * then went ahead on an empty list). `load()` returns its notice instead.
   */
  onNotice(listener: (notice: BrokenFileNotice) => void): Disposable {
    this._noticeListeners.add(listener);
    return { dispose: () => this._noticeListeners.delete(listener) };
  }

  /** The saved profiles. A missing file is no profiles; an unreadable one is moved aside. */
  async load(): Promise<LoadOutcome> {
    const first = await this._read();
    if (!first.ok) return first;
    if (first.value.kind !== 'broken') return this._settle(first.value);
    // Move it aside only under the lock, and only if it is still broken once we hold it:
    // another process may have replaced it meanwhile.
    const locked = await this._locked(() => this._readLocked());
    if (locked.ok || (locked.error.kind !== 'io' && locked.error.kind !== 'locked')) return locked;
    // It cannot be moved (a read-only folder, a lock held elsewhere): start empty all the
    // same, leave it where it is, and say so. A later save tries again.
    const broken = first.value;
    return ok({
      profiles: [],
      notice: {
        kind: 'broken-file',
        message: `${this.file} ${describeProblem(broken)}. It could not be moved aside (${locked.error.message}), so it was left as it is, and Holdfast goes on with no saved profiles until it is fixed.`,
        keptAt: this.file,
        problem: broken.problem,
      },
    });
  }

  /** The profile with this name (or id). */
  async get(nameOrId: string): Promise<Result<Profile, ProfilesError>> {
    const loaded = await this.load();
    if (!loaded.ok) return loaded;
    const p = findProfile(loaded.value.profiles, nameOrId);
    return p === undefined ? fail(notFound(nameOrId)) : ok(p);
  }

  /** Validates and saves a new profile; a password given goes to the keychain. */
  async add(input: ProfileInput): Promise<Result<Profile, ProfilesError>> {
    return this._transact(async (profiles) => {
      const v = await validateProfileInput(input, {
        existing: profiles,
        home: this._home,
        ...this._keyCheck(),
      });
      if (!v.ok) return v;
      let profile = v.value.profile;
      let undo: (() => Promise<void>) | undefined;
      if (v.value.password !== undefined) {
        const kept = await this._keepPassword(profile.id, v.value.password);
        if (!kept.ok) return kept;
        profile = { ...profile, auth: { method: 'password', secretKey: kept.value.key } };
        undo = kept.value.undo;
      }
      return ok({ profiles: [...profiles, profile], value: profile, ...(undo ? { undo } : {}) });
    });
  }

  /**
   * Replaces the profile `nameOrId` with `input` (same id). With password auth and no
   * password given, the stored password is kept.
   */
  async update(nameOrId: string, input: ProfileInput): Promise<Result<Profile, ProfilesError>> {
    return this._transact(async (profiles) => {
      const editing = findProfile(profiles, nameOrId);
      if (editing === undefined) return fail(notFound(nameOrId));
      const v = await validateProfileInput(input, {
        existing: profiles,
        editing,
        home: this._home,
        ...this._keyCheck(),
      });
      if (!v.ok) return v;
      let profile = v.value.profile;
      const oldKey = editing.auth?.method === 'password' ? editing.auth.secretKey : undefined;
      let undo: (() => Promise<void>) | undefined;
      let after: (() => Promise<void>) | undefined;
      if (profile.auth?.method === 'password') {
        if (v.value.password !== undefined) {
          const kept = await this._keepPassword(profile.id, v.value.password);
          if (!kept.ok) return kept;
          profile = { ...profile, auth: { method: 'password', secretKey: kept.value.key } };
          undo = kept.value.undo;
        } else if (oldKey !== undefined) {
          profile = { ...profile, auth: { method: 'password', secretKey: oldKey } };
        }
      } else if (oldKey !== undefined) {
        after = () => this._forget(oldKey);
      }
      const next = profiles.map((p) => (p.id === editing.id ? profile : p));
      return ok({
        profiles: next,
        value: profile,
        ...(undo ? { undo } : {}),
        ...(after ? { after } : {}),
      });
    });
  }

  /** Deletes the profile `nameOrId`, and its password from the keychain. */
  async remove(nameOrId: string): Promise<Result<Profile, ProfilesError>> {
    return this._transact(async (profiles) => {
      const gone = findProfile(profiles, nameOrId);
      if (gone === undefined) return fail(notFound(nameOrId));
      const key = gone.auth?.method === 'password' ? gone.auth.secretKey : undefined;
      return ok({
        profiles: profiles.filter((p) => p.id !== gone.id),
        value: gone,
        ...(key === undefined ? {} : { after: () => this._forget(key) }),
      });
    });
  }

  /**
   * Adds a profile following each concrete Host of an ssh_config file (default
   * ~/.ssh/config, Includes followed). Hosts already followed, or whose name is taken,
   * are skipped, so importing twice adds nothing twice.
   */
  async importSshConfig(file?: string): Promise<Result<ImportReport, ProfilesError>> {
    const given = file === undefined ? undefined : expandTilde(file, this._home);
    if (given !== undefined && !given.ok) {
      return fail({ kind: 'ssh-config', message: given.error, file: file as string });
    }
    const source = path.resolve(given?.value ?? path.join(this._home, '.ssh', 'config'));
    const hosts = await readSshConfigHosts(source, { home: this._home, env: this._env });
    if (!hosts.ok) return hosts;
    return this._transact(async (profiles) => {
      const plan = planImport(profiles, hosts.value, randomUUID);
      return ok({ profiles: [...profiles, ...plan.added], value: plan.report });
    });
  }

  private _keyCheck(): { checkKeyFile?: (p: string) => Promise<KeyFileCheck> } {
    return this._opts.checkKeyFile ? { checkKeyFile: this._opts.checkKeyFile } : {};
  }

  /** Stores a password in the keychain, with how to put back what was there before. */
  private async _keepPassword(
    profileId: string,
    password: string,
  ): Promise<Result<{ key: string; undo: () => Promise<void> }, ProfilesError>> {
    const available = this._secrets.available();
    if (!available.ok) {
      return fail(
        invalid([{ field: 'auth.password', message: `cannot be kept: ${available.reason}` }]),
      );
    }
    const key = secretKeyFor(profileId);
    const before = await this._secrets.get(key);
    const set = await this._secrets.set(key, password);
    if (!set.ok) {
      return fail(invalid([{ field: 'auth.password', message: `cannot be kept: ${set.reason}` }]));
    }
    const undo = async (): Promise<void> => {
      if (before === undefined) await this._secrets.delete(key);
      else await this._secrets.set(key, before);
    };
    return ok({ key, undo });
  }

  private async _forget(key: string): Promise<void> {
    try {
      await this._secrets.delete(key);
    } catch (e) {
      this._log(`profiles: could not remove keychain entry ${key}: ${(e as Error).message}`);
    }
  }

  /** Reads and judges the file, without the lock. */
  private async _read(): Promise<Result<ParsedProfilesFile | { kind: 'missing' }, ProfilesError>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ok({ kind: 'missing' });
      return fail(describeIoError(e, this.file, 'read'));
    }
    return ok(parseProfilesText(text, this._format));
  }

  /** A judged file that is not broken → the outcome of a load. */
  private _settle(
    parsed: Exclude<ParsedProfilesFile, { kind: 'broken' }> | { kind: 'missing' },
  ): LoadOutcome {
    switch (parsed.kind) {
      case 'missing':
        return ok({ profiles: [] });
      case 'ok':
        return ok({
          profiles: parsed.profiles,
          ...(parsed.migratedFrom === undefined ? {} : { migratedFrom: parsed.migratedFrom }),
        });
      case 'newer':
        return fail({
          kind: 'newer-version',
          message: `${this.file} was written by a newer Holdfast (profiles format ${parsed.fileVersion}; this Holdfast reads up to format ${this._format.version}): upgrade Holdfast to use or change these profiles. The file was left as it is.`,
          file: this.file,
          fileVersion: parsed.fileVersion,
          supportedVersion: this._format.version,
        });
    }
  }

  /** Reads the file while holding the lock; moves a broken one aside. */
  private async _readLocked(): Promise<LoadOutcome> {
    const read = await this._read();
    if (!read.ok) return read;
    if (read.value.kind !== 'broken') return this._settle(read.value);
    const notice = await this._moveAside(read.value);
    if (!notice.ok) return notice;
    return ok({ profiles: [], notice: notice.value });
  }

  private async _moveAside(
    parsed: Extract<ParsedProfilesFile, { kind: 'broken' }>,
  ): Promise<Result<BrokenFileNotice, ProfilesError>> {
    // ':' is not allowed in Windows file names, so the ISO time uses '-' there.
    const stamp = new Date(this._now()).toISOString().replace(/:/g, '-');
    let keptAt = `${this.file}.broken-${stamp}`;
    for (let n = 2; await exists(keptAt); n++) keptAt = `${this.file}.broken-${stamp}-${n}`;
    try {
      await rename(this.file, keptAt);
    } catch (e) {
      return fail(describeIoError(e, this.file));
    }
    const notice: BrokenFileNotice = {
      kind: 'broken-file',
      message: `${this.file} ${describeProblem(parsed)}. It was kept as ${keptAt}, and Holdfast goes on with no saved profiles: fix that file and rename it back to ${path.basename(this.file)}, or add the profiles again.`,
      keptAt,
      problem: parsed.problem,
    };
    this._log(`profiles: moved unreadable ${this.file} aside to ${keptAt} (pid ${process.pid})`);
    return ok(notice);
  }

  private async _locked<T>(
    fn: () => Promise<Result<T, ProfilesError>>,
  ): Promise<Result<T, ProfilesError>> {
    try {
      await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const r = await withFileLock(this._lockFile, fn, { ...this._opts.lock, now: this._now });
      return r.ok ? r.value : r;
    } catch (e) {
      // Only the disk's refusals are the user's to fix; anything else is our bug: loud.
      if (typeof (e as NodeJS.ErrnoException).code !== 'string') throw e;
      return fail(describeIoError(e, this._lockFile));
    }
  }

  /** Read-modify-write under the lock; the file is written only for a successful change. */
  private async _transact<T>(
    change: (profiles: Profile[]) => Promise<Result<Change<T>, ProfilesError>>,
  ): Promise<Result<T, ProfilesError>> {
    return this._locked(async () => {
      const current = await this._readLocked();
      if (!current.ok) return current;
      if (current.value.notice !== undefined) {
        for (const l of this._noticeListeners) l(current.value.notice);
      }
      const c = await change(current.value.profiles);
      if (!c.ok) return c;
      try {
        const from = current.value.migratedFrom;
        // An older Holdfast cannot read the upgraded file: keep what it wrote, once.
        if (from !== undefined) await keepCopy(this.file, `${this.file}.format-${from}`);
        await writeFileAtomic(this.file, serializeProfiles(c.value.profiles, this._format));
      } catch (e) {
        await c.value.undo?.().catch(() => undefined);
        return fail(describeIoError(e, this.file));
      }
      await c.value.after?.();
      return ok(c.value.value);
    });
  }
}

/** "is not valid JSON at line 3, column 5: ..." — what is wrong with an unreadable file. */
function describeProblem(parsed: Extract<ParsedProfilesFile, { kind: 'broken' }>): string {
  switch (parsed.problem.kind) {
    case 'syntax':
      return `is not valid JSON at ${parsed.summary}`;
    case 'migration':
      return `could not be upgraded: ${parsed.summary}`;
    case 'fields':
      return `has wrong values: ${parsed.summary}`;
  }
}

async function keepCopy(from: string, to: string): Promise<void> {
  try {
    await copyFile(from, to, constants.COPYFILE_EXCL);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}
