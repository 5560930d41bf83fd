// Proves the OpenSSH transport's connection against a real sshd, below the CLI: ssh's
// questions (a key's passphrase, an unknown host key) reach the engine's Prompter and a
// second dial answers from the credential cache; an exec carries stdin, stdout, stderr,
// the exit status and the environment like an ssh2 exec; a black-holed link is given up
// within the keepalive limit; overlapping dials are independent masters.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PromptAnswer, PromptRequest, Prompter } from '../../main/engine/prompts';
import { remoteExec } from '../../main/engine/remoteExec';
import { CredentialCache, resolveHost, type ResolvedHost } from '../../main/engine/ssh';
import {
  dialSystemSsh,
  type SystemSshClient,
} from '../../main/engine/transport/systemSsh/systemSshClient';
import { startFaultProxy } from '../support/faultProxy';
import { runChecked } from '../support/proc';
import { startSshd, type Sshd } from '../support/sshd';

const KEEPALIVE = { intervalMs: 1000, countMax: 3 };

function scripted(...answers: PromptAnswer[]): Prompter & { calls: PromptRequest[] } {
  const calls: PromptRequest[] = [];
  const fn = (async (req: PromptRequest) => {
    calls.push(req);
    return answers.shift() ?? { kind: 'cancel' };
  }) as Prompter & { calls: PromptRequest[] };
  fn.calls = calls;
  return fn;
}

async function resolved(sshd: Sshd, options: string[] = []): Promise<ResolvedHost> {
  const r = await resolveHost({
    destination: sshd.sshAlias,
    configFile: sshd.sshConfigFile,
    options,
  });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

async function connect(
  host: ResolvedHost,
  prompter: Prompter,
  credentials = new CredentialCache(),
): Promise<SystemSshClient> {
  const r = await dialSystemSsh(host, { prompter, credentials, keepalive: KEEPALIVE });
  if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
  return r.value;
}

describe('prompts through SSH_ASKPASS', () => {
  let sshd: Sshd;
  let scratch: string;
  beforeAll(async () => {
    sshd = await startSshd({ userCertificate: true, passphrase: true });
    scratch = await mkdtemp(path.join(os.tmpdir(), 'hft-openssh-dial-'));
  });
  afterAll(async () => {
    await sshd?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it("asks for the key's passphrase (again after a wrong one), then a reconnect asks nothing", async () => {
    const host = await resolved(sshd);
    const credentials = new CredentialCache();
    const first = scripted(
      { kind: 'text', values: ['wrong'] },
      { kind: 'text', values: [sshd.passphrase!] },
    );
    const a = await connect(host, first, credentials);
    expect(first.calls).toEqual([
      { kind: 'passphrase', keyPath: sshd.keyPath },
      { kind: 'passphrase', keyPath: sshd.keyPath },
    ]);
    expect((await remoteExec(a, 'echo first')).stdout).toBe('first\n');
    a.end();

    const second = scripted();
    const b = await connect(host, second, credentials);
    expect(second.calls).toEqual([]);
    expect((await remoteExec(b, 'echo second')).stdout).toBe('second\n');
    b.end();
  });

  it('a cancelled passphrase prompt ends the dial as cancelled', async () => {
    const r = await dialSystemSsh(await resolved(sshd), {
      prompter: scripted({ kind: 'cancel' }),
      credentials: new CredentialCache(),
      keepalive: KEEPALIVE,
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.kind).toBe('cancelled');
    expect(r.error.message).toMatch(/You cancelled the passphrase prompt/);
  });

  it('shows an unknown host key with the fingerprint ssh-keygen gives, and records it when trusted', async () => {
    const kh = path.join(scratch, 'known_hosts');
    await writeFile(kh, '');
    const host = await resolved(sshd, [`UserKnownHostsFile=${kh}`, 'StrictHostKeyChecking=ask']);
    const prompter = scripted(
      { kind: 'host-key', decision: 'trust-and-remember' },
      { kind: 'text', values: [sshd.passphrase!] },
    );
    const c = await connect(host, prompter);
    c.end();
    const keyFile = path.join(scratch, 'host.pub');
    await writeFile(keyFile, `${sshd.hostKeyPublic}\n`);
    const fp = (await runChecked('ssh-keygen', ['-lf', keyFile])).stdout.split(' ')[1];
    expect(prompter.calls[0]).toEqual({
      kind: 'unknown-host-key',
      host: sshd.host,
      port: sshd.port,
      keyType: 'ED25519',
      fingerprint: fp,
    });
    expect(await readFile(kh, 'utf8')).toContain(sshd.hostKeyPublic.split(' ')[1]);
  });
});

describe('exec and the link', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd({ userCertificate: true });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('carries stdin, stdout, stderr, the exit status and its environment', async () => {
    const c = await connect(await resolved(sshd), scripted());
    try {
      const r = await remoteExec(c, 'cat; printf "[%s]" "$HFT_X" >&2; exit 5', {
        stdin: Buffer.from('from stdin\n'),
        env: { HFT_X: 'a b "c"' },
      });
      expect(r).toEqual({
        code: 5,
        stdout: 'from stdin\n',
        stderr: '[a b "c"]',
        ran: true,
        preamble: '',
      });
    } finally {
      c.end();
    }
  });

  it('gives up a black-holed link within the keepalive limit, and says so', async () => {
    const proxy = await startFaultProxy({ target: { host: sshd.host, port: sshd.port } });
    try {
      const c = await connect(
        await resolved(sshd, [`Port=${proxy.port}`, `HostKeyAlias=[${sshd.host}]:${sshd.port}`]),
        scripted(),
      );
      const errors: string[] = [];
      c.on('error', (e: Error) => errors.push(e.message));
      const closed = new Promise<number>((resolve) => c.on('close', () => resolve(Date.now())));
      const start = Date.now();
      proxy.blackhole();
      const took = (await closed) - start;
      console.log(`[openssh transport] black-hole → master gone: ${took} ms (keepalive 1 s × 3)`);
      expect(took).toBeLessThan(6_000);
      expect(errors.join(' ')).toMatch(
        /OpenSSH ended the connection: Timeout, server .* not responding/,
      );
    } finally {
      await proxy.close();
    }
  });

  it('runs overlapping masters on separate sockets: ending one leaves the others working', async () => {
    const host = await resolved(sshd);
    const clients = await Promise.all([1, 2, 3].map(() => connect(host, scripted())));
    try {
      clients[0]!.end();
      await new Promise((r) => clients[0]!.on('close', r));
      for (const c of clients.slice(1))
        expect((await remoteExec(c, 'echo up')).stdout).toBe('up\n');
      const r = await new Promise<Error | undefined>((resolve) =>
        clients[0]!.exec('true', (err) => resolve(err)),
      );
      expect(r?.message).toMatch(/OpenSSH connection is closed/);
    } finally {
      for (const c of clients) c.end();
    }
  });
});
