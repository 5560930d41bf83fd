// Notices for sessions no tab shows (a tab closed with "detach", a session started from the
// CLI) on a host the app is connected to anyway: while a tab of that host is connected,
// its session list (`ls`, on the connection the tab already holds) is asked every
// HOST_SESSIONS_POLL_MS, and a session that was running and has exited, or whose
// foreground job ended, raises a desktop notice. Nothing is asked of a host with no
// connected tab: no connection is opened for this.
//
// `HostSessionsState` is the pure part (one host's list, compared with the last one);
// `HostSessionsWatch` runs the timer and the calls at the edge.

import type { SessionInfo, Target } from '../../../main/contract/api';
import { endedNotice, finishedNotice, type TabNotice } from './watch';

/**
 * How often a connected host's sessions are listed (ms): one `ls` exec on a connection
 * already open; a session's end is told within this (plus the call).
 */
export const HOST_SESSIONS_POLL_MS = 5000;

/** What changed for a session no tab shows, between two lists of its host. */
export type HostSessionEvent =
  | { kind: 'ended'; id: string; name: string; exitCode: number; ranMs: number | undefined }
  | { kind: 'job-finished'; id: string; name: string; command: string; lastLine: string };

/** One host's sessions as last listed, and the events the next list makes of them. */
export class HostSessionsState {
  private _last = new Map<string, SessionInfo>();

  /**
   * Compares `list` with the last one. `skip` names sessions that are not news here: a
   * tab shows them (the tab tells), or the user ended them.
   */
  update(list: readonly SessionInfo[], skip: (id: string) => boolean): HostSessionEvent[] {
    const events: HostSessionEvent[] = [];
    for (const now of list) {
      const before = this._last.get(now.id);
      if (!before || skip(now.id)) continue;
      if (before.exitStatus !== undefined) continue; // its end was told already
      if (now.exitStatus !== undefined) {
        events.push({
          kind: 'ended',
          id: now.id,
          name: now.name,
          exitCode: now.exitStatus,
          ranMs: now.ageMs,
        });
      } else if (before.jobRunning === true && now.jobRunning === false) {
        events.push({
          kind: 'job-finished',
          id: now.id,
          name: now.name,
          command: before.foregroundCommand ?? '',
          // At the end the shell's prompt is last: what the job printed was the line before.
          lastLine: before.lastLine ?? '',
        });
      }
    }
    this._last = new Map(list.map((s) => [s.id, s]));
    return events;
  }
}

/** The notice for an event, titled with the host and the session's name (or id). */
export function hostSessionNotice(host: string, e: HostSessionEvent): TabNotice {
  const title = `${host} · ${e.name || e.id}`;
  return e.kind === 'ended'
    ? endedNotice(title, e.exitCode, e.ranMs)
    : finishedNotice(title, e.command, e.lastLine);
}

export type HostSessionsDeps = {
  /** The hosts with a connected tab now, by label (user@host:port or profile name). */
  connectedHosts(): ReadonlyMap<string, Target>;
  /** Whether an open tab shows session `id` of host `label`. */
  shown(label: string, id: string): boolean;
  list(target: Target): Promise<SessionInfo[] | undefined>;
  raise(notice: TabNotice, tag: string): void;
};

export class HostSessionsWatch {
  private readonly _hosts = new Map<string, HostSessionsState>();
  private readonly _asking = new Set<string>();
  /** Sessions the user ended (`label\nid`): their end raises nothing. */
  private readonly _quiet = new Set<string>();
  private _timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly _deps: HostSessionsDeps,
    private readonly _intervalMs = HOST_SESSIONS_POLL_MS,
  ) {}

  /** A host may have become connected: list its sessions now, and every interval after. */
  wake(): void {
    void this._tick();
    this._timer ??= setInterval(() => void this._tick(), this._intervalMs);
  }

  /** The user ended session `id` of host `label` (its end raises nothing). */
  quiet(label: string, id: string): void {
    this._quiet.add(`${label}\n${id}`);
  }

  dispose(): void {
    clearInterval(this._timer);
    this._timer = undefined;
  }

  private async _tick(): Promise<void> {
    const connected = this._deps.connectedHosts();
    // A host with no connected tab is forgotten: coming back, it starts from a fresh list.
    for (const label of [...this._hosts.keys()])
      if (!connected.has(label)) this._hosts.delete(label);
    if (connected.size === 0) return this.dispose();
    await Promise.all([...connected].map(([label, target]) => this._poll(label, target)));
  }

  private async _poll(label: string, target: Target): Promise<void> {
    if (this._asking.has(label)) return; // the last call has not come back yet
    this._asking.add(label);
    try {
      const list = await this._deps.list(target).catch(() => undefined);
      let state = this._hosts.get(label);
      if (!list || !this._deps.connectedHosts().has(label)) return;
      if (!state) this._hosts.set(label, (state = new HostSessionsState()));
      const skip = (id: string): boolean =>
        this._deps.shown(label, id) || this._quiet.has(`${label}\n${id}`);
      for (const e of state.update(list, skip)) {
        this._deps.raise(hostSessionNotice(label, e), `host:${label}:${e.id}:${e.kind}`);
      }
    } finally {
      this._asking.delete(label);
    }
  }
}
