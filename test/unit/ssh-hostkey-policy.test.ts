/**
 * Proves the host-key policy table (StrictHostKeyChecking × what known_hosts says), that a
 * changed key is refused loudly with both fingerprints, that `ask` prompts exactly when the
 * key is unknown, and that the ssh2 verifier records accepted keys where the policy says.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PromptAnswer, PromptRequest, Prompter } from '../../main/engine/prompts';
import {
  noOpenSshOnly,
  type ResolvedHost,
  type StrictHostKeyChecking,
} from '../../main/engine/ssh/config';
import { CredentialCache } from '../../main/engine/ssh/credentials';
import { fingerprint } from '../../main/engine/ssh/fingerprint';
import { decideHostKey } from '../../main/engine/ssh/hostKeyPolicy';
import { createHostVerifier } from '../../main/engine/ssh/hostVerifier';
import type { HostKeyCheck } from '../../main/engine/ssh/knownHostsParse';

let dir: string;
let blob: Buffer;
let oldBlob: Buffer;

function keyBlob(name: string): Buffer {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  return Buffer.from(
    execFileSync('cat', [`${file}.pub`])
      .toString()
      .split(' ')[1] as string,
    'base64',
  );
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hft-policy-'));
  blob = keyBlob('new');
  oldBlob = keyBlob('old');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function host(
  strict: StrictHostKeyChecking,
  knownHosts: string[] = [path.join(dir, 'kh')],
): ResolvedHost {
  return {
    alias: 'web',
    hostName: '127.0.0.1',
    port: 2222,
    user: 'alice',
    identityFiles: [],
    identitiesOnly: false,
    identityAgent: undefined,
    forwardAgent: false,
    proxyJump: [],
    userKnownHostsFiles: knownHosts,
    globalKnownHostsFiles: [],
    hostKeyAlias: undefined,
    hashKnownHosts: false,
    strictHostKeyChecking: strict,
    serverAliveInterval: 5,
    serverAliveCountMax: 3,
    connectTimeout: undefined,
    preferredAuthentications: ['publickey'],
    numberOfPasswordPrompts: 3,
    sendEnv: [],
    setEnv: {},
    transport: 'auto',
    openssh: noOpenSshOnly(),
    forwards: [],
    exitOnForwardFailure: false,
    gatewayPorts: false,
    origin: { configFile: undefined, home: dir, localUser: 'alice' },
  };
}

/** A prompter that answers from a script and counts its calls. */
function scripted(answer: PromptAnswer): Prompter & { calls: PromptRequest[] } {
  const calls: PromptRequest[] = [];
  const fn = (async (req: PromptRequest) => {
    calls.push(req);
    return answer;
  }) as Prompter & { calls: PromptRequest[] };
  fn.calls = calls;
  return fn;
}

const checks: Record<'match' | 'unknown' | 'changed' | 'revoked', () => HostKeyCheck> = {
  match: () => ({ kind: 'match', file: 'kh', line: 1, notes: [] }),
  unknown: () => ({ kind: 'unknown', notes: [] }),
  changed: () => ({
    kind: 'changed',
    expected: [
      {
        fingerprint: fingerprint(oldBlob),
        keyType: 'ssh-ed25519',
        file: '/home/alice/.ssh/known_hosts',
        line: 7,
      },
    ],
    notes: [],
  }),
  revoked: () => ({ kind: 'revoked', file: '/home/alice/.ssh/known_hosts', line: 3, notes: [] }),
};

describe('the policy table', () => {
  const table: {
    strict: StrictHostKeyChecking;
    check: keyof typeof checks;
    answer?: PromptAnswer;
    expect: string;
    prompts: number;
  }[] = [
    { strict: 'yes', check: 'match', expect: 'accept:no', prompts: 0 },
    { strict: 'yes', check: 'unknown', expect: 'refuse:host-key-unknown-refused', prompts: 0 },
    { strict: 'yes', check: 'changed', expect: 'refuse:host-key-changed', prompts: 0 },
    { strict: 'yes', check: 'revoked', expect: 'refuse:host-key-revoked', prompts: 0 },
    { strict: 'accept-new', check: 'match', expect: 'accept:no', prompts: 0 },
    { strict: 'accept-new', check: 'unknown', expect: 'accept:known-hosts', prompts: 0 },
    { strict: 'accept-new', check: 'changed', expect: 'refuse:host-key-changed', prompts: 0 },
    { strict: 'accept-new', check: 'revoked', expect: 'refuse:host-key-revoked', prompts: 0 },
    { strict: 'no', check: 'match', expect: 'accept:no', prompts: 0 },
    { strict: 'no', check: 'unknown', expect: 'accept:known-hosts', prompts: 0 },
    { strict: 'no', check: 'changed', expect: 'refuse:host-key-changed', prompts: 0 },
    { strict: 'no', check: 'revoked', expect: 'refuse:host-key-revoked', prompts: 0 },
    { strict: 'ask', check: 'match', expect: 'accept:no', prompts: 0 },
    { strict: 'ask', check: 'changed', expect: 'refuse:host-key-changed', prompts: 0 },
    { strict: 'ask', check: 'revoked', expect: 'refuse:host-key-revoked', prompts: 0 },
    {
      strict: 'ask',
      check: 'unknown',
      answer: { kind: 'host-key', decision: 'trust-once' },
      expect: 'accept:this-run',
      prompts: 1,
    },
    {
      strict: 'ask',
      check: 'unknown',
      answer: { kind: 'host-key', decision: 'trust-and-remember' },
      expect: 'accept:known-hosts',
      prompts: 1,
    },
    {
      strict: 'ask',
      check: 'unknown',
      answer: { kind: 'cancel' },
      expect: 'refuse:host-key-unknown-refused',
      prompts: 1,
    },
  ];
  for (const row of table) {
    const answered =
      row.answer === undefined
        ? ''
        : ` answered ${row.answer.kind === 'host-key' ? row.answer.decision : 'cancel'}`;
    it(`StrictHostKeyChecking=${row.strict} with a ${row.check} key${answered} → ${row.expect}`, async () => {
      const prompter = scripted(row.answer ?? { kind: 'cancel' });
      const d = await decideHostKey(
        host(row.strict),
        checks[row.check](),
        { keyType: 'ssh-ed25519', blob },
        prompter,
      );
      expect(d.kind === 'accept' ? `accept:${d.record}` : `refuse:${d.error.kind}`).toBe(
        row.expect,
      );
      expect(prompter.calls).toHaveLength(row.prompts);
    });
  }

  it('asks with the host, port, key type and SHA256 fingerprint', async () => {
    const prompter = scripted({ kind: 'cancel' });
    await decideHostKey(host('ask'), checks.unknown(), { keyType: 'ssh-ed25519', blob }, prompter);
    expect(prompter.calls).toEqual([
      {
        kind: 'unknown-host-key',
        host: '127.0.0.1',
        port: 2222,
        keyType: 'ssh-ed25519',
        fingerprint: fingerprint(blob),
      },
    ]);
  });

  it('a changed key is refused with both fingerprints and the recorded file:line', async () => {
    const d = await decideHostKey(
      host('no'),
      checks.changed(),
      { keyType: 'ssh-ed25519', blob },
      scripted({ kind: 'cancel' }),
    );
    if (d.kind !== 'refuse') throw new Error('expected a refusal');
    expect(d.error).toMatchObject({
      kind: 'host-key-changed',
      retryable: false,
      fingerprint: fingerprint(blob),
    });
    expect(d.error.message).toMatch(/HAS CHANGED/);
    expect(d.error.message).toContain(fingerprint(blob));
    expect(d.error.message).toContain(`${fingerprint(oldBlob)}  (/home/alice/.ssh/known_hosts:7)`);
    expect(d.error.message).toContain(
      "ssh-keygen -R '[127.0.0.1]:2222' -f /home/alice/.ssh/known_hosts",
    );
  });

  it('an unknown key under yes is refused with how to add it', async () => {
    const d = await decideHostKey(
      host('yes'),
      checks.unknown(),
      { keyType: 'ssh-ed25519', blob },
      scripted({ kind: 'cancel' }),
    );
    if (d.kind !== 'refuse') throw new Error('expected a refusal');
    expect(d.error.message).toContain(fingerprint(blob));
    expect(d.error.message).toMatch(/ssh-keyscan -p 2222 -t ed25519 127\.0\.0\.1 >> /);
  });

  it('with no user known_hosts file, accept-new remembers the key for this run only', async () => {
    const d = await decideHostKey(
      host('accept-new', []),
      checks.unknown(),
      { keyType: 'ssh-ed25519', blob },
      scripted({ kind: 'cancel' }),
    );
    expect(d).toEqual({ kind: 'accept', record: 'this-run' });
  });

  it('the strict override beats the host’s setting', async () => {
    const d = await decideHostKey(
      host('ask'),
      checks.unknown(),
      { keyType: 'ssh-ed25519', blob },
      scripted({ kind: 'cancel' }),
      {
        strict: 'yes',
      },
    );
    expect(d.kind === 'refuse' && d.error.kind).toBe('host-key-unknown-refused');
  });
});

/** Runs the ssh2-style verifier once and resolves with its verdict. */
function verify(v: ReturnType<typeof createHostVerifier>, key: Buffer): Promise<boolean> {
  return new Promise((resolve) => v.hostVerifier(key, resolve));
}

describe('the ssh2 host verifier', () => {
  it('accept-new records the key in the first user known_hosts file, then matches it', async () => {
    const kh = path.join(dir, 'sub', 'known_hosts');
    const creds = new CredentialCache();
    const h = host('accept-new', [kh, path.join(dir, 'second')]);
    expect(
      await verify(
        createHostVerifier(h, { prompter: scripted({ kind: 'cancel' }), credentials: creds }),
        blob,
      ),
    ).toBe(true);
    expect(await readFile(kh, 'utf8')).toMatch(/^\[127\.0\.0\.1\]:2222 ssh-ed25519 /);
    const prompter = scripted({ kind: 'cancel' });
    const again = createHostVerifier(host('ask', [kh]), { prompter, credentials: creds });
    expect(await verify(again, blob)).toBe(true);
    expect(prompter.calls).toHaveLength(0);
  });

  it('trust-once is remembered in memory, so a reconnect does not ask again, and nothing is written', async () => {
    const kh = path.join(dir, 'once_known_hosts');
    const creds = new CredentialCache();
    const first = scripted({ kind: 'host-key', decision: 'trust-once' });
    expect(
      await verify(
        createHostVerifier(host('ask', [kh]), { prompter: first, credentials: creds }),
        blob,
      ),
    ).toBe(true);
    const second = scripted({ kind: 'cancel' });
    expect(
      await verify(
        createHostVerifier(host('ask', [kh]), { prompter: second, credentials: creds }),
        blob,
      ),
    ).toBe(true);
    expect([first.calls.length, second.calls.length]).toEqual([1, 0]);
    await expect(readFile(kh)).rejects.toThrow();
  });

  it('a refusal is kept for the dial to report', async () => {
    const v = createHostVerifier(host('yes', [path.join(dir, 'none')]), {
      prompter: scripted({ kind: 'cancel' }),
      credentials: new CredentialCache(),
    });
    expect(await verify(v, blob)).toBe(false);
    expect(v.refusal()?.kind).toBe('host-key-unknown-refused');
  });

  it('a malformed key blob is refused as a protocol error', async () => {
    const v = createHostVerifier(host('no'), {
      prompter: scripted({ kind: 'cancel' }),
      credentials: new CredentialCache(),
    });
    expect(await verify(v, Buffer.from([1, 2, 3]))).toBe(false);
    expect(v.refusal()?.kind).toBe('protocol');
  });
});
