// One xterm.js terminal and its addons, outside React: React re-renders, this keeps the
// terminal. It owns its DOM element, so a tab's view can move or remount without the
// terminal being re-created. It knows nothing of the contract: the store wires its
// callbacks to the API (input, resize, acks, links) and feeds it output.
//
// Flow control (xterm.js's write-callback scheme): every chunk is written with a callback;
// once xterm has parsed it, its byte count is added to the pending ack, which is sent in
// batches, and always when nothing is left in flight, so the engine side never waits on
// bytes the terminal already has.
//
// Kept screens: it knows the session offset its screen has reached (where the last parsed
// chunk ended), and on request serializes the screen exactly there, inside a write
// callback or when nothing is in flight, so screen and offset always match. A restored
// tab paints such a screen before its output resumes at that offset.
//
// The xterm.js terminal and the element are made by `TerminalDeps` (the browser's by
// default), so the flow control runs in unit tests on a real xterm without a DOM.

import { Terminal, type ITheme } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon, type ISearchOptions } from '@xterm/addon-search';
import { SerializeAddon } from '@xterm/addon-serialize';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { isWebUrl, SCREEN_MAX_CHARS } from '../../../main/contract/api';
import { chooseRenderer, type GpuChoice } from './gpu';
import { shortcutFor } from './shortcuts';
import { missingControlKey } from './controlKeys';
import { webglInfo } from './webglProbe';
import { parseShellMark, type ShellMark } from './shellMarks';
import { EchoOverlay, type OverlayShown } from './EchoOverlay';
import type { PredictMode, PredictStats } from '../../../main/common/predict/echoPredictor';

/** Parsed bytes collected before one ack is sent (unless the write queue drains first). */
export const ACK_BATCH_BYTES = 64 * 1024;

/**
 * Rows of scrollback kept with a screen for a restart: 2000 coloured rows serialize in
 * ~40 ms to ~260 K chars (measured); the default 10 000 take ~170 ms and 1.2 M chars, too
 * slow to take every few seconds while output flows. Older rows stay in the server's ring.
 */
export const SCREEN_SCROLLBACK_ROWS = 2000;

/** How the controller gets its parts: the browser's by default, fakes in unit tests. */
export type TerminalDeps = {
  createElement(): HTMLDivElement;
  createTerminal(options: ConstructorParameters<typeof Terminal>[0]): Terminal;
};

const BROWSER: TerminalDeps = {
  createElement: () => document.createElement('div'),
  createTerminal: (options) => new Terminal(options),
};

export type TerminalCallbacks = {
  /** Keystrokes: text, or `binary` (one byte per char code) for xterm's binary reports. */
  input(data: string, encoding: 'utf8' | 'binary'): void;
  resize(cols: number, rows: number): void;
  title(title: string): void;
  /** A program rang the bell (BEL). */
  bell(): void;
  /** Output bytes the terminal has parsed (flow control). */
  ack(bytes: number): void;
  /** An http(s) link the user clicked with Ctrl/Cmd. */
  openLink(url: string): void;
  /** A program asked to set the clipboard (OSC 52); `allowed` says whether it did. */
  clipboardWrite(allowed: boolean): void;
  searchResults(index: number, count: number): void;
  /** Session output has been parsed and is on screen (for when to keep the screen). */
  shown(): void;
  /** The screen as it stands after output up to `offset` (asked for by `requestScreen`). */
  screen(offset: string, data: string): void;
  /** A shell integration mark (OSC 133 or 633), as the parser reaches it. */
  shellMark?(mark: ShellMark): void;
};

export type TerminalLook = {
  fontFamily: string;
  /** Already multiplied by the zoom. */
  fontSize: number;
  theme: ITheme;
  scrollback: number;
  allowOsc52Write: boolean;
  /** Draw with WebGL: on a GPU only (auto), always when it exists (on), never (off). */
  gpu: GpuChoice;
  /** xterm's own defaults when absent: a blinking block, line height 1. */
  cursorStyle?: 'block' | 'underline' | 'bar';
  cursorBlink?: boolean;
  lineHeight?: number;
  /** Local echo prediction: on a slow link (auto), always, never. Default auto. */
  predict?: PredictMode;
};

export type RendererKind = 'webgl' | 'dom';

const SEARCH_DECORATIONS: ISearchOptions['decorations'] = {
  matchBackground: '#6b5a1e',
  matchBorder: '#b8982f',
  matchOverviewRuler: '#b8982f',
  activeMatchBackground: '#d7a52a',
  activeMatchBorder: '#ffd25e',
  activeMatchColorOverviewRuler: '#ffd25e',
};

export class TerminalController {
  readonly element: HTMLDivElement;
  readonly term: Terminal;
  private readonly _fit = new FitAddon();
  private readonly _search = new SearchAddon({ highlightLimit: 2000 });
  private readonly _serialize = new SerializeAddon();
  private readonly _echo: EchoOverlay;
  private _webgl: WebglAddon | undefined;
  private _renderer: RendererKind = 'dom';
  private _rendererNote = 'not opened yet';
  private _opened = false;
  private _disposed = false;
  private _allowOsc52 = false;
  private _gpu: GpuChoice;
  private _writesInFlight = 0;
  private _ackPending = 0;
  /** Session offset where the last parsed output ended; undefined before any. */
  private _shownEnd: bigint | undefined;
  private _screenWanted = false;
  private _resizeObserver: ResizeObserver | undefined;
  private _fitQueued = false;

  constructor(
    look: TerminalLook,
    private readonly _cb: TerminalCallbacks,
    deps: TerminalDeps = BROWSER,
  ) {
    this.element = deps.createElement();
    this.element.className = 'terminal-surface';
    this._allowOsc52 = look.allowOsc52Write;
    this._gpu = look.gpu;
    this.term = deps.createTerminal({
      allowProposedApi: true,
      fontFamily: look.fontFamily,
      fontSize: look.fontSize,
      theme: look.theme,
      scrollback: look.scrollback,
      cursorBlink: look.cursorBlink ?? true,
      cursorStyle: look.cursorStyle ?? 'block',
      lineHeight: look.lineHeight ?? 1,
      macOptionIsMeta: true,
      rightClickSelectsWord: false,
      // OSC 8 hyperlinks: same rule as plain-text links (http/https, Ctrl/Cmd+click).
      linkHandler: {
        activate: (event, text) => this._activateLink(event, text),
        allowNonHttpProtocols: false,
      },
    });
    this.term.loadAddon(this._fit);
    this.term.loadAddon(this._search);
    this.term.loadAddon(this._serialize);
    this.term.loadAddon(new Unicode11Addon());
    this.term.unicode.activeVersion = '11';
    this.term.loadAddon(new WebLinksAddon((event, uri) => this._activateLink(event, uri)));
    this._echo = new EchoOverlay(look.predict ?? 'auto');
    this.term.loadAddon(this._echo);

    this.term.onData((data) => this._typed(data, 'utf8'));
    this.term.onBinary((data) => this._typed(data, 'binary'));
    this.term.onResize(({ cols, rows }) => _cb.resize(cols, rows));
    this.term.onTitleChange((title) => _cb.title(title));
    this.term.onBell(() => _cb.bell());
    this._search.onDidChangeResults(({ resultIndex, resultCount }) =>
      _cb.searchResults(resultIndex, resultCount),
    );
    // App shortcuts go to the window; everything else to the shell, with the control
    // bytes xterm.js leaves out (Ctrl+- is C-_) sent here.
    this.term.attachCustomKeyEventHandler((e) => {
      if (shortcutFor(e) !== undefined) return false;
      const control = missingControlKey(e);
      if (control === undefined) return true;
      if (e.type === 'keydown') {
        e.preventDefault();
        this._typed(control, 'utf8');
      }
      return false;
    });
    // OSC 52: a program setting the clipboard. Off by default; reading it never works.
    this.term.parser.registerOscHandler(52, (data) => {
      this._onOsc52(data);
      return true;
    });
    // Shell integration: where commands start and end, and their exit status.
    for (const osc of [133, 633]) {
      this.term.parser.registerOscHandler(osc, (data) => {
        const mark = parseShellMark(data);
        if (mark) _cb.shellMark?.(mark);
        return true;
      });
    }
  }

  get renderer(): RendererKind {
    return this._renderer;
  }

  /** Why this renderer: "WebGL2" or the reason WebGL was not used. */
  get rendererNote(): string {
    return this._rendererNote;
  }

  get cols(): number {
    return this.term.cols;
  }

  get rows(): number {
    return this.term.rows;
  }

  /** Puts the terminal into `parent` (first time: opens it). */
  mount(parent: HTMLElement): void {
    if (this._disposed) return;
    if (this.element.parentElement !== parent) parent.appendChild(this.element);
    if (!this._opened) {
      this._opened = true;
      this.term.open(this.element);
      this._applyRenderer();
      this._resizeObserver = new ResizeObserver(() => this.queueFit());
      this._resizeObserver.observe(this.element);
    }
    this.queueFit();
  }

  /** Fits the terminal to its element on the next frame (coalesced). */
  queueFit(): void {
    if (this._fitQueued) return;
    this._fitQueued = true;
    requestAnimationFrame(() => {
      this._fitQueued = false;
      this.fitNow();
    });
  }

  /** Fits now, when the element is visible (a hidden element has no size to fit). */
  fitNow(): void {
    if (this._disposed || !this._opened || this.element.offsetParent === null) return;
    const dims = this._fit.proposeDimensions();
    if (!dims || !Number.isFinite(dims.cols) || !Number.isFinite(dims.rows)) return;
    if (dims.cols < 1 || dims.rows < 1) return;
    if (dims.cols !== this.term.cols || dims.rows !== this.term.rows) this._fit.fit();
  }

  focus(): void {
    this.term.focus();
  }

  /**
   * Output from the session: `data` decoded from `bytes` raw bytes starting at session
   * offset `offset`; `bytes` is what the engine counts for flow control.
   */
  writeOutput(data: string, bytes: number, offset: string): void {
    if (this._disposed) return;
    this._writesInFlight++;
    // A decoder's held-back tail comes with bytes 0: it moves no offset.
    const end = bytes > 0 ? BigInt(offset) + BigInt(bytes) : undefined;
    this.term.write(data, () => this._parsed(bytes, end, true));
  }

  /**
   * A kept screen of a restored tab, shown as it was after output up to `offset`, where
   * the session's output goes on. Counts for nothing in flow control (not engine output).
   */
  paintScreen(data: string, offset: string): void {
    if (this._disposed) return;
    this._writesInFlight++;
    this.term.write(data, () => this._parsed(0, BigInt(offset), false));
  }

  /**
   * A new connection (a retry, maybe a new session): its offsets are its own, so no screen
   * is taken until its output has been parsed.
   */
  newConnection(): void {
    this._shownEnd = undefined;
  }

  /**
   * Asks for the screen (`screen` callback): now when nothing is being parsed, else right
   * after the next chunk is, so the screen is exactly that of its offset.
   */
  requestScreen(): void {
    if (this._disposed) return;
    if (this._writesInFlight === 0) this._takeScreen();
    else this._screenWanted = true;
  }

  /** A visible marker where output was lost (never a silent skip). */
  writeGap(from: string, to: string, skipped = false): void {
    const n = BigInt(to) - BigInt(from);
    this.writeMarker(
      skipped
        ? `[... ${sizeText(n)} of earlier output not replayed here: the session's last part follows]`
        : `[... ${n.toString()} bytes of output were lost: the server's scrollback no longer held them]`,
    );
  }

  /** A line of our own in the terminal, set apart from the session's output. */
  writeMarker(text: string): void {
    if (this._disposed) return;
    this.term.write(`\r\n\x1b[0;1;33m${text}\x1b[0m\r\n`);
  }

  applyLook(look: TerminalLook): void {
    this._allowOsc52 = look.allowOsc52Write;
    this._echo.restyle(look.predict ?? 'auto');
    const o = this.term.options;
    if (o.fontFamily !== look.fontFamily) o.fontFamily = look.fontFamily;
    if (o.fontSize !== look.fontSize) o.fontSize = look.fontSize;
    if (o.scrollback !== look.scrollback) o.scrollback = look.scrollback;
    if (o.cursorBlink !== (look.cursorBlink ?? true)) o.cursorBlink = look.cursorBlink ?? true;
    if (o.cursorStyle !== (look.cursorStyle ?? 'block'))
      o.cursorStyle = look.cursorStyle ?? 'block';
    if (o.lineHeight !== (look.lineHeight ?? 1)) o.lineHeight = look.lineHeight ?? 1;
    o.theme = look.theme;
    if (look.gpu !== this._gpu) {
      this._gpu = look.gpu;
      if (this._opened) this._applyRenderer();
    }
    this.queueFit();
  }

  find(
    text: string,
    direction: 'next' | 'previous',
    opts: { caseSensitive: boolean; regex: boolean; wholeWord?: boolean },
  ): boolean {
    const options: ISearchOptions = { ...opts, decorations: SEARCH_DECORATIONS };
    if (text === '') {
      this._search.clearDecorations();
      this._cb.searchResults(-1, 0);
      return false;
    }
    return direction === 'next'
      ? this._search.findNext(text, { ...options, incremental: true })
      : this._search.findPrevious(text, options);
  }

  clearSearch(): void {
    this._search.clearDecorations();
    this.term.clearSelection();
  }

  selection(): string {
    return this.term.getSelection();
  }

  paste(text: string): void {
    this.term.paste(text);
  }

  selectAll(): void {
    this.term.selectAll();
  }

  clearScrollback(): void {
    this.term.clear();
  }

  /** The whole buffer as HTML (colours kept), for "Copy as HTML". */
  serializeHtml(): string {
    return this._serialize.serializeAsHTML({ includeGlobalBackground: true });
  }

  /** The whole buffer as text with escape sequences (for the test hook and debugging). */
  serialize(): string {
    return this._serialize.serialize();
  }

  /** Lines of the active buffer, right-trimmed; the viewport only, or all with scrollback. */
  lines(which: 'viewport' | 'all'): string[] {
    const buffer = this.term.buffer.active;
    const start = which === 'viewport' ? buffer.viewportY : 0;
    const end = which === 'viewport' ? buffer.viewportY + this.term.rows : buffer.length;
    const out: string[] = [];
    for (let y = start; y < end; y++) out.push(buffer.getLine(y)?.translateToString(true) ?? '');
    return out;
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    this._resizeObserver?.disconnect();
    this.term.dispose();
    this.element.remove();
  }

  /** What local echo prediction draws over the screen now (for the test hooks). */
  predicted(): OverlayShown {
    return this._echo.shown();
  }

  /** Local echo prediction's counts and measured echo delay (for the test hooks). */
  predictStats(): PredictStats & { rttMs: number | undefined } {
    const p = this._echo.predictor;
    return { ...p.stats, rttMs: p.rttMs };
  }

  /**
   * Keys to the session. Echo prediction draws first (a fraction of a millisecond), before
   * sending does its work; the keys are sent whatever happens in the drawing.
   */
  private _typed(data: string, encoding: 'utf8' | 'binary'): void {
    try {
      // Binary reports (a mouse in X10 mode) are no keys: one ESC stands for "unforeseeable".
      this._echo.typed(encoding === 'utf8' ? data : '\x1b');
    } finally {
      this._cb.input(data, encoding);
    }
  }

  /** A write was parsed: `end` is the offset it reached; `fresh` when it was new output. */
  private _parsed(bytes: number, end: bigint | undefined, fresh: boolean): void {
    this._writesInFlight--;
    this._echo.parsed();
    if (end !== undefined) {
      this._shownEnd = end;
      if (fresh && !this._disposed) this._cb.shown();
    }
    if (this._screenWanted) this._takeScreen();
    this._ackPending += bytes;
    if (
      this._ackPending >= ACK_BATCH_BYTES ||
      (this._writesInFlight === 0 && this._ackPending > 0)
    ) {
      const n = this._ackPending;
      this._ackPending = 0;
      this._cb.ack(n);
    }
  }

  private _takeScreen(): void {
    this._screenWanted = false;
    if (this._disposed || this._shownEnd === undefined) return;
    // Fewer rows of scrollback until it fits what the host keeps.
    for (let rows = SCREEN_SCROLLBACK_ROWS; ; rows >>= 1) {
      const data = this._serialize.serialize({ scrollback: rows });
      if (data.length <= SCREEN_MAX_CHARS) {
        this._cb.screen(this._shownEnd.toString(), data);
        return;
      }
      if (rows === 0) return; // the screen alone is too big: none is kept (a restart replays)
    }
  }

  /** Loads or unloads the WebGL addon as the setting and this machine's WebGL decide. */
  private _applyRenderer(): void {
    const want = chooseRenderer(this._gpu, webglInfo());
    if (want.kind === 'dom') {
      this._dropWebgl();
      this._renderer = 'dom';
      this._rendererNote = want.note;
      return;
    }
    if (this._webgl) return;
    try {
      const webgl = new WebglAddon();
      webgl.onContextLoss(() => {
        // The GPU went away (driver reset, too many contexts): fall back, keep the text.
        this._dropWebgl();
        this._renderer = 'dom';
        this._rendererNote = 'DOM (the WebGL context was lost)';
      });
      this.term.loadAddon(webgl);
      this._webgl = webgl;
      this._renderer = 'webgl';
      this._rendererNote = want.note;
    } catch (error) {
      this._renderer = 'dom';
      this._rendererNote = `DOM (WebGL failed: ${(error as Error).message})`;
    }
  }

  private _dropWebgl(): void {
    const webgl = this._webgl;
    this._webgl = undefined;
    webgl?.dispose();
  }

  private _activateLink(event: MouseEvent, uri: string): void {
    // A plain click selects text; following a link takes Ctrl (Cmd on macOS).
    if (!(event.ctrlKey || event.metaKey)) return;
    if (!isWebUrl(uri)) return;
    this._cb.openLink(uri);
  }

  private _onOsc52(data: string): void {
    // OSC 52 ; Pc ; Pd  — Pd is base64, or "?" to read (never answered).
    const semi = data.indexOf(';');
    const payload = semi < 0 ? '' : data.slice(semi + 1);
    if (payload === '?' || payload === '') return;
    if (!this._allowOsc52) {
      this._cb.clipboardWrite(false);
      return;
    }
    let text: string;
    try {
      const binary = atob(payload);
      const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
      text = new TextDecoder().decode(bytes);
    } catch {
      return;
    }
    void navigator.clipboard?.writeText(text).then(
      () => this._cb.clipboardWrite(true),
      () => this._cb.clipboardWrite(false),
    );
  }
}

/** A byte count for a person: 812 bytes, 35 KiB, 7.4 MiB. */
function sizeText(n: bigint): string {
  const b = Number(n);
  if (b < 1024) return `${b} bytes`;
  if (b < 1024 * 1024) return `${Math.round(b / 1024)} KiB`;
  return `${(b / (1024 * 1024)).toFixed(1)} MiB`;
}
