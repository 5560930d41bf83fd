// The app's keyboard shortcuts as this window has them: the defaults of the shared table
// (main/contract/keys.ts) with the user's changes from Settings. The terminal lets these
// through to the window (everything else goes to the program); the store installs the
// user's bindings at start and on every change.

import type { MenuAction } from '../../../main/contract/api';
import {
  actionFor,
  chordLabel,
  resolveBindings,
  type KeyEventLike,
  type ResolvedKeys,
} from '../../../main/contract/keys';

/** The same actions the application menu sends (the contract's menuCommand). */
export type ShortcutAction = MenuAction;

export const IS_MAC =
  typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

let keys: ResolvedKeys = resolveBindings({}, IS_MAC);

/** Installs the user's bindings (Settings); returns what is wrong with them. */
export function setKeyBindings(overrides: Readonly<Record<string, readonly string[]>>) {
  keys = resolveBindings(overrides, IS_MAC);
  return keys.problems;
}

/** The bindings in force. */
export function currentKeys(): ResolvedKeys {
  return keys;
}

/** The app action bound to this key event, or undefined when it belongs to the terminal. */
export function shortcutFor(e: KeyEventLike): ShortcutAction | undefined {
  return actionFor(keys, e);
}

/** How an action's first shortcut reads on this platform ('' when it has none). */
export function shortcutLabel(action: ShortcutAction): string {
  const chord = keys.chords[action][0];
  return chord === undefined ? '' : chordLabel(chord, IS_MAC);
}

/** Every shortcut of an action, as labels. */
export function shortcutLabels(action: ShortcutAction): string[] {
  return keys.chords[action].map((c) => chordLabel(c, IS_MAC));
}

/** A tooltip naming the action's shortcut when it has one: `New tab (Ctrl+Shift+T)`. */
export function withShortcut(text: string, action: ShortcutAction): string {
  const label = shortcutLabel(action);
  return label === '' ? text : `${text} (${label})`;
}
