// The sessions a server holds for you: name, command, state, age, attached clients; open
// one in a tab (or show its tab when it is open already) or end it. The host defaults to
// the active tab's.

import { useCallback, useEffect, useState } from 'react';
import type { SessionInfo } from '../../../main/contract/api';
import { parseQuickConnect } from '../../../main/contract/quickConnect';
import type { Store } from '../state/store';
import { formatDuration } from '../state/time';
import { useNow } from '../state/useNow';

type Listing =
  | { kind: 'idle' }
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'done'; host: string; sessions: SessionInfo[] };

export function SessionsPanel(props: { store: Store; initialHost: string; onClose(): void }) {
  const { store } = props;
  const [host, setHost] = useState(props.initialHost);
  const [listing, setListing] = useState<Listing>({ kind: 'idle' });
  const [confirming, setConfirming] = useState<string | undefined>();
  const now = useNow(listing.kind === 'done', 30_000);

  const load = useCallback(
    async (text: string) => {
      const parsed = parseQuickConnect(text);
      if (!parsed.ok) {
        setListing({ kind: 'error', message: parsed.message });
        return;
      }
      setListing({ kind: 'loading' });
      try {
        const result = await store.api.listSessions({ kind: 'quick', text: text.trim() });
        setListing(
          result.ok
            ? { kind: 'done', host: text.trim(), sessions: result.sessions }
            : { kind: 'error', message: result.error.message },
        );
      } catch (error) {
        setListing({ kind: 'error', message: (error as Error).message });
      }
    },
    [store],
  );

  // Follow the active tab's host, but only to a host other than the one already shown
  // (opening a session from this list makes its tab active: no need to ask again).
  const shownHost = listing.kind === 'done' ? listing.host : undefined;
  const followed = props.initialHost.trim();
  useEffect(() => {
    if (followed === '' || followed === shownHost) return;
    setHost(followed);
    void load(followed);
    // Deliberately not on shownHost: only a newly active host triggers this.
  }, [followed, load]);

  const end = async (hostText: string, id: string): Promise<void> => {
    setConfirming(undefined);
    const result = await store.api.killSession({ kind: 'quick', text: hostText }, id);
    if (!result.ok) setListing({ kind: 'error', message: result.error.message });
    else await load(hostText);
  };

  return (
    <aside className="drawer" aria-label="Sessions" data-panel="sessions">
      <div className="drawer-head">
        <h2>Sessions</h2>
        <button className="icon" aria-label="Close sessions" onClick={props.onClose}>
          ×
        </button>
      </div>
      <form
        className="field-row"
        onSubmit={(e) => {
          e.preventDefault();
          void load(host);
        }}
      >
        <input
          aria-label="Host"
          placeholder="user@host or alias"
          spellCheck={false}
          value={host}
          onChange={(e) => setHost(e.target.value)}
        />
        <button type="submit">{listing.kind === 'done' ? 'Refresh' : 'Show'}</button>
      </form>
      {listing.kind === 'loading' && <p className="muted">Asking the server…</p>}
      {listing.kind === 'error' && (
        <p className="field-error" role="alert">
          {listing.message}
        </p>
      )}
      {listing.kind === 'done' && listing.sessions.length === 0 && (
        <p className="muted">No sessions on {listing.host}.</p>
      )}
      {listing.kind === 'done' && listing.sessions.length > 0 && (
        <ul className="session-list">
          {listing.sessions.map((s) => {
            const running = s.state === 'running';
            const created = Date.parse(s.created);
            return (
              <li key={s.id} className="session" data-session-id={s.id}>
                <div className="session-main">
                  <span className="session-name">{s.name || s.id}</span>
                  <span className={`badge ${running ? 'ok' : 'ended'}`}>{s.state}</span>
                </div>
                <div className="session-command" title={s.command}>
                  {s.command}
                </div>
                <div className="session-meta muted small">
                  {Number.isFinite(created)
                    ? `started ${formatDuration(now - created)} ago`
                    : s.created}
                  {' · '}
                  {s.attached === 0 ? 'no client attached' : `${s.attached} attached`}
                </div>
                <div className="actions compact">
                  {confirming === s.id ? (
                    <>
                      <button className="danger" onClick={() => void end(listing.host, s.id)}>
                        End it
                      </button>
                      <button onClick={() => setConfirming(undefined)}>Keep</button>
                    </>
                  ) : (
                    <>
                      <button onClick={() => setConfirming(s.id)}>End…</button>
                      {store.tabOfSession(listing.host, s.id) ? (
                        <>
                          <button
                            title="Open a second tab on this session"
                            onClick={() => store.openSession(listing.host, s.id, s.name, true)}
                          >
                            Another view
                          </button>
                          <button
                            className="primary"
                            onClick={() => store.openSession(listing.host, s.id, s.name)}
                          >
                            Show
                          </button>
                        </>
                      ) : (
                        <button
                          className="primary"
                          disabled={!running}
                          onClick={() => store.openSession(listing.host, s.id, s.name)}
                        >
                          Open
                        </button>
                      )}
                    </>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </aside>
  );
}
