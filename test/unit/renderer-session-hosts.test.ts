// Proves which hosts the sessions view lists: the typed one first, then each open tab's host
// once (a tab still in its new-tab form has none).
import { describe, expect, it } from 'vitest';

import { sessionHosts } from '../../renderer/src/state/sessionHosts';
import type { TabView } from '../../renderer/src/state/store';

const tab = (key: string, text?: string): TabView => ({
  key,
  mode: text ? 'terminal' : 'new',
  draft: '',
  label: '',
  ...(text ? { target: { kind: 'quick' as const, text } } : {}),
});

describe('sessionHosts', () => {
  it('lists the typed host, then the open tabs’ hosts once each', () => {
    const hosts = sessionHosts({ kind: 'quick', text: 'b@web' }, [
      tab('1', 'a@db'),
      tab('2'),
      tab('3', 'b@web'),
      tab('4', 'a@db'),
    ]);
    expect(hosts.map((h) => h.label)).toEqual(['b@web', 'a@db']);
  });

  it('lists a saved profile by its name', () => {
    const hosts = sessionHosts(undefined, [
      {
        key: 'p',
        mode: 'terminal',
        draft: '',
        label: 'prod',
        target: { kind: 'profile', name: 'prod' },
      },
    ]);
    expect(hosts).toEqual([{ label: 'prod', target: { kind: 'profile', name: 'prod' } }]);
  });
});
