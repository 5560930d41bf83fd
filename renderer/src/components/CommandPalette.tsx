// The command palette (Ctrl+Shift+P, ⌘⇧P): every action with its shortcut, filtered as
// you type (each word must appear in the name or group), ↑/↓ to choose, Enter to run,
// Escape to close. The action runs as its shortcut or menu item would.

import { useMemo, useRef, useState } from 'react';
import { ACTIONS, ACTION_NAMES, type Action } from '../../../main/contract/keys';
import { shortcutLabel } from '../terminal/shortcuts';

/** The actions whose name or group holds every word of `query`, in table order. */
export function filterActions(query: string): Action[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return ACTION_NAMES.filter((action) => {
    const { label, group } = ACTIONS[action];
    const text = `${label} ${group} ${action}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

export function CommandPalette(props: { onRun(action: Action): void; onClose(): void }) {
  const [query, setQuery] = useState('');
  const [chosen, setChosen] = useState(0);
  const list = useRef<HTMLUListElement>(null);
  const found = useMemo(() => filterActions(query), [query]);
  const at = Math.min(chosen, Math.max(0, found.length - 1));

  const run = (action: Action | undefined): void => {
    if (action === undefined) return;
    props.onClose();
    props.onRun(action);
  };
  const move = (by: number): void => {
    if (found.length === 0) return;
    const next = (at + by + found.length) % found.length;
    setChosen(next);
    list.current?.children[next]?.scrollIntoView({ block: 'nearest' });
  };

  return (
    <div className="modal-backdrop palette-backdrop" onMouseDown={props.onClose}>
      <div
        className="palette"
        role="dialog"
        aria-label="Commands"
        data-dialog="command-palette"
        onMouseDown={(e) => e.stopPropagation()}
      >
        <input
          autoFocus
          aria-label="Type a command"
          placeholder="Type a command"
          spellCheck={false}
          value={query}
          role="combobox"
          aria-expanded
          aria-controls="palette-list"
          aria-activedescendant={found[at] ? `palette-${found[at]}` : undefined}
          onChange={(e) => {
            setQuery(e.target.value);
            setChosen(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') move(1);
            else if (e.key === 'ArrowUp') move(-1);
            else if (e.key === 'Enter') run(found[at]);
            else if (e.key === 'Escape') props.onClose();
            else return;
            e.preventDefault();
            e.stopPropagation();
          }}
        />
        <ul className="palette-list" id="palette-list" role="listbox" ref={list}>
          {found.map((action, i) => (
            <li
              key={action}
              id={`palette-${action}`}
              role="option"
              aria-selected={i === at}
              data-action={action}
              className={i === at ? 'chosen' : ''}
              onMouseMove={() => i !== at && setChosen(i)}
              onClick={() => run(action)}
            >
              <span className="palette-group muted">{ACTIONS[action].group}</span>
              <span className="palette-label">{ACTIONS[action].label}</span>
              {shortcutLabel(action) !== '' && <kbd>{shortcutLabel(action)}</kbd>}
            </li>
          ))}
          {found.length === 0 && <li className="muted palette-none">No command matches.</li>}
        </ul>
      </div>
    </div>
  );
}
