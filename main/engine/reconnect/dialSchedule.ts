// When to start the next dial while a host is unreachable. Pure: time and randomness
// are arguments, so the schedule is unit-tested with a fake clock.
//
// Why these numbers: after a link dies we want output flowing again within about one
// dial interval plus a handshake once the network heals, so early dials are frequent
// (a TCP SYN every ~150 ms costs almost nothing; a SYN lost in the outage is only sent
// again a second later, so after a heal only a fresh dial helps, and the wait for it is
// half an interval on average: bench, netns black hole, heal → first new byte median
// 148-254 ms at 250 ms, 112-145 ms at 150 ms). Dials overlap: a dial stuck in a
// black-holed network does not delay the next. After minutes offline (a laptop asleep,
// a train tunnel) the interval grows so an idle client does not keep the radio busy;
// an OS signal (resume, network change) starts over at the fast end.

/** Interval while the outage is young and the network is believed up (ms). */
export const FAST_INTERVAL_MS = 150;
/** How long the fast cadence lasts (ms). */
export const FAST_PHASE_MS = 15_000;
/** The cap "near 1 s" while the network is believed up (ms). */
export const STEADY_INTERVAL_MS = 1_000;
/** After this long offline, dial less often (ms). */
export const SLOW_AFTER_MS = 5 * 60_000;
/** Interval after SLOW_AFTER_MS offline (ms). */
export const SLOW_INTERVAL_MS = 5_000;
/** ± fraction of jitter, so many tabs or clients never dial in lockstep. */
export const JITTER = 0.2;
/**
 * Dials in flight at once; the oldest is abandoned when a new one would exceed it. At the
 * fast cadence a dial still waiting for its SYN's answer thus gets 8 × 150 ms = 1.2 s: a
 * satellite link's round trip (~600 ms) fits twice.
 */
export const MAX_CONCURRENT_DIALS = 8;
/**
 * Dials in their SSH handshake at once; no new dial starts while this many are. Measured
 * through the fault proxy, which accepts TCP during its black hole and releases every held
 * connection at the heal: heal -> first new byte 108-111 ms with 4 racing, ~140 ms with
 * up to 8, 207-236 ms with up to 16.
 */
export const MAX_HANDSHAKING_DIALS = 4;

/**
 * A dial that got a reset or a refusal back is news: packets cross the path again (a
 * middlebox that lost the connections opened during an outage resets them as the path
 * heals). The next dial then starts at once instead of at the next tick of the cadence;
 * when that one is turned away the same way too (a server that keeps refusing), the
 * following waits this long, doubling each time, until the cadence comes sooner anyway:
 * 50, 100, 200 ms… so a refusing server costs a few dials more, never a loop (ms).
 */
export const ANSWERED_BACKOFF_FIRST_MS = 50;

/**
 * Delay before the next dial after one came back with a reset or a refusal, given how
 * many dials started that way in a row before (0: this is the first news).
 */
export function answeredRedialDelay(inARow: number, random: () => number): number {
  if (inARow <= 0) return 0;
  const jitter = 1 + JITTER * (2 * random() - 1);
  return Math.round(ANSWERED_BACKOFF_FIRST_MS * 2 ** Math.min(inARow - 1, 16) * jitter);
}

/**
 * A dial whose TCP connection is up but whose server has not said a byte (its SSH version
 * line, sent as soon as it accepts) for this long is parked in a middlebox, not slow: it
 * no longer counts against MAX_HANDSHAKING_DIALS, so a fresh dial may replace it (ms).
 * A second is well past a satellite link's round trip (~600 ms).
 */
export const HANDSHAKE_PARKED_MS = 1_000;

/**
 * Delay before the next dial, given how long this outage has lasted (since the link was
 * judged dead, or since the last OS network signal, whichever is later).
 * `random` returns a number in [0, 1).
 */
export function nextDialDelay(outageMs: number, random: () => number): number {
  const base =
    outageMs < FAST_PHASE_MS
      ? FAST_INTERVAL_MS
      : outageMs < SLOW_AFTER_MS
        ? STEADY_INTERVAL_MS
        : SLOW_INTERVAL_MS;
  const jitter = 1 + JITTER * (2 * random() - 1);
  return Math.round(base * jitter);
}
