/**
 * Proves how a profile becomes the engine's Destination and how the CLI's DESTINATION is
 * understood: with -F it goes to ssh_config untouched; else a profile of that name is
 * used (flags on the command line still win over it); else ssh_config; and an unreadable
 * profiles file never stops a connection, it only adds a notice.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  mergeWithProfile,
  profileSession,
  profileToDestination,
  resolveProfileDestination,
  type ProfileSource,
} from '../../main/engine/profiles/profileDestination';
import type { Profile } from '../../main/engine/profiles/schema';
import { ProfileStore } from '../../main/engine/profiles/store';
import { resolveHost } from '../../main/engine/ssh/config';

const web: Profile = {
  id: '1',
  name: 'web',
  host: 'web.example.com',
  port: 2222,
  user: 'deploy',
  auth: { method: 'key', keyFile: '~/.ssh/id_web' },
  jump: ['bastion', 'gw:2200'],
  keepalive: { intervalSeconds: 10, countMax: 6 },
  command: 'tmux attach || tmux',
  env: { LANG: 'C.UTF-8' },
  scrollback: 20_000,
};
const followed: Profile = { id: '2', name: 'db', alias: 'db.internal', group: 'prod' };

function source(profiles: Profile[]): ProfileSource & { loads: number } {
  const s = {
    loads: 0,
    load: async () => {
      s.loads++;
      return { ok: true as const, value: { profiles } };
    },
  };
  return s;
}

describe('profile → Destination', () => {
  it('maps host, port, user, key, jump hosts and keepalives', () => {
    expect(profileToDestination(web)).toEqual({
      destination: 'web.example.com',
      port: 2222,
      user: 'deploy',
      identityFiles: ['~/.ssh/id_web'],
      jump: 'bastion,gw:2200',
      options: ['IdentitiesOnly=yes', 'ServerAliveInterval=10', 'ServerAliveCountMax=6'],
    });
  });

  it('sends a profile that follows an alias to ssh_config by its alias', () => {
    expect(profileToDestination(followed)).toEqual({ destination: 'db.internal' });
  });

  it("names the agent's directory on the server with HoldfastDir, also for an alias", () => {
    expect(profileToDestination({ ...web, agentDir: '~/tools/hf' }).options).toContain(
      'HoldfastDir=~/tools/hf',
    );
    expect(profileToDestination({ ...followed, agentDir: '/scratch/me' })).toEqual({
      destination: 'db.internal',
      options: ['HoldfastDir=/scratch/me'],
    });
  });

  it('prefers password methods for a password profile', () => {
    const p: Profile = { id: '3', name: 'p', host: 'h', auth: { method: 'password' } };
    expect(profileToDestination(p).options).toEqual([
      'PreferredAuthentications=password,keyboard-interactive',
    ]);
  });

  it('gives the session its command, environment and scrollback', () => {
    expect(profileSession(web)).toEqual({
      command: ['tmux attach || tmux'],
      env: { LANG: 'C.UTF-8' },
      scrollback: 20_000,
    });
    expect(profileSession(followed)).toEqual({});
  });

  it('lets command-line flags win over the profile, and adds keys and options up', () => {
    const merged = mergeWithProfile(
      { destination: 'web', port: 22, identityFiles: ['/k'], options: ['Compression=yes'] },
      web,
    );
    expect(merged).toEqual({
      destination: 'web.example.com',
      port: 22,
      user: 'deploy',
      identityFiles: ['/k', '~/.ssh/id_web'],
      jump: 'bastion,gw:2200',
      options: [
        'Compression=yes',
        'IdentitiesOnly=yes',
        'ServerAliveInterval=10',
        'ServerAliveCountMax=6',
      ],
    });
  });

  it('resolves through ssh_config to the profile’s values', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'hft-profdest-'));
    try {
      const d = profileToDestination(web);
      const r = await resolveHost({
        destination: d.destination,
        ...(d.port ? { port: d.port } : {}),
        ...(d.user ? { user: d.user } : {}),
        ...(d.identityFiles ? { identityFiles: d.identityFiles } : {}),
        ...(d.jump ? { jump: d.jump } : {}),
        ...(d.options ? { options: d.options } : {}),
        configFile: 'none',
        home,
        localUser: 'me',
        env: {},
      });
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value).toMatchObject({
        hostName: 'web.example.com',
        port: 2222,
        user: 'deploy',
        identityFiles: [path.join(home, '.ssh', 'id_web')],
        identitiesOnly: true,
        proxyJump: ['bastion', 'gw:2200'],
        serverAliveInterval: 10,
        serverAliveCountMax: 6,
      });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('which DESTINATION the CLI means', () => {
  it('uses the profile whose name equals DESTINATION (case does not count)', async () => {
    const r = await resolveProfileDestination({ destination: 'WEB' }, source([web, followed]));
    expect(r.profile?.id).toBe('1');
    expect(r.destination.destination).toBe('web.example.com');
    expect(r.session.command).toEqual(['tmux attach || tmux']);
    expect(r.notice).toBeUndefined();
  });

  it('uses the alias a profile follows', async () => {
    const r = await resolveProfileDestination(
      { destination: 'db', user: 'me' },
      source([followed]),
    );
    expect(r.destination).toEqual({ destination: 'db.internal', user: 'me' });
  });

  it('leaves DESTINATION to ssh_config when no profile has that name', async () => {
    const cli = { destination: 'me@other', port: 2200 };
    const r = await resolveProfileDestination(cli, source([web]));
    expect(r).toEqual({ destination: cli, session: {} });
  });

  it('does not look at profiles at all when -F names a config file', async () => {
    const s = source([web]);
    const cli = { destination: 'web', configFile: '/tmp/cfg' };
    expect(await resolveProfileDestination(cli, s)).toEqual({ destination: cli, session: {} });
    expect(s.loads).toBe(0);
  });

  it('goes on with ssh_config and a notice when profiles.json comes from a newer Holdfast', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hft-profdest-'));
    try {
      const file = path.join(dir, 'profiles.json');
      await writeFile(file, JSON.stringify({ version: 99, profiles: [] }));
      const r = await resolveProfileDestination({ destination: 'web' }, new ProfileStore({ file }));
      expect(r.destination).toEqual({ destination: 'web' });
      expect(r.notice).toMatch(
        /^saved profiles not used: .*newer Holdfast \(profiles format 99; this Holdfast reads up to format 2\)/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('passes on the notice of a profiles file moved aside', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hft-profdest-'));
    try {
      const file = path.join(dir, 'profiles.json');
      await writeFile(file, '{');
      const r = await resolveProfileDestination({ destination: 'web' }, new ProfileStore({ file }));
      expect(r.destination).toEqual({ destination: 'web' });
      expect(r.notice).toMatch(
        /is not valid JSON at line 1, column 2: .* It was kept as .*profiles\.json\.broken-/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
