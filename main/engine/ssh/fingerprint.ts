/**
 * Facts about an SSH public key blob (RFC 4253 §6.6): its type and its fingerprint.
 *
 * Wire layout of a blob: uint32 length, then that many bytes of key type name
 * ("ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", ...), then type-specific fields.
 */
import { createHash } from 'node:crypto';

/**
 * OpenSSH-style fingerprint of a public key blob: `SHA256:` and the base64 SHA-256 of the
 * blob without `=` padding — what `ssh-keygen -lf` and ssh's prompts show.
 */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Longest key type name we accept; real ones are under 64 bytes. */
const MAX_KEY_TYPE_LENGTH = 256;

/** The key type named at the start of a blob, or undefined if the blob is malformed. */
export function keyTypeOfBlob(keyBlob: Buffer): string | undefined {
  if (keyBlob.length < 4) return undefined;
  const len = keyBlob.readUInt32BE(0);
  if (len === 0 || len > MAX_KEY_TYPE_LENGTH || 4 + len > keyBlob.length) return undefined;
  const type = keyBlob.toString('latin1', 4, 4 + len);
  return /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}

/** How OpenSSH names a key type in messages: ED25519, ECDSA, RSA, DSA. */
export function keyTypeLabel(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType.startsWith('ecdsa-sha2-')) return 'ECDSA';
  if (keyType === 'ssh-rsa' || keyType.startsWith('rsa-sha2-')) return 'RSA';
  if (keyType === 'ssh-dss') return 'DSA';
  return keyType;
}
