// Which program carries a host's connection, decided from what its ssh_config asks and
// what lies on disk (transportFacts.ts gathers that). Pure: the same facts always give the
// same answer, and the answer says why, for `holdfast -v` and the tab's notice.
//
// ssh2 is the default: it is in-process, opens a stream-local channel straight to the
// session's socket and needs no program on this machine. The system OpenSSH client takes
// over, per host, whenever the config asks for something ssh2 cannot do: certificates
// (mscdex/ssh2#551), security keys, PKCS#11, GSSAPI, ProxyCommand, KnownHostsCommand.

import type { OpenSshOnly, TransportSetting } from '../ssh/config';

export type TransportName = 'ssh2' | 'openssh';

/** What one host (the target or a jump host) asks for, config and disk together. */
export type HostFacts = {
  /** `user@host:port`, to name a jump host in the reason. */
  label: string;
  /** HoldfastTransport; only the target's counts. */
  transport: TransportSetting;
  openssh: OpenSshOnly;
  /** `<IdentityFile>-cert.pub` files that exist: ssh loads them without being told. */
  certificatesBeside: string[];
  /** Certificates the ssh-agent holds and ssh would offer (comments). */
  agentCertificates: string[];
  /** Identity files holding a security key (`sk-ssh-ed25519@openssh.com`, ...). */
  securityKeys: string[];
  /** known_hosts `@cert-authority` lines naming this host ("file:line"). */
  hostCertAuthorities: string[];
  /** Whether known_hosts also records a plain host key for it (then ssh2 can check it). */
  plainHostKeyKnown: boolean;
};

export type TransportChoice =
  { ok: true; transport: TransportName; why: string } | { ok: false; message: string };

/** Why `h` needs OpenSSH, one short phrase per reason; [] when ssh2 can do it all. */
export function opensshReasons(h: HostFacts, display: (p: string) => string = (p) => p): string[] {
  const o = h.openssh;
  const reasons: string[] = [];
  if (o.proxyCommand !== undefined) reasons.push('ProxyCommand');
  for (const c of [...o.certificateFiles, ...h.certificatesBeside]) {
    const phrase = `user certificate ${display(c)}`;
    if (!reasons.includes(phrase)) reasons.push(phrase);
  }
  for (const c of h.agentCertificates) reasons.push(`user certificate in the ssh-agent (${c})`);
  for (const k of [...h.securityKeys, ...o.securityKeyFiles])
    reasons.push(`security key ${display(k)}`);
  if (o.pkcs11Provider !== undefined) reasons.push('PKCS11Provider');
  if (o.securityKeyProvider !== undefined) reasons.push('SecurityKeyProvider');
  if (o.gssapiAuthentication) reasons.push('GSSAPIAuthentication (Kerberos)');
  if (o.knownHostsCommand !== undefined) reasons.push('KnownHostsCommand');
  if (h.hostCertAuthorities.length > 0 && !h.plainHostKeyKnown)
    reasons.push(`host certificate authority (${h.hostCertAuthorities.join(', ')})`);
  return reasons;
}

/**
 * The transport for `target`, reached through `hops` (first first). Any host on the way
 * that needs OpenSSH sends the whole chain there: `ssh -J` then dials the hops itself.
 */
export function chooseTransport(
  target: HostFacts,
  hops: readonly HostFacts[] = [],
  display?: (p: string) => string,
): TransportChoice {
  const reasons = [
    ...hops.flatMap((h) => opensshReasons(h, display).map((r) => `jump host ${h.label}: ${r}`)),
    ...opensshReasons(target, display),
  ];
  if (target.transport === 'openssh')
    return { ok: true, transport: 'openssh', why: 'HoldfastTransport=openssh' };
  if (target.transport === 'ssh2') {
    const proxied = [target, ...hops].find((h) => h.openssh.proxyCommand !== undefined);
    if (proxied !== undefined)
      return {
        ok: false,
        message: `HoldfastTransport=ssh2 cannot run the ProxyCommand of ${proxied.label} (only the system ssh can): remove the option, or set HoldfastTransport=auto.`,
      };
    return {
      ok: true,
      transport: 'ssh2',
      why:
        reasons.length === 0
          ? 'HoldfastTransport=ssh2'
          : `HoldfastTransport=ssh2, ignoring what only OpenSSH can do: ${reasons.join('; ')}`,
    };
  }
  if (reasons.length > 0) return { ok: true, transport: 'openssh', why: reasons.join('; ') };
  return { ok: true, transport: 'ssh2', why: 'nothing in its config needs the system ssh' };
}
