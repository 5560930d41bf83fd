// The application menu, as a template built from data (Menu.buildFromTemplate in main.ts).
//
// A terminal owns the keyboard: on Linux and Windows a registered menu accelerator is taken
// by the toolkit before the page sees the key (GTK activates accelerators ahead of the
// focused view), and on macOS menu key equivalents win over the page too. So the stock
// roles are used only where their keys are not the shell's: Electron's Linux editMenu
// would steal Ctrl+C, Ctrl+A, Ctrl+Z from the shell, its viewMenu Ctrl+R, its windowMenu
// Ctrl+M and Ctrl+W. The app's own actions (tabs, zoom, find, copy/paste off macOS) keep
// the renderer's shortcuts (renderer/src/terminal/shortcuts.ts) and are shown in the menu
// with `registerAccelerator: false`: the key goes to the page, whose handler decides, and
// clicking the item sends the page that same key (see `chordFor`). The contract has no
// event for "menu said new tab"; see the report for the proposed addition.

import type { KeyboardInputEvent, MenuItemConstructorOptions } from 'electron';

/** The renderer's action names (renderer/src/terminal/shortcuts.ts ShortcutAction). */
export type MenuAction =
  | 'new-tab'
  | 'close-tab'
  | 'next-tab'
  | 'previous-tab'
  | 'find'
  | 'copy'
  | 'paste'
  | 'zoom-in'
  | 'zoom-out'
  | 'zoom-reset';

export type Platform = 'darwin' | 'linux' | 'win32';

type Modifier = 'control' | 'shift' | 'meta';

/** A key chord: what the accelerator shows and what a click sends to the page. */
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

/** The key events that play the chord into the page (webContents.sendInputEvent). */
export function keyEventsOf(chord: Chord): KeyboardInputEvent[] {
  const modifiers = [...chord.modifiers];
  return [
    { type: 'keyDown', keyCode: chord.key, modifiers },
    { type: 'keyUp', keyCode: chord.key, modifiers },
  ];
}

export type MenuOptions = {
  platform: Platform;
  appName: string;
  /** Development build: adds the developer tools. */
  isDev: boolean;
  /** Plays an action into the focused window's page. */
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
