/**
 * The terminal's look in Settings, in real Chromium against a real sshd: a built-in colour
 * scheme (Dracula) paints the terminal and stays after a reload; a Windows Terminal scheme
 * file imports and is chosen, and a file that is not a scheme is refused in words; the
 * cursor style changes live; the scrollback length bounds what the terminal keeps; the font
 * picker lists the installed monospace fonts and a font, size and line height reshape the
 * terminal; and a saved host's colour (production in red) marks its tabs and its colour
 * scheme paints its terminals, also after a restart.
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
  openApp,
  pollFor,
  quickConnect,
  screenshot,
  setPrompt,
  typeInTerminal,
  waitForLine,
  waitForState,
} from './support';

const ALIAS = 'hf-e2e-look';

const bed = useBrowserBed('e2e-look', ALIAS);

async function connected(page: Page): Promise<number> {
  const tab = await quickConnect(page, ALIAS);
  await waitForState(page, tab, 'connected');
  await setPrompt(page, tab);
  return tab;
}

const background = (page: Page) =>
  page
    .locator('.pane.active .xterm-viewport')
    .evaluate((el) => getComputedStyle(el).backgroundColor);

async function openSettings(page: Page): Promise<void> {
  await page.click('button[aria-label="Settings"]');
  await page.locator('[data-section="terminal-look"]').waitFor();
}

describe('colour schemes', () => {
  it('paints the terminal with a built-in scheme, kept after a reload', async () => {
    const page = await bed.app();
    await connected(page);
    await openSettings(page);
    await page.selectOption('select[aria-label="Colour scheme"]', 'dracula');
    await pollFor(
      'Dracula’s background',
      () => background(page),
      (c) => c === 'rgb(40, 42, 54)',
    );
    await screenshot(page, 'scheme-dracula');
    await page.reload();
    await page.waitForSelector('.quick-input');
    await connected(page);
    await pollFor(
      'Dracula’s background after the reload',
      () => background(page),
      (c) => c === 'rgb(40, 42, 54)',
    );
  });

  it('imports a Windows Terminal scheme and refuses a file that is not one', async () => {
    const page = await bed.app();
    await connected(page);
    await openSettings(page);
    const colours = Object.fromEntries(
      [
        'black',
        'red',
        'green',
        'yellow',
        'blue',
        'purple',
        'cyan',
        'white',
        'brightBlack',
        'brightRed',
        'brightGreen',
        'brightYellow',
        'brightBlue',
        'brightPurple',
        'brightCyan',
        'brightWhite',
      ].map((k, i) => [k, `#${(i * 16).toString(16).padStart(2, '0')}2040`]),
    );
    const scheme = { name: 'Deep Sea', background: '#102030', foreground: '#e0f0ff', ...colours };
    const input = page.locator('input[aria-label="Scheme file"]');
    await input.setInputFiles({
      name: 'deep-sea.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(scheme)),
    });
    await pollFor(
      'the imported scheme painted',
      () => background(page),
      (c) => c === 'rgb(16, 32, 48)',
    );
    expect(await page.locator('select[aria-label="Colour scheme"]').inputValue()).toBe(
      'custom:Deep Sea',
    );

    await input.setInputFiles({
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('just some notes'),
    });
    const note = page.locator('[data-section="terminal-look"] [role="status"]');
    await pollFor(
      'the refusal in words',
      () => note.textContent(),
      (t) => /neither an iTerm2 \.itermcolors file nor a Windows Terminal scheme/.test(t ?? ''),
    );
    expect(await background(page)).toBe('rgb(16, 32, 48)');
  });
});

describe('cursor and scrollback', () => {
  it('draws a bar cursor when chosen, and keeps only the scrollback asked for', async () => {
    const page = await bed.app();
    const tab = await connected(page);
    await openSettings(page);
    await page.click('[aria-label="Cursor style"] button:has-text("Bar")');
    const scrollback = page.getByLabel('Scrollback (lines)');
    await scrollback.fill('100');
    await scrollback.press('Enter');
    await page.click('button[aria-label="Close settings"]');
    await page.locator('.pane.active .xterm-cursor-bar').waitFor({ timeout: 10_000 });

    await typeInTerminal(page, 'seq 1 2000\n');
    await waitForLine(page, tab, /^2000$/);
    const { rows } = (await hook(page, 'size', tab)) ?? { rows: 0 };
    const lines = (await hook(page, 'screenText', tab)).split('\n');
    expect(lines.length).toBeLessThanOrEqual(100 + rows);
    expect(lines).not.toContain('1000');
  });
});

describe('font, size and line height', () => {
  it('lists the installed monospace fonts, and a font, size and line height reshape the terminal', async () => {
    const page = await bed.app();
    const tab = await connected(page);
    await openSettings(page);
    const families = await page
      .locator('select[aria-label="Font family"] option')
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    // DejaVu Sans Mono is on this machine (fonts-dejavu); Consolas is not.
    expect(families).toContain('DejaVu Sans Mono');
    expect(families).not.toContain('Consolas');
    // Every installed font, where the user lets the page list them (Local Font Access).
    await page.context().grantPermissions(['local-fonts']);
    await page.click('button:has-text("List every installed font")');
    await pollFor(
      'the installed fonts listed',
      () => page.locator('[data-font-note]').textContent(),
      (t) => /^\d+ monospace fonts? installed$/.test(t ?? ''),
    );
    const listed = await page
      .locator('select[aria-label="Font family"] option')
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(listed).toContain('DejaVu Sans Mono');
    expect(listed).not.toContain('DejaVu Sans'); // installed, but proportional
    await page.selectOption('select[aria-label="Font family"]', 'DejaVu Sans Mono');
    await pollFor(
      'the chosen font in xterm',
      () => hook(page, 'termOptions', tab),
      (o) => o?.fontFamily === '"DejaVu Sans Mono", monospace',
    );
    expect(await page.getByLabel('Font list (CSS)').inputValue()).toBe(
      '"DejaVu Sans Mono", monospace',
    );

    const before = await hook(page, 'size', tab);
    await page.getByLabel('Font size').fill('20');
    await pollFor(
      'fewer columns in a larger font',
      () => hook(page, 'size', tab),
      (s) => s !== undefined && before !== undefined && s.cols < before.cols,
    );
    const larger = await hook(page, 'size', tab);
    await page.getByLabel('Line height').fill('1.5');
    await pollFor(
      'fewer rows with taller lines',
      () => hook(page, 'size', tab),
      (s) => s !== undefined && larger !== undefined && s.rows < larger.rows,
    );
    await page.getByLabel('Blinking cursor').uncheck();
    const options = await hook(page, 'termOptions', tab);
    expect(options).toMatchObject({ fontSize: 20, lineHeight: 1.5, cursorBlink: false });
    await screenshot(page, 'font-settings');
  });
});

describe('a saved host’s colour', () => {
  let withProfiles: TestHost | undefined;
  afterAll(async () => {
    await withProfiles?.close();
  });

  it('marks the tabs of that host, also after a restart', async () => {
    const configDir = await mkdtemp(path.join(os.tmpdir(), 'hft-e2e-look-'));
    withProfiles = await startTestHost({
      destinationDefaults: { configFile: bed.configFile },
      configDir,
    });
    const page = bed.track(await openApp(bed.browser, withProfiles));
    await page.click('button.hosts-toggle');
    await page.click('text=Add host');
    await page.getByLabel('Name').fill('prod');
    await page.getByLabel('Follow ssh_config Host').fill(ALIAS);
    await page.click('.color-presets button[aria-label="Red"]');
    expect(await page.getByLabel('Tab colour', { exact: true }).inputValue()).toBe('#d0443a');
    // Its terminals in Dracula, whatever the app's scheme.
    await page.selectOption('select[aria-label="Host colour scheme"]', 'dracula');
    await page.click('.host-editor button[type="submit"]');
    const row = page.locator('.host[data-profile="prod"]');
    await row.waitFor();
    await row.locator('.session-name').dblclick();
    await waitForState(page, 0, 'connected');
    const stripe = () =>
      page.locator('.tab >> nth=0').evaluate((el) => getComputedStyle(el).boxShadow);
    await pollFor('the red stripe on the tab', stripe, (s) => s.includes('rgb(208, 68, 58)'));
    await pollFor(
      'the host’s scheme in its terminal',
      () => hook(page, 'termOptions', 0),
      (o) => o?.background === '#282a36',
    );
    await screenshot(page, 'host-colour');
    // A tab to another destination keeps the app's scheme.
    await page.click('button.new-tab');
    const other = await quickConnect(page, ALIAS);
    await waitForState(page, other, 'connected');
    expect((await hook(page, 'termOptions', other))?.background).not.toBe('#282a36');
    await page.locator('.tab >> nth=0').click();

    await page.reload();
    await pollFor(
      'the restored tab, red again',
      async () => ({ state: await hook(page, 'state', 0), stripe: await stripe() }),
      (r) => r.state === 'connected' && r.stripe.includes('rgb(208, 68, 58)'),
    );
    await pollFor(
      'the host’s scheme after the restart',
      () => hook(page, 'termOptions', 0),
      (o) => o?.background === '#282a36',
    );
  });
});
