// What these prove: the main process's network poll (main/app/network.ts) sees a change
// when a non-internal address appears or disappears (Wi-Fi change, VPN, cable), ignores
// loopback and the order the OS lists interfaces in, and does not call the app's start a
// change.

import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  AddressWatch,
  diffAddresses,
  externalAddresses,
  type Interfaces,
} from '../../main/app/network';

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

describe('AddressWatch', () => {
  it('takes the first reading as the baseline, not a change', () => {
    expect(new AddressWatch().sample(home).changed).toBe(false);
  });

  it('sees a Wi-Fi change, then nothing while the network stays put', () => {
    const watch = new AddressWatch();
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
    const watch = new AddressWatch();
    watch.sample(home);
    expect(watch.sample({ lo: [v4('127.0.0.1', true)] }).removed).toEqual(['wlan0/192.168.1.20']);
    expect(watch.sample(home).added).toEqual(['wlan0/192.168.1.20']);
  });

  it('ignores loopback changes and interface order', () => {
    const watch = new AddressWatch();
    watch.sample({ a: [v4('10.0.0.1')], b: [v4('10.0.0.2')] });
    expect(watch.sample({ b: [v4('10.0.0.2')], a: [v4('10.0.0.1')] }).changed).toBe(false);
    expect(
      watch.sample({ b: [v4('10.0.0.2')], a: [v4('10.0.0.1')], lo: [v4('127.0.0.2', true)] })
        .changed,
    ).toBe(false);
  });
});
