// Proves `new --orphan-grace SECONDS` (PROTOCOL.md "Exit and grace"): a session whose
// clients are gone for good ends its command once no live client has been attached for
// the grace, and leaves nothing behind (no socket, no line in `ls`); a client that comes
// back within the grace keeps it, however often it comes and goes, and one whose link went
// silent stops counting once it is no longer live; a command that ignores
// TERM is killed; a command that ends by itself keeps its status for the grace only.
// Without the option a session runs with no client for as long as it likes (pipes.test.ts).
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';

import { agentTestScope, info, type AgentHome } from '../support/agent';
import { delay, isAlive as alive, pollFor } from '../support/proc';

const scope = agentTestScope(afterEach);

const GRACE_S = 2;

/** The session's master has ended: its socket and metadata are gone, `ls` does not list it. */
async function ended(h: AgentHome, id: string, timeoutMs: number): Promise<void> {
  await pollFor(`session ${id} to end`, () => !existsSync(h.socketPath(id)), timeoutMs, 100);
  expect((await h.run(['ls'])).stdout).not.toContain(id);
}

describe('new --orphan-grace', () => {
  it('ends a command nobody attaches to once the grace has passed, and the session with it', async () => {
    const h = scope.home();
    const started = Date.now();
    const id = await h.newSession(['--pipes', '--orphan-grace', String(GRACE_S), '--', 'cat']);
    const child = Number(h.meta(id).child);
    await delay(GRACE_S * 500);
    expect(alive(child)).toBe(true);
    await ended(h, id, 15_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(GRACE_S * 1000);
    await pollFor('cat to be gone', () => !alive(child), 5000, 50);
  });

  it('keeps the command while a live client is attached, and counts the grace from when it left', async () => {
    const h = scope.home();
    const id = await h.newSession(['--pipes', '--orphan-grace', String(GRACE_S), '--', 'cat']);
    const c = await scope.socket(h, id);
    await c.attachPipes();
    c.keepAlive(500);
    await delay(GRACE_S * 2000);
    expect((await info(h, id)).state).toBe('running');
    c.close();
    const left = Date.now();
    await ended(h, id, 15_000);
    expect(Date.now() - left).toBeGreaterThanOrEqual(GRACE_S * 1000 - 200);
  });

  it('a client that comes back within the grace, again and again, keeps the command', async () => {
    const h = scope.home();
    const id = await h.newSession(['--pipes', '--orphan-grace', String(GRACE_S), '--', 'cat']);
    for (let i = 0; i < 4; i++) {
      const c = await scope.socket(h, id);
      await c.attachPipes();
      c.close();
      await delay(GRACE_S * 600);
    }
    // 4 × 1.2 s = 4.8 s since start, more than twice the grace, never 2 s without a client
    expect((await info(h, id)).state).toBe('running');
  });

  it('a client attached over a link gone silent (a black hole) stops holding it after the live limit', async () => {
    const h = scope.home();
    const id = await h.newSession(['--pipes', '--orphan-grace', String(GRACE_S), '--', 'cat']);
    const c = await scope.socket(h, id);
    await c.attachPipes(); // and then not a keepalive: the socket stays open, nothing comes
    const attached = Date.now();
    await delay(GRACE_S * 1500);
    expect((await info(h, id)).state).toBe('running'); // live for a while yet
    await ended(h, id, 30_000);
    // the live limit (HF_LIVE_LIMIT_MS, 15 s) and then the grace
    expect(Date.now() - attached).toBeGreaterThanOrEqual(15_000 + GRACE_S * 1000 - 500);
  }, 45_000);

  it('kills a command that ignores TERM and HUP', async () => {
    const h = scope.home();
    const id = await h.newSession([
      '--pipes',
      '--orphan-grace',
      '1',
      '--',
      'sh',
      '-c',
      "trap '' TERM HUP; sleep 1000",
    ]);
    const child = Number(h.meta(id).child);
    await ended(h, id, 20_000);
    await pollFor('the command to be killed', () => !alive(child), 5000, 50);
  });

  it('keeps the status of a command that ended by itself for the grace, not 24 h', async () => {
    const h = scope.home();
    const id = await h.newSession([
      '--pipes',
      '--orphan-grace',
      String(GRACE_S),
      '--',
      'sh',
      '-c',
      'exit 3',
    ]);
    await pollFor('the command to exit', async () => (await info(h, id)).state === 'exited 3');
    await ended(h, id, 15_000);
  });

  it('refuses a grace that is no number of seconds, saying what it takes', async () => {
    const h = scope.home();
    for (const v of ['0', 'soon', '-5']) {
      const r = await h.run(['new', '--pipes', '--orphan-grace', v, '--', 'cat']);
      expect(r.code, v).not.toBe(0);
      expect(r.stderr, v).toMatch(/--orphan-grace/);
      expect(r.stderr, v).not.toMatch(/\bat \w+ \(/); // no stack trace
    }
  });
});
