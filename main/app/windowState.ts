// The window's size and position across runs: a small JSON file in the user-data folder,
// written atomically (the engine's writeFileAtomic) so a crash mid-write leaves the old
// file, never half a new one. On restore the saved bounds are checked against the displays
// attached now: a window saved on a monitor since unplugged comes back centred on the
// primary display instead of off-screen. The fitting is pure; the file I/O is two small
// functions.

import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../engine/util/atomicWrite';

export const WINDOW_STATE_FILE = 'window-state.json';

/** Wait after the last move or resize before saving (ms): one write per gesture. */
export const WINDOW_STATE_SAVE_DELAY_MS = 500;

/** Size of a first window, and of one whose saved place is gone (px). */
export const DEFAULT_SIZE = { width: 1000, height: 680 } as const;
/** Smallest window the UI lays out in (a tab bar plus an 80x10 terminal). */
export const MIN_SIZE = { width: 480, height: 320 } as const;
/**
 * How much of the window's top strip must lie on a display for the saved place to count as
 * reachable (px): enough title bar to grab and drag.
 */
export const MIN_VISIBLE = { width: 120, height: 40 } as const;

export type Rect = { x: number; y: number; width: number; height: number };

const Coordinate = z.int().min(-100_000).max(100_000);
const Length = z.int().min(1).max(100_000);

export const SavedWindowState = z.object({
  x: Coordinate,
  y: Coordinate,
  width: Length,
  height: Length,
  maximized: z.boolean().default(false),
  fullScreen: z.boolean().default(false),
});
export type SavedWindowState = z.output<typeof SavedWindowState>;

/** Where to open the window: `x`/`y` absent means "let the OS centre it". */
export type WindowPlacement = {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
  fullScreen: boolean;
};

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return { width: Math.max(0, width), height: Math.max(0, height) };
}

/**
 * The placement for a saved state (or none) on the displays attached now, each given by
 * its work area (the screen minus task bars and docks); `primary` is the primary one.
 */
export function placeWindow(
  saved: SavedWindowState | undefined,
  workAreas: readonly Rect[],
  primary: Rect,
): WindowPlacement {
  const fallback = (): WindowPlacement => {
    const width = Math.max(MIN_SIZE.width, Math.min(DEFAULT_SIZE.width, primary.width));
    const height = Math.max(MIN_SIZE.height, Math.min(DEFAULT_SIZE.height, primary.height));
    return {
      x: primary.x + Math.round((primary.width - width) / 2),
      y: primary.y + Math.round((primary.height - height) / 2),
      width,
      height,
      maximized: saved?.maximized ?? false,
      fullScreen: false,
    };
  };
  if (!saved) return { ...DEFAULT_SIZE, maximized: false, fullScreen: false };

  const titleBar: Rect = { x: saved.x, y: saved.y, width: saved.width, height: MIN_VISIBLE.height };
  const home = workAreas.find((area) => {
    const o = overlap(titleBar, area);
    return o.width >= Math.min(MIN_VISIBLE.width, saved.width) && o.height >= MIN_VISIBLE.height;
  });
  if (!home) return fallback();

  // Never larger than the display it is on (a window saved on a bigger monitor).
  const width = Math.max(MIN_SIZE.width, Math.min(saved.width, home.width));
  const height = Math.max(MIN_SIZE.height, Math.min(saved.height, home.height));
  // Shrunk or not, keep it inside that display.
  const x = Math.min(Math.max(saved.x, home.x), home.x + home.width - width);
  const y = Math.min(Math.max(saved.y, home.y), home.y + home.height - height);
  return { x, y, width, height, maximized: saved.maximized, fullScreen: saved.fullScreen };
}

/** The saved state, or undefined when there is none or it is not ours (never throws). */
export async function readWindowState(file: string): Promise<SavedWindowState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = SavedWindowState.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Writes `value` as JSON so that readers see the old file or the new one, never a mix. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}
