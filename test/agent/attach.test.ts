// Proves `holdfast-agent attach` under a real terminal (a PTY from python3's pty module):
// it shows and types into the session, detaches with Ctrl-\ or the -e key (printing the
// detach line and leaving the session running), follows the terminal's window size, and
// reports the command's exit status and exits with it. On every way out (detach, the
// command's exit, a dropped connection) it turns off the terminal modes the session turned
// on, so the user's own terminal is usable again.
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

type Attached = ReturnType<typeof attachInPty>;

/** Modes a full-screen program turns on, as sh's printf writes them. */
const MODES_ON = [
  '\\033[?1049h', // alternate screen
  '\\033[?1000h\\033[?1002h\\033[?1003h\\033[?1006h\\033[?1015h', // mouse tracking
  '\\033[?2004h', // bracketed paste
  '\\033[?1004h', // focus reporting
  '\\033[?1h\\033=', // application cursor keys and keypad
  '\\033[?25l', // cursor hidden
  '\\033[1;4;31m', // bold underlined red
  '\\033[2;10r', // scroll region
].join('');

const ESC = '\x1b';

/** The DEC private modes these bytes set (`h`) or reset (`l`), e.g. 1049 from ESC[?1049l. */
function privateModes(bytes: string, final: 'h' | 'l'): number[] {
  const found: number[] = [];
  for (const m of bytes.matchAll(new RegExp(`${ESC}\\[\\?([0-9;]+)${final}`, 'g'))) {
    found.push(...(m[1] ?? '').split(';').map(Number));
  }
  return found;
}

/** A session that turns on `modes` once a line is typed, then exits 3 on the next line. */
async function modalSession(h: AgentHome, modes: string): Promise<string> {
  return h.newSession([
    '--',
    'sh',
    '-c',
    `stty -echo; read x; printf '${modes}'; echo MODES-ON; read x; exit 3`,
  ]);
}

const WAYS_OUT: Array<{
  how: string;
  leave: (t: Attached, h: AgentHome, id: string) => void;
  says: (id: string) => string;
  code: number;
}> = [
  {
    how: 'Ctrl-\\ detaches',
    leave: (t) => t.type('\x1c'),
    says: (id) => `[detached from session ${id}]`,
    code: 0,
  },
  {
    how: 'the command exits',
    leave: (t) => t.type('\r'),
    says: (id) => `[session ${id} exited with status 3]`,
    code: 3,
  },
  {
    how: 'the connection drops',
    leave: (_t, h, id) => process.kill(Number(h.meta(id).pid), 'SIGKILL'),
    says: (id) => `lost the connection to session ${id}`,
    code: 1,
  },
];

describe('holdfast-agent attach', () => {
  for (const way of WAYS_OUT) {
    it(`turns off the terminal modes the session turned on when ${way.how}`, async () => {
      const h = home();
      const id = await modalSession(h, MODES_ON);
      const t = attachInPty(h, [id]);
      await pollFor('attached', async () => (await info(h, id)).attached === 1);
      t.type('\r');
      await t.shows('MODES-ON');
      way.leave(t, h, id);
      expect(await t.exited).toBe(way.code);
      await t.shows(way.says(id));
      const screen = t.screen();
      // what the terminal got after the program's last output and before the message
      const after = screen.slice(screen.indexOf('MODES-ON'), screen.indexOf(way.says(id)));
      expect(privateModes(after, 'l')).toEqual(
        expect.arrayContaining([1049, 1000, 1002, 1003, 1006, 1015, 2004, 1004, 1]),
      );
      expect(privateModes(after, 'h')).toContain(25); // cursor shown
      expect(after).toContain(`${ESC}>`); // numeric keypad
      expect(after).toMatch(new RegExp(`${ESC}\\[0?m`)); // plain text attributes
      expect(after).toMatch(new RegExp(`${ESC}\\[(1;[0-9]+)?r`)); // whole-screen scrolling
    });
  }

  it('leaves the alternate screen only if the session entered it', async () => {
    // Leaving it also restores the cursor saved on entry: without an entry, terminals put
    // the cursor at a stale place (often the top-left corner) under the detach message.
    const h = home();
    const id = await modalSession(h, '\\033[?1000h');
    const t = attachInPty(h, [id]);
    await pollFor('attached', async () => (await info(h, id)).attached === 1);
    t.type('\r');
    await t.shows('MODES-ON');
    t.type('\x1c');
    expect(await t.exited).toBe(0);
    await t.shows(`[detached from session ${id}]`);
    const after = t.screen().slice(t.screen().indexOf('MODES-ON'));
    expect(privateModes(after, 'l')).toContain(1000);
    for (const alt of [47, 1047, 1049]) expect(privateModes(after, 'l')).not.toContain(alt);
  });

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
