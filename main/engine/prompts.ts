/**
 * The one way the engine asks the user anything. The app shows a dialog, the CLI asks on
 * the terminal, tests answer from a table; the engine only ever sees these values.
 */

/** A question the engine needs answered before it can go on. */
export type PromptRequest =
  /** A login password for `user` on `host`. */
  | { kind: 'password'; user: string; host: string }
  /** The passphrase that decrypts the private key in `keyPath`. */
  | { kind: 'passphrase'; keyPath: string }
  /** One keyboard-interactive round from the server: show `name`, `instructions`, ask each question. */
  | {
      kind: 'keyboard-interactive';
      name: string;
      instructions: string;
      questions: { text: string; echo: boolean }[];
    }
  /** The server's host key is not in known_hosts: trust it once, remember it, or cancel. */
  | {
      kind: 'unknown-host-key';
      host: string;
      port: number;
      keyType: string;
      /** OpenSSH-style `SHA256:...` fingerprint, to compare with `ssh-keygen -lf`. */
      fingerprint: string;
    };

/** The user's answer to a {@link PromptRequest}. */
export type PromptAnswer =
  /** password / passphrase → `values[0]`; keyboard-interactive → one value per question. */
  | { kind: 'text'; values: string[] }
  /** Answer to 'unknown-host-key'. */
  | { kind: 'host-key'; decision: 'trust-once' | 'trust-and-remember' }
  /** The user declined to answer; the engine stops what needed it. */
  | { kind: 'cancel' };

/**
 * Asks the user one question. `signal` aborts when the engine no longer needs the answer
 * (the dial was cancelled or lost a race): close the dialog then, and resolve 'cancel'.
 */
export type Prompter = (req: PromptRequest, signal?: AbortSignal) => Promise<PromptAnswer>;
