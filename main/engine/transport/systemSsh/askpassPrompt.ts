// What the system ssh asks through SSH_ASKPASS, turned into the engine's own prompts
// (prompts.ts), and the answer turned back into what ssh reads. Pure.
//
// ssh runs the askpass program with the question as its one argument and reads the answer
// from its stdout; SSH_ASKPASS_PROMPT says "confirm" for a yes/no question and "none" for
// a notice that needs no answer (touch your security key).

import type { PromptAnswer, PromptRequest } from '../../prompts';
import type { CredentialKey } from '../../ssh/credentials';

export type AskpassQuestion =
  /** Needs an answer from the user (or the credential cache, for `cacheKey`). */
  | {
      kind: 'ask';
      request: PromptRequest;
      cacheKey?: CredentialKey;
      /** What ssh reads for the user's answer; undefined means "refuse" (askpass fails). */
      reply: (a: PromptAnswer) => string | undefined;
    }
  /** Only to show (a security key waiting for a touch). */
  | { kind: 'notice'; text: string };

export type AskpassContext = { user: string; host: string; port: number };

function textReply(a: PromptAnswer): string | undefined {
  return a.kind === 'text' ? (a.values[0] ?? '') : undefined;
}

/** The question ssh asked, as one of the engine's prompts. */
export function readAskpassQuestion(
  prompt: string,
  askpassKind: string,
  ctx: AskpassContext,
): AskpassQuestion {
  if (askpassKind === 'none') return { kind: 'notice', text: prompt.trim() };
  const passphrase = /^Enter passphrase for (?:key )?'?(.+?)'?:\s*$/.exec(prompt.trim());
  if (passphrase) {
    const keyPath = passphrase[1] as string;
    return {
      kind: 'ask',
      request: { kind: 'passphrase', keyPath },
      cacheKey: { kind: 'passphrase', keyPath },
      reply: textReply,
    };
  }
  const password = /^(\S+)@(\S+)'s password:\s*$/.exec(prompt.trim());
  if (password) {
    const [, user, host] = password as unknown as [string, string, string];
    return {
      kind: 'ask',
      request: { kind: 'password', user, host },
      cacheKey: { kind: 'password', user, host, port: ctx.port },
      reply: textReply,
    };
  }
  const hostKey =
    /authenticity of host '([^' ]+)[^']*' can't be established\.[\s\S]*?(\S+) key fingerprint is (SHA256:[A-Za-z0-9+/=]+)/.exec(
      prompt,
    );
  if (hostKey && /continue connecting/.test(prompt)) {
    const [, name, keyType, fingerprint] = hostKey as unknown as [string, string, string, string];
    const bracket = /^\[(.+)\]:(\d+)$/.exec(name);
    return {
      kind: 'ask',
      request: {
        kind: 'unknown-host-key',
        host: bracket ? (bracket[1] as string) : name,
        port: bracket ? Number(bracket[2]) : 22,
        keyType,
        fingerprint,
      },
      // ssh itself records the key in known_hosts when told yes; it has no "just once".
      reply: (a) => (a.kind === 'host-key' ? 'yes' : 'no'),
    };
  }
  // Anything else: a keyboard-interactive question (a one-time code, a PIN) or a
  // yes/no confirmation, asked as it is.
  const confirm = askpassKind === 'confirm';
  return {
    kind: 'ask',
    request: {
      kind: 'keyboard-interactive',
      name: `${ctx.user}@${ctx.host}`,
      instructions: confirm ? 'Answer yes or no.' : '',
      questions: [{ text: prompt, echo: confirm }],
    },
    reply: textReply,
  };
}
