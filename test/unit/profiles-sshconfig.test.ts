/**
 * Proves the bridge between profiles and ssh_config: importing makes one profile per
 * concrete Host (wildcards and negations skipped, Includes followed) that follows the
 * alias, and importing twice adds nothing twice; exporting writes Host blocks that
 * OpenSSH-style resolution (config.ts) reads back to the same host, port, user, key,
 * jump hosts and keepalives.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Profile } from '../../main/engine/profiles/schema';
import { exportSshConfig } from '../../main/engine/profiles/sshConfigExport';
import { planImport, readSshConfigHosts } from '../../main/engine/profiles/sshConfigImport';
import { ProfileStore } from '../../main/engine/profiles/store';
import { resolveHost } from '../../main/engine/ssh/config';

let home: string;
let file: string;

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'hft-profssh-'));
  await mkdir(path.join(home, '.ssh'), { mode: 0o700 });
  file = path.join(home, 'cfg', 'profiles.json');
});

afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

async function sshConfig(text: string, name = 'config'): Promise<string> {
  const p = path.join(home, '.ssh', name);
  await mkdir(path.dirname(p), { recursive: true });
  await writeFile(p, text);
  return p;
}

const CONFIG = `
# work
Host bastion
  HostName bastion.example.com
  User ops

Host web db-1 *.corp !evil
  ProxyJump bastion

Host ? web
  Port 2200

Match host foo
  User x

Host *
  ServerAliveInterval 30

Include conf.d/*.conf
`;

describe('import from ssh_config', () => {
  it('makes a profile per concrete Host that follows it, skipping patterns and following Includes', async () => {
    await sshConfig(CONFIG);
    await sshConfig('Host staging\n  HostName 10.0.0.5\n', 'conf.d/stage.conf');
    const s = new ProfileStore({ file, home });
    const r = await s.importSshConfig();
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.added).toEqual(['bastion', 'web', 'db-1', 'staging']);
    expect(r.value.skipped).toEqual([
      { name: '*.corp', reason: 'a pattern, not one host' },
      { name: '!evil', reason: 'a pattern, not one host' },
      { name: '?', reason: 'a pattern, not one host' },
      { name: '*', reason: 'a pattern, not one host' },
    ]);
    const loaded = await s.load();
    if (!loaded.ok) throw new Error(loaded.error.message);
    expect(loaded.value.profiles.map((p) => ({ name: p.name, alias: p.alias }))).toEqual([
      { name: 'bastion', alias: 'bastion' },
      { name: 'web', alias: 'web' },
      { name: 'db-1', alias: 'db-1' },
      { name: 'staging', alias: 'staging' },
    ]);
    // Only the alias: ssh_config stays the source of truth for the rest.
    expect(Object.keys(loaded.value.profiles[0] as Profile).sort()).toEqual([
      'alias',
      'id',
      'name',
    ]);
  });

  it('adds nothing twice when run again', async () => {
    const cfg = await sshConfig(CONFIG);
    const s = new ProfileStore({ file, home });
    await s.importSshConfig(cfg);
    const before = await readFile(file, 'utf8');
    const again = await s.importSshConfig(cfg);
    if (!again.ok) throw new Error(again.error.message);
    expect(again.value.added).toEqual([]);
    expect(
      again.value.skipped.filter((x) => x.reason === 'already imported').map((x) => x.name),
    ).toEqual(['bastion', 'web', 'db-1']);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(JSON.parse(before));
  });

  it('leaves a name alone that a profile of the user already has', () => {
    const existing: Profile[] = [
      { id: '1', name: 'web', host: 'elsewhere' },
      { id: '2', name: 'db', alias: 'db-1' },
    ];
    const plan = planImport(
      existing,
      { file: 'f', aliases: ['web', 'db-1', 'new'], patterns: [], warnings: [] },
      () => 'id-new',
    );
    expect(plan.added).toEqual([{ id: 'id-new', name: 'new', alias: 'new' }]);
    expect(plan.report.skipped).toEqual([
      { name: 'web', reason: "a profile named 'web' exists and does not follow this alias" },
      { name: 'db-1', reason: "already followed by profile 'db'" },
    ]);
  });

  it('skips a Host name that cannot be a profile name, saying why', () => {
    const plan = planImport(
      [],
      { file: 'f', aliases: ['git@host'], patterns: [], warnings: [] },
      () => 'x',
    );
    expect(plan.added).toEqual([]);
    expect(plan.report.skipped[0]).toEqual({
      name: 'git@host',
      reason: expect.stringMatching(/^cannot be a profile name: use letters, digits/),
    });
  });

  it('names the file and line of a malformed ssh_config, and imports nothing', async () => {
    const cfg = await sshConfig('Host a\n  HostName "unclosed\n');
    const r = await new ProfileStore({ file, home }).importSshConfig(cfg);
    expect(r).toMatchObject({ ok: false, error: { kind: 'ssh-config', file: cfg, line: 2 } });
    await expect(readFile(file)).rejects.toThrow();
  });

  it('says so when there is no ssh_config to import', async () => {
    const r = await new ProfileStore({ file, home }).importSshConfig();
    expect(r).toMatchObject({
      ok: false,
      error: {
        kind: 'ssh-config',
        message: expect.stringMatching(/there is no such file, so there is nothing to import/),
      },
    });
  });

  it('reports an Include it cannot follow instead of failing', async () => {
    const cfg = await sshConfig('Include ${NOPE_NOT_SET}/x\nHost a\n');
    const r = await readSshConfigHosts(cfg, { home, env: {} });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.aliases).toEqual(['a']);
    expect(r.value.warnings).toHaveLength(1);
    expect(r.value.warnings[0]).toMatch(/line 1: Include \$\{NOPE_NOT_SET\}\/x was not followed/);
  });
});

describe('export to ssh_config', () => {
  const profiles: Profile[] = [
    {
      id: '1',
      name: 'web',
      host: 'web.example.com',
      port: 2222,
      user: 'deploy',
      auth: { method: 'key', keyFile: '~/.ssh/id web' },
      jump: ['bastion', 'ops@gw.example.com:2200'],
      keepalive: { intervalSeconds: 15, countMax: 4 },
      group: 'prod',
      color: '#ff0000',
    },
    { id: '2', name: 'v6', host: 'fe80::1', auth: { method: 'agent' } },
    { id: '3', name: 'imported', alias: 'imported.corp', group: 'x' },
  ];

  it('writes Host blocks with HostName, Port, User, IdentityFile and ProxyJump', () => {
    expect(exportSshConfig(profiles)).toBe(
      [
        '# Exported from Holdfast profiles',
        '',
        'Host web',
        '  HostName web.example.com',
        '  Port 2222',
        '  User deploy',
        '  IdentityFile "~/.ssh/id web"',
        '  ProxyJump bastion,ops@gw.example.com:2200',
        '  IdentitiesOnly yes',
        '  ServerAliveInterval 15',
        '  ServerAliveCountMax 4',
        '',
        'Host v6',
        '  HostName fe80::1',
        '',
        '# imported: follows Host imported.corp of your ssh_config',
        '',
      ].join('\n'),
    );
  });

  it('exports the agent directory so that OpenSSH skips it and Holdfast reads it', async () => {
    const snippet = path.join(home, 'exported-dir');
    await writeFile(
      snippet,
      exportSshConfig([{ id: 'd', name: 'scratch', host: 'h.example', agentDir: '/scratch/me' }]),
    );
    // OpenSSH's own parser accepts the block (it would stop at an unknown keyword).
    const g = execFileSync('ssh', ['-G', '-F', snippet, 'scratch'], { encoding: 'utf8' });
    expect(g).toMatch(/^hostname h\.example$/m);
    const r = await resolveHost({
      destination: 'scratch',
      configFile: snippet,
      home,
      localUser: 'me',
      env: {},
    });
    expect(r.ok && r.value.holdfastDir).toBe('/scratch/me');
  });

  it('round-trips: resolving each exported Host gives back the profile’s fields', async () => {
    const snippet = path.join(home, 'exported');
    await writeFile(snippet, exportSshConfig(profiles));
    const r = await resolveHost({
      destination: 'web',
      configFile: snippet,
      home,
      localUser: 'me',
      env: {},
    });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value).toMatchObject({
      hostName: 'web.example.com',
      port: 2222,
      user: 'deploy',
      identityFiles: [path.join(home, '.ssh', 'id web')],
      identitiesOnly: true,
      proxyJump: ['bastion', 'ops@gw.example.com:2200'],
      serverAliveInterval: 15,
      serverAliveCountMax: 4,
    });
    const v6 = await resolveHost({
      destination: 'v6',
      configFile: snippet,
      home,
      localUser: 'me',
      env: {},
    });
    expect(v6.ok && { hostName: v6.value.hostName, port: v6.value.port }).toEqual({
      hostName: 'fe80::1',
      port: 22,
    });
  });
});
