// What these prove: each load of the page gets a fresh engine bridge and the previous one
// is disposed (its tabs detach, their sessions live on); a previous page's events never
// reach the new page; the engine failing to start is reported in words, without a stack;
// stopping waits for every disposal under way (so quitting detaches cleanly).

import { describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../main/contract/api';
import { UiConnection, messageOf, type BridgeLike } from '../../main/app/uiConnection';

type FakeBridge = BridgeLike & {
  emit: (event: AnyEvent) => void;
  disposed: number;
  networkChanges: number;
  finishDispose?: () => void;
};

function fakeFactory(opts: { slowDispose?: boolean } = {}) {
  const made: FakeBridge[] = [];
  const create = (emit: (event: AnyEvent) => void): BridgeLike => {
    const bridge = {
      emit,
      disposed: 0,
      networkChanges: 0,
      networkChanged() {
        bridge.networkChanges++;
        return { ok: true as const };
      },
      dispose() {
        bridge.disposed++;
        if (!opts.slowDispose) return Promise.resolve();
        return new Promise<void>((resolve) => (bridge.finishDispose = resolve));
      },
    } as unknown as FakeBridge;
    made.push(bridge);
    return bridge;
  };
  return { made, create };
}

const state = (tabId: string): AnyEvent => ({
  event: 'state',
  payload: { tabId, state: { kind: 'offline', since: 0 } },
});

describe('UiConnection', () => {
  it('starts a bridge for a page and forwards its events', () => {
    const sent: AnyEvent[] = [];
    const { made, create } = fakeFactory();
    const conn = new UiConnection(create, (e) => sent.push(e));
    expect(conn.methods).toBeUndefined();
    expect(conn.start()).toEqual({ ok: true });
    expect(conn.methods).toBe(made[0]);
    made[0]!.emit(state('t1'));
    expect(sent).toEqual([state('t1')]);
  });

  it('disposes the previous bridge on reload and drops its late events', () => {
    const sent: AnyEvent[] = [];
    const { made, create } = fakeFactory();
    const conn = new UiConnection(create, (e) => sent.push(e));
    conn.start();
    conn.start();
    expect(made).toHaveLength(2);
    expect(made[0]!.disposed).toBe(1);
    expect(made[1]!.disposed).toBe(0);
    made[0]!.emit(state('t1')); // same tab id as the new page may use
    made[1]!.emit(state('t2'));
    expect(sent).toEqual([state('t2')]);
  });

  it('passes network changes to the current engine only', () => {
    const { made, create } = fakeFactory();
    const conn = new UiConnection(create, () => {});
    conn.networkChanged(); // no page yet: nothing to do
    conn.start();
    conn.start();
    conn.networkChanged();
    expect(made.map((b) => b.networkChanges)).toEqual([0, 1]);
  });

  it('reports an engine that cannot start in words, without a stack', () => {
    const conn = new UiConnection(
      () => {
        throw new TypeError('no agents folder at /nowhere');
      },
      () => {},
    );
    const started = conn.start();
    expect(started).toEqual({
      ok: false,
      message: 'The Holdfast engine could not start: no agents folder at /nowhere',
    });
    expect(conn.failure).toBe(started.ok ? undefined : started.message);
    expect(conn.methods).toBeUndefined();
    expect(JSON.stringify(started)).not.toMatch(/\n\s+at /);
  });

  it('stops: disposes the bridge, drops its events, and waits for every disposal', async () => {
    const sent: AnyEvent[] = [];
    const { made, create } = fakeFactory({ slowDispose: true });
    const conn = new UiConnection(create, (e) => sent.push(e));
    conn.start();
    conn.start(); // the first is now disposing
    let stopped = false;
    const stopping = conn.stop().then(() => (stopped = true));
    made[1]!.emit(state('t1'));
    expect(sent).toEqual([]);
    expect(conn.methods).toBeUndefined();
    await Promise.resolve();
    made[1]!.finishDispose!();
    await new Promise((r) => setTimeout(r, 5));
    expect(stopped).toBe(false); // the first bridge is still detaching
    made[0]!.finishDispose!();
    await stopping;
    expect(stopped).toBe(true);
  });
});

describe('messageOf', () => {
  it('gives an error’s message, never its stack', () => {
    expect(messageOf(new Error('it broke'))).toBe('it broke');
    expect(messageOf('plain')).toBe('plain');
    expect(messageOf(new Error(''))).toBe('Error');
  });
});
