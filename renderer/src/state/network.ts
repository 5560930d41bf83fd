// The tab bar's one-glance network state: all connected, N reconnecting, offline. Pure:
// the tabs' connection states and whether the OS says the machine is online.

import type { TabView } from './store';

export type NetworkSummary =
  /** No tab holds a connection: nothing to say. */
  | { kind: 'none' }
  | { kind: 'ok'; text: string }
  | { kind: 'trouble'; text: string; reconnecting: number; offline: number }
  | { kind: 'offline'; text: string };

export function networkSummary(tabs: readonly TabView[], online: boolean): NetworkSummary {
  let connected = 0;
  let reconnecting = 0;
  let offline = 0;
  for (const tab of tabs) {
    if (tab.mode !== 'terminal') continue;
    const kind = tab.state?.kind;
    if (kind === 'connected') connected++;
    else if (kind === 'reconnecting') reconnecting++;
    else if (kind === 'offline') offline++;
  }
  const held = connected + reconnecting + offline;
  if (!online && held > 0) return { kind: 'offline', text: 'Offline: no network' };
  if (held === 0) return { kind: 'none' };
  if (reconnecting + offline === 0) {
    return { kind: 'ok', text: connected === 1 ? 'Connected' : 'All connected' };
  }
  if (connected === 0 && reconnecting === 0) return { kind: 'offline', text: 'Offline' };
  const parts = [];
  if (reconnecting > 0) parts.push(`${reconnecting} reconnecting`);
  if (offline > 0) parts.push(`${offline} offline`);
  return { kind: 'trouble', text: parts.join(' · '), reconnecting, offline };
}
