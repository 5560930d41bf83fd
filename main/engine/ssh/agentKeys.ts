/**
 * The ssh-agent as auth sees it: where it is (IdentityAgent, SSH_AUTH_SOCK, Windows'
 * pipe), the keys it holds, and a view of it holding one key, so each agent key is its own
 * offer in the order OpenSSH uses (see identityOrder.ts). 1Password, Secretive, KeePassXC
 * and gpg-agent (YubiKeys) all speak this protocol on a socket.
 */
import ssh2, {
  type BaseAgent,
  type IdentityCallback,
  type ParsedKey,
  type SignCallback,
  type SigningRequestOptions,
} from 'ssh2';
import type { ResolvedHost } from './config';
import { fingerprint } from './fingerprint';
import { fail, ok, type Result } from './result';

const { BaseAgent: Ssh2BaseAgent, createAgent, utils } = ssh2;

/** The pipe Microsoft's OpenSSH ssh-agent service listens on. */
const WINDOWS_AGENT_PIPE = '\\\\.\\pipe\\openssh-ssh-agent';
/**
 * How long to wait for the agent to list its keys: a hung agent must not hang the dial,
 * and a local agent answers in milliseconds (5 s leaves room for a key manager waking up).
 */
export const AGENT_QUERY_TIMEOUT_MS = 5000;

/** How ssh2 hands an agent a public key. */
type AgentPublicKey = string | Buffer | ParsedKey;

/** Where the agent is, for one host. */
export type AgentLocation =
  /** `IdentityAgent none`: no agent, on purpose. */
  | { kind: 'disabled' }
  /** Neither IdentityAgent nor SSH_AUTH_SOCK names one. */
  | { kind: 'unset' }
  | { kind: 'at'; where: string };

/** A key the agent holds. */
export interface AgentKey {
  key: ParsedKey;
  /** The SSH wire blob of the public key. */
  blob: Buffer;
  /** The agent's comment (often the key's file or the key manager's item), else its fingerprint. */
  name: string;
}

/** Finds the agent: IdentityAgent, else SSH_AUTH_SOCK, else on Windows the OpenSSH pipe. */
export function agentLocation(
  host: Pick<ResolvedHost, 'identityAgent'>,
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform = process.platform,
): AgentLocation {
  if (host.identityAgent === 'none') return { kind: 'disabled' };
  const where =
    host.identityAgent ??
    env.SSH_AUTH_SOCK ??
    (platform === 'win32' ? WINDOWS_AGENT_PIPE : undefined);
  return where === undefined || where === '' ? { kind: 'unset' } : { kind: 'at', where };
}

function parsed(k: ParsedKey | Buffer | string): ParsedKey | undefined {
  const p = utils.parseKey(k);
  const first = Array.isArray(p) ? (p[0] as ParsedKey | undefined) : p;
  return first === undefined || first instanceof Error ? undefined : first;
}

/** Lists the agent's keys; a failure is a reason for people. */
export async function listAgentKeys(
  where: string,
  timeoutMs = AGENT_QUERY_TIMEOUT_MS,
): Promise<Result<{ agent: BaseAgent; keys: AgentKey[] }, string>> {
  let agent: BaseAgent;
  try {
    agent = createAgent(where);
  } catch (err) {
    return fail((err as Error).message);
  }
  const listed = await new Promise<Result<(ParsedKey | Buffer | string)[], string>>((resolve) => {
    const timer = setTimeout(
      () => resolve(fail(`it did not answer within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    agent.getIdentities((err, list) => {
      clearTimeout(timer);
      resolve(err ? fail(err.message) : ok((list ?? []) as (ParsedKey | Buffer | string)[]));
    });
  });
  if (!listed.ok) return listed;
  const keys: AgentKey[] = [];
  for (const raw of listed.value) {
    const key = parsed(raw);
    if (key === undefined) continue;
    const blob = key.getPublicSSH();
    keys.push({ key, blob, name: key.comment === '' ? fingerprint(blob) : key.comment });
  }
  return ok({ agent, keys });
}

/**
 * The agent as if it held only `key`: ssh2's agent auth offers every key an agent lists,
 * and each agent key must be its own step of the plan (to keep OpenSSH's order and to
 * leave out keys IdentitiesOnly excludes). Signing goes to the real agent.
 */
export class OneAgentKey extends Ssh2BaseAgent {
  constructor(
    private readonly _agent: BaseAgent,
    /** The one key this view lists. */
    readonly key: ParsedKey,
  ) {
    super();
  }

  getIdentities(cb: IdentityCallback): void {
    cb(null, [this.key]);
  }

  sign(
    pubKey: AgentPublicKey,
    data: Buffer,
    options: SigningRequestOptions,
    cb?: SignCallback,
  ): void;
  sign(pubKey: AgentPublicKey, data: Buffer, cb: SignCallback): void;
  sign(
    pubKey: AgentPublicKey,
    data: Buffer,
    options: SigningRequestOptions | SignCallback,
    cb?: SignCallback,
  ): void {
    if (typeof options === 'function') this._agent.sign(pubKey, data, options);
    else this._agent.sign(pubKey, data, options, cb);
  }
}
