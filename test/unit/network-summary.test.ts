// What these prove: the tab bar's network indicator (renderer/src/state/network.ts) says
// nothing without connections, "All connected" when every held tab is, how many tabs are
// reconnecting or offline otherwise, and "Offline" when none has its link or the OS says
// there is no network; tabs without a session (new, ended, failed) do not count.

import { describe, expect, it } from 'vitest';
import type { TabState } from '../../main/contract/api';
import { networkSummary } from '../../renderer/src/state/network';
import type { TabView } from '../../renderer/src/state/store';

const connected: TabState = { kind: 'connected', sessionId: 's', resilient: true };
const reconnecting: TabState = { kind: 'reconnecting', attempt: 2, nextTryAt: 0, since: 0 };
const offline: TabState = { kind: 'offline', since: 0 };
const ended: TabState = { kind: 'ended', exitCode: 0 };

function tabs(...states: (TabState | 'new')[]): TabView[] {
  return states.map((s, i) =>
    s === 'new'
      ? { key: `k${i}`, mode: 'new', draft: '', label: '' }
      : { key: `k${i}`, mode: 'terminal', draft: '', label: 'h', state: s },
  );
}

describe('the network indicator', () => {
  it('says nothing when no tab holds a connection', () => {
    expect(networkSummary(tabs('new', ended), true)).toEqual({ kind: 'none' });
  });

  it('says all connected, ignoring ended and new tabs', () => {
    expect(networkSummary(tabs(connected, connected, ended, 'new'), true)).toEqual({
      kind: 'ok',
      text: 'All connected',
    });
  });

  it('counts the tabs reconnecting and offline', () => {
    expect(networkSummary(tabs(connected, reconnecting, reconnecting, offline), true)).toEqual({
      kind: 'trouble',
      text: '2 reconnecting · 1 offline',
      reconnecting: 2,
      offline: 1,
    });
  });

  it('says offline when no tab has its link, or the OS has no network', () => {
    expect(networkSummary(tabs(offline, offline), true).kind).toBe('offline');
    expect(networkSummary(tabs(connected), false)).toEqual({
      kind: 'offline',
      text: 'Offline: no network',
    });
  });
});
