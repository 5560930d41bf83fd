// The application menu, as a template built from data (Menu.buildFromTemplate in main.ts).
//
// A terminal owns the keyboard: on Linux and Windows a registered menu accelerator is taken
// by the toolkit before the page sees the key (GTK activates accelerators ahead of the
// focused view). So the stock roles are used only where their keys are not the shell's
// (macOS's are Cmd keys, which a shell never gets): Electron's Linux editMenu
// would steal Ctrl+C, Ctrl+A, Ctrl+Z from the shell, its viewMenu Ctrl+R, its windowMenu
// Ctrl+M and Ctrl+W. The app's own actions (tabs, zoom, find) are the renderer's shortcuts
// (their defaults: main/contract/keys.ts), shown in the menu with their keys; clicking one
// calls `run`, which main.ts turns into the contract's `menuCommand` event, and the page
// runs the action as its shortcut would.
//
// One key press runs an action once, never twice (the page's keydown handler and the menu
// would both see it):
// - Linux and Windows: the items say `registerAccelerator: false`, so the key is never
//   registered with the toolkit; it reaches the page, whose handler runs the action. The
//   menu only shows the key, and acts only when clicked.
// - macOS ignores `registerAccelerator`, but a focused page gets Cmd key equivalents first
//   (Chromium's RenderWidgetHostViewCocoa performKeyEquivalent), and Electron offers a key
//   to the menu only when the page left it unhandled. The renderer calls preventDefault on
//   each shortcut it runs, so the menu does not run it again. A key the page declines
//   (Find with no terminal) reaches the item, whose menuCommand the page declines again.

import type { MenuItemConstructorOptions } from 'electron';
import type { MenuAction } from '../contract/api';
import { resolveBindings, type Chord } from '../contract/keys';

export type { MenuAction };

export type Platform = 'darwin' | 'linux' | 'win32';

/**
 * The page's first shortcut of an action (main/contract/keys.ts): the default, or the
 * user's own from Settings (`overrides`, which the page sends with `setMenuKeys`).
 */
export function chordFor(
  action: MenuAction,
  platform: Platform,
  overrides: Readonly<Record<string, readonly string[]>> = {},
): Chord | undefined {
  return resolveBindings(overrides, platform === 'darwin').chords[action][0];
}

/** Key names of main/contract/keys.ts that Electron's accelerators spell otherwise. */
const ELECTRON_KEYS: Readonly<Record<string, string>> = {
  NumAdd: 'numadd',
  NumSub: 'numsub',
  NumMult: 'nummult',
  NumDiv: 'numdiv',
  NumDec: 'numdec',
  Escape: 'Esc',
  Enter: 'Return',
};

/** The chord in Electron's accelerator syntax, e.g. `Ctrl+Shift+T`, `Cmd+Shift+]`. */
export function acceleratorOf(chord: Chord): string {
  const parts: string[] = [];
  if (chord.ctrl) parts.push('Ctrl');
  if (chord.meta) parts.push('Cmd');
  if (chord.alt) parts.push('Alt');
  if (chord.shift) parts.push('Shift');
  const key = /^Num\d$/.test(chord.key) ? `num${chord.key.slice(3)}` : chord.key;
  parts.push(ELECTRON_KEYS[key] ?? key);
  return parts.join('+');
}

export type MenuOptions = {
  platform: Platform;
  appName: string;
  /** Development build: adds the developer tools. */
  isDev: boolean;
  /** Runs an action in the window's page (main.ts: the `menuCommand` event). */
  run: (action: MenuAction) => void;
  /** The user's shortcuts, as the page has them (none: the defaults). */
  keys?: Readonly<Record<string, readonly string[]>>;
};

type Item = MenuItemConstructorOptions;

export function buildMenuTemplate(opts: MenuOptions): Item[] {
  const mac = opts.platform === 'darwin';
  const action = (label: string, name: MenuAction): Item => {
    const chord = chordFor(name, opts.platform, opts.keys);
    return {
      label,
      ...(chord ? { accelerator: acceleratorOf(chord) } : {}),
      registerAccelerator: false,
      click: () => opts.run(name),
    };
  };
  const sep: Item = { type: 'separator' };

  const file: Item = {
    label: mac ? 'Shell' : 'File',
    submenu: [
      action('New Tab', 'new-tab'),
      action('Open Another View of This Session', 'open-another-view'),
      action('Rename Tab…', 'rename-tab'),
      action('Broadcast Input to Tabs…', 'toggle-broadcast'),
      action('Notify Me When This Finishes', 'notify-when-finished'),
      action('Install Shell Integration…', 'install-shell-integration'),
      action('Close Tab', 'close-tab'),
      sep,
      {
        label: 'Panes',
        submenu: [
          action('Split Right', 'split-right'),
          action('Split Down', 'split-down'),
          action('Split Right: Another View of This Session', 'split-right-same-session'),
          sep,
          action('Focus Left', 'focus-pane-left'),
          action('Focus Right', 'focus-pane-right'),
          action('Focus Up', 'focus-pane-up'),
          action('Focus Down', 'focus-pane-down'),
          sep,
          action('Move Divider Left', 'resize-pane-left'),
          action('Move Divider Right', 'resize-pane-right'),
          action('Move Divider Up', 'resize-pane-up'),
          action('Move Divider Down', 'resize-pane-down'),
          sep,
          action('Maximize Pane', 'maximize-pane'),
          action('Close Pane', 'close-pane'),
        ],
      },
      action('Rename Session…', 'rename-session'),
      sep,
      action('Saved Hosts', 'open-hosts'),
      action('Sessions…', 'open-sessions'),
      action('Settings…', 'open-settings'),
      // macOS quits from the app menu (Cmd+Q); elsewhere Ctrl+Q is the shell's (XON).
      ...(mac ? [] : [sep, { role: 'quit', accelerator: 'Ctrl+Shift+Q' } satisfies Item]),
    ],
  };

  const edit: Item = mac
    ? {
        role: 'editMenu',
        // Cmd+C/V are not the shell's keys: the stock items also serve text fields.
        submenu: [
          { role: 'undo' },
          { role: 'redo' },
          sep,
          { role: 'cut' },
          { role: 'copy' },
          { role: 'paste' },
          { role: 'selectAll' },
          sep,
          action('Find…', 'find'),
          action('Clear Scrollback', 'clear-scrollback'),
        ],
      }
    : {
        label: 'Edit',
        submenu: [
          // The roles act on the focused element (xterm's own copy/paste handlers, or a text
          // field); their keys are left to the page.
          { role: 'copy', accelerator: 'Ctrl+Shift+C', registerAccelerator: false },
          { role: 'paste', accelerator: 'Ctrl+Shift+V', registerAccelerator: false },
          action('Select All', 'select-all'),
          sep,
          action('Find…', 'find'),
          action('Clear Scrollback', 'clear-scrollback'),
        ],
      };

  const view: Item = {
    label: 'View',
    submenu: [
      action('Show All Commands…', 'command-palette'),
      sep,
      action('Zoom In', 'zoom-in'),
      action('Zoom Out', 'zoom-out'),
      action('Actual Size', 'zoom-reset'),
      sep,
      { role: 'togglefullscreen' },
      ...(opts.isDev ? [sep, { role: 'toggleDevTools' } satisfies Item] : []),
    ],
  };

  const tabs = [
    action('Show Next Tab', 'next-tab'),
    action('Show Previous Tab', 'previous-tab'),
    action('Reconnect All', 'reconnect-all'),
  ];
  const window: Item = mac
    ? {
        role: 'windowMenu',
        submenu: [{ role: 'minimize' }, { role: 'zoom' }, sep, ...tabs, sep, { role: 'front' }],
      }
    : {
        label: 'Window',
        // Not role 'minimize': its default Ctrl+M is the shell's Enter.
        submenu: [...tabs, sep, { label: 'Minimize', click: (_item, win) => win?.minimize() }],
      };

  const help: Item = {
    role: 'help',
    submenu: [
      action('Keyboard Shortcuts', 'show-shortcuts'),
      ...(mac ? [] : [{ role: 'about', label: `About ${opts.appName}` } satisfies Item]),
    ],
  };

  return [
    ...(mac ? [{ role: 'appMenu', label: opts.appName } satisfies Item] : []),
    file,
    edit,
    view,
    window,
    help,
  ];
}
