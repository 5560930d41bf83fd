// The events every tab offers (output, gap, state, notice; pipes: stderr, input acked), in one place: the tab the
// engine hands out and the session tab behind it both extend this.

import { EventEmitter } from 'node:events';
import type { Disposable, TabState } from './types';

export abstract class TabEventSource {
  private readonly _emitter = new EventEmitter();

  constructor() {
    this._emitter.setMaxListeners(0);
  }

  onOutput(l: (data: Buffer, offset: bigint) => void): Disposable {
    return this._listen('output', l);
  }
  /** Output from..to fell out of the server's ring before this tab got it or, `skipped`,
   * was left out on purpose (an attach that replays only the last part of a session). */
  onGap(l: (from: bigint, to: bigint, skipped: boolean) => void): Disposable {
    return this._listen('gap', l);
  }
  onState(l: (s: TabState) => void): Disposable {
    return this._listen('state', l);
  }
  onNotice(l: (m: string) => void): Disposable {
    return this._listen('notice', l);
  }
  onStderr(l: (data: Buffer, offset: bigint) => void): Disposable {
    return this._listen('stderr', l);
  }
  onInputAcked(l: () => void): Disposable {
    return this._listen('input-acked', l);
  }

  protected _emitOutput(data: Buffer, offset: bigint): void {
    this._emitter.emit('output', data, offset);
  }
  protected _emitGap(from: bigint, to: bigint, skipped = false): void {
    this._emitter.emit('gap', from, to, skipped);
  }
  protected _emitState(s: TabState): void {
    this._emitter.emit('state', s);
  }
  protected _emitNotice(m: string): void {
    this._emitter.emit('notice', m);
  }
  protected _emitStderr(data: Buffer, offset: bigint): void {
    this._emitter.emit('stderr', data, offset);
  }
  protected _emitInputAcked(): void {
    this._emitter.emit('input-acked');
  }

  private _listen<A extends unknown[]>(event: string, l: (...a: A) => void): Disposable {
    const f = l as (...a: unknown[]) => void;
    this._emitter.on(event, f);
    return { dispose: () => this._emitter.off(event, f) };
  }
}
