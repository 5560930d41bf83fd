// What these prove: the network poll the app and the CLI share
// (main/engine/reconnect/networkWatch.ts) sees a change when a non-internal address appears
// or disappears (Wi-Fi change, VPN, cable), ignores loopback and the order the OS lists
// interfaces in, does not call the start a change, and reads on its schedule (fake clock).

import type { NetworkInterfaceInfo } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  describeDiff,
  diffAddresses,
  externalAddresses,
  NETWORK_POLL_INTERVAL_MS,
  NetworkWatch,
  pollNetwork,
  type Interfaces,
} from '../../main/engine/reconnect/networkWatch';

function v4(address: string, internal = false): NetworkInterfaceInfo {
  return {
    address,
    netmask: '255.255.255.0',
    family: 'IPv4',
    mac: '00:00:00:00:00:00',
    internal,
    cidr: `${address}/24`,
  };
}

const home: Interfaces = { lo: [v4('127.0.0.1', true)], wlan0: [v4('192.168.1.20')] };
const cafe: Interfaces = { lo: [v4('127.0.0.1', true)], wlan0: [v4('10.0.0.7')] };

describe('externalAddresses', () => {
  it('lists non-internal addresses by interface, sorted, without loopback', () => {
    expect(
      externalAddresses({
        wlan0: [v4('192.168.1.20')],
        lo: [v4('127.0.0.1', true)],
        eth0: [v4('10.1.1.1')],
        down: undefined,
      }),
    ).toEqual(['eth0/10.1.1.1', 'wlan0/192.168.1.20']);
  });
});

describe('diffAddresses', () => {
  it('reports what was added and removed', () => {
    expect(diffAddresses(['a', 'b'], ['b', 'c'])).toEqual({
      changed: true,
      added: ['c'],
      removed: ['a'],
    });
  });
  it('reports no change for the same set', () => {
    expect(diffAddresses(['a', 'b'], ['a', 'b']).changed).toBe(false);
  });
});

describe('NetworkWatch', () => {
  it('takes the first reading as the baseline, not a change', () => {
    expect(new NetworkWatch().sample(home).changed).toBe(false);
  });

  it('sees a Wi-Fi change, then nothing while the network stays put', () => {
    const watch = new NetworkWatch();
    watch.sample(home);
    expect(watch.sample(home).changed).toBe(false);
    expect(watch.sample(cafe)).toEqual({
      changed: true,
      added: ['wlan0/10.0.0.7'],
      removed: ['wlan0/192.168.1.20'],
    });
    expect(watch.sample(cafe).changed).toBe(false);
  });

  it('sees going offline and coming back', () => {
    const watch = new NetworkWatch();
    watch.sample(home);
    expect(watch.sample({ lo: [v4('127.0.0.1', true)] }).removed).toEqual(['wlan0/192.168.1.20']);
    expect(watch.sample(home).added).toEqual(['wlan0/192.168.1.20']);
  });

  it('ignores loopback changes and interface order', () => {
    const watch = new NetworkWatch();
    watch.sample({ a: [v4('10.0.0.1')], b: [v4('10.0.0.2')] });
    expect(watch.sample({ b: [v4('10.0.0.2')], a: [v4('10.0.0.1')] }).changed).toBe(false);
    expect(
      watch.sample({ b: [v4('10.0.0.2')], a: [v4('10.0.0.1')], lo: [v4('127.0.0.2', true)] })
        .changed,
    ).toBe(false);
  });
});

describe('NetworkWatch on a clock', () => {
  it('reads at once, then not before the interval is up', () => {
    const watch = new NetworkWatch(1_000);
    let reads = 0;
    const read = (): Interfaces => (reads++, home);
    expect(watch.tick(0, read)).toEqual({ changed: false, added: [], removed: [] });
    expect(watch.nextCheckAt()).toBe(1_000);
    expect(watch.tick(999, read)).toBeUndefined();
    expect(reads).toBe(1);
    expect(watch.tick(1_000, read)?.changed).toBe(false);
    expect(reads).toBe(2);
  });

  it('reports a change at the first reading after it', () => {
    const watch = new NetworkWatch(1_000);
    watch.tick(0, () => home);
    expect(watch.tick(500, () => cafe)).toBeUndefined();
    const diff = watch.tick(1_200, () => cafe);
    expect(diff?.changed).toBe(true);
    expect(describeDiff(diff!)).toBe('+wlan0/10.0.0.7 -wlan0/192.168.1.20');
  });

  it('treats a table the OS refuses as no reading, and keeps its schedule', () => {
    const watch = new NetworkWatch(1_000);
    watch.tick(0, () => home);
    const refuse = (): Interfaces => {
      throw new Error('EPERM');
    };
    expect(watch.tick(1_000, refuse)).toBeUndefined();
    expect(watch.nextCheckAt()).toBe(2_000);
    expect(watch.tick(2_000, () => home)?.changed).toBe(false);
  });
});

describe('pollNetwork', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('calls back once per change, on the shared interval', () => {
    vi.useFakeTimers({ now: 0 });
    let table = home;
    const changes: string[] = [];
    const stop = pollNetwork(
      () => table,
      (d) => changes.push(describeDiff(d)),
    );
    vi.advanceTimersByTime(NETWORK_POLL_INTERVAL_MS * 3);
    expect(changes).toEqual([]);
    table = cafe;
    vi.advanceTimersByTime(NETWORK_POLL_INTERVAL_MS - 1);
    expect(changes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(changes).toEqual(['+wlan0/10.0.0.7 -wlan0/192.168.1.20']);
    stop();
    table = home;
    vi.advanceTimersByTime(NETWORK_POLL_INTERVAL_MS * 3);
    expect(changes).toHaveLength(1);
  });
});
