// When a tab's screen is worth keeping with the host (`keepScreen`), so a restarted app
// paints it and resumes where it ends instead of replaying the session's history. Taking
// one costs the renderer a serialization (~40 ms for 2000 coloured rows), so: once output
// has paused for a moment (the usual case: a command finished, a prompt is back), and
// while output keeps flowing at most once per interval. What is lost to a crash is then
// at most an interval of output, replayed, never skipped. Pure: time is an argument.

/** Quiet time after output before the screen is kept (ms): a finished command's last lines. */
export const SCREEN_IDLE_MS = 1000;
/** Longest output flows before the screen is kept anyway (ms): what a crash may replay. */
export const SCREEN_MAX_DELAY_MS = 5000;

export class ScreenSchedule {
  /** When the first output not yet in a kept screen came; undefined when all is kept. */
  private _dirtySince: number | undefined;
  private _lastOutput = 0;

  constructor(
    private readonly _idleMs = SCREEN_IDLE_MS,
    private readonly _maxDelayMs = SCREEN_MAX_DELAY_MS,
  ) {}

  /** Output reached the terminal at `now`. */
  output(now: number): void {
    this._dirtySince ??= now;
    this._lastOutput = now;
  }

  /** When the screen should be kept next; undefined when nothing new was shown. */
  dueAt(): number | undefined {
    if (this._dirtySince === undefined) return undefined;
    return Math.min(this._lastOutput + this._idleMs, this._dirtySince + this._maxDelayMs);
  }

  /** A screen was taken: output from now on is new again. */
  kept(): void {
    this._dirtySince = undefined;
  }
}
