// The disk half of the transport choice: certificates beside identity files, security-key
// identities, and known_hosts' certificate authorities for the host. chooseTransport.ts
// decides from what this gathers.

import { open } from 'node:fs/promises';
import { displayPath, resolveJumpChain, type ResolvedHost } from '../ssh/config';
import { hostKeyIdentity } from '../ssh/hostKeyPolicy';
import { hostCertAuthorities } from '../ssh/knownHosts';
import { agentCertificates } from './agentCertificates';
import { blobKeyType, WireReader } from './wireReader';
import { chooseTransport, type HostFacts, type TransportChoice } from './chooseTransport';

/** Bytes read from a key file to learn its type: an OpenSSH private key's header fits. */
const KEY_HEAD_BYTES = 16 * 1024;
const OPENSSH_KEY_MAGIC = 'openssh-key-v1\0';

async function readHead(file: string): Promise<Buffer | undefined> {
  try {
    const h = await open(file, 'r');
    try {
      const buf = Buffer.alloc(KEY_HEAD_BYTES);
      const { bytesRead } = await h.read(buf, 0, buf.length, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await h.close();
    }
  } catch {
    return undefined;
  }
}

async function exists(file: string): Promise<boolean> {
  return (await readHead(file)) !== undefined;
}

/**
 * The key type of an OpenSSH-format private key, from its unencrypted public part:
 *   "openssh-key-v1\0" string cipher, string kdf, string kdfoptions, uint32 nkeys,
 *   string publickey (itself beginning with string keytype). Undefined for other formats.
 */
export function opensshPrivateKeyType(text: string): string | undefined {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END/.exec(text);
  if (!m) return undefined;
  const bin = Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64');
  if (bin.subarray(0, OPENSSH_KEY_MAGIC.length).toString('latin1') !== OPENSSH_KEY_MAGIC)
    return undefined;
  const r = new WireReader(bin, OPENSSH_KEY_MAGIC.length);
  // cipher, kdf, kdf options
  for (let i = 0; i < 3; i++) if (r.string() === undefined) return undefined;
  if (r.uint32() === undefined) return undefined;
  const pub = r.string();
  return pub === undefined ? undefined : blobKeyType(pub);
}

/** The type of the key in an identity file: from `<file>.pub`, else from the file itself. */
async function identityKeyType(file: string): Promise<string | undefined> {
  const pub = await readHead(`${file}.pub`);
  if (pub !== undefined) return pub.toString('latin1').trim().split(/\s+/)[0];
  const head = await readHead(file);
  return head === undefined ? undefined : opensshPrivateKeyType(head.toString('latin1'));
}

function label(h: ResolvedHost): string {
  return `${h.user}@${h.alias}${h.port === 22 ? '' : `:${h.port}`}`;
}

/** What `host` asks for that only OpenSSH can do, read from its config and the disk. */
export async function gatherFacts(host: ResolvedHost): Promise<HostFacts> {
  const certificatesBeside: string[] = [];
  const securityKeys: string[] = [];
  for (const id of host.identityFiles) {
    // A `.pub` IdentityFile names an agent-held key: ssh looks for `key-cert.pub` then.
    const base = id.endsWith('.pub') ? id.slice(0, -4) : id;
    if (await exists(`${base}-cert.pub`)) certificatesBeside.push(`${base}-cert.pub`);
    if ((await identityKeyType(base))?.startsWith('sk-')) securityKeys.push(id);
  }
  // ssh offers the agent's certificates unless told to use only the configured identities.
  const env = host.origin.env ?? process.env;
  const agent = host.identityAgent ?? env.SSH_AUTH_SOCK;
  const inAgent =
    host.identitiesOnly || agent === undefined || agent === 'none' || agent === ''
      ? []
      : await agentCertificates(agent);
  const id = hostKeyIdentity(host);
  const ca = await hostCertAuthorities(
    [...host.userKnownHostsFiles, ...host.globalKnownHostsFiles],
    id.name,
    id.port,
  );
  return {
    label: label(host),
    transport: host.transport,
    openssh: host.openssh,
    certificatesBeside,
    agentCertificates: inAgent,
    securityKeys,
    hostCertAuthorities: ca.authorities.map((where) => displayPath(where, host.origin.home)),
    plainHostKeyKnown: ca.plainKeyKnown,
  };
}

/** The transport for `host` and its jump hosts, and why. */
export async function chooseTransportFor(host: ResolvedHost): Promise<TransportChoice> {
  const target = await gatherFacts(host);
  // A jump chain that does not resolve fails the ssh2 dial with the config's own words.
  const chain = await resolveJumpChain(host);
  const hops = chain.ok ? await Promise.all(chain.value.map(gatherFacts)) : [];
  return chooseTransport(target, hops, (p) => displayPath(p, host.origin.home));
}
