/**
 * Proves when two destinations may share one SSH connection: only when every setting that
 * decides the host-key verdict and the login is the same. Two aliases of one server whose
 * known_hosts files differ get different keys (so the second is checked on its own dial);
 * every field of a resolved host has a written decision, and a field without one fails
 * here; changing any `connection` field changes the key, changing a label or a per-session
 * setting does not.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveHost, type ResolvedHost } from '../../main/engine/ssh/config';
import { connectionKey, SHARING } from '../../main/engine/ssh/connectionKey';

let home: string;
let configFile: string;

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'hft-connkey-'));
  configFile = path.join(home, 'ssh_config');
  // `a`, `a-twin` and `b` reach one server; only b's known_hosts file differs.
  const block = (alias: string, knownHosts: string) =>
    [
      `Host ${alias}`,
      '  HostName 127.0.0.1',
      '  Port 2222',
      '  User me',
      `  IdentityFile ${home}/id_ed25519`,
      '  IdentitiesOnly yes',
      '  IdentityAgent none',
      `  UserKnownHostsFile ${knownHosts}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  HostKeyAlias server',
      '  ConnectTimeout 7',
      '  SetEnv HFT_X=1',
    ].join('\n');
  await writeFile(
    configFile,
    [
      block('a', `${home}/known_a`),
      block('a-twin', `${home}/known_a`),
      block('b', `${home}/known_b`),
    ].join('\n') + '\n',
  );
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

async function resolved(alias: string, options: string[] = []): Promise<ResolvedHost> {
  const r = await resolveHost({
    destination: alias,
    configFile,
    options,
    home,
    localUser: 'me',
    env: { HOME: home },
  });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** A value of the same shape as `v` that differs from it. */
function changed(v: unknown): unknown {
  if (v === undefined) return 'changed';
  if (typeof v === 'string') return `${v}-changed`;
  if (typeof v === 'number') return v + 1;
  if (typeof v === 'boolean') return !v;
  if (Array.isArray(v)) return [...(v as unknown[]), 'changed'];
  return { ...(v as object), changed: 'yes' };
}

describe('which destinations share a connection', () => {
  it('keeps two aliases of one server apart when their known_hosts files differ', async () => {
    expect(connectionKey(await resolved('a'))).not.toBe(connectionKey(await resolved('b')));
  });

  it('lets two aliases share when everything but the name is the same', async () => {
    expect(connectionKey(await resolved('a'))).toBe(connectionKey(await resolved('a-twin')));
  });

  it('keeps an alias apart from itself with a different -o that decides the verdict or the login', async () => {
    const base = connectionKey(await resolved('a'));
    for (const o of [
      'StrictHostKeyChecking=accept-new',
      'UserKnownHostsFile=/elsewhere',
      'GlobalKnownHostsFile=/etc/ssh/ssh_known_hosts',
      'HostKeyAlias=other',
      'HashKnownHosts=yes',
      'User=someone',
      'IdentityFile=/other/key',
      'IdentitiesOnly=no',
      'IdentityAgent=/tmp/agent.sock',
      'PreferredAuthentications=password',
      'PasswordAuthentication=no',
      'NumberOfPasswordPrompts=1',
      'ProxyJump=hop',
      'Port=2223',
      'ServerAliveInterval=3',
    ]) {
      expect(connectionKey(await resolved('a', [o])), o).not.toBe(base);
    }
  });

  it('shares across settings that only apply to each session (SendEnv, SetEnv)', async () => {
    const base = connectionKey(await resolved('a'));
    expect(connectionKey(await resolved('a', ['SetEnv HFT_Y=2']))).toBe(base);
    expect(connectionKey(await resolved('a', ['SendEnv HFT_*']))).toBe(base);
  });
});

describe('every field of a resolved host has a decision', () => {
  it('names exactly the fields a real resolution has (a new field fails here until decided)', async () => {
    // With the optional fields given too.
    const host = await resolved('a', [
      'HoldfastDir=/srv/hf',
      'HoldfastPredict=never',
      'RequestTTY=yes',
    ]);
    expect(Object.keys(SHARING).sort()).toEqual(Object.keys(host).sort());
  });

  it('changes the key when any connection field changes, and only then', async () => {
    const host = await resolved('a');
    const base = connectionKey(host);
    for (const [field, decision] of Object.entries(SHARING)) {
      const variant = { ...host, [field]: changed(host[field as keyof ResolvedHost]) };
      const differs = connectionKey(variant as ResolvedHost) !== base;
      expect(differs, `${field} (${decision})`).toBe(decision === 'connection');
    }
  });

  it('treats a field missing from the table as separating connections', async () => {
    const host = await resolved('a');
    const extra = { ...host, somethingNew: 'x' } as ResolvedHost;
    expect(connectionKey(extra)).not.toBe(connectionKey(host));
  });

  it('does not depend on the order of keys in objects (the environment)', async () => {
    const host = await resolved('a');
    const env1 = { A: '1', B: '2' };
    const env2 = { B: '2', A: '1' };
    const k1 = connectionKey({ ...host, origin: { ...host.origin, env: env1 } });
    const k2 = connectionKey({ ...host, origin: { ...host.origin, env: env2 } });
    expect(k1).toBe(k2);
  });
});
