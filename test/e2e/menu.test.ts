/**
 * The application menu's actions in real Chromium: the desktop app's main process tells the
 * page a menu item was chosen with the contract's `menuCommand` event (main/app/main.ts);
 * here the test host sends that same event over its WebSocket, and the page runs the action
 * as its own shortcut would. What these prove, one behaviour each: New Tab, Show Next and
 * Previous Tab and Close Tab change the tabs; Zoom In, Actual Size and Zoom Out change the
 * terminal's size, which reaches the remote pty; Find opens the active terminal's search.
 * No key is pressed in any of them.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { MenuAction } from '../../main/contract/api';
import { useBrowserBed } from './bed';
import {
  hook,
  pollFor,
  quickConnect,
  screenshot,
  setPrompt,
  typeInTerminal,
  waitForLine,
  waitForState,
} from './support';

const ALIAS = 'hf-e2e-menu';

const bed = useBrowserBed('e2e-menu', ALIAS);

/**
 * Opens the app and waits until it can hear a menu command: its socket is connected to the
 * host, and the App's effects have run (the one that sets the title to the active tab's
 * runs in the same commit as the one that subscribes to `menuCommand`).
 */
async function app(): Promise<Page> {
  const connected = bed.host.bridges.length;
  const page = await bed.app();
  await pollFor('the page to connect to the test host', () => bed.host.bridges.length > connected);
  await pollFor(
    'the page to show its first tab',
    () => page.title(),
    (title) => title === 'New tab — Holdfast',
  );
  return page;
}

/** What main.ts does when a menu item is chosen. */
function chooseMenu(action: MenuAction): void {
  bed.host.emitToPages({ event: 'menuCommand', payload: { action } });
}

async function tabs(page: Page): Promise<{ count: number; active: number }> {
  return { count: await hook(page, 'tabCount'), active: await hook(page, 'activeIndex') };
}

function waitForTabs(page: Page, count: number, active: number, after: string) {
  return pollFor(
    `${count} tabs with tab ${active} active after ${after}`,
    () => tabs(page),
    (t) => t.count === count && t.active === active,
    10_000,
  );
}

describe('the application menu’s commands in the page', () => {
  it('opens, switches and closes tabs on New Tab, Next, Previous and Close Tab', async () => {
    const page = await app();
    expect(await tabs(page)).toEqual({ count: 1, active: 0 });

    chooseMenu('new-tab');
    await waitForTabs(page, 2, 1, 'New Tab');
    chooseMenu('new-tab');
    await waitForTabs(page, 3, 2, 'a second New Tab');
    // Next wraps from the last tab to the first, Previous back again.
    chooseMenu('next-tab');
    await waitForTabs(page, 3, 0, 'Show Next Tab');
    chooseMenu('previous-tab');
    await waitForTabs(page, 3, 2, 'Show Previous Tab');
    // A quick-connect tab holds no session, so it closes without asking.
    chooseMenu('close-tab');
    await waitForTabs(page, 2, 1, 'Close Tab');
    await screenshot(page, 'menu-tabs');
  });

  it('zooms the terminal in, back to actual size and out, and the remote pty follows', async () => {
    const page = await app();
    const tab = await quickConnect(page, ALIAS);
    await waitForState(page, tab, 'connected');
    await setPrompt(page, tab);
    const before = await hook(page, 'size', tab);
    if (!before) throw new Error('the connected tab has no terminal size');

    chooseMenu('zoom-in');
    const zoomed = await pollFor(
      'bigger text after Zoom In, so fewer columns',
      () => hook(page, 'size', tab),
      (s) => s !== undefined && s.cols < before.cols,
    );
    await typeInTerminal(page, 'stty size\n');
    await waitForLine(page, tab, new RegExp(`^${zoomed?.rows} ${zoomed?.cols}$`));

    chooseMenu('zoom-reset');
    await pollFor(
      'the original size after Actual Size',
      () => hook(page, 'size', tab),
      (s) => s?.cols === before.cols && s.rows === before.rows,
    );

    chooseMenu('zoom-out');
    await pollFor(
      'smaller text after Zoom Out, so more columns',
      () => hook(page, 'size', tab),
      (s) => s !== undefined && s.cols > before.cols,
    );
    await screenshot(page, 'menu-zoom-out');
  });

  it('opens the active terminal’s search bar on Find', async () => {
    const page = await app();
    const tab = await quickConnect(page, ALIAS);
    await waitForState(page, tab, 'connected');
    expect(await page.locator('.pane.active .search-bar').count()).toBe(0);

    chooseMenu('find');
    await page.locator('.pane.active .search-bar').waitFor({ timeout: 10_000 });
  });
});
