// Desktop notifications caught in the page: an init script stands in for
// window.Notification (Chromium headless shows none), recording each notice and keeping
// the objects so a test can click one (`onclick`).

import type { Page } from 'playwright-core';
import type { BrowserBed } from './bed';

export type Caught = { title: string; body: string; tag: string };

const CATCH_NOTIFICATIONS = `
  window.__notes = [];
  window.Notification = class {
    static permission = 'granted';
    static requestPermission() { return Promise.resolve('granted'); }
    constructor(title, options) {
      window.__notes.push({ title, body: options.body, tag: options.tag });
      (window.__shown ??= []).push(this);
    }
  };`;

/** The app, opened with notifications caught. */
export async function appCatchingNotes(bed: BrowserBed): Promise<Page> {
  const page = await bed.app();
  await page.addInitScript({ content: CATCH_NOTIFICATIONS });
  await page.reload();
  await page.waitForSelector('.quick-input');
  return page;
}

/** The notices shown so far, oldest first. */
export const notes = (page: Page): Promise<Caught[]> =>
  page.evaluate(() => (window as unknown as { __notes: Caught[] }).__notes);

/** Clicks the `index`th notice shown, as the user would on the desktop. */
export const clickNote = (page: Page, index: number): Promise<void> =>
  page.evaluate(
    (i) => (window as unknown as { __shown: { onclick(): void }[] }).__shown[i]?.onclick(),
    index,
  );

/** Sets Settings' threshold for a finished command's notice (seconds). */
export async function notifyCommandsAfter(page: Page, seconds: number): Promise<void> {
  await page.click('button[aria-label="Settings"]');
  const after = page.getByLabel('Notify when a command in a background tab ends after (seconds)');
  await after.fill(String(seconds));
  await after.press('Enter');
  await page.click('button[aria-label="Close settings"]');
}
