/**
 * The first browser scenario in the real desktop app: Electron starts, a tab connects to
 * the real sshd through ~/.ssh/config (a temporary HOME), a command runs, and its output
 * reaches the server and the terminal. Runs only where an Electron binary exists; elsewhere
 * it is skipped, and the skip says why (Electron's binary cannot be downloaded on every
 * machine, see DESIGN.md "Testing on these machines").
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, describe, it } from 'vitest';
// @ts-expect-error build/electron-path.mjs is plain JavaScript with JSDoc types.
import { findElectron } from '../../build/electron-path.mjs';
import { startSshd, stopAllSshd } from '../support/sshd';
import { REPO, hook, pollFor, screenshot, writeSshConfig } from './support';

const electron = findElectron() as { path: string } | { reason: string };
const mainBundle = path.join(REPO, 'out', 'main', 'app', 'main.cjs');
const skipReason =
  'reason' in electron
    ? electron.reason
    : !existsSync(mainBundle)
      ? 'the Electron main process is not built (out/main/app/main.cjs): run `node build/build.mjs`'
      : undefined;

if (skipReason) {
  console.warn(
    `electron.test.ts: SKIPPED — ${skipReason}. The same scenario runs in Chromium (terminal.test.ts).`,
  );
}

let app: ElectronApplication | undefined;

afterAll(async () => {
  await app?.close();
  await stopAllSshd();
});

describe.skipIf(skipReason !== undefined)(
  `the desktop app in Electron${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    it('opens a tab, runs a command and shows its output', async () => {
      const sshd = await startSshd({ label: 'e2e-electron' });
      const home = await mkdtemp(path.join(os.tmpdir(), 'hft-e2e-home-'));
      await mkdir(path.join(home, '.ssh'), { mode: 0o700 });
      const knownHosts = path.join(home, '.ssh', 'known_hosts');
      await writeFile(knownHosts, `${sshd.knownHostsLine}\n`, { mode: 0o600 });
      const alias = 'hf-electron';
      const config = await writeSshConfig(sshd, {
        alias,
        knownHostsFile: knownHosts,
        strictHostKeyChecking: 'yes',
      });
      await writeFile(path.join(home, '.ssh', 'config'), await readFile(config), { mode: 0o600 });

      app = await _electron.launch({
        executablePath: (electron as { path: string }).path,
        args: [REPO, '--no-sandbox'],
        env: { ...process.env, HOME: home, HOLDFAST_TEST_HOOKS: '1' },
      });
      const page = await app.firstWindow();
      const input = page.locator('.pane.active .quick-input');
      await input.fill(alias);
      await input.press('Enter');
      await page.locator('.tab.active .dot.state-connected').waitFor({ timeout: 30_000 });

      await page.locator('.pane.active .xterm-helper-textarea').focus();
      await page.keyboard.type('echo "electron-$((6 * 7))" | tee ~/hf-electron-ok\n');
      // The keystrokes reached the server...
      await pollFor(
        'the command to run on the server',
        async () => (await sshd.exec('cat ~/hf-electron-ok 2>/dev/null || true')).stdout,
        (out) => out.trim() === 'electron-42',
      );
      // ...and the output came back to the terminal (when the app exposes the test hooks).
      const hasHooks = await page.evaluate(() => '__holdfastTest' in globalThis);
      if (hasHooks) {
        await pollFor(
          'the output in the terminal',
          () => hook(page, 'screenText', 0),
          (t) => /^electron-42$/m.test(t),
        );
      }
      await screenshot(page, 'electron-connected');
    });
  },
);
