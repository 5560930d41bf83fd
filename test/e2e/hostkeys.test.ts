/**
 * What the UI says before a shell exists, against the real engine and a real sshd: an
 * unknown host key is a question with its fingerprint (trusting and remembering it writes
 * known_hosts and connects); a changed host key is a blocking error with both fingerprints,
 * not a question, also for a second alias of a server another tab is connected to; a
 * quick-connect string that is not a destination gets an inline message and dials nothing. Own sshd: regenerating its host key must not disturb other files.
 */
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, stopAllSshd, type Sshd } from '../support/sshd';
import { startTestHost, type TestHost } from '../support/testHost';
import {
  checkPrerequisites,
  fingerprintOf,
  hook,
  launchChromium,
  newTab,
  openApp,
  pollFor,
  quickConnect,
  screenshot,
  setPrompt,
  waitForState,
  writeSshConfig,
  writeSshConfigs,
  type PageReport,
} from './support';

let sshd: Sshd;
let browser: Browser;
const hosts: TestHost[] = [];
const reports: PageReport[] = [];

beforeAll(async () => {
  await checkPrerequisites();
  sshd = await startSshd({ label: 'e2e-keys' });
  browser = await launchChromium();
});

afterEach(() => {
  for (const host of hosts) expect(host.violations).toEqual([]);
  for (const report of reports.splice(0)) {
    expect(report.cspViolations).toEqual([]);
    expect(report.errors).toEqual([]);
  }
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(hosts.map((h) => h.close()));
  await stopAllSshd();
});

/** A test host whose engine sees `alias` through its own ssh_config and known_hosts. */
async function hostWith(
  alias: string,
  knownHosts: string,
  strict: 'yes' | 'ask',
): Promise<TestHost> {
  const configFile = await writeSshConfig(sshd, {
    alias,
    knownHostsFile: knownHosts,
    strictHostKeyChecking: strict,
  });
  const host = await startTestHost({ destinationDefaults: { configFile } });
  hosts.push(host);
  return host;
}

async function app(host: TestHost): Promise<Page> {
  const { page, report } = await openApp(browser, host);
  reports.push(report);
  return page;
}

async function tempFile(name: string, content: string): Promise<string> {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'hft-e2e-')), name);
  await writeFile(file, content, { mode: 0o600 });
  return file;
}

describe('before the shell', () => {
  it('tells a string that is not a destination what is wrong, inline, and dials nothing', async () => {
    const host = await hostWith('hf-unused', await tempFile('known_hosts', ''), 'yes');
    const page = await app(host);
    await quickConnect(page, 'alice @build box');
    const message = page.locator('.pane.active .field-error');
    await message.waitFor();
    expect(await message.textContent()).toMatch(
      /"alice @build box" is not a destination: it contains a space/,
    );
    expect(await hook(page, 'state', 0)).toBe('new');
    await screenshot(page, 'bad-destination');

    await quickConnect(page, 'me@host:99999');
    await pollFor(
      'the port message',
      () => message.textContent(),
      (t) => /port "99999"/.test(t ?? ''),
    );
    expect(host.log.filter((line) => line.includes(': opened to '))).toEqual([]);
    await page.close();
  });

  it('asks about an unknown host key with its fingerprint, then remembers it', async () => {
    const knownHosts = await tempFile('known_hosts', '');
    const alias = 'hf-new-host';
    const host = await hostWith(alias, knownHosts, 'ask');
    const page = await app(host);
    await quickConnect(page, alias);

    const dialog = page.locator('[data-prompt="unknown-host-key"]');
    await dialog.waitFor();
    expect(await dialog.locator('.fingerprint').textContent()).toBe(
      fingerprintOf(sshd.knownHostsLine),
    );
    // Not connected while the question is open (the engine says connecting or needs-input).
    expect(['connecting', 'needs-input']).toContain(await hook(page, 'state', 0));
    await screenshot(page, 'unknown-host-key');

    await dialog.locator('button:has-text("Trust and remember")').click();
    await waitForState(page, 0, 'connected');
    await setPrompt(page, 0);
    const remembered = await readFile(knownHosts, 'utf8');
    expect(remembered).toContain(sshd.knownHostsLine.trim().split(/\s+/)[2]);
    await page.close();
  });

  it('refuses a second alias whose known_hosts has another key while the first alias is connected', async () => {
    // Both aliases reach this sshd; only hf-alias-a's known_hosts holds its real key.
    const realKnown = await tempFile('known_hosts', `${sshd.knownHostsLine}\n`);
    const other = (await readFile(`${sshd.keyPath}.pub`, 'utf8')).trim().split(/\s+/);
    const wrongLine = `[${sshd.host}]:${sshd.port} ${other[0]} ${other[1]}`;
    const wrongKnown = await tempFile('known_hosts', `${wrongLine}\n`);
    const configFile = await writeSshConfigs(sshd, [
      { alias: 'hf-alias-a', knownHostsFile: realKnown, strictHostKeyChecking: 'ask' },
      { alias: 'hf-alias-b', knownHostsFile: wrongKnown, strictHostKeyChecking: 'ask' },
    ]);
    const host = await startTestHost({ destinationDefaults: { configFile } });
    hosts.push(host);
    const page = await app(host);

    const first = await quickConnect(page, 'hf-alias-a');
    await waitForState(page, first, 'connected');
    const second = await newTab(page, 'hf-alias-b');
    const view = page.locator('.pane.active [data-view="host-key-changed"]');
    await view.waitFor();
    expect(await hook(page, 'state', second)).toBe('failed');
    expect((await view.textContent()) ?? '').toContain(fingerprintOf(wrongLine));
    expect(await hook(page, 'state', first)).toBe('connected');
    await screenshot(page, 'host-key-second-alias');
    await page.close();
  });

  it('refuses a changed host key with a blocking view showing both fingerprints', async () => {
    // known_hosts keeps the old key; the server gets a new one.
    const knownHosts = await tempFile('known_hosts', '');
    await copyFile(sshd.knownHostsFile, knownHosts);
    const oldFingerprint = fingerprintOf(sshd.knownHostsLine);
    await sshd.regenerateHostKey();
    const newFingerprint = fingerprintOf(sshd.knownHostsLine);
    expect(newFingerprint).not.toBe(oldFingerprint);

    const alias = 'hf-changed';
    const host = await hostWith(alias, knownHosts, 'ask');
    const page = await app(host);
    await quickConnect(page, alias);

    const view = page.locator('[data-view="host-key-changed"]');
    await view.waitFor();
    expect(await hook(page, 'state', 0)).toBe('failed');
    expect(await page.locator('[data-prompt]').count()).toBe(0);
    const text = (await view.textContent()) ?? '';
    expect(text).toContain(oldFingerprint);
    expect(text).toContain(newFingerprint);
    await screenshot(page, 'host-key-changed');

    await view.locator('button:has-text("Close tab")').click();
    await pollFor(
      'the tab to close',
      () => hook(page, 'tabCount'),
      (n) => n === 0,
    );
    await page.close();
  });
});
