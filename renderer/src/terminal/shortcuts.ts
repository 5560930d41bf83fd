// The app's keyboard shortcuts, in one table. The terminal lets these through to the
// window (everything else goes to the shell), so Ctrl-C, Ctrl-W, Ctrl-T stay the shell's:
// on Linux and Windows the app's own keys take Shift, as in most terminal emulators.

import type { MenuAction } from '../../../main/contract/api';

/** The same actions the application menu sends (the contract's menuCommand). */
export type ShortcutAction = MenuAction;

export const IS_MAC =
  typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

type Mods = { ctrl: boolean; shift: boolean; alt: boolean; meta: boolean };

function mods(e: KeyboardEvent): Mods {
  return { ctrl: e.ctrlKey, shift: e.shiftKey, alt: e.altKey, meta: e.metaKey };
}

/** The app action bound to this key event, or undefined when it belongs to the terminal. */
export function shortcutFor(e: KeyboardEvent): ShortcutAction | undefined {
  const m = mods(e);
  if (m.alt) return undefined;
  const key = e.key;
  const lower = key.length === 1 ? key.toLowerCase() : key;
  // Tab switching is the same everywhere (Ctrl, not Cmd, even on macOS).
  if (m.ctrl && !m.meta) {
    if (key === 'Tab') return m.shift ? 'previous-tab' : 'next-tab';
    if (key === 'PageDown' && !m.shift) return 'next-tab';
    if (key === 'PageUp' && !m.shift) return 'previous-tab';
  }
  // The "command" modifier: Cmd on macOS, Ctrl elsewhere.
  const cmd = IS_MAC ? m.meta && !m.ctrl : m.ctrl && !m.meta;
  if (!cmd) return undefined;
  if (IS_MAC && m.shift && (key === ']' || key === '}')) return 'next-tab';
  if (IS_MAC && m.shift && (key === '[' || key === '{')) return 'previous-tab';
  if (key === '=' || key === '+') return 'zoom-in';
  if (key === '-' || key === '_') return 'zoom-out';
  if (key === '0' && !m.shift) return 'zoom-reset';
  if (lower === 'f') return 'find'; // Ctrl+F and Ctrl+Shift+F alike
  // Clipboard and tab keys: Cmd+X on macOS, Ctrl+Shift+X elsewhere.
  if (IS_MAC === m.shift) return undefined;
  switch (lower) {
    case 'c':
      return 'copy';
    case 'v':
      return 'paste';
    case 't':
      return 'new-tab';
    case 'w':
      return 'close-tab';
    default:
      return undefined;
  }
}

/** How a shortcut reads in a tooltip on this platform. */
export function shortcutLabel(action: ShortcutAction): string {
  const cmd = IS_MAC ? '⌘' : 'Ctrl+';
  const cmdShift = IS_MAC ? '⌘' : 'Ctrl+Shift+';
  switch (action) {
    case 'next-tab':
      return 'Ctrl+Tab';
    case 'previous-tab':
      return 'Ctrl+Shift+Tab';
    case 'new-tab':
      return `${cmdShift}T`;
    case 'close-tab':
      return `${cmdShift}W`;
    case 'find':
      return `${cmd}F`;
    case 'copy':
      return `${cmdShift}C`;
    case 'paste':
      return `${cmdShift}V`;
    case 'zoom-in':
      return `${cmd}=`;
    case 'zoom-out':
      return `${cmd}-`;
    case 'zoom-reset':
      return `${cmd}0`;
  }
}
