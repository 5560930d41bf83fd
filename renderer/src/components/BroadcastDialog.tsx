// Broadcast input: choose the tabs whose typing goes to all of them (the active tab and
// every other terminal tab to start with), start, change the choice, or stop.

import { useState } from 'react';
import type { Store, TabView } from '../state/store';

export function BroadcastDialog(props: {
  store: Store;
  tabs: readonly TabView[];
  titles: ReadonlyMap<string, string>;
  current: readonly string[];
  onClose(): void;
}) {
  const { store } = props;
  const terminals = props.tabs.filter((t) => t.mode === 'terminal');
  const [chosen, setChosen] = useState<ReadonlySet<string>>(
    new Set(props.current.length > 0 ? props.current : terminals.map((t) => t.key)),
  );
  const on = props.current.length > 0;
  const flip = (key: string): void => {
    const next = new Set(chosen);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    setChosen(next);
  };
  const start = (): void => {
    store.setBroadcast(terminals.filter((t) => chosen.has(t.key)).map((t) => t.key));
    props.onClose();
  };

  return (
    <div className="modal-backdrop" onMouseDown={props.onClose}>
      <form
        className="modal"
        role="dialog"
        aria-label="Broadcast input"
        data-dialog="broadcast"
        onMouseDown={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key === 'Escape') props.onClose();
        }}
        onSubmit={(e) => {
          e.preventDefault();
          start();
        }}
      >
        <h2>Broadcast input</h2>
        <p className="muted small">
          What you type in one of these tabs is typed in all of them. Each is marked while it is on.
        </p>
        {terminals.length < 2 && <p>Open two terminal tabs or more to broadcast to.</p>}
        <ul className="broadcast-choice">
          {terminals.map((tab) => (
            <li key={tab.key}>
              <label className="check">
                <input
                  type="checkbox"
                  checked={chosen.has(tab.key)}
                  onChange={() => flip(tab.key)}
                />
                {props.titles.get(tab.key) ?? tab.label}
              </label>
            </li>
          ))}
        </ul>
        <div className="actions">
          {on && (
            <button
              type="button"
              className="danger"
              onClick={() => {
                store.setBroadcast([]);
                props.onClose();
              }}
            >
              Stop broadcasting
            </button>
          )}
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={chosen.size < 2} autoFocus>
            {on ? 'Update' : 'Broadcast'}
          </button>
        </div>
      </form>
    </div>
  );
}
