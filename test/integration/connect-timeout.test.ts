/**
 * ConnectTimeout is honoured to the second against a server that accepts TCP and never
 * says a word (a hung sshd, a port forwarded to nothing, a wrong service): the TCP connect
 * and the SSH handshake share the one budget, as OpenSSH counts the connect and the
 * server's greeting, and the message names the server and the setting. Through the real
 * CLI, the engine's open-tab path, and dial() itself. Loopback only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveHost } from '../../main/engine/ssh/config';
import { CredentialCache } from '../../main/engine/ssh/credentials';
import { dial } from '../../main/engine/ssh/dial';
import { runCli } from '../support/cliHarness';
import { testEngine, TabRecorder } from '../support/engineHarness';

/** A listener that accepts every connection and never writes a byte. */
let silent: net.Server;
let port: number;
const held = new Set<net.Socket>();
let home: string;

beforeAll(async () => {
  silent = net.createServer((s) => {
    held.add(s);
    s.on('error', () => undefined);
    s.on('close', () => held.delete(s));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  port = (silent.address() as net.AddressInfo).port;
  home = await mkdtemp(path.join(os.tmpdir(), 'hft-connect-timeout-'));
});

afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise((resolve) => silent.close(resolve));
  await rm(home, { recursive: true, force: true });
});

/** The seconds ConnectTimeout=2 allows, and the most a run may take (the brief's bar). */
const CONNECT_TIMEOUT_S = 2;
const MOST_MS = 4000;

function expectNamesServerAndSetting(message: string): void {
  expect(message).toContain(`127.0.0.1 port ${port}`);
  expect(message).toContain(`ConnectTimeout ${CONNECT_TIMEOUT_S}`);
}

describe('ConnectTimeout against a server that never speaks', () => {
  it('the CLI gives up after ConnectTimeout with exit status 255 and says why', async () => {
    const started = Date.now();
    const run = runCli(
      [
        '-F',
        'none',
        '-o',
        `ConnectTimeout=${CONNECT_TIMEOUT_S}`,
        '-p',
        String(port),
        'nobody@127.0.0.1',
      ],
      { env: { HOME: home, SSH_AUTH_SOCK: '' } },
    );
    const { code } = await run.exited;
    const took = Date.now() - started;
    expect(code).toBe(255);
    expect(took).toBeLessThan(MOST_MS);
    expect(took).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_S * 1000);
    expectNamesServerAndSetting(run.stderr());
    expect(run.stderr()).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('the engine fails the tab after ConnectTimeout, naming the server and the setting', async () => {
    const { engine } = testEngine({ home, env: {} });
    try {
      const started = Date.now();
      const rec = new TabRecorder(
        engine.openTab({
          destination: 'nobody@127.0.0.1',
          configFile: 'none',
          port,
          options: [`ConnectTimeout=${CONNECT_TIMEOUT_S}`],
          cols: 80,
          rows: 24,
        }),
      );
      const state = await rec.waitState('failed', 10_000);
      const took = Date.now() - started;
      expect(took).toBeLessThan(MOST_MS);
      expect(took).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_S * 1000 - 50);
      expect(state).toMatchObject({ kind: 'failed', errorKind: 'timeout' });
      if (state.kind === 'failed') expectNamesServerAndSetting(state.reason);
    } finally {
      engine.dispose();
    }
  });

  it('time already spent connecting TCP counts against ConnectTimeout', async () => {
    // The engine connects TCP itself and hands dial() the socket: a connect that took
    // 1.5 s leaves 0.5 s of a 2 s ConnectTimeout for the server to start the handshake.
    const r = await resolveHost({
      destination: 'nobody@127.0.0.1',
      configFile: 'none',
      port,
      options: [`ConnectTimeout=${CONNECT_TIMEOUT_S}`],
      home,
      env: {},
    });
    if (!r.ok) throw new Error(r.error.message);
    const sock = net.connect({ host: '127.0.0.1', port });
    await new Promise((resolve) => sock.once('connect', resolve));
    const started = Date.now();
    const result = await dial(r.value, {
      prompter: async () => ({ kind: 'cancel' }),
      credentials: new CredentialCache(),
      env: {},
      sock,
      connectStartedAt: started - 1500,
    });
    const took = Date.now() - started;
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatchObject({ kind: 'timeout', phase: 'handshake' });
      expectNamesServerAndSetting(result.error.message);
    }
    expect(took).toBeLessThan(1000);
    expect(took).toBeGreaterThanOrEqual(400);
  });
});
