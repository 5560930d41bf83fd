// Whether an SSH link is alive, judged from when bytes last arrived on it. Pure, in the
// style of mosh's transport sender (src/network/transportsender.h: tick() and
// wait_time()): the caller tells it what happened and when, asks it for a verdict with
// tick(now), and looks again at nextCheckAt(). It keeps no timers and reads no clock, so
// its rules are unit-tested with plain numbers.
//
// The rules (DESIGN.md "Reconnection"):
// - every byte heard is a sign of life (ssh2 probes every interval, but a reply queued
//   behind a flood is late while the flood itself proves the link);
// - silent for more than SUSPECT_INTERVALS intervals: suspect, fresh dials start
//   alongside while the link is still used;
// - suspect, and then heard again within an interval: revived, the dials are called off
//   (only bytes heard after the suspicion began count: after a network change, bytes
//   from before it prove nothing about the path after it);
// - silent for interval × countMax: dead.

/**
 * Intervals of silence before the link is suspect. Not 1: ssh2 sends the next probe an
 * interval after the last reply, so an idle link is silent for an interval plus a round
 * trip between replies; 2 leaves a round trip of up to an interval (1 s by default: a
 * satellite link's ~600 ms fits) before dialing needlessly.
 */
export const SUSPECT_INTERVALS = 2;

/** How often a suspect link is looked at for signs of revival, as a fraction of the interval. */
const REVIVAL_CHECKS_PER_INTERVAL = 4;
/** ...but not more often than this (ms). */
const MIN_REVIVAL_CHECK_MS = 100;

export type Keepalive = {
  /** Between probes (ServerAliveInterval), ms. */
  intervalMs: number;
  /** Intervals of complete silence before the link is dead (ServerAliveCountMax). */
  countMax: number;
};

export type LinkVerdict =
  /** Nothing to do. */
  | { kind: 'alive' }
  /** Silent long enough to doubt it, for the first time: dial alongside it. */
  | { kind: 'suspect'; silentMs: number }
  /** It was suspect and spoke again: call off the dials alongside. */
  | { kind: 'revived' }
  /** Silent for interval × countMax: drop it and reconnect. */
  | { kind: 'dead'; silentMs: number };

export class LinkMonitor {
  private _lastHeard: number;
  private _lastTick: number;
  /** Since when the link is suspect (ms), or undefined. */
  private _suspectSince: number | undefined;

  constructor(
    private readonly _keepalive: Keepalive,
    now: number,
  ) {
    this._lastHeard = now;
    this._lastTick = now;
  }

  /** Whether dials alongside the link are due (it is suspect). */
  get suspect(): boolean {
    return this._suspectSince !== undefined;
  }

  /** Bytes arrived from the server at `now`. */
  heard(now: number): void {
    if (now > this._lastHeard) this._lastHeard = now;
  }

  /**
   * Doubt the link from `now` on, whatever was heard before (the network changed): it is
   * revived only by bytes heard after `now`.
   */
  doubt(now: number): void {
    this._suspectSince = now;
  }

  /** The verdict at `now`; call it at nextCheckAt() (and whenever else you like). */
  tick(now: number): LinkVerdict {
    this._lastTick = now;
    const { intervalMs, countMax } = this._keepalive;
    const silentMs = now - this._lastHeard;
    if (silentMs > intervalMs * countMax) return { kind: 'dead', silentMs };
    if (this._suspectSince === undefined) {
      if (silentMs <= intervalMs * SUSPECT_INTERVALS) return { kind: 'alive' };
      this._suspectSince = now;
      return { kind: 'suspect', silentMs };
    }
    if (this._lastHeard > this._suspectSince && silentMs <= intervalMs) {
      this._suspectSince = undefined;
      return { kind: 'revived' };
    }
    return { kind: 'alive' };
  }

  /**
   * When a verdict may next change (ms): when silence would make the link suspect or dead,
   * or, while it is suspect, the next look for signs of revival. Bytes heard meanwhile
   * only make it later, so a check at this time is never too late.
   */
  nextCheckAt(): number {
    const { intervalMs, countMax } = this._keepalive;
    const deadAt = this._lastHeard + intervalMs * countMax + 1;
    if (this._suspectSince !== undefined) {
      const look = Math.max(MIN_REVIVAL_CHECK_MS, intervalMs / REVIVAL_CHECKS_PER_INTERVAL);
      return Math.min(deadAt, this._lastTick + look);
    }
    return Math.min(deadAt, this._lastHeard + intervalMs * SUSPECT_INTERVALS + 1);
  }
}
