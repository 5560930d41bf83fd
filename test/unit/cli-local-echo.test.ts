// The CLI's local echo drawing (bin/localEcho.ts) against a real xterm.js "local terminal"
// that receives exactly what the CLI writes: the session's bytes and the drawing around
// them. What it proves: predicted cells appear underlined at once; a misprediction over
// coloured text is repaired with the text's own colours and the cursor back where the
// program left it, so the local screen ends cell for cell as the session drew it; the
// terminal's earlier lines (which the model never saw) do not shift the drawing; a
// program that saved its own cursor turns the drawing off.

import { Terminal, type IBufferCell } from '@xterm/xterm';
import { describe, expect, it } from 'vitest';
import { LocalEcho } from '../../bin/localEcho';

const RTT = 120;

class Bed {
  /** What the user sees: fed everything the CLI writes. */
  readonly local = new Terminal({ cols: 40, rows: 6, allowProposedApi: true });
  /** The session alone: what the screen must equal once predictions are gone. */
  readonly truth = new Terminal({ cols: 40, rows: 6, allowProposedApi: true });
  now = 1000;
  readonly echo = new LocalEcho(
    'always',
    { cols: 40, rows: 6 },
    (s) => this.local.write(s),
    () => this.now,
  );

  /** Session output as holdfast.ts writes it: undraw, the bytes, then the model parses. */
  async out(data: string): Promise<void> {
    const undraw = this.echo.beforeOutput();
    if (undraw) this.local.write(undraw);
    this.local.write(data);
    this.truth.write(data);
    await new Promise<void>((resolve) => this.echo.output(data, resolve));
    await this.settled();
  }

  async key(data: string): Promise<void> {
    this.echo.typed(Buffer.from(data));
    await this.settled();
  }

  /** Time passes (the clock the predictor reads), and its real timer gets to fire. */
  async wait(ms: number): Promise<void> {
    this.now += ms;
    await new Promise((r) => setTimeout(r, ms + 20));
    await this.settled();
  }

  settled(): Promise<void> {
    return Promise.all([
      new Promise<void>((r) => this.local.write('', r)),
      new Promise<void>((r) => this.truth.write('', r)),
    ]).then(() => undefined);
  }

  row(t: Terminal, y = 0): string {
    return (t.buffer.active.getLine(y)?.translateToString(true) ?? '').trimEnd();
  }

  /** Cells of row y whose text or look differ between the local screen and the truth. */
  differences(y = 0): string[] {
    const look = (c: IBufferCell | undefined) =>
      c
        ? `${c.getChars()}|${c.getFgColorMode()}:${c.getFgColor()}|${c.getBgColorMode()}:${c.getBgColor()}|${c.isBold()}${c.isUnderline()}${c.isInverse()}`
        : '';
    const out: string[] = [];
    const a = this.local.buffer.active.getLine(y);
    const b = this.truth.buffer.active.getLine(y);
    for (let x = 0; x < 40; x++) {
      if (look(a?.getCell(x)) !== look(b?.getCell(x)))
        out.push(`${x}: ${look(a?.getCell(x))} vs ${look(b?.getCell(x))}`);
    }
    return out;
  }

  cursor(t: Terminal): string {
    return `${t.buffer.active.cursorX},${t.buffer.active.cursorY}`;
  }

  underlined(y = 0): string {
    const line = this.local.buffer.active.getLine(y);
    let s = '';
    for (let x = 0; x < 40; x++) {
      const c = line?.getCell(x);
      if (c?.isUnderline()) s += c.getChars();
    }
    return s;
  }
}

/** A coloured prompt, and the first key's echo (which proves the program echoes). */
async function prompted(b: Bed): Promise<void> {
  await b.out('\x1b[1;34mhf> \x1b[0m');
  await b.key('e');
  b.now += RTT;
  await b.out('e');
}

describe('the CLI draws local echo on the terminal', () => {
  it('draws predicted characters underlined, and the echo leaves the session’s screen', async () => {
    const b = new Bed();
    await prompted(b);
    await b.key('cho');
    expect(b.row(b.local)).toBe('hf> echo');
    expect(b.underlined()).toBe('cho');
    expect(b.cursor(b.local)).toBe('8,0');
    expect(b.row(b.truth)).toBe('hf> e');
    b.now += RTT;
    await b.out('cho');
    expect(b.underlined()).toBe('');
    expect(b.differences()).toEqual([]);
    expect(b.cursor(b.local)).toBe(b.cursor(b.truth));
  });

  it('repairs a misprediction over coloured text with its colours and the cursor', async () => {
    const b = new Bed();
    await prompted(b);
    await b.key('ch');
    // Backspaces past the input into the prompt: predicted as erased, which the shell refuses.
    await b.key('\x7f\x7f\x7f\x7f\x7f');
    expect(b.row(b.local)).toBe('hf');
    expect(b.cursor(b.local)).toBe('2,0');
    b.now += RTT;
    // The shell: the echo of "ch", three erases, then a bell for each refused backspace.
    await b.out('ch\b \b\b \b\b \b\x07\x07');
    expect(b.row(b.truth)).toBe('hf>');
    // The prompt's cells stay wrong until the echo is overdue, then the real screen is back.
    expect(b.row(b.local)).toBe('hf');
    expect(b.differences()).not.toEqual([]);
    await b.wait(RTT);
    expect(b.echo.predictor.stats.mispredicted).toBe(1);
    expect(b.differences()).toEqual([]);
    expect(b.cursor(b.local)).toBe(b.cursor(b.truth));
  });

  it('does not draw once the program saved a cursor of its own (the save slot is its)', async () => {
    const b = new Bed();
    await b.out('\x1b7');
    await prompted(b);
    await b.key('cho');
    expect(b.underlined()).toBe('');
    expect(b.row(b.local)).toBe('hf> e');
  });

  it('draws on the cursor’s row when the terminal already had lines above the session', async () => {
    const b = new Bed();
    // The user's shell before `holdfast host`: the model never saw these lines.
    b.local.write('old one\r\nold two\r\n');
    await prompted(b);
    await b.key('cho');
    expect([0, 1, 2].map((y) => b.row(b.local, y))).toEqual(['old one', 'old two', 'hf> echo']);
    expect(b.underlined(2)).toBe('cho');
    b.now += RTT;
    await b.out('cho');
    expect(b.underlined(2)).toBe('');
    expect(b.row(b.local, 2)).toBe(b.row(b.truth, 0));
    expect(b.local.buffer.active.cursorX).toBe(b.truth.buffer.active.cursorX);
    expect(b.local.buffer.active.cursorY).toBe(2);
  });
});
