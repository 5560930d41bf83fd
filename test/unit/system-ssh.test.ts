/**
 * Proves the pure parts of the OpenSSH transport: the master and per-exec command lines
 * (our options first so they win, the user's own command line after, Holdfast's option
 * never passed to ssh), how the master's stderr is read (traffic, handshake, ready,
 * messages), how its exit is sorted into the dial error kinds, and how askpass
 * questions become the engine's prompts and answers.
 */
import { describe, expect, it } from 'vitest';
import { readAskpassQuestion } from '../../main/engine/transport/systemSsh/askpassPrompt';
import { masterFailure, readMasterLine } from '../../main/engine/transport/systemSsh/masterLog';
import { masterArgs, muxArgs } from '../../main/engine/transport/systemSsh/sshArgs';

describe('masterArgs', () => {
  const base = {
    controlPath: '/run/user/1/holdfast-ssh-x%y/c',
    keepalive: { intervalSeconds: 5, countMax: 3 },
    connectTimeoutSeconds: 15,
  };

  it("puts ours first, then the user's command line, then -N and the destination", () => {
    const args = masterArgs({
      ...base,
      commandLine: {
        destination: 'web',
        configFile: '/cfg',
        options: ['User=bob', 'HoldfastTransport=openssh', 'holdfasttransport openssh'],
        port: 2222,
        user: 'alice',
        identityFiles: ['/k'],
        jump: 'bastion',
      },
    });
    const tail = args.slice(args.indexOf('-F'));
    expect(tail).toEqual([
      '-F',
      '/cfg',
      '-o',
      'User=bob',
      '-p',
      '2222',
      '-l',
      'alice',
      '-i',
      '/k',
      '-J',
      'bastion',
      '-N',
      '--',
      'web',
    ]);
    const ours = args.slice(0, args.indexOf('-F'));
    expect(ours).toContain('ControlMaster=yes');
    expect(ours).toContain('ControlPath=/run/user/1/holdfast-ssh-x%%y/c');
    expect(ours).toContain('ControlPersist=no');
    expect(ours).toContain('ServerAliveInterval=5');
    expect(ours).toContain('ServerAliveCountMax=3');
    expect(ours).toContain('ClearAllForwardings=yes');
    expect(ours).toContain('LogLevel=DEBUG3');
    // -M after ControlMaster=yes would make it "ask".
    expect(args).not.toContain('-M');
  });

  it('reads the default config unless told another home, and maps -F none', () => {
    expect(masterArgs({ ...base, commandLine: { destination: 'web' } })).not.toContain('-F');
    const other = masterArgs({
      ...base,
      commandLine: { destination: 'web' },
      defaultConfigFile: '/h/.ssh/config',
    });
    expect(other.slice(other.indexOf('-F'), other.indexOf('-F') + 2)).toEqual([
      '-F',
      '/h/.ssh/config',
    ]);
    const none = masterArgs({ ...base, commandLine: { destination: 'web', configFile: 'none' } });
    expect(none.slice(none.indexOf('-F'), none.indexOf('-F') + 2)).toEqual(['-F', '/dev/null']);
  });
});

describe('muxArgs', () => {
  it('runs the command as one word on the master, with SendEnv for the names given', () => {
    const args = muxArgs('/d/c', 'printf "%s\\n" "x\\\\y"', { envNames: ['LANG', 'BAD*'] });
    expect(args.slice(-3)).toEqual(['--', 'holdfast-mux', 'printf "%s\\n" "x\\\\y"']);
    expect(args).toContain('SendEnv=LANG');
    expect(args.join(' ')).not.toContain('BAD*');
    expect(args).toContain('-T');
    expect(args).toContain('ProxyCommand=false');
    expect(args.slice(0, 4)).toEqual(['-F', '/dev/null', '-S', '/d/c']);
  });
  it('asks for a terminal with -tt and omits the command for a shell', () => {
    const args = muxArgs('/d/c', undefined, { tty: true });
    expect(args).toContain('-tt');
    expect(args[args.length - 1]).toBe('holdfast-mux');
  });
});

describe('readMasterLine', () => {
  const cases: [string, string][] = [
    ['debug3: receive packet: type 82', 'traffic'],
    ['debug1: Connection established.', 'handshake'],
    ['debug1: Remote protocol version 2.0, remote software version OpenSSH_9.2', 'handshake'],
    ['debug1: Entering interactive session.', 'ready'],
    ['debug2: channel 0: rcvd adjust 65536', 'noise'],
    ['  #1 mux-control (t16 [mux-control] nr0 i3/0 o1/16)', 'noise'],
    ['Authenticated to 127.0.0.1 ([127.0.0.1]:2222) using "publickey".', 'message'],
    ['Timeout, server 127.0.0.1 not responding.', 'message'],
  ];
  for (const [line, kind] of cases) {
    it(`"${line}" is ${kind}`, () => expect(readMasterLine(line).kind).toBe(kind));
  }
});

describe('masterFailure', () => {
  const t = { user: 'alice', host: '127.0.0.1', port: 2222 };
  const cases: { said: string[]; kind: string; retryable: boolean; message: RegExp }[] = [
    {
      said: ['alice@127.0.0.1: Permission denied (publickey).'],
      kind: 'auth',
      retryable: false,
      message: /did not accept .*\(publickey\).*ssh-keygen -L/,
    },
    {
      said: [
        '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
        '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
        'The fingerprint for the ED25519 key sent by the remote host is',
        'SHA256:d5SrBY6/xgsJmozPv4eiZS/898GWKCUCSSRLc2TM9Vo.',
        'Host key verification failed.',
      ],
      kind: 'host-key-changed',
      retryable: false,
      message: /CHANGED \(ED25519 SHA256:d5SrBY6.*ssh-keygen -R/,
    },
    {
      said: [
        'No ED25519-CERT host key is known for [127.0.0.1]:2222 and you have requested strict checking.',
        'Host key verification failed.',
      ],
      kind: 'host-key-unknown-refused',
      retryable: false,
      message: /could not verify the host key of 127.0.0.1 port 2222.*@cert-authority/,
    },
    {
      said: ['ssh: connect to host 127.0.0.1 port 2222: Connection refused'],
      kind: 'refused',
      retryable: true,
      message: /refused the connection/,
    },
    {
      said: ['ssh: Could not resolve hostname nowhere.invalid: Name or service not known'],
      kind: 'resolve',
      retryable: true,
      message: /Could not find nowhere.invalid/,
    },
    {
      said: ['ssh: connect to host 10.0.0.1 port 22: Network is unreachable'],
      kind: 'network',
      retryable: true,
      message: /cannot be reached/,
    },
    {
      said: ['command-line line 0: Bad configuration option: frobnicate'],
      kind: 'config',
      retryable: false,
      message: /refused the configuration/,
    },
    {
      said: ['kex_exchange_identification: Connection closed by remote host'],
      kind: 'network',
      retryable: true,
      message: /could not connect .*kex_exchange_identification/,
    },
  ];
  for (const c of cases) {
    it(`sorts "${c.said[c.said.length - 1]}" as ${c.kind}`, () => {
      const e = masterFailure(c.said, t);
      expect(e.kind).toBe(c.kind);
      expect(e.retryable).toBe(c.retryable);
      expect(e.message).toMatch(c.message);
    });
  }
  it('gives "No route to host" the code the engine reads as offline', () => {
    expect(masterFailure(['connect to host x port 22: No route to host'], t)).toMatchObject({
      kind: 'network',
      code: 'EHOSTUNREACH',
    });
  });
});

describe('readAskpassQuestion', () => {
  const ctx = { user: 'alice', host: '127.0.0.1', port: 2222 };

  it('a key passphrase, remembered by key path', () => {
    const q = readAskpassQuestion("Enter passphrase for key '/h/.ssh/id_ed25519': ", '', ctx);
    expect(q).toMatchObject({
      kind: 'ask',
      request: { kind: 'passphrase', keyPath: '/h/.ssh/id_ed25519' },
      cacheKey: { kind: 'passphrase', keyPath: '/h/.ssh/id_ed25519' },
    });
    if (q.kind !== 'ask') return;
    expect(q.reply({ kind: 'text', values: ['s3cret'] })).toBe('s3cret');
    expect(q.reply({ kind: 'cancel' })).toBeUndefined();
  });

  it('a password, remembered by user, host and port', () => {
    const q = readAskpassQuestion("alice@127.0.0.1's password: ", '', ctx);
    expect(q).toMatchObject({
      request: { kind: 'password', user: 'alice', host: '127.0.0.1' },
      cacheKey: { kind: 'password', user: 'alice', host: '127.0.0.1', port: 2222 },
    });
  });

  it('an unknown host key, with host, port, type and fingerprint; yes only when trusted', () => {
    const q = readAskpassQuestion(
      [
        "The authenticity of host '[127.0.0.1]:2222 ([127.0.0.1]:2222)' can't be established.",
        'ED25519 key fingerprint is SHA256:d5SrBY6/xgsJmozPv4eiZS/898GWKCUCSSRLc2TM9Vo.',
        'This key is not known by any other names.',
        'Are you sure you want to continue connecting (yes/no/[fingerprint])? ',
      ].join('\n'),
      '',
      ctx,
    );
    expect(q).toMatchObject({
      kind: 'ask',
      request: {
        kind: 'unknown-host-key',
        host: '127.0.0.1',
        port: 2222,
        keyType: 'ED25519',
        fingerprint: 'SHA256:d5SrBY6/xgsJmozPv4eiZS/898GWKCUCSSRLc2TM9Vo',
      },
    });
    if (q.kind !== 'ask') return;
    expect(q.reply({ kind: 'host-key', decision: 'trust-and-remember' })).toBe('yes');
    expect(q.reply({ kind: 'cancel' })).toBe('no');
  });

  it('a one-time code is a keyboard-interactive question, never cached', () => {
    const q = readAskpassQuestion('Verification code: ', '', ctx);
    expect(q).toMatchObject({
      kind: 'ask',
      request: { kind: 'keyboard-interactive', questions: [{ text: 'Verification code: ' }] },
    });
    expect(q.kind === 'ask' && q.cacheKey).toBeFalsy();
  });

  it('a touch-your-key notice needs no answer', () => {
    expect(
      readAskpassQuestion('Confirm user presence for key ED25519-SK SHA256:x', 'none', ctx),
    ).toEqual({ kind: 'notice', text: 'Confirm user presence for key ED25519-SK SHA256:x' });
  });
});
