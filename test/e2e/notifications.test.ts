/**
 * Long-job notices, against a real sshd: a session that ends in a background tab raises a
 * desktop notification with its exit status and puts a badge on its tab; "notify me when
 * this finishes" tells when the foreground job ends (the shell back in the PTY's
 * foreground), with no shell integration. Notifications are caught in the page by an init
 * script standing in for window.Notification.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBrowserBed } from './bed';
import { pollFor, quickConnect, setPrompt, typeInTerminal, waitForState } from './support';

const ALIAS = 'hf-notify';
const bed = useBrowserBed('e2e-notify', ALIAS);

type Caught = { title: string; body: string; tag: string };

const CATCH_NOTIFICATIONS = `
  window.__notes = [];
  window.Notification = class {
    static permission = 'granted';
    static requestPermission() { return Promise.resolve('granted'); }
    constructor(title, options) { window.__notes.push({ title, body: options.body, tag: options.tag }); }
  };`;

async function appCatchingNotes(): Promise<Page> {
  const page = await bed.app();
  await page.addInitScript({ content: CATCH_NOTIFICATIONS });
  await page.reload();
  await page.waitForSelector('.quick-input');
  return page;
}

const notes = (page: Page): Promise<Caught[]> =>
  page.evaluate(() => (window as unknown as { __notes: Caught[] }).__notes);

describe('long-job notifications', () => {
  it('tells when a session ends in a background tab, with its status, and badges the tab', async () => {
    const page = await appCatchingNotes();
    const tab = await quickConnect(page, ALIAS);
    await waitForState(page, tab, 'connected');
    await setPrompt(page, tab);
    await typeInTerminal(page, 'sleep 2; exit 3\n');
    await page.click('button.new-tab'); // the session's tab goes to the background
    const seen = await pollFor(
      'a notification',
      () => notes(page),
      (n) => n.length > 0,
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]?.title).toMatch(/session ended$/);
    expect(seen[0]?.body).toMatch(/^exit status 3 after \d+ s$/);
    const badge = page.locator('.tab').nth(tab).locator('.tab-badge');
    expect(await badge.textContent()).toBe('exit 3');
    // looking at the tab clears its badge
    await page.locator('.tab').nth(tab).click();
    await pollFor(
      'the badge to go',
      () => badge.count(),
      (n) => n === 0,
    );
  });

  it('tells when the job in a tab with "notify me when this finishes" ends', async () => {
    const page = await appCatchingNotes();
    const tab = await quickConnect(page, ALIAS);
    await waitForState(page, tab, 'connected');
    await setPrompt(page, tab);
    await typeInTerminal(page, 'echo started-$((1+1)); sleep 4\n');
    await page.click('.tab.active button[aria-label="Notify me when this finishes"]');
    await page.click('button.new-tab');
    const seen = await pollFor(
      'a notification',
      () => notes(page),
      (n) => n.length > 0,
      30_000,
    );
    expect(seen[0]?.title).toMatch(/sleep 4 finished$/);
    expect(seen[0]?.body).toBe('started-2');
    expect(await page.locator('.tab').nth(tab).locator('.tab-badge').textContent()).toBe('✓');
    // the toggle turned itself off
    expect(await page.locator('.tab').nth(tab).locator('button.tab-notify').count()).toBe(0);
  });
});
