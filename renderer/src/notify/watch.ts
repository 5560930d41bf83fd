// What is worth a desktop notice in a tab, decided without I/O: the session ended, a bell,
// a line matching one of the user's patterns, the foreground job finished. Time is an
// argument; the store does the showing.

import { formatDuration } from '../state/time';
import type { FinishedCommand } from '../terminal/shellMarks';

export type TabNotice = {
  readonly title: string;
  readonly body: string;
  /** Shown on the tab until it is looked at. */
  readonly badge: string;
  readonly kind: 'ended' | 'bell' | 'match' | 'finished';
};

export function endedNotice(tab: string, exitCode: number, ranMs: number | undefined): TabNotice {
  const ran = ranMs !== undefined ? ` after ${formatDuration(ranMs)}` : '';
  return {
    kind: 'ended',
    title: `${tab}: session ended`,
    body: `exit status ${exitCode}${ran}`,
    badge: exitCode === 0 ? '✓' : `exit ${exitCode}`,
  };
}

/** A command the shell integration saw end (OSC 133 D), with its status when it told. */
export function commandNotice(tab: string, done: FinishedCommand): TabNotice {
  // Under a second, tenths: "0.4 s" says more than formatDuration's "now".
  const took =
    done.durationMs < 1000
      ? `${(done.durationMs / 1000).toFixed(1)} s`
      : formatDuration(done.durationMs);
  const code = done.exitCode;
  return {
    kind: 'finished',
    title: `${tab}: ${done.command || 'a command'} finished`,
    body: code === undefined ? `finished after ${took}` : `exit status ${code} after ${took}`,
    badge: code === undefined || code === 0 ? '✓' : `exit ${code}`,
  };
}

export function bellNotice(tab: string): TabNotice {
  return { kind: 'bell', title: `${tab}: bell`, body: 'A program rang the bell.', badge: '🔔' };
}

export function finishedNotice(tab: string, command: string, lastLine: string): TabNotice {
  return {
    kind: 'finished',
    title: `${tab}: ${command || 'the command'} finished`,
    body: lastLine || 'The shell is back at its prompt.',
    badge: '✓',
  };
}

/** After a pattern matched in a tab, the same pattern stays quiet this long there (ms):
 * a build printing "error" on 200 lines is one notice, not 200. */
export const PATTERN_QUIET_MS = 10_000;
/** Text carried from one output chunk to the next, so a word split across chunks matches. */
const CARRY_CHARS = 256;

// CSI, OSC/DCS strings, two-byte escapes: output as a person reads it.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]P^_X][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]/g;

/** Output of one tab checked against the user's patterns (case-insensitive substrings). */
export class PatternWatch {
  private _carry = '';
  private readonly _quietUntil = new Map<string, number>();

  /** The pattern and its line when one matched (and is not quiet), else undefined. */
  feed(
    text: string,
    patterns: readonly string[],
    now: number,
  ): { pattern: string; line: string } | undefined {
    if (patterns.length === 0) return undefined;
    const plain = (this._carry + text).replace(ESCAPES, '');
    const lower = plain.toLowerCase();
    this._carry = plain.slice(-CARRY_CHARS);
    for (const pattern of patterns) {
      const p = pattern.toLowerCase();
      if (p === '') continue;
      const at = lower.lastIndexOf(p);
      if (at < 0 || (this._quietUntil.get(p) ?? 0) > now) continue;
      this._quietUntil.set(p, now + PATTERN_QUIET_MS);
      this._carry = ''; // matched text is not matched again from the carry
      const start = plain.lastIndexOf('\n', at) + 1;
      const end = plain.indexOf('\n', at);
      const line = plain
        .slice(start, end < 0 ? undefined : end)
        .replace(/\r/g, '')
        .trim();
      return { pattern, line: line.slice(0, 200) };
    }
    return undefined;
  }
}

export function matchNotice(tab: string, pattern: string, line: string): TabNotice {
  return { kind: 'match', title: `${tab}: “${pattern}”`, body: line, badge: '!' };
}
