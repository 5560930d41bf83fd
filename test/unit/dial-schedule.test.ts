// Proves the reconnect cadence of dialSchedule.ts: a dial every ~150 ms while an outage is
// young, ~1 s after FAST_PHASE_MS, ~5 s after SLOW_AFTER_MS, each within ±JITTER of its
// base, with the randomness injected (a fake random gives exact, repeatable delays).
import { describe, expect, it } from 'vitest';
import {
  FAST_INTERVAL_MS,
  FAST_PHASE_MS,
  JITTER,
  MAX_CONCURRENT_DIALS,
  SLOW_AFTER_MS,
  SLOW_INTERVAL_MS,
  STEADY_INTERVAL_MS,
  nextDialDelay,
} from '../../main/engine/reconnect/dialSchedule';

const middle = () => 0.5;

describe('dial schedule', () => {
  it('keeps its constants in the order the design needs them', () => {
    // The phases must grow, and overlapping dials must be allowed at all.
    expect(FAST_INTERVAL_MS).toBeLessThan(STEADY_INTERVAL_MS);
    expect(STEADY_INTERVAL_MS).toBeLessThan(SLOW_INTERVAL_MS);
    expect(FAST_PHASE_MS).toBeLessThan(SLOW_AFTER_MS);
    expect(JITTER).toBeGreaterThan(0);
    expect(JITTER).toBeLessThan(1);
    expect(MAX_CONCURRENT_DIALS).toBeGreaterThan(1);
  });

  it.each([
    ['the start of an outage', 0, FAST_INTERVAL_MS],
    ['the last moment of the fast phase', FAST_PHASE_MS - 1, FAST_INTERVAL_MS],
    ['the first moment of the steady phase', FAST_PHASE_MS, STEADY_INTERVAL_MS],
    ['the last moment of the steady phase', SLOW_AFTER_MS - 1, STEADY_INTERVAL_MS],
    ['the first moment of the slow phase', SLOW_AFTER_MS, SLOW_INTERVAL_MS],
    ['a day offline', 24 * 3600_000, SLOW_INTERVAL_MS],
  ])('dials at the base interval at %s when random is in the middle', (_, outage, base) => {
    // random() = 0.5 means no jitter: the delay is exactly the phase's base.
    expect(nextDialDelay(outage, middle)).toBe(base);
  });

  it.each([
    ['fast', 1_000, FAST_INTERVAL_MS],
    ['steady', FAST_PHASE_MS + 1_000, STEADY_INTERVAL_MS],
    ['slow', SLOW_AFTER_MS + 1_000, SLOW_INTERVAL_MS],
  ])('keeps the %s phase within ±JITTER of its base', (_, outage, base) => {
    // The extremes of random() in [0, 1) map to the extremes of the jitter band.
    expect(nextDialDelay(outage, () => 0)).toBe(Math.round(base * (1 - JITTER)));
    expect(nextDialDelay(outage, () => 0.999999)).toBe(Math.round(base * (1 + JITTER)));
    for (let i = 0; i < 1000; i++) {
      const d = nextDialDelay(outage, Math.random);
      expect(d).toBeGreaterThanOrEqual(Math.floor(base * (1 - JITTER)));
      expect(d).toBeLessThanOrEqual(Math.ceil(base * (1 + JITTER)));
    }
  });

  it('spreads delays with the random source, so clients do not dial in lockstep', () => {
    // A seeded sequence gives the same delays every run, and they are not all alike.
    let seed = 42;
    const lcg = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const a = Array.from({ length: 20 }, () => nextDialDelay(0, lcg));
    seed = 42;
    const b = Array.from({ length: 20 }, () => nextDialDelay(0, lcg));
    expect(a).toEqual(b);
    expect(new Set(a).size).toBeGreaterThan(5);
  });

  it('returns whole milliseconds', () => {
    // Timers take integers; a fractional delay would be rounded differently per platform.
    for (const r of [0, 0.1234, 0.5, 0.777, 0.9999])
      expect(Number.isInteger(nextDialDelay(123, () => r))).toBe(true);
  });
});
