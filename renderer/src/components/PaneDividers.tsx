// The dividers between the panes of the active tab, and where each pane goes. Panes are
// laid out flat (one element per pane, placed by its share of the tab), so a split or a
// close never re-mounts a terminal; a divider sits on each split's boundary. Drag one with
// the mouse, or focus it (Tab) and use the arrow keys, as the WAI-ARIA window splitter.

import { useRef, type CSSProperties, type KeyboardEvent, type PointerEvent } from 'react';
import {
  KEY_RESIZE_STEP,
  paneRects,
  type PaneTree,
  type Rect,
  type SplitPath,
} from '../../../main/contract/paneLayout';
import type { TabGroup } from '../state/groups';
import type { Store } from '../state/store';

/** Half a divider's thickness (px): panes leave this much on a side that has a neighbour. */
const HALF_GAP_PX = 2;

/** Each shown pane's box in the tab (all of it when zoomed), as CSS insets. */
export function paneBoxes(group: TabGroup): Map<string, CSSProperties> {
  const rects: Map<string, Rect> =
    group.zoomed !== undefined
      ? new Map([[group.zoomed, { x: 0, y: 0, w: 1, h: 1 }]])
      : paneRects(group.tree);
  const boxes = new Map<string, CSSProperties>();
  const side = (share: number, inner: boolean): string =>
    `calc(${(share * 100).toFixed(4)}% + ${inner ? HALF_GAP_PX : 0}px)`;
  const EDGE = 1e-9;
  for (const [key, r] of rects) {
    boxes.set(key, {
      left: side(r.x, r.x > EDGE),
      top: side(r.y, r.y > EDGE),
      right: side(1 - r.x - r.w, r.x + r.w < 1 - EDGE),
      bottom: side(1 - r.y - r.h, r.y + r.h < 1 - EDGE),
    });
  }
  return boxes;
}

type Divider = { path: SplitPath; split: 'row' | 'column'; ratio: number; box: Rect };

function dividers(tree: PaneTree<string>, box: Rect, path: SplitPath = []): Divider[] {
  if ('pane' in tree) return [];
  const own: Divider = { path, split: tree.split, ratio: tree.ratio, box };
  const [a, b] =
    tree.split === 'row'
      ? [
          { ...box, w: box.w * tree.ratio },
          { ...box, x: box.x + box.w * tree.ratio, w: box.w * (1 - tree.ratio) },
        ]
      : [
          { ...box, h: box.h * tree.ratio },
          { ...box, y: box.y + box.h * tree.ratio, h: box.h * (1 - tree.ratio) },
        ];
  return [own, ...dividers(tree.a, a, [...path, 'a']), ...dividers(tree.b, b, [...path, 'b'])];
}

export function PaneDividers(props: { store: Store; group: TabGroup }) {
  const { store, group } = props;
  if ('pane' in group.tree) return null;
  return (
    <>
      {dividers(group.tree, { x: 0, y: 0, w: 1, h: 1 }).map((d) => (
        <DividerBar key={d.path.join('') || 'root'} store={store} group={group} divider={d} />
      ))}
    </>
  );
}

function DividerBar(props: { store: Store; group: TabGroup; divider: Divider }) {
  const { store, group, divider: d } = props;
  const dragging = useRef(false);
  const row = d.split === 'row';
  const pct = (n: number): string => `${(n * 100).toFixed(4)}%`;
  const style: CSSProperties = row
    ? {
        left: `calc(${pct(d.box.x + d.box.w * d.ratio)} - ${HALF_GAP_PX}px)`,
        top: pct(d.box.y),
        height: pct(d.box.h),
        width: `${HALF_GAP_PX * 2}px`,
      }
    : {
        top: `calc(${pct(d.box.y + d.box.h * d.ratio)} - ${HALF_GAP_PX}px)`,
        left: pct(d.box.x),
        width: pct(d.box.w),
        height: `${HALF_GAP_PX * 2}px`,
      };

  const onMove = (e: PointerEvent<HTMLDivElement>): void => {
    if (!dragging.current) return;
    const area = e.currentTarget.parentElement?.getBoundingClientRect();
    if (!area) return;
    const ratio = row
      ? (e.clientX - area.left - d.box.x * area.width) / (d.box.w * area.width)
      : (e.clientY - area.top - d.box.y * area.height) / (d.box.h * area.height);
    store.setRatio(group.key, d.path, ratio);
  };
  const onKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    const less = row ? 'ArrowLeft' : 'ArrowUp';
    const more = row ? 'ArrowRight' : 'ArrowDown';
    if (e.key !== less && e.key !== more) return;
    e.preventDefault();
    e.stopPropagation();
    store.setRatio(group.key, d.path, d.ratio + (e.key === more ? 1 : -1) * KEY_RESIZE_STEP);
  };
  return (
    <div
      className={`pane-divider ${d.split}`}
      role="separator"
      aria-orientation={row ? 'vertical' : 'horizontal'}
      aria-valuenow={Math.round(d.ratio * 100)}
      aria-valuemin={10}
      aria-valuemax={90}
      aria-label="Pane divider: drag, or arrow keys, to resize"
      tabIndex={0}
      data-divider={d.path.join('') || 'root'}
      style={style}
      onPointerDown={(e) => {
        dragging.current = true;
        e.currentTarget.setPointerCapture(e.pointerId);
        e.preventDefault();
      }}
      onPointerMove={onMove}
      onPointerUp={(e) => {
        dragging.current = false;
        e.currentTarget.releasePointerCapture(e.pointerId);
      }}
      onKeyDown={onKey}
    />
  );
}
