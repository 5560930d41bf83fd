// Proves the app keeps remembered passwords only encrypted by the OS keychain, and
// refuses to keep them at all where the OS has no keychain (never plain text).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SafeStorageSecretStore, type SafeStorageLike } from '../../main/app/safeStorageSecrets';

// Stands in for the OS keychain: a reversible transform the test can tell from plain text.
const keychain = (backend = 'gnome_libsecret', available = true): SafeStorageLike => ({
  isEncryptionAvailable: () => available,
  encryptString: (s) => Buffer.from([...Buffer.from(s)].map((b) => b ^ 0x5a)),
  decryptString: (b) => Buffer.from([...b].map((x) => x ^ 0x5a)).toString(),
  getSelectedStorageBackend: () => backend,
});

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'hf-secrets-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the app keychain', () => {
  it('stores only the encrypted secret and reads it back', async () => {
    const dir = tmp();
    const store = new SafeStorageSecretStore(keychain(), dir, 'linux');
    expect(await store.set('k', 'hunter2-secret')).toEqual({ ok: true });
    expect(readFileSync(path.join(dir, 'secrets.json'), 'utf8')).not.toContain('hunter2');
    expect(await store.get('k')).toBe('hunter2-secret');
    await store.delete('k');
    expect(await store.get('k')).toBeUndefined();
  });

  it('refuses to store anything where Linux has no keyring (basic_text)', async () => {
    const dir = tmp();
    const store = new SafeStorageSecretStore(keychain('basic_text'), dir, 'linux');
    const r = await store.set('k', 'hunter2');
    expect(r.ok).toBe(false);
    expect(store.available()).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/keyring/),
    });
  });

  it('refuses to store anything when encryption is unavailable', async () => {
    const store = new SafeStorageSecretStore(keychain('x', false), tmp(), 'darwin');
    expect((await store.set('k', 'hunter2')).ok).toBe(false);
  });
});
