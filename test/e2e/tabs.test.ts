/**
 * Tabs as a user arranges and names them, in real Chromium against a real sshd: the bar's
 * order survives a restart (drag B before A, reload the window: B, A come back); opening
 * from the Sessions list a session that is already open shows its tab instead of a second
 * one (another view stays a deliberate menu action); two tabs to one host are told apart
 * ("host", "host (2)"), and a title a program sets (OSC 0/2) wins.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../support/testHost';
import { useBrowserBed } from './bed';
import {
  hook,
  newTab,
  openApp,
  pollFor,
  quickConnect,
  screenshot,
  setPrompt,
  typeInTerminal,
  waitForLine,
  waitForState,
} from './support';

const ALIAS = 'hf-e2e-tabs';

const bed = useBrowserBed('e2e-tabs', ALIAS);

let restoring: TestHost | undefined;
afterAll(async () => {
  await restoring?.close();
});

/** Connects the active new tab (or a new one) and waits for a known prompt. */
async function connectTab(page: Page, first: boolean): Promise<number> {
  const tab = first ? await quickConnect(page, ALIAS) : await newTab(page, ALIAS);
  await waitForState(page, tab, 'connected');
  await setPrompt(page, tab);
  return tab;
}

async function sessionIds(page: Page): Promise<(string | undefined)[]> {
  const count = await hook(page, 'tabCount');
  const ids = [];
  for (let i = 0; i < count; i++) ids.push(await hook(page, 'sessionId', i));
  return ids;
}

describe('the tab bar’s order', () => {
  it('comes back after a restart as the user dragged it', async () => {
    // A host with a config folder, so it keeps tabs.json across a reload as the app does.
    const configDir = await mkdtemp(path.join(os.tmpdir(), 'hft-e2e-tabs-'));
    restoring = await startTestHost({
      destinationDefaults: { configFile: bed.configFile },
      configDir,
    });
    const page = bed.track(await openApp(bed.browser, restoring));
    const a = await connectTab(page, true);
    await typeInTerminal(page, 'echo tab-a\n');
    await waitForLine(page, a, /^tab-a$/);
    const b = await connectTab(page, false);
    const [idA, idB] = [await hook(page, 'sessionId', a), await hook(page, 'sessionId', b)];

    // B before A.
    await page.dragAndDrop('.tab >> nth=1', '.tab >> nth=0', { targetPosition: { x: 4, y: 10 } });
    await pollFor(
      'B to be first',
      () => sessionIds(page),
      (ids) => ids[0] === idB && ids[1] === idA,
    );

    await page.reload();
    // A connected tab names its session (sessionId is undefined until then).
    const restored = await pollFor(
      'both tabs back, connected',
      () => sessionIds(page),
      (ids) => ids.length === 2 && ids.every((id) => id !== undefined),
    );
    expect(restored).toEqual([idB, idA]);
    await waitForLine(page, 1, /^tab-a$/);
    await screenshot(page, 'tabs-order-restored');
  });
});

describe('opening a session from the Sessions list', () => {
  it('shows its tab when it is open already; another view is a separate choice', async () => {
    const page = await bed.app();
    const tab = await connectTab(page, true);
    const sessionId = await hook(page, 'sessionId', tab);
    await page.click('button.new-tab');
    expect(await hook(page, 'activeIndex')).toBe(1);

    await page.click('button:has-text("Sessions")');
    await page.fill('[data-panel="sessions"] input', ALIAS);
    await page.click('[data-panel="sessions"] button[type="submit"]');
    const row = page.locator(`[data-session-id="${sessionId}"]`);
    await row.waitFor();
    await row.locator('button.primary').click();
    await pollFor(
      'the open tab to be shown',
      () => hook(page, 'activeIndex'),
      (i) => i === tab,
    );
    expect(await hook(page, 'tabCount')).toBe(2);
    await screenshot(page, 'sessions-show-open-tab');

    // Another view, deliberately: a third tab on the same session.
    await row.locator('button:has-text("Another view")').click();
    await pollFor(
      'a second view of the session',
      async () => ({ count: await hook(page, 'tabCount'), id: await hook(page, 'sessionId', 2) }),
      (v) => v.count === 3 && v.id === sessionId,
    );
  });
});

describe('tab titles', () => {
  it('tell two tabs to one host apart, and follow a title the program sets', async () => {
    const page = await bed.app();
    await connectTab(page, true);
    await connectTab(page, false);
    const titles = await pollFor(
      'two tabs to one host told apart',
      () => hook(page, 'titles'),
      (t) => t.length === 2 && t[1] === `${t[0]} (2)`,
    );
    expect(titles).toEqual([ALIAS, `${ALIAS} (2)`]);

    // The program names the second tab (OSC 2): that name wins, the first is plain again.
    await typeInTerminal(page, "printf '\\033]2;build-box\\007'\n");
    await pollFor(
      'the program’s title',
      () => hook(page, 'titles'),
      (t) => t[0] === ALIAS && t[1] === 'build-box',
    );
    expect(await page.title()).toBe('build-box — Holdfast');
    await screenshot(page, 'tab-titles');
  });
});
