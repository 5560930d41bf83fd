// The Tab the engine hands out at once, before it knows which session (or plain shell)
// it will show: keystrokes wait in its resume state until a session is bound.

import { TabEventSource } from './tabEvents';
import type { ResumeState } from './protocol/resume';
import type { SessionTab } from './sessionTab';
import type { ExecChannel } from './transport/remoteClient';
import type { PipeTab, TabState } from './types';

/**
 * The Tab handed out at once by openTab: it queues keystrokes in its resume state until
 * the session is attached, then forwards to the SessionTab (or the plain shell).
 */
export class TabHandle extends TabEventSource implements PipeTab {
  readonly id: string;
  private _inner: SessionTab | undefined;
  private _plain: ExecChannel | undefined;
  private _plainOffset = 0n;
  private _state: TabState = { kind: 'connecting', step: 'resolving' };
  private _finished = false;
  private _closedEarly = false;
  private readonly _finishers: (() => void)[] = [];
  private _paused = false;

  constructor(readonly resumeState: ResumeState) {
    super();
    this.id = `tab-${resumeState.clientId.toString('hex').slice(0, 8)}`;
  }

  get sessionId(): string | undefined {
    return this._inner?.sessionId;
  }
  get state(): TabState {
    return this._state;
  }
  get closedEarly(): boolean {
    return this._closedEarly;
  }

  setState(s: TabState): void {
    this._state = s;
    this._emitState(s);
  }
  notice(m: string): void {
    this._emitNotice(m);
  }
  fail(errorKind: string, reason: string): void {
    this.setState({ kind: 'failed', reason, errorKind });
    this.finish();
  }
  onFinished(fn: () => void): void {
    if (this._finished) fn();
    else this._finishers.push(fn);
  }
  finish(): void {
    if (this._finished) return;
    this._finished = true;
    for (const f of this._finishers.splice(0)) f();
  }

  bind(inner: SessionTab): void {
    this._inner = inner;
    inner.onOutput((d, o) => this._emitOutput(d, o));
    inner.onStderr((d, o) => this._emitStderr(d, o));
    inner.onInputAcked(() => this._emitInputAcked());
    inner.onGap((f, t, skipped) => this._emitGap(f, t, skipped));
    inner.onNotice((m) => this._emitNotice(m));
    inner.onState((s) => this.setState(s));
    if (this._paused) inner.pause();
    this.setState(inner.state);
  }

  bindPlain(ch: ExecChannel, watch: () => () => void): void {
    this._plain = ch;
    const unwatch = watch();
    ch.on('data', (d: Buffer) => {
      this._emitOutput(d, this._plainOffset);
      this._plainOffset += BigInt(d.length);
    });
    ch.on('exit', (code: number | null) => {
      if (this._state.kind !== 'failed') this.setState({ kind: 'ended', exitCode: code ?? 255 });
    });
    ch.on('close', () => {
      unwatch();
      this.finish();
    });
    if (this._paused) ch.pause();
    this.setState({ kind: 'connected', sessionId: '', resilient: false });
  }

  write(data: Buffer): { ok: true } | { ok: false; reason: string } {
    if (this._plain) {
      this._plain.write(data);
      return { ok: true };
    }
    if (this._inner) return this._inner.write(data);
    const r = this.resumeState.write(data);
    return r.ok ? { ok: true } : r;
  }
  resize(cols: number, rows: number): void {
    if (this._plain) this._plain.setWindow(rows, cols, 0, 0);
    else if (this._inner) this._inner.resize(cols, rows);
    else this.resumeState.resize(cols, rows);
  }
  signal(name: 'INT' | 'TERM' | 'HUP' | 'KILL' | 'QUIT'): void {
    if (this._plain) this._plain.signal(name);
    else this._inner?.signal(name);
  }
  pause(): void {
    this._paused = true;
    this._inner?.pause();
    this._plain?.pause();
  }
  resume(): void {
    this._paused = false;
    this._inner?.resume();
    this._plain?.resume();
  }
  reconnectNow(): void {
    this._inner?.reconnectNow();
  }
  shown(offset: bigint): void {
    this._inner?.shown(offset); // a plain shell's flow control is the SSH channel's
  }
  async detach(): Promise<void> {
    this._closedEarly = true;
    if (this._inner) await this._inner.detach();
    else if (this._plain) this._plain.close();
    this.finish();
  }
  async kill(): Promise<void> {
    this._closedEarly = true;
    if (this._inner) await this._inner.kill();
    else if (this._plain) this._plain.close();
    this.finish();
  }
  snapshot() {
    return this._inner ? this._inner.snapshot() : undefined;
  }
  get unackedInput(): number {
    return this._plain ? 0 : this.resumeState.unackedBytes;
  }
  endInput(): { ok: true } | { ok: false; reason: string } {
    if (this._plain) {
      this._plain.end();
      return { ok: true };
    }
    if (this._inner) return this._inner.endInput();
    const r = this.resumeState.endInput();
    return r.ok ? { ok: true } : r;
  }
  written(offset: bigint, errOffset: bigint): void {
    this._inner?.written(offset, errOffset);
  }
}
