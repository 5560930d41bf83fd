/**
 * Publickey login in one round trip where the key allows. ssh2, like OpenSSH, first asks
 * the server whether a key would do (a request without a signature, answered PK_OK) and
 * only then signs: two round trips per key. A key that let us in to this very server
 * earlier in the run will do again, so it is signed at once (RFC 4252 §7 allows the
 * signed request without the query). Any other key, and every first login, keeps the
 * query.
 *
 * ssh2 has no option for this; the one seam is its protocol object's `authPK`, called
 * with no signing callback for the query. This wraps that method on one connection's
 * protocol object, adding the callback when {@link SignFirst} has a signer for the key.
 * If signing fails, the query goes out after all and ssh2 carries on as it always does.
 * `onSignedSent` is told when such a signed request has gone out (pipelined.ts opens the
 * reconnect's channels behind it).
 */
import type { ParsedKey } from 'ssh2';

/** Signs `data` for a publickey login; rejects when it cannot. */
export type Signer = (data: Buffer, hash: string | undefined) => Promise<Buffer>;

/** Says whether to sign at once with this public key (SSH wire form), and how. */
export type SignFirst = (keyBlob: Buffer) => Signer | undefined;

/** The hash an RSA signature algorithm names (others sign with their key type's own). */
function hashOf(keyAlgo: string | undefined): string | undefined {
  switch (keyAlgo) {
    case 'rsa-sha2-256':
      return 'sha256';
    case 'rsa-sha2-512':
      return 'sha512';
    case 'ssh-rsa':
      return 'sha1';
    default:
      return undefined;
  }
}

type AuthPK = (
  username: string,
  key: ParsedKey,
  keyAlgo?: string,
  cbSign?: (data: Buffer, done: (signature: Buffer) => void) => void,
) => void;

/**
 * Wraps `client`'s protocol object (present once `connect()` was called); returns false
 * when this ssh2 has no such seam, and logins keep their two round trips.
 */
export function installSignFirst(
  client: object,
  signFirst: SignFirst,
  onSignedSent: () => void = () => {},
): boolean {
  const proto = (client as { _protocol?: { authPK?: AuthPK } })._protocol;
  if (proto === undefined || typeof proto.authPK !== 'function') return false;
  const authPK = proto.authPK.bind(proto);
  proto.authPK = (username, key, keyAlgo, cbSign) => {
    const blob = cbSign === undefined ? publicBlob(key) : undefined;
    const sign = blob && signFirst(blob);
    if (sign === undefined && cbSign !== undefined) {
      // The signed request after the server said the key would do: sent once signed.
      return authPK(username, key, keyAlgo, (data, done) =>
        cbSign(data, (signature) => {
          done(signature);
          onSignedSent();
        }),
      );
    }
    if (sign === undefined) return authPK(username, key, keyAlgo, cbSign);
    authPK(username, key, keyAlgo, (data, done) => {
      sign(data, hashOf(keyAlgo)).then(
        (signature) => {
          done(signature);
          onSignedSent();
        },
        () => authPK(username, key, keyAlgo),
      );
    });
  };
  return true;
}

function publicBlob(key: ParsedKey): Buffer | undefined {
  try {
    return typeof key?.getPublicSSH === 'function' ? key.getPublicSSH() : undefined;
  } catch {
    return undefined;
  }
}
