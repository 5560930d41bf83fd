/**
 * The sessions view, against a real sshd: a session's foreground command and the directory
 * it runs in, the last line it printed, grouped under its host, and "End all exited" leaving
 * the running ones alone.
 */
import { describe, expect, it } from 'vitest';
import { useBrowserBed } from './bed';
import {
  hook,
  pollFor,
  quickConnect,
  screenshot,
  setPrompt,
  typeInTerminal,
  waitForLine,
  waitForState,
} from './support';

const ALIAS = 'hf-sessions';
const bed = useBrowserBed('e2e-sessions', ALIAS);

describe('the sessions view', () => {
  it("shows sleep 600's command, its cwd and the last line it printed", async () => {
    const page = await bed.app();
    const tab = await quickConnect(page, ALIAS);
    await waitForState(page, tab, 'connected');
    await setPrompt(page, tab);
    const id = await hook(page, 'sessionId', tab);
    const dir = `${bed.sshd.home}/work-here`;
    await typeInTerminal(
      page,
      `mkdir -p '${dir}' && cd '${dir}'; echo marker-$((100+23)); sleep 600\n`,
    );
    await waitForLine(page, tab, /^marker-123$/);

    await page.click('button:has-text("Sessions")');
    const group = page.locator(`[data-panel="sessions"] .session-group[data-host="${ALIAS}"]`);
    const row = group.locator(`[data-session-id="${id}"]`);
    await pollFor(
      'the row to show sleep 600',
      async () => {
        const text =
          (await row
            .locator('[data-field="command"]')
            .textContent()
            .catch(() => '')) ?? '';
        if (text !== 'sleep 600') await page.click('[data-panel="sessions"] button[type="submit"]');
        return text;
      },
      (t) => t === 'sleep 600',
    );
    expect(await row.locator('[data-field="cwd"]').textContent()).toBe(`in ${dir}`);
    expect(await row.locator('[data-field="last-line"]').textContent()).toBe('marker-123');
    expect(await row.locator('.session-meta').textContent()).toMatch(/idle .* · 1 attached/);
    expect(await row.locator('.badge').textContent()).toBe('job running');
    await screenshot(page, 'sessions-view');
  });

  it('ends every exited session of a host at once, and only those', async () => {
    const page = await bed.app();
    const tab = await quickConnect(page, ALIAS);
    await waitForState(page, tab, 'connected');
    const running = await hook(page, 'sessionId', tab);
    // two sessions whose command has ended, kept for a collector that never comes
    const agent = `${bed.sshd.home}/.holdfast/bin/holdfast-agent`;
    for (const code of [3, 4]) {
      const r = await bed.sshd.exec(`${agent} new -- sh -c 'exit ${code}'`);
      expect(r.code, r.stderr).toBe(0);
    }
    await page.click('button:has-text("Sessions")');
    const group = page.locator(`[data-panel="sessions"] .session-group[data-host="${ALIAS}"]`);
    const endAll = group.locator('button:has-text("End all exited")');
    await pollFor(
      'two exited sessions listed',
      async () => {
        const n = await endAll.count();
        if (n === 0) await page.click('[data-panel="sessions"] button[type="submit"]');
        return n === 0 ? '' : ((await endAll.textContent()) ?? '');
      },
      (t) => t.includes('(2)'),
    );
    await expect(
      group.locator('.session-meta', { hasText: 'exit status 3' }).count(),
    ).resolves.toBe(1);
    await endAll.click();
    await group.locator('button:has-text("End 2")').click();
    await pollFor(
      'no exited session left, the running ones kept',
      () =>
        group
          .locator('.session')
          .evaluateAll((els) =>
            els.map(
              (e) =>
                `${e.getAttribute('data-session-id')} ${e.querySelector('.badge')?.textContent}`,
            ),
          ),
      (rows) =>
        rows.every((r) => !r.includes('exited')) && rows.some((r) => r.startsWith(`${running} `)),
    );
  });
});
