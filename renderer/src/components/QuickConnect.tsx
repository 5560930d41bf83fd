// A new tab's page: one field for `user@host[:port]` or an ssh_config alias. Text that is
// not a destination gets its message right under the field, before anything is sent.

import { useEffect, useRef } from 'react';
import type { Store, TabView } from '../state/store';

export function QuickConnect(props: { store: Store; tab: TabView; active: boolean }) {
  const { store, tab } = props;
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (props.active) input.current?.focus();
  }, [props.active]);
  const errorId = `qc-error-${tab.key}`;
  return (
    <div className="quick-connect">
      <form
        className="card"
        onSubmit={(e) => {
          e.preventDefault();
          store.connectDraft(tab.key);
        }}
      >
        <h1>Connect to a server</h1>
        <p className="muted">
          Your shell keeps running on the server when the network drops; this tab picks it up again
          where it left off.
        </p>
        <div className="field-row">
          <input
            ref={input}
            className={`quick-input ${tab.draftError ? 'invalid' : ''}`}
            aria-label="Destination"
            aria-invalid={tab.draftError !== undefined}
            aria-describedby={tab.draftError ? errorId : undefined}
            placeholder="user@host, user@host:port or a Host alias"
            spellCheck={false}
            autoComplete="off"
            autoCapitalize="off"
            value={tab.draft}
            onChange={(e) => store.setDraft(tab.key, e.target.value)}
          />
          <button type="submit" className="primary">
            Connect
          </button>
        </div>
        {tab.draftError ? (
          <p className="field-error" id={errorId} role="alert">
            {tab.draftError}
          </p>
        ) : (
          <p className="muted small">
            Hosts from <code>~/.ssh/config</code> work by their alias; keys and known_hosts are the
            ones ssh uses.
          </p>
        )}
      </form>
    </div>
  );
}
