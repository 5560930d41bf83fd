/**
 * Split panes as a user works them, in real Chromium against a real sshd behind a fault
 * proxy: a tab splits right and down (nested), each pane runs its own shell (typing in one
 * never reaches another), the keyboard moves the focus by direction; dragging a divider
 * changes the pane's terminal size as `stty size` in that pane shows, and maximizing fills
 * the tab; broadcast lists each pane and Find searches the focused one; both panes come
 * back on their sessions after a black hole with the output made meanwhile; and after a
 * reload and a host restart the tab has the same tree, ratio, focus, zoom and sessions.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../support/testHost';
import { useBrowserBed } from './bed';
import {
  hook,
  moveFocus,
  openApp,
  pollFor,
  quickConnect,
  screenshot,
  screenText,
  setPrompt,
  splitPane,
  typeInTerminal,
  waitForLine,
  waitForState,
} from './support';

const ALIAS = 'hf-panes';
const bed = useBrowserBed('e2e-panes', ALIAS, {}, { viaProxy: true });

/** The app on `on`; `restoring`: its tabs come back (the first tab's form may never show). */
async function app(on: TestHost = bed.host, restoring = false): Promise<Page> {
  const ready = restoring ? '.pane.shown' : undefined;
  return bed.track(await openApp(bed.browser, on, undefined, ready));
}

type Layout = NonNullable<Awaited<ReturnType<typeof layoutOf>>>;
const layoutOf = (page: Page) => hook(page, 'layout');
const layoutIn = (page: Page) => () => layoutOf(page);

/** Presses a shortcut with the focused pane's terminal focused (as a user types it). */
async function press(page: Page, chord: string): Promise<void> {
  await page.locator('.pane.active .xterm-helper-textarea').focus();
  await page.keyboard.press(chord);
}

/** Connects the first tab and splits it right: returns when both panes are at a prompt. */
async function splitTab(page: Page): Promise<void> {
  const first = await quickConnect(page, ALIAS);
  await waitForState(page, first, 'connected');
  await setPrompt(page, first, 'pane0');
  await splitPane(page, 'right');
  await setPrompt(page, 1, 'pane1');
}

/** Waits for a restored split tab: its layout, and both panes on their sessions. */
function splitTabBack(page: Page, when: string) {
  return pollFor(
    `the split tab back ${when}, both panes connected`,
    async () => ({
      layout: await layoutOf(page),
      sessions: [await hook(page, 'sessionId', 0), await hook(page, 'sessionId', 1)],
    }),
    (v) => v.layout !== undefined && v.sessions.every((s) => s !== undefined),
    30_000,
  );
}

/** `stty size` in the focused pane (index `pane`), as the shell there sees it. */
async function sttySize(page: Page, pane: number, tag: string): Promise<[number, number]> {
  await typeInTerminal(page, `echo ${tag}-$(stty size | tr ' ' x)\n`);
  const line = await waitForLine(page, pane, new RegExp(`^${tag}-\\d+x\\d+$`));
  const [rows, cols] = line
    .slice(tag.length + 1)
    .split('x')
    .map(Number);
  return [rows as number, cols as number];
}

describe('split panes', () => {
  it('split right and down, each pane its own shell, focus moved by the keyboard', async () => {
    const page = await app();
    await splitTab(page);
    const [s0, s1] = [await hook(page, 'sessionId', 0), await hook(page, 'sessionId', 1)];
    expect(s0).toBeDefined();
    expect(s1).not.toBe(s0);
    expect(await hook(page, 'groupCount')).toBe(1);

    // Typing in the right pane reaches its shell only.
    await typeInTerminal(page, 'echo "right-$((40 + 2))"\n');
    await waitForLine(page, 1, /^right-42$/);
    expect(await screenText(page, 0)).not.toMatch(/right-42/);

    // Split the right pane down: a tree of splits.
    expect(await splitPane(page, 'down')).toBe(2);
    await setPrompt(page, 2, 'pane2');
    const layout = (await layoutOf(page)) as Layout;
    expect(layout.tree).toEqual({
      split: 'row',
      ratio: 0.5,
      a: { pane: 0 },
      b: { split: 'column', ratio: 0.5, a: { pane: 1 }, b: { pane: 2 } },
    });
    expect(layout.focus).toBe(2);
    // Side by side, and one above the other, on the page too.
    expect(layout.boxes[1]?.x).toBeGreaterThan((layout.boxes[0]?.x ?? 0) + 100);
    expect(layout.boxes[2]?.y).toBeGreaterThan((layout.boxes[1]?.y ?? 0) + 100);

    // The keyboard moves the focus: left to the first pane, then right and down.
    await moveFocus(page, 'Left', 0);
    await typeInTerminal(page, 'echo "left-$((1 + 1))"\n');
    await waitForLine(page, 0, /^left-2$/);
    await moveFocus(page, 'Right', 1);
    await moveFocus(page, 'Down', 2);
    await typeInTerminal(page, 'echo "below-$((3 + 3))"\n');
    await waitForLine(page, 2, /^below-6$/);
    for (const other of [0, 1]) expect(await screenText(page, other)).not.toMatch(/below-6/);
    // The focused pane is the one marked.
    expect(await page.locator('.pane.in-split.active').getAttribute('data-tab-key')).toBe(
      await page.locator('.pane >> nth=2').getAttribute('data-tab-key'),
    );
    await screenshot(page, 'panes-nested');

    // Closing a pane detaches its session (it goes on) and the sibling takes its place.
    await page.keyboard.press('Control+Shift+P');
    await page.keyboard.type('close pane');
    await page.keyboard.press('Enter');
    const dialog = page.locator('[data-dialog="close-tab"]');
    expect(await dialog.locator('h2').textContent()).toMatch(/^Close the pane/);
    await dialog.locator('button:has-text("Detach")').click();
    await pollFor(
      'two panes left',
      () => hook(page, 'tabCount'),
      (n) => n === 2,
    );
    expect(((await layoutOf(page)) as Layout).tree).toEqual({
      split: 'row',
      ratio: 0.5,
      a: { pane: 0 },
      b: { pane: 1 },
    });
    await page.close();
  });

  it('drag a divider: the pane’s terminal fits, as `stty size` shows; zoom fills the tab', async () => {
    const page = await app();
    await splitTab(page);
    await moveFocus(page, 'Left', 0);
    const [rows0, cols0] = await sttySize(page, 0, 'before');
    expect({ rows: rows0, cols: cols0 }).toEqual(await hook(page, 'size', 0));

    // Drag the divider 250 px to the left: the left pane narrows.
    const divider = page.locator('.pane-divider.row');
    const box = await divider.boundingBox();
    if (!box) throw new Error('no divider on the page');
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x - 125, y, { steps: 5 });
    await page.mouse.move(x - 250, y, { steps: 5 });
    await page.mouse.up();
    await pollFor(
      'the left pane’s terminal to narrow',
      () => hook(page, 'size', 0),
      (s) => s !== undefined && s.cols < cols0 - 20,
    );
    // The shell sees the size the terminal settled on (the terminal fits once per frame).
    let n = 0;
    const seen = await pollFor(
      'the shell to see the terminal’s new width',
      async () => ({
        stty: await sttySize(page, 0, `after${++n}`),
        term: await hook(page, 'size', 0),
      }),
      (v) => v.stty[1] === v.term?.cols && v.stty[0] === v.term.rows,
      10_000,
    );
    const narrowed = seen.term;
    expect(seen.stty[1]).toBeLessThan(cols0 - 20);
    // The right pane grew by as much.
    expect((await hook(page, 'size', 1))?.cols).toBeGreaterThan(cols0 + 20);

    // Zoom: the focused pane fills the tab, its shell sees the whole width; again: back.
    await press(page, 'Control+Shift+Z');
    await pollFor('pane 0 zoomed', layoutIn(page), (l) => l?.zoomed === 0);
    const full = await pollFor(
      'the zoomed terminal to fill the tab',
      () => hook(page, 'size', 0),
      (s) => s !== undefined && s.cols > (narrowed?.cols ?? 0) * 2,
    );
    expect(await page.locator('.pane.shown').count()).toBe(1);
    const [, colsZoomed] = await sttySize(page, 0, 'zoomed');
    expect(colsZoomed).toBe(full?.cols);
    await press(page, 'Control+Shift+Z');
    await pollFor(
      'the zoom ended',
      layoutIn(page),
      (l) => l !== undefined && l.zoomed === undefined,
    );
    await pollFor(
      'the left pane narrow again',
      () => hook(page, 'size', 0),
      // Within a column or two: a scrollbar may have come with the output meanwhile.
      (s) => s !== undefined && Math.abs(s.cols - (narrowed?.cols ?? 0)) <= 2,
    );
    await page.close();
  });

  it('broadcast lists each pane and types into both; find searches the focused pane', async () => {
    const page = await app();
    await splitTab(page);
    await page.keyboard.press('Control+Shift+B');
    const dialog = page.locator('[data-dialog="broadcast"]');
    await dialog.waitFor();
    expect(await dialog.locator('input[type="checkbox"]').count()).toBe(2);
    await dialog.locator('button[type="submit"]').click();
    await page.locator('.pane.active [data-broadcast]').waitFor();
    await typeInTerminal(page, 'echo "both-$((6 * 7))-$$"\n');
    const [left, right] = [
      await waitForLine(page, 0, /^both-42-\d+$/),
      await waitForLine(page, 1, /^both-42-\d+$/),
    ];
    expect(left).not.toBe(right); // two shells, two pids
    await page.locator('.pane.active [data-broadcast] button:has-text("Stop")').click();

    // Output only the left pane has; Find in the right pane does not see it.
    await moveFocus(page, 'Left', 0);
    await typeInTerminal(page, 'x=dle; echo "nee$x-left"\n');
    await waitForLine(page, 0, /^needle-left$/);
    await moveFocus(page, 'Right', 1);
    await page.keyboard.press('Control+Shift+F');
    const bar = page.locator('.pane.active .search-bar');
    await bar.locator('input').fill('needle');
    await pollFor(
      'no match in the right pane',
      () => bar.locator('.search-count').textContent(),
      (t) => t === 'No results',
    );
    await bar.locator('input').press('Escape');
    await moveFocus(page, 'Left', 0);
    await page.keyboard.press('Control+Shift+F');
    const leftBar = page.locator('.pane.active .search-bar');
    await leftBar.locator('input').fill('needle');
    await pollFor(
      'the match in the left pane',
      () => leftBar.locator('.search-count').textContent(),
      (t) => /^(1 of 1|1 found)$/.test(t ?? ''),
    );
    await page.close();
  });

  it('both panes resume their sessions after a black hole, with the output made meanwhile', async () => {
    const page = await app();
    await splitTab(page);
    const sessions = [await hook(page, 'sessionId', 0), await hook(page, 'sessionId', 1)];
    await typeInTerminal(page, 'sleep 2; echo "away-in-right-$((5 * 5))"\n');
    await moveFocus(page, 'Left', 0);
    await typeInTerminal(page, 'sleep 2; echo "away-in-left-$((6 * 6))"\n');
    bed.proxy.blackhole();
    try {
      for (const pane of [0, 1]) {
        await pollFor(
          `pane ${pane} to notice the dead link`,
          () => hook(page, 'state', pane),
          (s) => s === 'reconnecting' || s === 'offline',
        );
      }
      // Each pane says so in its own strip.
      await pollFor(
        'a reconnect strip in each pane',
        () => page.locator('.pane.shown .status-strip').count(),
        (n) => n === 2,
      );
      await screenshot(page, 'panes-reconnecting');
    } finally {
      bed.proxy.pass();
    }
    for (const pane of [0, 1]) {
      await waitForState(page, pane, 'connected');
      expect(await hook(page, 'sessionId', pane)).toBe(sessions[pane]);
    }
    await waitForLine(page, 1, /^away-in-right-25$/);
    await waitForLine(page, 0, /^away-in-left-36$/);
    expect(await screenText(page, 0)).not.toMatch(/away-in-right/);
    await page.close();
  });

  it('come back after a reload and a host restart: same tree, ratio, focus, zoom, sessions', async () => {
    // A config folder: tabs.json is kept across a reload and a restart, as the app keeps it.
    const configDir = await mkdtemp(path.join(os.tmpdir(), 'hft-e2e-panes-config-'));
    let restoring = bed.extraHost(
      await startTestHost({ destinationDefaults: { configFile: bed.configFile }, configDir }),
    );
    const page = await app(restoring);
    await splitTab(page);
    // A divider moved by the keyboard (focused, arrow keys), and the focus left.
    await page.locator('.pane-divider.row').focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
    await pollFor('the ratio at 0.7', layoutIn(page), (l) =>
      Boolean(
        l &&
        'ratio' in (l.tree as object) &&
        Math.abs((l.tree as { ratio: number }).ratio - 0.7) < 1e-6,
      ),
    );
    await moveFocus(page, 'Left', 0);
    const sessions = [await hook(page, 'sessionId', 0), await hook(page, 'sessionId', 1)];
    const before = (await layoutOf(page)) as Layout;

    await page.reload();
    const after = await splitTabBack(page, 'after the reload');
    expect(after.sessions).toEqual(sessions);
    expect(after.layout?.tree).toEqual(before.tree);
    expect(after.layout?.focus).toBe(0);
    // Each pane paints its own kept screen (or replay): its own prompt, not the other's.
    await waitForLine(page, 0, /^pane0\$/);
    await waitForLine(page, 1, /^pane1\$/);
    expect(await screenText(page, 0)).not.toMatch(/pane1\$/);
    expect(await hook(page, 'groupCount')).toBe(1);
    // The right pane is still its own shell.
    await page.locator('.pane >> nth=1').click({ position: { x: 40, y: 40 } });
    await pollFor(
      'pane 1 focused',
      () => hook(page, 'activeIndex'),
      (i) => i === 1,
    );
    await typeInTerminal(page, 'echo "still-right-$((7 * 7))"\n');
    await waitForLine(page, 1, /^still-right-49$/);
    expect(await screenText(page, 0)).not.toMatch(/still-right-49/);
    await page.close();

    // The host process restarts (the app quit and started again) with pane 1 maximized.
    const again = await app(restoring, true);
    await pollFor('the tab back', () => hook(again, 'sessionId', 1), Boolean, 30_000);
    await again.locator('.pane >> nth=1').click({ position: { x: 40, y: 40 } });
    await pollFor(
      'pane 1 focused',
      () => hook(again, 'activeIndex'),
      (i) => i === 1,
    );
    await press(again, 'Control+Shift+Z');
    await pollFor('pane 1 maximized', layoutIn(again), (l) => l?.zoomed === 1);
    await again.close();
    await restoring.close();
    restoring = bed.extraHost(
      await startTestHost({ destinationDefaults: { configFile: bed.configFile }, configDir }),
    );
    const restarted = await app(restoring, true);
    const back = await splitTabBack(restarted, 'after the restart');
    expect(back.sessions).toEqual(sessions);
    expect(back.layout?.tree).toEqual(before.tree);
    expect(back.layout?.focus).toBe(1);
    expect(back.layout?.zoomed).toBe(1);
    expect(await restarted.locator('.pane.shown').count()).toBe(1);
    await restarted.close();
  });
});
