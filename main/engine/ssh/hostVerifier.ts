/**
 * The ssh2 `hostVerifier` for one dial: reads known_hosts, applies the host-key policy,
 * records accepted keys, and keeps the refusal so the dial can report it (ssh2 itself only
 * says "Host denied"). Runs during key exchange, before any authentication or command.
 */
import type { Prompter } from '../prompts';
import type { ResolvedHost, StrictHostKeyChecking } from './config';
import type { CredentialCache } from './credentials';
import type { DialError } from './errors';
import { keyTypeOfBlob } from './fingerprint';
import { decideHostKey, hostKeyIdentity } from './hostKeyPolicy';
import { addHostKey, checkHostKey } from './knownHosts';
import { knownHostsName } from './knownHostsParse';

/** ssh2's asynchronous verifier form: `key` is the raw public key blob. */
export type Ssh2HostVerifier = (key: Buffer, verify: (ok: boolean) => void) => void;

/** A verifier plus what it concluded. */
export interface HostVerification {
  /** Pass as ssh2's `hostVerifier`. */
  readonly hostVerifier: Ssh2HostVerifier;
  /** Why the key was refused, once it was; undefined while accepted or not yet seen. */
  refusal(): DialError | undefined;
}

/** Options of {@link createHostVerifier}. */
export interface HostVerifierOptions {
  prompter: Prompter;
  /** Remembers "trust once" answers for this run, so a reconnect does not ask again. */
  credentials: CredentialCache;
  /** Overrides the host's StrictHostKeyChecking. */
  strict?: StrictHostKeyChecking;
  signal?: AbortSignal;
  /** Told about things worth a line in a log: skipped known_hosts lines, a key not recorded. */
  onNotice?: (message: string) => void;
}

/** Builds the verifier for one dial to `host`. */
export function createHostVerifier(
  host: ResolvedHost,
  opts: HostVerifierOptions,
): HostVerification {
  let refused: DialError | undefined;
  const files = [...host.userKnownHostsFiles, ...host.globalKnownHostsFiles];
  const id = hostKeyIdentity(host);
  const name = knownHostsName(id.name, id.port);

  const run = async (blob: Buffer): Promise<boolean> => {
    const keyType = keyTypeOfBlob(blob);
    if (keyType === undefined) {
      refused = {
        kind: 'protocol',
        retryable: false,
        detail: 'malformed host key',
        message: `${host.hostName} sent a malformed host key; Holdfast did not connect.`,
      };
      return false;
    }
    const check = await checkHostKey(files, id.name, id.port, keyType, blob);
    for (const note of check.notes)
      opts.onNotice?.(`known_hosts ${note.file}:${note.line}: ${note.problem}.`);
    if (check.kind === 'unknown' && opts.credentials.isHostKeyTrusted(name, blob)) return true;
    const decision = await decideHostKey(host, check, { keyType, blob }, opts.prompter, {
      ...(opts.strict === undefined ? {} : { strict: opts.strict }),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    });
    if (decision.kind === 'refuse') {
      refused = decision.error;
      return false;
    }
    if (decision.record === 'this-run') opts.credentials.trustHostKey(name, blob);
    const file = host.userKnownHostsFiles[0];
    if (decision.record === 'known-hosts' && file !== undefined) {
      try {
        await addHostKey(file, id.name, id.port, keyType, blob, { hash: host.hashKnownHosts });
        opts.onNotice?.(`Added the host key of ${name} (${keyType}) to ${file}.`);
      } catch (err) {
        // Like OpenSSH: failing to record is a warning, the key was still accepted.
        opts.credentials.trustHostKey(name, blob);
        opts.onNotice?.(
          `Could not record the host key of ${name} in ${file}: ${(err as Error).message}.`,
        );
      }
    }
    return true;
  };

  return {
    hostVerifier: (key, verify) => {
      run(key).then(verify, (err: unknown) => {
        refused = {
          kind: 'protocol',
          retryable: false,
          detail: String(err),
          message: `Checking the host key of ${host.hostName} failed: ${(err as Error).message ?? String(err)}.`,
        };
        verify(false);
      });
    },
    refusal: () => refused,
  };
}
