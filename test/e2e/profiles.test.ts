/**
 * Saved hosts and tab restore in real Chromium, through the test host, against the real
 * sshd. What this proves, step by step in one story (each step needs the one before): a
 * host added in the list is saved; a double click connects to it; the editor shows the
 * store's message next to the port when the port is out of range; after the app host is
 * closed and a new one started on the same config folder (the sshd keeps running), the
 * tab comes back attached to its session with the same screen; a deleted host comes back
 * with undo. And a session that ended while the app was closed comes back as its tab,
 * showing the exit status; a tab with megabytes of history comes back painted from its
 * kept screen, with none of the output it had shown sent again. Screenshots go to
 * test/artifacts/e2e/.
 */
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoKeychainSecretStore, PROFILES_FILE, ProfileStore } from '../../main/engine/profiles';
import { SCREENS_DIR } from '../../main/host/screenFiles';
import { startSshd, stopAllSshd, type Sshd } from '../support/sshd';
import { startTestHost, type TestHost } from '../support/testHost';
import {
  checkPrerequisites,
  hook,
  launchChromium,
  openApp,
  pollFor,
  screenshot,
  setPrompt,
  typeInTerminal,
  waitForLine,
  waitForState,
  type PageReport,
} from './support';

let sshd: Sshd;
let host: TestHost | undefined;
let browser: Browser;
let configDir: string;
let configFile: string;

beforeAll(async () => {
  await checkPrerequisites();
  sshd = await startSshd({ label: 'e2e-profiles' });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hft-e2e-prof-'));
  const knownHosts = path.join(dir, 'known_hosts');
  await copyFile(sshd.knownHostsFile, knownHosts);
  // For every host: the profile names host, port and user; the key and host keys are here.
  configFile = path.join(dir, 'ssh_config');
  const lines = [
    'Host *',
    `  IdentityFile ${sshd.keyPath}`,
    '  IdentitiesOnly yes',
    '  IdentityAgent none',
    `  UserKnownHostsFile ${knownHosts}`,
    '  GlobalKnownHostsFile /dev/null',
    '  StrictHostKeyChecking yes',
    '  ConnectTimeout 10',
  ];
  await writeFile(configFile, `${lines.join('\n')}\n`, { mode: 0o600 });
  configDir = await mkdtemp(path.join(os.tmpdir(), 'hft-e2e-config-'));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await stopAllSshd();
});

async function startApp(): Promise<{ page: Page; report: PageReport; host: TestHost }> {
  await host?.close();
  const started = await startTestHost({ destinationDefaults: { configFile }, configDir });
  host = started;
  const opened = await openApp(browser, started);
  return { ...opened, host: started };
}

/**
 * Like `openApp`, without waiting for the quick-connect field: a restored tab takes the
 * place of the window's first, empty tab.
 */
async function startRestoredApp(): Promise<{ page: Page; report: PageReport; host: TestHost }> {
  await host?.close();
  const started = await startTestHost({ destinationDefaults: { configFile }, configDir });
  host = started;
  const context = await browser.newContext({
    viewport: { width: 1100, height: 700 },
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  const report: PageReport = { errors: [], cspViolations: [] };
  page.on('pageerror', (e) => report.errors.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') report.errors.push(m.text());
  });
  await page.goto(started.pageUrl);
  await page.waitForSelector('.app');
  return { page, report, host: started };
}

const row = (page: Page, name: string) => page.locator(`.host[data-profile="${name}"]`);

/** A fresh config folder with one saved profile, `bed`, for the test server. */
async function freshConfig(): Promise<void> {
  configDir = await mkdtemp(path.join(os.tmpdir(), 'hft-e2e-config-'));
  const saved = await new ProfileStore({
    file: path.join(configDir, PROFILES_FILE),
    secrets: new NoKeychainSecretStore(),
  }).add({ name: 'bed', host: sshd.host, port: sshd.port, user: sshd.user });
  expect(saved.ok).toBe(true);
}

/** The screens the host keeps for the open tabs (main/host/screenFiles.ts). */
async function keptScreens(): Promise<string[]> {
  const dir = path.join(configDir, SCREENS_DIR);
  const names = await readdir(dir).catch(() => [] as string[]);
  const files = await Promise.all(
    names.filter((n) => n.endsWith('.json')).map((n) => readFile(path.join(dir, n), 'utf8')),
  );
  return files.map((text) => (JSON.parse(text) as { data: string }).data);
}

describe('saved hosts and restore', () => {
  it('adds, connects, edits, survives a restart of the app host, and deletes with undo', async () => {
    console.log(`sshd: ${sshd.host}:${sshd.port} (pid ${sshd.pid})`);
    let { page, report, host: first } = await startApp();

    // Add a host.
    await page.click('button.hosts-toggle');
    await page.click('text=Add host');
    await page.getByLabel('Name').fill('bed');
    await page.getByLabel('Host', { exact: true }).fill(sshd.host);
    await page.getByLabel('Port').fill(String(sshd.port));
    await page.getByLabel('User').fill(sshd.user);
    await page.getByLabel('Group').fill('test');
    await page.click('.host-editor button[type="submit"]');
    await row(page, 'bed').waitFor();

    // Connect with a double click; it takes the untouched new tab.
    await row(page, 'bed').locator('.session-name').dblclick();
    const tab = await hook(page, 'activeIndex');
    expect(tab).toBe(0);
    await waitForState(page, tab, 'connected');
    await setPrompt(page, tab);
    await typeInTerminal(page, 'echo restore-$((6*7))\n');
    await waitForLine(page, tab, /^restore-42$/);
    const sessionId = await hook(page, 'sessionId', tab);
    expect(sessionId).toBeTruthy();
    await screenshot(page, 'profiles-connected');

    // Edit: a port out of range is refused by the store, next to the port field.
    await row(page, 'bed').locator('button', { hasText: 'Edit' }).click();
    await page.getByLabel('Port').fill('70000');
    await page.click('.host-editor button[type="submit"]');
    const portError = page.locator('.form-field[data-field="port"] .field-error');
    await portError.waitFor();
    expect(await portError.textContent()).toBe('must be a number from 1 to 65535');
    await screenshot(page, 'profiles-bad-port');
    await page.getByLabel('Port').fill(String(sshd.port));
    await page.click('.host-editor button[type="submit"]');
    await row(page, 'bed').waitFor();

    expect(first.violations).toEqual([]);
    expect(report.errors).toEqual([]);
    expect(report.cspViolations).toEqual([]);

    // Restart the app host: the engine goes, the sshd and the config folder stay.
    const before = await hook(page, 'screenText', tab);
    await first.close();
    host = undefined;
    await page.context().close();
    ({ page, report, host: first } = await startRestoredApp());
    await pollFor(
      'the restored tab',
      () => hook(page, 'sessionId', 0),
      (id) => id === sessionId,
    );
    await waitForState(page, 0, 'connected');
    await waitForLine(page, 0, /^restore-42$/);
    expect(await hook(page, 'tabCount')).toBe(1);
    // The same screen: every line shown before the restart is shown again.
    const after = await hook(page, 'screenText', 0);
    for (const line of before.split('\n').filter((l) => l.trim() !== '')) {
      expect(after).toContain(line.trimEnd());
    }
    // And the shell takes input again.
    await typeInTerminal(page, 'echo after-$((7*6))\n');
    await waitForLine(page, 0, /^after-42$/);
    await screenshot(page, 'profiles-restored');

    // Delete with confirmation, then undo.
    await page.click('button.hosts-toggle');
    await row(page, 'bed').locator('button', { hasText: 'Delete…' }).click();
    await row(page, 'bed').locator('button.danger', { hasText: 'Delete' }).click();
    await pollFor(
      'the host to be gone',
      () => row(page, 'bed').count(),
      (n) => n === 0,
    );
    await page.click('.undo-bar button');
    await row(page, 'bed').waitFor();
    expect(await row(page, 'bed').locator('.session-command').textContent()).toBe(
      `${sshd.user}@${sshd.host}:${sshd.port}`,
    );

    expect(first.violations).toEqual([]);
    expect(report.errors).toEqual([]);
    expect(report.cspViolations).toEqual([]);
  });

  it('shows the exit status of a session that ended while the app was closed', async () => {
    await freshConfig();
    // A folder both sides see (the sshd is on this machine): the test says when to exit.
    const signals = await mkdtemp(path.join(os.tmpdir(), 'hft-e2e-exit-'));
    await chmod(signals, 0o777);
    let { page, report, host: first } = await startApp();
    await page.click('button.hosts-toggle');
    await row(page, 'bed').locator('button', { hasText: 'Connect' }).click();
    await waitForState(page, 0, 'connected');
    await setPrompt(page, 0);
    await typeInTerminal(
      page,
      `while [ ! -e ${signals}/go ]; do sleep 0.1; done; touch ${signals}/done; exit 3\n`,
    );
    expect(first.violations).toEqual([]);
    expect(report.errors).toEqual([]);

    await first.close();
    host = undefined;
    await page.context().close();
    await writeFile(path.join(signals, 'go'), '');
    await pollFor('the shell to exit', () => existsSync(path.join(signals, 'done')));

    ({ page, report, host: first } = await startRestoredApp());
    await waitForState(page, 0, 'ended');
    expect(await hook(page, 'stateDetail', 0)).toEqual({ kind: 'ended', exitCode: 3 });
    await waitForLine(page, 0, /Session ended \(exit code 3\)/);
    await screenshot(page, 'profiles-ended-while-closed');
    expect(first.violations).toEqual([]);
    expect(report.errors).toEqual([]);
  });

  it('turns agent forwarding on in the editor, beside its caution, and the session gets its agent socket', async () => {
    await freshConfig();
    const { page, report, host: first } = await startApp();
    await page.click('button.hosts-toggle');
    await row(page, 'bed').locator('button', { hasText: 'Edit' }).click();
    const box = page.getByLabel('Forward my SSH agent');
    expect(await box.isChecked()).toBe(false); // off by default
    const note = page.locator('.form-field[data-field="forwardAgent"] .field-note');
    expect(await note.count()).toBe(0);
    await box.check();
    expect(await note.textContent()).toMatch(/only to servers you trust/);
    await screenshot(page, 'profiles-forward-agent');
    await page.click('.host-editor button[type="submit"]');
    await row(page, 'bed').waitFor();
    const saved = JSON.parse(await readFile(path.join(configDir, PROFILES_FILE), 'utf8')) as {
      profiles: { name: string; forwardAgent?: boolean }[];
    };
    expect(saved.profiles.find((p) => p.name === 'bed')?.forwardAgent).toBe(true);

    await row(page, 'bed').locator('button', { hasText: 'Connect' }).click();
    await waitForState(page, 0, 'connected');
    await setPrompt(page, 0);
    await typeInTerminal(page, 'echo "sock=$SSH_AUTH_SOCK"\n');
    await waitForLine(page, 0, /^sock=\/.*\/sessions\/[a-z0-9]+\.agent\/sock$/);
    expect(first.violations).toEqual([]);
    expect(report.errors).toEqual([]);
  });

  it('paints a restored tab from its kept screen and sends none of the output it had shown', async () => {
    await freshConfig();
    let { page, report, host: first } = await startApp();
    await page.click('button.hosts-toggle');
    await row(page, 'bed').locator('button', { hasText: 'Connect' }).click();
    await waitForState(page, 0, 'connected');
    await setPrompt(page, 0);
    const sessionId = await hook(page, 'sessionId', 0);
    // About 2 MB of history, then a last line to know it is all on screen.
    await typeInTerminal(page, 'seq 1 300000; echo history-$((40 + 2))\n');
    await waitForLine(page, 0, /^history-42$/, 60_000);
    // Output paused: the renderer keeps its screen with the host.
    await pollFor('the screen kept', async () =>
      (await keptScreens()).some((s) => s.includes('history-42')),
    );
    const shown = first.outputBytes();
    expect(shown).toBeGreaterThan(1_900_000);
    expect(first.violations).toEqual([]);
    expect(report.errors).toEqual([]);

    await first.close();
    host = undefined;
    await page.context().close();
    const started = Date.now();
    ({ page, report, host: first } = await startRestoredApp());
    await pollFor(
      'the restored tab',
      () => hook(page, 'sessionId', 0),
      (id) => id === sessionId,
    );
    await waitForLine(page, 0, /^history-42$/);
    const restoreMs = Date.now() - started;
    const screen = await hook(page, 'screenText', 0);
    expect(screen).toMatch(/^299999$/m);
    // What reached the restored page: at most the shell redrawing its prompt for the new
    // window size, never the history again (replaying it from the ring sent it all).
    const replayed = first.outputBytes();
    console.log(
      `restore: ${shown} bytes shown before, ${replayed} sent after the restart, ` +
        `${restoreMs} ms to the last line`,
    );
    expect(replayed).toBeLessThan(4096);
    await typeInTerminal(page, 'echo after-$((7 * 6))\n');
    await waitForLine(page, 0, /^after-42$/);
    await screenshot(page, 'profiles-restored-from-screen');
    expect(first.violations).toEqual([]);
    expect(report.errors).toEqual([]);
  });
});
