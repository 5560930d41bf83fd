/**
 * Long-job notices, against a real sshd: a session that ends in a background tab raises a
 * desktop notification with its exit status and puts a badge on its tab; "notify me when
 * this finishes" tells when the foreground job ends (the shell back in the PTY's
 * foreground), with no shell integration; with the shell integration installed (asked for,
 * typed visibly), a command longer than the threshold ends with its exit status and
 * duration in a notice from a background tab; and a session whose tab was closed (detached)
 * tells its end too while another tab keeps its host connected. Notifications are caught in the page by an init
 * script standing in for window.Notification.
 */
import { describe, expect, it } from 'vitest';
import { useBrowserBed } from './bed';
import { appCatchingNotes, clickNote, notes, notifyCommandsAfter } from './notes';
import {
  hook,
  newTab,
  pollFor,
  quickConnect,
  screenshot,
  setPrompt,
  typeInTerminal,
  waitForState,
} from './support';

const ALIAS = 'hf-notify';
const bed = useBrowserBed('e2e-notify', ALIAS);

describe('long-job notifications', () => {
  it('tells when a session ends in a background tab, with its status, and badges the tab', async () => {
    const page = await appCatchingNotes(bed);
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
    // clicking the notice shows its tab, which clears the badge
    await clickNote(page, 0);
    expect(await hook(page, 'activeIndex')).toBe(tab);
    await pollFor(
      'the badge to go',
      () => badge.count(),
      (n) => n === 0,
    );
  });

  it('tells when the job in a tab with "notify me when this finishes" ends', async () => {
    const page = await appCatchingNotes(bed);
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

  it('with shell integration, tells a long command’s exit status and duration', async () => {
    const page = await appCatchingNotes(bed);
    // Commands of a second or more are worth a notice here (the default is longer).
    await notifyCommandsAfter(page, 1);
    const tab = await quickConnect(page, ALIAS);
    await waitForState(page, tab, 'connected');
    await setPrompt(page, tab);
    const dialog = page.locator('[data-dialog="shell-integration"]');
    // Offered from the palette: it asks first, and Cancel types nothing.
    await page.keyboard.press('Control+Shift+P');
    await page.keyboard.type('install shell');
    await page.keyboard.press('Enter');
    await dialog.locator('button:has-text("Cancel")').click();
    expect(await hook(page, 'screenText', tab)).not.toMatch(/PROMPT_COMMAND/);
    // And from the terminal's menu.
    await page.click('.pane.active .terminal-host', { button: 'right' });
    await page.click('.context-menu button:has-text("Install shell integration")');
    expect(await dialog.locator('pre.snippet').textContent()).toMatch(/133;D/);
    await screenshot(page, 'shell-integration-dialog');
    await dialog.locator('button:has-text("Type it into the shell")').click();
    // The shell took it (its prompt now carries the marks), typed where the user sees it.
    await pollFor(
      'the integration seen',
      () => hook(page, 'shellIntegration', tab),
      (on) => on === true,
    );
    const shown = (await hook(page, 'screenText', tab)).replace(/\n/g, '');
    expect(shown).toContain('PROMPT_COMMAND="__hf_d');
    // A short command in front says nothing.
    await typeInTerminal(page, 'true\n');
    await typeInTerminal(page, 'sleep 2; false\n');
    await page.click('button.new-tab');
    const seen = await pollFor(
      'a notification',
      () => notes(page),
      (n) => n.length > 0,
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]?.title).toMatch(/a command finished$/);
    expect(seen[0]?.body).toMatch(/^exit status 1 after [23] s$/);
    expect(await page.locator('.tab').nth(tab).locator('.tab-badge').textContent()).toBe('exit 1');
  });

  it('tells when a session whose tab was closed ends, while another tab keeps the host connected', async () => {
    const page = await appCatchingNotes(bed);
    const keeper = await quickConnect(page, ALIAS);
    await waitForState(page, keeper, 'connected');
    const tab = await newTab(page, ALIAS);
    await waitForState(page, tab, 'connected');
    await setPrompt(page, tab);
    await typeInTerminal(page, 'sleep 7; exit 4\n');
    await page.click('.tab.active .tab-close');
    await page.click('[data-dialog="close-tab"] button:has-text("Detach")');
    expect(await hook(page, 'tabCount')).toBe(1);
    const seen = await pollFor(
      'a notification',
      () => notes(page),
      (n) => n.length > 0,
      30_000,
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]?.title).toMatch(/: session ended$/);
    expect(seen[0]?.body).toMatch(/^exit status 4 after \d+ s$/);
    expect(seen[0]?.tag).toMatch(/^host:/);
  });
});
