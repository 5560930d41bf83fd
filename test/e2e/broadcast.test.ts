/**
 * Broadcast input in real Chromium against a real sshd: chosen from the palette, with the
 * tabs to include picked in a dialog; while on, each receiving tab is marked (in the bar
 * and above its terminal), and a line typed in one tab runs in both sessions; a tab left
 * out gets nothing; once stopped, typing reaches only the tab typed in.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBrowserBed } from './bed';
import {
  hook,
  newTab,
  pollFor,
  quickConnect,
  screenText,
  screenshot,
  setPrompt,
  typeInTerminal,
  waitForLine,
  waitForState,
} from './support';

const ALIAS = 'hf-e2e-broadcast';

const bed = useBrowserBed('e2e-broadcast', ALIAS);

async function connectTab(page: Page, first: boolean): Promise<number> {
  const tab = first ? await quickConnect(page, ALIAS) : await newTab(page, ALIAS);
  await waitForState(page, tab, 'connected');
  await setPrompt(page, tab);
  return tab;
}

describe('broadcast input', () => {
  it('types one line into two chosen sessions, marks them, and stops', async () => {
    const page = await bed.app();
    const a = await connectTab(page, true);
    const b = await connectTab(page, false);
    const c = await connectTab(page, false);
    const ids = [a, b, c].map((t) => hook(page, 'sessionId', t));
    expect(new Set(await Promise.all(ids)).size).toBe(3);

    await page.keyboard.press('Control+Shift+P');
    await page.keyboard.type('broadcast');
    await page.keyboard.press('Enter');
    const dialog = page.locator('[data-dialog="broadcast"]');
    await dialog.waitFor();
    // All three start checked; leave the third out.
    await dialog.locator('input[type="checkbox"] >> nth=2').uncheck();
    await dialog.locator('button[type="submit"]').click();

    await pollFor(
      'the two tabs marked in the bar',
      () => page.locator('.tab.broadcast').count(),
      (n) => n === 2,
    );
    expect(await page.locator('.tab >> nth=2').getAttribute('class')).not.toMatch(/broadcast/);

    await page.click('.tab >> nth=0');
    await page.locator('.pane.active [data-broadcast]').waitFor();
    await typeInTerminal(page, 'echo "bc-$((6 * 7))-$$"\n');
    const lineA = await waitForLine(page, a, /^bc-42-\d+$/);
    const lineB = await waitForLine(page, b, /^bc-42-\d+$/);
    // Two shells ran it: each printed its own pid.
    expect(lineA).not.toBe(lineB);
    expect(await screenText(page, c)).not.toMatch(/bc-42/);
    await screenshot(page, 'broadcast');

    await page.locator('.pane.active [data-broadcast] button:has-text("Stop")').click();
    await pollFor(
      'no tab marked',
      () => page.locator('.tab.broadcast').count(),
      (n) => n === 0,
    );
    await typeInTerminal(page, 'echo "solo-$((2 + 2))"\n');
    await waitForLine(page, a, /^solo-4$/);
    await typeInTerminal(page, 'echo "after-$((3 + 3))"\n');
    await waitForLine(page, a, /^after-6$/);
    expect(await screenText(page, b)).not.toMatch(/solo-4|after-6/);
  });
});
