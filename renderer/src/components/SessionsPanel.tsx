// The sessions your servers hold, grouped by host (the one typed here, then the hosts of the
// open tabs): per session its name, what runs in the foreground now and where, the last
// line it printed, age, idle time, clients attached and exit status; open one in a tab, end
// it, or end every exited one of a host. Renaming needs an agent command that does not
// exist yet, so it is not offered.

import { useCallback, useEffect, useMemo, useState } from 'react';
import type { SessionInfo, Target } from '../../../main/contract/api';
import { parseQuickConnect } from '../../../main/contract/quickConnect';
import { sessionHosts, type SessionHost } from '../state/sessionHosts';
import type { Store } from '../state/store';
import { formatDuration } from '../state/time';
import { useNow } from '../state/useNow';

type Listing =
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'done'; sessions: SessionInfo[]; at: number };

/** While the view is open its lists are asked again this often (ms): idle times and
 * foreground commands stay current at one `ls` per host, cheap next to a shell's traffic. */
const REFRESH_MS = 10_000;

export function SessionsPanel(props: { store: Store; initialHost: string; onClose(): void }) {
  const { store } = props;
  const [host, setHost] = useState(props.initialHost);
  const [typed, setTyped] = useState<Target | undefined>(quickTarget(props.initialHost));
  const [typedError, setTypedError] = useState<string | undefined>();
  const [listings, setListings] = useState<Record<string, Listing>>({});
  const [confirming, setConfirming] = useState<string | undefined>();
  const now = useNow(true, 1000);
  const tabs = store.getSnapshot().tabs;
  const hosts = useMemo(() => sessionHosts(typed, tabs), [typed, tabs]);
  const hostKey = hosts.map((h) => h.label).join('\n');

  const load = useCallback(
    async (h: SessionHost, quiet = false) => {
      if (!quiet) setListings((l) => ({ ...l, [h.label]: { kind: 'loading' } }));
      let next: Listing;
      try {
        const result = await store.api.listSessions(h.target);
        next = result.ok
          ? { kind: 'done', sessions: result.sessions, at: Date.now() }
          : { kind: 'error', message: result.error.message };
      } catch (error) {
        next = { kind: 'error', message: (error as Error).message };
      }
      setListings((l) => ({ ...l, [h.label]: next }));
    },
    [store],
  );

  // A host that joins the list is asked at once; all of them again every REFRESH_MS.
  useEffect(() => {
    for (const h of hosts) if (!(h.label in listings)) void load(h);
    const timer = setInterval(() => {
      for (const h of hosts) void load(h, true);
    }, REFRESH_MS);
    return () => clearInterval(timer);
    // Deliberately on the hosts' names only: a new listing must not restart the timer.
  }, [hostKey, load]);

  // Follow the active tab's host into the field.
  useEffect(() => {
    const followed = props.initialHost.trim();
    if (followed === '') return;
    setHost(followed);
    setTyped(quickTarget(followed));
  }, [props.initialHost]);

  const end = async (h: SessionHost, ids: string[]): Promise<void> => {
    setConfirming(undefined);
    for (const id of ids) {
      const result = await store.killSession(h.target, id);
      if (!result.ok) {
        setListings((l) => ({ ...l, [h.label]: { kind: 'error', message: result.error.message } }));
        return;
      }
    }
    await load(h);
  };

  const submit = (): void => {
    const parsed = parseQuickConnect(host);
    if (!parsed.ok) {
      setTypedError(parsed.message);
      return;
    }
    setTypedError(undefined);
    const target = quickTarget(host);
    setTyped(target);
    for (const x of sessionHosts(target, tabs)) void load(x);
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
          submit();
        }}
      >
        <input
          aria-label="Host"
          placeholder="user@host or alias"
          spellCheck={false}
          value={host}
          onChange={(e) => setHost(e.target.value)}
        />
        <button type="submit">Show</button>
      </form>
      {typedError && (
        <p className="field-error" role="alert">
          {typedError}
        </p>
      )}
      {hosts.map((h) => (
        <HostGroup
          key={h.label}
          host={h}
          listing={listings[h.label] ?? { kind: 'loading' }}
          now={now}
          confirming={confirming}
          setConfirming={setConfirming}
          onEnd={(ids) => void end(h, ids)}
          onRename={async (s, name) => {
            const r = await store.renameSession(h.target, s.id, name);
            if (r.ok) await load(h, true);
            return r;
          }}
          onOpen={(s, another) => store.openSession(h.target, s.id, s.name, another)}
          isOpen={(s) => store.tabOfSession(h.target, s.id) !== undefined}
        />
      ))}
    </aside>
  );
}

function HostGroup(props: {
  host: SessionHost;
  listing: Listing;
  now: number;
  confirming: string | undefined;
  setConfirming(id: string | undefined): void;
  onEnd(ids: string[]): void;
  onOpen(s: SessionInfo, anotherView?: boolean): void;
  onRename: RenameSession;
  /** Whether a tab shows this session already (then "Show" focuses it). */
  isOpen(s: SessionInfo): boolean;
}) {
  const { host, listing, now, confirming, setConfirming } = props;
  const exited = listing.kind === 'done' ? listing.sessions.filter((s) => !isRunning(s)) : [];
  const allKey = `all:${host.label}`;
  return (
    <section className="session-group" data-host={host.label}>
      <div className="session-group-head">
        <h3>{host.label}</h3>
        {exited.length > 0 &&
          (confirming === allKey ? (
            <span className="actions compact">
              <button className="danger" onClick={() => props.onEnd(exited.map((s) => s.id))}>
                End {exited.length}
              </button>
              <button onClick={() => setConfirming(undefined)}>Keep</button>
            </span>
          ) : (
            <button onClick={() => setConfirming(allKey)}>End all exited ({exited.length})</button>
          ))}
      </div>
      {listing.kind === 'loading' && <p className="muted">Asking the server…</p>}
      {listing.kind === 'error' && (
        <p className="field-error" role="alert">
          {listing.message}
        </p>
      )}
      {listing.kind === 'done' && listing.sessions.length === 0 && (
        <p className="muted">No sessions on {host.label}.</p>
      )}
      {listing.kind === 'done' && listing.sessions.length > 0 && (
        <ul className="session-list">
          {listing.sessions.map((s) => (
            <SessionRow
              key={s.id}
              session={s}
              since={now - listing.at}
              now={now}
              confirming={confirming === s.id}
              setConfirming={setConfirming}
              onEnd={() => props.onEnd([s.id])}
              onOpen={() => props.onOpen(s)}
              isOpen={props.isOpen(s)}
              onAnotherView={() => props.onOpen(s, true)}
              onRename={(name) => props.onRename(s, name)}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function SessionRow(props: {
  session: SessionInfo;
  /** How long ago the list was read (its idle and age figures grow by this much). */
  since: number;
  now: number;
  confirming: boolean;
  setConfirming(id: string | undefined): void;
  onEnd(): void;
  onOpen(): void;
  /** A tab shows this session already: Open focuses it; another view is its own button. */
  isOpen: boolean;
  onAnotherView(): void;
  onRename(name: string): Promise<{ ok: true } | { ok: false; message: string }>;
}) {
  const { session: s, since, now } = props;
  const [renaming, setRenaming] = useState<string | undefined>();
  const [renameError, setRenameError] = useState<string | undefined>();
  const rename = async (): Promise<void> => {
    if (renaming === undefined) return;
    const r = await props.onRename(renaming);
    if (r.ok) setRenaming(undefined);
    else setRenameError(r.message);
  };
  const running = isRunning(s);
  const created = Date.parse(s.created);
  const age =
    s.ageMs !== undefined ? s.ageMs + since : Number.isFinite(created) ? now - created : undefined;
  const facts = [
    age !== undefined ? `started ${formatDuration(age)} ago` : s.created,
    running && s.idleMs !== undefined ? `idle ${formatDuration(s.idleMs + since)}` : undefined,
    s.attached === 0 ? 'no client attached' : `${s.attached} attached`,
    s.exitStatus !== undefined ? `exit status ${s.exitStatus}` : undefined,
  ].filter((f): f is string => f !== undefined);
  const command = s.foregroundCommand ?? s.command;
  return (
    <li className="session" data-session-id={s.id}>
      <div className="session-main">
        {renaming === undefined ? (
          <span className="session-name">{s.name || s.id}</span>
        ) : (
          <form
            className="session-rename"
            onSubmit={(e) => {
              e.preventDefault();
              void rename();
            }}
          >
            <input
              aria-label="Session name"
              autoFocus
              maxLength={64}
              spellCheck={false}
              value={renaming}
              onChange={(e) => {
                setRenaming(e.target.value);
                setRenameError(undefined);
              }}
              onKeyDown={(e) => {
                if (e.key === 'Escape') setRenaming(undefined);
              }}
            />
          </form>
        )}
        <span className={`badge ${running ? (s.jobRunning ? 'busy' : 'ok') : 'ended'}`}>
          {running ? (s.jobRunning ? 'job running' : 'running') : s.state}
        </span>
      </div>
      <div className="session-command" data-field="command" title={command}>
        {command}
      </div>
      {s.cwd !== undefined && (
        <div className="session-cwd muted small" data-field="cwd" title={s.cwd}>
          in {s.cwd}
        </div>
      )}
      {s.lastLine ? (
        <div className="session-last" data-field="last-line" title={s.lastLine}>
          {s.lastLine}
        </div>
      ) : null}
      {renameError && renaming !== undefined && (
        <p className="field-error" role="alert">
          {renameError}
        </p>
      )}
      <div className="session-meta muted small">{facts.join(' · ')}</div>
      <div className="actions compact">
        {props.confirming ? (
          <>
            <button className="danger" onClick={props.onEnd}>
              End it
            </button>
            <button onClick={() => props.setConfirming(undefined)}>Keep</button>
          </>
        ) : (
          <>
            <button onClick={() => props.setConfirming(s.id)}>End…</button>
            {running && (
              <button
                onClick={() => {
                  setRenameError(undefined);
                  setRenaming(renaming === undefined ? s.name : undefined);
                }}
              >
                Rename…
              </button>
            )}
            {props.isOpen ? (
              <>
                <button title="Open a second tab on this session" onClick={props.onAnotherView}>
                  Another view
                </button>
                <button className="primary" onClick={props.onOpen}>
                  Show
                </button>
              </>
            ) : (
              <button className="primary" disabled={!running} onClick={props.onOpen}>
                Open
              </button>
            )}
          </>
        )}
      </div>
    </li>
  );
}

type RenameSession = (
  s: SessionInfo,
  name: string,
) => Promise<{ ok: true } | { ok: false; message: string }>;

function isRunning(s: SessionInfo): boolean {
  return s.state === 'running';
}

function quickTarget(text: string): Target | undefined {
  const t = text.trim();
  return t !== '' && parseQuickConnect(t).ok ? { kind: 'quick', text: t } : undefined;
}
