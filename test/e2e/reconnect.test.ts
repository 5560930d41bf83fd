/**
 * The point of Holdfast, seen in the UI: when the link dies the tab says so (reconnecting or
 * offline, with "Reconnect now"), the shell keeps running on the server, and once the
 * network heals the tab is back on the same session with the output produced meanwhile.
 * A fault proxy between the engine and a real sshd plays the dead Wi-Fi (black hole: no
 * RST, no FIN, like a laptop that changed networks). Also: a session whose shell exits
 * shows "session ended" with its exit code; and the tab bar's network indicator says all
 * connected, then how many tabs are waiting for their link, with "Reconnect all" dialing
 * for each of them.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy';
import { startSshd, stopAllSshd, type Sshd } from '../support/sshd';
import { startTestHost, type TestHost } from '../support/testHost';
import {
  checkPrerequisites,
  hook,
  launchChromium,
  openApp,
  pollFor,
  quickConnect,
  screenshot,
  setPrompt,
  typeInTerminal,
  waitForLine,
  waitForState,
  writeProxiedSshConfig,
  type PageReport,
} from './support';

const ALIAS = 'hf-flaky';

let sshd: Sshd;
let proxy: FaultProxy;
let host: TestHost;
let browser: Browser;
const reports: PageReport[] = [];

beforeAll(async () => {
  await checkPrerequisites();
  sshd = await startSshd({ label: 'e2e-reconnect' });
  proxy = await startFaultProxy({ target: { host: sshd.host, port: sshd.port } });
  const configFile = await writeProxiedSshConfig(sshd, proxy, ALIAS);
  host = await startTestHost({
    destinationDefaults: { configFile },
    // A dead link is noticed within about a second instead of the default 15 s.
    engine: { keepalive: { intervalMs: 400, countMax: 2 } },
  });
  browser = await launchChromium();
});

afterEach(() => {
  expect(host.violations).toEqual([]);
  for (const report of reports.splice(0)) {
    expect(report.cspViolations).toEqual([]);
    expect(report.errors).toEqual([]);
  }
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await proxy?.close();
  await stopAllSshd();
});

async function app(): Promise<Page> {
  const { page, report } = await openApp(browser, host);
  reports.push(report);
  return page;
}

describe('a link that dies', () => {
  it('shows reconnecting, then resumes the same session with the output made meanwhile', async () => {
    const page = await app();
    const tab = await quickConnect(page, ALIAS);
    await waitForState(page, tab, 'connected');
    await setPrompt(page, tab);
    const sessionId = await hook(page, 'sessionId', tab);

    // Output that the server produces while the tab cannot hear it.
    await typeInTerminal(page, 'sleep 2; echo "made-while-away-$((20 + 22))"\n');
    proxy.blackhole();
    await pollFor(
      'the tab to notice the dead link',
      () => hook(page, 'state', tab),
      (s) => s === 'reconnecting' || s === 'offline',
    );
    const strip = page.locator('.pane.active .status-strip');
    expect(await strip.textContent()).toMatch(/Reconnecting — attempt \d+|Offline for/);
    await screenshot(page, 'reconnecting');

    // "Reconnect now" dials at once, without waiting for the next scheduled try (the
    // attempt count shows it; an offline tab has no count, only the button).
    const attempt = async (): Promise<number | undefined> => {
      const detail = (await hook(page, 'stateDetail', tab)) as { attempt?: number } | undefined;
      return detail?.attempt;
    };
    const before = await attempt();
    await strip.locator('button:has-text("Reconnect now")').click();
    if (before !== undefined) {
      await pollFor('a new attempt', attempt, (n) => n !== undefined && n > before, 5_000);
    }

    // The network heals: the tab is back on the same session (the engine's own next try).
    proxy.pass();
    await waitForState(page, tab, 'connected');
    expect(await hook(page, 'sessionId', tab)).toBe(sessionId);
    await waitForLine(page, tab, /^made-while-away-42$/);
    // Typing works again on the resumed session.
    await typeInTerminal(page, 'echo "after-$((1 + 1))"\n');
    await waitForLine(page, tab, /^after-2$/);
    await screenshot(page, 'reconnected');
    await page.close();
  });

  it('shows that the session ended, with its exit code', async () => {
    const page = await app();
    const tab = await quickConnect(page, ALIAS);
    await waitForState(page, tab, 'connected');
    await setPrompt(page, tab);
    await typeInTerminal(page, 'exit 3\n');
    await waitForState(page, tab, 'ended');
    const bar = page.locator('.pane.active [data-view="ended"]');
    expect(await bar.textContent()).toMatch(/Session ended with exit code 3/);
    await screenshot(page, 'session-ended');
    await bar.locator('button:has-text("Close tab")').click();
    await pollFor(
      'the tab to close',
      () => hook(page, 'tabCount'),
      (n) => n === 0,
    );
    await page.close();
  });
});

describe('the network indicator', () => {
  it('says all connected, then how many tabs wait, and Reconnect all dials for each', async () => {
    const page = await app();
    const first = await quickConnect(page, ALIAS);
    await waitForState(page, first, 'connected');
    await page.click('button.new-tab');
    const second = await quickConnect(page, ALIAS);
    await waitForState(page, second, 'connected');
    const indicator = page.locator('.tabbar [data-network]');
    await pollFor(
      'all connected',
      () => indicator.textContent(),
      (t) => t === 'All connected',
    );

    proxy.blackhole();
    try {
      const waiting = await pollFor(
        'both tabs waiting for the link',
        () => indicator.textContent(),
        (t) =>
          /^(2 reconnecting|2 offline|1 reconnecting · 1 offline|Offline)Reconnect all$/.test(
            t ?? '',
          ),
      );
      expect(waiting).toMatch(/Reconnect all$/);
      await screenshot(page, 'network-indicator');
      const tabIds = [await hook(page, 'tabId', first), await hook(page, 'tabId', second)];
      const before = host.calls.length;
      await indicator.locator('button:has-text("Reconnect all")').click();
      await pollFor(
        'a dial asked for each tab',
        () =>
          host.calls
            .slice(before)
            .filter((c) => c.method === 'reconnectNow')
            .map((c) => c.args[0]),
        (ids) => tabIds.every((id) => ids.includes(id)),
        5_000,
      );
    } finally {
      proxy.pass();
    }
    await waitForState(page, first, 'connected');
    await waitForState(page, second, 'connected');
    await pollFor(
      'all connected again',
      () => indicator.textContent(),
      (t) => t === 'All connected',
    );
    await page.close();
  });
});
