/**
 * Proves what the profiles store promises on disk: changes are atomic and survive
 * concurrent writers (child processes adding at once all land); an unreadable file is
 * never overwritten but kept aside with a message naming the line or the field; a file
 * from a newer Holdfast is refused and left as it is; older formats are upgraded; a
 * stale lock is broken and a live one waited for; and passwords never reach the file or
 * the log, and are rolled back when the file cannot be written.
 */
import { execFile, spawn } from 'node:child_process';
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BrokenFileNotice } from '../../main/engine/profiles/errors';
import type { Migration } from '../../main/engine/profiles/migrations';
import { NoKeychainSecretStore, type SecretStore } from '../../main/engine/profiles/secrets';
import { ProfileStore, type ProfileStoreOptions } from '../../main/engine/profiles/store';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STORE_MODULE = path.join(ROOT, 'main/engine/profiles/store.ts');

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hft-profstore-'));
  file = path.join(dir, 'profiles.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function store(opts: ProfileStoreOptions = {}): ProfileStore {
  return new ProfileStore({ file, home: dir, ...opts });
}

/** A keychain that works, in memory, counting what it was asked. */
class MemorySecrets implements SecretStore {
  readonly entries = new Map<string, string>();
  async get(key: string): Promise<string | undefined> {
    return this.entries.get(key);
  }
  async set(key: string, secret: string): Promise<{ ok: true }> {
    this.entries.set(key, secret);
    return { ok: true };
  }
  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }
  available(): { ok: true } {
    return { ok: true };
  }
}

async function names(s: ProfileStore): Promise<string[]> {
  const r = await s.load();
  if (!r.ok) throw new Error(r.error.message);
  return r.value.profiles.map((p) => p.name).sort();
}

async function leftovers(): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f !== 'profiles.json').sort();
}

describe('saving', () => {
  it('adds, updates and removes profiles, writing the file 0600 and leaving no temp files', async () => {
    const s = store();
    const added = await s.add({ name: 'web', host: 'web.example.com', group: 'prod' });
    if (!added.ok) throw new Error(added.error.message);
    const renamed = await s.update('web', { name: 'web1', host: 'web.example.com', port: 2222 });
    if (!renamed.ok) throw new Error(renamed.error.message);
    expect(renamed.value.id).toBe(added.value.id);
    expect(await s.add({ name: 'db', host: 'db' })).toMatchObject({ ok: true });
    expect(await s.remove('DB')).toMatchObject({ ok: true, value: { name: 'db' } });
    expect(await names(s)).toEqual(['web1']);
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await leftovers()).toEqual([]);
  });

  it('starts with no profiles when there is no file, and creates its folder on the first save', async () => {
    const nested = path.join(dir, 'a', 'b', 'profiles.json');
    const s = new ProfileStore({ file: nested, home: dir });
    expect(await s.load()).toEqual({ ok: true, value: { profiles: [] } });
    expect(await s.add({ name: 'x', host: 'x' })).toMatchObject({ ok: true });
    expect(JSON.parse(await readFile(nested, 'utf8')).profiles).toHaveLength(1);
  });

  it('saves nothing for invalid input: the file is byte for byte what it was', async () => {
    const s = store();
    await s.add({ name: 'web', host: 'web' });
    const before = await readFile(file, 'utf8');
    const r = await s.add({ name: 'web', host: '', port: 0 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.kind).toBe('invalid');
    expect(r.error.message).toMatch(/^The profile was not saved: /);
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('says which profile was not found', async () => {
    const r = await store().update('nope', { name: 'nope', host: 'h' });
    expect(r).toEqual({
      ok: false,
      error: {
        kind: 'not-found',
        name: 'nope',
        message: "there is no profile 'nope': holdfast profiles ls lists them.",
      },
    });
  });
});

describe('concurrent writers', () => {
  it('loses nothing when several processes add profiles at the same moment', async () => {
    const WRITERS = 6;
    const EACH = 5;
    // Each child waits for a "go" file so that all of them write at once.
    const code = `
      import { existsSync, writeFileSync } from 'node:fs';
      import { ProfileStore } from ${JSON.stringify(STORE_MODULE)};
      const [dir, file, n, each] = process.argv.slice(1);
      writeFileSync(dir + '/ready-' + n, '');
      while (!existsSync(dir + '/go')) await new Promise((r) => setTimeout(r, 2));
      const s = new ProfileStore({ file, home: dir });
      for (let i = 0; i < Number(each); i++) {
        const r = await s.add({ name: 'w' + n + '-' + i, host: 'h' + n });
        if (!r.ok) { console.error(r.error.message); process.exit(1); }
      }
    `;
    const children = Array.from(
      { length: WRITERS },
      (_, n) =>
        new Promise<{ code: number | null; stderr: string }>((resolve) => {
          const child = spawn(
            process.execPath,
            [
              '--import',
              'tsx',
              '--input-type=module',
              '-e',
              code,
              dir,
              file,
              String(n),
              String(EACH),
            ],
            { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
          );
          let stderr = '';
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          child.on('exit', (c) => resolve({ code: c, stderr }));
        }),
    );
    const deadline = Date.now() + 30_000;
    while ((await readdir(dir)).filter((f) => f.startsWith('ready-')).length < WRITERS) {
      if (Date.now() > deadline) throw new Error('the writers did not start');
      await new Promise((r) => setTimeout(r, 10));
    }
    await writeFile(path.join(dir, 'go'), '');
    const results = await Promise.all(children);
    expect(results).toEqual(Array.from({ length: WRITERS }, () => ({ code: 0, stderr: '' })));

    const expected = [];
    for (let n = 0; n < WRITERS; n++) for (let i = 0; i < EACH; i++) expected.push(`w${n}-${i}`);
    expect(await names(store())).toEqual(expected.sort());
    const rest = (await leftovers()).filter((f) => !f.startsWith('ready-') && f !== 'go');
    expect(rest).toEqual([]);
    // Six node processes at once: seconds on a loaded 2-core machine, not milliseconds.
  }, 60_000);

  it('loses nothing when two stores in one process add at once', async () => {
    const a = store();
    const b = store();
    const adds = Array.from({ length: 20 }, (_, i) =>
      (i % 2 === 0 ? a : b).add({ name: `p${i}`, host: 'h' }),
    );
    expect((await Promise.all(adds)).every((r) => r.ok)).toBe(true);
    expect(await names(a)).toHaveLength(20);
  });
});

describe('the lock', () => {
  const lockFile = (): string => `${file}.lock`;
  const holder = (pid: number, created: number): string =>
    JSON.stringify({ pid, host: os.hostname(), created, nonce: 'theirs' });

  async function deadPid(): Promise<number> {
    return new Promise((resolve, reject) => {
      const child = execFile(process.execPath, ['-e', ''], (err) =>
        err ? reject(err) : resolve(child.pid as number),
      );
    });
  }

  it('breaks a lock whose process is gone', async () => {
    await writeFile(lockFile(), holder(await deadPid(), Date.now()));
    const r = await store({ lock: { timeoutMs: 2_000 } }).add({ name: 'a', host: 'h' });
    expect(r.ok).toBe(true);
    expect(await leftovers()).toEqual([]);
  });

  it('breaks a lock older than the stale limit even if its process runs', async () => {
    await writeFile(lockFile(), holder(process.ppid, Date.now() - 60_000));
    const r = await store({ lock: { timeoutMs: 2_000, staleMs: 30_000 } }).add({
      name: 'a',
      host: 'h',
    });
    expect(r.ok).toBe(true);
  });

  it('breaks an unreadable lock once its file is old', async () => {
    await writeFile(lockFile(), '');
    const old = new Date(Date.now() - 60_000);
    await utimes(lockFile(), old, old);
    const r = await store({ lock: { timeoutMs: 2_000 } }).add({ name: 'a', host: 'h' });
    expect(r.ok).toBe(true);
  });

  it('waits for a live lock, then gives up saying who holds it and how to clear it', async () => {
    const theirs = holder(process.ppid, Date.now());
    await writeFile(lockFile(), theirs);
    const started = Date.now();
    const r = await store({ lock: { timeoutMs: 300 } }).add({ name: 'a', host: 'h' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    if (r.ok) throw new Error('expected the lock to hold');
    expect(r.error).toMatchObject({
      kind: 'locked',
      holderPid: process.ppid,
      lockFile: lockFile(),
    });
    expect(r.error.message).toMatch(
      new RegExp(
        `process ${process.ppid}.*did not finish within 0.3 s: try again; if no Holdfast is running, delete .*profiles\\.json\\.lock`,
      ),
    );
    // Theirs is untouched, and nothing was written.
    expect(await readFile(lockFile(), 'utf8')).toBe(theirs);
    await expect(stat(file)).rejects.toThrow();
  });
});

describe('an unreadable file', () => {
  const NOW = Date.parse('2025-03-04T05:06:07.089Z');
  const KEPT = 'profiles.json.broken-2025-03-04T05-06-07.089Z';

  it('is moved aside, named with its date, with the line and column of a syntax error', async () => {
    const text = '{\n  "version": 1,\n  "profiles": [\n    { "id": "1" "name": "a" }\n  ]\n}\n';
    await writeFile(file, text);
    const r = await store({ now: () => NOW }).load();
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.profiles).toEqual([]);
    const notice = r.value.notice as BrokenFileNotice;
    expect(notice.keptAt).toBe(path.join(dir, KEPT));
    expect(notice.problem).toMatchObject({ kind: 'syntax', line: 4, column: 17 });
    expect(notice.message).toBe(
      `${file} is not valid JSON at line 4, column 17: expected ',' or '}' after the value, found '"' (is a comma missing?). It was kept as ${path.join(dir, KEPT)}, and Holdfast goes on with no saved profiles: fix that file and rename it back to profiles.json, or add the profiles again.`,
    );
    expect(await readFile(path.join(dir, KEPT), 'utf8')).toBe(text);
    await expect(stat(file)).rejects.toThrow();
  });

  it('is moved aside naming the field that is wrong', async () => {
    const text = JSON.stringify({
      version: 1,
      profiles: [{ id: '1', name: 'db', host: 'db', port: 99999 }],
    });
    await writeFile(file, text);
    const r = await store({ now: () => NOW }).load();
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.notice?.message).toMatch(
      /has wrong values: profiles\[0\]\.port: must be a number from 1 to 65535 \(profile 'db'\)\. It was kept as /,
    );
    expect(await readFile(path.join(dir, KEPT), 'utf8')).toBe(text);
  });

  it('is never overwritten by a save: the save goes on from an empty list and says so', async () => {
    await writeFile(file, 'garbage');
    const s = store({ now: () => NOW });
    const notices: BrokenFileNotice[] = [];
    s.onNotice((n) => notices.push(n));
    expect(await s.add({ name: 'a', host: 'h' })).toMatchObject({ ok: true });
    expect(notices).toHaveLength(1);
    expect(await readFile(path.join(dir, KEPT), 'utf8')).toBe('garbage');
    expect(await names(s)).toEqual(['a']);
  });

  it('still loads (empty, file left in place) when it cannot be moved aside', async () => {
    await writeFile(file, 'garbage');
    await writeFile(
      `${file}.lock`,
      JSON.stringify({ pid: process.ppid, host: os.hostname(), created: Date.now(), nonce: 'x' }),
    );
    const r = await store({ lock: { timeoutMs: 100 } }).load();
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.profiles).toEqual([]);
    expect(r.value.notice?.keptAt).toBe(file);
    expect(r.value.notice?.message).toMatch(
      /is not valid JSON at line 1, column 1: .* It could not be moved aside \(another Holdfast is changing the profiles .*\), so it was left as it is/,
    );
    expect(await readFile(file, 'utf8')).toBe('garbage');
  });

  it('keeps two broken files from the same moment apart', async () => {
    const s = store({ now: () => NOW });
    await writeFile(file, 'one');
    await s.load();
    await writeFile(file, 'two');
    const r = await s.load();
    expect(r.ok && r.value.notice?.keptAt).toBe(path.join(dir, `${KEPT}-2`));
    expect(await readFile(path.join(dir, KEPT), 'utf8')).toBe('one');
  });
});

describe('format versions on disk', () => {
  it('refuses a file from a newer Holdfast, naming both versions, and never touches it', async () => {
    const text = JSON.stringify({ version: 7, profiles: [{ something: 'new' }] });
    await writeFile(file, text);
    const s = store();
    const loaded = await s.load();
    if (loaded.ok) throw new Error('expected a refusal');
    expect(loaded.error).toMatchObject({
      kind: 'newer-version',
      fileVersion: 7,
      supportedVersion: 2,
    });
    expect(loaded.error.message).toBe(
      `${file} was written by a newer Holdfast (profiles format 7; this Holdfast reads up to format 2): upgrade Holdfast to use or change these profiles. The file was left as it is.`,
    );
    const added = await s.add({ name: 'a', host: 'h' });
    expect(added).toMatchObject({ ok: false, error: { kind: 'newer-version' } });
    expect(await readFile(file, 'utf8')).toBe(text);
    expect(await leftovers()).toEqual([]);
  });

  it('reads an older format through its migration, and writes the new format on the next save, keeping the old file', async () => {
    // Synthetic: pretend this Holdfast writes format 2, where format 1 said "hostname".
    const step: Migration = {
      from: 1,
      what: 'hostname → host',
      up: (doc) => ({
        ...doc,
        profiles: (doc.profiles as Record<string, unknown>[]).map(({ hostname, ...p }) => ({
          ...p,
          host: hostname,
        })),
      }),
    };
    const text = JSON.stringify({
      version: 1,
      profiles: [{ id: '1', name: 'old', hostname: 'o' }],
    });
    await writeFile(file, text);
    const s = store({ format: { version: 2, migrations: [step] } });
    expect(await s.load()).toEqual({
      ok: true,
      value: { profiles: [{ id: '1', name: 'old', host: 'o' }], migratedFrom: 1 },
    });
    expect(await readFile(file, 'utf8')).toBe(text);
    await s.add({ name: 'new', host: 'n' });
    const written = JSON.parse(await readFile(file, 'utf8'));
    expect(written.version).toBe(2);
    expect(written.profiles[0]).toEqual({ id: '1', name: 'old', host: 'o' });
    // What the older Holdfast wrote is kept for it, once.
    expect(await readFile(`${file}.format-1`, 'utf8')).toBe(text);
    await s.add({ name: 'newer', host: 'n' });
    expect(await readFile(`${file}.format-1`, 'utf8')).toBe(text);
  });
});

describe('passwords', () => {
  const PASSWORD = 'correct horse battery staple';

  it('go to the keychain; the file and the log hold only the key', async () => {
    const secrets = new MemorySecrets();
    const log: string[] = [];
    const s = store({ secrets, log: (m) => log.push(m) });
    const r = await s.add({
      name: 'a',
      host: 'h',
      auth: { method: 'password', password: PASSWORD },
    });
    if (!r.ok) throw new Error(r.error.message);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(PASSWORD);
    expect(r.value.auth).toEqual({
      method: 'password',
      secretKey: `holdfast/profile/${r.value.id}/password`,
    });
    expect(secrets.entries.get(`holdfast/profile/${r.value.id}/password`)).toBe(PASSWORD);
    expect(log.join('\n')).not.toContain(PASSWORD);
    for (const f of await readdir(dir))
      expect(await readFile(path.join(dir, f), 'utf8')).not.toContain(PASSWORD);
  });

  it('are refused, not written in clear, where there is no keychain (the CLI)', async () => {
    const s = store({ secrets: new NoKeychainSecretStore() });
    const r = await s.add({
      name: 'a',
      host: 'h',
      auth: { method: 'password', password: PASSWORD },
    });
    if (r.ok) throw new Error('expected a refusal');
    expect(r.error.kind).toBe('invalid');
    expect(r.error.kind === 'invalid' && r.error.fields).toEqual([
      {
        field: 'auth.password',
        message: expect.stringMatching(
          /^cannot be kept: there is no keychain in the holdfast command/,
        ),
      },
    ]);
    await expect(stat(file)).rejects.toThrow();
    // Without a password the profile saves; the password is asked when connecting.
    expect(await s.add({ name: 'a', host: 'h', auth: { method: 'password' } })).toMatchObject({
      ok: true,
      value: { auth: { method: 'password' } },
    });
  });

  it('are kept across edits that do not touch them, and forgotten with the profile', async () => {
    const secrets = new MemorySecrets();
    const s = store({ secrets });
    const r = await s.add({
      name: 'a',
      host: 'h',
      auth: { method: 'password', password: PASSWORD },
    });
    if (!r.ok) throw new Error(r.error.message);
    const edited = await s.update('a', { name: 'a', host: 'h2', auth: { method: 'password' } });
    expect(edited.ok && edited.value.auth).toEqual(r.value.auth);
    expect(secrets.entries.size).toBe(1);
    await s.update('a', { name: 'a', host: 'h2', auth: { method: 'agent' } });
    expect(secrets.entries.size).toBe(0);
    await s.update('a', { name: 'a', host: 'h2', auth: { method: 'password', password: 'x' } });
    expect(secrets.entries.size).toBe(1);
    await s.remove('a');
    expect(secrets.entries.size).toBe(0);
  });

  it('are rolled back when the file cannot be written: nothing is saved half-way', async () => {
    const configDir = path.join(dir, 'cfg');
    await mkdir(configDir);
    const inner = path.join(configDir, 'profiles.json');
    const secrets = new MemorySecrets();
    // The keychain takes the password; then the folder vanishes under the store.
    secrets.set = async (key, secret) => {
      secrets.entries.set(key, secret);
      await rename(configDir, `${configDir}.gone`);
      await writeFile(configDir, 'now a file');
      return { ok: true };
    };
    const s = new ProfileStore({ file: inner, home: dir, secrets });
    const r = await s.add({
      name: 'a',
      host: 'h',
      auth: { method: 'password', password: PASSWORD },
    });
    expect(r).toMatchObject({ ok: false, error: { kind: 'io' } });
    expect(secrets.entries.size).toBe(0);
  });
});
