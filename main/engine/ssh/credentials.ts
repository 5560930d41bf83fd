/**
 * What the user told us during a dial, kept in memory so a silent reconnect never asks
 * again (DESIGN.md "Reconnection"). Owned by the caller (one per app or CLI run), never
 * written anywhere, gone with the process. A secret that stops working is forgotten so
 * the next dial asks afresh.
 */

/** What a remembered answer is for. */
export type CredentialKey =
  | { kind: 'password'; user: string; host: string; port: number }
  | { kind: 'passphrase'; keyPath: string }
  /** Answers to one keyboard-interactive round, identified by its questions. */
  | { kind: 'keyboard-interactive'; user: string; host: string; port: number; questions: string[] };

function keyOf(key: CredentialKey): string {
  switch (key.kind) {
    case 'password':
      return `password\0${key.user}\0${key.host}\0${key.port}`;
    case 'passphrase':
      return `passphrase\0${key.keyPath}`;
    case 'keyboard-interactive':
      return `kbd\0${key.user}\0${key.host}\0${key.port}\0${key.questions.join('\0')}`;
  }
}

/** In-memory answers to prompts, and host keys the user trusted for this run only. */
export class CredentialCache {
  private readonly _secrets = new Map<string, string[]>();
  private readonly _trustedHostKeys = new Set<string>();
  /** user@host:port that let us in with a real method → the public key that did, if any. */
  private readonly _accepted = new Map<string, Buffer | undefined>();

  /** The remembered answer(s), or undefined. */
  get(key: CredentialKey): string[] | undefined {
    const v = this._secrets.get(keyOf(key));
    return v === undefined ? undefined : [...v];
  }

  /** Remembers the answer(s) for `key`. */
  set(key: CredentialKey, values: readonly string[]): void {
    this._secrets.set(keyOf(key), [...values]);
  }

  /** Forgets `key` (its secret was wrong). */
  delete(key: CredentialKey): void {
    this._secrets.delete(keyOf(key));
  }

  /** Remembers that the user trusted this host key once ("trust-once"), for this run. */
  trustHostKey(name: string, keyBlob: Buffer): void {
    this._trustedHostKeys.add(`${name}\0${keyBlob.toString('base64')}`);
  }

  /** Whether the user already trusted this host key during this run. */
  isHostKeyTrusted(name: string, keyBlob: Buffer): boolean {
    return this._trustedHostKeys.has(`${name}\0${keyBlob.toString('base64')}`);
  }

  /**
   * Remembers that `user@host:port` let us in with a real method (not `none`), and with
   * which public key when it was one: the next dial skips asking with `none` first and
   * signs with that key at once instead of asking whether it would do — a round trip
   * fewer for each on every reconnect.
   */
  noteLoggedIn(user: string, host: string, port: number, keyBlob?: Buffer): void {
    this._accepted.set(`${user}\0${host}\0${port}`, keyBlob);
  }

  /** The public key (SSH wire form) that last let us in to `user@host:port`, if any. */
  acceptedKey(user: string, host: string, port: number): Buffer | undefined {
    return this._accepted.get(`${user}\0${host}\0${port}`);
  }

  /** Whether an earlier dial this run logged in to `user@host:port` with a real method. */
  loggedInBefore(user: string, host: string, port: number): boolean {
    return this._accepted.has(`${user}\0${host}\0${port}`);
  }

  /** Forgets everything (e.g. when the user locks the app). */
  clear(): void {
    this._secrets.clear();
    this._trustedHostKeys.clear();
    this._accepted.clear();
  }
}
