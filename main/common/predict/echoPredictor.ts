// Local echo prediction: what the screen will most likely show once the server has echoed
// the keys just typed, drawn at once instead of a round trip later. The ideas are mosh's
// (src/frontend/terminaloverlay.cc: cell and cursor predictions judged against the real
// screen, epochs that stay tentative until one echo proves the program echoes, predictions
// shown only on a slow link and underlined until confirmed) and VS Code's typeahead addon
// (contrib/terminalContrib/typeAhead: the keys it predicts, rollback on a mismatch).
//
// Pure: no DOM, no I/O, no clock. The caller shows it the real screen (a ScreenView) after
// each keystroke and each output chunk, passes the time, and draws `overlay()` on top of
// the real screen. Prediction is drawing only: the session's output and the terminal's
// buffer are never touched, so a wrong guess costs a redraw and never a wrong byte.
//
// The rules:
// - A keystroke after Enter, a control key or a misprediction opens a new epoch, which is
//   tentative: its keys are probes, not drawn, until the echo of one shows on the real
//   screen just left of the cursor. A program with echo off (a password prompt) never
//   confirms its epoch, so nothing typed there is ever drawn.
// - In a confirmed epoch each key is predicted where the predicted cursor stands: a
//   character inserted (the rest of the line shifts right, as in readline), backspace
//   (the rest shifts left), cursor left and right.
// - A predicted cell is confirmed when the real screen shows it, and wrong when the real
//   screen shows something else there than before, or when it is still not shown a
//   smoothed round trip plus a margin after its key: then every prediction goes and a new
//   tentative epoch starts (the repair is the real screen showing through).
// - On the alternate screen (full-screen programs) predictions are drawn only once
//   ALT_SCREEN_CONFIRMATIONS echoes in the epoch have matched.
// - The echo delay (key to confirming output) is measured here, smoothed as TCP smooths
//   its RTT; `auto` draws while it is above RTT_ON_MS.

import { cellWidth } from './cellWidth';
import { parseKeys, type Key } from './keys';

export type PredictMode = 'auto' | 'always' | 'never';
export const PREDICT_MODES: readonly PredictMode[] = ['auto', 'always', 'never'];

/**
 * `auto` starts drawing predictions when the smoothed echo delay exceeds this (ms): up to
 * ~30 ms an echo already feels immediate (mosh's SRTT_TRIGGER_HIGH is 30 ms for this).
 */
export const RTT_ON_MS = 30;
/** ...and stops below this (ms): the gap keeps jitter around one value from flickering. */
export const RTT_OFF_MS = 20;
/** Weight of a new echo-delay sample (RFC 6298's 1/8 for the mean, 1/4 for the deviation). */
const RTT_GAIN = 1 / 8;
const RTT_VAR_GAIN = 1 / 4;
/**
 * A prediction is judged wrong once its echo is later than the smoothed delay plus 4
 * deviations (RFC 6298's timeout), half a round trip at least (on a loaded machine or
 * link an echo easily comes 30 % late, and a false alarm makes the typed text flicker)
 * and one round trip at most: a wrong guess stays at most a round trip past the moment its
 * echo should have come. Never less than this (ms): a fast link still has scheduling
 * jitter.
 */
export const ECHO_MARGIN_MS = 30;
/** Before any echo has been measured, a probe waits this long (ms) for its echo. */
export const FIRST_ECHO_WAIT_MS = 1000;
/**
 * Matching echoes in an epoch before predictions are drawn on the alternate screen: one
 * echo there may be a command letter that happened to print (vim's `r`, a search prompt);
 * three in a row are an editor in insert mode or a prompt line.
 */
export const ALT_SCREEN_CONFIRMATIONS = 3;
/** Probes kept while an epoch is tentative: more cannot help confirm it (a paste). */
const MAX_PROBES = 64;

/** The real screen as the terminal shows it after the output so far. Rows are absolute
 * (scrollback included), so a prediction stays on its line when the screen scrolls. */
export interface ScreenView {
  readonly cols: number;
  /** 0..cols (cols: at the right margin, the next character wraps). */
  readonly cursorX: number;
  /** Absolute row of the cursor. */
  readonly cursorY: number;
  readonly altScreen: boolean;
  /** The character drawn in cell (x, y): '' for an empty cell and the right half of a wide one. */
  cell(x: number, y: number): string;
}

/** One predicted cell to draw over the real screen. */
export type PredictedCell = {
  x: number;
  /** Absolute row. */
  y: number;
  /** '' draws an empty cell (an erased character). */
  text: string;
  width: 1 | 2;
};

export type Overlay = {
  cells: readonly PredictedCell[];
  /** Where to draw the cursor, when it is predicted elsewhere than the real one. */
  cursor: { x: number; y: number } | undefined;
};

export const NO_OVERLAY: Overlay = { cells: [], cursor: undefined };

/** Counts for tests, the bench and logs. */
export type PredictStats = {
  /** Keys drawn at once (a cell or cursor prediction shown). */
  shown: number;
  /** Predicted cells the real screen confirmed. */
  confirmed: number;
  /** Times the predictions were found wrong and dropped. */
  mispredicted: number;
};

type CellPrediction = {
  x: number;
  y: number;
  text: string;
  /** What the real cell showed before the prediction (a change to other text is a miss). */
  original: string;
  /** When the newest key that set this cell was typed (ms). */
  at: number;
  /** Set by more than one key: the echo of an earlier one may show there for a while. */
  revised: boolean;
};

type CursorPrediction = { x: number; y: number; at: number };

type Probe = { text: string; width: 1 | 2; at: number };

/** '' and ' ' look the same: an erase may write spaces or clear cells. */
function same(a: string, b: string): boolean {
  return a === b || (a === '' && b === ' ') || (a === ' ' && b === '');
}

export class EchoPredictor {
  private _mode: PredictMode;
  private readonly _cells = new Map<string, CellPrediction>();
  private _cursor: CursorPrediction | undefined;
  /** Keys of a tentative epoch, waiting for one echo to confirm it. */
  private _probes: Probe[] = [];
  /** Whether keys are predicted where they land (the epoch is confirmed). */
  private _confirmedEpoch = false;
  /** Matching echoes in this epoch (the alternate screen asks for several). */
  private _confirmations = 0;
  private _srtt: number | undefined;
  private _rttVar = 0;
  private _slow = false;
  private _cols = 0;
  private _alt = false;
  private readonly _stats: PredictStats = { shown: 0, confirmed: 0, mispredicted: 0 };

  constructor(mode: PredictMode) {
    this._mode = mode;
  }

  get mode(): PredictMode {
    return this._mode;
  }

  /** Smoothed echo delay (ms), once one echo has been measured. */
  get rttMs(): number | undefined {
    return this._srtt;
  }

  get stats(): Readonly<PredictStats> {
    return this._stats;
  }

  setMode(mode: PredictMode): void {
    if (mode === this._mode) return;
    this._mode = mode;
    if (mode === 'never') this._reset();
  }

  /** Keys sent to the session at `now`; `screen` is the real screen as it stands. */
  input(data: string, screen: ScreenView, now: number): void {
    if (this._mode === 'never') return;
    this._follow(screen);
    for (const key of parseKeys(data)) this._key(key, screen, now);
  }

  /** Output was parsed into the real screen at `now`: confirm or drop predictions. */
  output(screen: ScreenView, now: number): void {
    if (this._mode === 'never') return;
    this._follow(screen);
    this._judge(screen, now, true);
  }

  /** Time passed with no output: drop predictions whose echo is overdue. */
  tick(screen: ScreenView, now: number): void {
    if (this._mode === 'never') return;
    this._follow(screen);
    this._judge(screen, now, false);
  }

  /** When `tick` has something to decide (ms), or undefined while nothing waits. */
  nextCheckAt(): number | undefined {
    let first: number | undefined;
    const consider = (at: number): void => {
      const due = at + this._patience();
      if (first === undefined || due < first) first = due;
    };
    for (const c of this._cells.values()) consider(c.at);
    if (this._cursor) consider(this._cursor.at);
    if (this._probes[0]) consider(this._probes[0].at);
    return first;
  }

  /**
   * Whether predictions are drawn now: the mode and the measured delay say so, and on the
   * alternate screen the epoch has enough matching echoes. (On the main screen a
   * prediction exists only if its epoch was confirmed, so each is drawn until judged.)
   */
  get drawing(): boolean {
    if (this._mode === 'never') return false;
    if (this._mode === 'auto' && !this._slow) return false;
    return !this._alt || (this._confirmedEpoch && this._confirmations >= ALT_SCREEN_CONFIRMATIONS);
  }

  /** What to draw over the real screen now. */
  overlay(): Overlay {
    if (!this.drawing || (this._cells.size === 0 && !this._cursor)) return NO_OVERLAY;
    const cells: PredictedCell[] = [];
    for (const c of this._cells.values()) {
      cells.push({ x: c.x, y: c.y, text: c.text, width: cellWidth(c.text) ?? 1 });
    }
    cells.sort((a, b) => a.y - b.y || a.x - b.x);
    const cursor = this._cursor ? { x: this._cursor.x, y: this._cursor.y } : undefined;
    return { cells, cursor };
  }

  /** A resize or a switch of screens makes every cell position stale. */
  private _follow(screen: ScreenView): void {
    if (screen.cols === this._cols && screen.altScreen === this._alt) return;
    const first = this._cols === 0;
    this._cols = screen.cols;
    this._alt = screen.altScreen;
    if (!first) this._reset();
  }

  private _key(key: Key, screen: ScreenView, now: number): void {
    if (key.kind === 'enter' || key.kind === 'other') {
      this._newEpoch();
      return;
    }
    if (!this._confirmedEpoch) {
      const width = key.kind === 'char' ? cellWidth(key.text) : undefined;
      if (width === undefined) this._probes = [];
      else if (this._probes.length < MAX_PROBES)
        this._probes.push({ text: key.kind === 'char' ? key.text : '', width, at: now });
      return;
    }
    const shownBefore = this.drawing;
    const ok =
      key.kind === 'char'
        ? this._insert(key.text, screen, now)
        : key.kind === 'backspace'
          ? this._backspace(screen, now)
          : this._move(key.kind, screen, now);
    if (!ok) this._newEpoch();
    else if (shownBefore) this._stats.shown++;
  }

  /** Where the next key lands: the predicted cursor, else the real one. */
  private _at(screen: ScreenView): { x: number; y: number } {
    return this._cursor ?? { x: screen.cursorX, y: screen.cursorY };
  }

  /** The cell as predicted: the prediction's text, else the real screen's. */
  private _predicted(screen: ScreenView, x: number, y: number): string {
    return this._cells.get(`${y}:${x}`)?.text ?? screen.cell(x, y);
  }

  private _set(screen: ScreenView, x: number, y: number, text: string, now: number): void {
    const key = `${y}:${x}`;
    const had = this._cells.get(key);
    const original = had?.original ?? screen.cell(x, y);
    if (!had && same(text, original)) return;
    this._cells.set(key, { x, y, text, original, at: now, revised: had !== undefined });
  }

  private _insert(text: string, screen: ScreenView, now: number): boolean {
    const width = cellWidth(text);
    const { x, y } = this._at(screen);
    // The right margin: whether and how the line wraps is the terminal's business.
    if (width === undefined || x + width >= screen.cols) return false;
    // A wide character to the right would be split by the shift: not foreseeable.
    for (let i = x; i < screen.cols; i++) {
      if ((cellWidth(this._predicted(screen, i, y)) ?? 1) > 1) return false;
    }
    for (let i = screen.cols - 1; i >= x + width; i--) {
      this._set(screen, i, y, this._predicted(screen, i - width, y), now);
    }
    this._set(screen, x, y, text, now);
    if (width === 2) this._set(screen, x + 1, y, '', now);
    this._cursor = { x: x + width, y, at: now };
    return true;
  }

  private _backspace(screen: ScreenView, now: number): boolean {
    const { x, y } = this._at(screen);
    if (x === 0 || x > screen.cols - 1) return false;
    const before = this._predicted(screen, x - 1, y);
    const width =
      before === '' && x >= 2 && cellWidth(this._predicted(screen, x - 2, y)) === 2 ? 2 : 1;
    for (let i = x - width; i < screen.cols - width; i++) {
      this._set(screen, i, y, this._predicted(screen, i + width, y), now);
    }
    for (let i = screen.cols - width; i < screen.cols; i++) this._set(screen, i, y, '', now);
    this._cursor = { x: x - width, y, at: now };
    return true;
  }

  private _move(kind: 'left' | 'right', screen: ScreenView, now: number): boolean {
    const { x, y } = this._at(screen);
    if (kind === 'left') {
      if (x === 0 || x > screen.cols - 1) return false;
      const wide =
        x >= 2 &&
        this._predicted(screen, x - 1, y) === '' &&
        cellWidth(this._predicted(screen, x - 2, y)) === 2;
      this._cursor = { x: x - (wide ? 2 : 1), y, at: now };
      return true;
    }
    const here = this._predicted(screen, x, y);
    // At the end of the text a line editor does not move: nothing to predict.
    if (here === '') return true;
    const width = cellWidth(here) ?? 1;
    if (x + width >= screen.cols) return false;
    this._cursor = { x: x + width, y, at: now };
    return true;
  }

  private _judge(screen: ScreenView, now: number, heard: boolean): void {
    let wrong = false;
    let newest: number | undefined;
    const patience = this._patience();
    for (const [key, c] of this._cells) {
      const real = screen.cell(c.x, c.y);
      const overdue = now >= c.at + patience;
      if (same(c.text, c.original)) {
        // Typed and erased again: the cell must end as it was, but may show the first
        // key's echo meanwhile. Nothing to confirm before the last key's echo is due.
        if (!overdue) continue;
        if (same(real, c.text)) this._cells.delete(key);
        else wrong = true;
      } else if (same(real, c.text)) {
        this._cells.delete(key);
        this._confirmed(1);
        if (newest === undefined || c.at > newest) newest = c.at;
      } else if (overdue || (!c.revised && !same(real, c.original))) {
        wrong = true;
      }
    }
    if (heard && newest !== undefined) this._sample(now - newest);
    const cursor = this._cursor;
    if (!wrong && cursor) {
      if (cursor.x === screen.cursorX && cursor.y === screen.cursorY) {
        if (this._cells.size === 0) this._cursor = undefined;
      } else if (now >= cursor.at + patience) {
        wrong = true;
      }
    }
    if (wrong) {
      this._stats.mispredicted++;
      this._reset();
    }
    if (!this._confirmedEpoch) this._judgeProbes(screen, now, heard);
  }

  /** A tentative epoch: the echo of the first probes just left of the real cursor confirms it. */
  private _judgeProbes(screen: ScreenView, now: number, heard: boolean): void {
    const first = this._probes[0];
    if (!first) return;
    if (heard) {
      // The longest run of leading probes whose echo ends at the cursor, and has more than
      // blanks (a blank left of the cursor proves nothing: a prompt ends in one).
      for (let n = this._probes.length; n >= 1; n--) {
        const run = this._probes.slice(0, n);
        const width = run.reduce((w, p) => w + p.width, 0);
        if (screen.cursorX < width || !run.some((p) => p.text !== ' ')) continue;
        let x = screen.cursorX - width;
        let match = true;
        for (const p of run) {
          if (screen.cell(x, screen.cursorY) !== p.text) {
            match = false;
            break;
          }
          x += p.width;
        }
        if (!match) continue;
        const rest = this._probes.slice(n);
        this._probes = [];
        this._confirmedEpoch = true;
        this._confirmations = 0;
        this._confirmed(n);
        this._sample(now - run[n - 1]!.at);
        // Keys typed after the echoed ones are predicted from the real cursor on.
        for (const p of rest) {
          if (!this._insert(p.text, screen, p.at)) {
            this._newEpoch();
            break;
          }
        }
        return;
      }
    }
    if (now >= first.at + this._patience()) {
      // No echo: echo is off or the program is doing something else. Keep waiting for
      // the next key, never drawing these.
      this._probes = [];
    }
  }

  private _confirmed(n: number): void {
    this._stats.confirmed += n;
    this._confirmations += n;
  }

  private _sample(ms: number): void {
    if (ms < 0) return;
    if (this._srtt === undefined) {
      // Not RFC 6298's ms / 2: that would keep a first wrong guess up for 3 round trips.
      this._srtt = ms;
      this._rttVar = 0;
    } else {
      this._rttVar += RTT_VAR_GAIN * (Math.abs(ms - this._srtt) - this._rttVar);
      this._srtt += RTT_GAIN * (ms - this._srtt);
    }
    if (this._srtt > RTT_ON_MS) this._slow = true;
    else if (this._srtt < RTT_OFF_MS) this._slow = false;
  }

  /** How long an echo may take before its prediction counts as wrong (ms). */
  private _patience(): number {
    if (this._srtt === undefined) return FIRST_ECHO_WAIT_MS;
    const late = Math.min(Math.max(this._srtt / 2, 4 * this._rttVar), this._srtt);
    return this._srtt + Math.max(late, ECHO_MARGIN_MS);
  }

  /** A key whose effect cannot be foreseen: what follows is tentative again. */
  private _newEpoch(): void {
    this._confirmedEpoch = false;
    this._confirmations = 0;
    this._probes = [];
    this._cursor = undefined;
  }

  /** Drop every prediction (their cells show the real screen again); tentative again. */
  private _reset(): void {
    this._cells.clear();
    this._newEpoch();
  }
}
