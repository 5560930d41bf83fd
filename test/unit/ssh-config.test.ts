/**
 * Proves that ssh_config resolution follows OpenSSH: -o and flags before the file, the
 * first value wins, Host/Match patterns, Include, tokens, ProxyJump chains, defaults, and
 * that a malformed line is an error naming its file and line.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  HOLDFAST_DEFAULTS,
  resolveHost,
  resolveJumpChain,
  splitWords,
  type ResolveHostInput,
  type ResolvedHost,
} from '../../main/engine/ssh/config';
import type { ConfigError } from '../../main/engine/ssh/errors';

let home: string;

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'hft-sshcfg-'));
  await mkdir(path.join(home, '.ssh'), { mode: 0o700 });
});

afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

async function writeSsh(name: string, text: string): Promise<string> {
  const file = path.join(home, '.ssh', name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

type Input = Omit<ResolveHostInput, 'home' | 'localUser'>;

async function resolveOk(config: string, input: Input): Promise<ResolvedHost> {
  await writeSsh('config', config);
  const r = await resolveHost({ home, localUser: 'me', env: {}, ...input });
  if (!r.ok) throw new Error(`expected success, got: ${r.error.message}`);
  return r.value;
}

async function resolveErr(config: string, input: Input): Promise<ConfigError> {
  await writeSsh('config', config);
  const r = await resolveHost({ home, localUser: 'me', env: {}, ...input });
  if (r.ok) throw new Error('expected a config error');
  return r.error;
}

describe('what only the system ssh can do is resolved, for the transport choice', () => {
  it('keeps ProxyCommand as written, certificates expanded, the rest first-wins', async () => {
    const h = await resolveOk(
      [
        'Host web',
        '  ProxyCommand ssh -W %h:%p bastion',
        '  CertificateFile ~/.ssh/web-cert.pub',
        '  CertificateFile ~/.ssh/%h-cert.pub',
        '  PKCS11Provider /usr/lib/opensc-pkcs11.so',
        '  GSSAPIAuthentication yes',
        '  ControlMaster auto',
        '  ControlPath ~/.ssh/cm-%C',
        '  KnownHostsCommand /bin/true',
        '  SecurityKeyProvider internal',
        '',
      ].join('\n'),
      { destination: 'web', options: ['HoldfastTransport=openssh'] },
    );
    expect(h.transport).toBe('openssh');
    expect(h.proxyJump).toEqual([]);
    expect(h.openssh).toEqual({
      // %h is web: the two lines name one file, kept once.
      certificateFiles: [path.join(home, '.ssh/web-cert.pub')],
      proxyCommand: 'ssh -W %h:%p bastion',
      pkcs11Provider: '/usr/lib/opensc-pkcs11.so',
      securityKeyProvider: undefined,
      gssapiAuthentication: true,
      controlMaster: 'auto',
      controlPath: '~/.ssh/cm-%C',
      knownHostsCommand: '/bin/true',
      securityKeyFiles: [],
    });
    expect(h.origin.commandLine).toEqual({
      destination: 'web',
      options: ['HoldfastTransport=openssh'],
    });
  });

  it('"none" turns each off, and the default transport is auto', async () => {
    const h = await resolveOk(
      'Host web\n  ProxyCommand none\n  PKCS11Provider none\n  ControlPath none\n',
      { destination: 'web' },
    );
    expect(h.transport).toBe('auto');
    expect(h.openssh.proxyCommand).toBeUndefined();
    expect(h.openssh.pkcs11Provider).toBeUndefined();
    expect(h.openssh.controlPath).toBeUndefined();
    expect(h.openssh.controlMaster).toBe('no');
  });

  it('lists default security-key identities only when no IdentityFile is set', async () => {
    await writeSsh('id_ed25519_sk', 'x');
    const plain = await resolveOk('', { destination: 'web' });
    expect(plain.openssh.securityKeyFiles).toEqual([path.join(home, '.ssh/id_ed25519_sk')]);
    const chosen = await resolveOk('IdentityFile ~/.ssh/other\n', { destination: 'web' });
    expect(chosen.openssh.securityKeyFiles).toEqual([]);
  });
});

describe('precedence: -o, then flags, then the destination, then the file (first wins)', () => {
  const cases: { name: string; config: string; input: Input; expect: Partial<ResolvedHost> }[] = [
    {
      name: 'a -o option beats the config file',
      config: 'Host web\n  Port 2200\n',
      input: { destination: 'web', options: ['Port=2300'] },
      expect: { port: 2300 },
    },
    {
      name: 'a -o option may use a space instead of =',
      config: '',
      input: { destination: 'web', options: ['User alice'] },
      expect: { user: 'alice' },
    },
    {
      name: 'the -p flag beats the config file',
      config: 'Host web\n  Port 2200\n',
      input: { destination: 'web', port: 2400 },
      expect: { port: 2400 },
    },
    {
      name: '-o Port comes before -p',
      config: '',
      input: { destination: 'web', options: ['Port=1111'], port: 2222 },
      expect: { port: 1111 },
    },
    {
      name: '-l beats the user written in the destination',
      config: '',
      input: { destination: 'bob@web', user: 'carol' },
      expect: { user: 'carol' },
    },
    {
      name: 'the user in the destination beats the config file',
      config: 'Host web\n  User filed\n',
      input: { destination: 'bob@web' },
      expect: { user: 'bob' },
    },
    {
      name: 'the first matching value in the file wins',
      config: 'Host web\n  User first\nHost *\n  User second\n',
      input: { destination: 'web' },
      expect: { user: 'first' },
    },
    {
      name: 'a Host * block placed first shadows the specific block after it',
      config: 'Host *\n  User general\nHost web\n  User specific\n',
      input: { destination: 'web' },
      expect: { user: 'general' },
    },
    {
      name: 'options before any Host line apply to every host',
      config: 'Port 2022\nHost web\n  Port 3033\n',
      input: { destination: 'web' },
      expect: { port: 2022 },
    },
    {
      name: 'an ssh:// URI gives user and port',
      config: 'Host web\n  Port 2200\n  User filed\n',
      input: { destination: 'ssh://ann@web:2345' },
      expect: { user: 'ann', port: 2345 },
    },
    {
      name: '-J beats ProxyJump in the file',
      config: 'Host web\n  ProxyJump filed\n',
      input: { destination: 'web', jump: 'flag' },
      expect: { proxyJump: ['flag'] },
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      expect(await resolveOk(c.config, c.input)).toMatchObject(c.expect);
    });
  }

  it('IdentityFile accumulates: -i first, then the file, in order, without duplicates', async () => {
    const host = await resolveOk(
      'Host web\n  IdentityFile ~/.ssh/a\nHost *\n  IdentityFile ~/.ssh/b\n  IdentityFile ~/.ssh/a\n',
      {
        destination: 'web',
        identityFiles: ['/keys/cli'],
      },
    );
    expect(host.identityFiles).toEqual([
      '/keys/cli',
      path.join(home, '.ssh/a'),
      path.join(home, '.ssh/b'),
    ]);
  });

  it('UserKnownHostsFile takes the first line, with all files on it', async () => {
    const host = await resolveOk(
      'UserKnownHostsFile ~/kh1 /tmp/kh_%h\nUserKnownHostsFile /ignored\n',
      { destination: 'Web' },
    );
    expect(host.userKnownHostsFiles).toEqual([path.join(home, 'kh1'), '/tmp/kh_web']);
  });
});

describe('Host patterns', () => {
  const cases: { name: string; pattern: string; host: string; applies: boolean }[] = [
    { name: '* matches any host', pattern: '*', host: 'anything.example', applies: true },
    {
      name: '*.example matches a subdomain',
      pattern: '*.example.com',
      host: 'a.example.com',
      applies: true,
    },
    { name: '? matches exactly one character', pattern: 'web?', host: 'web1', applies: true },
    { name: '? does not match zero characters', pattern: 'web?', host: 'web', applies: false },
    { name: '? does not match two characters', pattern: 'web?', host: 'web12', applies: false },
    {
      name: 'a space-separated list matches any entry',
      pattern: 'db web',
      host: 'web',
      applies: true,
    },
    {
      name: 'a comma-separated list matches any entry',
      pattern: 'db,web',
      host: 'web',
      applies: true,
    },
    {
      name: 'a negated entry excludes the host despite *',
      pattern: '* !web',
      host: 'web',
      applies: false,
    },
    {
      name: 'a negated entry leaves other hosts matched',
      pattern: '* !web',
      host: 'db',
      applies: true,
    },
    { name: 'a lone negated entry matches nothing', pattern: '!web', host: 'db', applies: false },
    { name: 'matching ignores case', pattern: 'WEB', host: 'web', applies: true },
  ];
  for (const c of cases) {
    it(`${c.name} (Host ${c.pattern} vs ${c.host})`, async () => {
      const host = await resolveOk(`Host ${c.pattern}\n  Port 4444\n`, { destination: c.host });
      expect(host.port).toBe(c.applies ? 4444 : 22);
    });
  }

  it('Host patterns match the name as typed, not the HostName', async () => {
    const host = await resolveOk('Host web\n  HostName 10.0.0.5\nHost 10.0.0.5\n  Port 4444\n', {
      destination: 'web',
    });
    expect(host).toMatchObject({ hostName: '10.0.0.5', port: 22 });
  });
});

describe('Match', () => {
  const cases: {
    name: string;
    config: string;
    destination: string;
    expect: Partial<ResolvedHost>;
  }[] = [
    {
      name: 'Match all applies to every host',
      config: 'Match all\n  Port 4444\n',
      destination: 'x',
      expect: { port: 4444 },
    },
    {
      name: 'Match host tests the HostName set so far',
      config: 'Host web\n  HostName web.example.com\nMatch host *.example.com\n  Port 4444\n',
      destination: 'web',
      expect: { port: 4444 },
    },
    {
      name: 'Match originalhost tests the name as typed',
      config: 'Host web\n  HostName web.example.com\nMatch originalhost web\n  Port 4444\n',
      destination: 'web',
      expect: { port: 4444 },
    },
    {
      name: 'Match user tests the remote user',
      config: 'Match user root\n  Port 4444\n',
      destination: 'root@x',
      expect: { port: 4444 },
    },
    {
      name: 'a negated Match criterion inverts it',
      config: 'Match !host x\n  Port 4444\n',
      destination: 'x',
      expect: { port: 22 },
    },
    {
      name: 'all criteria of a Match must hold',
      config: 'Match host x user nobody\n  Port 4444\n',
      destination: 'x',
      expect: { port: 22 },
    },
    {
      name: 'Match host=value is the same as Match host value',
      config: 'Match host=x\n  Port 4444\n',
      destination: 'x',
      expect: { port: 4444 },
    },
    {
      name: 'Match final applies in the second pass, against the final host name',
      config:
        'Host web\n  HostName web.example.com\nMatch final host web.example.com\n  User fin\n',
      destination: 'web',
      expect: { user: 'fin' },
    },
    {
      name: 'an unsupported criterion after a failing one is never evaluated',
      config: 'Match host other exec "true"\n  Port 4444\n',
      destination: 'x',
      expect: { port: 22 },
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      expect(await resolveOk(c.config, { destination: c.destination })).toMatchObject(c.expect);
    });
  }

  it('Match exec that would decide is refused with a clear error naming the line', async () => {
    const err = await resolveErr('Port 22\nMatch host x exec "test -e /tmp"\n  Port 4444\n', {
      destination: 'x',
    });
    expect(err).toMatchObject({ kind: 'config', line: 2, file: path.join(home, '.ssh/config') });
    expect(err.message).toMatch(/cannot evaluate 'Match exec/);
  });

  it('an unknown Match criterion is an error', async () => {
    const err = await resolveErr('Match colour blue\n', { destination: 'x' });
    expect(err.message).toMatch(/line 1: unknown Match criterion 'colour'/);
  });
});

describe('Include', () => {
  it('includes files relative to ~/.ssh, globbed, in sorted order', async () => {
    await writeSsh('conf.d/b.conf', 'Host web\n  User from-b\n  Port 2002\n');
    await writeSsh('conf.d/a.conf', 'Host web\n  User from-a\n');
    await writeSsh('conf.d/ignored.txt', 'Host web\n  Port 9999\n');
    const host = await resolveOk('Include conf.d/*.conf\nHost *\n  Port 1001\n', {
      destination: 'web',
    });
    expect(host).toMatchObject({ user: 'from-a', port: 2002 });
  });

  it('an Include inside a Host block that does not match applies nothing', async () => {
    await writeSsh('inc', 'Port 2002\nHost *\n  User inc\n');
    const host = await resolveOk('Host other\n  Include inc\n', { destination: 'web' });
    expect(host).toMatchObject({ port: 22, user: 'me' });
  });

  it('an Include inside a matching Host block applies its top lines', async () => {
    await writeSsh('inc', 'Port 2002\n');
    const host = await resolveOk('Host web\n  Include inc\n', { destination: 'web' });
    expect(host.port).toBe(2002);
  });

  it('a Host line in an included file does not change the including file’s block', async () => {
    await writeSsh('inc', 'Host nomatch\n  Port 9\n');
    const host = await resolveOk('Host web\n  Include inc\n  User still-web\n', {
      destination: 'web',
    });
    expect(host.user).toBe('still-web');
  });

  it('an Include that matches no file is ignored', async () => {
    const host = await resolveOk('Include nothing/*.conf missing.conf\nPort 2002\n', {
      destination: 'web',
    });
    expect(host.port).toBe(2002);
  });

  it('an included file that includes itself is stopped with an error', async () => {
    await writeSsh('loop', 'Include loop\n');
    const err = await resolveErr('Include loop\n', { destination: 'web' });
    expect(err.message).toMatch(/nested more than 16 deep/);
  });

  it('a malformed line in an included file names that file and line', async () => {
    const inc = await writeSsh('inc', '# comment\n\nPort twenty\n');
    const err = await resolveErr('Include inc\n', { destination: 'web' });
    expect(err).toMatchObject({ file: inc, line: 3 });
    expect(err.message).toMatch(/Bad port 'twenty'/);
  });
});

describe('tokens and paths', () => {
  it('IdentityFile expands ~ and %d %u %h %r %p %n %%', async () => {
    const host = await resolveOk(
      'Host web\n  HostName Web.Example.com\n  User bob\n  Port 2222\n  IdentityFile ~/.ssh/%h-%r-%p-%u-%n-%%\n  IdentityFile %d/k2\n',
      { destination: 'web' },
    );
    expect(host.identityFiles).toEqual([
      path.join(home, '.ssh/web.example.com-bob-2222-me-web-%'),
      path.join(home, 'k2'),
    ]);
  });

  it('IdentityFile expands ${VAR} from the environment', async () => {
    await writeSsh('config', 'IdentityFile ${KEYDIR}/id\n');
    const r = await resolveHost({
      destination: 'web',
      home,
      localUser: 'me',
      env: { KEYDIR: '/keys' },
    });
    expect(r.ok && r.value.identityFiles).toEqual(['/keys/id']);
  });

  it('an unknown token is an error naming the line and the tokens allowed', async () => {
    const err = await resolveErr('\nIdentityFile ~/.ssh/%q\n', { destination: 'web' });
    expect(err.line).toBe(2);
    expect(err.message).toMatch(/unknown token %q; allowed here: %%/);
  });

  it('HostName expands %h to the name as typed', async () => {
    const host = await resolveOk('Host *\n  HostName %h.internal.example\n', { destination: 'db' });
    expect(host.hostName).toBe('db.internal.example');
  });

  it('IdentityFile none adds nothing and suppresses the defaults', async () => {
    await writeSsh('id_ed25519', 'x');
    const host = await resolveOk('IdentityFile none\n', { destination: 'web' });
    expect(host.identityFiles).toEqual([]);
  });
});

describe('defaults', () => {
  it('uses OpenSSH defaults and Holdfast keepalives when nothing is set', async () => {
    const host = await resolveOk('', { destination: 'Web' });
    expect(host).toMatchObject({
      alias: 'Web',
      hostName: 'web',
      port: 22,
      user: 'me',
      identityFiles: [],
      identitiesOnly: false,
      proxyJump: [],
      userKnownHostsFiles: [
        path.join(home, '.ssh/known_hosts'),
        path.join(home, '.ssh/known_hosts2'),
      ],
      strictHostKeyChecking: 'ask',
      serverAliveInterval: HOLDFAST_DEFAULTS.serverAliveInterval,
      serverAliveCountMax: HOLDFAST_DEFAULTS.serverAliveCountMax,
      connectTimeout: undefined,
      preferredAuthentications: ['publickey', 'keyboard-interactive', 'password'],
      numberOfPasswordPrompts: 3,
    });
    expect(HOLDFAST_DEFAULTS).toEqual({
      serverAliveInterval: 1,
      serverAliveCountMax: 4,
      sendEnv: ['LANG', 'LC_*'],
    });
  });

  it('default identity files are the existing ones, in OpenSSH order', async () => {
    await writeSsh('id_ed25519', 'x');
    await writeSsh('id_rsa', 'x');
    const host = await resolveOk('', { destination: 'web' });
    expect(host.identityFiles).toEqual([
      path.join(home, '.ssh/id_rsa'),
      path.join(home, '.ssh/id_ed25519'),
    ]);
  });

  it('a missing ~/.ssh/config is no config', async () => {
    const r = await resolveHost({ destination: 'web', home, localUser: 'me', env: {} });
    expect(r.ok && r.value.port).toBe(22);
  });

  it('-F none reads no file', async () => {
    await writeSsh('config', 'Port 2002\n');
    const r = await resolveHost({
      destination: 'web',
      configFile: 'none',
      home,
      localUser: 'me',
      env: {},
    });
    expect(r.ok && r.value.port).toBe(22);
  });

  it('-F names another file', async () => {
    const file = await writeSsh('other', 'Port 2002\n');
    const r = await resolveHost({
      destination: 'web',
      configFile: file,
      home,
      localUser: 'me',
      env: {},
    });
    expect(r.ok && r.value.port).toBe(2002);
  });

  it('-F with a missing file is an error', async () => {
    const r = await resolveHost({
      destination: 'web',
      configFile: path.join(home, 'nope'),
      home,
      localUser: 'me',
      env: {},
    });
    expect(!r.ok && r.error.message).toMatch(/cannot read config file .*nope: no such file/);
  });
});

describe('option values', () => {
  const cases: { name: string; line: string; expect: Partial<ResolvedHost> }[] = [
    {
      name: 'StrictHostKeyChecking off means no',
      line: 'StrictHostKeyChecking off',
      expect: { strictHostKeyChecking: 'no' },
    },
    {
      name: 'StrictHostKeyChecking accept-new',
      line: 'StrictHostKeyChecking accept-new',
      expect: { strictHostKeyChecking: 'accept-new' },
    },
    {
      name: 'StrictHostKeyChecking yes',
      line: 'StrictHostKeyChecking yes',
      expect: { strictHostKeyChecking: 'yes' },
    },
    {
      name: 'ConnectTimeout takes OpenSSH time units',
      line: 'ConnectTimeout 1m30s',
      expect: { connectTimeout: 90 },
    },
    {
      name: 'ServerAliveInterval in seconds',
      line: 'ServerAliveInterval 15',
      expect: { serverAliveInterval: 15 },
    },
    {
      name: 'ServerAliveCountMax',
      line: 'ServerAliveCountMax 7',
      expect: { serverAliveCountMax: 7 },
    },
    { name: 'IdentitiesOnly yes', line: 'IdentitiesOnly yes', expect: { identitiesOnly: true } },
    { name: 'ForwardAgent no', line: 'ForwardAgent no', expect: { forwardAgent: false } },
    {
      name: 'ForwardAgent yes forwards IdentityAgent when set',
      line: 'ForwardAgent yes\nIdentityAgent /run/agent.sock',
      expect: { forwardAgent: { socket: '/run/agent.sock' } },
    },
    {
      name: 'ForwardAgent takes a socket path',
      line: 'ForwardAgent /tmp/other.sock',
      expect: { forwardAgent: { socket: '/tmp/other.sock' } },
    },
    { name: 'keywords ignore case', line: 'hOsTnAmE 10.1.2.3', expect: { hostName: '10.1.2.3' } },
    {
      name: 'ProxyJump is a comma chain',
      line: 'ProxyJump a,u@b:2200',
      expect: { proxyJump: ['a', 'u@b:2200'] },
    },
    { name: 'ProxyJump none means direct', line: 'ProxyJump none', expect: { proxyJump: [] } },
    {
      name: 'PasswordAuthentication no drops password',
      line: 'PasswordAuthentication no',
      expect: { preferredAuthentications: ['publickey', 'keyboard-interactive'] },
    },
    {
      name: 'PreferredAuthentications sets the order',
      line: 'PreferredAuthentications password,publickey,gssapi-with-mic',
      expect: { preferredAuthentications: ['password', 'publickey'] },
    },
    {
      name: 'UserKnownHostsFile none reads no user file',
      line: 'UserKnownHostsFile none',
      expect: { userKnownHostsFiles: [] },
    },
    {
      name: 'known but unused keywords are accepted',
      line: 'ForwardX11 yes',
      expect: { port: 22 },
    },
    { name: 'ProxyCommand none is allowed', line: 'ProxyCommand none', expect: { proxyJump: [] } },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      expect(await resolveOk(`${c.line}\n`, { destination: 'web' })).toMatchObject(c.expect);
    });
  }

  it('IgnoreUnknown lets an unknown keyword pass', async () => {
    const host = await resolveOk('IgnoreUnknown UseKeychain,AddKeys*\nUseKeychain yes\n', {
      destination: 'web',
    });
    expect(host.port).toBe(22);
  });
});

describe('malformed input is an error naming file, line, problem and fix', () => {
  const cases: { name: string; config: string; line: number; message: RegExp }[] = [
    {
      name: 'an unknown keyword',
      config: 'Host web\n  Hostnmae x\n',
      line: 2,
      message: /unknown keyword 'Hostnmae': check its spelling/,
    },
    {
      name: 'a bad port',
      config: 'Port 70000\n',
      line: 1,
      message: /Bad port '70000': use a number from 1 to 65535/,
    },
    {
      name: 'a keyword without value',
      config: 'Host web\n  HostName\n  User bob\n',
      line: 2,
      message: /'HostName' has no value/,
    },
    {
      name: 'an unclosed quote',
      config: 'Host web\n\n  IdentityFile "~/.ssh/my key\n',
      line: 3,
      message: /quote is not closed/,
    },
    {
      name: 'a bad yes/no',
      config: 'IdentitiesOnly maybe\n',
      line: 1,
      message: /must be yes or no, not 'maybe'/,
    },
    {
      name: 'a bad StrictHostKeyChecking',
      config: 'StrictHostKeyChecking sometimes\n',
      line: 1,
      message: /must be yes, no, accept-new, ask or off/,
    },
    {
      name: 'a bad time',
      config: 'ConnectTimeout soon\n',
      line: 1,
      message: /must be a time in seconds/,
    },
    {
      name: 'too many values',
      config: 'User a b\n',
      line: 1,
      message: /takes one value but has 2/,
    },
    {
      name: 'a bad ProxyJump hop',
      config: 'ProxyJump a,b:99999\n',
      line: 1,
      message: /bad ProxyJump hop/,
    },
    {
      name: 'a Host line without patterns',
      config: 'Port 22\nHost\n',
      line: 2,
      message: /'Host' needs at least one pattern|has no value|no value/,
    },
    {
      name: 'a bad value in a block for another host',
      config: 'Host other\n  Port abc\n',
      line: 2,
      message: /Bad port 'abc'/,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const err = await resolveErr(c.config, { destination: 'web' });
      expect(err).toMatchObject({
        kind: 'config',
        file: path.join(home, '.ssh/config'),
        line: c.line,
        retryable: false,
      });
      expect(err.message).toContain(`${path.join(home, '.ssh/config')} line ${c.line}: `);
      expect(err.message).toMatch(c.message);
    });
  }

  it('a bad HoldfastTransport names the values it takes', async () => {
    const err = await resolveErr('', { destination: 'web', options: ['HoldfastTransport=ssh'] });
    expect(err.message).toMatch(/HoldfastTransport must be auto, ssh2 or openssh/);
  });

  it('HoldfastPredict comes from -o or the file, and a bad value names the values it takes', async () => {
    expect((await resolveOk('', { destination: 'web' })).predict).toBeUndefined();
    const o = await resolveOk('Host web\n  HoldfastPredict always\n', {
      destination: 'web',
      options: ['HoldfastPredict=never'],
    });
    expect(o.predict).toBe('never');
    expect(
      (await resolveOk('Host web\n  HoldfastPredict Always\n', { destination: 'web' })).predict,
    ).toBe('always');
    const err = await resolveErr('', { destination: 'web', options: ['HoldfastPredict=yes'] });
    expect(err.message).toMatch(/HoldfastPredict must be auto .*, always or never, not 'yes'/);
  });

  it('RequestTTY comes from -o or the file (yes, no, force, auto; true/false as yes/no), a bad value names the values', async () => {
    expect((await resolveOk('', { destination: 'web' })).requestTty).toBeUndefined();
    const o = await resolveOk('Host web\n  RequestTTY no\n', {
      destination: 'web',
      options: ['RequestTTY=force'],
    });
    expect(o.requestTty).toBe('force');
    const file = async (v: string) =>
      (await resolveOk(`Host web\n  RequestTTY ${v}\n`, { destination: 'web' })).requestTty;
    expect(await file('Yes')).toBe('yes');
    expect(await file('false')).toBe('no');
    expect(await file('auto')).toBe('auto');
    const err = await resolveErr('', { destination: 'web', options: ['RequestTTY=always'] });
    expect(err.message).toMatch(/RequestTTY must be yes, no, force or auto, not 'always'/);
  });

  it('a bad -o option names the option', async () => {
    const err = await resolveErr('', { destination: 'web', options: ['Prot=22'] });
    expect(err.message).toMatch(/^option -o 'Prot=22': unknown keyword 'Prot'/);
  });

  it('Host is refused on the command line', async () => {
    const err = await resolveErr('', { destination: 'web', options: ['Host=x'] });
    expect(err.message).toMatch(/Host cannot be given with -o/);
  });

  it('host:port is not a destination, with a hint', async () => {
    const err = await resolveErr('', { destination: 'bob@web:2222' });
    expect(err.message).toBe(
      "'bob@web:2222' is not a destination ssh accepts (host:port): use -p 2222 bob@web, or ssh://bob@web:2222.",
    );
  });

  it('a ProxyJump to the host itself is a loop', async () => {
    const err = await resolveErr('Host web\n  ProxyJump web\n', { destination: 'web' });
    expect(err.message).toMatch(/points at web itself/);
  });
});

describe('ProxyJump chains', () => {
  const config = [
    'Host target',
    '  ProxyJump a,jb@b:2200',
    'Host a',
    '  HostName a.example',
    '  ProxyJump x',
    'Host b',
    '  ProxyJump z',
    '  User fileuser',
    'Host x',
    '  User xu',
    '',
  ].join('\n');

  it('resolves the first hop’s own ProxyJump first, and later hops through the chain', async () => {
    const target = await resolveOk(config, { destination: 'target', options: ['User=onlytarget'] });
    const chain = await resolveJumpChain(target);
    if (!chain.ok) throw new Error(chain.error.message);
    expect(chain.value.map((h) => `${h.user}@${h.hostName}:${h.port}`)).toEqual([
      'xu@x:22',
      'me@a.example:22',
      'jb@b:2200',
    ]);
    expect(chain.value[2]?.proxyJump).toEqual([]);
  });

  it('a host without ProxyJump has an empty chain', async () => {
    const host = await resolveOk('', { destination: 'web' });
    const chain = await resolveJumpChain(host);
    expect(chain).toEqual({ ok: true, value: [] });
  });

  it('a chain that loops through jump hosts is stopped', async () => {
    const host = await resolveOk(
      'Host t\n  ProxyJump p\nHost p\n  ProxyJump q\nHost q\n  ProxyJump p\n',
      { destination: 't' },
    );
    const chain = await resolveJumpChain(host);
    expect(!chain.ok && chain.error.message).toMatch(/longer than 8 hops/);
  });
});

describe('ForwardAgent', () => {
  it('is off unless a line turns it on', async () => {
    expect((await resolveOk('Port 22\n', { destination: 'web' })).forwardAgent).toBe(false);
  });

  it('yes forwards SSH_AUTH_SOCK when no IdentityAgent is set, as OpenSSH', async () => {
    const host = await resolveOk('ForwardAgent yes\n', {
      destination: 'web',
      env: { SSH_AUTH_SOCK: '/tmp/agent.1' },
    });
    expect(host.forwardAgent).toEqual({ socket: '/tmp/agent.1' });
  });

  it('yes with IdentityAgent none has no agent to forward, as ssh', async () => {
    const host = await resolveOk('ForwardAgent yes\nIdentityAgent none\n', {
      destination: 'web',
      env: { SSH_AUTH_SOCK: '/tmp/agent.1' },
    });
    expect(host.forwardAgent).toEqual({ socket: undefined });
  });

  it("-o ForwardAgent=no (the CLI's -a) beats the file", async () => {
    const host = await resolveOk('ForwardAgent yes\n', {
      destination: 'web',
      options: ['ForwardAgent=no'],
    });
    expect(host.forwardAgent).toBe(false);
  });

  it('$VAR names the socket; an unset one is an error naming it', async () => {
    const host = await resolveOk('ForwardAgent $MY_AGENT\n', {
      destination: 'web',
      env: { MY_AGENT: '/tmp/mine' },
    });
    expect(host.forwardAgent).toEqual({ socket: '/tmp/mine' });
    const e = await resolveErr('ForwardAgent $NOPE\n', { destination: 'web' });
    expect(e.message).toMatch(/ForwardAgent names \$NOPE, which is not set/);
  });
});

describe('SendEnv and SetEnv', () => {
  it('SendEnv defaults to the locale when no line names it', async () => {
    const host = await resolveOk('Host web\n  Port 2200\n', { destination: 'web' });
    expect(host.sendEnv).toEqual(['LANG', 'LC_*']);
    expect(host.setEnv).toEqual({});
  });

  it('SendEnv accumulates over lines and blocks, and -PATTERN takes names back', async () => {
    const host = await resolveOk(
      'Host web\n  SendEnv LANG LC_* EDITOR\nHost *\n  SendEnv GIT_*\n  SendEnv -LC_* -EDIT*\n',
      { destination: 'web' },
    );
    expect(host.sendEnv).toEqual(['LANG', 'GIT_*']);
  });

  it('SetEnv takes the first line whole, with quoted values, first name wins', async () => {
    const host = await resolveOk(
      'Host web\n  SetEnv A=1 "B=two words" A=ignored\nHost *\n  SetEnv C=3\n',
      { destination: 'web' },
    );
    expect(host.setEnv).toEqual({ A: '1', B: 'two words' });
  });

  it('a -o SetEnv beats the file', async () => {
    const host = await resolveOk('SetEnv A=file\n', {
      destination: 'web',
      options: ['SetEnv=A=cli'],
    });
    expect(host.setEnv).toEqual({ A: 'cli' });
  });

  it('splits SetEnv words like OpenSSH: quotes group, backslash escapes a quote', async () => {
    expect(splitWords(`A=1 "B=two  words" 'C=it''s' D=say\\"hi\\"`)).toEqual([
      'A=1',
      'B=two  words',
      'C=its',
      'D=say"hi"',
    ]);
    expect(splitWords('A="open')).toBeUndefined();
  });

  it('a SetEnv entry without NAME= is an error that shows the form', async () => {
    const err = await resolveErr('Host web\n  SetEnv JUSTANAME\n', { destination: 'web' });
    expect(err).toMatchObject({ kind: 'config', line: 2 });
    expect(err.message).toMatch(/takes NAME=VALUE .* not 'JUSTANAME'/);
  });
});
