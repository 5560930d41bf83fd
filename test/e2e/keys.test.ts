/**
 * The keyboard belongs to the program in the terminal, in real Chromium against a real
 * sshd: Ctrl+F, Ctrl+-, Ctrl+_, Ctrl+/ and Ctrl+PageUp reach `cat -v` on the server (none
 * opens Find, zooms or switches tabs), while the app's own actions take Ctrl+Shift; a
 * shortcut changed in Settings works at once and after a reload, a chord another action
 * has is refused with its name, and a program's key is taken only with a warning.
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

const ALIAS = 'hf-e2e-keys';

const bed = useBrowserBed('e2e-keys', ALIAS);

async function connected(page: Page): Promise<number> {
  const tab = await quickConnect(page, ALIAS);
  await waitForState(page, tab, 'connected');
  await setPrompt(page, tab);
  return tab;
}

const searchBars = (page: Page) => page.locator('.pane.active .search-bar').count();

describe('keys programs use', () => {
  it('reach the program: cat -v shows ^F, ^_ (Ctrl+-, Ctrl+_, Ctrl+/) and Ctrl+PageUp', async () => {
    const page = await bed.app();
    const tab = await connected(page);
    await page.click('button.new-tab'); // a second tab, so a tab switch would show
    await page.click('.tab >> nth=0');
    const size = await hook(page, 'size', tab);

    await typeInTerminal(page, 'cat -v\n');
    await waitForLine(page, tab, /^hf-ready\$ cat -v$/);
    for (const key of [
      'Control+f',
      'Control+Minus',
      'Control+Shift+Minus',
      'Control+Slash',
      'Control+PageUp',
    ]) {
      await page.keyboard.press(key);
    }
    await page.keyboard.press('Enter');
    // The tty echoes the line (echoctl), then cat -v prints it: both read the same.
    await pollFor(
      'the keys echoed and printed by cat -v',
      () => hook(page, 'screenText', tab),
      (t) => t.split('\n').filter((l) => l === '^F^_^_^_^[[5;5~').length === 2,
    );
    expect(await searchBars(page)).toBe(0);
    expect(await hook(page, 'activeIndex')).toBe(0);
    expect(await hook(page, 'size', tab)).toEqual(size);
    await page.keyboard.press('Control+c');
    await waitForLine(page, tab, /^\^C/);

    // The app's own keys take Shift: Ctrl+Shift+F is Find.
    await page.keyboard.press('Control+Shift+F');
    await page.locator('.pane.active .search-bar').waitFor({ timeout: 10_000 });
    await screenshot(page, 'keys-cat-v');
  });
});

describe('shortcuts in Settings', () => {
  it('take a new key at once and after a reload, refuse a taken one, warn on a program’s', async () => {
    const page = await bed.app();
    await page.click('button[aria-label="Settings"]');
    const find = page.locator('[data-section="keys"] li[data-action="find"]');
    await find.locator('button[aria-label="Add a shortcut to Find"]').click();
    await find.locator('.kbd-capture').waitFor();
    await page.keyboard.press('Control+Shift+G');
    await pollFor(
      'the new chord on Find',
      () => find.locator('kbd').allTextContents(),
      (t) => t.includes('Ctrl+Shift+G'),
    );

    // Taken by Find: refused on New tab, with Find's name.
    const newTab = page.locator('[data-section="keys"] li[data-action="new-tab"]');
    await newTab.locator('button[aria-label="Add a shortcut to New tab"]').click();
    await page.keyboard.press('Control+Shift+G');
    expect(await newTab.locator('[role="alert"]').textContent()).toBe(
      'Ctrl+Shift+G is already “Find”: remove it there first',
    );
    expect(await newTab.locator('kbd').allTextContents()).toEqual(['Ctrl+Shift+T']);

    // A program's key is taken only with a warning that says what the program loses.
    const clear = page.locator('[data-section="keys"] li[data-action="clear-scrollback"]');
    await clear.locator('button[aria-label="Add a shortcut to Clear scrollback"]').click();
    await page.keyboard.press('Control+l');
    expect(await clear.locator('.keys-warning').textContent()).toMatch(
      /^Ctrl\+L is clear the screen \(readline\).*programs will no longer get it$/,
    );
    await clear.locator('button:has-text("Default")').click();
    await pollFor(
      'the warning to go with the default',
      () => clear.locator('.keys-warning').count(),
      (n) => n === 0,
    );
    await screenshot(page, 'keys-settings');
    await page.click('button[aria-label="Close settings"]');

    const tab = await connected(page);
    await page.keyboard.press('Control+Shift+G');
    await page.locator('.pane.active .search-bar').waitFor({ timeout: 10_000 });

    // Kept with the other settings: a reloaded window has it.
    await page.reload();
    await page.waitForSelector('.quick-input');
    const again = await connected(page);
    expect(again).toBe(tab);
    expect(await searchBars(page)).toBe(0);
    await page.keyboard.press('Control+Shift+G');
    await page.locator('.pane.active .search-bar').waitFor({ timeout: 10_000 });
  });
});
