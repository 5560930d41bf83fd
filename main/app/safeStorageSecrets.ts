// The app's keychain: Electron's safeStorage encrypts each secret with a key the OS
// keychain holds (Keychain on macOS, DPAPI on Windows, libsecret/kwallet on Linux); only
// the encrypted blobs are written, to secrets.json beside the profiles. Where the OS
// offers no keychain (Linux's 'basic_text' fallback), nothing is stored and we say so.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SecretStore, SecretStoreAvailability } from '../engine/profiles/secrets';
import { writeFileAtomic } from '../engine/util/atomicWrite';

/** What this module needs of Electron's safeStorage (kept small for tests). */
export type SafeStorageLike = {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  getSelectedStorageBackend?: () => string;
};

export class SafeStorageSecretStore implements SecretStore {
  private readonly _file: string;

  constructor(
    private readonly _safe: SafeStorageLike,
    configDir: string,
    private readonly _platform: NodeJS.Platform = process.platform,
  ) {
    this._file = path.join(configDir, 'secrets.json');
  }

  available(): SecretStoreAvailability {
    if (!this._safe.isEncryptionAvailable()) {
      return {
        ok: false,
        reason: 'the system keychain is not available, so Holdfast will not remember passwords',
      };
    }
    if (this._platform === 'linux' && this._safe.getSelectedStorageBackend?.() === 'basic_text') {
      return {
        ok: false,
        reason:
          'no keyring (GNOME Keyring or KWallet) is running, so Holdfast will not remember passwords',
      };
    }
    return { ok: true };
  }

  async get(key: string): Promise<string | undefined> {
    if (!this.available().ok) return undefined;
    const blob = (await this._read())[key];
    if (!blob) return undefined;
    try {
      return this._safe.decryptString(Buffer.from(blob, 'base64'));
    } catch {
      return undefined; // encrypted under another user's or machine's key
    }
  }

  async set(key: string, secret: string): Promise<{ ok: true } | { ok: false; reason: string }> {
    const a = this.available();
    if (!a.ok) return a;
    const all = await this._read();
    all[key] = this._safe.encryptString(secret).toString('base64');
    await writeFileAtomic(this._file, `${JSON.stringify(all, null, 2)}\n`);
    return { ok: true };
  }

  async delete(key: string): Promise<void> {
    const all = await this._read();
    if (!(key in all)) return;
    delete all[key];
    await writeFileAtomic(this._file, `${JSON.stringify(all, null, 2)}\n`);
  }

  private async _read(): Promise<Record<string, string>> {
    try {
      const parsed = JSON.parse(await readFile(this._file, 'utf8')) as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {};
    } catch {
      return {};
    }
  }
}
