// The tabs of the bar and the panes inside each: a tab (group) is a tree of panes
// (main/contract/paneLayout.ts) whose leaves are the keys of the store's views (TabView),
// one connection each. Pure helpers the store uses to keep the two in step.

import { leaves, type PaneTree } from '../../../main/contract/paneLayout';

export type TabGroup = {
  /** Stable for the life of the tab (React key). */
  readonly key: string;
  readonly tree: PaneTree<string>;
  /** The pane that has the keyboard (and the tab bar shows). */
  readonly focus: string;
  /** The pane filling the tab, when one is zoomed. */
  readonly zoomed?: string;
};

/** The group holding pane `key`. */
export function groupOf(
  groups: readonly TabGroup[],
  key: string | undefined,
): TabGroup | undefined {
  return key === undefined ? undefined : groups.find((g) => leaves(g.tree).includes(key));
}

/** Views in the bar's order, the panes of a tab together in their tree's order. */
export function arrange<T extends { readonly key: string }>(
  views: readonly T[],
  groups: readonly TabGroup[],
): T[] {
  const byKey = new Map(views.map((v) => [v.key, v]));
  return groups.flatMap((g) => leaves(g.tree).flatMap((k) => byKey.get(k) ?? []));
}

/** A tab of one pane. */
export function single(groupKey: string, paneKey: string): TabGroup {
  return { key: groupKey, tree: { pane: paneKey }, focus: paneKey };
}
