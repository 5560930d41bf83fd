// The application menu, as a template built from data (Menu.buildFromTemplate in main.ts).
//
// A terminal owns the keyboard: on Linux and Windows a registered menu accelerator is taken
// by the toolkit before the page sees the key (GTK activates accelerators ahead of the
// focused view). So the stock roles are used only where their keys are not the shell's
// (macOS's are Cmd keys, which a shell never gets): Electron's Linux editMenu
// would steal Ctrl+C, Ctrl+A, Ctrl+Z from the shell, its viewMenu Ctrl+R, its windowMenu
// Ctrl+M and Ctrl+W. The app's own actions (tabs, zoom, find) are the renderer's shortcuts
// (renderer/src/terminal/shortcuts.ts), shown in the menu with their keys; clicking one
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

export type { MenuAction };

export type Platform = 'darwin' | 'linux' | 'win32';

type Modifier = 'control' | 'shift' | 'meta';

/** A key chord: the renderer's shortcut, which the menu item shows as its accelerator. */
export type Chord = { key: string; modifiers: readonly Modifier[] };

/** The renderer's shortcut for each action, per platform (Cmd on macOS, Ctrl+Shift elsewhere). */
export function chordFor(action: MenuAction, platform: Platform): Chord {
  const mac = platform === 'darwin';
  const cmd: Modifier[] = mac ? ['meta'] : ['control'];
  const cmdShift: Modifier[] = mac ? ['meta'] : ['control', 'shift'];
  switch (action) {
    case 'new-tab':
      return { key: 'T', modifiers: cmdShift };
    case 'close-tab':
      return { key: 'W', modifiers: cmdShift };
    case 'next-tab':
      return mac
        ? { key: ']', modifiers: ['meta', 'shift'] }
        : { key: 'Tab', modifiers: ['control'] };
    case 'previous-tab':
      return mac
        ? { key: '[', modifiers: ['meta', 'shift'] }
        : { key: 'Tab', modifiers: ['control', 'shift'] };
    case 'find':
      return { key: 'F', modifiers: cmdShift };
    case 'copy':
      return { key: 'C', modifiers: cmdShift };
    case 'paste':
      return { key: 'V', modifiers: cmdShift };
    case 'zoom-in':
      return { key: '=', modifiers: cmd };
    case 'zoom-out':
      return { key: '-', modifiers: cmd };
    case 'zoom-reset':
      return { key: '0', modifiers: cmd };
  }
}

/** The chord in Electron's accelerator syntax, e.g. `Ctrl+Shift+T`, `Cmd+]`. */
export function acceleratorOf(chord: Chord): string {
  const names: Record<Modifier, string> = { control: 'Ctrl', shift: 'Shift', meta: 'Cmd' };
  const order: Modifier[] = ['control', 'meta', 'shift'];
  const mods = order.filter((m) => chord.modifiers.includes(m)).map((m) => names[m]);
  return [...mods, chord.key].join('+');
}

export type MenuOptions = {
  platform: Platform;
  appName: string;
  /** Development build: adds the developer tools. */
  isDev: boolean;
  /** Runs an action in the window's page (main.ts: the `menuCommand` event). */
  run: (action: MenuAction) => void;
};

type Item = MenuItemConstructorOptions;

export function buildMenuTemplate(opts: MenuOptions): Item[] {
  const mac = opts.platform === 'darwin';
  const action = (label: string, name: MenuAction): Item => ({
    label,
    accelerator: acceleratorOf(chordFor(name, opts.platform)),
    registerAccelerator: false,
    click: () => opts.run(name),
  });
  const sep: Item = { type: 'separator' };

  const file: Item = {
    label: mac ? 'Shell' : 'File',
    submenu: [
      action('New Tab', 'new-tab'),
      action('Close Tab', 'close-tab'),
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
        ],
      }
    : {
        label: 'Edit',
        submenu: [
          // The roles act on the focused element (xterm's own copy/paste handlers, or a text
          // field); their keys are left to the page.
          { role: 'copy', accelerator: 'Ctrl+Shift+C', registerAccelerator: false },
          { role: 'paste', accelerator: 'Ctrl+Shift+V', registerAccelerator: false },
          sep,
          action('Find…', 'find'),
        ],
      };

  const view: Item = {
    label: 'View',
    submenu: [
      action('Zoom In', 'zoom-in'),
      action('Zoom Out', 'zoom-out'),
      action('Actual Size', 'zoom-reset'),
      sep,
      { role: 'togglefullscreen' },
      ...(opts.isDev ? [sep, { role: 'toggleDevTools' } satisfies Item] : []),
    ],
  };

  const tabs = [action('Show Next Tab', 'next-tab'), action('Show Previous Tab', 'previous-tab')];
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
    submenu: mac ? [] : [{ role: 'about', label: `About ${opts.appName}` }],
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
