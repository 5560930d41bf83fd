/**
 * Proves `holdfast profiles ls | show | import-ssh-config | export` on a commander
 * program built here, as bin/holdfast.ts builds it: what each prints, that a password is
 * only ever shown as "(in keychain)", and the exit status and message of each failure.
 */
import { Command } from 'commander';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerProfilesCommand } from '../../bin/profilesCommand';
import { ProfileStore } from '../../main/engine/profiles/store';
import type { SecretStore } from '../../main/engine/profiles/secrets';

let home: string;
let file: string;

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'hft-profcli-'));
  await mkdir(path.join(home, '.ssh'));
  file = path.join(home, 'cfg', 'profiles.json');
});

afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

/** Runs `holdfast ARGS` with the profiles command only; collects what it printed. */
async function cli(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  let code = 0;
  const program = new Command('holdfast')
    .exitOverride()
    .configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  registerProfilesCommand(program, {
    store: () => new ProfileStore({ file, home }),
    out: (s) => (out += s),
    err: (s) => (err += s),
    exit: (c) => (code = c),
    home,
  });
  await program.parseAsync(args, { from: 'user' });
  return { out, err, code };
}

const PASSWORD = 's3cret-pass';
const keychain: SecretStore = {
  get: async () => PASSWORD,
  set: async () => ({ ok: true }),
  delete: async () => undefined,
  available: () => ({ ok: true }),
};

async function seed(): Promise<void> {
  const s = new ProfileStore({ file, home, secrets: keychain });
  for (const input of [
    {
      name: 'web',
      host: 'web.example.com',
      port: 2222,
      user: 'deploy',
      group: 'prod',
      jump: ['bastion'],
    },
    { name: 'db', alias: 'db.internal', color: '#00ff00' },
    {
      name: 'nas',
      host: 'fe80::2',
      auth: { method: 'password' as const, password: PASSWORD },
      notes: 'in the cupboard\nsecond shelf',
      env: { LANG: 'C' },
    },
  ]) {
    const r = await s.add(input);
    if (!r.ok) throw new Error(r.error.message);
  }
}

describe('holdfast profiles ls', () => {
  it('prints a table of name, target and group', async () => {
    await seed();
    expect(await cli(['profiles', 'ls'])).toEqual({
      out: [
        'NAME  TARGET                                   GROUP',
        'web   deploy@web.example.com:2222 via bastion  prod',
        'db    Host db.internal (ssh_config)            -',
        'nas   fe80::2                                  -',
        '',
      ].join('\n'),
      err: '',
      code: 0,
    });
  });

  it('says how to get profiles when there are none', async () => {
    const r = await cli(['profiles', 'list']);
    expect(r.out).toBe(
      'No saved profiles in ~/cfg/profiles.json. Import your ssh_config hosts with: holdfast profiles import-ssh-config\n',
    );
  });

  it('tells about a file it had to move aside, then lists nothing', async () => {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '{"version": 1, "profiles": [}');
    const r = await cli(['profiles', 'ls']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(
      /^holdfast: .*profiles\.json is not valid JSON at line 1, column 29: .*It was kept as .*profiles\.json\.broken-/,
    );
  });

  it('fails with status 1 on a file from a newer Holdfast', async () => {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '{"version": 5, "profiles": []}');
    const r = await cli(['profiles', 'ls']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^holdfast: .* was written by a newer Holdfast \(profiles format 5; this Holdfast reads up to format 2\): upgrade Holdfast/,
    );
  });
});

describe('holdfast profiles show', () => {
  it('prints every field, a password only as "(in keychain)"', async () => {
    await seed();
    const r = await cli(['profiles', 'show', 'NAS']);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain(PASSWORD);
    expect(r.out).toMatch(/^name\s+nas$/m);
    expect(r.out).toMatch(/^host\s+fe80::2$/m);
    expect(r.out).toMatch(/^port\s+- \(22\)$/m);
    expect(r.out).toMatch(/^auth\s+password \(in keychain\)$/m);
    expect(r.out).toMatch(/^notes\s+in the cupboard\n\s+second shelf$/m);
    expect(r.out).toMatch(/^env\s+LANG=C$/m);
    for (const label of [
      'name',
      'follows',
      'host',
      'port',
      'user',
      'auth',
      'jump',
      'keepalive',
      'scrollback',
      'command',
      'env',
      'group',
      'color',
      'notes',
      'id',
    ]) {
      expect(r.out).toMatch(new RegExp(`^${label} `, 'm'));
    }
  });

  it('shows what ssh_config decides for a profile that follows an alias', async () => {
    await seed();
    const r = await cli(['profiles', 'show', 'db']);
    expect(r.out).toMatch(/^follows\s+Host db\.internal of ssh_config$/m);
    expect(r.out).toMatch(/^port\s+\(from ssh_config\)$/m);
    expect(r.out).toMatch(/^color\s+#00ff00$/m);
  });

  it('fails with status 1 naming a profile that does not exist', async () => {
    await seed();
    expect(await cli(['profiles', 'show', 'nope'])).toEqual({
      out: '',
      err: "holdfast: there is no profile 'nope': holdfast profiles ls lists them.\n",
      code: 1,
    });
  });
});

describe('holdfast profiles import-ssh-config', () => {
  it('prints how many were added and skipped, and adds nothing the second time', async () => {
    await writeFile(path.join(home, '.ssh', 'config'), 'Host a b *.x\n  User u\n');
    const first = await cli(['profiles', 'import-ssh-config']);
    expect(first).toEqual({
      out: [
        'Imported from ~/.ssh/config: 2 added, 1 skipped.',
        '  added    a',
        '  added    b',
        '  skipped  *.x (a pattern, not one host)',
        '',
      ].join('\n'),
      err: '',
      code: 0,
    });
    const second = await cli(['profiles', 'import-ssh-config']);
    expect(second.out.split('\n')[0]).toBe('Imported from ~/.ssh/config: 0 added, 3 skipped.');
  });

  it('reads the file it is given', async () => {
    const other = path.join(home, 'other_config');
    await writeFile(other, 'Host only\n');
    const r = await cli(['profiles', 'import-ssh-config', other]);
    expect(r.out.split('\n')[0]).toBe('Imported from ~/other_config: 1 added, 0 skipped.');
  });

  it('fails with status 1 when the file is not there', async () => {
    const r = await cli(['profiles', 'import-ssh-config', path.join(home, 'missing')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^holdfast: cannot read .*missing: there is no such file/);
  });
});

describe('holdfast profiles export', () => {
  it('prints an ssh_config snippet of the profiles named', async () => {
    await seed();
    const r = await cli(['profiles', 'export', 'web']);
    expect(r.out).toBe(
      '# Exported from Holdfast profiles\n\nHost web\n  HostName web.example.com\n  Port 2222\n  User deploy\n  ProxyJump bastion\n',
    );
  });
});
