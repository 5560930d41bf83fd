// What reaches the UI of a tab's state changes. While the engine dials, it reports each
// attempt (every ~150 ms while the network is up): each one a render of the tab bar and
// status line for a countdown the UI draws from `nextTryAt` anyway. A new kind of state
// (connected, offline, ended...) passes at once; more of the same kind pass at most once
// per interval, the latest winning. Pure: time is an argument; the caller owns the timer.

/**
 * Least time between two states of the same kind sent to the UI (ms): twice a second
 * keeps the attempt count and last error fresh to the eye, a third of the dial rate.
 */
export const STATE_EVENT_INTERVAL_MS = 500;

export type ThrottleStep<S> = {
  /** Send this now. */
  readonly send: S | undefined;
  /** Call `due` at this time (a state is held back until then). */
  readonly wakeAt: number | undefined;
};

export class StateThrottle<S extends { readonly kind: string }> {
  private _lastKind: string | undefined;
  private _lastAt = -Infinity;
  private _held: S | undefined;

  constructor(private readonly _intervalMs = STATE_EVENT_INTERVAL_MS) {}

  /** A new state at `now`: send it, or hold it until `wakeAt`. */
  offer(state: S, now: number): ThrottleStep<S> {
    if (state.kind !== this._lastKind || now - this._lastAt >= this._intervalMs) {
      this._held = undefined;
      return { send: this._sent(state, now), wakeAt: undefined };
    }
    this._held = state;
    return { send: undefined, wakeAt: this._lastAt + this._intervalMs };
  }

  /** The held state, if its time has come. */
  due(now: number): ThrottleStep<S> {
    const held = this._held;
    if (held === undefined) return { send: undefined, wakeAt: undefined };
    if (now - this._lastAt < this._intervalMs) {
      return { send: undefined, wakeAt: this._lastAt + this._intervalMs };
    }
    this._held = undefined;
    return { send: this._sent(held, now), wakeAt: undefined };
  }

  private _sent(state: S, now: number): S {
    this._lastKind = state.kind;
    this._lastAt = now;
    return state;
  }
}
