/**
 * A full agent, seen in the UI: with every client slot of a session taken (one tab plus
 * 63 other clients), opening the session again from the sessions panel gives a tab that
 * says it is not attached and why (the agent's "too many clients attached (limit 64)"),
 * with the next try and "Reconnect now"; when a client leaves, the tab attaches.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { AgentConn } from '../support/agent';
import { useBrowserBed } from './bed';
import {
  hook,
  pollFor,
  quickConnect,
  screenshot,
  setPrompt,
  waitForLine,
  waitForState,
} from './support';

const ALIAS = 'hf-busy';
/** Clients the master lets attach at once (README "The master"). */
const MAX_CLIENTS = 64;

const bed = useBrowserBed('e2e-busy', ALIAS);
const others: AgentConn[] = [];

afterAll(() => {
  for (const c of others) c.close();
});

describe('a session with every client slot taken', () => {
  it('shows a second tab on it as not attached, with the reason, until a slot frees', async () => {
    const page = await bed.app();
    const first = await quickConnect(page, ALIAS);
    await waitForState(page, first, 'connected');
    await setPrompt(page, first);
    const sessionId = await hook(page, 'sessionId', first);
    const socket = `${bed.sshd.home}/.holdfast/sessions/${sessionId}.sock`;
    for (let i = 1; i < MAX_CLIENTS; i++) {
      const c = await AgentConn.socketAt(socket);
      others.push(c);
      await c.attach();
    }

    await page.click('button:has-text("Sessions")');
    await page.fill('[data-panel="sessions"] input', ALIAS);
    await page.click('[data-panel="sessions"] button[type="submit"]');
    await page.locator(`[data-session-id="${sessionId}"] button:has-text("Another view")`).click();
    const second = await hook(page, 'activeIndex');
    const strip = page.locator('.pane.active .status-strip[data-state="reattaching"]');
    await strip.waitFor();
    const text = (await strip.textContent()) ?? '';
    expect(text).toContain('Not attached to the session');
    expect(text).toContain('too many clients attached (limit 64)');
    expect(await strip.locator('button:has-text("Reconnect now")').count()).toBe(1);
    expect(await hook(page, 'state', second)).toBe('reattaching');
    await screenshot(page, 'session-full');

    others.pop()!.close();
    await waitForState(page, second, 'connected');
    // The session's output so far is there: the prompt the first tab set.
    await waitForLine(page, second, /^hf-ready\$/);
    await pollFor(
      'the status strip to go',
      () => strip.count(),
      (n) => n === 0,
    );
    await page.close();
  });
});
