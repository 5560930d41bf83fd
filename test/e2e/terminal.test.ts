/**
 * The desktop UI in real Chromium, driving the real engine (through the test host) against
 * a real sshd with the real agent. What these prove, one behaviour each: a tab runs a
 * command and shows its output; resizing the window resizes the remote pty; two tabs hold
 * two sessions; closing a tab detaches (the session stays listed and can be reopened);
 * a `yes` flood stays bounded, stops with Ctrl-C, and leaves other tabs responsive; a
 * Ctrl+clicked link goes to openExternal; the DOM renderer works when WebGL is missing.
 * Screenshots of each state go to test/artifacts/e2e/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_HIGH_WATERMARK_BYTES } from '../../main/host/engineBridge';
import { useBrowserBed } from './bed';
import {
  hook,
  launchChromium,
  newTab,
  openApp,
  pollFor,
  quickConnect,
  screenText,
  screenshot,
  setPrompt,
  typeInTerminal,
  waitForLine,
  waitForState,
} from './support';

const ALIAS = 'hf-e2e';

const bed = useBrowserBed('e2e-term', ALIAS);
const app = bed.app;

/** Connects the active new tab to the test server and waits for a known prompt. */
async function connectTab(page: Page, first: boolean): Promise<number> {
  const tab = first ? await quickConnect(page, ALIAS) : await newTab(page, ALIAS);
  await waitForState(page, tab, 'connected');
  await setPrompt(page, tab);
  return tab;
}

describe('terminal tabs against a real server', () => {
  it('runs a command in a new tab and shows its output', async () => {
    const page = await app();
    const tab = await connectTab(page, true);
    // € arrives as three bytes that the engine side decodes into one character.
    await typeInTerminal(page, 'echo "out-$((6 * 7))-$(printf \'\\342\\202\\254\')"\n');
    expect(await waitForLine(page, tab, /^out-42-/)).toBe('out-42-€');
    await screenshot(page, 'connected');
    await page.close();
  });

  it('resizes the remote terminal when the window is resized', async () => {
    const page = await app({ width: 1100, height: 700 });
    const tab = await connectTab(page, true);
    const before = await hook(page, 'size', tab);
    await page.setViewportSize({ width: 700, height: 420 });
    const after = await pollFor(
      'the terminal to fit the smaller window',
      () => hook(page, 'size', tab),
      (s) =>
        s !== undefined && before !== undefined && s.cols < before.cols && s.rows < before.rows,
    );
    if (!after) throw new Error('no size');
    // The pty learns the new size through the engine; stty reads it back on the server.
    await typeInTerminal(page, 'stty size\n');
    await waitForLine(page, tab, new RegExp(`^${after.rows} ${after.cols}$`));
    await screenshot(page, 'resized');
    await page.close();
  });

  it('keeps two tabs on two separate sessions', async () => {
    const page = await app();
    const a = await connectTab(page, true);
    const b = await connectTab(page, false);
    const ids = [await hook(page, 'sessionId', a), await hook(page, 'sessionId', b)];
    expect(ids[0]).toBeTruthy();
    expect(ids[1]).toBeTruthy();
    expect(ids[0]).not.toBe(ids[1]);
    await typeInTerminal(page, 'echo only-in-$((2 + 0))\n');
    await waitForLine(page, b, /^only-in-2$/);
    await page.click('.tab >> nth=0');
    await typeInTerminal(page, 'echo only-in-$((1 + 0))\n');
    await waitForLine(page, a, /^only-in-1$/);
    expect(await screenText(page, a)).not.toMatch(/^only-in-2$/m);
    expect(await screenText(page, b)).not.toMatch(/^only-in-1$/m);
    await screenshot(page, 'two-tabs');
    await page.close();
  });

  it('detaches when a tab is closed: the session stays listed and reopens with its output', async () => {
    const page = await app();
    const tab = await connectTab(page, true);
    const sessionId = await hook(page, 'sessionId', tab);
    await typeInTerminal(page, 'echo kept-$((40 + 2))\n');
    await waitForLine(page, tab, /^kept-42$/);

    await page.click('.tab.active .tab-close');
    await page.waitForSelector('[data-dialog="close-tab"]');
    await screenshot(page, 'close-tab-dialog');
    await page.click('[data-dialog="close-tab"] button:has-text("Detach")');
    await pollFor(
      'the tab to close',
      () => hook(page, 'tabCount'),
      (n) => n === 0,
    );

    await page.click('button:has-text("Sessions")');
    await page.fill('[data-panel="sessions"] input', ALIAS);
    await page.click('[data-panel="sessions"] button[type="submit"]');
    const row = page.locator(`[data-session-id="${sessionId}"]`);
    await row.waitFor();
    expect(await row.locator('.badge').textContent()).toBe('running');
    await screenshot(page, 'sessions-panel');

    await row.locator('button:has-text("Open")').click();
    const reopened = await hook(page, 'activeIndex');
    await waitForState(page, reopened, 'connected');
    expect(await hook(page, 'sessionId', reopened)).toBe(sessionId);
    // Reattached from the start of the ring: the earlier output is there again.
    await waitForLine(page, reopened, /^kept-42$/);
    await page.close();
  });

  it('keeps a yes flood bounded, stops it with Ctrl-C, and keeps other tabs responsive', async () => {
    const page = await app();
    const quiet = await connectTab(page, true);
    const flood = await connectTab(page, false);
    const floodTabId = await hook(page, 'tabId', flood);
    const bridge = bed.host.bridges.at(-1);
    if (!floodTabId || !bridge) throw new Error('no flood tab');

    await typeInTerminal(page, 'yes holdfast-flood-line\n');
    await waitForLine(page, flood, /^holdfast-flood-line$/);
    // Nothing queues without bound: what waits for the UI stays near the high watermark
    // (plus what was in flight when the tab was paused).
    // Sampled on every poll while a good part of the flood passes (some megabytes).
    let peak = 0;
    const shownAtStart = bed.host.outputBytes();
    await pollFor(
      'a good part of the flood to pass',
      () => {
        peak = Math.max(peak, bridge.unackedBytes(floodTabId) ?? 0);
        return bed.host.outputBytes() - shownAtStart;
      },
      (n) => n > 8 * FLOW_HIGH_WATERMARK_BYTES,
    );
    expect(peak).toBeLessThan(FLOW_HIGH_WATERMARK_BYTES + (1 << 20));
    await screenshot(page, 'flood');

    // The other tab answers while the flood runs.
    await page.click('.tab >> nth=0');
    await typeInTerminal(page, 'echo quiet-$((3 * 3))\n');
    await waitForLine(page, quiet, /^quiet-9$/, 10_000);

    await page.click('.tab >> nth=1');
    await page.locator('.pane.active .xterm-helper-textarea').focus();
    const pressed = Date.now();
    await page.keyboard.press('Control+c');
    await pollFor(
      'the flood to stop and the prompt to return',
      () => hook(page, 'viewportText', flood),
      (t) => /hf-ready\$\s*$/.test(t),
      30_000,
    );
    console.log(`flood: Ctrl-C to the prompt in ${Date.now() - pressed} ms`);
    // The output stopped: a command typed now is followed by its own line and the next
    // prompt, with no line of the flood after it (a flood still running would interleave).
    await typeInTerminal(page, 'echo stopped-$((5 + 5))\n');
    const after = await pollFor(
      'the command, its output and the next prompt',
      () => hook(page, 'viewportText', flood),
      (t) => /^stopped-10\n+hf-ready\$\s*$/m.test(t),
    );
    const tail = after.slice(after.lastIndexOf('echo stopped-$((5 + 5))'));
    const lines = tail.split('\n').map((l) => l.trimEnd());
    expect(lines.filter((l) => l !== '')).toEqual([
      'echo stopped-$((5 + 5))',
      'stopped-10',
      'hf-ready$',
    ]);
    await screenshot(page, 'flood-stopped');
    await page.close();
  });

  it('sends a Ctrl+clicked web link to openExternal and nothing else', async () => {
    const page = await app();
    const tab = await connectTab(page, true);
    await typeInTerminal(page, 'clear; echo https://example.org/holdfast-link\n');
    await waitForLine(page, tab, /^https:\/\/example\.org\/holdfast-link$/);
    // Find the link's row on screen from the terminal's own buffer.
    const rows = (await hook(page, 'viewportText', tab)).split('\n');
    const row = rows.findIndex((line) => line.startsWith('https://example.org/holdfast-link'));
    const box = await page.locator('.pane.active .xterm-screen').boundingBox();
    const size = await hook(page, 'size', tab);
    if (!box || !size || row < 0) throw new Error('the link is not on screen');
    const rowHeight = box.height / size.rows;
    const colWidth = box.width / size.cols;
    const x = box.x + colWidth * 5.5;
    const y = box.y + rowHeight * (row + 0.5);
    await page.mouse.move(x, y);
    await page.mouse.move(x + 1, y);
    await page.keyboard.down('Control');
    await page.mouse.click(x + 1, y);
    await page.keyboard.up('Control');
    await pollFor('the link to be opened', () => bed.host.openedUrls.length > 0);
    expect(bed.host.openedUrls).toEqual(['https://example.org/holdfast-link']);
    await page.close();
  });
});

describe('the tab bar and settings', () => {
  it('follows the title escape, renames, reorders by dragging and switches with the keyboard', async () => {
    const page = await app();
    const first = await connectTab(page, true);
    await typeInTerminal(page, "printf '\\033]0;build-box\\007'\n");
    await pollFor(
      'the title escape',
      () => hook(page, 'titles'),
      (t) => t[first] === 'build-box',
    );

    await page.dblclick('.tab >> nth=0');
    await page.fill('.tab-rename', 'renamed');
    await page.keyboard.press('Enter');
    await pollFor(
      'the new name',
      () => hook(page, 'titles'),
      (t) => t[0] === 'renamed',
    );

    await page.click('button.new-tab');
    await page.click('button.new-tab');
    expect(await hook(page, 'tabCount')).toBe(3);
    await page.dragAndDrop('.tab >> nth=0', '.tab >> nth=2', { targetPosition: { x: 150, y: 10 } });
    await pollFor(
      'the dragged tab to move last',
      () => hook(page, 'titles'),
      (t) => t[2] === 'renamed',
    );

    // Ctrl+Tab and Ctrl+Shift+Tab move between tabs, wrapping around (Ctrl+PageUp and
    // Ctrl+PageDown are vim's: test/e2e/keys.test.ts).
    await page.click('.tab >> nth=0');
    await page.keyboard.press('Control+Shift+Tab');
    expect(await hook(page, 'activeIndex')).toBe(2);
    await page.keyboard.press('Control+Tab');
    expect(await hook(page, 'activeIndex')).toBe(0);
    await page.keyboard.press('Control+Tab');
    expect(await hook(page, 'activeIndex')).toBe(1);
    await page.keyboard.press('Control+Shift+Tab');
    expect(await hook(page, 'activeIndex')).toBe(0);
    await screenshot(page, 'tab-bar');
    await page.close();
  });

  it('zooms the terminal with the keyboard and switches to the dark theme', async () => {
    const page = await app();
    const tab = await connectTab(page, true);
    const before = await hook(page, 'size', tab);
    await page.keyboard.press('Control+=');
    const zoomed = await pollFor(
      'bigger text, so fewer columns',
      () => hook(page, 'size', tab),
      (s) => s !== undefined && before !== undefined && s.cols < before.cols,
    );
    await typeInTerminal(page, 'stty size\n');
    await waitForLine(page, tab, new RegExp(`^${zoomed?.rows} ${zoomed?.cols}$`));
    await page.keyboard.press('Control+0');
    await pollFor(
      'the original size',
      () => hook(page, 'size', tab),
      (s) => s?.cols === before?.cols,
    );

    await page.click('button[aria-label="Settings"]');
    await page.click('[data-panel="settings"] button[role="radio"]:has-text("Dark")');
    await pollFor(
      'the dark theme',
      () => page.locator('html').getAttribute('data-theme'),
      (t) => t === 'dark',
    );
    await screenshot(page, 'dark-settings');
    await page.close();
  });
});

describe('clipboard and text', () => {
  /** The page's own clipboard (granted to the test page's origin only). */
  async function clipboard(page: Page): Promise<string> {
    return String(await page.evaluate('navigator.clipboard.readText()'));
  }

  async function grant(page: Page): Promise<void> {
    await page
      .context()
      .grantPermissions(['clipboard-read', 'clipboard-write'], { origin: bed.host.origin });
  }

  /** Double-clicks the word starting at column `col` of the first visible row matching `re`. */
  async function selectWord(page: Page, tab: number, re: RegExp, col = 0): Promise<void> {
    const rows = (await hook(page, 'viewportText', tab)).split('\n');
    const row = rows.findIndex((line) => re.test(line));
    const box = await page.locator('.pane.active .xterm-screen').boundingBox();
    const size = await hook(page, 'size', tab);
    if (!box || !size || row < 0) throw new Error(`no row matching ${re} on screen`);
    const x = box.x + (box.width / size.cols) * (col + 1.5);
    const y = box.y + (box.height / size.rows) * (row + 0.5);
    await page.mouse.dblclick(x, y);
  }

  it('copies the selection with Ctrl+Shift+C and pastes with Ctrl+Shift+V, once', async () => {
    const page = await app();
    await grant(page);
    const tab = await connectTab(page, true);
    await typeInTerminal(page, 'clear; echo copy-me-$((40 + 2))\n');
    await waitForLine(page, tab, /^copy-me-42$/);
    await selectWord(page, tab, /^copy-me-42$/);
    await page.keyboard.press('Control+Shift+C');
    await pollFor(
      'the clipboard to hold the word',
      () => clipboard(page),
      (t) => t === 'copy-me-42',
    );

    // Paste into the shell: the pasted text arrives exactly once, then runs.
    await page.evaluate(`navigator.clipboard.writeText('echo pasted-$((6 * 7))')`);
    await page.locator('.pane.active .xterm-helper-textarea').focus();
    await page.keyboard.press('Control+Shift+V');
    await page.keyboard.press('Enter');
    await waitForLine(page, tab, /^pasted-42$/);
    const screen = await screenText(page, tab);
    expect(screen.match(/echo pasted-\$\(\(6 \* 7\)\)/g) ?? []).toHaveLength(1);
    await page.close();
  });

  it('ignores a program setting the clipboard (OSC 52) unless allowed in Settings', async () => {
    const page = await app();
    await grant(page);
    await page.evaluate(`navigator.clipboard.writeText('untouched')`);
    const tab = await connectTab(page, true);
    // OSC 52 ; c ; base64("planted-1") BEL
    const osc52 = (word: string): string =>
      `printf '\\033]52;c;%s\\007' "$(printf ${word} | base64)"; echo sent-${word}\n`;
    await typeInTerminal(page, osc52('planted-1'));
    await waitForLine(page, tab, /^sent-planted-1$/);
    // Off by default: the tab says a program asked (the escape was parsed before the line
    // above, and refused there and then), and nothing reached the clipboard.
    await page.locator('text=A program asked to set your clipboard').waitFor();
    expect(await clipboard(page)).toBe('untouched');

    await page.click('button[aria-label="Settings"]');
    await page.click('text=Let programs set the clipboard (OSC 52)');
    await page.click('button[aria-label="Close settings"]');
    await typeInTerminal(page, osc52('planted-2'));
    await waitForLine(page, tab, /^sent-planted-2$/);
    await pollFor(
      'the allowed clipboard write',
      () => clipboard(page),
      (t) => t === 'planted-2',
    );
    await page.close();
  });

  it('types and shows non-ASCII text (UTF-8 both ways)', async () => {
    const page = await app();
    const tab = await connectTab(page, true);
    // Typed through the keyboard (IME-free characters), echoed by the shell, counted by wc.
    await typeInTerminal(page, "printf '%s' 'grüße ünïcödé 日本 🙂' | wc -c\n");
    // 6+1+... bytes: "grüße" 7, space, "ünïcödé" 11, space, "日本" 6, space, "🙂" 4 = 31
    await waitForLine(page, tab, /^31$/);
    const screen = await screenText(page, tab);
    expect(screen).toContain("printf '%s' 'grüße ünïcödé 日本 🙂' | wc -c");
    await page.close();
  });
});

describe('renderers', () => {
  it('draws with WebGL only on a GPU by default, and follows the GPU acceleration setting', async () => {
    const page = await app();
    const tab = await connectTab(page, true);
    // What this browser's WebGL is, asked independently of the app.
    const gl = String(
      await page.evaluate(`(() => {
        const ctx = document.createElement('canvas').getContext('webgl2');
        const debug = ctx && ctx.getExtension('WEBGL_debug_renderer_info');
        return ctx && debug ? String(ctx.getParameter(debug.UNMASKED_RENDERER_WEBGL)) : '';
      })()`),
    );
    expect(gl, 'this Chromium offers WebGL2').not.toBe('');
    const software = /swiftshader|llvmpipe|softpipe|lavapipe/i.test(gl);
    expect(await hook(page, 'renderer', tab)).toBe(software ? 'dom' : 'webgl');

    await page.click('button[aria-label="Settings"]');
    const note = page.locator('[data-renderer-note]');
    if (software) await expect.poll(() => note.textContent()).toContain('drawn by the CPU');
    const settings = '[data-panel="settings"] [aria-label="GPU acceleration"]';
    // On: WebGL even in software, switched live in the open tab, output still drawn.
    await page.click(`${settings} button:has-text("On")`);
    await pollFor(
      'the WebGL renderer',
      () => hook(page, 'renderer', tab),
      (r) => r === 'webgl',
    );
    await page.click('.pane.active .xterm');
    await typeInTerminal(page, 'echo gl-$((40 + 2))\n');
    await waitForLine(page, tab, /^gl-42$/);
    await screenshot(page, 'webgl-renderer');
    // Off: the DOM renderer, kept after a reload (the setting is stored).
    await page.click(`${settings} button:has-text("Off")`);
    await pollFor(
      'the DOM renderer',
      () => hook(page, 'renderer', tab),
      (r) => r === 'dom',
    );
    await typeInTerminal(page, 'echo dom-$((40 + 3))\n');
    await waitForLine(page, tab, /^dom-43$/);
    await page.reload();
    await page.waitForSelector('.quick-input');
    const again = await connectTab(page, true);
    expect(await hook(page, 'renderer', again)).toBe('dom');
    await page.close();
  });
});

describe('without WebGL', () => {
  let plain: Browser;
  beforeAll(async () => {
    plain = await launchChromium(['--disable-webgl', '--disable-3d-apis']);
  });
  afterAll(async () => {
    await plain?.close();
  });

  it('falls back to the DOM renderer and still shows output', async () => {
    const opened = await openApp(plain, bed.host);
    bed.track(opened);
    const { page } = opened;
    const tab = await connectTab(page, true);
    expect(await hook(page, 'renderer', tab)).toBe('dom');
    await typeInTerminal(page, 'echo dom-$((20 + 1))\n');
    await waitForLine(page, tab, /^dom-21$/);
    await screenshot(page, 'dom-renderer');
    await page.close();
  });
});
