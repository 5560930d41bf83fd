/**
 * Proves the re-attach schedule (reconnect/attachRetry.ts): a quick first retry, delays
 * that double while attaches keep failing, a cap a freed slot is taken within, and jitter
 * that only ever shortens a delay, by at most half.
 */
import { describe, expect, it } from 'vitest';
import {
  ATTACH_RETRY_FIRST_MS,
  ATTACH_RETRY_JITTER,
  ATTACH_RETRY_MAX_MS,
  attachRetryDelay,
} from '../../main/engine/reconnect/attachRetry';

const noJitter = () => 0;
const fullJitter = () => 0.999999;

describe('attachRetryDelay', () => {
  it('retries the first failure quickly', () => {
    expect(attachRetryDelay(0, noJitter)).toBe(ATTACH_RETRY_FIRST_MS);
  });

  it('doubles the delay with each consecutive failure', () => {
    const delays = [0, 1, 2, 3].map((n) => attachRetryDelay(n, noJitter));
    expect(delays).toEqual([300, 600, 1200, 2400]);
  });

  it('never waits longer than the cap, however many failures', () => {
    for (const n of [5, 10, 100, 10_000])
      expect(attachRetryDelay(n, noJitter)).toBe(ATTACH_RETRY_MAX_MS);
  });

  it('takes at most half of a delay off at random, never adds to it', () => {
    for (const n of [0, 3, 50]) {
      const full = attachRetryDelay(n, noJitter);
      const least = attachRetryDelay(n, fullJitter);
      expect(least).toBeGreaterThanOrEqual(Math.floor(full * (1 - ATTACH_RETRY_JITTER)));
      expect(least).toBeLessThan(full);
    }
  });

  it('knocks far less often than every 300 ms over a minute of refusals', () => {
    let t = 0;
    let attempts = 0;
    for (let n = 0; t < 60_000; n++, attempts++) t += attachRetryDelay(n, fullJitter);
    expect(attempts).toBeLessThan(30); // a fixed 300 ms retry: 200
  });
});
