/**
 * What to do with a server's host key, given what known_hosts says about it and
 * StrictHostKeyChecking (ssh_config(5)):
 *
 *   known_hosts → | match  | changed | revoked | unknown
 *   yes           | accept | refuse  | refuse  | refuse (says how to add the key)
 *   accept-new    | accept | refuse  | refuse  | accept and record
 *   no / off      | accept | refuse  | refuse  | accept and record (as OpenSSH does)
 *   ask           | accept | refuse  | refuse  | ask: trust once / trust and record / cancel
 *
 * A changed key is always refused, loudly, naming the new fingerprint and the recorded
 * one(s) with file:line; unlike OpenSSH's `no`, Holdfast never connects past a changed key.
 * This decides only; the verifier (`hostVerifier.ts`) reads and writes the files.
 */
import type { Prompter } from '../prompts';
import type { ResolvedHost, StrictHostKeyChecking } from './config';
import type { DialError } from './errors';
import { fingerprint, keyTypeLabel } from './fingerprint';
import { knownHostsName, type HostKeyCheck } from './knownHostsParse';

/** The key a server presented. */
export interface PresentedKey {
  keyType: string;
  blob: Buffer;
}

/** The verdict: go on (and whether to remember the key, and where), or refuse with why. */
export type HostKeyDecision =
  | {
      kind: 'accept';
      /** 'known-hosts': append to the first user known_hosts file; 'this-run': remember in memory; 'no': nothing. */
      record: 'known-hosts' | 'this-run' | 'no';
    }
  | { kind: 'refuse'; error: DialError };

/** The name and port a host's key is looked up and recorded under (HostKeyAlias wins). */
export function hostKeyIdentity(host: ResolvedHost): { name: string; port: number } {
  return host.hostKeyAlias !== undefined
    ? { name: host.hostKeyAlias, port: 22 }
    : { name: host.hostName, port: host.port };
}

function where(host: ResolvedHost): string {
  const id = hostKeyIdentity(host);
  return host.hostKeyAlias !== undefined
    ? `${id.name} (HostKeyAlias)`
    : `${id.name} port ${id.port}`;
}

function keyscanType(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ed25519';
  if (keyType.startsWith('ecdsa-')) return 'ecdsa';
  if (keyType === 'ssh-rsa') return 'rsa';
  return keyType;
}

function changedMessage(
  host: ResolvedHost,
  key: PresentedKey,
  fp: string,
  check: Extract<HostKeyCheck, { kind: 'changed' }>,
): string {
  const label = keyTypeLabel(key.keyType);
  const id = hostKeyIdentity(host);
  const recorded = check.expected
    .map((e) => `  ${e.fingerprint}  (${e.file}:${e.line})`)
    .join('\n');
  const first = check.expected[0];
  return [
    `WARNING: THE HOST KEY OF ${where(host).toUpperCase()} HAS CHANGED. Holdfast did not connect.`,
    `The server now presents an ${label} key with fingerprint`,
    `  ${fp}`,
    `but known_hosts records a different ${label} key for it:`,
    recorded,
    'Someone may be intercepting this connection (a man-in-the-middle attack), or the key was replaced on purpose.',
    "Ask the server's administrator for its key fingerprint. Only if the new one is right, remove the old entry with",
    `  ssh-keygen -R '${knownHostsName(id.name, id.port)}'${first === undefined ? '' : ` -f ${first.file}`}`,
    'and connect again.',
  ].join('\n');
}

function unknownStrictMessage(host: ResolvedHost, key: PresentedKey, fp: string): string {
  const file = host.userKnownHostsFiles[0] ?? '~/.ssh/known_hosts';
  const port = host.port === 22 ? '' : `-p ${host.port} `;
  return [
    `The host key of ${where(host)} is not known and StrictHostKeyChecking is yes, so Holdfast did not connect.`,
    `The server presents an ${keyTypeLabel(key.keyType)} key with fingerprint ${fp}.`,
    "To trust it, check that fingerprint with the server's administrator, then add the key to known_hosts:",
    `  ssh-keyscan ${port}-t ${keyscanType(key.keyType)} ${host.hostName} >> ${file}`,
    'or connect once with -o StrictHostKeyChecking=ask and accept it.',
  ].join('\n');
}

/**
 * Decides about `key`, presented by `host`, given the known_hosts `check`. Asks through
 * `prompter` only for an unknown key under `ask`. `opts.strict` overrides the host's
 * StrictHostKeyChecking (e.g. 'yes' for a reconnect that must not prompt).
 */
export async function decideHostKey(
  host: ResolvedHost,
  check: HostKeyCheck,
  key: PresentedKey,
  prompter: Prompter,
  opts: { strict?: StrictHostKeyChecking; signal?: AbortSignal } = {},
): Promise<HostKeyDecision> {
  const fp = fingerprint(key.blob);
  const id = hostKeyIdentity(host);
  const base = { host: id.name, port: id.port, keyType: key.keyType, fingerprint: fp };
  switch (check.kind) {
    case 'match':
      return { kind: 'accept', record: 'no' };
    case 'changed':
      return {
        kind: 'refuse',
        error: {
          kind: 'host-key-changed',
          retryable: false,
          ...base,
          expected: check.expected,
          message: changedMessage(host, key, fp, check),
        },
      };
    case 'revoked':
      return {
        kind: 'refuse',
        error: {
          kind: 'host-key-revoked',
          retryable: false,
          ...base,
          file: check.file,
          line: check.line,
          message:
            `The host key of ${where(host)} (${keyTypeLabel(key.keyType)} ${fp}) is marked @revoked in ${check.file}:${check.line}; ` +
            'Holdfast refuses it. The server needs a new host key: ask its administrator.',
        },
      };
    case 'unknown':
      break;
  }
  const strict = opts.strict ?? host.strictHostKeyChecking;
  const recordTo = host.userKnownHostsFiles.length > 0 ? 'known-hosts' : 'this-run';
  if (strict === 'accept-new' || strict === 'no') return { kind: 'accept', record: recordTo };
  if (strict === 'yes') {
    return {
      kind: 'refuse',
      error: {
        kind: 'host-key-unknown-refused',
        retryable: false,
        ...base,
        reason: 'strict',
        message: unknownStrictMessage(host, key, fp),
      },
    };
  }
  const answer = await prompter(
    {
      kind: 'unknown-host-key',
      host: id.name,
      port: id.port,
      keyType: key.keyType,
      fingerprint: fp,
    },
    opts.signal,
  );
  if (answer.kind === 'host-key') {
    return {
      kind: 'accept',
      record: answer.decision === 'trust-and-remember' ? recordTo : 'this-run',
    };
  }
  return {
    kind: 'refuse',
    error: {
      kind: 'host-key-unknown-refused',
      retryable: false,
      ...base,
      reason: 'declined',
      message: `You did not trust the host key of ${where(host)} (${keyTypeLabel(key.keyType)} ${fp}), so Holdfast did not connect.`,
    },
  };
}
