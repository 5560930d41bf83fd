/**
 * The first connect a new user makes, in the desktop UI, to an account like the ones real
 * servers have: a `.bashrc` that prints a banner on stdout and a quota note on stderr for
 * every shell (and a `.profile` with the banner), a `~/.ssh/rc` that prints too, and a server that forbids stream-local
 * forwarding (so the protocol runs through the agent's bridge, behind those banners).
 * The tab connects to a held session (not a plain shell), the prompt works, and after a
 * dead link it resumes the same session with the output made meanwhile.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy';
import { run } from '../support/proc';
import { startSshd, stopAllSshd, type Sshd } from '../support/sshd';
import { startTestHost, type TestHost } from '../support/testHost';
import {
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
  writeProxiedSshConfig,
  type PageReport,
} from './support';

const ALIAS = 'hf-noisy';
const BANNER = 'Welcome to the build box';

let sshd: Sshd;
let proxy: FaultProxy;
let host: TestHost;
let browser: Browser;
const reports: PageReport[] = [];

beforeAll(async () => {
  await checkPrerequisites();
  sshd = await startSshd({ label: 'e2e-noisy', extraConfig: ['AllowStreamLocalForwarding no'] });
  const ids = (await run('getent', ['passwd', sshd.user])).stdout.split(':');
  const owner = ['chown', `${ids[2]}:${ids[3]}`];
  await writeFile(
    path.join(sshd.home, '.bashrc'),
    `echo "${BANNER}"\necho "quota: 93% of your home is used" >&2\n`,
  );
  // A login shell reads .profile: the banner a user sees in the tab, as with ssh.
  await writeFile(path.join(sshd.home, '.profile'), `echo "${BANNER}"\n`);
  await mkdir(path.join(sshd.home, '.ssh'), { recursive: true });
  await writeFile(path.join(sshd.home, '.ssh', 'rc'), 'echo "ssh-rc says hello"\n');
  await run(owner[0]!, [
    owner[1]!,
    path.join(sshd.home, '.bashrc'),
    path.join(sshd.home, '.ssh', 'rc'),
  ]);
  proxy = await startFaultProxy({ target: { host: sshd.host, port: sshd.port } });
  const configFile = await writeProxiedSshConfig(sshd, proxy, ALIAS);
  host = await startTestHost({
    destinationDefaults: { configFile },
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

describe('an account whose start-up files print', () => {
  it('gets a held session through the bridge, and it resumes after a dead link', async () => {
    const page = await app();
    const tab = await quickConnect(page, ALIAS);
    const connected = (await waitForState(page, tab, 'connected')) as {
      detail: { resilient?: boolean };
    };
    expect(connected.detail.resilient).not.toBe(false);
    // The login shell prints its banner in the session, as with ssh.
    await waitForLine(page, tab, new RegExp(`^${BANNER}$`));
    await setPrompt(page, tab);
    expect(await page.locator('body').textContent()).not.toMatch(/will not survive/);
    const sessionId = await hook(page, 'sessionId', tab);
    expect(sessionId).toMatch(/^[a-z2-7]{10}$/);

    await typeInTerminal(page, 'sleep 2; echo "noisy-$((20 + 22))"\n');
    proxy.blackhole();
    await pollFor(
      'the tab to notice the dead link',
      () => hook(page, 'state', tab),
      (s) => s === 'reconnecting' || s === 'offline',
    );
    proxy.pass();
    await waitForState(page, tab, 'connected');
    expect(await hook(page, 'sessionId', tab)).toBe(sessionId);
    await waitForLine(page, tab, /^noisy-42$/);
    await typeInTerminal(page, 'echo "typed-$((1 + 1))"\n');
    await waitForLine(page, tab, /^typed-2$/);
    await page.close();
  });
});
