/**
 * Proves the forwarding directives of ssh_config are read as OpenSSH reads them:
 * LocalForward/RemoteForward/DynamicForward accumulate (command line first, no repeats),
 * ExitOnForwardFailure and GatewayPorts are first-wins switches, ClearAllForwardings drops
 * every forward (the command line's too), and a bad line names its file, line and the form
 * to write.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveHost, type ResolveHostInput } from '../../main/engine/ssh/config';
import { forwardLabel } from '../../main/engine/forward/forwardSpec';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'hft-fwdcfg-'));
  await mkdir(path.join(home, '.ssh'), { mode: 0o700 });
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

async function resolve(config: string, input: Omit<ResolveHostInput, 'home' | 'localUser'>) {
  await writeFile(path.join(home, '.ssh', 'config'), config);
  return resolveHost({ home, localUser: 'me', env: {}, ...input });
}

describe('forwarding directives', () => {
  it('collects -L/-R/-D first, then -o, then the file, each once', async () => {
    const r = await resolve(
      [
        'Host db',
        '  LocalForward 5432 localhost:5432',
        '  LocalForward 127.0.0.1:8080 web:80',
        '  RemoteForward 9000 localhost:3000',
        '  DynamicForward 1080',
        'Host other',
        '  LocalForward 1 x:1',
      ].join('\n'),
      {
        destination: 'db',
        options: ['LocalForward=6000:db2:5432', 'LocalForward=5432:localhost:5432'],
      },
    );
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.forwards.map(forwardLabel)).toEqual([
      '-L 6000:db2:5432',
      '-L 5432:localhost:5432',
      '-L 127.0.0.1:8080:web:80',
      '-R 9000:localhost:3000',
      '-D 1080',
    ]);
    expect(r.value.exitOnForwardFailure).toBe(false);
    expect(r.value.gatewayPorts).toBe(false);
  });

  it('reads ExitOnForwardFailure and GatewayPorts first-wins', async () => {
    const r = await resolve('Host *\n  ExitOnForwardFailure yes\n  GatewayPorts yes\n', {
      destination: 'x',
      options: ['GatewayPorts=no'],
    });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.exitOnForwardFailure).toBe(true);
    expect(r.value.gatewayPorts).toBe(false);
  });

  it('ClearAllForwardings drops the file’s and the command line’s forwards', async () => {
    const r = await resolve('Host *\n  LocalForward 5432 localhost:5432\n', {
      destination: 'x',
      options: ['ClearAllForwardings=yes', 'LocalForward=1:a:1'],
    });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.forwards).toEqual([]);
  });

  it('refuses a bad forward naming file, line and the form to write', async () => {
    const r = await resolve('Host *\n  LocalForward 5432\n', { destination: 'x' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toMatch(/config.* line 2/);
      expect(r.error.message).toMatch(
        /Bad LocalForward forwarding '5432'.*Write \[bind_address:\]port:host:hostport/,
      );
    }
    const d = await resolve('Host *\n  DynamicForward 1080 extra\n', { destination: 'x' });
    expect(d.ok).toBe(false);
    if (!d.ok)
      expect(d.error.message).toMatch(
        /Bad DynamicForward forwarding '1080:extra': 'extra' is not a port number/,
      );
  });
});
