// Local echo prediction in a tab: an xterm.js addon that draws the predicted cells and
// cursor of the shared core (main/common/predict) in a layer of its own over the terminal's
// screen, underlined until the real echo confirms them. Drawing only: the terminal's
// buffer, its saved screen and its scrollback only ever hold the session's output.
//
// The layer is plain DOM, updated in the keystroke's own event handler (not on xterm's
// next render frame), so a typed character is on the page within the same task.

import type { IDisposable, ITerminalAddon, Terminal } from '@xterm/xterm';
import {
  EchoPredictor,
  type Overlay,
  type PredictMode,
} from '../../../main/common/predict/echoPredictor';
import { bufferScreen } from '../../../main/common/predict/screenView';

/** What the layer shows, for the end-to-end tests: predicted text by viewport row. */
export type OverlayShown = { row: number; col: number; text: string }[];

export class EchoOverlay implements ITerminalAddon {
  private readonly _predictor: EchoPredictor;
  private _term: Terminal | undefined;
  private _layer: HTMLDivElement | undefined;
  private _timer: ReturnType<typeof setTimeout> | undefined;
  private _timerAt: number | undefined;
  private _drawn: Overlay | undefined;
  /** A cell's size in CSS pixels, measured once per size or font (reading it lays out). */
  private _cell: { w: number; h: number } | undefined;
  private readonly _subs: IDisposable[] = [];

  constructor(
    mode: PredictMode,
    private readonly _now: () => number = () => performance.now(),
  ) {
    this._predictor = new EchoPredictor(mode);
  }

  get predictor(): EchoPredictor {
    return this._predictor;
  }

  activate(term: Terminal): void {
    this._term = term;
    this._subs.push(
      term.onScroll(() => this._draw()),
      term.onResize(() => {
        this._cell = undefined;
        this._draw();
      }),
    );
  }

  /** The setting, or the font or zoom (which change the cell's size), changed. */
  restyle(mode: PredictMode): void {
    this._predictor.setMode(mode);
    this._cell = undefined;
    this._drawn = undefined;
    this._draw();
  }

  /** Keys the user typed, just sent to the session. */
  typed(data: string): void {
    const term = this._term;
    if (!term) return;
    this._predictor.input(data, this._screen(term), this._now());
    this._after();
  }

  /** Output was parsed into the terminal. */
  parsed(): void {
    const term = this._term;
    if (!term || this._predictor.mode === 'never') return;
    this._predictor.output(this._screen(term), this._now());
    this._after();
    // Measure now, while output is being shown anyway, not in the first keystroke's task.
    if (this._predictor.drawing && !this._cell) this._measure(term);
  }

  /** The layer's text, for the test hooks. */
  shown(): OverlayShown {
    const out: OverlayShown = [];
    for (const el of this._layer?.children ?? []) {
      const e = el as HTMLElement;
      if (e.dataset.row === undefined) continue;
      out.push({
        row: Number(e.dataset.row),
        col: Number(e.dataset.col),
        text: e.textContent ?? '',
      });
    }
    return out;
  }

  dispose(): void {
    if (this._timer) clearTimeout(this._timer);
    for (const s of this._subs.splice(0)) s.dispose();
    this._layer?.remove();
    this._layer = undefined;
    this._term = undefined;
  }

  private _screen(term: Terminal) {
    return bufferScreen(
      () => term.buffer.active,
      () => term.cols,
    );
  }

  private _after(): void {
    this._draw();
    this._schedule();
  }

  /** A tick when the oldest unconfirmed prediction's echo is overdue. */
  private _schedule(): void {
    const at = this._predictor.nextCheckAt();
    if (at === this._timerAt) return;
    if (this._timer) clearTimeout(this._timer);
    this._timer = undefined;
    this._timerAt = at;
    if (at === undefined) return;
    this._timer = setTimeout(
      () => {
        this._timer = undefined;
        this._timerAt = undefined;
        const term = this._term;
        if (!term) return;
        this._predictor.tick(this._screen(term), this._now());
        this._after();
      },
      Math.max(0, at - this._now()),
    );
  }

  private _draw(): void {
    const term = this._term;
    if (!term) return;
    const overlay = this._predictor.overlay();
    if (overlay === this._drawn && overlay.cells.length === 0) return;
    this._drawn = overlay;
    const layer = this._ensureLayer(term);
    if (!layer) return;
    layer.replaceChildren();
    layer.style.fontFamily = term.options.fontFamily ?? '';
    layer.style.fontSize = `${term.options.fontSize ?? 13}px`;
    if (overlay.cells.length === 0 && !overlay.cursor) return;
    const { w: cellW, h: cellH } = this._cell ?? this._measure(term);
    const top = term.buffer.active.viewportY;
    const theme = term.options.theme ?? {};
    const place = (el: HTMLElement, x: number, y: number, width: number): boolean => {
      const row = y - top;
      if (row < 0 || row >= term.rows) return false;
      el.style.left = `${x * cellW}px`;
      el.style.top = `${row * cellH}px`;
      el.style.width = `${width * cellW}px`;
      el.style.height = `${cellH}px`;
      el.style.lineHeight = `${cellH}px`;
      el.dataset.row = String(row);
      el.dataset.col = String(x);
      return true;
    };
    for (const c of overlay.cells) {
      const el = document.createElement('span');
      el.className = 'hf-predict-cell';
      el.textContent = c.text;
      el.style.color = theme.foreground ?? '';
      el.style.background = theme.background ?? '';
      if (place(el, c.x, c.y, c.width)) layer.appendChild(el);
    }
    if (overlay.cursor) {
      const el = document.createElement('span');
      el.className = 'hf-predict-cursor';
      el.style.background = theme.cursor ?? theme.foreground ?? '';
      if (place(el, overlay.cursor.x, overlay.cursor.y, 1)) {
        delete el.dataset.row; // not text: left out of shown()
        layer.appendChild(el);
      }
    }
  }

  /** A cell's size: reading the screen's size lays the page out, so it is kept. */
  private _measure(term: Terminal): { w: number; h: number } {
    const screen = this._ensureLayer(term)?.parentElement;
    const cell = screen
      ? { w: screen.clientWidth / term.cols, h: screen.clientHeight / term.rows }
      : { w: 0, h: 0 };
    // A hidden tab has no size yet: measure again once it is shown.
    if (cell.w > 0 && cell.h > 0) this._cell = cell;
    return cell;
  }

  private _ensureLayer(term: Terminal): HTMLDivElement | undefined {
    if (this._layer?.isConnected) return this._layer;
    const screen = term.element?.querySelector('.xterm-screen');
    if (!screen) return undefined;
    const layer = document.createElement('div');
    layer.className = 'hf-predict-layer';
    screen.appendChild(layer);
    this._layer = layer;
    return layer;
  }
}
