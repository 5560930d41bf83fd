// Long-job notices per tab: the glue between the store's events and the desktop. A notice
// is for a tab the user is not looking at (another tab is active, or the window is hidden);
// it raises a desktop notification and puts a badge on the tab until it is looked at.
//
// With shell integration (OSC 133/633 marks, ../terminal/shellMarks.ts) a command's end is
// known exactly, with its exit status and duration: a command that ran at least the user's
// threshold (`commandNotifyAfterMs`) raises a notice from a background tab, and "notify me
// when this finishes" fires on the next command end whatever its length.
//
// Without it, "notify me when this finishes" asks the agent (`ls`, at FINISH_POLL_MS) what
// runs in the PTY's foreground; a job that was running and is gone (the shell is back in
// the foreground) has finished. Nothing is asked for tabs without it, so it costs nothing
// unless wanted.

import type { SessionInfo, Target } from '../../../main/contract/api';
import { DesktopNotifier } from './desktop';
import { ShellMarks, type ShellMark } from '../terminal/shellMarks';
import {
  bellNotice,
  commandNotice,
  endedNotice,
  finishedNotice,
  matchNotice,
  PatternWatch,
  type TabNotice,
} from './watch';

/** How often a tab with "notify me when this finishes" asks what runs in it (ms): a finish
 * is told within this, at one `ls` per interval on a connection already open. */
export const FINISH_POLL_MS = 2000;

export type TabNotificationsDeps = {
  notifier?: DesktopNotifier;
  /** Whether the user is not looking at this tab now. */
  isBackground(key: string): boolean;
  setBadge(key: string, badge: string | undefined): void;
  /** The tab's host and session, for the finish watch; undefined once it has none. */
  sessionOf(key: string): { target: Target; sessionId: string; title: string } | undefined;
  listSessions(target: Target): Promise<SessionInfo[] | undefined>;
  /** The finish watch turned itself off (the job finished). */
  watchEnded(key: string): void;
  /** Commands that ran at least this long (ms) are told about from a background tab. */
  commandNotifyAfterMs(): number;
  now?: () => number;
};

type FinishWatch = {
  timer: ReturnType<typeof setInterval>;
  sawJob: boolean;
  command: string;
  /** What the job printed last while it ran (at the end the shell's prompt is last). */
  lastLine: string;
};

export class TabNotifications {
  readonly notifier: DesktopNotifier;
  private readonly _patterns = new Map<string, PatternWatch>();
  private readonly _since = new Map<string, number>();
  private readonly _finish = new Map<string, FinishWatch>();
  private readonly _marks = new Map<string, ShellMarks>();
  private readonly _now: () => number;

  constructor(private readonly _deps: TabNotificationsDeps) {
    this.notifier = _deps.notifier ?? new DesktopNotifier();
    this._now = _deps.now ?? Date.now;
  }

  connected(key: string): void {
    if (!this._since.has(key)) this._since.set(key, this._now());
  }

  ended(key: string, title: string, exitCode: number): void {
    const since = this._since.get(key);
    if (this._finish.has(key)) {
      this.stopFinishWatch(key);
      this._deps.watchEnded(key);
    }
    this._raise(key, endedNotice(title, exitCode, since && this._now() - since));
  }

  bell(key: string, title: string): void {
    this._raise(key, bellNotice(title));
  }

  output(key: string, title: string, text: string, patterns: readonly string[]): void {
    if (patterns.length === 0) return;
    let watch = this._patterns.get(key);
    if (!watch) this._patterns.set(key, (watch = new PatternWatch()));
    const hit = watch.feed(text, patterns, this._now());
    if (hit) this._raise(key, matchNotice(title, hit.pattern, hit.line));
  }

  /** A shell integration mark of the tab's terminal: a command's end may be worth a notice. */
  shellMark(key: string, title: string, mark: ShellMark): void {
    let marks = this._marks.get(key);
    if (!marks) this._marks.set(key, (marks = new ShellMarks()));
    const done = marks.feed(mark, this._now());
    if (!done) return;
    const notice = commandNotice(title, done);
    if (this._finish.has(key)) {
      this.stopFinishWatch(key);
      this._deps.watchEnded(key);
      this._raise(key, notice, true);
    } else if (done.durationMs >= this._deps.commandNotifyAfterMs()) {
      this._raise(key, notice);
    }
  }

  /** Whether the tab's shell has shown shell integration marks. */
  hasShellIntegration(key: string): boolean {
    return this._marks.get(key)?.seen ?? false;
  }

  /** Turns the finish watch on or off; on asks for permission (this is a click). */
  setFinishWatch(key: string, on: boolean): void {
    this.stopFinishWatch(key);
    if (!on) return;
    void this.notifier.request();
    const watch: FinishWatch = {
      timer: setInterval(() => void this._checkFinish(key, watch), FINISH_POLL_MS),
      sawJob: false,
      command: '',
      lastLine: '',
    };
    this._finish.set(key, watch);
    void this._checkFinish(key, watch);
  }

  watchingFinish(key: string): boolean {
    return this._finish.has(key);
  }

  stopFinishWatch(key: string): void {
    const w = this._finish.get(key);
    if (w) clearInterval(w.timer);
    this._finish.delete(key);
  }

  forget(key: string): void {
    this.stopFinishWatch(key);
    this._patterns.delete(key);
    this._since.delete(key);
    this._marks.delete(key);
  }

  private async _checkFinish(key: string, watch: FinishWatch): Promise<void> {
    // The shell marks its commands' ends itself: that is exact, no poll needed.
    if (this.hasShellIntegration(key)) return;
    const s = this._deps.sessionOf(key);
    if (!s) return;
    const list = await this._deps.listSessions(s.target);
    if (this._finish.get(key) !== watch) return; // turned off or restarted meanwhile
    const info = list?.find((x) => x.id === s.sessionId);
    if (!info || info.jobRunning === undefined) return; // an older agent cannot tell
    if (info.jobRunning) {
      watch.sawJob = true;
      watch.command = info.foregroundCommand ?? '';
      watch.lastLine = info.lastLine ?? '';
      return;
    }
    if (!watch.sawJob) return; // nothing running yet: wait for the job to start
    this.stopFinishWatch(key);
    this._deps.watchEnded(key);
    this._raise(key, finishedNotice(s.title, watch.command, watch.lastLine), true);
  }

  /** `always`: asked for explicitly, so told even about the tab in front (not badged). */
  private _raise(key: string, notice: TabNotice, always = false): void {
    const background = this._deps.isBackground(key);
    if (!background && !always) return;
    if (background) this._deps.setBadge(key, notice.badge);
    this.notifier.show({ title: notice.title, body: notice.body, tag: `${key}:${notice.kind}` });
  }
}
