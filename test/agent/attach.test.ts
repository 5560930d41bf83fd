// Proves `holdfast-agent attach` under a real terminal (a PTY from python3's pty module):
// it shows and types into the session, detaches with Ctrl-\ or the -e key (printing the
// detach line and leaving the session running), follows the terminal's window size, and
// reports the command's exit status and exits with it.
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';

import {
  agentBin,
  AgentConn,
  FLAG_FROM_END,
  info,
  makeHome,
  spawnInPty,
  type AgentHome,
} from '../support/agent';
import { pollFor } from '../support/proc';

let homes: AgentHome[] = [];
let ptys: ChildProcess[] = [];
function home(): AgentHome {
  const h = makeHome();
  homes.push(h);
  return h;
}
afterEach(async () => {
  for (const p of ptys) if (p.exitCode === null) p.kill('SIGKILL');
  ptys = [];
  await Promise.all(homes.map((h) => h.cleanup()));
  homes = [];
});

/** attach ID under a PTY; collects what the terminal shows. */
function attachInPty(h: AgentHome, args: string[]) {
  const p = spawnInPty([agentBin(), 'attach', ...args], h.env, 24, 80);
  ptys.push(p);
  let screen = '';
  p.stdout?.on('data', (b: Buffer) => (screen += b.toString('latin1')));
  const exited = new Promise<number | null>((resolve) => p.once('exit', (code) => resolve(code)));
  return {
    p,
    screen: () => screen,
    type: (s: string) => p.stdin?.write(s),
    exited,
    shows: (what: string | RegExp, timeoutMs = 10_000) =>
      pollFor(
        `the terminal to show ${String(what)} (it shows ${JSON.stringify(screen.slice(-300))})`,
        () => (typeof what === 'string' ? screen.includes(what) : what.test(screen)),
        timeoutMs,
      ),
  };
}

describe('holdfast-agent attach', () => {
  it('shows the session, types into it and detaches with Ctrl-\\', async () => {
    const h = home();
    const id = await h.newSession(['--', 'sh', '-i']);
    const t = attachInPty(h, [id]);
    await pollFor('attached', async () => (await info(h, id)).attached === 1);
    t.type('echo "hello from $HOLDFAST_SESSION"\r');
    await t.shows(`hello from ${id}`);
    t.type('\x1c');
    expect(await t.exited).toBe(0);
    await t.shows(`[detached from session ${id}]`);
    const i = await info(h, id);
    expect(i).toMatchObject({ state: 'running', attached: 0 });
  });

  it('detaches with the key chosen by -e and passes Ctrl-\\ through', async () => {
    const h = home();
    const id = await h.newSession(['--', 'sh', '-c', 'stty raw -echo; od -An -c']);
    const t = attachInPty(h, [id, '-e', '^Q']);
    await pollFor('attached', async () => (await info(h, id)).attached === 1);
    // Ctrl-\ reaches the program (od prints it as 034) instead of detaching
    t.type('\x1c'.repeat(16));
    await t.shows('034');
    t.type('\x11');
    expect(await t.exited).toBe(0);
    await t.shows(`[detached from session ${id}]`);
  });

  it('makes the session follow the terminal window size', async () => {
    const h = home();
    const id = await h.newSession(['--cols', '80', '--rows', '24', '--', 'sleep', '60']);
    const t = attachInPty(h, [id]);
    const size = async (): Promise<string> => {
      const c = await AgentConn.socket(h, id);
      const att = await c.attach({ flags: FLAG_FROM_END });
      c.close();
      return `${att.cols}x${att.rows}`;
    };
    await pollFor('attached', async () => (await info(h, id)).attached === 1);
    await pollFor('the terminal size 80x24', async () => (await size()) === '80x24');
    t.p.kill('SIGUSR1'); // the PTY becomes 132x40 and attach gets SIGWINCH
    await pollFor('the new size 132x40', async () => (await size()) === '132x40');
    t.type('\x1c');
    await t.exited;
  });

  it('prints the exit status and exits with it when the command ends', async () => {
    const h = home();
    const id = await h.newSession(['--', 'sh', '-i']);
    const t = attachInPty(h, [id]);
    await pollFor('attached', async () => (await info(h, id)).attached === 1);
    t.type('exit 42\r');
    expect(await t.exited).toBe(42);
    await t.shows(`[session ${id} exited with status 42]`);
  });
});
