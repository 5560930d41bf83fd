/**
 * Local echo prediction in real Chromium, over a real sshd behind a 120 ms round trip (the
 * delay relay, test/support/delayProxy.ts). What these prove: a typed character is on the
 * page (the prediction layer) within 5 ms of its keydown, long before its echo; once the
 * echoes are in, nothing predicted is left and the terminal shows exactly the session's
 * output; at a `read -s` password prompt not one typed character is ever drawn; and
 * Settings → Terminal → Local echo → Never turns it off in an open tab.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDelayProxy, type DelayProxy } from '../support/delayProxy';
import { startSshd, stopAllSshd, type Sshd } from '../support/sshd';
import { startTestHost, type TestHost } from '../support/testHost';
import {
  checkPrerequisites,
  hook,
  launchChromium,
  openApp,
  pollFor,
  quickConnect,
  screenText,
  screenshot,
  setPrompt,
  typeInTerminal,
  waitForLine,
  waitForState,
  writeSshConfig,
  type PageReport,
} from './support';

const ALIAS = 'hf-e2e-far';
const RTT_MS = 120;
/** The goal for a predicted character: on screen within 5 ms of the key. */
const SHOWN_WITHIN_MS = 5;
/** Between keys, as a quick typist (~40 words a minute is 200 ms; this is faster). */
const KEY_DELAY_MS = 40;

let sshd: Sshd;
let link: DelayProxy;
let host: TestHost;
let browser: Browser;
const reports: PageReport[] = [];

beforeAll(async () => {
  await checkPrerequisites();
  sshd = await startSshd({ label: 'e2e-predict' });
  link = await startDelayProxy({ target: { host: sshd.host, port: sshd.port }, rttMs: RTT_MS });
  const key = sshd.knownHostsLine.trim().split(/\s+/).slice(1).join(' ');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hft-e2e-kh-'));
  const knownHosts = path.join(dir, 'known_hosts');
  await writeFile(knownHosts, `[127.0.0.1]:${link.port} ${key}\n`, { mode: 0o600 });
  const configFile = await writeSshConfig(
    { host: '127.0.0.1', port: link.port, user: sshd.user, keyPath: sshd.keyPath },
    { alias: ALIAS, knownHostsFile: knownHosts, strictHostKeyChecking: 'yes' },
  );
  host = await startTestHost({ destinationDefaults: { configFile } });
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
  await link?.close();
  await stopAllSshd();
});

async function connected(): Promise<{ page: Page; tab: number }> {
  const { page, report } = await openApp(browser, host);
  reports.push(report);
  const tab = await quickConnect(page, ALIAS);
  await waitForState(page, tab, 'connected', 60_000);
  // Typing the prompt is also what lets the tab measure the echo's delay.
  await setPrompt(page, tab);
  return { page, tab };
}

type KeyTiming = { key: string; t0: number; t1: number | null; line: string | null };

/**
 * Records in the page, for each printable keydown, when a predicted cell with that
 * character first appeared in the active tab's prediction layer (a MutationObserver fires
 * right after the DOM changed), and the terminal's own cursor line at that moment.
 */
async function watchPredictions(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __keys: KeyTiming[]; __everDrawn: string[] };
    w.__keys = [];
    w.__everDrawn = [];
    window.addEventListener(
      'keydown',
      (e) => {
        if (e.key.length === 1)
          w.__keys.push({ key: e.key, t0: performance.now(), t1: null, line: null });
      },
      true,
    );
    const screen = document.querySelector('.pane.active .xterm-screen');
    if (!screen) throw new Error('no terminal screen in the active pane');
    new MutationObserver(() => {
      const now = performance.now();
      const cells = [...screen.querySelectorAll('.hf-predict-cell')].map(
        (e) => e.textContent ?? '',
      );
      for (const text of cells) if (text.trim() !== '') w.__everDrawn.push(text);
      const hooks = window.__holdfastTest!;
      const lines = hooks.viewportText(hooks.activeIndex()).split('\n');
      for (const k of w.__keys) {
        if (k.t1 === null && cells.includes(k.key)) {
          k.t1 = now;
          k.line = lines[lines.length - 1] ?? '';
        }
      }
    }).observe(screen, { subtree: true, childList: true, characterData: true });
  });
}

const keyTimings = (page: Page): Promise<KeyTiming[]> =>
  page.evaluate(() => (window as unknown as { __keys: KeyTiming[] }).__keys);

describe('local echo prediction at 120 ms RTT', () => {
  it('draws typed characters within 5 ms, before the echo, and leaves exactly the real screen', async () => {
    const { page, tab } = await connected();
    await watchPredictions(page);
    // All different letters, so each key's own cell is recognised.
    const command = 'echo wxyz';
    await typeInTerminal(page, command.slice(0, 1));
    // The first key after Enter only probes whether the program echoes: not drawn.
    await waitForLine(page, tab, /^hf-ready\$ e$/);
    await page.keyboard.type(command.slice(1), { delay: KEY_DELAY_MS });
    const timings = await keyTimings(page);
    const first = timings[0]!;
    expect(first.t1).toBeNull();
    const drawn = timings.slice(1).filter((k) => k.key !== ' ');
    for (const k of drawn) {
      expect(k.t1, `"${k.key}" drawn`).not.toBeNull();
      expect(
        k.t1! - k.t0,
        `"${k.key}" drawn after ${(k.t1! - k.t0).toFixed(1)} ms`,
      ).toBeLessThanOrEqual(SHOWN_WITHIN_MS);
      // Drawn while the terminal itself did not have the character yet: before its echo.
      expect(k.line?.includes(`${command.slice(0, command.indexOf(k.key) + 1)}`)).toBe(false);
    }
    await screenshot(page, 'predict-typing');

    // The echoes arrive: nothing predicted is left, and the screen is the session's own.
    const line = await waitForLine(page, tab, /^hf-ready\$ echo wxyz$/);
    expect(line).toBe(`hf-ready$ ${command}`);
    await pollFor(
      'no predicted cells left',
      () => hook(page, 'predicted', tab),
      (p) => p.length === 0,
    );
    const before = await screenText(page, tab);
    await typeInTerminal(page, '\n');
    await waitForLine(page, tab, /^wxyz$/);
    expect(before.split('\n').filter((l) => l.includes(command))).toEqual([`hf-ready$ ${command}`]);
    expect(await hook(page, 'predicted', tab)).toEqual([]);
    await page.close();
  });

  it('draws nothing of what is typed at a read -s password prompt', async () => {
    const { page, tab } = await connected();
    await typeInTerminal(page, `read -s -p 'Secret: ' s; echo; echo "got-$s"\n`);
    await waitForLine(page, tab, /^Secret: $/);
    await watchPredictions(page);
    await page.keyboard.type('hunter2', { delay: KEY_DELAY_MS });
    // Well past every probe's wait for an echo that never comes.
    await new Promise((r) => setTimeout(r, 4 * RTT_MS));
    const everDrawn = await page.evaluate(
      () => (window as unknown as { __everDrawn: string[] }).__everDrawn,
    );
    expect(everDrawn).toEqual([]);
    expect(await hook(page, 'predicted', tab)).toEqual([]);
    await typeInTerminal(page, '\n');
    await waitForLine(page, tab, /^got-hunter2$/);
    expect(
      (await screenText(page, tab)).split('\n').filter((l) => l.startsWith('Secret:')),
    ).toEqual(['Secret: ']);
    await page.close();
  });

  it('draws nothing once Local echo is set to Never in Settings', async () => {
    const { page, tab } = await connected();
    await page.click('button[aria-label="Settings"]');
    await page.click('[aria-label="Local echo"] button:has-text("Never")');
    await page.click('button[aria-label="Close settings"]');
    const before = await hook(page, 'predictStats', tab);
    await watchPredictions(page);
    await typeInTerminal(page, 'e');
    await waitForLine(page, tab, /^hf-ready\$ e$/);
    await page.keyboard.type('cho abc', { delay: KEY_DELAY_MS });
    await waitForLine(page, tab, /^hf-ready\$ echo abc$/);
    const everDrawn = await page.evaluate(
      () => (window as unknown as { __everDrawn: string[] }).__everDrawn,
    );
    expect(everDrawn).toEqual([]);
    expect((await hook(page, 'predictStats', tab))?.shown).toBe(before?.shown);
    await page.close();
  });
});
