/**
 * Proves the authentication order and bookkeeping without a server: the handler is driven
 * the way ssh2 drives it (first call with nulls, then once per failure with the methods the
 * server still allows), and each offer, prompt, cached answer and failure reason is checked.
 * A real ssh-agent (started here, ended by pid) checks the agent path.
 */
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AnyAuthMethod } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PromptAnswer, PromptRequest, Prompter } from '../../main/engine/prompts';
import type { OneAgentKey } from '../../main/engine/ssh/agentKeys';
import { createAuthSession, type AuthSession } from '../../main/engine/ssh/auth';
import { noOpenSshOnly, type ResolvedHost } from '../../main/engine/ssh/config';
import { CredentialCache } from '../../main/engine/ssh/credentials';
import { startSshAgent, type SshAgent } from '../support/sshAgent';

let dir: string;
let plainKey: string;
let encKey: string;
let agent: SshAgent | undefined;

function keygen(name: string, passphrase = ''): string {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', name, '-f', file]);
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hft-auth-'));
  plainKey = keygen('plain');
  encKey = keygen('enc', 'right horse');
});

afterAll(async () => {
  agent?.stop();
  await rm(dir, { recursive: true, force: true });
});

function host(over: Partial<ResolvedHost> = {}): ResolvedHost {
  return {
    alias: 'web',
    hostName: 'web.example',
    port: 22,
    user: 'alice',
    identityFiles: [],
    identitiesOnly: false,
    identityAgent: undefined,
    forwardAgent: false,
    proxyJump: [],
    userKnownHostsFiles: [],
    globalKnownHostsFiles: [],
    hostKeyAlias: undefined,
    hashKnownHosts: false,
    strictHostKeyChecking: 'ask',
    serverAliveInterval: 5,
    serverAliveCountMax: 3,
    connectTimeout: undefined,
    preferredAuthentications: ['publickey', 'keyboard-interactive', 'password'],
    numberOfPasswordPrompts: 3,
    sendEnv: [],
    setEnv: {},
    transport: 'auto',
    openssh: noOpenSshOnly(),
    forwards: [],
    exitOnForwardFailure: false,
    gatewayPorts: false,
    origin: { configFile: undefined, home: dir, localUser: 'alice' },
    ...over,
  };
}

/** Answers prompts from a list, in order, and records them. */
function scripted(...answers: PromptAnswer[]): Prompter & { calls: PromptRequest[] } {
  const calls: PromptRequest[] = [];
  const fn = (async (req: PromptRequest) => {
    calls.push(req);
    return answers.shift() ?? { kind: 'cancel' };
  }) as Prompter & { calls: PromptRequest[] };
  fn.calls = calls;
  return fn;
}

const text = (...values: string[]): PromptAnswer => ({ kind: 'text', values });

/**
 * Starts the test's own ssh-agent once (own socket, ended by pid in afterAll) holding, in
 * this order: plain, enc (added with its passphrase), agentonly (no IdentityFile names it).
 */
async function startAgent(): Promise<string> {
  agent ??= await startSshAgent(dir, [
    { file: plainKey },
    { file: encKey, passphrase: 'right horse' },
    { file: keygen('agentonly') },
  ]);
  return agent.sock;
}

/** Drives the handler like ssh2: returns the next offer (false when it gives up). */
function step(
  s: AuthSession,
  methodsLeft: string[] | null,
  partial: boolean | null = null,
): Promise<AnyAuthMethod | false> {
  return new Promise((resolve) => {
    s.authHandler(methodsLeft as never, partial as never, (m) =>
      resolve(m as AnyAuthMethod | false),
    );
  });
}

function describeOffer(m: AnyAuthMethod | false): string {
  if (m === false) return 'give up';
  if (m.type === 'publickey') return `publickey:${(m.key as { comment: string }).comment}`;
  if (m.type === 'password') return `password:${m.password}`;
  if (m.type === 'agent') return `agent:${(m.agent as OneAgentKey).key.comment}`;
  return m.type;
}

/** Drives until the handler gives up, rejecting every offer; returns the offers. */
async function rejectAll(s: AuthSession, methodsLeft: string[]): Promise<string[]> {
  const offers: string[] = [];
  let m = await step(s, null);
  for (let i = 0; i < 30; i++) {
    offers.push(describeOffer(m));
    if (m === false) break;
    m = await step(s, methodsLeft);
  }
  return offers;
}

const ALL = ['publickey', 'keyboard-interactive', 'password'];

describe('order and skipping', () => {
  it('tries none, then keys, then keyboard-interactive and password up to NumberOfPasswordPrompts times each, as OpenSSH does', async () => {
    const s = createAuthSession(host({ identityFiles: [plainKey] }), {
      prompter: scripted(text('p1'), text('p2'), text('p3')),
      credentials: new CredentialCache(),
      env: {},
    });
    expect(await rejectAll(s, ALL)).toEqual([
      'none',
      'publickey:plain',
      'keyboard-interactive',
      'keyboard-interactive',
      'keyboard-interactive',
      'password:p1',
      'password:p2',
      'password:p3',
      'give up',
    ]);
  });

  it('a host that let us in this run is not asked with none again (one round trip fewer on a reconnect)', async () => {
    const credentials = new CredentialCache();
    const first = createAuthSession(host({ identityFiles: [plainKey] }), {
      prompter: scripted(),
      credentials,
      env: {},
    });
    expect(describeOffer(await step(first, null))).toBe('none');
    expect(describeOffer(await step(first, ALL))).toBe('publickey:plain');
    first.succeeded();
    const again = createAuthSession(host({ identityFiles: [plainKey] }), {
      prompter: scripted(),
      credentials,
      env: {},
    });
    expect(describeOffer(await step(again, null))).toBe('publickey:plain');
    // Another port of the same name is another server: it starts with none.
    const other = createAuthSession(host({ identityFiles: [plainKey], port: 2222 }), {
      prompter: scripted(),
      credentials,
      env: {},
    });
    expect(describeOffer(await step(other, null))).toBe('none');
  });

  it('skips methods the server does not allow, without prompting for them', async () => {
    const prompter = scripted();
    const s = createAuthSession(host({ identityFiles: [plainKey] }), {
      prompter,
      credentials: new CredentialCache(),
      env: {},
    });
    expect(await rejectAll(s, ['publickey'])).toEqual(['none', 'publickey:plain', 'give up']);
    expect(prompter.calls).toEqual([]);
  });

  it('follows PreferredAuthentications', async () => {
    const s = createAuthSession(
      host({
        identityFiles: [plainKey],
        preferredAuthentications: ['password', 'publickey'],
        numberOfPasswordPrompts: 1,
      }),
      {
        prompter: scripted(text('pw')),
        credentials: new CredentialCache(),
        env: {},
      },
    );
    expect(await rejectAll(s, ALL)).toEqual(['none', 'password:pw', 'publickey:plain', 'give up']);
  });

  it('the failure names every method tried and why', async () => {
    const s = createAuthSession(
      host({ identityFiles: [plainKey, path.join(dir, 'missing')], numberOfPasswordPrompts: 1 }),
      {
        prompter: scripted(text('pw')),
        credentials: new CredentialCache(),
        env: {},
      },
    );
    await rejectAll(s, ['publickey', 'password']);
    const err = s.failure();
    expect(err).toMatchObject({ kind: 'auth', retryable: false, user: 'alice', host: 'web' });
    expect(err.message).toBe(
      'Permission denied for alice@web (tried: agent: no agent (SSH_AUTH_SOCK is not set); ' +
        'key ~/plain: not accepted; key ~/missing: file not found; password: wrong). The server accepts: publickey, password.',
    );
  });

  it('a partial success is recorded as accepted and the next method follows', async () => {
    const s = createAuthSession(host({ identityFiles: [plainKey], numberOfPasswordPrompts: 1 }), {
      prompter: scripted(text('pw')),
      credentials: new CredentialCache(),
      env: {},
    });
    await step(s, null);
    expect(describeOffer(await step(s, ALL))).toBe('publickey:plain');
    expect(describeOffer(await step(s, ['password'], true))).toBe('password:pw');
    expect(s.attempts()[1]).toEqual({
      method: 'publickey',
      label: 'key ~/plain',
      outcome: 'accepted, but the server wants another method too',
    });
  });
});

describe('key files', () => {
  it('an encrypted key asks for its passphrase again after a wrong one', async () => {
    const prompter = scripted(text('wrong'), text('right horse'));
    const creds = new CredentialCache();
    const s = createAuthSession(host({ identityFiles: [encKey] }), {
      prompter,
      credentials: creds,
      env: {},
    });
    await step(s, null);
    expect(describeOffer(await step(s, ['publickey']))).toBe('publickey:enc');
    expect(prompter.calls).toEqual([
      { kind: 'passphrase', keyPath: encKey },
      { kind: 'passphrase', keyPath: encKey },
    ]);
    expect(creds.get({ kind: 'passphrase', keyPath: encKey })).toEqual(['right horse']);
  });

  it('a remembered passphrase is used without asking', async () => {
    const creds = new CredentialCache();
    creds.set({ kind: 'passphrase', keyPath: encKey }, ['right horse']);
    const prompter = scripted();
    const s = createAuthSession(host({ identityFiles: [encKey] }), {
      prompter,
      credentials: creds,
      env: {},
    });
    await step(s, null);
    expect(describeOffer(await step(s, ['publickey']))).toBe('publickey:enc');
    expect(prompter.calls).toEqual([]);
  });

  it('a remembered passphrase that is wrong is forgotten and asked again', async () => {
    const creds = new CredentialCache();
    creds.set({ kind: 'passphrase', keyPath: encKey }, ['stale']);
    const prompter = scripted(text('right horse'));
    const s = createAuthSession(host({ identityFiles: [encKey] }), {
      prompter,
      credentials: creds,
      env: {},
    });
    await step(s, null);
    expect(describeOffer(await step(s, ['publickey']))).toBe('publickey:enc');
    expect(prompter.calls).toHaveLength(1);
  });

  it('three wrong passphrases give up on that key with a reason', async () => {
    const s = createAuthSession(host({ identityFiles: [encKey] }), {
      prompter: scripted(text('a'), text('b'), text('c')),
      credentials: new CredentialCache(),
      env: {},
    });
    expect(await rejectAll(s, ['publickey'])).toEqual(['none', 'give up']);
    expect(s.attempts().at(-1)).toEqual({
      method: 'publickey',
      label: 'key ~/enc',
      outcome: 'wrong passphrase (3 tries)',
    });
  });

  it('a cancelled passphrase prompt skips the key and goes on', async () => {
    const s = createAuthSession(host({ identityFiles: [encKey, plainKey] }), {
      prompter: scripted({ kind: 'cancel' }),
      credentials: new CredentialCache(),
      env: {},
    });
    expect(await rejectAll(s, ['publickey'])).toEqual(['none', 'publickey:plain', 'give up']);
    expect(s.attempts().find((a) => a.label === 'key ~/enc')?.outcome).toBe(
      'no passphrase given (prompt cancelled)',
    );
  });

  const unusable: { name: string; make: () => Promise<string>; reason: RegExp }[] = [
    {
      name: 'a missing file',
      make: async () => path.join(dir, 'nope'),
      reason: /^file not found$/,
    },
    {
      name: 'a key others can read',
      make: async () => {
        const f = keygen(`open${Math.random()}`);
        await chmod(f, 0o644);
        return f;
      },
      reason: /^permissions 0644 are too open, others could read the key: run chmod 600 ~\/open/,
    },
    {
      name: 'a public key instead of a private one',
      make: async () => `${plainKey}.pub`,
      reason: /is a public key/,
    },
    {
      name: 'a file that is not a key',
      make: async () => {
        const f = path.join(dir, 'garbage');
        await writeFile(f, 'hello', { mode: 0o600 });
        return f;
      },
      reason: /not a key format Holdfast reads/,
    },
    { name: 'a directory', make: async () => dir, reason: /is not a regular file/ },
  ];
  for (const c of unusable) {
    it(`${c.name} is skipped with a clear reason, not a crash`, async () => {
      const file = await c.make();
      const s = createAuthSession(host({ identityFiles: [file] }), {
        prompter: scripted(),
        credentials: new CredentialCache(),
        env: {},
      });
      expect(await rejectAll(s, ['publickey'])).toEqual(['none', 'give up']);
      expect(s.attempts().at(-1)?.outcome).toMatch(c.reason);
    });
  }
});

describe('passwords', () => {
  it('keeps a password only once the server accepted it', async () => {
    const creds = new CredentialCache();
    const s = createAuthSession(host(), {
      prompter: scripted(text('bad'), text('good')),
      credentials: creds,
      env: {},
    });
    await step(s, null);
    expect(describeOffer(await step(s, ['password']))).toBe('password:bad');
    expect(describeOffer(await step(s, ['password']))).toBe('password:good');
    expect(
      creds.get({ kind: 'password', user: 'alice', host: 'web.example', port: 22 }),
    ).toBeUndefined();
    s.succeeded();
    expect(creds.get({ kind: 'password', user: 'alice', host: 'web.example', port: 22 })).toEqual([
      'good',
    ]);
  });

  it('a silent reconnect uses the remembered password and asks nothing', async () => {
    const creds = new CredentialCache();
    creds.set({ kind: 'password', user: 'alice', host: 'web.example', port: 22 }, ['good']);
    const prompter = scripted();
    const s = createAuthSession(host(), { prompter, credentials: creds, env: {} });
    await step(s, null);
    expect(describeOffer(await step(s, ['password']))).toBe('password:good');
    expect(prompter.calls).toEqual([]);
  });

  it('a remembered password that fails is forgotten and the user is asked', async () => {
    const creds = new CredentialCache();
    const key = { kind: 'password' as const, user: 'alice', host: 'web.example', port: 22 };
    creds.set(key, ['old']);
    const prompter = scripted(text('new'));
    const s = createAuthSession(host(), { prompter, credentials: creds, env: {} });
    await step(s, null);
    expect(describeOffer(await step(s, ['password']))).toBe('password:old');
    expect(describeOffer(await step(s, ['password']))).toBe('password:new');
    expect(creds.get(key)).toBeUndefined();
    expect(prompter.calls).toEqual([{ kind: 'password', user: 'alice', host: 'web' }]);
  });

  it('cancelling the password prompt stops the dial', async () => {
    const cancelled: string[] = [];
    const s = createAuthSession(host(), {
      prompter: scripted({ kind: 'cancel' }),
      credentials: new CredentialCache(),
      env: {},
      onCancel: (what) => cancelled.push(what),
    });
    await step(s, null);
    expect(await step(s, ['password'])).toBe(false);
    expect(cancelled).toEqual(['the password prompt']);
  });
});

describe('keyboard-interactive', () => {
  it('passes each round to the prompter and its answers to the server', async () => {
    const prompter = scripted(text('hunter2', '123456'));
    const s = createAuthSession(host(), { prompter, credentials: new CredentialCache(), env: {} });
    await step(s, null);
    const m = await step(s, ['keyboard-interactive']);
    if (m === false || m.type !== 'keyboard-interactive')
      throw new Error('expected keyboard-interactive');
    const answers = await new Promise<string[]>((resolve) =>
      m.prompt(
        'Login',
        'Two things',
        '',
        [
          { prompt: 'Password: ', echo: false },
          { prompt: 'Code: ', echo: true },
        ],
        resolve,
      ),
    );
    expect(answers).toEqual(['hunter2', '123456']);
    expect(prompter.calls).toEqual([
      {
        kind: 'keyboard-interactive',
        name: 'Login',
        instructions: 'Two things',
        questions: [
          { text: 'Password: ', echo: false },
          { text: 'Code: ', echo: true },
        ],
      },
    ]);
  });

  it('remembers a password-like round after success, but never a one-time code', async () => {
    const creds = new CredentialCache();
    const run = async (prompter: Prompter, question: string): Promise<string[]> => {
      const s = createAuthSession(host(), { prompter, credentials: creds, env: {} });
      // `none` comes first only until the host let us in once.
      let m = await step(s, null);
      if (m !== false && m.type === 'none') m = await step(s, ['keyboard-interactive']);
      if (m === false || m.type !== 'keyboard-interactive')
        throw new Error('expected keyboard-interactive');
      const answers = await new Promise<string[]>((resolve) =>
        m.prompt('', '', '', [{ prompt: question, echo: false }], resolve),
      );
      s.succeeded();
      return answers;
    };
    await run(scripted(text('pw')), 'Password: ');
    const quiet = scripted();
    expect(await run(quiet, 'Password: ')).toEqual(['pw']);
    expect(quiet.calls).toEqual([]);
    await run(scripted(text('111111')), 'Verification code: ');
    const asked = scripted(text('222222'));
    expect(await run(asked, 'Verification code: ')).toEqual(['222222']);
    expect(asked.calls).toHaveLength(1);
  });
});

describe('ssh-agent', () => {
  it('an agent socket that does not exist is a reason, and key files still follow', async () => {
    const s = createAuthSession(host({ identityFiles: [plainKey] }), {
      prompter: scripted(),
      credentials: new CredentialCache(),
      env: { SSH_AUTH_SOCK: path.join(dir, 'no-agent.sock') },
    });
    expect(await rejectAll(s, ['publickey'])).toEqual(['none', 'publickey:plain', 'give up']);
    expect(s.attempts()[0]?.outcome).toMatch(/^cannot reach the agent at .*no-agent\.sock/);
  });

  it('offers agent keys an IdentityFile names first, then the other agent keys, then the remaining files', async () => {
    const agentSock = await startAgent();
    const other = keygen('other');
    const s = createAuthSession(host({ identityFiles: [other, plainKey] }), {
      prompter: scripted(),
      credentials: new CredentialCache(),
      env: { SSH_AUTH_SOCK: agentSock },
    });
    // OpenSSH's pubkey_prepare order: plain (named by a file, via the agent), enc and
    // agentonly (the agent's other keys), then other (a file the agent does not hold).
    expect(await rejectAll(s, ['publickey'])).toEqual([
      'none',
      'agent:plain',
      'agent:enc',
      'agent:agentonly',
      'publickey:other',
      'give up',
    ]);
    expect(s.attempts().map((a) => `${a.label}: ${a.outcome}`)).toEqual([
      'key ~/plain (via the agent): not accepted',
      'agent key enc: not accepted',
      'agent key agentonly: not accepted',
      'key ~/other: not accepted',
    ]);
  });

  it('IdentitiesOnly offers only the agent keys an IdentityFile names', async () => {
    const agentSock = await startAgent();
    const s = createAuthSession(host({ identityFiles: [plainKey], identitiesOnly: true }), {
      prompter: scripted(),
      credentials: new CredentialCache(),
      env: { SSH_AUTH_SOCK: agentSock },
    });
    expect(await rejectAll(s, ['publickey'])).toEqual(['none', 'agent:plain', 'give up']);
  });

  it('an encrypted IdentityFile the agent holds is signed by the agent, its passphrase never asked', async () => {
    const agentSock = await startAgent();
    const prompter = scripted();
    const s = createAuthSession(host({ identityFiles: [encKey], identitiesOnly: true }), {
      prompter,
      credentials: new CredentialCache(),
      env: { SSH_AUTH_SOCK: agentSock },
    });
    expect(await rejectAll(s, ['publickey'])).toEqual(['none', 'agent:enc', 'give up']);
    expect(prompter.calls).toEqual([]);
  });

  const pubOnly = [
    { name: 'a .pub IdentityFile', identityFile: 'only.pub' },
    { name: 'a missing private IdentityFile with its .pub beside it', identityFile: 'gone' },
  ];
  for (const c of pubOnly) {
    it(`${c.name} selects the agent key, with no private key file anywhere`, async () => {
      const agentSock = await startAgent();
      const lone = await mkdtemp(path.join(dir, 'lone-'));
      await copyFile(
        `${plainKey}.pub`,
        path.join(lone, c.identityFile.replace(/(\.pub)?$/, '.pub')),
      );
      const s = createAuthSession(
        host({ identityFiles: [path.join(lone, c.identityFile)], identitiesOnly: true }),
        {
          prompter: scripted(),
          credentials: new CredentialCache(),
          env: { SSH_AUTH_SOCK: agentSock },
        },
      );
      expect(await rejectAll(s, ['publickey'])).toEqual(['none', 'agent:plain', 'give up']);
    });
  }

  it('a .pub IdentityFile the agent does not hold is a reason naming the file and ssh-add', async () => {
    const agentSock = await startAgent();
    const stranger = keygen('stranger');
    const s = createAuthSession(
      host({ identityFiles: [`${stranger}.pub`], identitiesOnly: true }),
      {
        prompter: scripted(),
        credentials: new CredentialCache(),
        env: { SSH_AUTH_SOCK: agentSock },
      },
    );
    expect(await rejectAll(s, ['publickey'])).toEqual(['none', 'give up']);
    expect(s.attempts()).toEqual([
      {
        method: 'publickey',
        label: 'key ~/stranger.pub',
        outcome: expect.stringMatching(
          /^is a public key, and it is not loaded in the agent \(.*agent\.sock\): add it with ssh-add ~\/stranger /,
        ),
      },
    ]);
  });

  it('a .pub IdentityFile without any agent says that no agent is running', async () => {
    const s = createAuthSession(
      host({ identityFiles: [`${plainKey}.pub`], identitiesOnly: true }),
      {
        prompter: scripted(),
        credentials: new CredentialCache(),
        env: {},
      },
    );
    expect(await rejectAll(s, ['publickey'])).toEqual(['none', 'give up']);
    expect(s.attempts()[0]?.outcome).toMatch(
      /^is a public key, and it is not loaded in the agent: no agent is running \(SSH_AUTH_SOCK is not set\)/,
    );
  });
});
