// Find in the terminal (Ctrl+Shift+F, ⌘F): incremental, Enter for next, Shift+Enter for
// previous, Escape to close; match case, whole word and regular expression toggles (Alt+C,
// Alt+W, Alt+R in the field); the match count ("3 of 12") comes from the search addon.

import { useEffect, useRef, useState } from 'react';
import type { TerminalController } from '../terminal/TerminalController';
import { findQuery } from '../terminal/findQuery';
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
  const [wholeWord, setWholeWord] = useState(false);
  const [results, setResults] = useState<{ index: number; count: number } | undefined>();
  const [badPattern, setBadPattern] = useState<string | undefined>();
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

  const find = (
    direction: 'next' | 'previous',
    value = text,
    opts = { caseSensitive, regex, wholeWord },
  ): void => {
    const query = findQuery(value, opts);
    try {
      terminal.find(query.term, direction, query);
      setBadPattern(undefined);
    } catch (error) {
      // Only a regular expression can fail to compile; say so instead of searching.
      terminal.find('', direction, query);
      setBadPattern(`Not a regular expression: ${(error as Error).message}`);
    }
  };
  /** A toggle changed: search again from where the current match is. */
  const toggle = (
    patch: Partial<{ caseSensitive: boolean; regex: boolean; wholeWord: boolean }>,
  ) => {
    const opts = { caseSensitive, regex, wholeWord, ...patch };
    if (patch.caseSensitive !== undefined) setCaseSensitive(patch.caseSensitive);
    if (patch.regex !== undefined) setRegex(patch.regex);
    if (patch.wholeWord !== undefined) setWholeWord(patch.wholeWord);
    // The addon notes new options before comparing them with the last (addon-search 0.16),
    // so it would keep the old matches: forget the last search, then search afresh.
    terminal.clearSearch();
    find('next', text, opts);
    input.current?.focus();
  };

  const close = (): void => {
    props.onClose();
    terminal.focus();
  };

  let count = '';
  if (badPattern !== undefined) count = 'Bad pattern';
  else if (text !== '' && results) {
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
          } else if (e.altKey && !e.ctrlKey && !e.metaKey) {
            // The toggles' keys, as in editors' find bars (only while this field has focus).
            const code = e.code;
            if (code === 'KeyC') toggle({ caseSensitive: !caseSensitive });
            else if (code === 'KeyW') toggle({ wholeWord: !wholeWord });
            else if (code === 'KeyR') toggle({ regex: !regex });
            else return;
            e.preventDefault();
          }
        }}
      />
      <span
        className={`search-count ${badPattern ? 'bad' : ''}`}
        aria-live="polite"
        title={badPattern}
      >
        {count}
      </span>
      <button
        className={`toggle ${caseSensitive ? 'on' : ''}`}
        aria-pressed={caseSensitive}
        aria-label="Match case"
        title="Match case (Alt+C)"
        onClick={() => toggle({ caseSensitive: !caseSensitive })}
      >
        Aa
      </button>
      <button
        className={`toggle ${wholeWord ? 'on' : ''}`}
        aria-pressed={wholeWord}
        aria-label="Whole word"
        title="Whole word (Alt+W)"
        onClick={() => toggle({ wholeWord: !wholeWord })}
      >
        <u>ab</u>
      </button>
      <button
        className={`toggle ${regex ? 'on' : ''}`}
        aria-pressed={regex}
        aria-label="Regular expression"
        title="Regular expression (Alt+R)"
        onClick={() => toggle({ regex: !regex })}
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
