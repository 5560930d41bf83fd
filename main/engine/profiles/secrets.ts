/**
 * Where passwords live: a keychain behind one small interface. Profiles hold only the key
 * of an entry (`secretKeyFor`), never the secret, so profiles.json and the logs stay free
 * of them (DESIGN.md invariant 5: secrets are never written in plain text).
 *
 * The desktop app implements {@link SecretStore} with Electron's safeStorage. The CLI and
 * other plain-Node callers get {@link NoKeychainSecretStore}, which has no keychain and
 * therefore refuses to store anything: it never falls back to a file.
 */

/** Whether the store can keep secrets here, and if not, why (shown to the user). */
export type SecretStoreAvailability = { ok: true } | { ok: false; reason: string };

export interface SecretStore {
  /** The secret under `key`, or undefined when there is none. */
  get(key: string): Promise<string | undefined>;
  /** Keeps `secret` under `key`, replacing any; refuses (with a reason) rather than store it unsafely. */
  set(key: string, secret: string): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Forgets `key`; no error when there was nothing. */
  delete(key: string): Promise<void>;
  available(): SecretStoreAvailability;
}

/** The keychain key of a profile's password: by id, so a rename keeps it. */
export function secretKeyFor(profileId: string): string {
  return `holdfast/profile/${profileId}/password`;
}

const NO_KEYCHAIN =
  'there is no keychain in the holdfast command: save the password from the desktop app, or leave it out and type it when connecting';

/** No keychain: stores nothing, says so. Plain text is never an option. */
export class NoKeychainSecretStore implements SecretStore {
  async get(_key: string): Promise<string | undefined> {
    return undefined;
  }

  async set(_key: string, _secret: string): Promise<{ ok: false; reason: string }> {
    return { ok: false, reason: NO_KEYCHAIN };
  }

  async delete(_key: string): Promise<void> {
    // Nothing was ever stored.
  }

  available(): SecretStoreAvailability {
    return { ok: false, reason: NO_KEYCHAIN };
  }
}
