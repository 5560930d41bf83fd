/**
 * The SSH layer against a real OpenSSH sshd (test/support/sshd.ts), on 127.0.0.1 only:
 * resolve → dial → host key → login → a command runs, for each way in and each way out.
 * Every test opens with what it proves.
 */
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PromptAnswer, PromptRequest, Prompter } from '../../main/engine/prompts';
import { resolveHost, type ResolvedHost } from '../../main/engine/ssh/config';
import { CredentialCache } from '../../main/engine/ssh/credentials';
import { dial, type DialOptions } from '../../main/engine/ssh/dial';
import type { DialError } from '../../main/engine/ssh/errors';
import { fingerprint } from '../../main/engine/ssh/fingerprint';
import { startDelayProxyFor } from '../support/delayProxy';
import { getFreePort } from '../support/ports';
import { startSshAgent } from '../support/sshAgent';
import { pollFor } from '../support/proc';
import { closeSsh2, ssh2Exec } from '../support/ssh2Client';
import { startJumpPair, startSshd, stopAllSshd, type Sshd } from '../support/sshd';

afterAll(stopAllSshd);

const asRoot = process.getuid?.() === 0;
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'hft-ssh-int-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

let n = 0;
/** A fresh, empty home for one test (no ~/.ssh/config, no default keys). */
async function freshHome(): Promise<string> {
  const home = path.join(scratch, `home${n++}`);
  await mkdir(path.join(home, '.ssh'), { recursive: true, mode: 0o700 });
  return home;
}

/** Answers prompts from a list and records them; 'cancel' once the list is empty. */
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

interface Target {
  sshd: Sshd;
  /** known_hosts to use: the bed's line copied, or empty. */
  knownHosts: 'copy' | 'empty';
  strict?: string;
  identityFiles?: string[];
  options?: string[];
}

/** Resolves the bed's server as a user would reach it, with only our own files. */
async function resolveBed(
  t: Target,
): Promise<{ host: ResolvedHost; knownHostsFile: string; home: string }> {
  const home = await freshHome();
  const knownHostsFile = path.join(home, '.ssh', 'known_hosts');
  if (t.knownHosts === 'copy') await copyFile(t.sshd.knownHostsFile, knownHostsFile);
  const r = await resolveHost({
    destination: `${t.sshd.user}@${t.sshd.host}`,
    configFile: 'none',
    port: t.sshd.port,
    identityFiles: t.identityFiles ?? [t.sshd.keyPath],
    options: [
      'IdentitiesOnly=yes',
      'IdentityAgent=none',
      `UserKnownHostsFile=${knownHostsFile}`,
      'GlobalKnownHostsFile=none',
      `StrictHostKeyChecking=${t.strict ?? 'yes'}`,
      ...(t.options ?? []),
    ],
    home,
    env: {},
  });
  if (!r.ok) throw new Error(r.error.message);
  return { host: r.value, knownHostsFile, home };
}

async function dialOk(host: ResolvedHost, opts: Partial<DialOptions> = {}): Promise<Client> {
  const r = await dial(host, {
    prompter: scripted(),
    credentials: new CredentialCache(),
    env: {},
    ...opts,
  });
  if (!r.ok) throw new Error(`dial failed: ${r.error.kind}: ${r.error.message}`);
  return r.value;
}

async function dialErr(host: ResolvedHost, opts: Partial<DialOptions> = {}): Promise<DialError> {
  const r = await dial(host, {
    prompter: scripted(),
    credentials: new CredentialCache(),
    env: {},
    ...opts,
  });
  if (r.ok) {
    closeSsh2(r.value);
    throw new Error('expected the dial to fail');
  }
  return r.error;
}

async function run(client: Client, cmd: string): Promise<string> {
  try {
    return (await ssh2Exec(client, cmd)).stdout.toString();
  } finally {
    closeSsh2(client);
  }
}

function hostKeyBlob(sshd: Sshd): Buffer {
  return Buffer.from(sshd.hostKeyPublic.split(' ')[1] as string, 'base64');
}

describe('key authentication', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });

  it('logs in with the key file and runs a command, keepalives on', async () => {
    // Proves: resolveHost + dial reach a real sshd, verify its known host key, log in with
    // the key, and the client carries ServerAliveInterval/CountMax as ssh2 keepalives.
    const { host } = await resolveBed({ sshd, knownHosts: 'copy' });
    const client = await dialOk(host);
    const config = (
      client as unknown as { config: { keepaliveInterval: number; keepaliveCountMax: number } }
    ).config;
    expect([config.keepaliveInterval, config.keepaliveCountMax]).toEqual([1000, 4]);
    expect(await run(client, 'id -un')).toBe(`${sshd.user}\n`);
  });

  it('an unreadable key file is named with a clear reason in the auth error', async () => {
    // Proves: a missing key and a key with open permissions are reasons, not crashes, and
    // the error lists them.
    const loose = path.join(scratch, `loose${n++}`);
    await copyFile(sshd.keyPath, loose);
    await chmod(loose, 0o644);
    const missing = path.join(scratch, 'no-such-key');
    const { host } = await resolveBed({
      sshd,
      knownHosts: 'copy',
      identityFiles: [missing, loose],
    });
    const err = await dialErr(host);
    expect(err.kind).toBe('auth');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(`key ${missing}: file not found`);
    expect(err.message).toContain(
      `key ${loose}: permissions 0644 are too open, others could read the key: run chmod 600 ${loose}`,
    );
  });

  it('a key the server does not know is reported as not accepted', async () => {
    // Proves: the auth error names the key that was offered and refused.
    const other = path.join(scratch, `other${n++}`);
    const { execFileSync } = await import('node:child_process');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const { host } = await resolveBed({ sshd, knownHosts: 'copy', identityFiles: [other] });
    const err = await dialErr(host);
    expect(err.message).toBe(
      `Permission denied for ${sshd.user}@${sshd.host} (tried: key ${other}: not accepted). The server accepts: publickey.`,
    );
  });

  it('a dial through a caller-given socket works (the fault-proxy seam)', async () => {
    // Proves: `sock` replaces the TCP connection to the first hop.
    const { host } = await resolveBed({ sshd, knownHosts: 'copy' });
    const sock = net.connect({ host: sshd.host, port: sshd.port });
    await new Promise((resolve) => sock.once('connect', resolve));
    expect(await run(await dialOk(host, { sock }), 'echo via-sock')).toBe('via-sock\n');
  });
});

describe('a second login to the same server', () => {
  // sshd logs a key's "would it do?" query as "Postponed publickey" (LogLevel VERBOSE) and
  // the signed login as "Accepted publickey": the first login asks, the next one in the
  // same run signs at once (one round trip fewer).
  const logins = async (sshd: Sshd, from: number) => {
    const log = (await sshd.readLog()).slice(from);
    return {
      queried: log.match(/Postponed publickey/g)?.length ?? 0,
      accepted: log.match(/Accepted publickey/g)?.length ?? 0,
    };
  };

  for (const keyType of ['ed25519', 'rsa'] as const) {
    it(`signs at once with the ${keyType} key file that let us in before`, async () => {
      const sshd = await startSshd({ keyType });
      const { host } = await resolveBed({ sshd, knownHosts: 'copy' });
      const credentials = new CredentialCache();
      const at0 = (await sshd.readLog()).length;
      expect(await run(await dialOk(host, { credentials }), 'echo one')).toBe('one\n');
      const first = await logins(sshd, at0);
      expect(first.queried).toBe(1);
      expect(first.accepted).toBe(1);
      const at1 = (await sshd.readLog()).length;
      expect(await run(await dialOk(host, { credentials }), 'echo two')).toBe('two\n');
      expect(await logins(sshd, at1)).toEqual({ queried: 0, accepted: 1 });
      await sshd.stop();
    });
  }

  async function agentHost(sshd: Sshd, sock: string): Promise<ResolvedHost> {
    const home = await freshHome();
    const knownHostsFile = path.join(home, '.ssh', 'known_hosts');
    await copyFile(sshd.knownHostsFile, knownHostsFile);
    const r = await resolveHost({
      destination: `${sshd.user}@${sshd.host}`,
      configFile: 'none',
      port: sshd.port,
      options: [
        `IdentityAgent=${sock}`,
        `UserKnownHostsFile=${knownHostsFile}`,
        'GlobalKnownHostsFile=none',
        'StrictHostKeyChecking=yes',
      ],
      home,
      env: {},
    });
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  }

  it('signs at once with the agent key that let us in before; an agent that then refuses to sign is a clean failure', async () => {
    const sshd = await startSshd();
    const dir = await mkdtemp(path.join(scratch, 'agent-'));
    const agent = await startSshAgent(dir, [{ file: sshd.keyPath }]);
    try {
      const host = await agentHost(sshd, agent.sock);
      const credentials = new CredentialCache();
      expect(await run(await dialOk(host, { credentials }), 'echo one')).toBe('one\n');
      const at1 = (await sshd.readLog()).length;
      expect(await run(await dialOk(host, { credentials }), 'echo two')).toBe('two\n');
      expect(await logins(sshd, at1)).toEqual({ queried: 0, accepted: 1 });
      // The same key again, now needing a confirmation nobody can give (no askpass):
      // the agent lists it but refuses to sign. The login fails and says so; no hang.
      const env = { ...process.env, SSH_AUTH_SOCK: agent.sock };
      execFileSync('ssh-add', ['-D'], { env, stdio: 'ignore' });
      execFileSync('ssh-add', ['-c', sshd.keyPath], { env, stdio: 'ignore' });
      const err = await dialErr(host, { credentials });
      expect(err.kind).toBe('auth');
    } finally {
      agent.stop();
      await sshd.stop();
    }
  });
});

describe('a login with fewer round trips', () => {
  // An echo service on a Unix socket in the account's home: what a session's socket is
  // to a reconnect, a channel straight to it.
  const ECHO = `import os, socket, sys
p = sys.argv[1]
s = socket.socket(socket.AF_UNIX); s.bind(p); s.listen(4)
while True:
    c, _ = s.accept()
    while True:
        d = c.recv(4096)
        if not d: break
        c.sendall(d)
    c.close()`;

  async function echoService(client: Client, sockPath: string): Promise<void> {
    const script = Buffer.from(ECHO).toString('base64');
    await ssh2Exec(
      client,
      `rm -f ${sockPath}; echo ${script} | base64 -d > ${sockPath}.py; ` +
        `nohup python3 ${sockPath}.py ${sockPath} </dev/null >/dev/null 2>&1 &`,
    );
    await pollFor('the echo socket', async () =>
      (await ssh2Exec(client, `test -S ${sockPath} && echo up`)).stdout.toString().includes('up'),
    );
  }

  function echoThrough(client: Client, sockPath: string, text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      client.openssh_forwardOutStreamLocal(sockPath, (err, ch) => {
        if (err) return reject(err);
        let got = '';
        ch.on('data', (d: Buffer) => {
          got += d.toString();
          if (got.length >= text.length) {
            ch.close();
            resolve(got);
          }
        });
        ch.write(text);
      });
    });
  }

  /** ssh2's protocol lines, in order, for asking what went out before what came in. */
  function wireLog(): {
    lines: string[];
    debug: (line: string) => void;
    index(re: RegExp): number;
  } {
    const lines: string[] = [];
    return {
      lines,
      debug: (line) => lines.push(line),
      index: (re) => lines.findIndex((l) => re.test(l)),
    };
  }

  it('sends the login behind the service request, and a known key opens channels behind it', async () => {
    // Proves: the second login to an OpenSSH server sends USERAUTH_REQUEST before the
    // SERVICE_ACCEPT is back and the wanted stream-local channel before USERAUTH_SUCCESS
    // (two round trips fewer on a reconnect), and that channel then carries bytes both ways.
    const sshd = await startSshd();
    const { host } = await resolveBed({ sshd, knownHosts: 'copy' });
    const credentials = new CredentialCache();
    const sockPath = `${sshd.home}/echo-${process.pid}.sock`;
    const first = await dialOk(host, { credentials });
    try {
      await echoService(first, sockPath);
      // Over a link with a round trip of 300 ms, so what is sent before an answer came
      // back is told apart from what waited for it.
      const link = await startDelayProxyFor(sshd, { rttMs: 300 });
      const sock = net.connect({ host: '127.0.0.1', port: link.port, noDelay: true });
      await new Promise((resolve) => sock.once('connect', resolve));
      const wire = wireLog();
      const again = await dialOk(host, {
        credentials,
        sock,
        debug: wire.debug,
        earlyStreamLocal: () => [sockPath],
      });
      try {
        const loginOut = wire.index(/Outbound: Sending USERAUTH_REQUEST \(publickey\)/);
        const serviceIn = wire.index(/Received SERVICE_ACCEPT/);
        const openOut = wire.index(/Sending CHANNEL_OPEN \(r:\d+, direct-streamlocal/);
        const successIn = wire.index(/Received USERAUTH_SUCCESS/);
        expect(loginOut).toBeGreaterThan(-1);
        expect(serviceIn, wire.lines.join('\n')).toBeGreaterThan(loginOut);
        expect(openOut).toBeGreaterThan(loginOut);
        expect(successIn, wire.lines.join('\n')).toBeGreaterThan(openOut);
        expect(await echoThrough(again, sockPath, 'early bird')).toBe('early bird');
        // The server's host-key list is not answered with a proof request: its reply would
        // sit in front of the session's first output behind sshd's Nagle (a round trip).
        expect(wire.index(/GLOBAL_REQUEST \(hostkeys-00@openssh.com\)/)).toBeGreaterThan(-1);
        expect(wire.index(/hostkeys-prove-00/), wire.lines.join('\n')).toBe(-1);
        // The early channel is handed out once; the next open is a new one, and works.
        expect(await echoThrough(again, sockPath, 'second')).toBe('second');
        expect(await sshd.readLog()).not.toMatch(/dispatch_protocol_error/);
      } finally {
        closeSsh2(again);
        await link.close();
      }
    } finally {
      await ssh2Exec(first, `pkill -f ${sockPath}.py; rm -f ${sockPath} ${sockPath}.py`);
      closeSsh2(first);
      await sshd.stop();
    }
  });

  it('when the key that let us in before is refused, the early channel is dropped and the channel opens after the login', async () => {
    // Proves: a signed login that fails voids the channel sent behind it (sshd answered
    // it UNIMPLEMENTED, before the login); the login goes on with the next key and the
    // channel then opened the usual way works.
    const sshd = await startSshd();
    const dir = await mkdtemp(path.join(scratch, 'second-key-'));
    const second = path.join(dir, 'id_second');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', second]);
    const { host: firstHost } = await resolveBed({ sshd, knownHosts: 'copy' });
    const host = { ...firstHost, identityFiles: [sshd.keyPath, second] };
    const credentials = new CredentialCache();
    const sockPath = `${sshd.home}/echo-${process.pid}-b.sock`;
    const first = await dialOk(host, { credentials });
    try {
      await echoService(first, sockPath);
      // From now on only the second key gets in.
      const pub = (await readFile(`${second}.pub`, 'utf8')).trim();
      await ssh2Exec(first, `echo '${pub}' > "$HOME/.ssh/authorized_keys"`);
      const wire = wireLog();
      const again = await dialOk(host, {
        credentials,
        debug: wire.debug,
        earlyStreamLocal: () => [sockPath],
      });
      try {
        const opens = wire.lines.filter((l) =>
          /Sending CHANNEL_OPEN \(r:\d+, direct-stream/.test(l),
        );
        expect(opens, wire.lines.join('\n')).toHaveLength(1);
        expect(await echoThrough(again, sockPath, 'after all')).toBe('after all');
        expect(
          wire.lines.filter((l) => /Sending CHANNEL_OPEN \(r:\d+, direct-stream/.test(l)),
        ).toHaveLength(2);
        expect(await sshd.readLog()).toMatch(/dispatch_protocol_error: type 90/);
      } finally {
        closeSsh2(again);
      }
    } finally {
      await ssh2Exec(first, `pkill -f ${sockPath}.py; rm -f ${sockPath} ${sockPath}.py`);
      closeSsh2(first);
      await sshd.stop();
    }
  });
});

describe('encrypted key', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd({ passphrase: true });
  });

  it('asks for the passphrase and logs in', async () => {
    // Proves: an encrypted key goes through the prompter, once, and a second dial with the
    // same CredentialCache asks nothing (silent reconnect).
    const { host } = await resolveBed({ sshd, knownHosts: 'copy' });
    const credentials = new CredentialCache();
    const prompter = scripted(text(sshd.passphrase ?? ''));
    expect(await run(await dialOk(host, { prompter, credentials }), 'echo unlocked')).toBe(
      'unlocked\n',
    );
    expect(prompter.calls).toEqual([{ kind: 'passphrase', keyPath: sshd.keyPath }]);
    const again = scripted();
    expect(await run(await dialOk(host, { prompter: again, credentials }), 'echo again')).toBe(
      'again\n',
    );
    expect(again.calls).toEqual([]);
  });

  it('asks again after a wrong passphrase, then logs in with the right one', async () => {
    // Proves: a wrong passphrase is retried through the prompter, not fatal.
    const { host } = await resolveBed({ sshd, knownHosts: 'copy' });
    const prompter = scripted(text('wrong'), text(sshd.passphrase ?? ''));
    expect(await run(await dialOk(host, { prompter }), 'echo second-try')).toBe('second-try\n');
    expect(prompter.calls).toHaveLength(2);
  });

  it('three wrong passphrases end in an auth error that says so', async () => {
    // Proves: the retries stop at NumberOfPasswordPrompts and the reason reaches the user.
    const { host } = await resolveBed({ sshd, knownHosts: 'copy' });
    const err = await dialErr(host, { prompter: scripted(text('a'), text('b'), text('c')) });
    expect(err.kind).toBe('auth');
    expect(err.message).toContain(`key ${sshd.keyPath}: wrong passphrase (3 tries)`);
  });
});

describe.skipIf(!asRoot)(
  'password and keyboard-interactive (root only: the bed sets a password)',
  () => {
    let pwOnly: Sshd;
    let kbd: Sshd;
    beforeAll(async () => {
      [pwOnly, kbd] = await Promise.all([
        startSshd({ password: true, extraConfig: ['KbdInteractiveAuthentication no'] }),
        startSshd({ password: true, extraConfig: ['PasswordAuthentication no'] }),
      ]);
    });

    it('logs in with a password from the prompter and remembers it for the next dial', async () => {
      // Proves: password auth asks through the prompter with user and host, and a reconnect
      // with the same CredentialCache does not ask again.
      const { host } = await resolveBed({ sshd: pwOnly, knownHosts: 'copy', identityFiles: [] });
      const credentials = new CredentialCache();
      const prompter = scripted(text(pwOnly.password ?? ''));
      expect(await run(await dialOk(host, { prompter, credentials }), 'echo pw')).toBe('pw\n');
      expect(prompter.calls).toEqual([{ kind: 'password', user: pwOnly.user, host: '127.0.0.1' }]);
      const again = scripted();
      expect(await run(await dialOk(host, { prompter: again, credentials }), 'echo pw2')).toBe(
        'pw2\n',
      );
      expect(again.calls).toEqual([]);
    });

    it('wrong passwords end in an auth error listing what was tried', async () => {
      // Proves: three wrong passwords are three prompts, then "Permission denied ... password: wrong".
      const { host } = await resolveBed({ sshd: pwOnly, knownHosts: 'copy', identityFiles: [] });
      const prompter = scripted(text('x'), text('y'), text('z'));
      const err = await dialErr(host, { prompter });
      expect(prompter.calls).toHaveLength(3);
      expect(err).toMatchObject({ kind: 'auth', retryable: false });
      expect(err.message).toMatch(
        /^Permission denied for hft\w+@127\.0\.0\.1 \(tried: password: wrong; password: wrong; password: wrong\)/,
      );
    });

    it('cancelling the password prompt cancels the dial', async () => {
      // Proves: the user can stop at the prompt; nothing retries behind their back.
      const { host } = await resolveBed({ sshd: pwOnly, knownHosts: 'copy', identityFiles: [] });
      const err = await dialErr(host, { prompter: scripted({ kind: 'cancel' }) });
      expect(err.kind).toBe('cancelled');
      expect(err.message).toMatch(/You cancelled the password prompt/);
    });

    it('logs in by keyboard-interactive through the prompter', async () => {
      // Proves: PAM's keyboard-interactive questions reach the prompter and its answers log in.
      const { host } = await resolveBed({ sshd: kbd, knownHosts: 'copy', identityFiles: [] });
      const prompter = scripted(text(kbd.password ?? ''));
      expect(await run(await dialOk(host, { prompter }), 'echo kbd')).toBe('kbd\n');
      expect(prompter.calls).toEqual([
        expect.objectContaining({
          kind: 'keyboard-interactive',
          questions: [expect.objectContaining({ echo: false })],
        }),
      ]);
    });
  },
);

describe('host keys', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });

  it('an unknown host key under StrictHostKeyChecking=yes is refused, saying how to add it', async () => {
    // Proves: no known_hosts entry + yes → refused before login, with the fingerprint.
    const { host } = await resolveBed({ sshd, knownHosts: 'empty', strict: 'yes' });
    const prompter = scripted();
    const err = await dialErr(host, { prompter });
    expect(err.kind).toBe('host-key-unknown-refused');
    expect(err.message).toContain(fingerprint(hostKeyBlob(sshd)));
    expect(err.message).toMatch(/ssh-keyscan -p \d+ -t ed25519 127\.0\.0\.1 >> /);
    expect(prompter.calls).toEqual([]);
  });

  it('accept-new records the key in known_hosts and logs in', async () => {
    // Proves: the new key is appended as [127.0.0.1]:port, and the next strict dial matches it.
    const { host, knownHostsFile } = await resolveBed({
      sshd,
      knownHosts: 'empty',
      strict: 'accept-new',
    });
    expect(await run(await dialOk(host), 'echo new')).toBe('new\n');
    expect((await readFile(knownHostsFile, 'utf8')).trim()).toBe(sshd.knownHostsLine);
    const strict = { ...host, strictHostKeyChecking: 'yes' as const };
    expect(await run(await dialOk(strict), 'echo known')).toBe('known\n');
  });

  it('ask prompts with the fingerprint; trust-and-remember records the key', async () => {
    // Proves: the prompt carries host, port, type and SHA256 fingerprint; the answer is obeyed.
    const { host, knownHostsFile } = await resolveBed({ sshd, knownHosts: 'empty', strict: 'ask' });
    const prompter = scripted({ kind: 'host-key', decision: 'trust-and-remember' });
    expect(await run(await dialOk(host, { prompter }), 'echo asked')).toBe('asked\n');
    expect(prompter.calls).toEqual([
      {
        kind: 'unknown-host-key',
        host: '127.0.0.1',
        port: sshd.port,
        keyType: 'ssh-ed25519',
        fingerprint: fingerprint(hostKeyBlob(sshd)),
      },
    ]);
    expect(await readFile(knownHostsFile, 'utf8')).toContain(sshd.hostKeyPublic);
  });

  it('ask with cancel refuses and records nothing', async () => {
    // Proves: declining the key stops the dial and leaves known_hosts alone.
    const { host, knownHostsFile } = await resolveBed({ sshd, knownHosts: 'empty', strict: 'ask' });
    const err = await dialErr(host, { prompter: scripted({ kind: 'cancel' }) });
    expect(err).toMatchObject({ kind: 'host-key-unknown-refused', reason: 'declined' });
    await expect(readFile(knownHostsFile)).rejects.toThrow();
  });

  it('cancelling a dial closes the prompt it left open', async () => {
    // Proves: the prompter's signal aborts when the dial is called off, so the app can
    // close its dialog; the dial resolves 'cancelled' without waiting for an answer.
    const { host } = await resolveBed({ sshd, knownHosts: 'empty', strict: 'ask' });
    const controller = new AbortController();
    let promptSignal: AbortSignal | undefined;
    const prompter: Prompter = (_req, signal) => {
      promptSignal = signal;
      return new Promise(() => undefined);
    };
    const pending = dialErr(host, { prompter, signal: controller.signal });
    await pollFor('the host-key prompt', () => promptSignal !== undefined);
    expect(promptSignal?.aborted).toBe(false);
    controller.abort();
    expect((await pending).kind).toBe('cancelled');
    expect(promptSignal?.aborted).toBe(true);
  });

  it('a revoked host key is refused', async () => {
    // Proves: @revoked wins even over a matching entry.
    const { host, knownHostsFile } = await resolveBed({ sshd, knownHosts: 'copy', strict: 'no' });
    await writeFile(knownHostsFile, `${sshd.knownHostsLine}\n@revoked * ${sshd.hostKeyPublic}\n`);
    const err = await dialErr(host);
    expect(err).toMatchObject({ kind: 'host-key-revoked', file: knownHostsFile, line: 2 });
  });

  it('a changed host key is refused before login, naming both fingerprints', async () => {
    // Proves: after the server's key is replaced, the dial stops in key exchange (no login
    // in sshd's log, no prompt), even with StrictHostKeyChecking=no, and says loudly what
    // changed: the new SHA256 fingerprint and the recorded one with file:line.
    const { host, knownHostsFile } = await resolveBed({ sshd, knownHosts: 'copy', strict: 'no' });
    const oldBlob = hostKeyBlob(sshd);
    await sshd.regenerateHostKey();
    const logBefore = (await sshd.readLog()).length;
    const prompter = scripted();
    const err = await dialErr(host, { prompter });
    expect(err.kind).toBe('host-key-changed');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/HAS CHANGED/);
    expect(err.message).toContain(fingerprint(hostKeyBlob(sshd)));
    expect(err.message).toContain(`${fingerprint(oldBlob)}  (${knownHostsFile}:1)`);
    expect(prompter.calls).toEqual([]);
    expect((await sshd.readLog()).slice(logBefore)).not.toMatch(/Accepted|session opened/);
  });
});

describe('ProxyJump', () => {
  it('reaches the target through a jump host from the ssh_config', async () => {
    // Proves: the target's ProxyJump (from the bed's config file) is resolved through the
    // same file, the hop is dialed and verified first, and the target is reached over the
    // hop's direct-tcpip channel; closing the client closes the hop too.
    const pair = await startJumpPair();
    try {
      const home = await freshHome();
      const r = await resolveHost({
        destination: pair.target.sshAlias,
        configFile: pair.sshConfigFile,
        home,
        env: {},
      });
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.proxyJump).toEqual([pair.hop.sshAlias]);
      const result = await dial(r.value, {
        prompter: scripted(),
        credentials: new CredentialCache(),
        env: {},
      });
      if (!result.ok) throw new Error(result.error.message);
      const client = result.value;
      expect((await ssh2Exec(client, 'id -un')).stdout.toString()).toBe(`${pair.target.user}\n`);
      expect(await pair.hop.readLog()).toMatch(
        new RegExp(`Accepted publickey for ${pair.hop.user}`),
      );
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      client.end();
      await closed;
      await pollFor('the hop to see its client leave', async () =>
        /Disconnected from user|Connection closed by|Received disconnect/.test(
          await pair.hop.readLog(),
        ),
      );
    } finally {
      await pair.stop();
    }
  });

  it('an error at the jump host says which hop failed', async () => {
    // Proves: a refused port behind the hop is reported as refused, with the hop named.
    const pair = await startJumpPair();
    try {
      const home = await freshHome();
      const port = await getFreePort();
      const r = await resolveHost({
        destination: pair.target.sshAlias,
        configFile: pair.sshConfigFile,
        port,
        home,
        env: {},
      });
      if (!r.ok) throw new Error(r.error.message);
      const err = await dialErr(r.value);
      expect(err.kind).toBe('refused');
      expect(err.message).toMatch(
        new RegExp(`Jump host ${pair.hop.user}@${pair.hop.sshAlias}.* port ${port} refused`),
      );
    } finally {
      await pair.stop();
    }
  });
});

describe('network failures', () => {
  it('an unknown host name is a resolve error', async () => {
    // Proves: a name under the reserved .invalid TLD fails as 'resolve' with the name in it.
    const home = await freshHome();
    const r = await resolveHost({
      destination: 'nosuch.invalid',
      configFile: 'none',
      home,
      env: {},
    });
    if (!r.ok) throw new Error(r.error.message);
    const err = await dialErr(r.value);
    expect(err).toMatchObject({ kind: 'resolve', retryable: true });
    expect(err.message).toBe(
      "Could not resolve host 'nosuch.invalid': check the name or your network.",
    );
  });

  it('a port nobody listens on is refused', async () => {
    // Proves: ECONNREFUSED becomes 'refused' with host and port and a question to check.
    const home = await freshHome();
    const port = await getFreePort();
    const r = await resolveHost({
      destination: '127.0.0.1',
      configFile: 'none',
      port,
      home,
      env: {},
    });
    if (!r.ok) throw new Error(r.error.message);
    const err = await dialErr(r.value);
    expect(err).toMatchObject({ kind: 'refused', retryable: true, host: '127.0.0.1', port });
    expect(err.message).toBe(
      `Connection refused by 127.0.0.1 port ${port}: is sshd running there, is the port right?`,
    );
  });

  describe('a server that accepts TCP but never speaks SSH', () => {
    let server: net.Server;
    let port: number;
    const open = new Set<net.Socket>();
    beforeAll(async () => {
      server = net.createServer((s) => {
        open.add(s);
        s.on('close', () => open.delete(s));
        s.on('error', () => undefined);
        // Read (and drop) what the client sends, so its close is noticed.
        s.resume();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as net.AddressInfo).port;
    });
    afterAll(async () => {
      for (const s of open) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    async function silentHost(): Promise<ResolvedHost> {
      const r = await resolveHost({
        destination: '127.0.0.1',
        configFile: 'none',
        port,
        home: await freshHome(),
        env: {},
      });
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    }

    async function waitForOpen(count: number): Promise<void> {
      await pollFor(
        `${count} open connection(s) at the silent server`,
        () => open.size === count,
        2000,
        10,
      );
    }

    it('times out in the handshake after the ready timeout, and closes its socket', async () => {
      // Proves: a stalled handshake ends as a retryable 'timeout' (phase handshake), and
      // the dial leaves no connection behind.
      const err = await dialErr(await silentHost(), { readyTimeoutMs: 300 });
      expect(err).toMatchObject({ kind: 'timeout', phase: 'handshake', retryable: true });
      await waitForOpen(0);
    });

    it('an AbortSignal cancels the dial and destroys its socket', async () => {
      // Proves: the reconnect supervisor can drop a losing dial: 'cancelled', and the
      // server sees the connection go away.
      const controller = new AbortController();
      const pending = dialErr(await silentHost(), { signal: controller.signal });
      await waitForOpen(1);
      controller.abort();
      expect((await pending).kind).toBe('cancelled');
      await waitForOpen(0);
    });
  });
});
