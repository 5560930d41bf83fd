/**
 * The order in which public keys are offered, as OpenSSH's `pubkey_prepare`
 * (sshconnect2.c) builds it. Pure: takes what the IdentityFiles and the agent hold,
 * returns the plan.
 *
 * 1. Agent keys that match an IdentityFile, in the agent's order. The agent signs, so an
 *    encrypted key file is never decrypted and a `.pub` IdentityFile is enough.
 * 2. The agent's other keys, in its order, unless IdentitiesOnly.
 * 3. The IdentityFiles no agent key matched, in config order (read, and decrypted if need
 *    be, only when their turn comes).
 */

/** An IdentityFile, with its public key when it could be learned without a passphrase. */
export interface FileIdentity {
  /** The SSH wire blob of the public key; undefined when unknown before decryption. */
  readonly blob: Buffer | undefined;
}

/** A key the agent holds. */
export interface AgentIdentity {
  /** The SSH wire blob of the public key. */
  readonly blob: Buffer;
}

/** One step of the plan. */
export type PlannedIdentity<F extends FileIdentity, A extends AgentIdentity> =
  /** Sign with the agent; `file` is the IdentityFile that named this key, if one did. */
  | { kind: 'agent'; key: A; file: F | undefined }
  /** Read (and decrypt) the file and sign with it. */
  | { kind: 'file'; file: F };

/**
 * The keys to offer, first first. `agentKeys` is undefined when there is no agent (none
 * configured, or it could not be reached): then only files are planned.
 */
export function planIdentities<F extends FileIdentity, A extends AgentIdentity>(
  files: readonly F[],
  agentKeys: readonly A[] | undefined,
  identitiesOnly: boolean,
): PlannedIdentity<F, A>[] {
  const remaining = [...files];
  const matched: PlannedIdentity<F, A>[] = [];
  const others: PlannedIdentity<F, A>[] = [];
  for (const key of agentKeys ?? []) {
    // Like OpenSSH, one agent key takes the first file naming it; a duplicate file stays.
    const i = remaining.findIndex((f) => f.blob !== undefined && f.blob.equals(key.blob));
    if (i >= 0) {
      matched.push({ kind: 'agent', key, file: remaining[i] });
      remaining.splice(i, 1);
    } else if (!identitiesOnly) {
      others.push({ kind: 'agent', key, file: undefined });
    }
  }
  return [...matched, ...others, ...remaining.map((file) => ({ kind: 'file' as const, file }))];
}
