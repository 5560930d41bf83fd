// The one contract between the UI and the engine (STYLE.md §4): every method the renderer
// may call and every event it may receive, each with a zod schema. The Electron preload,
// main/app's IPC handlers, the test host and the renderer's WebSocket client all derive
// their proxies and checks from the two tables below; none of them spells a method name.
//
// Pure: no Node, no electron, no DOM (its room's tsconfig has neither; see globals.d.ts),
// because the renderer and the host (main/host) both compile it.
//
// Data representation, decided here once:
// - Terminal output crosses as a JS string. The engine side decodes each tab's bytes as
//   UTF-8 with one streaming decoder per tab, so a character split across two chunks is
//   joined, never replaced. Each `output` event also says how many raw bytes it carries,
//   which is what the renderer acknowledges (see flow control).
// - Keystrokes cross as a string: UTF-8 text, or with `encoding: 'binary'` one byte per
//   char code 0..255 (xterm's `onBinary`, e.g. X10 mouse reports).
// - Output offsets are u64 in the engine (bigint); they cross as decimal strings.
//
// Flow control (per xterm.js's guidance on write callbacks and watermarks): the renderer
// calls `ackOutput(tabId, bytes)` once xterm has parsed output; the engine side counts the
// bytes sent but not acknowledged per tab, pauses that tab above a high watermark and
// resumes it below a low one. The renderer may batch acks but must acknowledge everything
// it has written once its write queue drains, or the tab stays paused.
//
// Outcomes: a method whose arguments fail the schema is our bug (the caller broke the
// contract) and rejects with a ContractError naming the method and field. Outcomes a user
// can cause (a bad destination, a refused host, a full input queue) are `{ ok: false }`
// values with a kind to switch on and a message to show.

import { z } from 'zod';
import { tabLayoutSchema } from './paneLayout';

/**
 * Bumped when a method or event is added or changes shape. The WebSocket client refuses a
 * host of another version (renderer/src/transport/ws.ts); the app shows it in its About
 * panel (its preload and main process are built together, so they cannot differ).
 */
export const CONTRACT_VERSION = 3;

/** IPC channel names for main/app: one for calls (invoke/handle), one for events (send/on). */
export const IPC_CALL_CHANNEL = 'holdfast:call';
export const IPC_EVENT_CHANNEL = 'holdfast:event';

// ---------------------------------------------------------------------------------------
// Shared shapes

/** Chosen by the renderer before it calls `connect`, so events can never outrun the id. */
export const TabId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a tab id is 1 to 64 letters, digits, "-" or "_"');
export const PromptId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a prompt id');
export const SessionId = z
  .string()
  .min(1, 'a session id cannot be empty')
  .max(128, 'a session id is at most 128 characters');
/** What the agent takes as a session's name (`new --name`, `rename`). */
export const SessionName = z
  .string()
  .min(1, 'a session name cannot be empty')
  .max(64, 'a session name is at most 64 bytes')
  .refine((s) => new TextEncoder().encode(s).length <= 64, 'a session name is at most 64 bytes')
  // eslint-disable-next-line no-control-regex
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'a session name has no control characters');
/** A u64 output offset as a decimal string. */
export const Offset = z.string().regex(/^(0|[1-9]\d{0,19})$/, 'an offset is a decimal integer');
/** The agent takes 1..4096 for both (remote-agent/PROTOCOL.md, RESIZE). */
export const Cols = z.int('cols must be an integer').min(1).max(4096);
export const Rows = z.int('rows must be an integer').min(1).max(4096);

/**
 * A destination as the renderer may give it. Deliberately without the engine's
 * `configFile` and `options` (`-o ProxyCommand=...` would let the UI run programs on this
 * machine); the host process adds those itself (see main/host/engineBridge.ts).
 */
export const Destination = z.strictObject({
  destination: z.string().min(1, 'the destination is empty').max(1024),
  port: z.int().min(1).max(65535).optional(),
  user: z.string().min(1).max(256).optional(),
  identityFiles: z.array(z.string().min(1).max(4096)).max(16).optional(),
  jump: z.string().min(1).max(1024).optional(),
});
export type Destination = z.infer<typeof Destination>;

/**
 * Where to connect: what the user typed in quick connect, a structured destination, or a
 * saved profile by name (the host process reads the profile; the UI never sends its options).
 */
export const Target = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('quick'), text: z.string().max(1024) }),
  z.strictObject({ kind: z.literal('destination'), destination: Destination }),
  z.strictObject({ kind: z.literal('profile'), name: z.string().min(1).max(128) }),
]);
export type Target = z.infer<typeof Target>;

/** Where a tab was: re-attach exactly there (mirrors the engine's ResumeSnapshot). */
export const ResumeSnapshot = z.strictObject({
  clientId: z.string().regex(/^[0-9a-f]{2,64}$/, 'a client id is hex'),
  received: Offset,
  nextSeq: Offset,
});
export type ResumeSnapshot = z.infer<typeof ResumeSnapshot>;

export const ConnectRequest = z.strictObject({
  tabId: TabId,
  target: Target,
  cols: Cols,
  rows: Rows,
  /** Attach to this existing session instead of starting a new one. */
  attach: SessionId.optional(),
  /** Name of a new session. */
  name: z.string().min(1).max(128).optional(),
  /** Command of a new session; the login shell when absent. */
  command: z.array(z.string().max(4096)).min(1).max(256).optional(),
  /** With `attach`: carry on from where a restored tab was (see `restoreTabs`). */
  resume: ResumeSnapshot.optional(),
  /** The tab's title, remembered with it for `restoreTabs`. */
  title: z.string().max(256).optional(),
});
export type ConnectRequest = z.infer<typeof ConnectRequest>;

export const SignalName = z.enum(['INT', 'TERM', 'HUP', 'KILL', 'QUIT']);
export type SignalName = z.infer<typeof SignalName>;

export const InputEncoding = z.enum(['utf8', 'binary']);
export type InputEncoding = z.infer<typeof InputEncoding>;

/** One keystroke batch or paste: the agent frames at most 64 KiB, the engine splits more. */
const InputData = z.string().max(1 << 20, 'at most 1 MiB of input per write');

// Prompts (mirrors main/engine/prompts.ts; main/host/typeChecks.ts keeps them equal).
export const PromptRequest = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('password'), user: z.string(), host: z.string() }),
  z.strictObject({ kind: z.literal('passphrase'), keyPath: z.string() }),
  z.strictObject({
    kind: z.literal('keyboard-interactive'),
    name: z.string(),
    instructions: z.string(),
    questions: z.array(z.strictObject({ text: z.string(), echo: z.boolean() })),
  }),
  z.strictObject({
    kind: z.literal('unknown-host-key'),
    host: z.string(),
    port: z.int(),
    keyType: z.string(),
    fingerprint: z.string(),
  }),
]);
export type PromptRequest = z.infer<typeof PromptRequest>;

export const PromptAnswer = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('text'),
    values: z.array(z.string().max(8192)).max(64),
  }),
  z.strictObject({
    kind: z.literal('host-key'),
    decision: z.enum(['trust-once', 'trust-and-remember']),
  }),
  z.strictObject({ kind: z.literal('cancel') }),
]);
export type PromptAnswer = z.infer<typeof PromptAnswer>;

/** Every state a tab can be in (mirrors main/engine/types.ts). Times: epoch milliseconds. */
export const TabState = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('connecting'), step: z.string() }),
  z.strictObject({
    kind: z.literal('connected'),
    sessionId: z.string(),
    resilient: z.boolean(),
  }),
  z.strictObject({
    kind: z.literal('reconnecting'),
    attempt: z.number(),
    nextTryAt: z.number(),
    since: z.number(),
    lastError: z.string().optional(),
  }),
  z.strictObject({ kind: z.literal('offline'), since: z.number() }),
  z.strictObject({
    kind: z.literal('reattaching'),
    reason: z.string(),
    attempt: z.number(),
    nextTryAt: z.number(),
    since: z.number(),
  }),
  z.strictObject({ kind: z.literal('needs-input'), prompt: PromptRequest }),
  z.strictObject({ kind: z.literal('ended'), exitCode: z.number() }),
  z.strictObject({ kind: z.literal('failed'), reason: z.string(), errorKind: z.string() }),
]);
export type TabState = z.infer<typeof TabState>;

export const SessionInfo = z.strictObject({
  id: z.string(),
  name: z.string(),
  command: z.string(),
  pid: z.number(),
  /** ISO-8601. */
  created: z.string(),
  /** Clients attached right now. */
  attached: z.number(),
  /** `running` or `exited N`. */
  state: z.string(),
  // Live facts from newer agents; absent from older ones (engine/types.ts says what each is).
  foregroundPid: z.number().optional(),
  jobRunning: z.boolean().optional(),
  foregroundCommand: z.string().optional(),
  cwd: z.string().optional(),
  lastLine: z.string().optional(),
  idleMs: z.number().optional(),
  ageMs: z.number().optional(),
  exitStatus: z.number().optional(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

/** Why a call did not do what was asked, in words; `kind` is for code to switch on. */
export const Failure = z.strictObject({ kind: z.string(), message: z.string() });
export type Failure = z.infer<typeof Failure>;

// Saved host profiles. Shapes only: the rules (and their messages) are the profile store's
// (main/engine/profiles/schema.ts), which answers a bad field with a FieldError in words.

/** One wrong field of a profile: `port`, `auth.keyFile`, `env.PATH`, and what to enter. */
export const FieldError = z.strictObject({ field: z.string(), message: z.string() });
export type FieldError = z.infer<typeof FieldError>;

/** A failure that may name the fields at fault (a profile that was not saved). */
export const ProfileFailure = z.strictObject({
  kind: z.string(),
  message: z.string(),
  fields: z.array(FieldError).optional(),
});
export type ProfileFailure = z.infer<typeof ProfileFailure>;

/**
 * What turning a profile's agent forwarding on risks, after ssh(1)'s caution on -A; shown
 * next to the switch.
 */
export const FORWARD_AGENT_WARNING =
  "Forward your agent only to servers you trust. Whoever can get past file permissions there (root, for one) can use your agent through the session's socket while you are attached: your keys cannot be copied, but they can be used to log in as you wherever they are accepted.";

const profileFields = {
  name: z.string().max(1024),
  alias: z.string().max(1024).optional(),
  host: z.string().max(1024).optional(),
  port: z.number().optional(),
  user: z.string().max(1024).optional(),
  jump: z.array(z.string().max(1024)).max(64).optional(),
  keepalive: z
    .strictObject({ intervalSeconds: z.number().optional(), countMax: z.number().optional() })
    .optional(),
  scrollback: z.number().optional(),
  command: z.string().max(8192).optional(),
  agentDir: z.string().max(1024).optional(),
  forwardAgent: z.boolean().optional(),
  /** ssh's -L/-R/-D specs, started with the profile's tabs. */
  forwards: z
    .array(
      z.strictObject({
        kind: z.enum(['local', 'remote', 'dynamic']),
        spec: z.string().max(1024),
      }),
    )
    .max(64)
    .optional(),
  env: z.record(z.string().max(256), z.string().max(8192)).optional(),
  group: z.string().max(1024).optional(),
  color: z.string().max(64).optional(),
  colorScheme: z.string().max(128).optional(),
  notes: z.string().max(20_000).optional(),
};

/** A saved profile as the UI sees it: a password is never here, only whether one is kept. */
export const ProfileView = z.strictObject({
  id: z.string(),
  ...profileFields,
  auth: z
    .discriminatedUnion('method', [
      z.strictObject({ method: z.literal('agent') }),
      z.strictObject({ method: z.literal('key'), keyFile: z.string() }),
      z.strictObject({ method: z.literal('password'), saved: z.boolean() }),
    ])
    .optional(),
});
export type ProfileView = z.infer<typeof ProfileView>;

/** One connection through a forward, with its bytes each way. */
export const ForwardConnection = z.strictObject({
  id: z.int(),
  from: z.string(),
  to: z.string(),
  since: z.number(),
  /** From the target to the client. */
  bytesIn: z.number(),
  /** From the client to the target. */
  bytesOut: z.number(),
  state: z.enum(['handshake', 'waiting-for-link', 'open']),
});

/** One forward: where it listens, its state, its live connections. */
export const ForwardView = z.strictObject({
  label: z.string(),
  kind: z.enum(['local', 'remote', 'dynamic']),
  state: z.enum(['starting', 'listening', 'waiting-for-link', 'failed']),
  where: z.array(z.string()),
  message: z.string().optional(),
  /** What carries each connection, and whether it outlives a reconnect. */
  carrier: z.string(),
  resumable: z.boolean(),
  connections: z.array(ForwardConnection),
  total: z.strictObject({ connections: z.number(), bytesIn: z.number(), bytesOut: z.number() }),
});
export type ForwardView = z.infer<typeof ForwardView>;

/** A host's forwards. */
export const HostForwards = z.strictObject({ host: z.string(), forwards: z.array(ForwardView) });
export type HostForwards = z.infer<typeof HostForwards>;

/**
 * A profile to save: with `id`, the profile with that id is replaced; without, it is added.
 * A password given goes to the keychain; without one, a kept password stays.
 */
export const ProfileInput = z.strictObject({
  id: z.string().max(64).optional(),
  ...profileFields,
  auth: z
    .discriminatedUnion('method', [
      z.strictObject({ method: z.literal('agent') }),
      z.strictObject({ method: z.literal('key'), keyFile: z.string().max(4096) }),
      z.strictObject({
        method: z.literal('password'),
        password: z.string().max(8192).optional(),
      }),
    ])
    .optional(),
});
export type ProfileInput = z.infer<typeof ProfileInput>;

/**
 * Longest terminal screen the renderer may keep with the host (`keepScreen`), in chars:
 * 2000 rows of coloured text serialize to about 260 K; 1 Mi chars stays under the
 * WebSocket's message cap even if every char were JSON-escaped.
 */
export const SCREEN_MAX_CHARS = 1 << 20;

/** A terminal's screen and scrollback as xterm.js serializes it (escape sequences). */
const Screen = z.string().max(SCREEN_MAX_CHARS, 'a kept screen is at most 1 Mi chars');

/** A tab the host process remembered across a restart (see `restoreTabs`). */
export const RestorableTab = z.strictObject({
  target: Target,
  sessionId: SessionId,
  title: z.string().max(256).optional(),
  /** Attach with this: its `received` is where the output goes on from (`screen` ends there). */
  resume: ResumeSnapshot.optional(),
  /**
   * The tab's last kept screen (`keepScreen`), to paint before output resumes at
   * `resume.received`. Without it, `received` is 0: the server's ring is replayed instead.
   */
  screen: Screen.optional(),
});
export type RestorableTab = z.infer<typeof RestorableTab>;

/** Most split tabs a window keeps (each has two panes at least: the tab ids' cap, halved). */
export const MAX_LAYOUTS = 512;

/** A split tab as the renderer tells the host (`setPaneLayouts`): leaves are tab ids. */
export const PaneLayout = tabLayoutSchema(TabId);
export type PaneLayout = z.infer<typeof PaneLayout>;

/** A split tab as `restoreTabs` gives it back: leaves index the restored `tabs`. */
export const RestorableLayout = tabLayoutSchema(z.int().min(0).max(1023));
export type RestorableLayout = z.infer<typeof RestorableLayout>;

/** Only web pages leave the app; `file:`, `javascript:`, custom schemes are refused. */
export const ExternalUrl = z
  .string()
  .max(8192, 'the link is longer than 8192 characters')
  .refine(isWebUrl, { message: 'only http:// and https:// links can be opened' });

/** Whether `text` is an absolute http(s) URL with a host. */
export function isWebUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

/** A desktop notification the UI asks the host process to show (see `notify`). */
export const DesktopNotice = z.strictObject({
  title: z.string().max(256, 'a notification title is at most 256 characters'),
  body: z.string().max(1024, 'a notification body is at most 1024 characters'),
  /** Notices with the same tag replace each other; a click comes back with it. */
  tag: z.string().max(256),
});
export type DesktopNotice = z.infer<typeof DesktopNotice>;

const done = z.union([
  z.strictObject({ ok: z.literal(true) }),
  z.strictObject({ ok: z.literal(false), error: Failure }),
]);

function outcome<T extends z.ZodRawShape>(value: T) {
  return z.union([
    z.strictObject({ ok: z.literal(true), ...value }),
    z.strictObject({ ok: z.literal(false), error: Failure }),
  ]);
}

function profileOutcome<T extends z.ZodRawShape>(value: T) {
  return z.union([
    z.strictObject({ ok: z.literal(true), ...value }),
    z.strictObject({ ok: z.literal(false), error: ProfileFailure }),
  ]);
}

// ---------------------------------------------------------------------------------------
// Methods: name → argument names (for messages), argument schemas, result schema.

type MethodSpec = {
  readonly params: readonly string[];
  readonly args: z.ZodTuple;
  readonly result: z.ZodType;
};

function method<const A extends readonly [z.ZodType, ...z.ZodType[]] | [], R extends z.ZodType>(
  params: { readonly [K in keyof A]: string },
  args: A,
  result: R,
) {
  return { params, args: z.tuple(args as never) as unknown as z.ZodTuple<A, null>, result };
}

export const methods = {
  /** Opens a tab: a new session, or `attach` to an existing one. Progress comes as `state`. */
  connect: method(['request'], [ConnectRequest], outcome({ tabId: TabId })),
  /** Answers a `prompt` event. */
  answerPrompt: method(['promptId', 'answer'], [PromptId, PromptAnswer], done),
  /** Keystrokes, delivered exactly once across reconnects; refused when too many are queued. */
  write: method(['tabId', 'data', 'encoding'], [TabId, InputData, InputEncoding.optional()], done),
  resize: method(['tabId', 'cols', 'rows'], [TabId, Cols, Rows], done),
  signal: method(['tabId', 'signal'], [TabId, SignalName], done),
  /** Closes the tab and leaves its session running on the server. */
  detach: method(['tabId'], [TabId], done),
  /** Closes the tab and ends its session. */
  kill: method(['tabId'], [TabId], done),
  /** Dials now instead of waiting for the next try. */
  reconnectNow: method(['tabId'], [TabId], done),
  /** The sessions held on a host. */
  listSessions: method(['target'], [Target], outcome({ sessions: z.array(SessionInfo) })),
  /** Every host's port forwards with their live connections and bytes (the forwards panel). */
  listForwards: method([], [], outcome({ hosts: z.array(HostForwards) })),
  /** Ends a session on a host, attached or not. */
  killSession: method(['target', 'sessionId'], [Target, SessionId], done),
  /** Gives a session on a host another name (the agent's `rename`; unique among live ones). */
  renameSession: method(['target', 'sessionId', 'name'], [Target, SessionId, SessionName], done),
  /** Flow control: this many output bytes of the tab have been parsed by the terminal. */
  ackOutput: method(
    ['tabId', 'bytes'],
    [
      TabId,
      z
        .int()
        .min(0)
        .max(2 ** 40),
    ],
    done,
  ),
  /** Opens an http(s) link in the system browser (checked again by the host process). */
  openExternal: method(['url'], [ExternalUrl], done),
  /** The OS says the network changed (or came back): probe links now. */
  networkChanged: method([], [], done),
  /** The saved profiles; `notice` when an unreadable profiles file was moved aside. */
  listProfiles: method(
    [],
    [],
    profileOutcome({ profiles: z.array(ProfileView), notice: z.string().optional() }),
  ),
  /** Adds a profile, or replaces the one with `input.id`; a bad field comes back in `fields`. */
  saveProfile: method(['input'], [ProfileInput], profileOutcome({ profile: ProfileView })),
  /** Deletes a profile (and its kept password); returns it, so the UI can offer undo. */
  removeProfile: method(
    ['nameOrId'],
    [z.string().min(1).max(128)],
    profileOutcome({ profile: ProfileView }),
  ),
  /** Adds a profile for every Host of ~/.ssh/config not yet saved. */
  importSshConfig: method(
    [],
    [],
    profileOutcome({
      file: z.string(),
      added: z.array(z.string()),
      skipped: z.array(z.strictObject({ name: z.string(), reason: z.string() })),
      warnings: z.array(z.string()),
    }),
  ),
  /** The tabs open when the app last stopped, to re-open with `attach` and `resume`. */
  restoreTabs: method(
    [],
    [],
    outcome({
      tabs: z.array(RestorableTab),
      /** The split tabs among them (a tab not in one is a tab of its own). */
      layouts: z.array(RestorableLayout).max(MAX_LAYOUTS).optional(),
    }),
  ),
  /**
   * The terminal of a tab as it stands after output up to `offset` (xterm's serialized
   * form), kept by the host so a restarted app paints it and resumes at `offset` instead
   * of replaying what the tab had already shown.
   */
  keepScreen: method(['tabId', 'offset', 'screen'], [TabId, Offset, Screen], done),
  /**
   * Shows a desktop notification from the host process (the desktop app's main process);
   * a click on it focuses the window and comes back as `notificationClicked`. A host
   * without them answers `unsupported`, and the UI shows it itself.
   */
  notify: method(['notice'], [DesktopNotice], done),
  /** The tab bar's order (tab ids, left to right), which `restoreTabs` gives back next time. */
  setTabOrder: method(['tabIds'], [z.array(TabId).max(1024)], done),
  /**
   * The split tabs (tree, divider ratios, focus, zoom; leaves are tab ids), which
   * `restoreTabs` gives back next time with the tabs; a tab in none is a tab of its own.
   */
  setPaneLayouts: method(['layouts'], [z.array(PaneLayout).max(MAX_LAYOUTS)], done),
  /**
   * The user's shortcuts (action → chord texts, see ./keys.ts), so the application menu
   * shows, and on macOS answers to, the keys the page does; a host without a menu ignores it.
   */
  setMenuKeys: method(
    ['bindings'],
    [
      z
        .record(z.string().max(64), z.array(z.string().max(40)).max(4))
        .refine((r) => Object.keys(r).length <= 64, 'at most 64 actions'),
    ],
    done,
  ),
} as const satisfies Record<string, MethodSpec>;

export type MethodName = keyof typeof methods;
export const METHOD_NAMES = Object.keys(methods) as MethodName[];
export type MethodArgs<M extends MethodName> = z.input<(typeof methods)[M]['args']>;
export type MethodResult<M extends MethodName> = z.output<(typeof methods)[M]['result']>;

/**
 * What an item of the application menu asks the UI to do: the same actions as the UI's own
 * keyboard shortcuts and command palette (their keys and names: ./keys.ts), which the UI
 * runs on `menuCommand`.
 */
export const MenuAction = z.enum([
  'new-tab',
  'close-tab',
  'next-tab',
  'previous-tab',
  'find',
  'copy',
  'paste',
  'zoom-in',
  'zoom-out',
  'zoom-reset',
  'command-palette',
  'show-shortcuts',
  'select-all',
  'clear-scrollback',
  'rename-tab',
  'open-another-view',
  'open-sessions',
  'open-hosts',
  'open-settings',
  'toggle-broadcast',
  'split-right',
  'split-down',
  'split-right-same-session',
  'focus-pane-left',
  'focus-pane-right',
  'focus-pane-up',
  'focus-pane-down',
  'resize-pane-left',
  'resize-pane-right',
  'resize-pane-up',
  'resize-pane-down',
  'maximize-pane',
  'close-pane',
  'rename-session',
  'reconnect-all',
  'notify-when-finished',
  'install-shell-integration',
]);
export type MenuAction = z.infer<typeof MenuAction>;

// ---------------------------------------------------------------------------------------
// Events: name → payload schema. Every engine event names the tab it is about; the app's
// own (`menuCommand`) are about the window.

export const events = {
  /** Output of a tab. `offset` is where `data` starts in the session's output; `bytes` is
   * how many raw bytes it decoded from (what `ackOutput` counts). */
  output: z.strictObject({
    tabId: TabId,
    data: z.string(),
    offset: Offset,
    bytes: z.int().min(0),
  }),
  /** Output `from`..`to` left the server's ring before this tab got it. */
  /** `skipped`: left out by an attach that replays only a session's last output. */
  gap: z.strictObject({ tabId: TabId, from: Offset, to: Offset, skipped: z.boolean().optional() }),
  state: z.strictObject({ tabId: TabId, state: TabState }),
  /** A one-line notice for the user (e.g. running without the agent, not resumable). */
  notice: z.strictObject({ tabId: TabId, message: z.string() }),
  /** The engine needs an answer; `tabId` when the host process can tell whose it is. */
  prompt: z.strictObject({
    promptId: PromptId,
    tabId: TabId.optional(),
    request: PromptRequest,
  }),
  /** A prompt no longer needs an answer (answered elsewhere, or its tab went away). */
  promptClosed: z.strictObject({ promptId: PromptId }),
  /** An application menu item was chosen: run its action as its shortcut would. Sent by
   * main/app, never by the engine, so a menu action reaches the UI without replaying keys. */
  menuCommand: z.strictObject({ action: MenuAction }),
  /** The user clicked a notification shown by `notify` (the window is focused already). */
  notificationClicked: z.strictObject({ tag: z.string().max(256) }),
} as const satisfies Record<string, z.ZodType>;

export type EventName = keyof typeof events;
export const EVENT_NAMES = Object.keys(events) as EventName[];
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;
export type AnyEvent = { [E in EventName]: { event: E; payload: EventPayload<E> } }[EventName];

// ---------------------------------------------------------------------------------------
// The API as the renderer sees it (window.holdfast), and as the host implements it.

export type Listener<E extends EventName> = (payload: EventPayload<E>) => void;

export type HoldfastApi = {
  readonly [M in MethodName]: (...args: MethodArgs<M>) => Promise<MethodResult<M>>;
} & {
  /** Subscribes to one event; returns the unsubscribe function. */
  readonly on: <E extends EventName>(event: E, listener: Listener<E>) => () => void;
  readonly contractVersion: number;
};

/** What a host process implements: the methods, taking already validated arguments. */
export type HoldfastMethods = {
  [M in MethodName]: (
    ...args: z.output<(typeof methods)[M]['args']>
  ) => MethodResult<M> | Promise<MethodResult<M>>;
};

/** A broken contract: unknown method, bad arguments or a bad result. Our bug, not the user's. */
export class ContractError extends Error {
  override readonly name = 'ContractError';
}

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(methods, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}

/** One line per problem: `resize(cols): expected an integer ...`. */
function describe(where: string, names: readonly string[], error: z.ZodError): string {
  const lines = error.issues.map((issue) => {
    const [first, ...rest] = issue.path;
    const head = typeof first === 'number' ? (names[first] ?? `argument ${first + 1}`) : first;
    const path = [head, ...rest].filter((p) => p !== undefined).join('.');
    return path ? `${where}(${path}): ${issue.message}` : `${where}: ${issue.message}`;
  });
  return lines.join('; ');
}

/** Validates a call's arguments; throws a ContractError that names the method and field. */
export function parseArgs<M extends MethodName>(
  name: M,
  args: unknown,
): z.output<(typeof methods)[M]['args']> {
  const spec = methods[name];
  if (!Array.isArray(args)) throw new ContractError(`${name}: arguments must be a list`);
  if (args.length > spec.params.length) {
    throw new ContractError(
      `${name} takes ${spec.params.length} argument(s) (${spec.params.join(', ')}), got ${args.length}`,
    );
  }
  // Missing trailing arguments become undefined, so the message names the first missing one.
  const padded = [...args, ...Array<undefined>(spec.params.length - args.length).fill(undefined)];
  const parsed = spec.args.safeParse(padded);
  if (!parsed.success) throw new ContractError(describe(name, spec.params, parsed.error));
  return parsed.data as z.output<(typeof methods)[M]['args']>;
}

/** Validates a method's result (the host's side of the bargain). */
export function parseResult<M extends MethodName>(name: M, value: unknown): MethodResult<M> {
  const parsed = methods[name].result.safeParse(value);
  if (!parsed.success) {
    throw new ContractError(describe(`${name} result`, [], parsed.error));
  }
  return parsed.data as MethodResult<M>;
}

/** Validates an event's payload; throws a ContractError naming the event and field. */
export function parseEvent<E extends EventName>(name: E, payload: unknown): EventPayload<E> {
  const parsed = events[name].safeParse(payload);
  if (!parsed.success) throw new ContractError(describe(`${name} event`, [], parsed.error));
  return parsed.data as EventPayload<E>;
}

// ---------------------------------------------------------------------------------------
// Transport-neutral glue: a reply envelope, a server-side dispatcher and a client proxy.
// The WebSocket (main/contract/wire.ts) and Electron IPC carry exactly these envelopes.

/** How a call came back: its result, or a broken contract in words (never a stack). */
export type Reply = { ok: true; value: unknown } | { ok: false; message: string };

export const Reply = z.union([
  z.strictObject({ ok: z.literal(true), value: z.unknown() }),
  z.strictObject({ ok: z.literal(false), message: z.string() }),
]);

/** How `dispatch` treats results. `checkResult: false` is for the shipped app: the
 * arguments are the trust boundary and are always checked; a result is our own object,
 * typed by MethodResult, and re-checking it with zod on every keystroke buys nothing there.
 * Test hosts and unit tests keep the check on, so a shape drift still fails a test. */
export type DispatchOptions = { checkResult?: boolean };

/**
 * The host side of one call: checks the name and arguments, runs the method, checks the
 * result (unless told not to). Never throws; a thrown error becomes `{ ok: false, message }`.
 */
export async function dispatch(
  impl: HoldfastMethods,
  name: unknown,
  args: unknown,
  opts: DispatchOptions = {},
): Promise<Reply> {
  try {
    if (!isMethodName(name)) {
      throw new ContractError(
        `unknown method ${JSON.stringify(name)}; known: ${METHOD_NAMES.join(', ')}`,
      );
    }
    const parsed = parseArgs(name, args);
    const fn = impl[name] as (...a: unknown[]) => unknown;
    const value = await fn.apply(impl, parsed as unknown[]);
    return { ok: true, value: opts.checkResult === false ? value : parseResult(name, value) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** Sends one call and resolves with the host's reply. */
export type Invoke = (name: MethodName, args: unknown[]) => Promise<Reply>;
/** Delivers every event to `listener` until the returned function is called. */
export type Subscribe = (listener: (event: string, payload: unknown) => void) => () => void;

/**
 * Builds the API from the method list over any transport: the Electron preload passes
 * `ipcRenderer.invoke`, the renderer's WebSocket client its own socket. Arguments are
 * checked before they leave and results and events again when they arrive, so both ends
 * of every hop validate with the same schemas.
 */
export function createClient(invoke: Invoke, subscribe: Subscribe): HoldfastApi {
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  let unsubscribe: (() => void) | undefined;

  const deliver = (event: string, payload: unknown): void => {
    if (!isEventName(event)) return; // a newer host's event: not ours to guess at
    const set = listeners.get(event);
    if (!set || set.size === 0) return;
    let parsed: unknown;
    try {
      parsed = parseEvent(event, payload);
    } catch (error) {
      console.error(`holdfast: dropped a malformed event: ${(error as Error).message}`);
      return;
    }
    for (const listener of [...set]) (listener as (p: unknown) => void)(parsed);
  };

  const api: Record<string, unknown> = {
    contractVersion: CONTRACT_VERSION,
    on<E extends EventName>(event: E, listener: Listener<E>): () => void {
      if (!isEventName(event)) throw new ContractError(`unknown event ${JSON.stringify(event)}`);
      unsubscribe ??= subscribe(deliver);
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (payload: never) => void);
      return () => {
        set.delete(listener as (payload: never) => void);
      };
    },
  };
  for (const name of METHOD_NAMES) {
    api[name] = async (...args: unknown[]): Promise<unknown> => {
      parseArgs(name, args);
      const reply = await invoke(name, args);
      if (!reply.ok) throw new ContractError(reply.message);
      return parseResult(name, reply.value);
    };
  }
  return api as HoldfastApi;
}
