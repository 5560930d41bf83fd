// The app's actions and their keys, in one table for the renderer (shortcuts, command
// palette, shortcuts sheet, Settings) and main/app (the menu shows the same keys).
//
// A terminal must not take keys that programs use. On Linux and Windows the app's own keys
// take Ctrl+Shift (as GNOME Terminal, Windows Terminal and WezTerm do): Ctrl+Shift+letter
// reaches no program (xterm.js sends nothing for it, and a legacy terminal the same byte as
// Ctrl+letter, which users type without Shift). On macOS they take ⌘, which never reaches
// the terminal. `programUse` below is the audit against readline, emacs, vim, less and
// tmux's default keys: no default binding is in it (test/unit/keys.test.ts), and Settings
// warns when a user binds one of them.
//
// Pure: no DOM, no Node (see ./tsconfig.json). A key event is given as its plain fields.

import type { MenuAction } from './api';

export type Action = MenuAction;

/** One key combination. `key` is a name from KEY_NAMES, a letter A-Z or a digit 0-9. */
export type Chord = {
  readonly ctrl: boolean;
  readonly shift: boolean;
  readonly alt: boolean;
  /** ⌘ on macOS, the Windows/Super key elsewhere. */
  readonly meta: boolean;
  readonly key: string;
};

/** What a chord is made of in a key event (KeyboardEvent has these fields). */
export type KeyEventLike = {
  readonly key: string;
  readonly code?: string;
  readonly ctrlKey: boolean;
  readonly shiftKey: boolean;
  readonly altKey: boolean;
  readonly metaKey: boolean;
};

export type ActionInfo = { readonly label: string; readonly group: string };

/** Every action, in the order the palette and the shortcuts sheet list them. */
export const ACTIONS: Readonly<Record<Action, ActionInfo>> = {
  'command-palette': { label: 'Show all commands', group: 'General' },
  'show-shortcuts': { label: 'Keyboard shortcuts', group: 'General' },
  'open-settings': { label: 'Settings', group: 'General' },
  'open-hosts': { label: 'Saved hosts', group: 'General' },
  'open-sessions': { label: 'Sessions on a server', group: 'General' },
  'new-tab': { label: 'New tab', group: 'Tabs' },
  'close-tab': { label: 'Close tab', group: 'Tabs' },
  'next-tab': { label: 'Next tab', group: 'Tabs' },
  'previous-tab': { label: 'Previous tab', group: 'Tabs' },
  'rename-tab': { label: 'Rename tab', group: 'Tabs' },
  'open-another-view': { label: 'Open another view of this session', group: 'Tabs' },
  'toggle-broadcast': { label: 'Broadcast input to tabs…', group: 'Tabs' },
  'reconnect-all': { label: 'Reconnect all', group: 'Tabs' },
  'notify-when-finished': { label: 'Notify me when this finishes', group: 'Tabs' },
  'install-shell-integration': { label: 'Install shell integration…', group: 'Tabs' },
  'rename-session': { label: 'Rename this session…', group: 'Tabs' },
  'split-right': { label: 'Split right (new session)', group: 'Panes' },
  'split-down': { label: 'Split down (new session)', group: 'Panes' },
  'split-right-same-session': {
    label: 'Split right: another view of this session',
    group: 'Panes',
  },
  'focus-pane-left': { label: 'Focus the pane on the left', group: 'Panes' },
  'focus-pane-right': { label: 'Focus the pane on the right', group: 'Panes' },
  'focus-pane-up': { label: 'Focus the pane above', group: 'Panes' },
  'focus-pane-down': { label: 'Focus the pane below', group: 'Panes' },
  'resize-pane-left': { label: 'Move the divider left', group: 'Panes' },
  'resize-pane-right': { label: 'Move the divider right', group: 'Panes' },
  'resize-pane-up': { label: 'Move the divider up', group: 'Panes' },
  'resize-pane-down': { label: 'Move the divider down', group: 'Panes' },
  'maximize-pane': { label: 'Maximize pane (fill the tab, or back)', group: 'Panes' },
  'close-pane': { label: 'Close pane', group: 'Panes' },
  find: { label: 'Find', group: 'Terminal' },
  copy: { label: 'Copy', group: 'Terminal' },
  paste: { label: 'Paste', group: 'Terminal' },
  'select-all': { label: 'Select all', group: 'Terminal' },
  'clear-scrollback': { label: 'Clear scrollback', group: 'Terminal' },
  'zoom-in': { label: 'Zoom in', group: 'View' },
  'zoom-out': { label: 'Zoom out', group: 'View' },
  'zoom-reset': { label: 'Actual size', group: 'View' },
};

export const ACTION_NAMES = Object.keys(ACTIONS) as Action[];

/** Keys by name, beside letters and digits: what a chord may end with. */
const NAMED_KEYS = [
  'Tab',
  'Enter',
  'Escape',
  'Space',
  'Backspace',
  'Delete',
  'Insert',
  'Home',
  'End',
  'PageUp',
  'PageDown',
  'Up',
  'Down',
  'Left',
  'Right',
  'NumAdd',
  'NumSub',
  'NumMult',
  'NumDiv',
  'NumDec',
  ...Array.from({ length: 10 }, (_, i) => `Num${i}`),
  ...Array.from({ length: 12 }, (_, i) => `F${i + 1}`),
] as const;
/** The punctuation keys of a US layout, named by their unshifted character. */
const PUNCTUATION = ['-', '=', '[', ']', '\\', ';', "'", ',', '.', '/', '`'] as const;

/** KeyboardEvent.code → our key name, for keys whose `key` changes with Shift or layout. */
const CODE_NAMES: Readonly<Record<string, string>> = {
  Minus: '-',
  Equal: '=',
  BracketLeft: '[',
  BracketRight: ']',
  Backslash: '\\',
  Semicolon: ';',
  Quote: "'",
  Comma: ',',
  Period: '.',
  Slash: '/',
  Backquote: '`',
  NumpadAdd: 'NumAdd',
  NumpadSubtract: 'NumSub',
  NumpadMultiply: 'NumMult',
  NumpadDivide: 'NumDiv',
  NumpadDecimal: 'NumDec',
  ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`Numpad${i}`, `Num${i}`])),
};

/** KeyboardEvent.key → our key name, for named keys. */
const KEY_NAMES: Readonly<Record<string, string>> = {
  ' ': 'Space',
  ArrowUp: 'Up',
  ArrowDown: 'Down',
  ArrowLeft: 'Left',
  ArrowRight: 'Right',
  ...Object.fromEntries(NAMED_KEYS.map((k) => [k, k])),
};

/** Shifted US characters → the key they are on (Playwright and some layouts give no code). */
const SHIFTED: Readonly<Record<string, string>> = {
  _: '-',
  '+': '=',
  '{': '[',
  '}': ']',
  '|': '\\',
  ':': ';',
  '"': "'",
  '<': ',',
  '>': '.',
  '?': '/',
  '~': '`',
  '!': '1',
  '@': '2',
  '#': '3',
  $: '4',
  '%': '5',
  '^': '6',
  '&': '7',
  '*': '8',
  '(': '9',
  ')': '0',
};

function isKeyName(key: string): boolean {
  return (
    /^[A-Z0-9]$/.test(key) ||
    (PUNCTUATION as readonly string[]).includes(key) ||
    (NAMED_KEYS as readonly string[]).includes(key)
  );
}

/** The chord a key event is, or undefined for a lone modifier or a key we do not name. */
export function chordOfEvent(e: KeyEventLike): Chord | undefined {
  const code = e.code ?? '';
  let key: string | undefined;
  if (/^[a-z]$/i.test(e.key)) key = e.key.toUpperCase();
  else if (/^Key[A-Z]$/.test(code))
    key = code.slice(3); // a non-Latin layout: the physical key
  else if (/^Digit\d$/.test(code)) key = code.slice(5);
  else if (CODE_NAMES[code] !== undefined) key = CODE_NAMES[code];
  else if (KEY_NAMES[e.key] !== undefined) key = KEY_NAMES[e.key];
  else if (/^[0-9]$/.test(e.key) || (PUNCTUATION as readonly string[]).includes(e.key)) key = e.key;
  else if (SHIFTED[e.key] !== undefined) key = SHIFTED[e.key];
  if (key === undefined) return undefined;
  // '_' is Shift+'-' even when the event (a synthetic one) forgot to say Shift.
  const shift = e.shiftKey || (SHIFTED[e.key] !== undefined && code === '');
  return { ctrl: e.ctrlKey, shift, alt: e.altKey, meta: e.metaKey, key };
}

/** The canonical text of a chord: `Ctrl+Shift+F`, `Cmd+=`, `Ctrl+NumSub`. */
export function chordText(c: Chord): string {
  const parts: string[] = [];
  if (c.ctrl) parts.push('Ctrl');
  if (c.alt) parts.push('Alt');
  if (c.shift) parts.push('Shift');
  if (c.meta) parts.push('Cmd');
  parts.push(c.key);
  return parts.join('+');
}

export type ChordParse = { ok: true; chord: Chord } | { ok: false; message: string };

/** Reads `Ctrl+Shift+F` (modifiers in any order, any case; `Meta`, `Super`, `⌘` for Cmd). */
export function parseChord(text: string): ChordParse {
  const raw = text.trim();
  if (raw === '') return { ok: false, message: 'a shortcut cannot be empty' };
  // The last part is the key; "Ctrl++" would be ambiguous, so '+' is written Shift+=.
  const parts = raw.split('+').map((p) => p.trim());
  const keyText = parts.pop() ?? '';
  const mods = { ctrl: false, shift: false, alt: false, meta: false };
  for (const part of parts) {
    const m = part.toLowerCase();
    if (m === 'ctrl' || m === 'control') mods.ctrl = true;
    else if (m === 'shift') mods.shift = true;
    else if (m === 'alt' || m === 'option') mods.alt = true;
    else if (m === 'cmd' || m === 'meta' || m === 'super' || m === 'command' || m === '⌘')
      mods.meta = true;
    else return { ok: false, message: `"${part}" in "${raw}" is not Ctrl, Shift, Alt or Cmd` };
  }
  const key = normalizeKeyName(keyText);
  if (key === undefined) {
    return { ok: false, message: `"${keyText || raw}" is not a key name (e.g. F, 5, -, PageUp)` };
  }
  const chord = { ...mods, key };
  if (!chord.ctrl && !chord.alt && !chord.meta && !/^F\d+$/.test(key)) {
    return {
      ok: false,
      message: `${chordText(chord)} would be typed into the terminal: add Ctrl, Alt or Cmd`,
    };
  }
  return { ok: true, chord };
}

function normalizeKeyName(text: string): string | undefined {
  if (text.length === 1) {
    const upper = text.toUpperCase();
    if (isKeyName(upper)) return upper;
    return undefined;
  }
  const lower = text.toLowerCase();
  const named = (NAMED_KEYS as readonly string[]).find((k) => k.toLowerCase() === lower);
  if (named) return named;
  const alias: Record<string, string> = {
    pgup: 'PageUp',
    pgdn: 'PageDown',
    esc: 'Escape',
    del: 'Delete',
    return: 'Enter',
    arrowup: 'Up',
    arrowdown: 'Down',
    arrowleft: 'Left',
    arrowright: 'Right',
    minus: '-',
    equal: '=',
    plus: '=',
  };
  return alias[lower];
}

/** How a chord reads on this platform: `⌃⇧F`-style symbols on macOS, words elsewhere. */
export function chordLabel(c: Chord, mac: boolean): string {
  const key =
    c.key === 'NumAdd'
      ? 'Num +'
      : c.key === 'NumSub'
        ? 'Num −'
        : c.key === 'Num0'
          ? 'Num 0'
          : c.key === '=' && c.shift
            ? '+'
            : c.key;
  const shift = c.shift && !(c.key === '=' && c.shift);
  if (mac) {
    return `${c.ctrl ? '⌃' : ''}${c.alt ? '⌥' : ''}${shift ? '⇧' : ''}${c.meta ? '⌘' : ''}${key}`;
  }
  const parts: string[] = [];
  if (c.ctrl) parts.push('Ctrl');
  if (c.alt) parts.push('Alt');
  if (shift) parts.push('Shift');
  if (c.meta) parts.push('Super');
  parts.push(key);
  return parts.join('+');
}

export type Bindings = Readonly<Record<Action, readonly string[]>>;

/** The app's keys out of the box (chord texts; the first is the one menus show). */
export function defaultBindings(mac: boolean): Bindings {
  const cmd = mac ? 'Cmd' : 'Ctrl+Shift';
  return {
    'command-palette': [mac ? 'Cmd+Shift+P' : 'Ctrl+Shift+P'],
    'show-shortcuts': [mac ? 'Cmd+/' : 'Ctrl+Shift+H'],
    'open-settings': [mac ? 'Cmd+,' : 'Ctrl+,'],
    'open-hosts': [mac ? 'Cmd+Shift+O' : 'Ctrl+Shift+O'],
    'open-sessions': [mac ? 'Cmd+Shift+S' : 'Ctrl+Shift+S'],
    'new-tab': [`${cmd}+T`],
    'close-tab': [`${cmd}+W`],
    // Ctrl+Tab is Tab to a program; Ctrl+PageUp/PageDown are vim's tab pages, not ours.
    'next-tab': mac ? ['Cmd+Shift+]', 'Ctrl+Tab'] : ['Ctrl+Tab'],
    'previous-tab': mac ? ['Cmd+Shift+[', 'Ctrl+Shift+Tab'] : ['Ctrl+Shift+Tab'],
    'rename-tab': [],
    'open-another-view': [],
    'toggle-broadcast': [mac ? 'Cmd+Shift+B' : 'Ctrl+Shift+B'],
    'reconnect-all': [],
    'notify-when-finished': [],
    'install-shell-integration': [],
    'rename-session': [],
    // iTerm2's split keys on macOS; Terminator's Ctrl+Shift+E elsewhere (Ctrl+Shift+O, its
    // other split, is Saved hosts here).
    'split-right': [mac ? 'Cmd+D' : 'Ctrl+Shift+E'],
    'split-down': [mac ? 'Cmd+Shift+D' : 'Ctrl+Shift+D'],
    'split-right-same-session': [],
    'focus-pane-left': [mac ? 'Cmd+Alt+Left' : 'Ctrl+Shift+Left'],
    'focus-pane-right': [mac ? 'Cmd+Alt+Right' : 'Ctrl+Shift+Right'],
    'focus-pane-up': [mac ? 'Cmd+Alt+Up' : 'Ctrl+Shift+Up'],
    'focus-pane-down': [mac ? 'Cmd+Alt+Down' : 'Ctrl+Shift+Down'],
    // iTerm2's on macOS. Elsewhere every free chord with arrows has Alt, which is Meta to
    // programs: unbound (the palette, Settings, or arrows on a focused divider).
    'resize-pane-left': mac ? ['Cmd+Ctrl+Left'] : [],
    'resize-pane-right': mac ? ['Cmd+Ctrl+Right'] : [],
    'resize-pane-up': mac ? ['Cmd+Ctrl+Up'] : [],
    'resize-pane-down': mac ? ['Cmd+Ctrl+Down'] : [],
    'maximize-pane': [mac ? 'Cmd+Shift+Enter' : 'Ctrl+Shift+Z'],
    'close-pane': [],
    find: [`${cmd}+F`],
    copy: [`${cmd}+C`],
    paste: [`${cmd}+V`],
    'select-all': [`${cmd}+A`],
    'clear-scrollback': [`${cmd}+K`],
    // Ctrl+= and Ctrl+Shift+= reach no program; Ctrl+- and Ctrl+Shift+- are C-_ (undo in
    // readline and emacs), so zooming out takes the keypad's minus there.
    'zoom-in': mac ? ['Cmd+=', 'Cmd+Shift+='] : ['Ctrl+=', 'Ctrl+Shift+=', 'Ctrl+NumAdd'],
    'zoom-out': mac ? ['Cmd+-'] : ['Ctrl+NumSub'],
    'zoom-reset': mac ? ['Cmd+0'] : ['Ctrl+0', 'Ctrl+Num0'],
  };
}

/** What Ctrl+letter does in readline/emacs, vim, less and tmux (and the tty), in a phrase. */
const CTRL_LETTERS: Readonly<Record<string, string>> = {
  A: 'beginning of line (readline, emacs)',
  B: 'back a character (readline); tmux’s prefix; vim page up',
  C: 'interrupt (the tty’s SIGINT)',
  D: 'end of input (the tty), delete a character (readline)',
  E: 'end of line (readline, emacs); vim scrolls',
  F: 'forward a character (readline, emacs); page forward (vim, less)',
  G: 'abort (emacs, readline); file info (vim)',
  H: 'backspace',
  I: 'Tab',
  J: 'newline',
  K: 'kill to end of line (readline, emacs)',
  L: 'clear the screen (readline); redraw (vim, less)',
  M: 'Enter',
  N: 'next line/history (readline, emacs, vim)',
  O: 'run and fetch next (readline); jump back (vim)',
  P: 'previous line/history (readline, emacs, vim)',
  Q: 'resume output (the tty’s XON); quoted insert (emacs)',
  R: 'search history backwards (readline); redo (vim)',
  S: 'stop output (the tty’s XOFF); search forward (emacs)',
  T: 'transpose characters (readline, emacs)',
  U: 'kill the line (readline); half page up (vim)',
  V: 'quoted insert (readline); block selection (vim); page down (emacs)',
  W: 'delete a word (readline); window commands (vim)',
  X: 'prefix of emacs and readline commands',
  Y: 'yank (readline, emacs); scroll (vim)',
  Z: 'suspend (the tty’s SIGTSTP)',
};

/** Ctrl+other keys programs see (the C0 byte they send in xterm, or their own escape). */
const CTRL_KEYS: Readonly<Record<string, string>> = {
  '-': 'C-_: undo (readline, emacs)',
  '/': 'C-_: undo (readline, emacs)',
  Space: 'C-@: set mark (emacs)',
  '2': 'C-@: set mark (emacs)',
  '[': 'Escape',
  '\\': 'quit (the tty’s SIGQUIT)',
  ']': 'C-]: abort recursive edit (emacs); jump to tag (vim)',
  '6': 'C-^: alternate file (vim)',
  '3': 'Escape',
  '4': 'C-\\: quit (the tty’s SIGQUIT)',
  '5': 'C-]: abort recursive edit (emacs)',
  '7': 'C-_: undo (readline, emacs)',
  '8': 'Backspace (DEL)',
  PageUp: 'previous tab page (vim); scroll (emacs)',
  PageDown: 'next tab page (vim); scroll (emacs)',
  Left: 'back a word (readline, emacs)',
  Right: 'forward a word (readline, emacs)',
  Up: 'previous paragraph (emacs)',
  Down: 'next paragraph (emacs)',
  Home: 'beginning of buffer (emacs)',
  End: 'end of buffer (emacs)',
  Delete: 'delete a word (emacs)',
  Backspace: 'delete a word back (emacs, readline)',
  Enter: 'a newline (some programs)',
};

/** Ctrl+Shift+key that sends what the shifted character's Ctrl form sends. */
const CTRL_SHIFT_KEYS: Readonly<Record<string, string>> = {
  '-': 'C-_: undo (readline, emacs)',
  '2': 'C-@: set mark (emacs)',
  '6': 'C-^: alternate file (vim)',
  '/': 'C-?: delete back (some programs)',
};

/**
 * Which program uses this chord, in words, or undefined when none of readline, emacs, vim,
 * less and tmux (nor the tty) does by default.
 */
export function programUse(c: Chord, mac: boolean): string | undefined {
  const name = chordLabel(c, mac);
  // Cmd never reaches the terminal; Super on Linux is the desktop's, not a program's.
  if (c.meta) return undefined;
  // Alt is Meta in the terminal (macOptionIsMeta too): M-f, M-b, M-d, M-. ...
  if (c.alt) return `${name} is Meta in the terminal: word commands in readline and emacs`;
  if (/^F\d+$/.test(c.key) && !c.ctrl) {
    return `${name} is the program’s (help in mc, htop, vim mappings)`;
  }
  if (!c.ctrl) return `${name} is typed into the terminal`;
  if (!c.shift) {
    const use = CTRL_LETTERS[c.key] ?? CTRL_KEYS[c.key];
    return use === undefined ? undefined : `${name} is ${use}`;
  }
  const use = CTRL_SHIFT_KEYS[c.key];
  return use === undefined ? undefined : `${name} is ${use}`;
}

/** One problem with the user's key bindings, for Settings to show. */
export type BindingProblem = { readonly action: Action | undefined; readonly message: string };

export type ResolvedKeys = {
  /** chordText → action. */
  readonly byChord: ReadonlyMap<string, Action>;
  /** action → its chords, in order. */
  readonly chords: Readonly<Record<Action, readonly Chord[]>>;
  readonly problems: readonly BindingProblem[];
};

/**
 * The defaults with the user's overrides (an action's list replaces its default list). A
 * chord that does not parse, or is already another action's, is left out and reported; a
 * chord a program uses is kept (the user asked for it) and reported as a warning.
 */
export function resolveBindings(
  overrides: Readonly<Partial<Record<string, readonly string[]>>>,
  mac: boolean,
): ResolvedKeys {
  const defaults = defaultBindings(mac);
  const byChord = new Map<string, Action>();
  const chords = {} as Record<Action, Chord[]>;
  const problems: BindingProblem[] = [];
  for (const name of Object.keys(overrides)) {
    if (!Object.hasOwn(ACTIONS, name)) {
      problems.push({
        action: undefined,
        message: `"${name}" is not an action; its keys are ignored`,
      });
    }
  }
  // The user's own bindings first, so a default never takes a chord the user gave away.
  const order = [
    ...ACTION_NAMES.filter((a) => overrides[a] !== undefined),
    ...ACTION_NAMES.filter((a) => overrides[a] === undefined),
  ];
  for (const action of order) {
    const list = overrides[action] ?? defaults[action];
    chords[action] = [];
    for (const text of list) {
      const parsed = parseChord(text);
      if (!parsed.ok) {
        problems.push({ action, message: parsed.message });
        continue;
      }
      const key = chordText(parsed.chord);
      const holder = byChord.get(key);
      if (holder !== undefined) {
        if (holder !== action) {
          problems.push({
            action,
            message: `${chordLabel(parsed.chord, mac)} is already “${ACTIONS[holder].label}”`,
          });
        }
        continue;
      }
      byChord.set(key, action);
      chords[action].push(parsed.chord);
      if (overrides[action] !== undefined) {
        const use = programUse(parsed.chord, mac);
        if (use !== undefined) {
          problems.push({ action, message: `${use}; programs will no longer get it` });
        }
      }
    }
  }
  return { byChord, chords, problems };
}

/** The action a key event runs, if any. */
export function actionFor(keys: ResolvedKeys, e: KeyEventLike): Action | undefined {
  const chord = chordOfEvent(e);
  return chord === undefined ? undefined : keys.byChord.get(chordText(chord));
}
