// The user's preferences: kept in localStorage (nothing secret lives here), read once at
// start, written on each change. Unknown or broken stored values fall back to defaults.

import type { GpuChoice } from '../terminal/gpu';
import { PREDICT_MODES, type PredictMode } from '../../../main/common/predict/echoPredictor';
import { normalizeHex } from '../terminal/schemeImport';
import { AUTO_SCHEME, BUILT_IN_SCHEMES, type Scheme } from '../terminal/schemes';

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
  /** With shell integration, commands that ran at least this long are told about (s). */
  notifyCommandAfterSeconds: number;
  /** The user's shortcuts: action → chord texts, replacing that action's defaults. */
  keybindings: Readonly<Record<string, readonly string[]>>;
  /** The terminal's colours: 'auto' (Holdfast's, following the theme), a built-in id, or `custom:NAME`. */
  colorScheme: string;
  /** Schemes imported from iTerm2 or Windows Terminal files. */
  customSchemes: readonly Scheme[];
  cursorStyle: CursorStyle;
  cursorBlink: boolean;
  /** Line height as a multiple of the font's (1 is xterm's default). */
  lineHeight: number;
  /** Local echo prediction: when the echo is slow (auto), always, or never. */
  predictEcho: PredictMode;
};

export type CursorStyle = 'block' | 'underline' | 'bar';

/**
 * A command's end is told about from a background tab when it ran this long (s): past the
 * time one glances at another tab, short of every `ls` and `cd` raising a notice.
 */
export const DEFAULT_NOTIFY_AFTER_SECONDS = 10;

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
  notifyCommandAfterSeconds: DEFAULT_NOTIFY_AFTER_SECONDS,
  keybindings: {},
  colorScheme: AUTO_SCHEME,
  customSchemes: [],
  cursorStyle: 'block',
  cursorBlink: true,
  lineHeight: 1,
  predictEcho: 'auto',
};

export const LINE_HEIGHT_MIN = 1;
export const LINE_HEIGHT_MAX = 2;
/**
 * Most lines of scrollback per terminal: each line costs about 12 bytes per column in
 * xterm's buffer, so 100,000 lines of 200 columns is ~240 MB for one tab already.
 */
export const SCROLLBACK_MAX = 100_000;
/** Most imported schemes kept (each is a few hundred bytes of settings). */
export const MAX_CUSTOM_SCHEMES = 32;

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
  if (typeof stored.scrollback === 'number' && Number.isFinite(stored.scrollback)) {
    s.scrollback = clampScrollback(stored.scrollback);
  }
  s.customSchemes = storedSchemes(stored.customSchemes);
  if (
    typeof stored.colorScheme === 'string' &&
    (Object.hasOwn(BUILT_IN_SCHEMES, stored.colorScheme) ||
      s.customSchemes.some((c) => `custom:${c.name}` === stored.colorScheme))
  ) {
    s.colorScheme = stored.colorScheme;
  }
  if (
    stored.cursorStyle === 'block' ||
    stored.cursorStyle === 'underline' ||
    stored.cursorStyle === 'bar'
  )
    s.cursorStyle = stored.cursorStyle;
  if (typeof stored.cursorBlink === 'boolean') s.cursorBlink = stored.cursorBlink;
  if (typeof stored.lineHeight === 'number') s.lineHeight = clampLineHeight(stored.lineHeight);
  if (typeof stored.notifyCommandAfterSeconds === 'number')
    s.notifyCommandAfterSeconds = clampNotifyAfter(stored.notifyCommandAfterSeconds);
  const predict = PREDICT_MODES.find((m) => m === stored.predictEcho);
  if (predict) s.predictEcho = predict;
  s.keybindings = storedKeybindings(stored.keybindings);
  if (Array.isArray(stored.notifyPatterns))
    s.notifyPatterns = stored.notifyPatterns
      .filter((p): p is string => typeof p === 'string' && p.trim() !== '')
      .slice(0, NOTIFY_PATTERNS_MAX);
  return s;
}

/**
 * Longest threshold for a finished command's notice (s): past a day, a notice per command
 * is what "notify me when this finishes" is for.
 */
export const NOTIFY_AFTER_MAX_SECONDS = 86_400;
/**
 * Shortest threshold (s): output replayed when a tab attaches (a restart, the sessions
 * panel) holds old commands' marks, parsed within milliseconds of each other; a second
 * keeps them from raising notices.
 */
export const NOTIFY_AFTER_MIN_SECONDS = 1;

export function clampNotifyAfter(n: number): number {
  return Number.isFinite(n)
    ? Math.min(NOTIFY_AFTER_MAX_SECONDS, Math.max(NOTIFY_AFTER_MIN_SECONDS, Math.round(n)))
    : DEFAULT_NOTIFY_AFTER_SECONDS;
}

/** Patterns kept: each is checked against every output chunk of every tab. */
export const NOTIFY_PATTERNS_MAX = 32;

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

/** Stored schemes that still have the shape of one (name, dark, colours as #rrggbb). */
function storedSchemes(value: unknown): Scheme[] {
  if (!Array.isArray(value)) return [];
  const out: Scheme[] = [];
  for (const item of value.slice(0, MAX_CUSTOM_SCHEMES)) {
    if (typeof item !== 'object' || item === null) continue;
    const { name, dark, theme } = item as Record<string, unknown>;
    if (typeof name !== 'string' || typeof dark !== 'boolean') continue;
    if (typeof theme !== 'object' || theme === null) continue;
    const colours = Object.entries(theme as Record<string, unknown>).filter(
      (e): e is [string, string] => typeof e[1] === 'string' && normalizeHex(e[1]) !== undefined,
    );
    out.push({ name: name.slice(0, 64), dark, theme: Object.fromEntries(colours) });
  }
  return out;
}

export function clampScrollback(n: number): number {
  return Math.min(SCROLLBACK_MAX, Math.max(0, Math.floor(n)));
}

export function clampLineHeight(n: number): number {
  return Math.min(LINE_HEIGHT_MAX, Math.max(LINE_HEIGHT_MIN, Math.round(n * 20) / 20));
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
