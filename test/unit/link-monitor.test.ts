/**
 * Proves the link monitor's rules (reconnect/linkMonitor.ts) on plain numbers, no timers:
 * any byte is life; silence past 2 intervals makes the link suspect once; bytes heard
 * after the suspicion, within an interval, revive it; a doubt (network change) is cleared
 * only by bytes after it; silence past interval × count is death; and a caller that looks
 * only at nextCheckAt() sees every suspicion and death exactly when one that looks every
 * millisecond does.
 */
import { describe, expect, it } from 'vitest';
import {
  LinkMonitor,
  SUSPECT_INTERVALS,
  type LinkVerdict,
} from '../../main/engine/reconnect/linkMonitor';

const KEEPALIVE = { intervalMs: 1000, countMax: 4 };
const T0 = 50_000;

describe('LinkMonitor', () => {
  it('stays alive while bytes keep coming, whatever the probes do', () => {
    const m = new LinkMonitor(KEEPALIVE, T0);
    for (let t = T0; t < T0 + 60_000; t += 1500) {
      m.heard(t);
      expect(m.tick(t + 1000).kind).toBe('alive');
    }
  });

  it('says suspect once, just past 2 silent intervals, and dead past interval × count', () => {
    const m = new LinkMonitor(KEEPALIVE, T0);
    expect(m.nextCheckAt()).toBe(T0 + SUSPECT_INTERVALS * 1000 + 1);
    expect(m.tick(T0 + 2000).kind).toBe('alive');
    expect(m.tick(T0 + 2001)).toEqual({ kind: 'suspect', silentMs: 2001 });
    expect(m.suspect).toBe(true);
    expect(m.tick(T0 + 3000).kind).toBe('alive');
    expect(m.tick(T0 + 4000).kind).toBe('alive');
    expect(m.tick(T0 + 4001)).toEqual({ kind: 'dead', silentMs: 4001 });
  });

  it('revives a suspect link that speaks again, within an interval', () => {
    const m = new LinkMonitor(KEEPALIVE, T0);
    m.tick(T0 + 2500);
    m.heard(T0 + 2600);
    expect(m.tick(T0 + 3700).kind).toBe('alive'); // heard, but more than an interval ago
    m.heard(T0 + 3750);
    expect(m.tick(T0 + 3800)).toEqual({ kind: 'revived' });
    expect(m.suspect).toBe(false);
  });

  it('after a doubt, counts only bytes heard after it', () => {
    const m = new LinkMonitor(KEEPALIVE, T0);
    m.heard(T0 + 100);
    m.doubt(T0 + 200);
    expect(m.tick(T0 + 300).kind).toBe('alive');
    expect(m.suspect).toBe(true);
    m.heard(T0 + 350);
    expect(m.tick(T0 + 400)).toEqual({ kind: 'revived' });
  });

  it('calls a link dead before suspect when the count is below 2 intervals', () => {
    const m = new LinkMonitor({ intervalMs: 1000, countMax: 1 }, T0);
    expect(m.tick(T0 + 1001)).toEqual({ kind: 'dead', silentMs: 1001 });
    expect(m.nextCheckAt()).toBe(T0 + 1001);
  });

  it('looks at a suspect link a few times per interval for signs of revival', () => {
    const m = new LinkMonitor(KEEPALIVE, T0);
    m.tick(T0 + 2001);
    expect(m.nextCheckAt()).toBe(T0 + 2001 + 250);
  });

  it('names every suspicion and death at the moment a caller ticking every ms sees it', () => {
    // Bytes in bursts with gaps of 0-5 s (a seeded pseudo-random walk).
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const heardAt: number[] = [];
    for (let t = T0; t < T0 + 120_000; t += Math.floor(rand() * 5000)) heardAt.push(t);
    const events = (step: (m: LinkMonitor, t: number) => number) => {
      const m = new LinkMonitor(KEEPALIVE, T0);
      const seen: string[] = [];
      let t = T0;
      let next = 0;
      while (t < T0 + 120_000) {
        while (next < heardAt.length && heardAt[next]! <= t) m.heard(heardAt[next++]!);
        const v: LinkVerdict = m.tick(t);
        if (v.kind === 'dead') {
          seen.push(`dead@${t}`);
          break;
        }
        if (v.kind === 'suspect') seen.push(`suspect@${t}`);
        t = step(m, t);
      }
      return seen;
    };
    const everyMs = events((_m, t) => t + 1);
    // As HostConnection does: one timer at nextCheckAt(), bytes heard meanwhile not looked at.
    const onlyWhenAsked = events((m, t) => Math.max(t + 1, m.nextCheckAt()));
    expect(everyMs.length).toBeGreaterThan(1);
    expect(onlyWhenAsked).toEqual(everyMs);
  });
});
