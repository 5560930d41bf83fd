// Which hosts the sessions view lists: the one typed in its field, then the hosts of the
// open tabs (the ones the app is connected to), each once, named as its tabs are.

import type { Target } from '../../../main/contract/api';
import { targetLabel, type TabView } from './store';

export type SessionHost = { readonly label: string; readonly target: Target };

/** The typed host first (when there is one), then each open tab's host once, in tab order. */
export function sessionHosts(typed: Target | undefined, tabs: readonly TabView[]): SessionHost[] {
  const hosts: SessionHost[] = [];
  const seen = new Set<string>();
  const add = (target: Target): void => {
    const label = targetLabel(target);
    if (seen.has(label)) return;
    seen.add(label);
    hosts.push({ label, target });
  };
  if (typed) add(typed);
  for (const t of tabs) if (t.mode === 'terminal' && t.target) add(t.target);
  return hosts;
}
