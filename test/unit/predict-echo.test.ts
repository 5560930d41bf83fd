// Local echo prediction's core (main/common/predict) against a real xterm.js screen: what
// it draws after each key, how the real echo confirms it, and that it draws nothing where
// a guess would be wrong to show (echo off, a full-screen program not yet proven to echo).
// The "server" is this test writing the echo bytes into the terminal, with the clock in
// its hands, so every rule is exercised byte by byte and millisecond by millisecond.

import { Terminal } from '@xterm/xterm';
import { describe, expect, it } from 'vitest';
import {
  ALT_SCREEN_CONFIRMATIONS,
  EchoPredictor,
  type PredictMode,
} from '../../main/common/predict/echoPredictor';
import { cellWidth } from '../../main/common/predict/cellWidth';
import { parseKeys } from '../../main/common/predict/keys';
import { bufferScreen } from '../../main/common/predict/screenView';

const RTT = 120;

class Bed {
  readonly term = new Terminal({ cols: 40, rows: 6, allowProposedApi: true });
  readonly screen = bufferScreen(
    () => this.term.buffer.active,
    () => this.term.cols,
  );
  readonly p: EchoPredictor;
  now = 1000;

  constructor(mode: PredictMode = 'always') {
    this.p = new EchoPredictor(mode);
  }

  /** Output from the server, parsed, then shown to the predictor. */
  async out(data: string | Uint8Array): Promise<void> {
    await new Promise<void>((resolve) => this.term.write(data, resolve));
    this.p.output(this.screen, this.now);
  }

  key(data: string): void {
    this.p.input(data, this.screen, this.now);
  }

  wait(ms: number): void {
    this.now += ms;
    this.p.tick(this.screen, this.now);
  }

  /** The predicted text drawn on the cursor's row, as a string of cells ('.' for none). */
  drawn(): string {
    const o = this.p.overlay();
    return o.cells.map((c) => `${c.x}:${c.text === '' ? '_' : c.text}`).join(' ');
  }

  cursor(): string {
    const c = this.p.overlay().cursor;
    return c ? `${c.x},${c.y}` : '-';
  }

  line(y = this.screen.cursorY): string {
    return (this.term.buffer.active.getLine(y)?.translateToString(true) ?? '').trimEnd();
  }

  /** A prompt, then one key echoed a round trip later: the epoch is confirmed at RTT. */
  async confirmedAt(prompt: string): Promise<void> {
    await this.out(prompt);
    this.key('l');
    expect(this.drawn()).toBe(''); // tentative: not drawn
    this.now += RTT;
    await this.out('l');
  }
}

describe('echo prediction', () => {
  it('draws typed characters at once after the first echo, until their own echo comes', async () => {
    const b = new Bed();
    await b.confirmedAt('$ ');
    expect(b.p.rttMs).toBe(RTT);
    b.key('s');
    expect(b.drawn()).toBe('3:s');
    expect(b.cursor()).toBe('4,0');
    b.now += 10;
    b.key(' ');
    // A blank at the end of the line needs no cell: the cursor moves on.
    expect(b.drawn()).toBe('3:s');
    expect(b.cursor()).toBe('5,0');
    b.now += RTT - 10;
    await b.out('s');
    expect(b.drawn()).toBe('');
    expect(b.cursor()).toBe('5,0');
    b.now += 10;
    await b.out(' ');
    expect(b.p.overlay().cells).toEqual([]);
    expect(b.p.overlay().cursor).toBeUndefined();
    expect(b.line()).toBe('$ ls');
    expect(b.p.stats).toEqual({ shown: 2, confirmed: 2, mispredicted: 0 });
  });

  it('keeps the terminal buffer as the server wrote it (prediction is drawing only)', async () => {
    const b = new Bed();
    await b.confirmedAt('$ ');
    b.key('xyz');
    expect(b.drawn()).toBe('3:x 4:y 5:z');
    expect(b.line()).toBe('$ l');
  });

  it('never draws what is typed after a prompt that does not echo (a password)', async () => {
    const b = new Bed();
    await b.confirmedAt('$ ');
    b.key('s\r');
    const shown = b.p.stats.shown;
    b.now += RTT;
    await b.out('s\r\nPassword: ');
    for (const ch of 'hunter2') {
      b.key(ch);
      expect(b.drawn()).toBe('');
      b.wait(40);
    }
    b.wait(2 * RTT);
    expect(b.drawn()).toBe('');
    b.key('\r');
    b.now += RTT;
    await b.out('\r\n$ ');
    expect(b.p.stats.shown).toBe(shown);
  });

  it('does not take a blank left of the cursor as the echo of a typed space', async () => {
    const b = new Bed();
    await b.out('Secret: ');
    b.key(' ');
    b.now += RTT;
    await b.out('\x1b[0m'); // output, but no echo
    b.key('a');
    expect(b.drawn()).toBe('');
  });

  it('confirms a tentative epoch with the echo of several keys and predicts the rest', async () => {
    const b = new Bed();
    await b.out('$ ');
    b.key('e');
    b.now += 30;
    b.key('c');
    b.now += 30;
    b.key('h');
    b.now += RTT - 60;
    await b.out('e');
    // "ch" are now predicted after the real "e".
    expect(b.drawn()).toBe('3:c 4:h');
    b.now += 60;
    await b.out('ch');
    expect(b.drawn()).toBe('');
  });

  it('repairs a misprediction half a round trip after its echo was due', async () => {
    const b = new Bed();
    await b.confirmedAt('$ ');
    b.key('j');
    expect(b.drawn()).toBe('3:j');
    expect(b.p.nextCheckAt()).toBe(b.now + 1.5 * RTT);
    b.wait(1.5 * RTT - 1);
    expect(b.drawn()).toBe('3:j');
    b.wait(1); // no echo, 1.5 round trips after the key
    expect(b.drawn()).toBe('');
    expect(b.cursor()).toBe('-');
    expect(b.p.stats.mispredicted).toBe(1);
    // The next key is tentative again.
    b.key('k');
    expect(b.drawn()).toBe('');
  });

  it('repairs at once when the server writes something else in a predicted cell', async () => {
    const b = new Bed();
    await b.confirmedAt('$ ');
    b.key('q');
    b.now += RTT;
    await b.out('\x1b[31mQ\x1b[0m');
    expect(b.drawn()).toBe('');
    expect(b.p.stats.mispredicted).toBe(1);
  });

  it('predicts backspace: the character goes and the cursor steps back', async () => {
    const b = new Bed();
    await b.confirmedAt('$ ');
    b.key('s');
    b.now += 5;
    b.key('\x7f');
    expect(b.cursor()).toBe('3,0');
    // Blank again, over where the echo of "s" will show for a moment.
    expect(b.drawn()).toBe('3:_');
    b.now += 5;
    b.key('\x7f');
    expect(b.drawn()).toBe('2:_ 3:_');
    expect(b.cursor()).toBe('2,0');
    // Echoes: "s", then readline's "\b \b" twice.
    b.now += RTT - 10;
    await b.out('s');
    await b.out('\b \b');
    b.now += 10;
    await b.out('\b \b');
    b.wait(RTT);
    expect(b.drawn()).toBe('');
    expect(b.cursor()).toBe('-');
    expect(b.line()).toBe('$');
    expect(b.p.stats.mispredicted).toBe(0);
  });

  it('fixes a typo without a misprediction while the echoes of the typo still arrive', async () => {
    const b = new Bed();
    await b.confirmedAt('$ ');
    for (const k of ['s', 'x', '\x7f', 'l']) {
      b.now += 30;
      b.key(k);
    }
    expect(b.drawn()).toBe('3:s 4:l');
    // The echoes, a round trip after each key: "s", "x", readline's erase, "l".
    for (const echo of ['s', 'x', '\b\x1b[K', 'l']) {
      b.now += 30;
      await b.out(echo);
      expect(b.p.stats.mispredicted).toBe(0);
    }
    b.wait(RTT);
    expect(b.drawn()).toBe('');
    expect(b.line()).toBe('$ lsl');
    expect(b.p.stats.mispredicted).toBe(0);
  });

  it('predicts cursor left and inserts mid-line by shifting the rest right', async () => {
    const b = new Bed();
    await b.out('$ ');
    b.key('l');
    b.now += RTT;
    await b.out('l');
    b.key('s');
    b.now += RTT;
    await b.out('s');
    b.key('\x1b[D');
    expect(b.cursor()).toBe('3,0');
    b.key('-');
    expect(b.drawn()).toBe('3:- 4:s');
    expect(b.cursor()).toBe('4,0');
    b.now += RTT;
    // readline: cursor left, then the insert redraws the tail and steps back.
    await b.out('\b');
    await b.out('-s\b');
    expect(b.drawn()).toBe('');
    expect(b.line()).toBe('$ l-s');
    b.key('\x1b[C');
    expect(b.cursor()).toBe('5,0');
    b.now += RTT;
    await b.out('s'); // readline moves right by rewriting the character
    expect(b.cursor()).toBe('-');
  });

  it('predicts wide characters two cells wide, confirmed by their UTF-8 echo byte by byte', async () => {
    const b = new Bed();
    await b.confirmedAt('$ ');
    b.key('日本');
    expect(b.drawn()).toBe('3:日 5:本');
    expect(b.cursor()).toBe('7,0');
    b.now += RTT;
    for (const byte of new TextEncoder().encode('日本')) await b.out(new Uint8Array([byte]));
    expect(b.drawn()).toBe('');
    expect(b.cursor()).toBe('-');
    expect(b.line()).toBe('$ l日本');
    expect(b.p.stats.mispredicted).toBe(0);
  });

  it('does not guess characters whose width terminals disagree on (emoji)', async () => {
    const b = new Bed();
    await b.confirmedAt('$ ');
    b.key('😀');
    expect(b.drawn()).toBe('');
    b.key('a');
    expect(b.drawn()).toBe(''); // tentative after the unforeseeable key
  });

  it('does not predict past the right margin', async () => {
    const b = new Bed();
    await b.confirmedAt(`${'x'.repeat(37)}`);
    b.key('a');
    expect(b.drawn()).toBe('38:a');
    b.key('b');
    expect(b.drawn()).toBe('38:a');
  });

  it('on the alternate screen draws only after three echoes in a row', async () => {
    const b = new Bed();
    await b.out('\x1b[?1049h\x1b[H');
    const typed = 'insert';
    for (let i = 0; i < typed.length; i++) {
      b.key(typed[i]!);
      expect(b.drawn()).toBe(i < ALT_SCREEN_CONFIRMATIONS ? '' : `${i}:${typed[i]}`);
      b.now += RTT;
      await b.out(typed[i]!);
    }
    b.key('!');
    expect(b.drawn()).toBe('6:!');
    // A command key that moves instead of echoing: repaired, and tentative again.
    b.now += RTT;
    await b.out('\x1b[3;1H');
    b.wait(RTT);
    expect(b.drawn()).toBe('');
    b.key('x');
    expect(b.drawn()).toBe('');
  });

  it('leaving the screen it predicted on drops the predictions', async () => {
    const b = new Bed();
    await b.confirmedAt('$ ');
    b.key('v');
    expect(b.drawn()).toBe('3:v');
    await b.out('\x1b[?1049h');
    expect(b.drawn()).toBe('');
  });

  it('auto draws only on a slow link; never draws nothing', async () => {
    const fast = new Bed('auto');
    await fast.out('$ ');
    fast.key('l');
    fast.now += 5;
    await fast.out('l');
    fast.key('s');
    expect(fast.drawn()).toBe('');
    expect(fast.p.rttMs).toBe(5);

    const slow = new Bed('auto');
    await slow.confirmedAt('$ ');
    slow.key('s');
    expect(slow.drawn()).toBe('3:s');

    const never = new Bed('never');
    await never.confirmedAt('$ ');
    never.key('s');
    expect(never.drawn()).toBe('');
  });

  it('keeps drawing predicted cells after Enter until their echo arrives', async () => {
    const b = new Bed();
    await b.confirmedAt('$ ');
    b.key('s');
    b.key('\r');
    expect(b.drawn()).toBe('3:s');
    b.now += RTT;
    await b.out('s\r\n');
    expect(b.drawn()).toBe('');
    expect(b.p.stats.mispredicted).toBe(0);
  });
});

describe('keys and widths', () => {
  it('splits keystrokes into predictable edits and the rest', () => {
    expect(parseKeys('a\x7f\x1b[D\x1bOC\r\x03\x1b[A\x1bx日')).toEqual([
      { kind: 'char', text: 'a' },
      { kind: 'backspace' },
      { kind: 'left' },
      { kind: 'right' },
      { kind: 'enter' },
      { kind: 'other' },
      { kind: 'other' },
      { kind: 'other' },
      { kind: 'char', text: '日' },
    ]);
  });

  it('knows the width only where terminals agree', () => {
    expect(cellWidth('a')).toBe(1);
    expect(cellWidth('é')).toBe(1);
    expect(cellWidth('ж')).toBe(1);
    expect(cellWidth('日')).toBe(2);
    expect(cellWidth('한')).toBe(2);
    expect(cellWidth('😀')).toBeUndefined();
    expect(cellWidth('\u0301')).toBeUndefined();
  });
});
