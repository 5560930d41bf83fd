import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ConnectConfig, KeyboardInteractiveAuthMethod } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPortFree } from '../support/ports.js';
import { isAlive, pollFor, run } from '../support/proc.js';
import { closeSsh2, connectSsh2, ssh2Channel, ssh2Exec } from '../support/ssh2Client.js';
import { startJumpPair, startSshd, stopAllSshd, type Sshd } from '../support/sshd.js';

// Whatever a failing test leaves running, the file still stops.
afterAll(stopAllSshd);

describe('sshd', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });

  it('runs a command over OpenSSH ssh as its own test user', async () => {
    // Proves: a real sshd listens on loopback, the generated key and known_hosts line let
    // a strict, non-interactive ssh in, and output and exit code come back.
    expect(sshd.host).toBe('127.0.0.1');
    const result = await sshd.exec('id -un; echo "$HOME"; exit 3');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(3);
    expect(result.stdout).toBe(`${sshd.user}\n${sshd.home}\n`);
    if (process.getuid?.() === 0) expect(sshd.user).toMatch(/^hft[a-z0-9]+$/);
  });

  it('lets an ssh2 client in with the generated key after checking the host key', async () => {
    // Proves: connectConfig() carries the key and a host-key check that is really called.
    let checks = 0;
    const config = sshd.connectConfig();
    const verify = config.hostVerifier as (key: Buffer) => boolean;
    const client = await connectSsh2({
      ...config,
      hostVerifier: (key: Buffer) => {
        checks++;
        return verify(key);
      },
    });
    try {
      const result = await ssh2Exec(client, 'echo ssh2-ok');
      expect(result.stdout.toString()).toBe('ssh2-ok\n');
      expect(result.code).toBe(0);
      expect(checks).toBe(1);
    } finally {
      closeSsh2(client);
    }
  });

  it('writes a known_hosts line for 127.0.0.1 and the port, and an ssh_config block', async () => {
    // Proves: the files other tests hand to OpenSSH or the engine hold what they claim.
    expect(sshd.knownHostsLine).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic}`);
    expect(sshd.hostKeyPublic).toMatch(/^ssh-ed25519 AAAA/);
    expect((await readFile(sshd.knownHostsFile, 'utf8')).trim()).toBe(sshd.knownHostsLine);
    const viaConfig = await run('ssh', [
      '-F',
      sshd.sshConfigFile,
      sshd.sshAlias,
      'echo via-config',
    ]);
    expect(viaConfig.stdout).toBe('via-config\n');
  });

  it('keeps StrictModes on with the home and authorized_keys owned by the test user', async () => {
    // Proves: the bed does not weaken sshd's own checks to get the key accepted.
    if (process.getuid?.() !== 0) return;
    const sshdConfig = await readFile(path.join(sshd.dir, 'etc', 'sshd_config'), 'utf8');
    expect(sshdConfig).toMatch(/^StrictModes yes$/m);
    const keys = await stat(path.join(sshd.home, '.ssh', 'authorized_keys'));
    const home = await stat(sshd.home);
    expect(keys.uid).toBe(home.uid);
    expect(keys.mode & 0o777).toBe(0o600);
    expect(home.mode & 0o777).toBe(0o700);
  });

  it('prints the sshd log with VERBOSE detail for the logins it saw', async () => {
    // Proves: logPath is sshd's -E log and names accepted keys (what failing tests need).
    await sshd.exec('true');
    expect(await sshd.readLog()).toMatch(
      new RegExp(`Accepted publickey for ${sshd.user} from 127\\.0\\.0\\.1`),
    );
  });
});

describe('sshd variants', () => {
  it.each(['rsa', 'ecdsa'] as const)('accepts a generated %s client key', async (keyType) => {
    // Proves: the keyType option yields a key of that type that both ssh and ssh2 can use.
    const sshd = await startSshd({ keyType });
    try {
      expect(
        sshd.publicKey.startsWith(keyType === 'rsa' ? 'ssh-rsa ' : 'ecdsa-sha2-nistp256 '),
      ).toBe(true);
      expect((await sshd.exec('echo ok')).stdout).toBe('ok\n');
      const client = await connectSsh2(sshd.connectConfig());
      closeSsh2(client);
    } finally {
      await sshd.stop();
    }
  });

  it('accepts an encrypted key with its passphrase, from ssh and from ssh2', async () => {
    // Proves: passphrase keys are really encrypted, and both clients can unlock them.
    const sshd = await startSshd({ passphrase: true });
    try {
      expect(sshd.passphrase).toBeTruthy();
      expect(await readFile(sshd.keyPath, 'utf8')).toContain('BEGIN OPENSSH PRIVATE KEY');
      const noPass = await run('ssh-keygen', ['-y', '-P', '', '-f', sshd.keyPath]);
      expect(noPass.code).not.toBe(0);
      expect((await sshd.exec('echo unlocked')).stdout).toBe('unlocked\n');
      const client = await connectSsh2(sshd.connectConfig());
      closeSsh2(client);
      await expect(connectSsh2(sshd.connectConfig({ passphrase: 'wrong' }))).rejects.toThrow();
    } finally {
      await sshd.stop();
    }
  });

  it('applies extraConfig lines ahead of the defaults', async () => {
    // Proves: an extra 'AllowStreamLocalForwarding no' wins over the bed's default 'yes'.
    const sshd = await startSshd({ extraConfig: ['AllowStreamLocalForwarding no'] });
    const client = await connectSsh2(sshd.connectConfig());
    try {
      await expect(
        new Promise((resolve, reject) =>
          client.openssh_forwardOutStreamLocal('/tmp/hft-nothing.sock', (err, ch) =>
            err ? reject(err) : resolve(ch),
          ),
        ),
      ).rejects.toThrow(/administratively prohibited|Open failed/i);
      // Session channels are unaffected.
      expect((await ssh2Exec(client, 'echo still')).stdout.toString()).toBe('still\n');
    } finally {
      closeSsh2(client);
      await sshd.stop();
    }
  });

  it('fails with a message naming the Debian package when sshd is missing', async () => {
    // Proves: without a real sshd, tests fail loudly instead of passing silently.
    await expect(startSshd({ sshdPath: '/nonexistent/sshd' })).rejects.toThrow(/openssh-server/);
  });
});

describe.skipIf(process.getuid?.() !== 0)(
  'sshd with { password: true } (root only: chpasswd)',
  () => {
    let sshd: Sshd;
    let noKey: ConnectConfig;
    beforeAll(async () => {
      sshd = await startSshd({ password: true });
      const { privateKey: _key, ...rest } = sshd.connectConfig();
      noKey = rest;
    });
    afterAll(() => sshd.stop());

    it('accepts the password by password authentication', async () => {
      // Proves: the variant sets a real password in /etc/shadow and sshd offers password auth.
      const client = await connectSsh2({ ...noKey, password: sshd.password });
      try {
        expect((await ssh2Exec(client, 'echo pw')).stdout.toString()).toBe('pw\n');
      } finally {
        closeSsh2(client);
      }
    });

    it('accepts the password by keyboard-interactive authentication', async () => {
      // Proves: keyboard-interactive works too (through PAM), prompting for the password.
      const prompts: string[] = [];
      const keyboard: KeyboardInteractiveAuthMethod = {
        type: 'keyboard-interactive',
        username: sshd.user,
        prompt: (_name, _instructions, _lang, questions, finish) => {
          prompts.push(...questions.map((q) => q.prompt));
          finish(questions.map(() => sshd.password ?? ''));
        },
      };
      const client = await connectSsh2({ ...noKey, authHandler: [keyboard] });
      closeSsh2(client);
      expect(prompts).toEqual([expect.stringMatching(/password/i)]);
    });

    it('refuses a wrong password', async () => {
      // Proves: sshd really checks the password (the test would pass on any server otherwise).
      await expect(connectSsh2({ ...noKey, password: `${sshd.password}x` })).rejects.toThrow(
        /authentication methods failed/,
      );
    });
  },
);

describe('sshd lifecycle', () => {
  it('reaches the target through the hop with OpenSSH ssh -J', async () => {
    // Proves: the jump pair works for ProxyJump, and the hop really carried the connection.
    const pair = await startJumpPair();
    try {
      const result = await pair.exec('echo "jumped to $(id -un)"');
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe(`jumped to ${pair.target.user}\n`);
      expect(await pair.hop.readLog()).toContain(`Accepted publickey for ${pair.hop.user}`);
      expect(await pair.target.readLog()).toContain(`Accepted publickey for ${pair.target.user}`);
    } finally {
      await pair.stop();
    }
  });

  it('regenerateHostKey serves a new host key on the same port, which ssh rejects as changed', async () => {
    // Proves: "changed host key" tests get a real change: same address, different key.
    const sshd = await startSshd();
    try {
      const oldLine = sshd.knownHostsLine;
      const oldFile = path.join(sshd.dir, 'known_hosts.old');
      await writeFile(oldFile, `${oldLine}\n`);
      const port = sshd.port;
      await sshd.regenerateHostKey();
      expect(sshd.port).toBe(port);
      expect(sshd.knownHostsLine).not.toBe(oldLine);
      expect((await sshd.exec('echo new-key')).stdout).toBe('new-key\n');
      const stale = await sshd.exec('true', {
        sshOptions: ['-o', `UserKnownHostsFile=${oldFile}`],
      });
      expect(stale.code).toBe(255);
      expect(stale.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
      await expect(
        connectSsh2({ ...sshd.connectConfig(), hostVerifier: () => false }),
      ).rejects.toThrow();
    } finally {
      await sshd.stop();
    }
  });

  it('restart keeps established sessions running on the same port', async () => {
    // Proves: restarting sshd ends only the listener, as a server-side sshd restart would.
    const sshd = await startSshd();
    const client = await connectSsh2(sshd.connectConfig());
    try {
      const channel = await ssh2Channel(client, 'read line; echo "got $line"');
      const oldPid = sshd.pid;
      await sshd.restart();
      expect(sshd.pid).not.toBe(oldPid);
      expect(isAlive(oldPid)).toBe(false);
      const out: Buffer[] = [];
      channel.on('data', (b: Buffer) => out.push(b));
      channel.end('after-restart\n');
      await pollFor(
        'the old session to answer',
        () => Buffer.concat(out).toString() === 'got after-restart\n',
      );
      expect((await sshd.exec('echo new-listener')).stdout).toBe('new-listener\n');
    } finally {
      closeSsh2(client);
      await sshd.stop();
    }
  });

  it('stop ends sshd and every session process, frees the port, deletes user and temp dir', async () => {
    // Proves: nothing started by the bed outlives stop(), not even a daemonised process.
    const sshd = await startSshd();
    const daemon = await sshd.exec('setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!');
    const daemonPid = Number(daemon.stdout.trim());
    const client = await connectSsh2(sshd.connectConfig());
    await ssh2Channel(client, 'sleep 300');
    // The session's end may reach the client as a reset: that is the point, not an error.
    client.on('error', () => undefined);
    const clientClosed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const { pid, port, user, dir } = sshd;
    expect(isAlive(daemonPid)).toBe(true);

    await sshd.stop();

    await clientClosed;
    expect(isAlive(pid)).toBe(false);
    expect(isAlive(daemonPid)).toBe(false);
    expect(await isPortFree(port)).toBe(true);
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
    if (process.getuid?.() === 0) expect((await run('getent', ['passwd', user])).code).toBe(2);
    await sshd.stop(); // idempotent
  });
});
