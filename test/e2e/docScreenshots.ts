// The README's screenshots (docs/*.png), taken the way the browser tests work: the built
// renderer in Debian's Chromium, served by the test host with the real engine, against a
// throw-away real sshd on 127.0.0.1. Run with `npm run screenshots` (after a build); it
// overwrites the PNGs. Small on purpose: one window size, 1x pixels.
//
//   tabs-and-panes.png  a tab split right, its right pane split down, three shells
//   sessions.png        the Sessions view beside it
//   palette.png         the command palette filtered to the pane actions
//   settings.png        Settings

import path from 'node:path';
import type { Page } from 'playwright-core';
import { startSshd, stopAllSshd } from '../support/sshd';
import { startTestHost } from '../support/testHost';
import {
  REPO,
  checkPrerequisites,
  hook,
  launchChromium,
  openApp,
  pollFor,
  quickConnect,
  setPrompt,
  typeInTerminal,
  waitForLine,
  waitForState,
  writeSshConfig,
} from './support';

const ALIAS = 'build-server';
const OUT = path.join(REPO, 'docs');
/** Big enough to read three panes, small enough to keep each PNG near 100 KB. */
const VIEWPORT = { width: 1100, height: 560 };

async function shot(page: Page, name: string): Promise<void> {
  const file = path.join(OUT, `${name}.png`);
  await page.screenshot({ path: file });
  console.log(`wrote ${path.relative(REPO, file)}`);
}

/** Waits until pane `pane` is connected, sets a short prompt and runs `command`. */
async function run(page: Page, pane: number, command: string, done: RegExp): Promise<void> {
  await waitForState(page, pane, 'connected');
  await setPrompt(page, pane, 'demo');
  await typeInTerminal(page, 'clear\n');
  await typeInTerminal(page, `${command}\n`);
  await waitForLine(page, pane, done);
}

async function main(): Promise<void> {
  await checkPrerequisites();
  const sshd = await startSshd({ label: 'screenshots' });
  const configFile = await writeSshConfig(sshd, {
    alias: ALIAS,
    knownHostsFile: sshd.knownHostsFile,
    strictHostKeyChecking: 'yes',
  });
  const host = await startTestHost({ destinationDefaults: { configFile } });
  const browser = await launchChromium();
  try {
    const { page } = await openApp(browser, host, VIEWPORT);
    const first = await quickConnect(page, ALIAS);
    await run(page, first, 'uname -sr; ls /etc | head -30 | paste - - -', /^demo\$ $/);
    await page.keyboard.press('Control+Shift+E');
    await pollFor(
      'a second pane',
      () => hook(page, 'tabCount'),
      (n) => n === 2,
    );
    await run(page, 1, 'for i in 1 2 3; do echo "build step $i: ok"; done', /build step 3: ok/);
    await page.keyboard.press('Control+Shift+D');
    await pollFor(
      'a third pane',
      () => hook(page, 'tabCount'),
      (n) => n === 3,
    );
    await run(page, 2, 'df -h / | cat; date +%A', /^demo\$ $/);
    await page.click('button.new-tab');
    await quickConnect(page, ALIAS);
    await waitForState(page, 3, 'connected');
    await page.click('.tab >> nth=0');
    await shot(page, 'tabs-and-panes');

    await page.click('button:has-text("Sessions")');
    await page.locator('[data-panel="sessions"] .session').first().waitFor();
    await shot(page, 'sessions');
    await page.click('[data-panel="sessions"] button[aria-label="Close sessions"]');

    await page.locator('.pane.active .xterm-helper-textarea').focus();
    await page.keyboard.press('Control+Shift+P');
    await page.keyboard.type('pane');
    await shot(page, 'palette');
    await page.keyboard.press('Escape');

    await page.click('button[aria-label="Settings"]');
    await page.locator('[data-panel="settings"], .drawer').first().waitFor();
    await shot(page, 'settings');
  } finally {
    await browser.close();
    await host.close();
    await stopAllSshd();
  }
}

main().catch((error: unknown) => {
  console.error(`screenshots: ${(error as Error).message}`);
  process.exitCode = 1;
});
