// The forwards of saved profiles in the app: a profile's forwards start with its first
// open tab and stop with its last (the forward set itself lives on across reconnects:
// main/engine/forward/forwardSet.ts). What they have to say goes to each of the
// profile's tabs as a notice. Stopping ends what they carry on the server too (each
// connection's `nc` session), as the CLI does when it ends: the app quitting must not
// leave them holding their targets.

import type { Forwards, ForwardSpecInput, HostForwards } from '../engine/engine';
import type { Destination as EngineDestination } from '../engine/types';

/** What this needs of the engine (main/engine/engine.ts implements it). */
export interface ForwardingEngine {
  startForwards(
    dest: EngineDestination,
    extra: readonly ForwardSpecInput[],
  ): Promise<{ ok: true; value: Forwards } | { ok: false; error: { message: string } }>;
  forwards(): HostForwards[];
}

type Entry = { tabs: Set<string>; forwards: Promise<Forwards | undefined> };

export class ProfileForwards {
  private readonly _byProfile = new Map<string, Entry>();
  /** Forwards being ended (bounded by the engine), for dispose() to wait for. */
  private readonly _ending = new Set<Promise<void>>();

  constructor(
    private readonly _engine: ForwardingEngine,
    private readonly _notice: (tabId: string, message: string) => void,
  ) {}

  /** A tab of `profile` opened: its forwards start now unless another tab started them. */
  tabOpened(
    profile: string,
    dest: EngineDestination,
    specs: readonly ForwardSpecInput[],
    tabId: string,
  ): void {
    const key = profile.toLowerCase();
    const had = this._byProfile.get(key);
    if (had) {
      had.tabs.add(tabId);
      return;
    }
    const entry: Entry = { tabs: new Set([tabId]), forwards: Promise.resolve(undefined) };
    const tell = (m: string) => {
      for (const t of entry.tabs) this._notice(t, m);
    };
    entry.forwards = this._engine.startForwards(dest, specs).then((r) => {
      if (!r.ok) {
        tell(`Port forwards not started: ${r.error.message}`);
        return undefined;
      }
      for (const e of r.value.started)
        if (e.kind === 'failed') tell(`Forward ${e.label} failed: ${e.message}`);
      r.value.set.onEvent((e) => {
        if (e.kind === 'lost' || e.kind === 'failed' || e.kind === 'notice')
          tell(`Forward ${e.label}: ${e.message}`);
      });
      if (entry.tabs.size === 0) {
        this._end(Promise.resolve(r.value));
        return undefined;
      }
      return r.value;
    });
    this._byProfile.set(key, entry);
  }

  /** A tab closed: the last one of a profile stops its forwards. */
  tabClosed(tabId: string): void {
    for (const [key, entry] of this._byProfile) {
      if (!entry.tabs.delete(tabId) || entry.tabs.size > 0) continue;
      this._byProfile.delete(key);
      this._end(entry.forwards);
    }
  }

  list(): HostForwards[] {
    return this._engine.forwards();
  }

  /** Ends every profile's forwards; resolves once their sessions on the servers ended. */
  async dispose(): Promise<void> {
    for (const entry of this._byProfile.values()) this._end(entry.forwards);
    this._byProfile.clear();
    await Promise.all([...this._ending]);
  }

  private _end(forwards: Promise<Forwards | undefined>): void {
    const p = forwards.then((f) => f?.end());
    this._ending.add(p);
    void p.finally(() => this._ending.delete(p));
  }
}
