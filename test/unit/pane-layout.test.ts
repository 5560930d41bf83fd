// The pane tree of a split tab: splitting, closing, moving the focus by direction and
// moving dividers are pure operations on it, and its schema refuses what is not a tree.

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  KEY_RESIZE_STEP,
  MAX_RATIO,
  MIN_RATIO,
  keepPanes,
  leaves,
  mapPanes,
  neighbour,
  nudgeDivider,
  paneRects,
  paneTreeSchema,
  removePane,
  setRatio,
  splitPane,
  tabLayoutSchema,
  type PaneTree,
} from '../../main/contract/paneLayout';

/** a | b over c (b split below into b and c): the usual nested case. */
function sample(): PaneTree<string> {
  let t: PaneTree<string> = { pane: 'a' };
  t = splitPane(t, 'a', 'row', 'b');
  t = splitPane(t, 'b', 'column', 'c');
  return t;
}

describe('splitting and closing panes', () => {
  it('puts the new pane right of (row) or below (column) the split one, half each', () => {
    const t = sample();
    expect(leaves(t)).toEqual(['a', 'b', 'c']);
    const r = paneRects(t);
    expect(r.get('a')).toEqual({ x: 0, y: 0, w: 0.5, h: 1 });
    expect(r.get('b')).toEqual({ x: 0.5, y: 0, w: 0.5, h: 0.5 });
    expect(r.get('c')).toEqual({ x: 0.5, y: 0.5, w: 0.5, h: 0.5 });
  });

  it('leaves the tree as it is when the pane to split is not in it', () => {
    const t = sample();
    expect(splitPane(t, 'zz', 'row', 'd')).toBe(t);
  });

  it('gives a closed pane’s place to its sibling, and nothing when the last one goes', () => {
    const t = sample();
    const withoutB = removePane(t, 'b');
    expect(withoutB && leaves(withoutB)).toEqual(['a', 'c']);
    expect(withoutB && paneRects(withoutB).get('c')).toEqual({ x: 0.5, y: 0, w: 0.5, h: 1 });
    expect(removePane({ pane: 'a' }, 'a')).toBeUndefined();
  });

  it('keeps or maps only some leaves, dropping the dividers of the others', () => {
    const t = sample();
    expect(keepPanes(t, (l) => l !== 'a')).toEqual({
      split: 'column',
      ratio: 0.5,
      a: { pane: 'b' },
      b: { pane: 'c' },
    });
    const mapped = mapPanes(t, (l) => (l === 'c' ? undefined : l.toUpperCase()));
    expect(mapped).toEqual({ split: 'row', ratio: 0.5, a: { pane: 'A' }, b: { pane: 'B' } });
  });
});

describe('moving the focus by direction', () => {
  it('goes to the pane across the edge that way, and nowhere at the tab’s edge', () => {
    const t = sample();
    expect(neighbour(t, 'a', 'right')).toBe('b');
    expect(neighbour(t, 'b', 'down')).toBe('c');
    expect(neighbour(t, 'c', 'up')).toBe('b');
    expect(neighbour(t, 'c', 'left')).toBe('a');
    expect(neighbour(t, 'a', 'left')).toBeUndefined();
    expect(neighbour(t, 'b', 'up')).toBeUndefined();
  });

  it('picks the pane overlapping most along the edge', () => {
    // a (top 70%) over b, both left of c: from c leftwards, a overlaps more.
    let t: PaneTree<string> = { pane: 'a' };
    t = splitPane(t, 'a', 'row', 'c');
    t = splitPane(t, 'a', 'column', 'b');
    t = setRatio(t, ['a'], 0.7);
    expect(neighbour(t, 'c', 'left')).toBe('a');
    t = setRatio(t, ['a'], 0.3);
    expect(neighbour(t, 'c', 'left')).toBe('b');
  });
});

describe('moving dividers', () => {
  it('moves the nearest divider of that axis one step, for either side of it', () => {
    const t = sample();
    const right = nudgeDivider(t, 'a', 'right');
    expect(paneRects(right).get('a')?.w).toBeCloseTo(0.5 + KEY_RESIZE_STEP);
    // From b (right of the divider) rightwards too: the divider moves right, b shrinks.
    expect(paneRects(nudgeDivider(t, 'b', 'right')).get('b')?.w).toBeCloseTo(0.5 - KEY_RESIZE_STEP);
    // b and c share a column split: down moves that one, not the row's.
    const down = nudgeDivider(t, 'c', 'down');
    expect(paneRects(down).get('b')?.h).toBeCloseTo(0.5 + KEY_RESIZE_STEP);
    expect(paneRects(down).get('a')?.w).toBeCloseTo(0.5);
  });

  it('does nothing without a split of that axis, and never squeezes a pane below the minimum', () => {
    const t = sample();
    expect(nudgeDivider(t, 'a', 'up')).toBe(t);
    let s = t;
    for (let i = 0; i < 40; i++) s = nudgeDivider(s, 'a', 'left');
    expect(paneRects(s).get('a')?.w).toBeCloseTo(MIN_RATIO);
    expect(paneRects(setRatio(t, [], 5)).get('a')?.w).toBeCloseTo(MAX_RATIO);
    expect(paneRects(setRatio(t, [], Number.NaN)).get('a')?.w).toBeCloseTo(0.5);
  });
});

describe('the schema', () => {
  const schema = paneTreeSchema(z.int().min(0));
  it('takes a nested tree and refuses a ratio out of range or a tree too deep', () => {
    expect(
      schema.safeParse({ split: 'row', ratio: 0.3, a: { pane: 0 }, b: { pane: 1 } }).success,
    ).toBe(true);
    expect(
      schema.safeParse({ split: 'row', ratio: 1, a: { pane: 0 }, b: { pane: 1 } }).success,
    ).toBe(false);
    expect(
      schema.safeParse({ split: 'diagonal', ratio: 0.5, a: { pane: 0 }, b: { pane: 1 } }).success,
    ).toBe(false);
    let deep: PaneTree<number> = { pane: 0 };
    for (let i = 1; i <= 17; i++) deep = { split: 'row', ratio: 0.5, a: deep, b: { pane: i } };
    expect(schema.safeParse(deep).success).toBe(false);
  });

  it('refuses a layout whose focus or zoomed pane is not one of its leaves', () => {
    const layout = tabLayoutSchema(z.int().min(0));
    const tree = { split: 'row', ratio: 0.5, a: { pane: 0 }, b: { pane: 1 } };
    expect(layout.safeParse({ tree, focus: 1, zoomed: 0 }).success).toBe(true);
    expect(layout.safeParse({ tree, focus: 2 }).success).toBe(false);
    expect(layout.safeParse({ tree, focus: 0, zoomed: 3 }).success).toBe(false);
  });
});
