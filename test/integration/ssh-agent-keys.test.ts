/**
 * Keys held by an ssh-agent (the 1Password / Secretive / KeePassXC / gpg-agent setup),
 * against a real sshd (test/support/sshd.ts) and a real `ssh-agent` started here (own
 * socket, ended by pid in afterAll). Each case is also run through the system `ssh -v`
 * with the same options, and Holdfast must come out the same way OpenSSH does.
 *
 * The bed's client key is encrypted; the agent holds it (added with its passphrase),
 * plus one key the server does not know.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PromptRequest, Prompter } from '../../main/engine/prompts';
import { resolveHost, type ResolvedHost } from '../../main/engine/ssh/config';
import { CredentialCache } from '../../main/engine/ssh/credentials';
import { dial } from '../../main/engine/ssh/dial';
import type { DialError } from '../../main/engine/ssh/errors';
import { run, type RunResult } from '../support/proc';
import { startSshAgent, type SshAgent } from '../support/sshAgent';
import { closeSsh2, ssh2Exec } from '../support/ssh2Client';
import { sshKeygen, startSshd, stopAllSshd, type Sshd } from '../support/sshd';

afterAll(stopAllSshd);

let sshd: Sshd;
let scratch: string;
let agentSock: string;
let agent: SshAgent | undefined;
/** A key the agent holds that the server does not know, and one nobody holds. */
let strangerKey: string;
let unloadedKey: string;

/** SHA256 fingerprint of a .pub file, as sshd logs it. */
function fingerprintOf(pubFile: string): string {
  const line = execFileSync('ssh-keygen', ['-l', '-f', pubFile], { encoding: 'utf8' });
  return line.split(/\s+/)[1] as string;
}

beforeAll(async () => {
  sshd = await startSshd({ passphrase: true });
  scratch = await mkdtemp(path.join(os.tmpdir(), 'hft-agent-keys-'));
  strangerKey = path.join(scratch, 'stranger');
  unloadedKey = path.join(scratch, 'unloaded');
  for (const file of [strangerKey, unloadedKey])
    await sshKeygen(file, 'ed25519', '', path.basename(file));
  agent = await startSshAgent(scratch, [
    { file: sshd.keyPath, passphrase: sshd.passphrase as string },
    { file: strangerKey },
  ]);
  agentSock = agent.sock;
});

afterAll(async () => {
  agent?.stop();
  await rm(scratch, { recursive: true, force: true });
});

/** A fresh empty home, so no default key or config leaks in. */
async function freshHome(): Promise<string> {
  const home = await mkdtemp(path.join(scratch, 'home-'));
  await mkdir(path.join(home, '.ssh'), { mode: 0o700 });
  return home;
}

/** The ssh_config options of one case (the same for Holdfast and for ssh). */
function caseOptions(
  identityFile: string,
  agentOption: 'IdentityAgent' | 'SSH_AUTH_SOCK',
): string[] {
  return [
    `IdentityFile=${identityFile}`,
    'IdentitiesOnly=yes',
    ...(agentOption === 'IdentityAgent' ? [`IdentityAgent=${agentSock}`] : []),
    `UserKnownHostsFile=${sshd.knownHostsFile}`,
    'GlobalKnownHostsFile=/dev/null',
    'StrictHostKeyChecking=yes',
    'PreferredAuthentications=publickey',
  ];
}

async function resolveCase(options: string[]): Promise<ResolvedHost> {
  const r = await resolveHost({
    destination: `${sshd.user}@${sshd.host}`,
    configFile: 'none',
    port: sshd.port,
    options,
    home: await freshHome(),
    env: {},
  });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Counts prompts; answers none (a passphrase prompt is what these cases must avoid). */
function counting(): Prompter & { calls: PromptRequest[] } {
  const calls: PromptRequest[] = [];
  const fn = (async (req: PromptRequest) => {
    calls.push(req);
    return { kind: 'cancel' };
  }) as Prompter & { calls: PromptRequest[] };
  fn.calls = calls;
  return fn;
}

/** Holdfast's outcome: the command's output, or the dial error. */
async function holdfast(
  options: string[],
  env: Record<string, string>,
  prompter: Prompter,
): Promise<{ ok: true; stdout: string } | { ok: false; error: DialError }> {
  const host = await resolveCase(options);
  const r = await dial(host, { prompter, credentials: new CredentialCache(), env });
  if (!r.ok) return r;
  try {
    return {
      ok: true,
      stdout: (await ssh2Exec(r.value, 'echo in-as-$(id -un)')).stdout.toString(),
    };
  } finally {
    closeSsh2(r.value);
  }
}

/** OpenSSH's outcome with the same options, never prompting (BatchMode). */
function openssh(options: string[], env: Record<string, string>): Promise<RunResult> {
  return run(
    'ssh',
    [
      '-v',
      '-F',
      '/dev/null',
      '-p',
      String(sshd.port),
      ...options.flatMap((o) => ['-o', o]),
      '-o',
      'BatchMode=yes',
      `${sshd.user}@${sshd.host}`,
      'echo in-as-$(id -un)',
    ],
    // No SSH_ASKPASS: OpenSSH must get in without the passphrase too.
    { env: { SSH_AUTH_SOCK: '', SSH_ASKPASS: '', DISPLAY: '', ...env }, timeoutMs: 20_000 },
  );
}

/** sshd's log lines about `fp` from this point on. */
async function logMark(): Promise<(fp: string) => Promise<string[]>> {
  const before = (await sshd.readLog()).length;
  return async (fp) =>
    (await sshd.readLog())
      .slice(before)
      .split('\n')
      .filter((l) => l.includes(fp));
}

describe('keys held by an ssh-agent', () => {
  it('a .pub IdentityFile with IdentitiesOnly logs in through the agent, with no private key file present', async () => {
    // (a) The 1Password setup: ~/.ssh/key.pub names the key, the agent holds it.
    const lone = path.join(scratch, 'pub-only');
    await mkdir(lone, { mode: 0o700 });
    const pub = path.join(lone, 'work.pub');
    await copyFile(`${sshd.keyPath}.pub`, pub);
    const options = caseOptions(pub, 'IdentityAgent');
    const prompter = counting();
    const ours = await holdfast(options, {}, prompter);
    expect(ours).toEqual({ ok: true, stdout: `in-as-${sshd.user}\n` });
    expect(prompter.calls).toEqual([]);
    const theirs = await openssh(options, {});
    expect(theirs.code, theirs.stderr).toBe(0);
    expect(theirs.stderr).toMatch(/Offering public key: .*work\.pub .* explicit agent/);
  });

  it('an encrypted IdentityFile the agent also holds logs in without asking for the passphrase', async () => {
    // (b) Agent found through SSH_AUTH_SOCK; the key file is the encrypted original.
    const options = caseOptions(sshd.keyPath, 'SSH_AUTH_SOCK');
    const prompter = counting();
    const ours = await holdfast(options, { SSH_AUTH_SOCK: agentSock }, prompter);
    expect(ours).toEqual({ ok: true, stdout: `in-as-${sshd.user}\n` });
    expect(prompter.calls).toHaveLength(0);
    const theirs = await openssh(options, { SSH_AUTH_SOCK: agentSock });
    expect(theirs.code, theirs.stderr).toBe(0);
    expect(theirs.stderr).toMatch(/Server accepts key: .* explicit agent/);
  });

  it('an encrypted IdentityFile the agent does not hold asks for its passphrase once, then the cache answers', async () => {
    // No agent at all: the file is the only way in. The second dial (a silent reconnect)
    // shares the CredentialCache and must not ask again.
    const host = await resolveCase(caseOptions(sshd.keyPath, 'SSH_AUTH_SOCK'));
    const credentials = new CredentialCache();
    const calls: PromptRequest[] = [];
    const prompter: Prompter = async (req) => {
      calls.push(req);
      return { kind: 'text', values: [sshd.passphrase as string] };
    };
    for (let i = 0; i < 2; i++) {
      const r = await dial(host, { prompter, credentials, env: {} });
      if (!r.ok) throw new Error(r.error.message);
      closeSsh2(r.value);
    }
    expect(calls).toEqual([{ kind: 'passphrase', keyPath: sshd.keyPath }]);
  });

  it('IdentitiesOnly keeps the agent’s other keys out, even one the server would accept', async () => {
    // (c) The agent holds the server's key, but the config names only another key: the
    // agent's key must not be offered, so the login fails (as with ssh), and sshd never
    // sees the agent key.
    const options = caseOptions(unloadedKey, 'IdentityAgent');
    const serverKey = fingerprintOf(`${sshd.keyPath}.pub`);
    const wrongKey = fingerprintOf(`${unloadedKey}.pub`);
    const seen = await logMark();
    const ours = await holdfast(options, {}, counting());
    expect(ours.ok).toBe(false);
    if (!ours.ok) {
      expect(ours.error.kind).toBe('auth');
      expect(ours.error.message).toContain(`key ${unloadedKey}: not accepted`);
      expect(ours.error.message).not.toMatch(/agent key/);
    }
    expect(await seen(wrongKey)).not.toEqual([]);
    expect(await seen(serverKey)).toEqual([]);
    const theirs = await openssh(options, {});
    expect(theirs.code).toBe(255);
    expect(theirs.stderr).toContain(`Offering public key: ${unloadedKey}`);
    expect(theirs.stderr).not.toContain(serverKey);
  });

  it('a .pub IdentityFile whose key is not in the agent fails with the file named and ssh-add as the fix', async () => {
    // (d) The key manager is locked, or the key was never added.
    const lone = path.join(scratch, 'pub-unloaded');
    await mkdir(lone, { mode: 0o700 });
    const pub = path.join(lone, 'unloaded.pub');
    await copyFile(`${unloadedKey}.pub`, pub);
    const options = caseOptions(pub, 'IdentityAgent');
    const ours = await holdfast(options, {}, counting());
    expect(ours.ok).toBe(false);
    if (!ours.ok) {
      expect(ours.error.kind).toBe('auth');
      expect(ours.error.message).toContain(
        `key ${pub}: is a public key, and it is not loaded in the agent (${agentSock}): add it with ssh-add ${path.join(lone, 'unloaded')}`,
      );
    }
    const theirs = await openssh(options, {});
    expect(theirs.code).toBe(255);
  });
});
