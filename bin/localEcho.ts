// Local echo prediction in the terminal client: the shared core (main/common/predict) judges
// its guesses against a model of the local terminal's screen (xterm.js's parser, never
// opened, fed exactly the session's output that goes to stdout), and the guesses are drawn
// on the local terminal with escape sequences, underlined:
//
//   draw:   ESC 7 (save the real cursor and attributes), each predicted cell at its place
//           (reached from the real cursor: the model's rows are not this terminal's),
//           then the cursor at the predicted place (or ESC 8 back to the real one);
//   undraw: each of those cells rewritten as the model has it (text and attributes),
//           then ESC 8 — before any session output goes out, so the program's bytes
//           land exactly where the program meant them to.
//
// Drawing only: the session's bytes are written unchanged, and nothing is ever sent. It
// stays off where the save slot or the cursor's place cannot be trusted: the program
// saved a cursor itself (ESC 7 / CSI s), origin or insert mode is on, the cursor waits
// to wrap at the right margin, or output is still being parsed.

import { StringDecoder } from 'node:string_decoder';
import { Terminal, type IBufferCell } from '@xterm/xterm';
import {
  EchoPredictor,
  NO_OVERLAY,
  type Overlay,
  type PredictMode,
  type ScreenView,
} from '../main/common/predict/echoPredictor';
import { bufferScreen } from '../main/common/predict/screenView';

/**
 * Lines the model keeps above the screen: enough that a prediction's row (absolute) keeps
 * meaning while a few lines scroll; the local terminal keeps the real scrollback.
 */
const MODEL_SCROLLBACK = 200;

const ESC = '\x1b';

/** The SGR that gives a cell of the model its look (colours, bold, underline...). */
export function sgrOf(cell: IBufferCell): string {
  const p: (string | number)[] = [0];
  if (cell.isBold()) p.push(1);
  if (cell.isDim()) p.push(2);
  if (cell.isItalic()) p.push(3);
  if (cell.isUnderline()) p.push(4);
  if (cell.isBlink()) p.push(5);
  if (cell.isInverse()) p.push(7);
  if (cell.isInvisible()) p.push(8);
  if (cell.isStrikethrough()) p.push(9);
  const colour = (palette: boolean, rgb: boolean, c: number, base: number): void => {
    if (palette) {
      if (c < 8) p.push(base + c);
      else if (c < 16) p.push(base + 60 + c - 8);
      else p.push(`${base + 8};5;${c}`);
    } else if (rgb) {
      p.push(`${base + 8};2;${(c >> 16) & 255};${(c >> 8) & 255};${c & 255}`);
    }
  };
  colour(cell.isFgPalette(), cell.isFgRGB(), cell.getFgColor(), 30);
  colour(cell.isBgPalette(), cell.isBgRGB(), cell.getBgColor(), 40);
  return `${ESC}[${p.join(';')}m`;
}

export class LocalEcho {
  private readonly _model: Terminal;
  private readonly _screen: ScreenView;
  private readonly _predictor: EchoPredictor;
  private readonly _keys = new StringDecoder('utf8');
  /** Output written to stdout that the model has not parsed yet. */
  private _inFlight = 0;
  /** What is drawn on the local terminal now (undefined: nothing, the real screen). */
  private _drawn: Overlay | undefined;
  /** The program saved a cursor on this screen: our ESC 7 would clobber it. */
  private readonly _programSaved = { normal: false, alternate: false };
  private _suspended = false;
  private _timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    mode: PredictMode,
    size: { cols: number; rows: number },
    private readonly _out: (s: string) => void,
    private readonly _now: () => number = () => performance.now(),
  ) {
    this._model = new Terminal({
      ...size,
      scrollback: MODEL_SCROLLBACK,
      allowProposedApi: true,
    });
    this._screen = bufferScreen(
      () => this._model.buffer.active,
      () => this._model.cols,
    );
    this._predictor = new EchoPredictor(mode);
    const saved = (): boolean => {
      this._programSaved[this._model.buffer.active.type] = true;
      return false; // the model saves it too
    };
    this._model.parser.registerEscHandler({ final: '7' }, saved);
    this._model.parser.registerCsiHandler({ final: 's' }, saved);
    // A fresh alternate screen has no saved cursor of the program's.
    this._model.buffer.onBufferChange((b) => {
      if (b.type === 'alternate') this._programSaved.alternate = false;
    });
  }

  get predictor(): EchoPredictor {
    return this._predictor;
  }

  /** What to write before session output: the real cells back where guesses were. */
  beforeOutput(): string {
    const undraw = this._undraw();
    this._drawn = undefined;
    return undraw;
  }

  /**
   * Session output (already written to stdout after `beforeOutput()`): parsed by the model,
   * then `parsed`. The caller counts output as shown only once the model has it too, so
   * flow control keeps the model from falling behind (xterm.js drops what it cannot parse
   * past 50 MB, and a model behind the screen would undraw wrong cells).
   */
  output(data: Uint8Array | string, parsed?: () => void): void {
    this._inFlight++;
    this._model.write(data, () => {
      this._inFlight--;
      this._predictor.output(this._screen, this._now());
      this._redraw();
      parsed?.();
    });
  }

  /** Keys the user typed (already sent to the session). */
  typed(data: Buffer): void {
    this._predictor.input(this._keys.write(data), this._screen, this._now());
    this._redraw();
  }

  /** Nothing drawn while our own status line is up (it is not in the model). */
  suspend(on: boolean): void {
    this._suspended = on;
    if (on) {
      const undraw = this.beforeOutput();
      if (undraw) this._out(undraw);
    } else {
      this._redraw();
    }
  }

  /** The local terminal was resized (and has reflowed on its own): start over there. */
  resize(cols: number, rows: number): void {
    // Where the drawn cells are now is the terminal's reflow's business: restore the cursor
    // and attributes only; the program redraws its line on SIGWINCH.
    if (this._drawn) this._out(`${ESC}8`);
    this._drawn = undefined;
    this._model.resize(cols, rows);
  }

  dispose(): void {
    if (this._timer) clearTimeout(this._timer);
    this._model.dispose();
  }

  /** Whether the local terminal's cursor and save slot can be used for drawing now. */
  private _canDraw(): boolean {
    const b = this._model.buffer.active;
    const modes = this._model.modes;
    return (
      !this._suspended &&
      this._inFlight === 0 &&
      !this._programSaved[b.type] &&
      !modes.originMode &&
      !modes.insertMode &&
      b.cursorX < this._model.cols
    );
  }

  private _redraw(): void {
    this._schedule();
    const want = this._canDraw() ? this._predictor.overlay() : NO_OVERLAY;
    if (sameOverlay(want, this._drawn ?? NO_OVERLAY)) return;
    // Output still being parsed: undrawing must wait for the model (beforeOutput did it).
    if (this._inFlight > 0) return;
    let s = this._undraw();
    this._drawn = undefined;
    if (want.cells.length > 0 || want.cursor) {
      s += this._draw(want);
      this._drawn = want;
    }
    if (s) this._out(s);
  }

  private _schedule(): void {
    if (this._timer) clearTimeout(this._timer);
    this._timer = undefined;
    const at = this._predictor.nextCheckAt();
    if (at === undefined) return;
    this._timer = setTimeout(
      () => {
        this._timer = undefined;
        this._predictor.tick(this._screen, this._now());
        this._redraw();
      },
      Math.max(0, at - this._now()),
    );
    this._timer.unref();
  }

  /**
   * To cell (x, y) from the real cursor (saved by ESC 7), by rows up or down and then the
   * column: the model started empty at the top while this terminal may have started
   * lower, so only distances from the cursor mean the same on both (and a column, lines
   * start at 0 on both).
   */
  private _moveTo(x: number, y: number): string {
    const dy = y - this._screen.cursorY;
    const vertical = dy < 0 ? `${ESC}[${-dy}A` : dy > 0 ? `${ESC}[${dy}B` : '';
    return `${ESC}8${vertical}${ESC}[${x + 1}G`;
  }

  private _draw(o: Overlay): string {
    const top = this._model.buffer.active.baseY;
    let s = `${ESC}7`;
    for (const c of o.cells) {
      const row = c.y - top;
      if (row < 0 || row >= this._model.rows) continue;
      s += this._moveTo(c.x, c.y) + (c.text === '' ? `${ESC}[0m ` : `${ESC}[0;4m${c.text}`);
    }
    const cur = o.cursor;
    const row = cur ? cur.y - top : -1;
    s +=
      cur && row >= 0 && row < this._model.rows
        ? `${this._moveTo(cur.x, cur.y)}${ESC}[0m`
        : `${ESC}8`;
    return s;
  }

  private _undraw(): string {
    const drawn = this._drawn;
    if (!drawn) return '';
    const b = this._model.buffer.active;
    const top = b.baseY;
    let s = '';
    for (const c of drawn.cells) {
      const row = c.y - top;
      if (row < 0 || row >= this._model.rows) continue;
      const line = b.getLine(c.y);
      let x = c.x;
      // The right half of a wide character: rewrite the whole character.
      if (x > 0 && line?.getCell(x)?.getWidth() === 0) x--;
      s += this._moveTo(x, c.y);
      for (; x < c.x + c.width; x++) {
        const cell = line?.getCell(x);
        if (!cell) {
          s += `${ESC}[0m `;
          continue;
        }
        if (cell.getWidth() === 0) continue;
        s += sgrOf(cell) + (cell.getChars() || ' ');
        if (cell.getWidth() === 2) x++;
      }
    }
    return `${s}${ESC}8`;
  }
}

function sameOverlay(a: Overlay, b: Overlay): boolean {
  if (a === b) return true;
  if (a.cells.length !== b.cells.length) return false;
  if (a.cursor?.x !== b.cursor?.x || a.cursor?.y !== b.cursor?.y) return false;
  return a.cells.every((c, i) => {
    const d = b.cells[i]!;
    return c.x === d.x && c.y === d.y && c.text === d.text;
  });
}
