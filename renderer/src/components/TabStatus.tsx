// What a tab says about its connection: a strip above the terminal while it is not simply
// connected, and full views for the states that need a decision (failed, host key changed,
// session ended). Every line says the fact, its age and the way out.

import type { TabState } from '../../../main/contract/api';
import { formatDuration, secondsUntil } from '../state/time';
import { useNow } from '../state/useNow';
import type { Store, TabView } from '../state/store';

export function StatusStrip(props: { store: Store; tab: TabView }) {
  const { store, tab } = props;
  const state = tab.state;
  const ticking =
    state?.kind === 'reconnecting' || state?.kind === 'offline' || state?.kind === 'reattaching';
  const now = useNow(ticking);
  const line = state ? describe(state, tab.label, now) : undefined;
  if (!line && !tab.notice) return null;
  return (
    <div className="status-strips">
      {line && (
        <div className={`status-strip kind-${state?.kind}`} role="status" data-state={state?.kind}>
          {(state?.kind === 'connecting' ||
            state?.kind === 'reconnecting' ||
            state?.kind === 'reattaching') && <span className="spinner" aria-hidden />}
          <span className="status-text">{line.text}</span>
          {line.detail && <span className="status-detail">{line.detail}</span>}
          {(state?.kind === 'reconnecting' ||
            state?.kind === 'offline' ||
            state?.kind === 'reattaching') && (
            <button className="link-button" onClick={() => store.reconnectNow(tab.key)}>
              Reconnect now
            </button>
          )}
        </div>
      )}
      {tab.notice && (
        <div className="status-strip kind-notice" role="status">
          <span className="status-text">{tab.notice}</span>
          <button
            className="link-button"
            aria-label="Dismiss"
            onClick={() => store.dismissNotice(tab.key)}
          >
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}

function describe(
  state: TabState,
  label: string,
  now: number,
): { text: string; detail?: string } | undefined {
  switch (state.kind) {
    case 'connecting':
      // The step adds something only past the first ("deploying the agent", ...).
      return state.step === 'connecting'
        ? { text: `Connecting to ${label}…` }
        : { text: `Connecting to ${label}…`, detail: state.step };
    case 'reconnecting': {
      const wait = secondsUntil(state.nextTryAt, now);
      const next = wait === 0 ? 'trying now' : `next try in ${wait} s`;
      const line: { text: string; detail?: string } = {
        text: `${lostFor(now - state.since)}. Reconnecting — attempt ${state.attempt}, ${next}.`,
      };
      if (state.lastError) line.detail = state.lastError;
      return line;
    }
    case 'reattaching': {
      // Connected, but the server's agent did not take the tab (e.g. too many clients): the
      // reason is the news, so it leads; the retry schedule follows.
      const wait = secondsUntil(state.nextTryAt, now);
      const next = wait === 0 ? 'trying now' : `next try in ${wait} s`;
      const age = now - state.since < 1000 ? '' : `, for ${formatDuration(now - state.since)}`;
      return {
        text: `Not attached to the session: ${state.reason}.`,
        detail: `Attempt ${state.attempt}${age}; ${next}.`,
      };
    }
    case 'offline':
      return {
        text: `Offline ${now - state.since < 1000 ? 'since just now' : `for ${formatDuration(now - state.since)}`}. The session keeps running on the server; Holdfast reconnects when the network is back.`,
      };
    case 'needs-input':
      return { text: 'Waiting for your answer before connecting.' };
    case 'connected':
    case 'ended':
    case 'failed':
      return undefined;
  }
}

function lostFor(ms: number): string {
  return ms < 1000 ? 'Connection lost just now' : `Connection lost ${formatDuration(ms)} ago`;
}

/** Connection failed: why, in words, and what to do next. */
export function FailedView(props: {
  store: Store;
  tab: TabView;
  state: Extract<TabState, { kind: 'failed' }>;
}) {
  const { store, tab, state } = props;
  if (state.errorKind === 'host-key-changed') return <HostKeyChangedView {...props} />;
  return (
    <div className="overlay-view" role="alert" data-view="failed">
      <div className="card">
        <h2>Could not connect to {tab.label}</h2>
        <p className="reason">{state.reason}</p>
        <div className="actions">
          <button onClick={() => store.close(tab.key, 'detach')}>Close tab</button>
          <button onClick={() => store.edit(tab.key)}>Edit destination</button>
          <button className="primary" autoFocus onClick={() => store.retry(tab.key)}>
            Retry
          </button>
        </div>
      </div>
    </div>
  );
}

/**
 * The server's host key is not the one known_hosts holds. Not a question: Holdfast refuses,
 * shows both fingerprints (they are in the engine's message), and says how to fix it if the
 * change is legitimate.
 */
function HostKeyChangedView(props: {
  store: Store;
  tab: TabView;
  state: Extract<TabState, { kind: 'failed' }>;
}) {
  const { store, tab, state } = props;
  const fingerprints = [...new Set(state.reason.match(/SHA256:[A-Za-z0-9+/=]+/g) ?? [])];
  return (
    <div className="overlay-view danger" role="alert" data-view="host-key-changed">
      <div className="card">
        <h2>The host key of {tab.label} has changed</h2>
        <p>
          The server presented a different key from the one you trusted before. Someone may be
          intercepting this connection, or the server was reinstalled. Holdfast will not connect.
        </p>
        {fingerprints.length >= 2 && (
          <dl className="fingerprints">
            <dt>Presented now</dt>
            <dd>
              <code>{fingerprints[0]}</code>
            </dd>
            <dt>In known_hosts</dt>
            <dd>
              {fingerprints.slice(1).map((fp) => (
                <code key={fp}>{fp}</code>
              ))}
            </dd>
          </dl>
        )}
        <pre className="message">{state.reason}</pre>
        <div className="actions">
          <button className="primary" autoFocus onClick={() => store.close(tab.key, 'detach')}>
            Close tab
          </button>
        </div>
      </div>
    </div>
  );
}

/** The remote command exited: the terminal stays readable, with the way on below it. */
export function EndedBar(props: { store: Store; tab: TabView; exitCode: number }) {
  const { store, tab, exitCode } = props;
  return (
    <div className="ended-bar" role="status" data-view="ended">
      <span>
        Session ended{' '}
        {exitCode === 0 ? '(exit code 0).' : <strong>with exit code {exitCode}.</strong>}
      </span>
      <button onClick={() => store.retry(tab.key)}>New session on {tab.label}</button>
      <button className="primary" onClick={() => store.close(tab.key, 'detach')}>
        Close tab
      </button>
    </div>
  );
}
