// The user's preferences: kept in localStorage (nothing secret lives here), read once at
// start, written on each change. Unknown or broken stored values fall back to defaults.

import type { GpuChoice } from '../terminal/gpu';

export type ThemeChoice = 'system' | 'light' | 'dark';

export type Settings = {
  fontFamily: string;
  /** Terminal font size in CSS pixels at zoom 1. */
  fontSize: number;
  theme: ThemeChoice;
  /** Scales the terminal font and the UI; 1 is 100 %. */
  zoom: number;
  /** Let programs set the clipboard with OSC 52 (off: a program could plant a command). */
  allowOsc52Write: boolean;
  /** What closing a live tab does: ask, or detach without asking. */
  closeAction: 'ask' | 'detach';
  /** Lines kept per terminal. */
  scrollback: number;
  /** WebGL renderer: when WebGL runs on a GPU (auto), whenever it exists (on), never (off). */
  gpuAcceleration: GpuChoice;
  /** The user's shortcuts: action → chord texts, replacing that action's defaults. */
  keybindings: Readonly<Record<string, readonly string[]>>;
};

export const DEFAULT_SETTINGS: Settings = {
  fontFamily: '"DejaVu Sans Mono", "SF Mono", Menlo, Consolas, "Liberation Mono", monospace',
  fontSize: 14,
  theme: 'system',
  zoom: 1,
  allowOsc52Write: false,
  closeAction: 'ask',
  scrollback: 10_000,
  gpuAcceleration: 'auto',
  keybindings: {},
};

/** Most chords one action keeps, and the longest chord text (a stored value is capped). */
const MAX_CHORDS_PER_ACTION = 4;
const MAX_CHORD_TEXT = 40;

export const ZOOM_STEPS = [0.5, 0.67, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2, 2.5, 3];
export const FONT_SIZE_MIN = 6;
export const FONT_SIZE_MAX = 48;

const KEY = 'holdfast.settings.v1';

export function loadSettings(storage: Storage | undefined): Settings {
  let stored: Partial<Record<keyof Settings, unknown>> = {};
  try {
    const text = storage?.getItem(KEY);
    if (text) stored = JSON.parse(text) as typeof stored;
  } catch {
    stored = {};
  }
  const s = { ...DEFAULT_SETTINGS };
  if (typeof stored.fontFamily === 'string' && stored.fontFamily.trim() !== '')
    s.fontFamily = stored.fontFamily;
  if (typeof stored.fontSize === 'number') s.fontSize = clampFontSize(stored.fontSize);
  if (stored.theme === 'light' || stored.theme === 'dark' || stored.theme === 'system')
    s.theme = stored.theme;
  if (typeof stored.zoom === 'number' && ZOOM_STEPS.includes(stored.zoom)) s.zoom = stored.zoom;
  if (typeof stored.allowOsc52Write === 'boolean') s.allowOsc52Write = stored.allowOsc52Write;
  if (stored.closeAction === 'ask' || stored.closeAction === 'detach')
    s.closeAction = stored.closeAction;
  if (
    stored.gpuAcceleration === 'auto' ||
    stored.gpuAcceleration === 'on' ||
    stored.gpuAcceleration === 'off'
  )
    s.gpuAcceleration = stored.gpuAcceleration;
  if (
    typeof stored.scrollback === 'number' &&
    stored.scrollback >= 0 &&
    stored.scrollback <= 1_000_000
  ) {
    s.scrollback = Math.floor(stored.scrollback);
  }
  s.keybindings = storedKeybindings(stored.keybindings);
  return s;
}

/** The stored shortcuts' shape only (lists of short strings); resolveBindings judges them. */
function storedKeybindings(value: unknown): Record<string, string[]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const out: Record<string, string[]> = {};
  for (const [action, list] of Object.entries(value as Record<string, unknown>)) {
    if (!Array.isArray(list)) continue;
    out[action] = list
      .filter((c): c is string => typeof c === 'string' && c.length <= MAX_CHORD_TEXT)
      .slice(0, MAX_CHORDS_PER_ACTION);
  }
  return out;
}

export function saveSettings(storage: Storage | undefined, s: Settings): void {
  try {
    storage?.setItem(KEY, JSON.stringify(s));
  } catch {
    // Storage full or disabled: the settings still apply for this run.
  }
}

export function clampFontSize(n: number): number {
  return Math.min(FONT_SIZE_MAX, Math.max(FONT_SIZE_MIN, Math.round(n)));
}

/** The next zoom step up (+1) or down (-1) from `zoom`. */
export function stepZoom(zoom: number, direction: 1 | -1): number {
  const i = ZOOM_STEPS.indexOf(zoom);
  const at = i < 0 ? ZOOM_STEPS.indexOf(1) : i;
  return ZOOM_STEPS[Math.min(ZOOM_STEPS.length - 1, Math.max(0, at + direction))] ?? 1;
}
