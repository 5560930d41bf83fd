/**
 * known_hosts text and lookups, pure (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT").
 *
 * Line layout, fields separated by blanks:
 *   [@marker] hostpatterns keytype base64-blob [comment]
 * - marker: `@revoked` (this key must never be accepted) or `@cert-authority` (a CA key;
 *   ssh2 does no certificates, so host-key checks skip these lines and a host that has
 *   only them goes to the system ssh, see transport/chooseTransport.ts);
 * - hostpatterns: a comma list of patterns (`*`, `?`, `!negation`), where a host on a
 *   port other than 22 is written `[host]:port`; or one hashed name `|1|salt|hash`, with
 *   hash = HMAC-SHA1(key = salt, data = the name), both base64.
 * A line that does not parse is skipped and reported as a note; it never fails a lookup.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { KnownKeyRef } from './errors';
import { fingerprint, keyTypeOfBlob } from './fingerprint';
import { matchPatternList } from './patterns';

/** A line that was skipped, and why. */
export interface KnownHostsNote {
  file: string;
  line: number;
  problem: string;
}

/** One usable known_hosts line. */
export interface KnownHostsEntry {
  file: string;
  line: number;
  marker: 'revoked' | 'cert-authority' | undefined;
  /** Plain patterns, or the salt and HMAC of a hashed name. */
  hosts: { kind: 'patterns'; patterns: string[] } | { kind: 'hashed'; salt: Buffer; hash: Buffer };
  keyType: string;
  blob: Buffer;
}

/** What known_hosts says about a host key. `notes` lists the lines skipped on the way. */
export type HostKeyCheck =
  /** A recorded key for this host equals the presented one. */
  | { kind: 'match'; file: string; line: number; notes: KnownHostsNote[] }
  /** No key of this type is recorded for this host. */
  | { kind: 'unknown'; notes: KnownHostsNote[] }
  /** Keys of this type are recorded for this host, and none equals the presented one. */
  | { kind: 'changed'; expected: KnownKeyRef[]; notes: KnownHostsNote[] }
  /** The presented key is marked @revoked for this host. */
  | { kind: 'revoked'; file: string; line: number; notes: KnownHostsNote[] };

/** Length of the salt and of the HMAC-SHA1 in a hashed name. */
const SHA1_LENGTH = 20;

/** The name known_hosts files use for a host: `host`, or `[host]:port` off port 22. */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** `|1|salt|hash` for `name`, with a fresh random salt (what `ssh-keygen -H` writes). */
export function hashHostName(name: string, salt: Buffer = randomBytes(SHA1_LENGTH)): string {
  const hash = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')}`;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parses one known_hosts file's text. */
export function parseKnownHosts(
  text: string,
  file: string,
): { entries: KnownHostsEntry[]; notes: KnownHostsNote[] } {
  const entries: KnownHostsEntry[] = [];
  const notes: KnownHostsNote[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = (lines[i] as string).trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const note = (problem: string): void => {
      notes.push({ file, line: lineNo, problem });
    };
    const fields = raw.split(/\s+/);
    let marker: KnownHostsEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift() as string;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else {
        note(`unknown marker '${m}' (only @revoked and @cert-authority exist); line skipped`);
        continue;
      }
    }
    const [hostField, keyType, b64] = fields;
    if (hostField === undefined || keyType === undefined || b64 === undefined) {
      note('expected "hosts keytype key"; line skipped');
      continue;
    }
    if (/^\d+$/.test(keyType)) {
      note('an SSH protocol 1 key; line skipped');
      continue;
    }
    if (!BASE64.test(b64)) {
      note(`the ${keyType} key is not valid base64; line skipped`);
      continue;
    }
    const blob = Buffer.from(b64, 'base64');
    const blobType = keyTypeOfBlob(blob);
    if (blobType !== keyType) {
      note(
        `the key says it is ${blobType ?? 'malformed'} but the line says ${keyType}; line skipped`,
      );
      continue;
    }
    let hosts: KnownHostsEntry['hosts'];
    if (hostField.startsWith('|')) {
      const parts = hostField.split('|');
      const salt =
        parts[2] !== undefined && BASE64.test(parts[2])
          ? Buffer.from(parts[2], 'base64')
          : undefined;
      const hash =
        parts[3] !== undefined && BASE64.test(parts[3])
          ? Buffer.from(parts[3], 'base64')
          : undefined;
      if (
        parts.length !== 4 ||
        parts[1] !== '1' ||
        salt?.length !== SHA1_LENGTH ||
        hash?.length !== SHA1_LENGTH
      ) {
        note('a hashed host name that is not |1|salt|hash; line skipped');
        continue;
      }
      hosts = { kind: 'hashed', salt, hash };
    } else {
      hosts = { kind: 'patterns', patterns: hostField.split(',') };
    }
    entries.push({ file, line: lineNo, marker, hosts, keyType, blob });
  }
  return { entries, notes };
}

/** Whether an entry's host field names `name` (a `knownHostsName`). */
export function entryMatchesHost(entry: KnownHostsEntry, name: string): boolean {
  if (entry.hosts.kind === 'hashed') {
    return createHmac('sha1', entry.hosts.salt).update(name).digest().equals(entry.hosts.hash);
  }
  return matchPatternList(name, entry.hosts.patterns) === 'match';
}

/**
 * Looks a presented key up in parsed entries (in file order). Revoked beats everything;
 * then an equal key is a match; then a different key of the same type is a change.
 * Keys of other types for the host do not count as a change, as in OpenSSH.
 */
export function lookupHostKey(
  entries: readonly KnownHostsEntry[],
  name: string,
  keyType: string,
  blob: Buffer,
  notes: KnownHostsNote[] = [],
): HostKeyCheck {
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && entryMatchesHost(e, name));
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.blob.equals(blob));
  if (revoked) return { kind: 'revoked', file: revoked.file, line: revoked.line, notes };
  const plain = forHost.filter((e) => e.marker === undefined);
  const same = plain.find((e) => e.blob.equals(blob));
  if (same) return { kind: 'match', file: same.file, line: same.line, notes };
  const expected = plain
    .filter((e) => e.keyType === keyType)
    .map((e) => ({
      fingerprint: fingerprint(e.blob),
      keyType: e.keyType,
      file: e.file,
      line: e.line,
    }));
  if (expected.length > 0) return { kind: 'changed', expected, notes };
  return { kind: 'unknown', notes };
}
