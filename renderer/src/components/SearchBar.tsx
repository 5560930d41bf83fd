// Find in the terminal (Ctrl/Cmd+F): incremental, Enter for next, Shift+Enter for
// previous, Escape to close; the match count comes from the search addon.

import { useEffect, useRef, useState } from 'react';
import type { TerminalController } from '../terminal/TerminalController';
import type { Store } from '../state/store';

export function SearchBar(props: {
  store: Store;
  tabKey: string;
  terminal: TerminalController;
  onClose(): void;
}) {
  const { store, tabKey, terminal } = props;
  const [text, setText] = useState('');
  const [caseSensitive, setCaseSensitive] = useState(false);
  const [regex, setRegex] = useState(false);
  const [results, setResults] = useState<{ index: number; count: number } | undefined>();
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    input.current?.focus();
    input.current?.select();
    const subscription = store.onSearchResults(({ key, index, count }) => {
      if (key === tabKey) setResults({ index, count });
    });
    return () => {
      subscription.dispose();
      terminal.clearSearch();
    };
  }, [store, tabKey, terminal]);

  const find = (direction: 'next' | 'previous', value = text): void => {
    terminal.find(value, direction, { caseSensitive, regex });
  };

  const close = (): void => {
    props.onClose();
    terminal.focus();
  };

  let count = '';
  if (text !== '' && results) {
    count = results.count === 0 ? 'No results' : `${results.index + 1} of ${results.count}`;
    if (results.index < 0 && results.count > 0) count = `${results.count} found`;
  }

  return (
    <div className="search-bar" role="search">
      <input
        ref={input}
        aria-label="Find in terminal"
        placeholder="Find"
        spellCheck={false}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          find('next', e.target.value);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            find(e.shiftKey ? 'previous' : 'next');
          } else if (e.key === 'Escape') {
            e.preventDefault();
            close();
          }
        }}
      />
      <span className="search-count" aria-live="polite">
        {count}
      </span>
      <button
        className={`toggle ${caseSensitive ? 'on' : ''}`}
        aria-pressed={caseSensitive}
        title="Match case"
        onClick={() => setCaseSensitive(!caseSensitive)}
      >
        Aa
      </button>
      <button
        className={`toggle ${regex ? 'on' : ''}`}
        aria-pressed={regex}
        title="Regular expression"
        onClick={() => setRegex(!regex)}
      >
        .*
      </button>
      <button
        title="Previous match (Shift+Enter)"
        aria-label="Previous match"
        onClick={() => find('previous')}
      >
        ↑
      </button>
      <button title="Next match (Enter)" aria-label="Next match" onClick={() => find('next')}>
        ↓
      </button>
      <button title="Close (Escape)" aria-label="Close search" onClick={close}>
        ×
      </button>
    </div>
  );
}
