/**
 * User authentication for one dial, as an ssh2 `authHandler` (the function form).
 *
 * Tries, in OpenSSH's order: "none" (to learn which methods the server allows), then per
 * PreferredAuthentications (default publickey, keyboard-interactive, password):
 *   - publickey: agent keys matching an IdentityFile, the agent's other keys unless
 *     IdentitiesOnly, then the other IdentityFiles (publickeyOffers.ts);
 *   - keyboard-interactive: each round goes to the Prompter;
 *   - password: the Prompter, up to NumberOfPasswordPrompts tries.
 * Methods the server does not allow are skipped. Answers go to the caller's
 * CredentialCache (passphrases once they decrypt, passwords once the server accepts
 * them) so a silent reconnect needs no one; a remembered answer that fails is forgotten.
 * When nothing works, {@link AuthSession.failure} says what was tried and why each failed.
 */
import os from 'node:os';
import type { AnyAuthMethod, AuthHandlerMiddleware, ParsedKey } from 'ssh2';
import type { Prompter } from '../prompts';
import type { ResolvedHost } from './config';
import type { CredentialCache, CredentialKey } from './credentials';
import type { AuthAttempt, DialError } from './errors';
import { OneAgentKey } from './agentKeys';
import { publickeyOffers, type Offer } from './publickeyOffers';
import type { Signer, SignFirst } from './signFirst';

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
  /** For {@link installSignFirst}: a signer when the key being offered now is the one that
   * let us in to this server before in this run. */
  signFirst: SignFirst;
  /** What was tried so far, and why each failed. */
  attempts(): AuthAttempt[];
  /** The 'auth' error summarizing every attempt. */
  failure(): DialError;
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
  const may = (method: string): boolean => allowed === undefined || allowed.has(method);
  const record = (method: AuthAttempt['method'], label: string, outcome: string): void => {
    tried.push({ method, label, outcome });
  };
  const ask = opts.prompter;
  const cancel = (what: string): void => {
    cancelled = true;
    opts.onCancel?.(what);
  };

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
    // `none` asks the server which methods it takes (OpenSSH does the same). A host that
    // let us in before this run takes the same methods: go straight to them.
    if (!opts.credentials.loggedInBefore(username, host.hostName, host.port))
      yield { auth: { type: 'none', username }, method: 'none', label: 'none', rejected: '' };
    for (const method of host.preferredAuthentications) {
      if (cancelled || opts.signal?.aborted) return;
      if (method === 'publickey') {
        if (may('publickey'))
          yield* publickeyOffers({
            host,
            home,
            env,
            prompter: ask,
            credentials: opts.credentials,
            signal: opts.signal,
            may,
            record,
          });
      } else if (method === 'keyboard-interactive') yield* keyboardOffers();
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
      if (current !== undefined && current.method !== 'none')
        opts.credentials.noteLoggedIn(username, host.hostName, host.port, offerKey(current));
      current = undefined;
    },
    signFirst(blob) {
      const known = opts.credentials.acceptedKey(username, host.hostName, host.port);
      if (current === undefined || known === undefined || !known.equals(blob)) return undefined;
      const key = offerKey(current);
      if (key === undefined || !key.equals(blob)) return undefined;
      return signerOf(current.auth);
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

/** The public key (SSH wire form) an offer logs in with, if it is a key. */
function offerKey(offer: Offer): Buffer | undefined {
  const a = offer.auth;
  if (a.type === 'agent' && a.agent instanceof OneAgentKey) return a.agent.key.getPublicSSH();
  if (a.type === 'publickey' && typeof a.key === 'object' && 'getPublicSSH' in a.key)
    return (a.key as ParsedKey).getPublicSSH();
  return undefined;
}

/** How an offer's key signs: the agent that holds it, or the loaded private key. */
function signerOf(a: AnyAuthMethod): Signer | undefined {
  if (a.type === 'agent' && a.agent instanceof OneAgentKey) {
    const agent = a.agent;
    return (data, hash) =>
      new Promise((resolve, reject) =>
        agent.sign(agent.key, data, hash ? { hash: hash as 'sha256' } : {}, (err, sig) =>
          err || !sig ? reject(err ?? new Error('no signature')) : resolve(sig),
        ),
      );
  }
  if (a.type === 'publickey' && typeof a.key === 'object' && 'sign' in a.key) {
    const key = a.key as ParsedKey;
    return async (data, hash) => {
      const sig = key.sign(data, hash);
      if (sig instanceof Error) throw sig;
      return sig;
    };
  }
  return undefined;
}
