/**
 * Shared by the browser end-to-end tests: Debian's Chromium through playwright-core (never
 * a downloaded browser), the page of the test host, an ssh_config per scenario pointing at
 * the real sshd, and readers of the terminal's own buffer (window.__holdfastTest).
 * Everything waits by polling for a state, never by sleeping.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumSwitchArgs } from '../../main/app/chromiumSwitches';
import type { HoldfastTestHooks } from '../../renderer/src/testHooks';
import type { Sshd } from '../support/sshd';
import type { TestHost } from '../support/testHost';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const ARTIFACTS = path.join(REPO, 'test', 'artifacts', 'e2e');

/** Quiet, offline, GPU-less Chromium: the flags every browser test launches with. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // The desktop app's own scheduler switches (main/app/chromiumSwitches.ts).
  ...chromiumSwitchArgs(),
];

/**
 * Fails with the fix when Chromium or a fresh renderer build is missing. Waits a little for
 * out/renderer to appear, since a build running at the same time empties it first.
 */
export async function checkPrerequisites(): Promise<void> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: sudo apt-get install -y chromium`);
  }
  const built = path.join(REPO, 'out', 'renderer', 'index.html');
  for (let waited = 0; !existsSync(built) && waited < BUILD_WAIT_MS; waited += 250) {
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!existsSync(built)) throw new Error('out/renderer is not built: run `node build/build.mjs`');
  const builtAt = statSync(built).mtimeMs;
  const newer = newestSource([path.join(REPO, 'renderer'), path.join(REPO, 'main', 'contract')]);
  if (newer && newer.mtime > builtAt) {
    throw new Error(
      `out/renderer is older than ${path.relative(REPO, newer.file)}: run \`node build/build.mjs\``,
    );
  }
}

/** How long to wait for a renderer build that is in progress (a Vite build takes ~5 s). */
const BUILD_WAIT_MS = 30_000;

function newestSource(dirs: string[]): { file: string; mtime: number } | undefined {
  let best: { file: string; mtime: number } | undefined;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.(tsx?|css|html)$/.test(entry.name)) {
        const mtime = statSync(file).mtimeMs;
        if (!best || mtime > best.mtime) best = { file, mtime };
      }
    }
  };
  for (const dir of dirs) walk(dir);
  return best;
}

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** What the page said: console errors, uncaught exceptions, CSP violations. */
export type PageReport = { errors: string[]; cspViolations: string[] };

/** Opens the app from the test host in a new page and collects what goes wrong in it. */
export async function openApp(
  browser: Browser,
  host: TestHost,
  viewport = { width: 1100, height: 700 },
  /** What shows the app is up: the first tab's form; a page restoring tabs may skip it. */
  ready = '.quick-input',
): Promise<{ page: Page; report: PageReport }> {
  const context = await browser.newContext({ viewport, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const report: PageReport = { errors: [], cspViolations: [] };
  page.on('pageerror', (e) => report.errors.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    const text = m.text();
    if (text.startsWith('csp-violation ')) report.cspViolations.push(text.slice(14));
    else if (m.type() === 'error') report.errors.push(text);
  });
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) =>
      console.log('csp-violation ' + e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));`,
  });
  await page.goto(host.pageUrl);
  await page.waitForSelector(ready);
  return { page, report };
}

/** window.__holdfastTest as the tests see it. */
export type TestHooks = HoldfastTestHooks;

/** Calls one test hook in the page. */
export function hook<K extends keyof TestHooks>(
  page: Page,
  name: K,
  ...args: Parameters<TestHooks[K]>
): Promise<ReturnType<TestHooks[K]>> {
  return page.evaluate(
    ({ name, args }) => {
      const hooks = (
        globalThis as unknown as { __holdfastTest?: Record<string, (...a: unknown[]) => unknown> }
      ).__holdfastTest;
      if (!hooks)
        throw new Error('no test hooks in this page (is it served by the test host with test=1?)');
      return hooks[name]?.(...args);
    },
    { name, args: args as unknown[] },
  ) as Promise<ReturnType<TestHooks[K]>>;
}

/**
 * Polls `read` until `accept` takes its value; on timeout the error names `what` and the
 * last value seen, which is what a failing test needs to say.
 */
export async function pollFor<T>(
  what: string,
  read: () => T | Promise<T>,
  accept: (value: T) => boolean = (v) => Boolean(v),
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) {
      const seen = JSON.stringify(value);
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last saw: ${seen?.slice(-2000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const screenText = (page: Page, tab: number): Promise<string> =>
  hook(page, 'screenText', tab);

/** Waits until a line of tab `tab` matches `pattern` (whole buffer, scrollback included). */
export async function waitForLine(
  page: Page,
  tab: number,
  pattern: RegExp,
  timeoutMs = 20_000,
): Promise<string> {
  const text = await pollFor(
    `a line matching ${pattern} in tab ${tab}`,
    () => screenText(page, tab),
    (t) => t.split('\n').some((line) => pattern.test(line)),
    timeoutMs,
  );
  return text.split('\n').find((line) => pattern.test(line)) as string;
}

export function waitForState(
  page: Page,
  tab: number,
  state: string,
  timeoutMs = 30_000,
): Promise<unknown> {
  return pollFor(
    `tab ${tab} to be ${state}`,
    async () => ({
      kind: await hook(page, 'state', tab),
      detail: await hook(page, 'stateDetail', tab),
    }),
    (s) => s.kind === state,
    timeoutMs,
  );
}

/** Types into the quick-connect field of the active (new) tab and connects; returns its index. */
export async function quickConnect(page: Page, text: string): Promise<number> {
  const input = page.locator('.pane.active .quick-input');
  await input.fill(text);
  await input.press('Enter');
  return hook(page, 'activeIndex');
}

/** Opens a new tab (the + button) and connects it to `text`; returns its index. */
export async function newTab(page: Page, text: string): Promise<number> {
  await page.click('button.new-tab');
  return quickConnect(page, text);
}

/** Focuses the active tab's terminal and types `text` as keystrokes. */
export async function typeInTerminal(page: Page, text: string): Promise<void> {
  await page.locator('.pane.active .xterm-helper-textarea').focus();
  await page.keyboard.type(text);
}

/**
 * Splits the focused pane with its shortcut (`right`: Ctrl+Shift+E, `down`: Ctrl+Shift+D)
 * and waits for the new pane (last in its tab, so at the end of the hooks' indices when
 * the tab is the last one) to be connected and focused; returns its index.
 */
export async function splitPane(page: Page, way: 'right' | 'down'): Promise<number> {
  const before = await hook(page, 'tabCount');
  await page.locator('.pane.active .xterm-helper-textarea').focus();
  await page.keyboard.press(way === 'right' ? 'Control+Shift+E' : 'Control+Shift+D');
  await pollFor(
    'a new pane',
    () => hook(page, 'tabCount'),
    (n) => n === before + 1,
  );
  const pane = await pollFor(
    'the new pane focused',
    () => hook(page, 'activeIndex'),
    (i) => i >= 0,
  );
  await waitForState(page, pane, 'connected');
  return pane;
}

/** Moves the focus with Ctrl+Shift+arrow and waits for pane `expected` to have it. */
export async function moveFocus(
  page: Page,
  arrow: 'Left' | 'Right' | 'Up' | 'Down',
  expected: number,
): Promise<void> {
  await page.locator('.pane.active .xterm-helper-textarea').focus();
  await page.keyboard.press(`Control+Shift+Arrow${arrow}`);
  await pollFor(
    `pane ${expected} focused`,
    () => hook(page, 'activeIndex'),
    (i) => i === expected,
  );
}

/** Sets a prompt the tests can recognise, and waits for it. */
export async function setPrompt(page: Page, tab: number, prompt = 'hf-ready'): Promise<void> {
  await typeInTerminal(page, `export PS1='${prompt}\\$ '\n`);
  await waitForLine(page, tab, new RegExp(`^${prompt}\\$\\s*$`));
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

/**
 * An ssh_config with one Host block for `sshd`, under an alias of our own, with the
 * known_hosts file and host-key policy a scenario needs (the bed's own config says
 * BatchMode yes and StrictHostKeyChecking yes, which rule out prompts).
 */
export async function writeSshConfig(
  sshd: Pick<Sshd, 'host' | 'port' | 'user' | 'keyPath'>,
  opts: { alias: string; knownHostsFile: string; strictHostKeyChecking: 'yes' | 'ask' },
): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hft-e2e-'));
  const file = path.join(dir, 'ssh_config');
  const lines = [
    `Host ${opts.alias}`,
    `  HostName ${sshd.host}`,
    `  Port ${sshd.port}`,
    `  User ${sshd.user}`,
    `  IdentityFile ${sshd.keyPath}`,
    '  IdentitiesOnly yes',
    '  IdentityAgent none',
    `  UserKnownHostsFile ${opts.knownHostsFile}`,
    '  GlobalKnownHostsFile /dev/null',
    `  StrictHostKeyChecking ${opts.strictHostKeyChecking}`,
    '  ConnectTimeout 10',
  ];
  await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  return file;
}

/**
 * An ssh_config whose `alias` reaches `sshd` through a proxy on 127.0.0.1 (the fault
 * proxy): the engine dials the proxy, so known_hosts names the proxy's address with the
 * server's key; host keys checked strictly.
 */
export async function writeProxiedSshConfig(
  sshd: Pick<Sshd, 'user' | 'keyPath' | 'knownHostsLine'>,
  proxy: { host: string; port: number },
  alias: string,
): Promise<string> {
  const key = sshd.knownHostsLine.trim().split(/\s+/).slice(1).join(' ');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hft-e2e-kh-'));
  const knownHostsFile = path.join(dir, 'known_hosts');
  await writeFile(knownHostsFile, `[127.0.0.1]:${proxy.port} ${key}\n`, { mode: 0o600 });
  return writeSshConfig(
    { host: proxy.host, port: proxy.port, user: sshd.user, keyPath: sshd.keyPath },
    { alias, knownHostsFile, strictHostKeyChecking: 'yes' },
  );
}

/** One ssh_config with a block per alias, each as {@link writeSshConfig} writes it. */
export async function writeSshConfigs(
  sshd: Pick<Sshd, 'host' | 'port' | 'user' | 'keyPath'>,
  blocks: Parameters<typeof writeSshConfig>[1][],
): Promise<string> {
  const files = await Promise.all(blocks.map((b) => writeSshConfig(sshd, b)));
  const text = (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('');
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'hft-e2e-')), 'ssh_config');
  await writeFile(file, text, { mode: 0o600 });
  return file;
}

/** OpenSSH's `SHA256:...` fingerprint of a known_hosts line's key. */
export function fingerprintOf(knownHostsLine: string): string {
  const blob = knownHostsLine.trim().split(/\s+/)[2] ?? '';
  const digest = createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}
