// Noticing that the network changed, from the main process: a cheap poll of the machine's
// interface addresses. A Wi-Fi change, a VPN going up or down, a cable pulled: the set of
// non-internal addresses changes, and the engine should dial fresh connections at once
// rather than wait for keepalives to time out on a dead path (DESIGN.md "Reconnection").
// Pure: main.ts runs the timer and feeds `os.networkInterfaces()` in.

import type { NetworkInterfaceInfo } from 'node:os';

/**
 * How often to look (ms). Reading the interface table is a few microseconds; 3 s bounds
 * how late a change is noticed when no OS event (resume, online) announces it.
 */
export const NETWORK_POLL_INTERVAL_MS = 3_000;

export type Interfaces = Readonly<Record<string, readonly NetworkInterfaceInfo[] | undefined>>;

/** `name/address` of every non-internal address, sorted: what identifies "the network". */
export function externalAddresses(interfaces: Interfaces): string[] {
  const out: string[] = [];
  for (const [name, infos] of Object.entries(interfaces)) {
    for (const info of infos ?? []) {
      if (!info.internal) out.push(`${name}/${info.address}`);
    }
  }
  return out.sort();
}

export type AddressDiff = { changed: boolean; added: string[]; removed: string[] };

export function diffAddresses(before: readonly string[], after: readonly string[]): AddressDiff {
  const was = new Set(before);
  const now = new Set(after);
  const added = after.filter((a) => !was.has(a));
  const removed = before.filter((a) => !now.has(a));
  return { changed: added.length > 0 || removed.length > 0, added, removed };
}

/**
 * Remembers the last set of addresses; `sample` says whether a new reading differs. The
 * first reading only sets the baseline (starting the app is not a network change).
 */
export class AddressWatch {
  private _last: string[] | undefined;

  sample(interfaces: Interfaces): AddressDiff {
    const now = externalAddresses(interfaces);
    const before = this._last;
    this._last = now;
    if (before === undefined) return { changed: false, added: [], removed: [] };
    return diffAddresses(before, now);
  }
}
