/**
 * Every way a profiles operation can fail, sorted in one place (STYLE.md §3, §6). Each has
 * a `kind` to switch on and a `message` a person can act on: what is wrong and the way out.
 */

/** One field of a profile that is wrong, and why: `port`, `auth.keyFile`, `env.PATH`. */
export interface FieldError {
  /** Dotted path of the field, as the editor and the file name it (`jump[1]`, `env.FOO`). */
  field: string;
  /** What is wrong with it and what to enter instead, without the field name. */
  message: string;
}

export type ProfilesError =
  /** The profile the caller gave is wrong; nothing was saved. */
  | { kind: 'invalid'; message: string; fields: FieldError[] }
  /** profiles.json comes from a newer Holdfast; it was neither read nor touched. */
  | {
      kind: 'newer-version';
      message: string;
      file: string;
      fileVersion: number;
      supportedVersion: number;
    }
  /** Another process held the lock for longer than a write can take. */
  | { kind: 'locked'; message: string; lockFile: string; holderPid?: number }
  /** No profile by that name (or id). */
  | { kind: 'not-found'; message: string; name: string }
  /** An ssh_config file to import from could not be read or parsed. */
  | { kind: 'ssh-config'; message: string; file: string; line?: number }
  /** The disk said no: permissions, a full disk, a path that is a directory. */
  | { kind: 'io'; message: string; file: string; code?: string };

/** Told to the user once; the operation still went on (the app starts with no profiles). */
export interface BrokenFileNotice {
  kind: 'broken-file';
  /** The whole story in words: what was wrong, where the file was kept, what now. */
  message: string;
  /** Where the unreadable file was moved. */
  keptAt: string;
  /** What is wrong: a JSON syntax error's position, or the fields that failed validation. */
  problem:
    | { kind: 'syntax'; line: number; column: number; reason: string }
    | { kind: 'fields'; fields: FieldError[] }
    | { kind: 'migration'; fromVersion: number; reason: string };
}

/** Words for an errno from the file system, with the way out. */
export function describeIoError(
  err: unknown,
  file: string,
  action: 'read' | 'write' = 'write',
): ProfilesError {
  const e = err as NodeJS.ErrnoException;
  const code = e.code;
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied: make the folder and the file yours and writable (chmod u+rw)'
      : code === 'ENOSPC'
        ? 'the disk is full: free some space and try again'
        : code === 'EROFS'
          ? 'the file system is read-only'
          : code === 'EISDIR'
            ? 'it is a folder, not a file'
            : code === 'ENOTDIR'
              ? 'a part of the path is a file, not a folder'
              : (e.message ?? String(err));
  return {
    kind: 'io',
    message: `cannot ${action} ${file}: ${why}.`,
    file,
    ...(code === undefined ? {} : { code }),
  };
}
