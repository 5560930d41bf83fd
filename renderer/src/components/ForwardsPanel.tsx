// The port forwards of the hosts this window has open, per host: each listener, its state
// (listening, waiting for the link, failed and why), what carries its connections and
// whether they survive a reconnect, and its live connections with the bytes each way.

import { useEffect, useState } from 'react';
import type { HostForwards } from '../../../main/contract/api';
import type { Store } from '../state/store';
import { formatDuration } from '../state/time';

/** While the panel is open the counters are asked again this often (ms): live, and cheap
 * (the host answers from memory). */
const REFRESH_MS = 1000;

type Listing =
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'done'; hosts: HostForwards[] };

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

const STATE_TEXT: Record<HostForwards['forwards'][number]['state'], string> = {
  starting: 'starting',
  listening: 'listening',
  'waiting-for-link': 'waiting for the link',
  failed: 'failed',
};

export function ForwardsPanel(props: { store: Store; onClose(): void }) {
  const { store } = props;
  const [listing, setListing] = useState<Listing>({ kind: 'loading' });

  useEffect(() => {
    let live = true;
    const load = async () => {
      try {
        const r = await store.api.listForwards();
        if (live)
          setListing(
            r.ok ? { kind: 'done', hosts: r.hosts } : { kind: 'error', message: r.error.message },
          );
      } catch (error) {
        if (live) setListing({ kind: 'error', message: (error as Error).message });
      }
    };
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [store]);

  const now = Date.now();
  return (
    <aside className="drawer" aria-label="Port forwards" data-panel="forwards">
      <div className="drawer-head">
        <h2>Port forwards</h2>
        <button className="icon" aria-label="Close port forwards" onClick={props.onClose}>
          ×
        </button>
      </div>
      {listing.kind === 'loading' && <p className="muted">Loading…</p>}
      {listing.kind === 'error' && (
        <p className="field-error" role="alert">
          {listing.message}
        </p>
      )}
      {listing.kind === 'done' && listing.hosts.length === 0 && (
        <p className="muted">
          No forwards. Add some to a host in Hosts (Forwards: -L 5432:localhost:5432) and open a tab
          to it.
        </p>
      )}
      {listing.kind === 'done' &&
        listing.hosts.map((h) => (
          <section className="session-group" key={h.host} data-host={h.host}>
            <div className="session-group-head">
              <h3>{h.host}</h3>
            </div>
            <ul className="session-list">
              {h.forwards.map((f) => (
                <li key={f.label} className="forward" data-forward={f.label} data-state={f.state}>
                  <div>
                    <strong>{f.label}</strong> · {STATE_TEXT[f.state]}
                    {f.where.length > 0 && <> on {f.where.join(', ')}</>}
                  </div>
                  {f.message && <div className="field-error">{f.message}</div>}
                  <div className="muted">
                    {f.resumable
                      ? `carried by ${f.carrier}: connections survive a reconnect`
                      : `carried by a plain ${f.carrier}: connections end if the link drops (the listener stays)`}
                  </div>
                  <div className="muted">
                    {f.total.connections} connection(s) so far · ↓ {formatBytes(f.total.bytesIn)} ↑{' '}
                    {formatBytes(f.total.bytesOut)}
                  </div>
                  {f.connections.length > 0 && (
                    <ul className="forward-connections">
                      {f.connections.map((c) => (
                        <li key={c.id} data-connection={c.id} data-connection-state={c.state}>
                          {c.from} → {c.to} ·{' '}
                          {c.state === 'open'
                            ? 'open'
                            : c.state === 'handshake'
                              ? 'starting'
                              : 'waiting for the link'}{' '}
                          {formatDuration(now - c.since)} · ↓ {formatBytes(c.bytesIn)} ↑{' '}
                          {formatBytes(c.bytesOut)}
                        </li>
                      ))}
                    </ul>
                  )}
                </li>
              ))}
            </ul>
          </section>
        ))}
    </aside>
  );
}
