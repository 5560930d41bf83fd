/**
 * Reading a private key file (IdentityFile) for public-key authentication: file checks,
 * decryption with a passphrase, and an IdentityFile's public key without its passphrase
 * (to match it against the agent's keys). Failures are reasons for people, never exceptions.
 */
import { readFile, stat } from 'node:fs/promises';
import ssh2, { type ParsedKey } from 'ssh2';

const { utils } = ssh2;

/** A key file read from disk, before any passphrase. */
export type KeyFile =
  | { kind: 'plain'; key: ParsedKey }
  /** Encrypted: `publicBlob` when the file (or its .pub) tells the public key without the passphrase. */
  | { kind: 'encrypted'; data: Buffer; publicBlob: Buffer | undefined }
  | { kind: 'unusable'; reason: string };

/** What trying a passphrase gave. */
export type DecryptResult =
  | { kind: 'ok'; key: ParsedKey }
  | { kind: 'wrong-passphrase' }
  | { kind: 'unusable'; reason: string };

function firstKey(parsed: ParsedKey | ParsedKey[] | Error): ParsedKey | Error {
  if (Array.isArray(parsed)) return parsed[0] ?? new Error('no key in file');
  return parsed;
}

function fileError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot read it (permission denied)';
  if (code === 'EISDIR') return 'is a directory, not a key file';
  return `cannot read it (${(err as Error).message})`;
}

/** A parse error of ssh2's, in words that say what to do. */
function parseReason(message: string): string {
  if (/Unsupported key format/i.test(message)) {
    return 'not a key format Holdfast reads (use OpenSSH or PEM format: ssh-keygen -p -f FILE converts it)';
  }
  const type = /Unsupported OpenSSH private key type: (\S+)/i.exec(message);
  if (type) return `its key type ${type[1]} is not supported (use an ed25519, ecdsa or rsa key)`;
  return `cannot use it (${message})`;
}

/**
 * The public key blob of an encrypted OpenSSH-format key, which the file keeps in the
 * clear. Layout (PROTOCOL.key): "openssh-key-v1\0", string cipher, string kdf, string
 * kdfoptions, uint32 number of keys, then each public key as a string.
 */
function publicBlobOfOpenSshKey(text: string): Buffer | undefined {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(
    text,
  );
  if (!m) return undefined;
  const buf = Buffer.from((m[1] as string).replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (buf.toString('latin1', 0, magic.length) !== magic) return undefined;
  let off = magic.length;
  const readString = (): Buffer | undefined => {
    if (off + 4 > buf.length) return undefined;
    const len = buf.readUInt32BE(off);
    if (off + 4 + len > buf.length) return undefined;
    const s = buf.subarray(off + 4, off + 4 + len);
    off += 4 + len;
    return s;
  };
  for (let i = 0; i < 3; i++) if (readString() === undefined) return undefined;
  if (off + 4 > buf.length || buf.readUInt32BE(off) < 1) return undefined;
  off += 4;
  return readString();
}

/** The public key in `file` if it holds one (and no private key), else undefined. */
async function publicKeyIn(file: string): Promise<Buffer | undefined> {
  try {
    const parsed = firstKey(utils.parseKey(await readFile(file)));
    return parsed instanceof Error || parsed.isPrivateKey() ? undefined : parsed.getPublicSSH();
  } catch {
    return undefined;
  }
}

function publicBlobFromPubFile(file: string): Promise<Buffer | undefined> {
  return publicKeyIn(`${file}.pub`);
}

/** Where {@link readPublicIdentity} found an IdentityFile's public key. */
export type PublicKeySource =
  /** The IdentityFile itself is a public key (`IdentityFile ~/.ssh/key.pub`). */
  | 'public-file'
  /** The `.pub` file next to it. */
  | 'pub-beside'
  /** The private key file (in the clear, or the public part of an encrypted OpenSSH key). */
  | 'private-file';

/** An IdentityFile's public key, learned without a passphrase; blob undefined if it cannot be. */
export interface PublicIdentity {
  blob: Buffer | undefined;
  source: PublicKeySource | undefined;
}

/**
 * The public key of IdentityFile `file`, as OpenSSH's `sshkey_load_public` finds it: the
 * file itself if it is a public key, else `file.pub`, else the public part of the private
 * key file. Asks for nothing, checks no permissions and never fails: it only decides
 * whether an agent key matches, and the file is read properly if it is ever used.
 */
export async function readPublicIdentity(file: string): Promise<PublicIdentity> {
  const own = await publicKeyIn(file);
  if (own !== undefined) return { blob: own, source: 'public-file' };
  const beside = await publicBlobFromPubFile(file);
  if (beside !== undefined) return { blob: beside, source: 'pub-beside' };
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch {
    return { blob: undefined, source: undefined };
  }
  const parsed = firstKey(utils.parseKey(data));
  const blob =
    parsed instanceof Error
      ? publicBlobOfOpenSshKey(data.toString('latin1'))
      : parsed.getPublicSSH();
  return { blob, source: blob === undefined ? undefined : 'private-file' };
}

/**
 * Reads `file`. Like OpenSSH, a key that others may read (mode & 077, owned by us) is
 * refused with the chmod that fixes it (not on Windows, which has no such modes).
 */
export async function readKeyFile(file: string, display: string): Promise<KeyFile> {
  let data: Buffer;
  let mode: number;
  let owner: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) return { kind: 'unusable', reason: 'is not a regular file' };
    mode = st.mode;
    owner = st.uid;
    data = await readFile(file);
  } catch (err) {
    return { kind: 'unusable', reason: fileError(err) };
  }
  const parsed = firstKey(utils.parseKey(data));
  const encrypted = parsed instanceof Error && /no passphrase given/i.test(parsed.message);
  if (parsed instanceof Error && !encrypted)
    return { kind: 'unusable', reason: parseReason(parsed.message) };
  if (!(parsed instanceof Error) && !parsed.isPrivateKey()) {
    return {
      kind: 'unusable',
      reason: 'is a public key: IdentityFile must name the private key (without .pub)',
    };
  }
  const uid = process.getuid?.();
  if (process.platform !== 'win32' && uid !== undefined && owner === uid && (mode & 0o077) !== 0) {
    const perms = (mode & 0o777).toString(8).padStart(4, '0');
    return {
      kind: 'unusable',
      reason: `permissions ${perms} are too open, others could read the key: run chmod 600 ${display}`,
    };
  }
  if (parsed instanceof Error) {
    const publicBlob =
      publicBlobOfOpenSshKey(data.toString('latin1')) ?? (await publicBlobFromPubFile(file));
    return { kind: 'encrypted', data, publicBlob };
  }
  return { kind: 'plain', key: parsed };
}

/** Tries `passphrase` on an encrypted key file's `data`. */
export function decryptKey(data: Buffer, passphrase: string): DecryptResult {
  const parsed = firstKey(utils.parseKey(data, passphrase));
  if (!(parsed instanceof Error)) return { kind: 'ok', key: parsed };
  if (/passphrase|integrity check|decrypt|bad decrypt|Malformed/i.test(parsed.message))
    return { kind: 'wrong-passphrase' };
  return { kind: 'unusable', reason: parseReason(parsed.message) };
}
