/**
 * User authentication for one dial, as an ssh2 `authHandler` (the function form).
 *
 * Tries, in OpenSSH's order: "none" (to learn which methods the server allows), then per
 * PreferredAuthentications (default publickey, keyboard-interactive, password):
 *   - publickey: the ssh-agent's keys (SSH_AUTH_SOCK, or IdentityAgent; on Windows the
 *     OpenSSH agent pipe) unless IdentitiesOnly, then each IdentityFile (encrypted keys
 *     ask for their passphrase, up to NumberOfPasswordPrompts tries; a key the agent
 *     already offered is not offered again);
 *   - keyboard-interactive: each round goes to the Prompter;
 *   - password: the Prompter, up to NumberOfPasswordPrompts tries.
 * Methods the server does not allow are skipped. Answers go to the caller's
 * CredentialCache (passphrases once they decrypt, passwords once the server accepts
 * them) so a silent reconnect needs no one; a remembered answer that fails is forgotten.
 * When nothing works, {@link AuthSession.failure} says what was tried and why each failed.
 */
import os from 'node:os';
import ssh2, {
  type AnyAuthMethod,
  type AuthHandlerMiddleware,
  type BaseAgent,
  type ParsedKey,
} from 'ssh2';
import type { Prompter } from '../prompts';
import { displayPath, type ResolvedHost } from './config';
import type { CredentialCache, CredentialKey } from './credentials';
import type { AuthAttempt, DialError } from './errors';
import { decryptKey, readKeyFile } from './identityFile';

const { createAgent, utils } = ssh2;

/** The pipe Microsoft's OpenSSH ssh-agent service listens on. */
const WINDOWS_AGENT_PIPE = '\\\\.\\pipe\\openssh-ssh-agent';
/** How long to wait for the agent to list its keys; a hung agent must not hang the dial. */
const AGENT_QUERY_TIMEOUT_MS = 5000;
/** Keyboard-interactive questions that look like a reusable password (never one-time codes). */
const REUSABLE_QUESTION = /pass(word|phrase)/i;
const ONE_TIME_QUESTION = /one[- ]?time|otp|code|token|verif|2fa|factor/i;

/** Options of {@link createAuthSession}. */
export interface AuthOptions {
  prompter: Prompter;
  credentials: CredentialCache;
  /** Environment for SSH_AUTH_SOCK. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Aborts prompts in progress when the dial is called off. */
  signal?: AbortSignal;
  /** Called when the user cancels a password or keyboard-interactive prompt: stop the dial. */
  onCancel?: (what: string) => void;
}

/** One dial's authentication: the handler for ssh2 and what it learned. */
export interface AuthSession {
  /** Pass as ssh2's `authHandler`. */
  readonly authHandler: AuthHandlerMiddleware;
  /**
   * Feed every ssh2 'error' event here first: returns true for errors that belong to one
   * attempt (an agent that failed, a key that could not sign) and do not end the dial.
   */
  noteError(err: Error & { level?: string }): boolean;
  /** Call on ssh2 'ready': commits answers of the attempt that got us in. */
  succeeded(): void;
  /** What was tried so far, and why each failed. */
  attempts(): AuthAttempt[];
  /** The 'auth' error summarizing every attempt. */
  failure(): DialError;
}

/** One thing to try, and how to account for it if the server says no. */
interface Offer {
  auth: AnyAuthMethod;
  method: AuthAttempt['method'];
  label: string;
  /** Reason recorded when the server rejects it. */
  rejected: string;
  onRejected?: () => void;
  onAccepted?: () => void;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${ms / 1000} s`)),
      ms,
    );
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function publicBlobOf(key: ParsedKey | Buffer | string): Buffer | undefined {
  if (Buffer.isBuffer(key) || typeof key === 'string') {
    const parsed = utils.parseKey(key);
    const first = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
    return first === undefined || first instanceof Error ? undefined : first.getPublicSSH();
  }
  return key.getPublicSSH();
}

/** Builds the authentication for one dial to `host`. */
export function createAuthSession(host: ResolvedHost, opts: AuthOptions): AuthSession {
  const env = opts.env ?? process.env;
  const username = host.user;
  const who = `${username}@${host.alias}`;
  const home = host.origin.home || os.homedir();
  const tried: AuthAttempt[] = [];
  let allowed: Set<string> | undefined;
  let current: Offer | undefined;
  let pendingNote: string | undefined;
  let cancelled = false;
  /** Public keys the agent offered, so key files holding the same key are skipped. */
  const agentBlobs: Buffer[] = [];

  const may = (method: string): boolean => allowed === undefined || allowed.has(method);
  const record = (method: AuthAttempt['method'], label: string, outcome: string): void => {
    tried.push({ method, label, outcome });
  };
  const ask = opts.prompter;
  const cancel = (what: string): void => {
    cancelled = true;
    opts.onCancel?.(what);
  };

  async function* agentOffers(): AsyncGenerator<Offer> {
    if (host.identitiesOnly || host.identityAgent === 'none') return;
    const where =
      host.identityAgent ??
      env.SSH_AUTH_SOCK ??
      (process.platform === 'win32' ? WINDOWS_AGENT_PIPE : undefined);
    if (where === undefined || where === '') {
      record('publickey', 'agent', 'no agent (SSH_AUTH_SOCK is not set)');
      return;
    }
    let agent: BaseAgent;
    let keys: (ParsedKey | Buffer | string)[];
    try {
      agent = createAgent(where);
      keys = await withTimeout(
        new Promise<(ParsedKey | Buffer | string)[]>((resolve, reject) => {
          agent.getIdentities((err, list) =>
            err ? reject(err) : resolve((list ?? []) as (ParsedKey | Buffer | string)[]),
          );
        }),
        AGENT_QUERY_TIMEOUT_MS,
        'the agent',
      );
    } catch (err) {
      record(
        'publickey',
        'agent',
        `cannot reach the agent at ${where} (${(err as Error).message})`,
      );
      return;
    }
    if (keys.length === 0) {
      record('publickey', 'agent', 'the agent holds no keys');
      return;
    }
    for (const k of keys) {
      const blob = publicBlobOf(k);
      if (blob !== undefined) agentBlobs.push(blob);
    }
    yield {
      auth: { type: 'agent', username, agent },
      method: 'publickey',
      label: 'agent',
      rejected: `none of its ${keys.length} key${keys.length === 1 ? '' : 's'} accepted`,
    };
  }

  async function* keyFileOffers(): AsyncGenerator<Offer> {
    for (const file of host.identityFiles) {
      if (!may('publickey') || opts.signal?.aborted) return;
      const shown = displayPath(file, home);
      const label = `key ${shown}`;
      const kf = await readKeyFile(file, shown);
      if (kf.kind === 'unusable') {
        record('publickey', label, kf.reason);
        continue;
      }
      let key: ParsedKey | undefined;
      if (kf.kind === 'plain') key = kf.key;
      else {
        if (
          kf.publicBlob !== undefined &&
          agentBlobs.some((b) => b.equals(kf.publicBlob as Buffer))
        )
          continue;
        const credKey: CredentialKey = { kind: 'passphrase', keyPath: file };
        let reason = 'no passphrase given';
        let cached = opts.credentials.get(credKey)?.[0];
        for (
          let tries = 0;
          key === undefined && tries < Math.max(1, host.numberOfPasswordPrompts);
        ) {
          let pass = cached;
          cached = undefined;
          if (pass === undefined) {
            tries++;
            const answer = await ask({ kind: 'passphrase', keyPath: file }, opts.signal);
            if (answer.kind !== 'text' || answer.values[0] === undefined) {
              reason = 'no passphrase given (prompt cancelled)';
              break;
            }
            pass = answer.values[0];
          }
          const dec = decryptKey(kf.data, pass);
          if (dec.kind === 'ok') {
            key = dec.key;
            opts.credentials.set(credKey, [pass]);
          } else if (dec.kind === 'wrong-passphrase') {
            opts.credentials.delete(credKey);
            reason = `wrong passphrase (${tries} ${tries === 1 ? 'try' : 'tries'})`;
          } else {
            reason = dec.reason;
            break;
          }
        }
        if (key === undefined) {
          record('publickey', label, reason);
          continue;
        }
      }
      // The agent already offered this very key: the server said no to it once.
      if (agentBlobs.some((b) => b.equals((key as ParsedKey).getPublicSSH()))) continue;
      if (!key.isPrivateKey()) {
        record('publickey', label, 'is a public key: IdentityFile must name the private key');
        continue;
      }
      yield {
        auth: { type: 'publickey', username, key },
        method: 'publickey',
        label,
        rejected: 'not accepted',
      };
    }
  }

  async function* publickeyOffers(): AsyncGenerator<Offer> {
    if (!may('publickey')) return;
    yield* agentOffers();
    yield* keyFileOffers();
  }

  async function* passwordOffers(): AsyncGenerator<Offer> {
    const credKey: CredentialKey = {
      kind: 'password',
      user: username,
      host: host.hostName,
      port: host.port,
    };
    let cached = opts.credentials.get(credKey)?.[0];
    for (let tries = 0; tries < host.numberOfPasswordPrompts;) {
      if (!may('password') || cancelled || opts.signal?.aborted) return;
      let password = cached;
      cached = undefined;
      if (password === undefined) {
        tries++;
        const answer = await ask(
          { kind: 'password', user: username, host: host.alias },
          opts.signal,
        );
        if (answer.kind !== 'text' || answer.values[0] === undefined) {
          record('password', 'password', 'prompt cancelled');
          cancel('the password prompt');
          return;
        }
        password = answer.values[0];
      }
      const pw = password;
      yield {
        auth: { type: 'password', username, password: pw },
        method: 'password',
        label: 'password',
        rejected: 'wrong',
        onRejected: () => opts.credentials.delete(credKey),
        onAccepted: () => opts.credentials.set(credKey, [pw]),
      };
    }
  }

  async function* keyboardOffers(): AsyncGenerator<Offer> {
    for (let round = 0; round < Math.max(1, host.numberOfPasswordPrompts); round++) {
      if (!may('keyboard-interactive') || cancelled || opts.signal?.aborted) return;
      /** Reusable answers given in this attempt, committed only if it gets us in. */
      const given: { key: CredentialKey; values: string[] }[] = [];
      const used: CredentialKey[] = [];
      yield {
        auth: {
          type: 'keyboard-interactive',
          username,
          prompt: (name, instructions, _lang, prompts, finish) => {
            const questions = prompts.map((p) => ({ text: p.prompt, echo: p.echo === true }));
            const reusable =
              questions.length > 0 &&
              questions.every(
                (q) => !q.echo && REUSABLE_QUESTION.test(q.text) && !ONE_TIME_QUESTION.test(q.text),
              );
            const key: CredentialKey = {
              kind: 'keyboard-interactive',
              user: username,
              host: host.hostName,
              port: host.port,
              questions: questions.map((q) => q.text),
            };
            const cachedAnswers = reusable && round === 0 ? opts.credentials.get(key) : undefined;
            if (cachedAnswers !== undefined && cachedAnswers.length === questions.length) {
              used.push(key);
              finish(cachedAnswers);
              return;
            }
            void ask(
              { kind: 'keyboard-interactive', name, instructions, questions },
              opts.signal,
            ).then(
              (answer) => {
                if (answer.kind !== 'text') {
                  record('keyboard-interactive', 'keyboard-interactive', 'prompt cancelled');
                  cancel('the keyboard-interactive prompt');
                  return;
                }
                const values = questions.map((_q, i) => answer.values[i] ?? '');
                if (reusable) given.push({ key, values });
                finish(values);
              },
              () => cancel('the keyboard-interactive prompt'),
            );
          },
        },
        method: 'keyboard-interactive',
        label: 'keyboard-interactive',
        rejected: 'answers not accepted',
        onRejected: () => {
          for (const k of used) opts.credentials.delete(k);
        },
        onAccepted: () => {
          for (const g of given) opts.credentials.set(g.key, g.values);
        },
      };
    }
  }

  async function* plan(): AsyncGenerator<Offer> {
    yield { auth: { type: 'none', username }, method: 'none', label: 'none', rejected: '' };
    for (const method of host.preferredAuthentications) {
      if (cancelled || opts.signal?.aborted) return;
      if (method === 'publickey') yield* publickeyOffers();
      else if (method === 'keyboard-interactive') yield* keyboardOffers();
      else yield* passwordOffers();
    }
  }

  const offers = plan();

  const authHandler: AuthHandlerMiddleware = (methodsLeft, partialSuccess, next) => {
    const previous = current;
    current = undefined;
    if (previous !== undefined && previous.method !== 'none') {
      if (partialSuccess === true) {
        record(
          previous.method,
          previous.label,
          'accepted, but the server wants another method too',
        );
        previous.onAccepted?.();
      } else {
        const outcome =
          pendingNote === undefined ? previous.rejected : `${previous.rejected} (${pendingNote})`;
        record(previous.method, previous.label, outcome);
        previous.onRejected?.();
      }
    }
    pendingNote = undefined;
    if (Array.isArray(methodsLeft)) allowed = new Set(methodsLeft);
    offers.next().then(
      (step) => {
        if (step.done === true || cancelled || opts.signal?.aborted) {
          next(false as unknown as AnyAuthMethod);
          return;
        }
        current = step.value;
        next(step.value.auth);
      },
      (err: unknown) => {
        record('none', 'authentication', `failed: ${(err as Error).message ?? String(err)}`);
        next(false as unknown as AnyAuthMethod);
      },
    );
  };

  return {
    authHandler,
    noteError(err) {
      if (err.level === 'agent') {
        pendingNote = `agent error: ${err.message}`;
        return true;
      }
      if (
        err.level === 'client-authentication' &&
        !/All configured authentication methods failed/i.test(err.message)
      ) {
        pendingNote = err.message;
        return true;
      }
      return false;
    },
    succeeded() {
      current?.onAccepted?.();
      current = undefined;
    },
    attempts: () => [...tried],
    failure() {
      const list = tried.map((t) => `${t.label}: ${t.outcome}`).join('; ');
      const server =
        allowed === undefined
          ? ''
          : ` The server accepts: ${[...allowed].join(', ') || 'nothing'}.`;
      const hint =
        tried.length === 0
          ? ' Holdfast had nothing to offer: add an IdentityFile, load a key into ssh-agent, or enable a method the server accepts.'
          : '';
      return {
        kind: 'auth',
        retryable: false,
        user: username,
        host: host.alias,
        attempts: [...tried],
        message: `Permission denied for ${who}${list === '' ? '' : ` (tried: ${list})`}.${server}${hint}`,
      };
    },
  };
}
