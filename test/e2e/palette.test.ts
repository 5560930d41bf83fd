/**
 * The command palette and the shortcuts sheet in real Chromium against a real sshd: from a
 * terminal, Ctrl+Shift+P opens the palette (the shell gets nothing), typing filters every
 * action down to the one wanted, shown with its shortcut, and Enter runs it; the arrow keys
 * choose; the sheet lists each action with its keys, opens from its shortcut and from the
 * palette, and closes with Escape. Screenshots go to test/artifacts/e2e/.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
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

const ALIAS = 'hf-e2e-palette';

const bed = useBrowserBed('e2e-palette', ALIAS);

async function connected(page: Page): Promise<number> {
  const tab = await quickConnect(page, ALIAS);
  await waitForState(page, tab, 'connected');
  await setPrompt(page, tab);
  return tab;
}

const palette = (page: Page) => page.locator('[data-dialog="command-palette"]');
const options = (page: Page) =>
  page.locator('[data-dialog="command-palette"] [role="option"] .palette-label');

describe('the command palette', () => {
  it('opens from a terminal, filters as you type, and runs the chosen action on Enter', async () => {
    const page = await bed.app();
    const tab = await connected(page);
    const all = (await import('../../main/contract/keys')).ACTION_NAMES.length;

    await page.keyboard.press('Control+Shift+P');
    await palette(page).waitFor();
    expect(await options(page).count()).toBe(all);
    await page.keyboard.type('new ta');
    await pollFor(
      'the list narrowed to New tab',
      () => options(page).allTextContents(),
      (t) => t.length === 1 && t[0] === 'New tab',
    );
    expect(await palette(page).locator('[aria-selected="true"] kbd').textContent()).toBe(
      'Ctrl+Shift+T',
    );
    await screenshot(page, 'palette');
    await page.keyboard.press('Enter');
    await pollFor(
      'a new tab, and the palette gone',
      async () => ({ tabs: await hook(page, 'tabCount'), open: await palette(page).count() }),
      (s) => s.tabs === 2 && s.open === 0,
    );

    // The arrow keys choose among several; the shell never saw Ctrl+Shift+P.
    await page.click('.tab >> nth=0');
    await page.keyboard.press('Control+Shift+P');
    await page.keyboard.type('zoom');
    await pollFor(
      'the three zoom actions',
      () => options(page).allTextContents(),
      (t) => t.join('|') === 'Zoom in|Zoom out|Actual size',
    );
    const before = await hook(page, 'size', tab);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await pollFor(
      'bigger text after Zoom in',
      () => hook(page, 'size', tab),
      (s) => s !== undefined && before !== undefined && s.cols < before.cols,
    );
    await typeInTerminal(page, 'echo clean-$((1 + 1))\n');
    await waitForLine(page, tab, /^clean-2$/);
    expect(await waitForLine(page, tab, /echo clean-/)).toBe('hf-ready$ echo clean-$((1 + 1))');
  });

  it('says so when nothing matches, and closes with Escape', async () => {
    const page = await bed.app();
    await page.keyboard.press('Control+Shift+P');
    await palette(page).waitFor();
    await page.keyboard.type('no such command');
    await palette(page).locator('text=No command matches.').waitFor();
    await page.keyboard.press('Escape');
    await pollFor(
      'the palette to close',
      () => palette(page).count(),
      (n) => n === 0,
    );
  });
});

describe('the shortcuts sheet', () => {
  it('lists every action with its keys, from its shortcut and from the palette', async () => {
    const page = await bed.app();
    await page.keyboard.press('Control+Shift+H');
    const sheet = page.locator('[data-dialog="shortcuts"]');
    await sheet.waitFor();
    expect(await sheet.locator('[data-action="find"] kbd').allTextContents()).toEqual([
      'Ctrl+Shift+F',
    ]);
    expect(await sheet.locator('[data-action="zoom-in"] kbd').allTextContents()).toEqual([
      'Ctrl+=',
      'Ctrl++',
      'Ctrl+Num +',
    ]);
    await screenshot(page, 'shortcuts-sheet');
    await page.keyboard.press('Escape');
    await pollFor(
      'the sheet to close',
      () => sheet.count(),
      (n) => n === 0,
    );

    await page.keyboard.press('Control+Shift+P');
    await page.keyboard.type('keyboard');
    await page.keyboard.press('Enter');
    await sheet.waitFor();
  });
});
