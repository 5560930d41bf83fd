// Colour schemes for the terminal: Holdfast's own pair (which follows the app's light or
// dark theme) and a dozen well-known ones, as their authors publish them, each mapped to
// the 16 ANSI colours the usual way. Imported schemes (./schemeImport.ts) have the same
// shape and live in Settings.

import type { ITheme } from '@xterm/xterm';
import { DARK_THEME, LIGHT_THEME } from './themes';

/** A named terminal palette; `dark` says which way the chrome around it should lean. */
export type Scheme = { readonly name: string; readonly dark: boolean; readonly theme: ITheme };

/** The 16 ANSI colours in order: black, red, green, yellow, blue, magenta, cyan, white, then bright. */
export const ANSI_KEYS = [
  'black',
  'red',
  'green',
  'yellow',
  'blue',
  'magenta',
  'cyan',
  'white',
  'brightBlack',
  'brightRed',
  'brightGreen',
  'brightYellow',
  'brightBlue',
  'brightMagenta',
  'brightCyan',
  'brightWhite',
] as const;

function scheme(
  name: string,
  dark: boolean,
  base: { background: string; foreground: string; cursor?: string; selection: string },
  ansi: readonly string[],
): Scheme {
  const theme: Record<string, string> = {
    background: base.background,
    foreground: base.foreground,
    cursor: base.cursor ?? base.foreground,
    cursorAccent: base.background,
    selectionBackground: base.selection,
  };
  ANSI_KEYS.forEach((key, i) => {
    theme[key] = ansi[i] ?? base.foreground;
  });
  return { name, dark, theme };
}

const TANGO = [
  '#2e3436',
  '#cc0000',
  '#4e9a06',
  '#c4a000',
  '#3465a4',
  '#75507b',
  '#06989a',
  '#d3d7cf',
  '#555753',
  '#ef2929',
  '#8ae234',
  '#fce94f',
  '#729fcf',
  '#ad7fa8',
  '#34e2e2',
  '#eeeeec',
];
const SOLARIZED = [
  '#073642',
  '#dc322f',
  '#859900',
  '#b58900',
  '#268bd2',
  '#d33682',
  '#2aa198',
  '#eee8d5',
  '#002b36',
  '#cb4b16',
  '#586e75',
  '#657b83',
  '#839496',
  '#6c71c4',
  '#93a1a1',
  '#fdf6e3',
];
const GRUVBOX = ['#cc241d', '#98971a', '#d79921', '#458588', '#b16286', '#689d6a'];

/** Built-in schemes by id (the id is what Settings stores). */
export const BUILT_IN_SCHEMES: Readonly<Record<string, Scheme>> = {
  'holdfast-dark': { name: 'Holdfast Dark', dark: true, theme: DARK_THEME },
  'holdfast-light': { name: 'Holdfast Light', dark: false, theme: LIGHT_THEME },
  'solarized-dark': scheme(
    'Solarized Dark',
    true,
    { background: '#002b36', foreground: '#839496', selection: '#073642' },
    SOLARIZED,
  ),
  'solarized-light': scheme(
    'Solarized Light',
    false,
    { background: '#fdf6e3', foreground: '#657b83', selection: '#eee8d5' },
    SOLARIZED,
  ),
  dracula: scheme(
    'Dracula',
    true,
    { background: '#282a36', foreground: '#f8f8f2', selection: '#44475a' },
    [
      '#21222c',
      '#ff5555',
      '#50fa7b',
      '#f1fa8c',
      '#bd93f9',
      '#ff79c6',
      '#8be9fd',
      '#f8f8f2',
      '#6272a4',
      '#ff6e6e',
      '#69ff94',
      '#ffffa5',
      '#d6acff',
      '#ff92df',
      '#a4ffff',
      '#ffffff',
    ],
  ),
  'one-dark': scheme(
    'One Dark',
    true,
    { background: '#282c34', foreground: '#abb2bf', cursor: '#528bff', selection: '#3e4451' },
    [
      '#282c34',
      '#e06c75',
      '#98c379',
      '#e5c07b',
      '#61afef',
      '#c678dd',
      '#56b6c2',
      '#abb2bf',
      '#5c6370',
      '#e06c75',
      '#98c379',
      '#e5c07b',
      '#61afef',
      '#c678dd',
      '#56b6c2',
      '#ffffff',
    ],
  ),
  'one-light': scheme(
    'One Light',
    false,
    { background: '#fafafa', foreground: '#383a42', cursor: '#526fff', selection: '#e5e5e6' },
    [
      '#383a42',
      '#e45649',
      '#50a14f',
      '#c18401',
      '#4078f2',
      '#a626a4',
      '#0184bc',
      '#a0a1a7',
      '#696c77',
      '#e45649',
      '#50a14f',
      '#c18401',
      '#4078f2',
      '#a626a4',
      '#0184bc',
      '#ffffff',
    ],
  ),
  nord: scheme(
    'Nord',
    true,
    { background: '#2e3440', foreground: '#d8dee9', selection: '#434c5e' },
    [
      '#3b4252',
      '#bf616a',
      '#a3be8c',
      '#ebcb8b',
      '#81a1c1',
      '#b48ead',
      '#88c0d0',
      '#e5e9f0',
      '#4c566a',
      '#bf616a',
      '#a3be8c',
      '#ebcb8b',
      '#81a1c1',
      '#b48ead',
      '#8fbcbb',
      '#eceff4',
    ],
  ),
  'gruvbox-dark': scheme(
    'Gruvbox Dark',
    true,
    { background: '#282828', foreground: '#ebdbb2', selection: '#504945' },
    [
      '#282828',
      ...GRUVBOX,
      '#a89984',
      '#928374',
      '#fb4934',
      '#b8bb26',
      '#fabd2f',
      '#83a598',
      '#d3869b',
      '#8ec07c',
      '#ebdbb2',
    ],
  ),
  'gruvbox-light': scheme(
    'Gruvbox Light',
    false,
    { background: '#fbf1c7', foreground: '#3c3836', selection: '#d5c4a1' },
    [
      '#fbf1c7',
      ...GRUVBOX,
      '#7c6f64',
      '#928374',
      '#9d0006',
      '#79740e',
      '#b57614',
      '#076678',
      '#8f3f71',
      '#427b58',
      '#3c3836',
    ],
  ),
  'tango-dark': scheme(
    'Tango Dark',
    true,
    { background: '#2e3436', foreground: '#d3d7cf', selection: '#555753' },
    TANGO,
  ),
  'tango-light': scheme(
    'Tango Light',
    false,
    { background: '#ffffff', foreground: '#2e3436', selection: '#d3d7cf' },
    TANGO,
  ),
  monokai: scheme(
    'Monokai',
    true,
    { background: '#272822', foreground: '#f8f8f2', selection: '#49483e' },
    [
      '#272822',
      '#f92672',
      '#a6e22e',
      '#f4bf75',
      '#66d9ef',
      '#ae81ff',
      '#a1efe4',
      '#f8f8f2',
      '#75715e',
      '#f92672',
      '#a6e22e',
      '#f4bf75',
      '#66d9ef',
      '#ae81ff',
      '#a1efe4',
      '#f9f8f5',
    ],
  ),
  'tomorrow-night': scheme(
    'Tomorrow Night',
    true,
    { background: '#1d1f21', foreground: '#c5c8c6', selection: '#373b41' },
    [
      '#1d1f21',
      '#cc6666',
      '#b5bd68',
      '#f0c674',
      '#81a2be',
      '#b294bb',
      '#8abeb7',
      '#c5c8c6',
      '#969896',
      '#cc6666',
      '#b5bd68',
      '#f0c674',
      '#81a2be',
      '#b294bb',
      '#8abeb7',
      '#ffffff',
    ],
  ),
};

/** Settings' value for "Holdfast's own, following the app's theme". */
export const AUTO_SCHEME = 'auto';

/** The scheme for a Settings value: built-in id, `custom:NAME`, or auto (light or dark). */
export function schemeFor(id: string, dark: boolean, custom: readonly Scheme[]): Scheme {
  if (id.startsWith('custom:')) {
    const found = custom.find((s) => s.name === id.slice(7));
    if (found) return found;
  }
  const builtIn = BUILT_IN_SCHEMES[id];
  if (builtIn && id !== AUTO_SCHEME) return builtIn;
  return (dark ? BUILT_IN_SCHEMES['holdfast-dark'] : BUILT_IN_SCHEMES['holdfast-light']) as Scheme;
}
