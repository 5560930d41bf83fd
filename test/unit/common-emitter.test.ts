// What these prove, on the one event idiom every room uses (main/common/emitter.ts): a
// fire reaches each listener subscribed at that moment once; disposing a subscription
// (twice is harmless) stops it, also from inside a fire; a disposed emitter reaches
// nobody; a DisposableStore disposes everything once, and what is added late at once.

import { describe, expect, it } from 'vitest';
import { DisposableStore, Emitter } from '../../main/common/emitter';

describe('Emitter', () => {
  it('calls every listener subscribed when it fires, with the value', () => {
    const e = new Emitter<number>();
    const seen: string[] = [];
    e.event((n) => seen.push(`a${n}`));
    e.event((n) => seen.push(`b${n}`));
    e.fire(1);
    expect(seen).toEqual(['a1', 'b1']);
    expect(e.hasListeners).toBe(true);
  });

  it('stops calling a listener once its subscription is disposed, twice being harmless', () => {
    const e = new Emitter<number>();
    const seen: number[] = [];
    const sub = e.event((n) => seen.push(n));
    const other = e.event(() => {});
    e.fire(1);
    sub.dispose();
    sub.dispose();
    e.fire(2);
    expect(seen).toEqual([1]);
    other.dispose();
    expect(e.hasListeners).toBe(false);
  });

  it('finishes a fire with the listeners it began with, even if one unsubscribes another', () => {
    const e = new Emitter<void>();
    const seen: string[] = [];
    const second = { dispose() {} };
    e.event(() => {
      seen.push('first');
      second.dispose();
    });
    Object.assign(
      second,
      e.event(() => seen.push('second')),
    );
    e.fire();
    e.fire();
    expect(seen).toEqual(['first', 'second', 'first']);
  });

  it('reaches nobody once disposed, and ignores later subscriptions', () => {
    const e = new Emitter<number>();
    const seen: number[] = [];
    e.event((n) => seen.push(n));
    e.dispose();
    e.event((n) => seen.push(n));
    e.fire(1);
    expect(seen).toEqual([]);
  });
});

describe('DisposableStore', () => {
  it('disposes what it holds once, and what is added afterwards at once', () => {
    const store = new DisposableStore();
    const disposed: string[] = [];
    const item = (name: string) => ({ dispose: () => disposed.push(name) });
    expect(store.add(item('a'))).toBeDefined();
    store.add(item('b'));
    store.dispose();
    store.dispose();
    expect(disposed).toEqual(['a', 'b']);
    store.add(item('late'));
    expect(disposed).toEqual(['a', 'b', 'late']);
  });
});
