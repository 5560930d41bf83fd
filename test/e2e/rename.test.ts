/**
 * Renaming a session, against a real sshd: from the tab (the palette's "Rename this
 * session…"), the tab takes the name and the server keeps it (the Sessions list, read
 * from the server, shows it); from the Sessions list, the row shows the new name; a name
 * another live session has is refused with the server's reason, and nothing changes.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBrowserBed } from './bed';
import { hook, newTab, pollFor, quickConnect, setPrompt, waitForState } from './support';

const ALIAS = 'hf-rename';
const bed = useBrowserBed('e2e-rename', ALIAS);

/** The names the Sessions list shows for `ids`, after asking the server again. */
async function listedNames(page: Page, ids: string[]): Promise<string[]> {
  await page.click('[data-panel="sessions"] button[type="submit"]');
  const names = [];
  for (const id of ids) {
    const row = page.locator(`[data-panel="sessions"] [data-session-id="${id}"] .session-name`);
    names.push((await row.textContent().catch(() => '')) ?? '');
  }
  return names;
}

describe('renaming a session', () => {
  it('from the tab and from the Sessions list; a name in use is refused', async () => {
    const page = await bed.app();
    const a = await quickConnect(page, ALIAS);
    await waitForState(page, a, 'connected');
    await setPrompt(page, a);
    const b = await newTab(page, ALIAS);
    await waitForState(page, b, 'connected');
    const [idA, idB] = [
      (await hook(page, 'sessionId', a)) as string,
      (await hook(page, 'sessionId', b)) as string,
    ];

    // From the tab: the palette's action on the active tab's session.
    await page.click('.tab >> nth=0');
    await page.locator('.pane.active .xterm-helper-textarea').focus();
    await page.keyboard.press('Control+Shift+P');
    await page.keyboard.type('rename this session');
    await page.keyboard.press('Enter');
    const dialog = page.locator('[data-dialog="rename-session"]');
    await dialog.locator('input').fill('api logs');
    await dialog.locator('button:has-text("Rename")').click();
    await dialog.waitFor({ state: 'detached' });
    await pollFor(
      'the tab to show the name',
      () => hook(page, 'titles'),
      (t) => t[0] === `${ALIAS} · api logs`,
    );

    // The server keeps it: the Sessions list (read from the server) shows it.
    await page.click('button:has-text("Sessions")');
    await pollFor(
      'the list to show the name',
      () => listedNames(page, [idA, idB]),
      (n) => n[0] === 'api logs',
    );

    // From the list: the other session takes a name.
    const rowB = page.locator(`[data-panel="sessions"] [data-session-id="${idB}"]`);
    await rowB.locator('button:has-text("Rename…")').click();
    await rowB.locator('input[aria-label="Session name"]').fill('db shell');
    await rowB.locator('input[aria-label="Session name"]').press('Enter');
    await pollFor(
      'the row to show its new name',
      () => listedNames(page, [idA, idB]),
      (n) => n[0] === 'api logs' && n[1] === 'db shell',
    );

    // A name another live session has: the server's reason, and no change.
    await rowB.locator('button:has-text("Rename…")').click();
    await rowB.locator('input[aria-label="Session name"]').fill('api logs');
    await rowB.locator('input[aria-label="Session name"]').press('Enter');
    const alert = rowB.locator('[role="alert"]');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/a session named 'api logs' already exists/);
    await rowB.locator('input[aria-label="Session name"]').press('Escape');
    expect(await listedNames(page, [idA, idB])).toEqual(['api logs', 'db shell']);
  });
});
