/**
 * The desktop UI in real Chromium against a server that lets the user in by certificate
 * only (TrustedUserCAKeys; the key itself is not in authorized_keys): the tab connects
 * through the system OpenSSH client, says so, runs commands, and its session is the
 * agent's (listed by `holdfast-agent ls`), exactly as with an ordinary key.
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

const ALIAS = 'hf-e2e-cert';

const bed = useBrowserBed('e2e-cert', ALIAS, { userCertificate: true });

describe('a server that takes a user certificate only', () => {
  it('connects a tab via OpenSSH, says so, and runs a command in a held session', async () => {
    const page = await bed.app();
    const tab = await quickConnect(page, ALIAS);
    await waitForState(page, tab, 'connected');
    const notice = await pollFor(
      'the transport notice',
      () => page.locator('.pane.active .status-strip.kind-notice').textContent(),
      (t) => Boolean(t),
    );
    expect(notice).toMatch(/via OpenSSH \(user certificate [^)]*id_ed25519-cert\.pub\)/);
    await setPrompt(page, tab);
    await typeInTerminal(page, 'echo "cert-$((6 * 7))"\n');
    expect(await waitForLine(page, tab, /^cert-\d+$/)).toBe('cert-42');
    await screenshot(page, 'certificate-connected');
    const id = await hook(page, 'sessionId', tab);
    const ls = await bed.sshd.exec('~/.holdfast/bin/holdfast-agent ls');
    expect(ls.stdout).toContain(id!);
    await page.close();
  });
});
