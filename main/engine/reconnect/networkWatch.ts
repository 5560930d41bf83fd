// Noticing that the network changed: a cheap poll of the machine's interface addresses. A
// Wi-Fi change, a VPN going up or down, a cable pulled: the set of non-internal addresses
// changes, and the engine should dial fresh connections at once rather than wait for
// keepalives to time out on a dead path (DESIGN.md "Reconnection"). Used by the app and the
// CLI alike. `NetworkWatch` is pure (the clock and the interface table come in as
// arguments); `pollNetwork` is the timer at the edge.

import type { NetworkInterfaceInfo } from 'node:os';

/**
 * How often to look (ms). Reading the interface table is a few microseconds; 2 s bounds
 * how late a change is noticed when no OS event (resume, SIGCONT) announces it.
 */
export const NETWORK_POLL_INTERVAL_MS = 2_000;

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

/** `+wlan0/10.0.0.7 -wlan0/192.168.1.20`: a change in a log line. */
export function describeDiff(diff: AddressDiff): string {
  return [...diff.added.map((a) => `+${a}`), ...diff.removed.map((a) => `-${a}`)].join(' ');
}

/**
 * Remembers the last set of addresses and when the next reading is due. The first reading
 * only sets the baseline (starting the app is not a network change).
 */
export class NetworkWatch {
  private _last: string[] | undefined;
  private _nextAt = -Infinity;

  constructor(private readonly _intervalMs = NETWORK_POLL_INTERVAL_MS) {}

  /** When (ms, the caller's clock) the next reading is due. */
  nextCheckAt(): number {
    return this._nextAt;
  }

  /**
   * Reads the addresses with `read` if a reading is due at `now`, and says what changed;
   * undefined when nothing was due or `read` failed (some sandboxes refuse the table:
   * the OS events and keepalives still work).
   */
  tick(now: number, read: () => Interfaces): AddressDiff | undefined {
    if (now < this._nextAt) return undefined;
    this._nextAt = now + this._intervalMs;
    let interfaces: Interfaces;
    try {
      interfaces = read();
    } catch {
      return undefined;
    }
    return this.sample(interfaces);
  }

  /** A reading taken now, whatever the schedule. */
  sample(interfaces: Interfaces): AddressDiff {
    const now = externalAddresses(interfaces);
    const before = this._last;
    this._last = now;
    if (before === undefined) return { changed: false, added: [], removed: [] };
    return diffAddresses(before, now);
  }
}

/**
 * Polls `read` on `watch`'s schedule (a baseline reading at once) and calls `onChange`
 * when the addresses change. The timer does not keep the process alive. Returns `stop`.
 */
export function pollNetwork(
  read: () => Interfaces,
  onChange: (diff: AddressDiff) => void,
  watch = new NetworkWatch(),
  clock: () => number = Date.now,
): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const step = (): void => {
    const diff = watch.tick(clock(), read);
    if (diff?.changed) onChange(diff);
    timer = setTimeout(step, Math.max(0, watch.nextCheckAt() - clock()));
    timer.unref?.();
  };
  step();
  return () => clearTimeout(timer);
}
