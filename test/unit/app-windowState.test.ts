// What these prove: the window comes back where it was when that place is still on a
// display, is moved or shrunk onto a display when it is only partly there, and is centred
// on the primary display when its monitor is gone; the state file is written atomically
// (no temporary file left, old content until the rename) and a missing or foreign file
// means "no saved state", never an error.

import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_SIZE,
  MIN_SIZE,
  placeWindow,
  readWindowState,
  writeJsonAtomic,
  type Rect,
  type SavedWindowState,
} from '../../main/app/windowState';

const made: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

const laptop: Rect = { x: 0, y: 0, width: 1440, height: 875 };
const monitorRight: Rect = { x: 1440, y: 0, width: 2560, height: 1415 };

function saved(rect: Partial<SavedWindowState> & Rect): SavedWindowState {
  return { maximized: false, fullScreen: false, ...rect };
}

describe('placeWindow', () => {
  it('opens a first window at the default size, placed by the OS', () => {
    expect(placeWindow(undefined, [laptop], laptop)).toEqual({
      ...DEFAULT_SIZE,
      maximized: false,
      fullScreen: false,
    });
  });

  it('restores a place that is on a display as it was', () => {
    const s = saved({ x: 1600, y: 100, width: 1200, height: 800, maximized: true });
    expect(placeWindow(s, [laptop, monitorRight], laptop)).toEqual({
      x: 1600,
      y: 100,
      width: 1200,
      height: 800,
      maximized: true,
      fullScreen: false,
    });
  });

  it('centres the window on the primary display when its monitor was unplugged', () => {
    const s = saved({ x: 1600, y: 100, width: 1200, height: 800 });
    const p = placeWindow(s, [laptop], laptop);
    expect(p).toEqual({
      x: Math.round((1440 - DEFAULT_SIZE.width) / 2),
      y: Math.round((875 - DEFAULT_SIZE.height) / 2),
      width: DEFAULT_SIZE.width,
      height: DEFAULT_SIZE.height,
      maximized: false,
      fullScreen: false,
    });
  });

  it('does not restore a place whose title bar is off every display', () => {
    // Only the bottom of the window would show: the title bar is above the screen.
    const s = saved({ x: 100, y: -700, width: 1000, height: 800 });
    const p = placeWindow(s, [laptop], laptop);
    expect(p.y).toBeGreaterThanOrEqual(0);
    expect(p.width).toBe(DEFAULT_SIZE.width);
  });

  it('pulls a partly visible window fully onto its display', () => {
    const s = saved({ x: 1300, y: 50, width: 800, height: 600 });
    expect(placeWindow(s, [laptop], laptop)).toMatchObject({
      x: 1440 - 800,
      y: 50,
      width: 800,
      height: 600,
    });
  });

  it('shrinks a window saved on a bigger monitor to the display it lands on', () => {
    const s = saved({ x: 10, y: 10, width: 2400, height: 1300 });
    expect(placeWindow(s, [laptop], laptop)).toMatchObject({
      x: 0,
      y: 0,
      width: 1440,
      height: 875,
    });
  });

  it('never makes the window smaller than the UI can lay out', () => {
    const tiny: Rect = { x: 0, y: 0, width: 300, height: 200 };
    const p = placeWindow(saved({ x: 0, y: 0, width: 100, height: 100 }), [tiny], tiny);
    expect(p.width).toBe(MIN_SIZE.width);
    expect(p.height).toBe(MIN_SIZE.height);
  });

  it('works with displays left of and above the primary (negative coordinates)', () => {
    const left: Rect = { x: -1920, y: -200, width: 1920, height: 1080 };
    const s = saved({ x: -1800, y: -100, width: 1000, height: 700 });
    expect(placeWindow(s, [laptop, left], laptop)).toMatchObject({ x: -1800, y: -100 });
  });
});

describe('the state file', () => {
  it('is written atomically and read back', async () => {
    const dir = await tempDir('hf-winstate-');
    const file = path.join(dir, 'sub', 'window-state.json');
    const state = { x: 1, y: 2, width: 800, height: 600, maximized: false, fullScreen: false };
    await writeJsonAtomic(file, state);
    await writeJsonAtomic(file, { ...state, x: 5 });
    expect(await readWindowState(file)).toEqual({ ...state, x: 5 });
    expect(await readdir(path.dirname(file))).toEqual(['window-state.json']);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ x: 5 });
  });

  it('means no saved state when missing, not JSON, or not ours', async () => {
    const dir = await tempDir('hf-winstate-');
    const file = path.join(dir, 'window-state.json');
    expect(await readWindowState(file)).toBeUndefined();
    await writeFile(file, '{ half a fi');
    expect(await readWindowState(file)).toBeUndefined();
    await writeFile(file, JSON.stringify({ x: 'left', y: 0, width: 10, height: 10 }));
    expect(await readWindowState(file)).toBeUndefined();
    await writeFile(file, JSON.stringify({ x: 0, y: 0, width: 1e9, height: 10 }));
    expect(await readWindowState(file)).toBeUndefined();
  });

  it('fills in flags an older file did not have', async () => {
    const dir = await tempDir('hf-winstate-');
    const file = path.join(dir, 'window-state.json');
    await writeFile(file, JSON.stringify({ x: 0, y: 0, width: 900, height: 700 }));
    expect(await readWindowState(file)).toEqual({
      x: 0,
      y: 0,
      width: 900,
      height: 700,
      maximized: false,
      fullScreen: false,
    });
  });
});
