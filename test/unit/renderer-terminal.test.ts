// What these prove, on the renderer's TerminalController over a real xterm.js terminal
// (no DOM: the element is a stand-in): parsed output is acknowledged in batches and all
// of it once the write queue drains, never before xterm has parsed it; the screen is
// taken exactly at the offset of what was parsed, even while more is queued; a kept
// screen painted on restore counts for no ack and sets where the offset goes on. And the
// schedule of keeping screens, on a fake clock.

import { describe, expect, it } from 'vitest';
import {
  ACK_BATCH_BYTES,
  TerminalController,
  type TerminalCallbacks,
} from '../../renderer/src/terminal/TerminalController';
import {
  SCREEN_IDLE_MS,
  SCREEN_MAX_DELAY_MS,
  ScreenSchedule,
} from '../../renderer/src/state/screenSchedule';
import { HEADLESS, LOOK } from '../support/headlessTerminal';
import { pollFor } from '../support/proc';

/** A controller over a real xterm, recording what it tells the store. */
function controller(): {
  term: TerminalController;
  acks: number[];
  shown: number[];
  screens: { offset: string; data: string }[];
} {
  const acks: number[] = [];
  const shown: number[] = [];
  const screens: { offset: string; data: string }[] = [];
  const callbacks: TerminalCallbacks = {
    input: () => {},
    resize: () => {},
    title: () => {},
    ack: (n) => acks.push(n),
    openLink: () => {},
    clipboardWrite: () => {},
    searchResults: () => {},
    bell: () => {},
    shown: () => shown.push(Date.now()),
    screen: (offset, data) => screens.push({ offset, data }),
  };
  const term = new TerminalController(LOOK, callbacks, HEADLESS);
  return { term, acks, shown, screens };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('TerminalController flow control', () => {
  it('acks parsed output in batches, and the rest once the write queue drains', async () => {
    const { term, acks } = controller();
    const chunk = `${'x'.repeat(1023)}\n`;
    let offset = 0;
    for (let i = 0; i < 200; i++) {
      term.writeOutput(chunk, chunk.length, String(offset));
      offset += chunk.length;
    }
    // Nothing is acknowledged before xterm has parsed it.
    expect(acks).toEqual([]);
    await pollFor('every byte acknowledged', () => sum(acks) === offset);
    expect(sum(acks)).toBe(200 * 1024);
    // Whole batches while the queue was full, then what was left when it drained.
    for (const n of acks.slice(0, -1)) expect(n).toBeGreaterThanOrEqual(ACK_BATCH_BYTES);
    expect(acks.length).toBeLessThanOrEqual(Math.ceil((200 * 1024) / ACK_BATCH_BYTES));
    term.dispose();
  });

  it('acks a lone small chunk as soon as it is parsed, and a held-back tail as nothing', async () => {
    const { term, acks, shown } = controller();
    term.writeOutput('ab', 3, '0'); // the third byte starts a character still held back
    await pollFor('the chunk acknowledged', () => acks.length === 1);
    term.writeOutput('€', 0, '0'); // the decoder's tail: no new bytes
    term.writeOutput('c', 1, '3');
    await pollFor('the next acknowledged', () => sum(acks) === 4);
    expect(acks).toEqual([3, 1]);
    expect(shown).toHaveLength(2); // the tail moved no offset
    term.dispose();
  });
});

describe('TerminalController screens', () => {
  it('takes the screen at the offset where the parsed output ends', async () => {
    const { term, screens } = controller();
    term.writeOutput('hello\r\nworld', 12, '100');
    await pollFor('parsed', () => term.lines('all').includes('world'));
    term.requestScreen();
    expect(screens).toHaveLength(1);
    expect(screens[0]?.offset).toBe('112');
    expect(screens[0]?.data).toContain('hello\r\nworld');
    term.dispose();
  });

  it('asked while output is queued, takes it right after the next chunk is parsed', async () => {
    const { term, screens } = controller();
    term.writeOutput('first\r\n', 7, '0');
    term.writeOutput('second\r\n', 8, '7');
    term.requestScreen();
    expect(screens).toEqual([]);
    await pollFor('a screen', () => screens.length === 1);
    expect(screens[0]?.offset).toBe('7');
    expect(screens[0]?.data).toContain('first');
    expect(screens[0]?.data).not.toContain('second');
    term.dispose();
  });

  it('takes none before any output (no offset to pair it with)', () => {
    const { term, screens } = controller();
    term.requestScreen();
    expect(screens).toEqual([]);
    term.dispose();
  });

  it('takes none on a new connection until its own output is parsed', async () => {
    const { term, screens } = controller();
    term.writeOutput('old session\r\n', 13, '900');
    await pollFor('parsed', () => term.lines('all').includes('old session'));
    term.newConnection();
    term.requestScreen();
    expect(screens).toEqual([]);
    term.writeOutput('new\r\n', 5, '0');
    await pollFor('parsed', () => term.lines('all').includes('new'));
    term.requestScreen();
    expect(screens.map((s) => s.offset)).toEqual(['5']);
    term.dispose();
  });

  it('paints a kept screen without an ack, and counts on from its offset', async () => {
    const { term, acks, shown, screens } = controller();
    term.paintScreen('\x1b[1mkept line\x1b[0m\r\n', '5000');
    await pollFor('painted', () => term.lines('all').includes('kept line'));
    expect(acks).toEqual([]);
    expect(shown).toEqual([]);
    term.writeOutput('new\r\n', 5, '5000');
    await pollFor('acknowledged', () => acks.length === 1);
    term.requestScreen();
    expect(screens.at(-1)?.offset).toBe('5005');
    expect(screens.at(-1)?.data).toContain('kept line');
    expect(screens.at(-1)?.data).toContain('new');
    term.dispose();
  });
});

describe('ScreenSchedule', () => {
  it('keeps the screen once output has paused', () => {
    const s = new ScreenSchedule();
    expect(s.dueAt()).toBeUndefined();
    s.output(0);
    s.output(300);
    expect(s.dueAt()).toBe(300 + SCREEN_IDLE_MS);
    s.kept();
    expect(s.dueAt()).toBeUndefined();
  });

  it('keeps it at the latest after the longest delay while output keeps flowing', () => {
    const s = new ScreenSchedule();
    for (let t = 0; t < 20_000; t += 100) s.output(t);
    expect(s.dueAt()).toBe(SCREEN_MAX_DELAY_MS);
    s.kept();
    s.output(20_000);
    expect(s.dueAt()).toBe(20_000 + SCREEN_IDLE_MS);
  });
});
