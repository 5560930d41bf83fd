// The engine's public shapes: what the app, the CLI and the test host see of a tab.
// Plain data and small interfaces, no implementation (see engine.ts).

import type { ResumeSnapshot } from './protocol/resume';
import type { PromptRequest } from './prompts';

export type { ResumeSnapshot };

/** Every state a tab can be in; each change is an event. Times are epoch milliseconds. */
export type TabState =
  | { kind: 'connecting'; step: string }
  /** `pipes`: the session runs without a terminal (stderr apart, `endInput`). */
  | { kind: 'connected'; sessionId: string; resilient: boolean; pipes?: boolean }
  | { kind: 'reconnecting'; attempt: number; nextTryAt: number; since: number; lastError?: string }
  | { kind: 'offline'; since: number }
  /**
   * The connection is up but the session is not attached: the agent turned the tab away
   * (too many clients) or the session channel failed; `reason` says which, in words.
   */
  | { kind: 'reattaching'; reason: string; attempt: number; nextTryAt: number; since: number }
  | { kind: 'needs-input'; prompt: PromptRequest }
  /** `signal`: a pipes session's command was ended by this signal (server's number). */
  | { kind: 'ended'; exitCode: number; signal?: number }
  | { kind: 'failed'; reason: string; errorKind: string };

/** Where to connect and what to run: the CLI's flags and a profile map onto this. */
export type Destination = {
  /** `host`, `user@host`, an ssh_config alias, or `ssh://user@host:port`. */
  destination: string;
  port?: number;
  user?: string;
  identityFiles?: string[];
  /** ProxyJump chain, `a,b`. */
  jump?: string;
  /** `-F FILE`; default ~/.ssh/config. */
  configFile?: string;
  /** `-o Key=Value` lines, in order. */
  options?: string[];
  /** -L/-R/-D as given (ssh's spec text); they count before the -o options and the file. */
  forwards?: { kind: 'local' | 'remote' | 'dynamic'; spec: string }[];
};

export type OpenTabRequest = Destination & {
  /** Attach to this existing session instead of starting one. */
  attach?: string;
  /** Name for a new session. */
  name?: string;
  /** Command for a new session; the login shell when absent. */
  command?: string[];
  /**
   * Instead of `command`: words /bin/sh runs directly, not through the login shell (whose
   * start-up files may print and corrupt a byte stream). Already shell words: the caller
   * quotes them (so `"$HOLDFAST_DIR/..."` can still expand).
   */
  exec?: string[];
  /**
   * A new session's command ends once no client has been attached this long (seconds;
   * `new --orphan-grace`): for a session that serves only this process (a forwarded
   * connection). Absent: it runs without a client for as long as it likes (a job).
   */
  orphanGraceSeconds?: number;
  env?: Record<string, string>;
  cwd?: string;
  cols: number;
  rows: number;
  /** Re-attach exactly where a restored tab was (offset shown, input numbering). */
  resume?: ResumeSnapshot;
  /**
   * With `attach`, while nothing of the session has been shown: `tail` (the default)
   * replays only its last output (FRESH_ATTACH_TAIL bytes, from a line start) and marks
   * the rest as not replayed; `all` replays everything the server still holds (a CLI
   * whose output goes to a file).
   */
  replay?: 'tail' | 'all';
  /**
   * No terminal: a new session runs its command with pipes (`new --pipes`: stdout
   * byte-exact, stderr apart, `endInput`), like `ssh host cmd`. With `attach`: take
   * whichever the session is, and a pipes session from what its clients acknowledged.
   */
  pipes?: boolean;
};

export type SessionInfo = {
  id: string;
  name: string;
  command: string;
  pid: number;
  /** ISO-8601. */
  created: string;
  attached: number;
  /** `running` or `exited N`. */
  state: string;
  /** The session runs without a terminal (`holdfast` with a pipe, `new --pipes`). */
  pipes?: boolean;
  /** A connection through a port forward (forward/carriedSession.ts), not a user's session. */
  forwarded?: boolean;
  // Live facts from newer agents (absent from older ones, and where the OS hides them).
  /** Process group in the PTY's foreground now. */
  foregroundPid?: number;
  /** Whether that group is a job the session's command started (not the shell itself). */
  jobRunning?: boolean;
  /** Its command line (Linux). */
  foregroundCommand?: string;
  /** Its working directory (Linux). */
  cwd?: string;
  /** The last line of output holding something visible, escapes stripped, ≤ 120 bytes. */
  lastLine?: string;
  /** Milliseconds since the PTY last produced output. */
  idleMs?: number;
  /** Milliseconds since the session started. */
  ageMs?: number;
  /** The command's exit status, once it has ended (as in `exited N`). */
  exitStatus?: number;
};

export interface Disposable {
  dispose(): void;
}

/** One terminal tab: a resumable stream to one remote session. */
export interface Tab {
  readonly id: string;
  readonly sessionId: string | undefined;
  readonly state: TabState;
  onOutput(listener: (data: Buffer, offset: bigint) => void): Disposable;
  /** Output from..to fell out of the server's ring before this tab got it or, `skipped`,
   * was left out on purpose (see {@link OpenTabRequest.replay}). */
  onGap(listener: (from: bigint, to: bigint, skipped: boolean) => void): Disposable;
  onState(listener: (state: TabState) => void): Disposable;
  /** A one-line notice for the user (e.g. the no-agent fallback warning). */
  onNotice(listener: (message: string) => void): Disposable;
  /** Keystrokes; delivered exactly once, across reconnects. The tab keeps `data` (no
   * copy) until the agent acknowledges it: do not change the buffer after the call. */
  write(data: Buffer): { ok: true } | { ok: false; reason: string };
  resize(cols: number, rows: number): void;
  signal(name: 'INT' | 'TERM' | 'HUP' | 'KILL' | 'QUIT'): void;
  /** Flow control: stop taking output (the SSH channel window closes) / start again. */
  pause(): void;
  resume(): void;
  /** Flow control: output before `offset` has been shown to the user. The session's
   * program runs at most a window ahead of it (protocol 3), so Ctrl-C stops a flood. Until
   * a consumer first calls it, output counts as shown when it is emitted (a consumer that
   * never reports keeps the socket-level flow control of protocol 2). */
  shown(offset: bigint): void;
  /** Dial now instead of waiting for the next try. */
  reconnectNow(): void;
  /** Leave the session running on the server and close this tab's stream. */
  detach(): Promise<void>;
  /** End the remote session. */
  kill(): Promise<void>;
  snapshot(): ResumeSnapshot | undefined;
}

/** A tab that may run without a terminal (the CLI's): a Tab plus stderr, end of input and
 * stdin flow control. The app's tabs are terminals and never need these. */
export interface PipeTab extends Tab {
  /** Pipes: the command's stderr, at offsets of its own. */
  onStderr(listener: (data: Buffer, offset: bigint) => void): Disposable;
  /** Pipes: an ACK shrank the input not yet acknowledged (see `unackedInput`). */
  onInputAcked(listener: () => void): Disposable;
  /** Pipes: bytes written but not yet acknowledged by the server; keep it under
   * PIPES_INPUT_WINDOW (stop reading stdin, go on at onInputAcked). */
  readonly unackedInput: number;
  /** Pipes: end of stdin, applied once, after every earlier write. */
  endInput(): { ok: true } | { ok: false; reason: string };
  /** Pipes: stdout before `offset` and stderr before `errOffset` are written out; until a
   * consumer first calls it, output counts as written when it is emitted. */
  written(offset: bigint, errOffset: bigint): void;
}
