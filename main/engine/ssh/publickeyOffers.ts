/**
 * The publickey part of a dial's authentication: which keys are offered, in which order,
 * and how each is signed, as OpenSSH does it (sshconnect2.c `pubkey_prepare`):
 *   - each IdentityFile's public key is learned without a passphrase (the file itself if
 *     it is a `.pub`, the `.pub` beside it, or the private file's public part);
 *   - agent keys matching an IdentityFile go first and the agent signs, so an encrypted
 *     key the agent holds never asks for its passphrase, and a `.pub` IdentityFile is all
 *     a 1Password/Secretive/KeePassXC/gpg-agent user needs;
 *   - the agent's other keys follow unless IdentitiesOnly;
 *   - then the remaining files, an encrypted one asking for its passphrase (up to
 *     NumberOfPasswordPrompts tries; a remembered passphrase is used first).
 * The order itself is the pure `planIdentities` (identityOrder.ts).
 */
import type { AnyAuthMethod, ParsedKey } from 'ssh2';
import type { Prompter } from '../prompts';
import { agentLocation, listAgentKeys, OneAgentKey, type AgentLocation } from './agentKeys';
import { displayPath, type ResolvedHost } from './config';
import type { CredentialCache, CredentialKey } from './credentials';
import type { AuthAttempt } from './errors';
import { decryptKey, readKeyFile, readPublicIdentity, type PublicIdentity } from './identityFile';
import { planIdentities } from './identityOrder';

/** One thing to try, and how to account for it if the server says no. */
export interface Offer {
  auth: AnyAuthMethod;
  method: AuthAttempt['method'];
  label: string;
  /** Reason recorded when the server rejects it. */
  rejected: string;
  onRejected?: () => void;
  onAccepted?: () => void;
}

/** What the publickey offers need from the dial's authentication. */
export interface PublickeyContext {
  host: ResolvedHost;
  home: string;
  env: Readonly<Record<string, string | undefined>>;
  prompter: Prompter;
  credentials: CredentialCache;
  signal: AbortSignal | undefined;
  /** Whether the server (still) allows `method`. */
  may(method: string): boolean;
  /** Notes a key that was not offered, or an agent that could not be used, and why. */
  record(method: AuthAttempt['method'], label: string, outcome: string): void;
}

/** An IdentityFile and what could be learned of its public key without a passphrase. */
interface PlannedFile extends PublicIdentity {
  path: string;
}

/** The agent as this dial found it. */
type AgentState =
  | { kind: 'none'; location: AgentLocation }
  | { kind: 'unreachable'; where: string; reason: string }
  | { kind: 'ok'; where: string; listed: Awaited<ReturnType<typeof listAgentKeys>> & { ok: true } };

async function findAgent(ctx: PublickeyContext): Promise<AgentState> {
  const location = agentLocation(ctx.host, ctx.env);
  if (location.kind !== 'at') {
    if (location.kind === 'unset' && !ctx.host.identitiesOnly)
      ctx.record('publickey', 'agent', 'no agent (SSH_AUTH_SOCK is not set)');
    return { kind: 'none', location };
  }
  const listed = await listAgentKeys(location.where);
  if (!listed.ok) {
    ctx.record(
      'publickey',
      'agent',
      `cannot reach the agent at ${location.where} (${listed.error})`,
    );
    return { kind: 'unreachable', where: location.where, reason: listed.error };
  }
  if (listed.value.keys.length === 0 && !ctx.host.identitiesOnly)
    ctx.record('publickey', 'agent', 'the agent holds no keys');
  return { kind: 'ok', where: location.where, listed };
}

/**
 * Why a key known only by its public half (a `.pub` IdentityFile, or a `.pub` whose
 * private file is missing) cannot be used: the agent that should sign does not hold it.
 * `head` says what the file is ("is a public key, and it").
 */
function notInAgent(agent: AgentState, head: string, privateShown: string): string {
  const fix = `add it with ssh-add ${privateShown} (or unlock it in your key manager: 1Password, Secretive, KeePassXC, gpg-agent), or name the private key file in IdentityFile`;
  const missing = `${head} is not loaded in the agent`;
  switch (agent.kind) {
    case 'ok':
      return `${missing} (${agent.where}): ${fix}`;
    case 'unreachable':
      return `${missing}: the agent at ${agent.where} cannot be reached (${agent.reason}); start it, then ${fix}`;
    case 'none':
      return agent.location.kind === 'disabled'
        ? `${missing}: IdentityAgent is none, so no agent is asked; remove that line, or name the private key file in IdentityFile`
        : `${missing}: no agent is running (SSH_AUTH_SOCK is not set); start one, then ${fix}`;
  }
}

/** The publickey offers of one dial, first first. */
export async function* publickeyOffers(ctx: PublickeyContext): AsyncGenerator<Offer> {
  const username = ctx.host.user;
  const agent = await findAgent(ctx);
  const files: PlannedFile[] = await Promise.all(
    ctx.host.identityFiles.map(async (p) => ({ path: p, ...(await readPublicIdentity(p)) })),
  );
  const agentKeys = agent.kind === 'ok' ? agent.listed.value.keys : undefined;
  /** Public keys already offered, so a file holding one of them is not offered again. */
  const offered: Buffer[] = [];

  for (const step of planIdentities(files, agentKeys, ctx.host.identitiesOnly)) {
    if (!ctx.may('publickey') || ctx.signal?.aborted) return;
    if (step.kind === 'agent' && agent.kind === 'ok') {
      offered.push(step.key.blob);
      yield {
        auth: {
          type: 'agent',
          username,
          agent: new OneAgentKey(agent.listed.value.agent, step.key.key),
        },
        method: 'publickey',
        label:
          step.file === undefined
            ? `agent key ${step.key.name}`
            : `key ${displayPath(step.file.path, ctx.home)} (via the agent)`,
        rejected: 'not accepted',
      };
    } else if (step.kind === 'file') {
      const key = await loadFileKey(ctx, step.file, agent);
      if (key === undefined || offered.some((b) => b.equals(key.getPublicSSH()))) continue;
      yield {
        auth: { type: 'publickey', username, key },
        method: 'publickey',
        label: `key ${displayPath(step.file.path, ctx.home)}`,
        rejected: 'not accepted',
      };
    }
  }
}

/** The private key of an IdentityFile the agent does not hold, or undefined (reason recorded). */
async function loadFileKey(
  ctx: PublickeyContext,
  file: PlannedFile,
  agent: AgentState,
): Promise<ParsedKey | undefined> {
  const shown = displayPath(file.path, ctx.home);
  const label = `key ${shown}`;
  if (file.source === 'public-file') {
    ctx.record(
      'publickey',
      label,
      notInAgent(agent, 'is a public key, and it', shown.replace(/\.pub$/, '')),
    );
    return undefined;
  }
  const kf = await readKeyFile(file.path, shown);
  if (kf.kind === 'unusable') {
    const onlyPub = file.source === 'pub-beside' && kf.reason === 'file not found';
    ctx.record(
      'publickey',
      label,
      onlyPub ? notInAgent(agent, `file not found, and the key in ${shown}.pub`, shown) : kf.reason,
    );
    return undefined;
  }
  if (kf.kind === 'plain') return kf.key;
  return decryptWithPrompts(ctx, file.path, label, kf.data);
}

/** Decrypts a key file: a remembered passphrase first, then up to NumberOfPasswordPrompts asks. */
async function decryptWithPrompts(
  ctx: PublickeyContext,
  file: string,
  label: string,
  data: Buffer,
): Promise<ParsedKey | undefined> {
  const credKey: CredentialKey = { kind: 'passphrase', keyPath: file };
  let reason = 'no passphrase given';
  let cached = ctx.credentials.get(credKey)?.[0];
  for (let tries = 0; tries < Math.max(1, ctx.host.numberOfPasswordPrompts);) {
    let pass = cached;
    cached = undefined;
    if (pass === undefined) {
      tries++;
      const answer = await ctx.prompter({ kind: 'passphrase', keyPath: file }, ctx.signal);
      if (answer.kind !== 'text' || answer.values[0] === undefined) {
        reason = 'no passphrase given (prompt cancelled)';
        break;
      }
      pass = answer.values[0];
    }
    const dec = decryptKey(data, pass);
    if (dec.kind === 'ok') {
      ctx.credentials.set(credKey, [pass]);
      return dec.key;
    }
    if (dec.kind === 'unusable') {
      reason = dec.reason;
      break;
    }
    ctx.credentials.delete(credKey);
    reason = `wrong passphrase (${tries} ${tries === 1 ? 'try' : 'tries'})`;
  }
  ctx.record('publickey', label, reason);
  return undefined;
}
