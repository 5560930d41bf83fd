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
  /** Output that raises a notice from a background tab (case-insensitive substrings). */
  notifyPatterns: string[];
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
  notifyPatterns: [],
};

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
  if (Array.isArray(stored.notifyPatterns))
    s.notifyPatterns = stored.notifyPatterns
      .filter((p): p is string => typeof p === 'string' && p.trim() !== '')
      .slice(0, NOTIFY_PATTERNS_MAX);
  return s;
}

/** Patterns kept: each is checked against every output chunk of every tab. */
export const NOTIFY_PATTERNS_MAX = 32;

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
