// An engine Tab driven by the test: output, gaps and states happen when the test says,
// and it counts what the bridge asked of it (pauses, resumes, keystrokes). For the
// host-side tests of EngineBridge, where the engine's own behaviour is not the subject.

import type { Disposable, Tab, TabState } from '../../main/engine/types';

export class ScriptedTab implements Tab {
  readonly id = 'engine-tab';
  readonly sessionId: string | undefined;
  state: TabState;
  paused = 0;
  resumed = 0;
  written: Buffer[] = [];
  /** Offset of the next output byte (what the engine has received). */
  received = 0n;
  nextSeq = 1n;
  private readonly _clientId: string | undefined;
  private readonly _out = new Set<(d: Buffer, o: bigint) => void>();
  private readonly _gap = new Set<(f: bigint, t: bigint, skipped: boolean) => void>();
  private readonly _state = new Set<(s: TabState) => void>();

  /** With a `clientId` the tab is resumable (it has a snapshot); without, a plain shell. */
  constructor(opts: { sessionId?: string; state?: TabState; clientId?: string } = {}) {
    this.sessionId = opts.sessionId;
    this.state = opts.state ?? { kind: 'connecting', step: 'dialling' };
    this._clientId = opts.clientId;
  }

  private _sub<T>(set: Set<T>, fn: T): Disposable {
    set.add(fn);
    return { dispose: () => set.delete(fn) };
  }
  onOutput(fn: (d: Buffer, o: bigint) => void) {
    return this._sub(this._out, fn);
  }
  onGap(fn: (f: bigint, t: bigint, skipped: boolean) => void) {
    return this._sub(this._gap, fn);
  }
  onState(fn: (s: TabState) => void) {
    return this._sub(this._state, fn);
  }
  onNotice() {
    return { dispose() {} };
  }
  output(bytes: Buffer): void {
    const at = this.received;
    this.received += BigInt(bytes.length);
    for (const fn of this._out) fn(bytes, at);
  }
  gap(to: bigint): void {
    for (const fn of this._gap) fn(this.received, to, false);
    this.received = to;
  }
  setState(s: TabState): void {
    this.state = s;
    for (const fn of this._state) fn(s);
  }
  write(data: Buffer) {
    this.written.push(data);
    this.nextSeq++;
    return { ok: true as const };
  }
  resize() {}
  signal() {}
  pause() {
    this.paused++;
  }
  resume() {
    this.resumed++;
  }
  readonly shownOffsets: bigint[] = [];
  shown(offset: bigint) {
    this.shownOffsets.push(offset);
  }
  reconnectNow() {}
  async detach() {}
  async kill() {}
  snapshot() {
    if (this._clientId === undefined) return undefined;
    return {
      clientId: this._clientId,
      received: this.received.toString(),
      nextSeq: this.nextSeq.toString(),
    };
  }
}
