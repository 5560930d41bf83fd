/**
 * Shell integration in zsh, in real Chromium against a real sshd whose account's login
 * shell is zsh: the line the app types (after asking) hooks precmd/preexec, and a command
 * longer than the threshold in a background tab raises a notice with its exit status and
 * duration. (bash is proven in notifications.test.ts.)
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBrowserBed } from './bed';
import { appCatchingNotes, notes, notifyCommandsAfter } from './notes';
import { hook, pollFor, quickConnect, typeInTerminal, waitForLine, waitForState } from './support';

const ALIAS = 'hf-e2e-zsh';
const bed = useBrowserBed('e2e-zsh', ALIAS, { shell: '/usr/bin/zsh' });

beforeAll(async () => {
  // A .zshrc of its own: no new-user wizard, and a prompt the test can recognise.
  await writeFile(path.join(bed.sshd.home, '.zshrc'), "PS1='hf-zsh%# '\n");
});

describe('shell integration in zsh', () => {
  it('tells a long command’s exit status and duration from a background tab', async () => {
    const page = await appCatchingNotes(bed);
    await notifyCommandsAfter(page, 1);
    const tab = await quickConnect(page, ALIAS);
    await waitForState(page, tab, 'connected');
    await waitForLine(page, tab, /^hf-zsh% *$/);
    await page.click('.pane.active .terminal-host', { button: 'right' });
    await page.click('.context-menu button:has-text("Install shell integration")');
    await page.click('[data-dialog="shell-integration"] button:has-text("Type it into the shell")');
    await pollFor(
      'the integration seen',
      () => hook(page, 'shellIntegration', tab),
      (on) => on === true,
    );
    await typeInTerminal(page, 'sleep 2; false\n');
    await page.click('button.new-tab');
    const seen = await pollFor(
      'a notification',
      () => notes(page),
      (n) => n.length > 0,
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]?.body).toMatch(/^exit status 1 after [23] s$/);
    expect(await page.locator('.tab').nth(tab).locator('.tab-badge').textContent()).toBe('exit 1');
  });
});
