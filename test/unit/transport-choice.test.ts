/**
 * Proves how a host's transport is chosen: ssh2 unless the config or the disk asks for
 * something only the system OpenSSH client can do (certificates, security keys, PKCS#11,
 * GSSAPI, ProxyCommand, KnownHostsCommand, a host known only by its CA), per host and
 * through jump hosts, with HoldfastTransport to override, and a reason for each choice.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noOpenSshOnly, resolveHost, type OpenSshOnly } from '../../main/engine/ssh/config';
import { certificatesInAnswer } from '../../main/engine/transport/agentCertificates';
import { chooseTransport, type HostFacts } from '../../main/engine/transport/chooseTransport';
import {
  chooseTransportFor,
  gatherFacts,
  opensshPrivateKeyType,
} from '../../main/engine/transport/transportFacts';

function facts(over: Partial<HostFacts> = {}, openssh: Partial<OpenSshOnly> = {}): HostFacts {
  return {
    label: 'alice@web',
    transport: 'auto',
    openssh: { ...noOpenSshOnly(), ...openssh },
    certificatesBeside: [],
    agentCertificates: [],
    securityKeys: [],
    hostCertAuthorities: [],
    plainHostKeyKnown: false,
    ...over,
  };
}

describe('chooseTransport', () => {
  const cases: {
    name: string;
    target: HostFacts;
    hops?: HostFacts[];
    expect: { transport: 'ssh2' | 'openssh'; why: RegExp };
  }[] = [
    {
      name: 'a plain host stays on ssh2',
      target: facts(),
      expect: { transport: 'ssh2', why: /nothing in its config needs the system ssh/ },
    },
    {
      name: 'a certificate beside the key goes to OpenSSH',
      target: facts({ certificatesBeside: ['/h/.ssh/id_ed25519-cert.pub'] }),
      expect: { transport: 'openssh', why: /^user certificate \/h\/.ssh\/id_ed25519-cert.pub$/ },
    },
    {
      name: 'CertificateFile goes to OpenSSH, named once even if also found beside the key',
      target: facts({ certificatesBeside: ['/c-cert.pub'] }, { certificateFiles: ['/c-cert.pub'] }),
      expect: { transport: 'openssh', why: /^user certificate \/c-cert.pub$/ },
    },
    {
      name: 'a certificate in the ssh-agent goes to OpenSSH',
      target: facts({ agentCertificates: ['alice@step-ca'] }),
      expect: {
        transport: 'openssh',
        why: /^user certificate in the ssh-agent \(alice@step-ca\)$/,
      },
    },
    {
      name: 'a security-key identity goes to OpenSSH',
      target: facts({ securityKeys: ['/h/.ssh/id_sk'] }),
      expect: { transport: 'openssh', why: /security key \/h\/.ssh\/id_sk/ },
    },
    {
      name: 'a default security-key file goes to OpenSSH',
      target: facts({}, { securityKeyFiles: ['/h/.ssh/id_ed25519_sk'] }),
      expect: { transport: 'openssh', why: /security key \/h\/.ssh\/id_ed25519_sk/ },
    },
    {
      name: 'ProxyCommand goes to OpenSSH',
      target: facts({}, { proxyCommand: 'nc %h %p' }),
      expect: { transport: 'openssh', why: /^ProxyCommand$/ },
    },
    {
      name: 'PKCS11Provider, GSSAPI and KnownHostsCommand are all named',
      target: facts(
        {},
        {
          pkcs11Provider: '/lib/p11.so',
          gssapiAuthentication: true,
          knownHostsCommand: '/bin/kh',
        },
      ),
      expect: {
        transport: 'openssh',
        why: /^PKCS11Provider; GSSAPIAuthentication \(Kerberos\); KnownHostsCommand$/,
      },
    },
    {
      name: 'a host known only by its CA goes to OpenSSH',
      target: facts({ hostCertAuthorities: ['~/.ssh/known_hosts:3'] }),
      expect: {
        transport: 'openssh',
        why: /host certificate authority \(~\/.ssh\/known_hosts:3\)/,
      },
    },
    {
      name: 'a host with a CA line and a plain key stays on ssh2 (ssh2 checks the plain key)',
      target: facts({ hostCertAuthorities: ['kh:1'], plainHostKeyKnown: true }),
      expect: { transport: 'ssh2', why: /nothing/ },
    },
    {
      name: 'a jump host that needs OpenSSH takes the whole chain there, named',
      target: facts(),
      hops: [facts({ label: 'bob@bastion', certificatesBeside: ['/b-cert.pub'] })],
      expect: {
        transport: 'openssh',
        why: /^jump host bob@bastion: user certificate \/b-cert.pub$/,
      },
    },
    {
      name: 'HoldfastTransport=openssh forces OpenSSH for a plain host',
      target: facts({ transport: 'openssh' }),
      expect: { transport: 'openssh', why: /^HoldfastTransport=openssh$/ },
    },
    {
      name: 'HoldfastTransport=ssh2 keeps ssh2 and says what it ignores',
      target: facts({ transport: 'ssh2', certificatesBeside: ['/c-cert.pub'] }),
      expect: { transport: 'ssh2', why: /HoldfastTransport=ssh2, ignoring .*user certificate/ },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = chooseTransport(c.target, c.hops ?? []);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.transport).toBe(c.expect.transport);
      expect(r.why).toMatch(c.expect.why);
    });
  }

  it('refuses HoldfastTransport=ssh2 with a ProxyCommand, naming the way out', () => {
    const r = chooseTransport(facts({ transport: 'ssh2' }, { proxyCommand: 'nc %h %p' }));
    expect(r).toEqual({
      ok: false,
      message: expect.stringMatching(
        /cannot run the ProxyCommand of alice@web.*HoldfastTransport=auto/,
      ),
    });
  });
});

describe('the facts on disk', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'hft-transport-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  async function resolved(config: string, options: string[] = []) {
    await writeFile(path.join(home, 'config'), config);
    const r = await resolveHost({
      destination: 'web',
      configFile: path.join(home, 'config'),
      options,
      home,
      localUser: 'me',
      env: {},
    });
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  }

  it('finds key-cert.pub beside an identity, and beside the key a .pub IdentityFile names', async () => {
    await writeFile(path.join(home, 'id_a'), 'x');
    await writeFile(path.join(home, 'id_a-cert.pub'), 'ssh-ed25519-cert-v01@openssh.com AAAA');
    await writeFile(path.join(home, 'id_b.pub'), 'ssh-ed25519 AAAA');
    await writeFile(path.join(home, 'id_b-cert.pub'), 'ssh-ed25519-cert-v01@openssh.com AAAA');
    const h = await resolved(`IdentityFile ${home}/id_a\nIdentityFile ${home}/id_b.pub\n`);
    const f = await gatherFacts(h);
    expect(f.certificatesBeside).toEqual([`${home}/id_a-cert.pub`, `${home}/id_b-cert.pub`]);
  });

  it('reads a security key from its .pub, or from the private key when there is none', async () => {
    await writeFile(path.join(home, 'sk1'), 'x');
    await writeFile(path.join(home, 'sk1.pub'), 'sk-ssh-ed25519@openssh.com AAAA me');
    await writeFile(path.join(home, 'sk2'), opensshKeyFile('sk-ecdsa-sha2-nistp256@openssh.com'));
    await writeFile(path.join(home, 'plain'), opensshKeyFile('ssh-ed25519'));
    const h = await resolved(
      `IdentityFile ${home}/sk1\nIdentityFile ${home}/sk2\nIdentityFile ${home}/plain\n`,
    );
    expect((await gatherFacts(h)).securityKeys).toEqual([`${home}/sk1`, `${home}/sk2`]);
  });

  it('finds @cert-authority lines for the host and port, and notices a plain key beside them', async () => {
    const kh = path.join(home, 'known_hosts');
    await writeFile(
      kh,
      [
        '@cert-authority [other]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==',
        '@cert-authority [web]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==',
        '',
      ].join('\n'),
    );
    const base = `Port 2222\nUserKnownHostsFile ${kh}\nGlobalKnownHostsFile none\n`;
    const only = await gatherFacts(await resolved(base));
    expect(only.hostCertAuthorities).toEqual(['~/known_hosts:2']);
    expect(only.plainHostKeyKnown).toBe(false);
    await writeFile(kh, '[web]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==\n', { flag: 'a' });
    expect((await gatherFacts(await resolved(base))).plainHostKeyKnown).toBe(true);
  });

  it('chooses for a resolved host end to end, -o HoldfastTransport included', async () => {
    const plain = await chooseTransportFor(await resolved('IdentityFile /nonexistent\n'));
    expect(plain).toMatchObject({ ok: true, transport: 'ssh2' });
    const forced = await chooseTransportFor(
      await resolved('IdentityFile /nonexistent\n', ['HoldfastTransport=openssh']),
    );
    expect(forced).toMatchObject({ ok: true, transport: 'openssh' });
  });
});

/** An unencrypted OpenSSH private key file whose public part has `type` (body zeroed). */
function opensshKeyFile(type: string): string {
  const str = (b: Buffer | string) => {
    const v = typeof b === 'string' ? Buffer.from(b) : b;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(v.length);
    return Buffer.concat([len, v]);
  };
  const pub = Buffer.concat([str(type), str(Buffer.alloc(32))]);
  const nkeys = Buffer.alloc(4);
  nkeys.writeUInt32BE(1);
  const bin = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    str('none'),
    str('none'),
    str(''),
    nkeys,
    str(pub),
    str(Buffer.alloc(16)),
  ]);
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${bin.toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

describe('opensshPrivateKeyType', () => {
  it('reads the type from the unencrypted header', () => {
    expect(opensshPrivateKeyType(opensshKeyFile('sk-ssh-ed25519@openssh.com'))).toBe(
      'sk-ssh-ed25519@openssh.com',
    );
  });
  it('gives undefined for PEM keys and for truncated ones', () => {
    expect(opensshPrivateKeyType('-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END')).toBe(
      undefined,
    );
    const cut = opensshKeyFile('ssh-ed25519').replace(/\n[^-]+\n/, '\nb3BlbnNzaC1rZXktdjEA\n');
    expect(opensshPrivateKeyType(cut)).toBe(undefined);
  });
});

describe('certificatesInAnswer (ssh-agent identities answer)', () => {
  const str = (s: Buffer | string) => {
    const v = typeof s === 'string' ? Buffer.from(s) : s;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(v.length);
    return Buffer.concat([len, v]);
  };
  const answer = (ids: [string, string][]) => {
    const n = Buffer.alloc(4);
    n.writeUInt32BE(ids.length);
    return Buffer.concat([
      Buffer.from([12]),
      n,
      ...ids.flatMap(([type, comment]) => [str(str(type)), str(comment)]),
    ]);
  };
  it('lists the certificates by comment and skips plain keys', () => {
    const body = answer([
      ['ssh-ed25519', 'plain'],
      ['ssh-ed25519-cert-v01@openssh.com', 'alice@step-ca'],
      ['ecdsa-sha2-nistp256-cert-v01@openssh.com', ''],
    ]);
    expect(certificatesInAnswer(body)).toEqual([
      'alice@step-ca',
      'ecdsa-sha2-nistp256-cert-v01@openssh.com',
    ]);
  });
  it('gives nothing for a failure or a truncated answer', () => {
    expect(certificatesInAnswer(Buffer.from([5]))).toEqual([]);
    const body = answer([['ssh-ed25519-cert-v01@openssh.com', 'c']]);
    expect(certificatesInAnswer(body.subarray(0, body.length - 2))).toEqual([]);
  });
});
