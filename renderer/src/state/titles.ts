// What the tab bar calls each tab: its own title (./store.ts tabTitle), and where two or
// more tabs would read the same, a number after the second and later ones ("host (2)"),
// so two tabs to one host can be told apart. A name the user gave is left as it is.

import { tabTitle, type TabView } from './store';

/** Tab key → the title to show, in the bar's order. */
export function tabTitles(tabs: readonly TabView[]): ReadonlyMap<string, string> {
  const seen = new Map<string, number>();
  const out = new Map<string, string>();
  for (const tab of tabs) {
    const title = tabTitle(tab);
    if (tab.customTitle || tab.mode === 'new') {
      out.set(tab.key, title);
      continue;
    }
    const n = (seen.get(title) ?? 0) + 1;
    seen.set(title, n);
    out.set(tab.key, n === 1 ? title : `${title} (${n})`);
  }
  return out;
}
