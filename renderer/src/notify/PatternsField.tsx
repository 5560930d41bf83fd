// Settings: the output patterns that raise a notice from a background tab, one per line,
// and how long a command must run (with shell integration) before its end is told about.

import { useState } from 'react';
import type { Store } from '../state/store';
import {
  NOTIFY_AFTER_MAX_SECONDS,
  NOTIFY_AFTER_MIN_SECONDS,
  NOTIFY_PATTERNS_MAX,
  clampNotifyAfter,
} from '../state/settings';

export function NotifyAfterField(props: { store: Store; seconds: number }) {
  const [text, setText] = useState(String(props.seconds));
  const save = (): void => {
    const seconds = clampNotifyAfter(Number(text));
    setText(String(seconds));
    props.store.updateSettings({ notifyCommandAfterSeconds: seconds });
  };
  return (
    <label className="field inline">
      <span>Notify when a command in a background tab ends after (seconds)</span>
      <input
        type="number"
        min={NOTIFY_AFTER_MIN_SECONDS}
        max={NOTIFY_AFTER_MAX_SECONDS}
        step={1}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={save}
        onKeyDown={(e) => {
          if (e.key === 'Enter') (e.target as HTMLInputElement).blur();
        }}
      />
    </label>
  );
}

export function NotifyPatternsField(props: { store: Store; patterns: readonly string[] }) {
  const [text, setText] = useState(props.patterns.join('\n'));
  const save = (): void => {
    const patterns = text
      .split('\n')
      .map((p) => p.trim())
      .filter((p) => p !== '')
      .slice(0, NOTIFY_PATTERNS_MAX);
    props.store.updateSettings({ notifyPatterns: patterns });
    if (patterns.length > 0) void props.store.notifications.notifier.request();
  };
  return (
    <label className="field">
      <span>Notify when a background tab prints (one per line, any case)</span>
      <textarea
        aria-label="Notification patterns"
        rows={3}
        spellCheck={false}
        placeholder={'error\ndone'}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={save}
      />
    </label>
  );
}
