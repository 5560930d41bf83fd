// The panes of a tab: a binary tree of splits whose leaves name panes. Pure operations on
// it (split, close, move the focus, move a divider) for the renderer, and the schema the
// host keeps it in (tabs.json, where a leaf is the index of a saved tab). A leaf's type is
// a parameter: the renderer's pane keys, the contract's tab ids or tabs.json's indices.
//
// Pure: no DOM, no Node (see ./tsconfig.json).

import { z } from 'zod';

/** 'row': side by side, a vertical divider; 'column': one above the other. */
export type SplitAxis = 'row' | 'column';

export type PaneTree<L> =
  | { readonly pane: L }
  | {
      readonly split: SplitAxis;
      /** The first child's share of the length along `split`, in (0, 1). */
      readonly ratio: number;
      readonly a: PaneTree<L>;
      readonly b: PaneTree<L>;
    };

export type Direction = 'left' | 'right' | 'up' | 'down';

/** A pane's place in the tab, as fractions of its width and height. */
export type Rect = {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
};

/**
 * The smallest share a divider leaves either side (of the parent's length): a pane stays
 * wide enough to show a prompt, and a divider dragged to the edge can still be grabbed.
 */
export const MIN_RATIO = 0.1;
export const MAX_RATIO = 1 - MIN_RATIO;
/** How far one key press moves a divider (of the parent's length): ~20 steps edge to edge. */
export const KEY_RESIZE_STEP = 0.05;
/** Deepest nesting kept: a tree from a file deeper than this is not ours. */
export const MAX_DEPTH = 16;

export function clampRatio(ratio: number): number {
  if (!Number.isFinite(ratio)) return 0.5;
  return Math.min(MAX_RATIO, Math.max(MIN_RATIO, ratio));
}

/** The leaves, left to right and top to bottom. */
export function leaves<L>(tree: PaneTree<L>): L[] {
  return 'pane' in tree ? [tree.pane] : [...leaves(tree.a), ...leaves(tree.b)];
}

/** Splits pane `at` along `axis`: `added` goes after it (right or below), each half. */
export function splitPane<L>(tree: PaneTree<L>, at: L, axis: SplitAxis, added: L): PaneTree<L> {
  if ('pane' in tree) {
    if (tree.pane !== at) return tree;
    return { split: axis, ratio: 0.5, a: tree, b: { pane: added } };
  }
  const a = splitPane(tree.a, at, axis, added);
  const b = a === tree.a ? splitPane(tree.b, at, axis, added) : tree.b;
  return a === tree.a && b === tree.b ? tree : { ...tree, a, b };
}

/** The tree without pane `gone` (its sibling takes the parent's place); undefined if empty. */
export function removePane<L>(tree: PaneTree<L>, gone: L): PaneTree<L> | undefined {
  if ('pane' in tree) return tree.pane === gone ? undefined : tree;
  const a = removePane(tree.a, gone);
  const b = removePane(tree.b, gone);
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a === tree.a && b === tree.b ? tree : { ...tree, a, b };
}

/** The tree with only the leaves `keep` accepts (dividers of removed panes go with them). */
export function keepPanes<L>(
  tree: PaneTree<L>,
  keep: (leaf: L) => boolean,
): PaneTree<L> | undefined {
  if ('pane' in tree) return keep(tree.pane) ? tree : undefined;
  const a = keepPanes(tree.a, keep);
  const b = keepPanes(tree.b, keep);
  if (a === undefined) return b;
  if (b === undefined) return a;
  return { ...tree, a, b };
}

/** The same tree with each leaf mapped (leaves `map` drops go, as with keepPanes). */
export function mapPanes<L, M>(
  tree: PaneTree<L>,
  map: (leaf: L) => M | undefined,
): PaneTree<M> | undefined {
  if ('pane' in tree) {
    const pane = map(tree.pane);
    return pane === undefined ? undefined : { pane };
  }
  const a = mapPanes(tree.a, map);
  const b = mapPanes(tree.b, map);
  if (a === undefined) return b;
  if (b === undefined) return a;
  return { split: tree.split, ratio: tree.ratio, a, b };
}

/** Each leaf's rectangle in a unit square (the tab's area). */
export function paneRects<L>(
  tree: PaneTree<L>,
  box: Rect = { x: 0, y: 0, w: 1, h: 1 },
): Map<L, Rect> {
  const out = new Map<L, Rect>();
  const walk = (node: PaneTree<L>, r: Rect): void => {
    if ('pane' in node) {
      out.set(node.pane, r);
      return;
    }
    if (node.split === 'row') {
      const w = r.w * node.ratio;
      walk(node.a, { ...r, w });
      walk(node.b, { ...r, x: r.x + w, w: r.w - w });
    } else {
      const h = r.h * node.ratio;
      walk(node.a, { ...r, h });
      walk(node.b, { ...r, y: r.y + h, h: r.h - h });
    }
  };
  walk(tree, box);
  return out;
}

/** Rounding slack when comparing edges computed from ratios. */
const EPS = 1e-9;

/**
 * The pane the focus moves to from `from` in `dir`: among the panes across the nearest
 * edge that side, the one overlapping `from` the most along that edge (ties: the first).
 * Undefined at the tab's edge.
 */
export function neighbour<L>(tree: PaneTree<L>, from: L, dir: Direction): L | undefined {
  const rects = paneRects(tree);
  const r = rects.get(from);
  if (!r) return undefined;
  const horizontal = dir === 'left' || dir === 'right';
  const edge = dir === 'left' ? r.x : dir === 'right' ? r.x + r.w : dir === 'up' ? r.y : r.y + r.h;
  let best: { leaf: L; overlap: number } | undefined;
  for (const [leaf, o] of rects) {
    if (leaf === from) continue;
    const facing =
      dir === 'left' ? o.x + o.w : dir === 'right' ? o.x : dir === 'up' ? o.y + o.h : o.y;
    if (Math.abs(facing - edge) > EPS) continue;
    const overlap = horizontal
      ? Math.min(r.y + r.h, o.y + o.h) - Math.max(r.y, o.y)
      : Math.min(r.x + r.w, o.x + o.w) - Math.max(r.x, o.x);
    if (overlap <= EPS) continue;
    if (!best || overlap > best.overlap + EPS) best = { leaf, overlap };
  }
  return best?.leaf;
}

/** A split's place in the tree: which child to take at each level from the root. */
export type SplitPath = readonly ('a' | 'b')[];

/** The tree with the split at `path` given `ratio` (clamped). */
export function setRatio<L>(tree: PaneTree<L>, path: SplitPath, ratio: number): PaneTree<L> {
  if ('pane' in tree) return tree;
  const [step, ...rest] = path;
  if (step === undefined) return { ...tree, ratio: clampRatio(ratio) };
  return { ...tree, [step]: setRatio(tree[step], rest, ratio) };
}

/**
 * Moves the divider nearest pane `at` on the axis of `dir` by one step that way (the
 * pane grows or shrinks by the divider's move, as in tmux's resize-pane). Unchanged when
 * no split of that axis holds the pane.
 */
export function nudgeDivider<L>(
  tree: PaneTree<L>,
  at: L,
  dir: Direction,
  step = KEY_RESIZE_STEP,
): PaneTree<L> {
  const axis: SplitAxis = dir === 'left' || dir === 'right' ? 'row' : 'column';
  const sign = dir === 'right' || dir === 'down' ? 1 : -1;
  const path = pathTo(tree, at);
  if (!path) return tree;
  // The deepest split of that axis on the way to the pane.
  for (let depth = path.length - 1; depth >= 0; depth--) {
    const node = nodeAt(tree, path.slice(0, depth));
    if (node && 'split' in node && node.split === axis) {
      return setRatio(tree, path.slice(0, depth), node.ratio + sign * step);
    }
  }
  return tree;
}

function pathTo<L>(tree: PaneTree<L>, leaf: L): ('a' | 'b')[] | undefined {
  if ('pane' in tree) return tree.pane === leaf ? [] : undefined;
  const a = pathTo(tree.a, leaf);
  if (a) return ['a', ...a];
  const b = pathTo(tree.b, leaf);
  return b ? ['b', ...b] : undefined;
}

function nodeAt<L>(tree: PaneTree<L>, path: SplitPath): PaneTree<L> | undefined {
  let node: PaneTree<L> = tree;
  for (const step of path) {
    if ('pane' in node) return undefined;
    node = node[step];
  }
  return node;
}

/** How many splits deep the tree nests (a lone pane: 0). */
export function depthOf<L>(tree: PaneTree<L>): number {
  return 'pane' in tree ? 0 : 1 + Math.max(depthOf(tree.a), depthOf(tree.b));
}

/** The schema of a tree whose leaves `leaf` checks: ratios in range, at most MAX_DEPTH deep. */
export function paneTreeSchema<T>(leaf: z.ZodType<T>): z.ZodType<PaneTree<T>> {
  const node: z.ZodType<PaneTree<T>> = z.lazy(() =>
    z.union([
      z.strictObject({ pane: leaf }),
      z.strictObject({
        split: z.enum(['row', 'column']),
        ratio: z.number().min(MIN_RATIO).max(MAX_RATIO),
        a: node,
        b: node,
      }),
    ]),
  ) as z.ZodType<PaneTree<T>>;
  return node.refine((t) => depthOf(t) <= MAX_DEPTH, `panes nest at most ${MAX_DEPTH} deep`);
}

/** A split tab: its tree, the pane with the focus, and the pane filling it (zoom), if any. */
export type TabLayout<L> = { tree: PaneTree<L>; focus: L; zoomed?: L | undefined };

export function tabLayoutSchema<T>(leaf: z.ZodType<T>): z.ZodType<TabLayout<T>> {
  const shape = z.strictObject({
    tree: paneTreeSchema(leaf),
    focus: leaf,
    zoomed: leaf.optional(),
  });
  return (shape as z.ZodType<TabLayout<T>>)
    .refine((l) => leaves(l.tree).includes(l.focus), 'the focused pane is not in the tree')
    .refine(
      (l) => l.zoomed === undefined || leaves(l.tree).includes(l.zoomed),
      'the zoomed pane is not in the tree',
    );
}
