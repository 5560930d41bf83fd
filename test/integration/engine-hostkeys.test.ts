// Proves one alias cannot skip another alias's host-key check through the engine's shared
// connections, against a real sshd: with alias `a` connected (its known_hosts holds the
// real key), alias `b` to the same server, whose known_hosts records a different key, is
// refused as a changed key, exactly as it is alone; while an alias whose settings are all
// the same as `a`'s still rides on `a`'s connection (no second login).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TabRecorder, testEngine } from '../support/engineHarness';
import { startSshd, type Sshd } from '../support/sshd';
import { writeSshConfigs } from '../e2e/support';

let sshd: Sshd;
let scratch: string;
let configFile: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'hft-engine-keys-'));
  sshd = await startSshd({ label: 'engine-keys' });
  // b's known_hosts records another ed25519 key (the client's) for this server.
  const where = `[${sshd.host}]:${sshd.port}`;
  const wrong = path.join(scratch, 'known_hosts_b');
  const otherKey = (await readFile(`${sshd.keyPath}.pub`, 'utf8')).trim().split(/\s+/);
  await writeFile(wrong, `${where} ${otherKey[0]} ${otherKey[1]}\n`, { mode: 0o600 });
  // Three aliases of this server, each with its own known_hosts, in one ssh_config.
  configFile = await writeSshConfigs(sshd, [
    { alias: 'a', knownHostsFile: sshd.knownHostsFile, strictHostKeyChecking: 'yes' },
    { alias: 'a-twin', knownHostsFile: sshd.knownHostsFile, strictHostKeyChecking: 'yes' },
    { alias: 'b', knownHostsFile: wrong, strictHostKeyChecking: 'yes' },
  ]);
});

afterAll(async () => {
  await sshd?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** How many logins sshd has accepted so far. */
async function logins(): Promise<number> {
  return ((await sshd.readLog()).match(/Accepted publickey for /g) ?? []).length;
}

function open(engine: ReturnType<typeof testEngine>['engine'], alias: string): TabRecorder {
  return new TabRecorder(
    engine.openTab({ destination: alias, configFile, cols: 80, rows: 24, command: ['cat'] }),
  );
}

describe('shared connections and host keys', () => {
  it('refuses alias b (wrong key in its known_hosts) even while alias a is connected', async () => {
    const { engine } = testEngine();
    try {
      const a = open(engine, 'a');
      await a.waitState('connected');
      const b = open(engine, 'b');
      const s = await b.waitState('failed');
      expect(s).toMatchObject({ kind: 'failed', errorKind: 'host-key-changed' });
      expect(s.kind === 'failed' && s.reason).toMatch(/HOST KEY OF .* HAS CHANGED/);
      // a is untouched by b's refusal.
      expect(a.tab.state.kind).toBe('connected');
      a.tab.write(Buffer.from('still-here\r'));
      await a.waitFor('still-here');
      await a.tab.kill();
    } finally {
      engine.dispose();
    }
  });

  it('refuses alias b alone the same way', async () => {
    const { engine } = testEngine();
    try {
      const s = await open(engine, 'b').waitState('failed');
      expect(s).toMatchObject({ kind: 'failed', errorKind: 'host-key-changed' });
    } finally {
      engine.dispose();
    }
  });

  it('lets an alias with the very same settings share a connection (no second login)', async () => {
    const { engine } = testEngine();
    try {
      const a = open(engine, 'a');
      await a.waitState('connected');
      const before = await logins();
      const twin = open(engine, 'a-twin');
      await twin.waitState('connected');
      twin.tab.write(Buffer.from('twin-typed\r'));
      await twin.waitFor('twin-typed');
      expect(await logins()).toBe(before);
      await twin.tab.kill();
      await a.tab.kill();
    } finally {
      engine.dispose();
    }
  });
});
