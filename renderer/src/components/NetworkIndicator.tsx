// The network indicator in the tab bar: all connected, N reconnecting, offline; with
// "Reconnect all" while any tab is waiting for its link.

import { useEffect, useState } from 'react';
import type { Store, TabView } from '../state/store';
import { networkSummary } from '../state/network';
import { withShortcut } from '../terminal/shortcuts';

/** Whether the OS says the machine is online, as it changes. */
function useOnline(): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const up = (): void => setOnline(true);
    const down = (): void => setOnline(false);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    return () => {
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
    };
  }, []);
  return online;
}

export function NetworkIndicator(props: { store: Store; tabs: readonly TabView[] }) {
  const summary = networkSummary(props.tabs, useOnline());
  if (summary.kind === 'none') return null;
  return (
    <div className={`network network-${summary.kind}`} role="status" data-network={summary.kind}>
      <span className="network-dot" aria-hidden />
      <span className="network-text">{summary.text}</span>
      {summary.kind !== 'ok' && (
        <button
          className="tool network-reconnect"
          title={withShortcut('Dial every waiting tab now', 'reconnect-all')}
          onClick={() => props.store.reconnectAll()}
        >
          Reconnect all
        </button>
      )}
    </div>
  );
}
