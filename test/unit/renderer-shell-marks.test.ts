// What these prove: the OSC 133/633 shell integration marks are parsed (exit status, the
// 633 command line and its escapes), and their state turns C..D into a finished command
// with its status and duration on a fake clock, while a D with no C (a prompt redrawn) is
// no command. Through a real xterm.js parser the marks reach the controller's callback.
// And the notice rules on top: a command shorter than the threshold is quiet, a long one
// in a background tab raises "exit status 1 after 12 s" and badges the tab, "notify me
// when this finishes" fires on the next end whatever its length, and the tab in front is
// not badged. The threshold is a setting of at least a second.

import { describe, expect, it } from 'vitest';
import { ShellMarks, parseShellMark, type ShellMark } from '../../renderer/src/terminal/shellMarks';
import {
  TerminalController,
  type TerminalCallbacks,
} from '../../renderer/src/terminal/TerminalController';
import { TabNotifications } from '../../renderer/src/notify/tabNotifications';
import { DesktopNotifier, type NotificationApi } from '../../renderer/src/notify/desktop';
import { HEADLESS, LOOK } from '../support/headlessTerminal';
import { pollFor } from '../support/proc';
import {
  DEFAULT_NOTIFY_AFTER_SECONDS,
  NOTIFY_AFTER_MIN_SECONDS,
  clampNotifyAfter,
  loadSettings,
} from '../../renderer/src/state/settings';

describe('parseShellMark', () => {
  it.each([
    ['A', { kind: 'prompt-start' }],
    ['B', { kind: 'prompt-end' }],
    ['C', { kind: 'command-start' }],
    ['D;0', { kind: 'command-end', exitCode: 0 }],
    ['D;130', { kind: 'command-end', exitCode: 130 }],
    ['D', { kind: 'command-end', exitCode: undefined }],
    ['D;aid=7', { kind: 'command-end', exitCode: undefined }],
    ['E;make\\x3b echo \\\\ok', { kind: 'command-line', text: 'make; echo \\ok' }],
  ])('reads %s', (payload, mark) => {
    expect(parseShellMark(payload)).toEqual(mark);
  });

  it('ignores what it does not know (633 properties, other letters)', () => {
    expect(parseShellMark('P;Cwd=/tmp')).toBeUndefined();
    expect(parseShellMark('Z')).toBeUndefined();
    expect(parseShellMark('')).toBeUndefined();
  });
});

describe('ShellMarks', () => {
  const mark = (payload: string): ShellMark => parseShellMark(payload)!;

  it('turns C then D into a command with its status and duration', () => {
    const m = new ShellMarks();
    expect(m.seen).toBe(false);
    expect(m.feed(mark('A'), 0)).toBeUndefined();
    expect(m.feed(mark('B'), 10)).toBeUndefined();
    expect(m.feed(mark('C'), 1_000)).toBeUndefined();
    expect(m.running).toBe(true);
    expect(m.feed(mark('D;1'), 3_500)).toEqual({ exitCode: 1, durationMs: 2_500, command: '' });
    expect(m.running).toBe(false);
    expect(m.seen).toBe(true);
  });

  it('takes the command line from OSC 633;E, for that command only', () => {
    const m = new ShellMarks();
    m.feed(mark('E;sleep 2'), 0);
    m.feed(mark('C'), 0);
    expect(m.feed(mark('D;0'), 2_000)?.command).toBe('sleep 2');
    m.feed(mark('C'), 3_000);
    expect(m.feed(mark('D;0'), 4_000)?.command).toBe('');
  });

  it('finds no command in a D without a C (the first prompt, an empty line, ^C)', () => {
    const m = new ShellMarks();
    expect(m.feed(mark('D'), 0)).toBeUndefined();
    expect(m.feed(mark('A'), 0)).toBeUndefined();
    expect(m.feed(mark('D;130'), 5_000)).toBeUndefined();
  });
});

describe('TerminalController and OSC 133', () => {
  it('hands the marks of the output to its callback as xterm parses them', async () => {
    const marks: ShellMark[] = [];
    const callbacks: TerminalCallbacks = {
      input: () => {},
      resize: () => {},
      title: () => {},
      ack: () => {},
      openLink: () => {},
      clipboardWrite: () => {},
      searchResults: () => {},
      bell: () => {},
      shown: () => {},
      screen: () => {},
      shellMark: (m) => marks.push(m),
    };
    const term = new TerminalController(LOOK, callbacks, HEADLESS);
    const out = '\x1b]133;A\x07$ \x1b]133;B\x07false\r\n\x1b]133;C\x07\x1b]633;D;1\x1b\\';
    term.writeOutput(out, out.length, '0');
    await pollFor('four marks', () => marks.length === 4);
    expect(marks.map((m) => m.kind)).toEqual([
      'prompt-start',
      'prompt-end',
      'command-start',
      'command-end',
    ]);
    expect(marks[3]).toEqual({ kind: 'command-end', exitCode: 1 });
    term.dispose();
  });
});

/** TabNotifications over a stand-in Notification API, a fake clock and one tab. */
function notifications(opts: { background: boolean; afterMs: number }) {
  const shown: { title: string; body: string; tag: string }[] = [];
  const api = class {
    static permission = 'granted';
    static requestPermission(): Promise<string> {
      return Promise.resolve('granted');
    }
    constructor(title: string, options: { body: string; tag: string }) {
      shown.push({ title, ...options });
    }
  } as unknown as NotificationApi;
  const badges = new Map<string, string | undefined>();
  let now = 0;
  const watchEnded: string[] = [];
  const n = new TabNotifications({
    notifier: new DesktopNotifier(api),
    isBackground: () => opts.background,
    setBadge: (key, badge) => badges.set(key, badge),
    sessionOf: () => undefined,
    listSessions: () => Promise.resolve(undefined),
    watchEnded: (key) => watchEnded.push(key),
    commandNotifyAfterMs: () => opts.afterMs,
    now: () => now,
  });
  const run = (ms: number, status: number): void => {
    n.shellMark('t', 'web', { kind: 'command-start' });
    now += ms;
    n.shellMark('t', 'web', { kind: 'command-end', exitCode: status });
  };
  return { n, shown, badges, watchEnded, run };
}

describe('notices from shell integration', () => {
  it('says nothing of a command shorter than the threshold', () => {
    const { shown, run } = notifications({ background: true, afterMs: 10_000 });
    run(9_999, 1);
    expect(shown).toEqual([]);
  });

  it('tells the status and duration of a long command in a background tab, and badges it', () => {
    const { shown, badges, run } = notifications({ background: true, afterMs: 10_000 });
    run(12_000, 1);
    expect(shown).toEqual([
      { title: 'web: a command finished', body: 'exit status 1 after 12 s', tag: 't:finished' },
    ]);
    expect(badges.get('t')).toBe('exit 1');
  });

  it('leaves the tab in front alone', () => {
    const { shown, badges, run } = notifications({ background: false, afterMs: 0 });
    run(60_000, 0);
    expect(shown).toEqual([]);
    expect(badges.size).toBe(0);
  });

  it('with "notify me when this finishes", tells the next end however short, and turns off', () => {
    const { n, shown, watchEnded, run } = notifications({ background: false, afterMs: 10_000 });
    n.shellMark('t', 'web', { kind: 'prompt-start' });
    n.setFinishWatch('t', true);
    run(400, 0);
    expect(shown).toEqual([
      { title: 'web: a command finished', body: 'exit status 0 after 0.4 s', tag: 't:finished' },
    ]);
    expect(watchEnded).toEqual(['t']);
    expect(n.watchingFinish('t')).toBe(false);
  });
});

describe('the threshold setting', () => {
  it('defaults to 10 s, keeps a stored one, and never goes under a second', () => {
    const storage = (value: object): Storage =>
      ({ getItem: () => JSON.stringify(value) }) as unknown as Storage;
    expect(loadSettings(undefined).notifyCommandAfterSeconds).toBe(DEFAULT_NOTIFY_AFTER_SECONDS);
    expect(loadSettings(storage({ notifyCommandAfterSeconds: 42 })).notifyCommandAfterSeconds).toBe(
      42,
    );
    // Replayed output parses old commands within milliseconds: they must not raise notices.
    expect(clampNotifyAfter(0)).toBe(NOTIFY_AFTER_MIN_SECONDS);
    expect(clampNotifyAfter(Number.NaN)).toBe(DEFAULT_NOTIFY_AFTER_SECONDS);
    expect(clampNotifyAfter(1e9)).toBe(86_400);
  });
});
