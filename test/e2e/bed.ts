// What every browser test file sets up the same way: its own sshd (with an ssh_config alias
// and a known_hosts of its own, host keys checked strictly), a test host running the real
// engine, and Debian's Chromium; after each test, no contract violation, no page error and
// no CSP violation; everything stopped at the end. With `viaProxy`, the alias reaches the
// sshd through a fault proxy (black holes, resets) and the engine notices a dead link
// within about a second. (Kept apart from support.ts, which the bench imports outside
// Vitest.)

import { copyFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy';
import { startSshd, stopAllSshd, type Sshd, type SshdOptions } from '../support/sshd';
import { startTestHost, type TestHost } from '../support/testHost';
import {
  checkPrerequisites,
  launchChromium,
  openApp,
  writeProxiedSshConfig,
  writeSshConfig,
  type PageReport,
} from './support';

export type BrowserBed = {
  readonly alias: string;
  sshd: Sshd;
  /** The ssh_config the test host adds to every destination (for a second host of a test). */
  configFile: string;
  host: TestHost;
  browser: Browser;
  /** Opens the app in a fresh context; its page is checked and closed after the test. */
  app(viewport?: { width: number; height: number }): Promise<Page>;
  /** The same checks for a page opened otherwise (another browser). */
  track(opened: { page: Page; report: PageReport }): Page;
  /** With `viaProxy`: the fault proxy between the engine and the sshd. */
  proxy: FaultProxy;
  /** A second test host of the test's own (checked after the test, closed at the end). */
  extraHost(host: TestHost): TestHost;
};

/**
 * A dead link is noticed within about a second instead of the default 15 s (keepalive
 * every 400 ms, two missed), for tests that play a dead network.
 */
const FAST_KEEPALIVE = { intervalMs: 400, countMax: 2 };

/** Registers the file's beforeAll/afterEach/afterAll hooks; the fields are set once they ran. */
export function useBrowserBed(
  label: string,
  alias: string,
  sshdOptions: SshdOptions = {},
  opts: { viaProxy?: boolean } = {},
): BrowserBed {
  const pages: { page: Page; report: PageReport }[] = [];
  const extraHosts: TestHost[] = [];
  const bed = {
    alias,
    async app(viewport?: { width: number; height: number }): Promise<Page> {
      const opened = await openApp(bed.browser, bed.host, viewport);
      return bed.track(opened);
    },
    track(opened: { page: Page; report: PageReport }): Page {
      pages.push(opened);
      return opened.page;
    },
    extraHost(host: TestHost): TestHost {
      extraHosts.push(host);
      return host;
    },
  } as BrowserBed;

  beforeAll(async () => {
    await checkPrerequisites();
    bed.sshd = await startSshd({ ...sshdOptions, label });
    if (opts.viaProxy) {
      bed.proxy = await startFaultProxy({ target: { host: bed.sshd.host, port: bed.sshd.port } });
      bed.configFile = await writeProxiedSshConfig(bed.sshd, bed.proxy, alias);
    } else {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'hft-e2e-kh-'));
      const knownHosts = path.join(dir, 'known_hosts');
      await copyFile(bed.sshd.knownHostsFile, knownHosts);
      bed.configFile = await writeSshConfig(bed.sshd, {
        alias,
        knownHostsFile: knownHosts,
        strictHostKeyChecking: 'yes',
      });
    }
    bed.host = await startTestHost({
      destinationDefaults: { configFile: bed.configFile },
      ...(opts.viaProxy ? { engine: { keepalive: FAST_KEEPALIVE } } : {}),
    });
    bed.browser = await launchChromium();
  });

  afterEach(async (ctx) => {
    if ((ctx.task.result?.errors?.length ?? 0) > 0) {
      // What the engine and the server said, for whoever reads the failure.
      console.log(`test host log:\n${bed.host.log.slice(-40).join('\n')}`);
      console.log(`sshd log:\n${(await bed.sshd.readLog()).split('\n').slice(-40).join('\n')}`);
    }
    // No call may break the contract, and the page may log no errors, in any scenario.
    expect(bed.host.violations).toEqual([]);
    for (const extra of extraHosts) expect(extra.violations).toEqual([]);
    for (const { page, report } of pages.splice(0)) {
      if (!page.isClosed()) await page.close();
      expect(report.cspViolations).toEqual([]);
      expect(report.errors).toEqual([]);
    }
  });

  afterAll(async () => {
    await bed.browser?.close();
    await bed.host?.close();
    for (const extra of extraHosts) await extra.close();
    await bed.proxy?.close();
    await stopAllSshd();
  });

  return bed;
}
