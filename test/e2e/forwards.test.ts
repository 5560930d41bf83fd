/**
 * Port forwards in real Chromium, through the test host, against the real sshd: a forward
 * added in a host's editor is saved (a bad one is refused next to the field with ssh's
 * form to write); opening a tab to the host starts it; the Forwards panel lists the
 * listener and, while a client is connected through it, that live connection with its
 * bytes each way; the app quitting ends the connections' sessions on the server.
 * Screenshots go to test/artifacts/e2e/.
 */
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoService } from '../support/echoService';
import { getFreePort } from '../support/ports';
import { startSshd, stopAllSshd, type Sshd } from '../support/sshd';
import { startTestHost, type TestHost } from '../support/testHost';
import {
  checkPrerequisites,
  hook,
  launchChromium,
  openApp,
  pollFor,
  screenshot,
  waitForState,
} from './support';

let sshd: Sshd;
let host: TestHost | undefined;
let browser: Browser;
let configFile: string;
let configDir: string;
let echo: Awaited<ReturnType<typeof startEchoService>> | undefined;

beforeAll(async () => {
  await checkPrerequisites();
  sshd = await startSshd({ label: 'e2e-forwards' });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hft-e2e-fwd-'));
  const knownHosts = path.join(dir, 'known_hosts');
  await copyFile(sshd.knownHostsFile, knownHosts);
  configFile = path.join(dir, 'ssh_config');
  const lines = [
    'Host *',
    `  IdentityFile ${sshd.keyPath}`,
    '  IdentitiesOnly yes',
    '  IdentityAgent none',
    `  UserKnownHostsFile ${knownHosts}`,
    '  GlobalKnownHostsFile /dev/null',
    '  StrictHostKeyChecking yes',
  ];
  await writeFile(configFile, `${lines.join('\n')}\n`, { mode: 0o600 });
  configDir = await mkdtemp(path.join(os.tmpdir(), 'hft-e2e-config-'));
  // The service on the server's side (sshd runs on this machine): an echo.
  echo = await startEchoService();
  browser = await launchChromium();
});

afterAll(async () => {
  echo?.close();
  await browser?.close();
  await host?.close();
  await stopAllSshd();
});

describe('port forwards in the app', () => {
  it('adds a forward in the editor and shows it in the panel with a live connection', async () => {
    host = await startTestHost({ destinationDefaults: { configFile }, configDir });
    const { page, report } = await openApp(browser, host);
    const echoPort = echo!.port;
    const local = await getFreePort();

    await page.click('button.hosts-toggle');
    await page.click('text=Add host');
    await page.getByLabel('Name').fill('fwd');
    await page.getByLabel('Host', { exact: true }).fill(sshd.host);
    await page.getByLabel('Port').fill(String(sshd.port));
    await page.getByLabel('User').fill(sshd.user);
    // A bad forward is refused next to its field, with the form to write.
    await page.getByLabel('Forwards (-L, -R, -D)').fill(`-L ${local}`);
    await page.click('.host-editor button[type="submit"]');
    const fieldError = page.locator('.form-field[data-field="forwards"] .field-error');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toMatch(
      /Bad -L forwarding .* Write \[bind_address:\]port:host:hostport/,
    );
    await page.getByLabel('Forwards (-L, -R, -D)').fill(`-L ${local}:127.0.0.1:${echoPort}`);
    await page.click('.host-editor button[type="submit"]');
    const row = page.locator('.host[data-profile="fwd"]');
    await row.waitFor();

    // Opening a tab to the host starts its forward.
    await row.locator('.session-name').dblclick();
    const tab = await hook(page, 'activeIndex');
    await waitForState(page, tab, 'connected');
    await page.click('button.hosts-toggle');
    await page.click('button:has-text("Forwards")');
    const fwd = page.locator(
      `[data-panel="forwards"] [data-forward="-L ${local}:127.0.0.1:${echoPort}"]`,
    );
    await pollFor(
      'the forward listening',
      () => fwd.getAttribute('data-state'),
      (s) => s === 'listening',
    );
    expect(await fwd.textContent()).toContain(`127.0.0.1:${local}`);

    // A client connected through it shows as a live connection with its bytes.
    const client = net.connect(local, '127.0.0.1');
    client.on('error', () => {});
    client.write('x'.repeat(5000));
    await new Promise<void>((r) => {
      let n = 0;
      client.on('data', (d: Buffer) => {
        n += d.length;
        if (n >= 5000) r();
      });
    });
    const conn = fwd.locator('[data-connection-state="open"]');
    await pollFor(
      'the live connection',
      () => conn.count(),
      (n) => n === 1,
    );
    await pollFor(
      'its counters',
      () => conn.textContent(),
      (t) => t?.includes('4.9 KiB') ?? false,
    );
    await screenshot(page, 'forwards-panel');

    // Closed: it leaves the list, the total stays.
    client.end();
    await pollFor(
      'the connection gone',
      () => conn.count(),
      (n) => n === 0,
    );
    expect(await fwd.textContent()).toMatch(/1 connection\(s\) so far/);
    expect(report.errors).toEqual([]);
    expect(report.cspViolations).toEqual([]);

    // The app quits with a connection open: its session on the server ends with it.
    // (running ones: the connection closed above has exited, and its session waits a few
    // seconds for a collector before it goes)
    const carried = async () =>
      (await sshd.exec('~/.holdfast/bin/holdfast-agent ls')).stdout
        .split('\n')
        .filter((l) => / running /.test(l) && l.endsWith(`nc 127.0.0.1 ${echoPort}`));
    const open = net.connect(local, '127.0.0.1');
    open.on('error', () => {});
    open.write('held');
    await new Promise<void>((r) => open.once('data', () => r()));
    expect(await carried()).toHaveLength(1);
    await host.close();
    host = undefined;
    expect(await carried()).toEqual([]);
    open.destroy();
  });
});
