// Settings: the output patterns that raise a notice from a background tab, one per line.

import { useState } from 'react';
import type { Store } from '../state/store';
import { NOTIFY_PATTERNS_MAX } from '../state/settings';

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
