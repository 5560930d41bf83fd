// The tab strip: select, rename (double-click), reorder (drag), close, new tab, and the
// buttons for the sessions panel and settings. Each tab shows its connection state as a dot.

import { useRef, useState, type CSSProperties, type DragEvent, type KeyboardEvent } from 'react';
import type { TabState } from '../../../main/contract/api';
import { withShortcut } from '../terminal/shortcuts';
import { tabTitle, type Store, type TabView } from '../state/store';
import { tabTitles } from '../state/titles';
import { NetworkIndicator } from './NetworkIndicator';

const DRAG_TYPE = 'application/x-holdfast-tab';

export function stateWord(tab: TabView): string {
  const s: TabState | undefined = tab.state;
  if (tab.mode === 'new' || !s) return 'not connected';
  switch (s.kind) {
    case 'connecting':
      return 'connecting';
    case 'connected':
      return 'connected';
    case 'reconnecting':
      return 'reconnecting';
    case 'offline':
      return 'offline';
    case 'reattaching':
      return 'not attached';
    case 'needs-input':
      return 'needs input';
    case 'ended':
      return `session ended (exit code ${s.exitCode})`;
    case 'failed':
      return 'failed';
  }
}

export function TabBar(props: {
  store: Store;
  /** One view per tab: its focused pane. */
  tabs: readonly TabView[];
  /** Every view, panes included (the network summary counts them all). */
  allTabs: readonly TabView[];
  /** How many panes the tab of each focused pane has. */
  paneCounts: ReadonlyMap<string, number>;
  activeKey: string | undefined;
  onSessions(): void;
  onForwards(): void;
  onSettings(): void;
  onHosts(): void;
  hostsOpen: boolean;
  /** Tabs receiving broadcast input. */
  broadcast: readonly string[];
  /** The tab whose name is being edited. */
  renaming: string | undefined;
  onRenaming(key: string | undefined): void;
  sessionsOpen: boolean;
  forwardsOpen: boolean;
  settingsOpen: boolean;
}) {
  const { store, tabs, activeKey } = props;
  const editing = props.renaming;
  const setEditing = props.onRenaming;
  const [drop, setDrop] = useState<{ key: string; after: boolean } | undefined>();
  const dragging = useRef<string | undefined>(undefined);
  const titles = tabTitles(tabs);

  const onDragOver = (e: DragEvent<HTMLDivElement>, key: string): void => {
    if (!dragging.current) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    const box = e.currentTarget.getBoundingClientRect();
    const after = e.clientX > box.left + box.width / 2;
    if (drop?.key !== key || drop.after !== after) setDrop({ key, after });
  };

  const onDrop = (e: DragEvent<HTMLDivElement>, key: string): void => {
    e.preventDefault();
    const from = dragging.current ?? e.dataTransfer.getData(DRAG_TYPE);
    if (from && drop) store.move(from, key, drop.after);
    dragging.current = undefined;
    setDrop(undefined);
  };

  return (
    <header className="tabbar">
      <div className="tabs" role="tablist" aria-label="Terminals">
        {tabs.map((tab) => {
          const title = titles.get(tab.key) ?? tabTitle(tab);
          const active = tab.key === activeKey;
          const classes = ['tab', active ? 'active' : ''];
          const broadcasting = props.broadcast.includes(tab.key);
          if (broadcasting) classes.push('broadcast');
          if (tab.hostColor) classes.push('host-colored');
          if (drop?.key === tab.key) classes.push(drop.after ? 'drop-after' : 'drop-before');
          return (
            <div
              key={tab.key}
              className={classes.join(' ')}
              role="tab"
              aria-selected={active}
              data-tab-key={tab.key}
              style={
                tab.hostColor ? ({ '--host-color': tab.hostColor } as CSSProperties) : undefined
              }
              draggable={editing !== tab.key}
              title={`${title} — ${stateWord(tab)}${tab.label && tab.label !== title ? ` (${tab.label})` : ''}`}
              onMouseDown={(e) => {
                if (e.button === 1) e.preventDefault();
              }}
              onClick={() => store.activate(tab.key)}
              onAuxClick={(e) => {
                if (e.button === 1) store.requestClose(tab.key);
              }}
              onDoubleClick={() => setEditing(tab.key)}
              onDragStart={(e) => {
                dragging.current = tab.key;
                e.dataTransfer.setData(DRAG_TYPE, tab.key);
                e.dataTransfer.effectAllowed = 'move';
              }}
              onDragEnd={() => {
                dragging.current = undefined;
                setDrop(undefined);
              }}
              onDragOver={(e) => onDragOver(e, tab.key)}
              onDragLeave={() => setDrop(undefined)}
              onDrop={(e) => onDrop(e, tab.key)}
            >
              <span
                className={`dot state-${tab.mode === 'new' ? 'new' : (tab.state?.kind ?? 'new')}`}
                aria-hidden
              />
              {broadcasting && (
                <span className="broadcast-mark" title="Input is broadcast to this tab">
                  ⇶
                </span>
              )}
              {editing === tab.key ? (
                <RenameField
                  initial={tab.customTitle ?? title}
                  onDone={(value) => {
                    if (value !== undefined) store.rename(tab.key, value);
                    setEditing(undefined);
                  }}
                />
              ) : (
                <span className="tab-title">{title}</span>
              )}
              {(props.paneCounts.get(tab.key) ?? 1) > 1 && (
                <span
                  className="tab-panes"
                  data-pane-count={props.paneCounts.get(tab.key)}
                  title={`${props.paneCounts.get(tab.key)} panes`}
                >
                  ⊞{props.paneCounts.get(tab.key)}
                </span>
              )}
              {tab.badge !== undefined && (
                <span className="tab-badge" data-badge aria-label={`New: ${tab.badge}`}>
                  {tab.badge}
                </span>
              )}
              {tab.mode === 'terminal' && (active || tab.notifyOnFinish) && (
                <button
                  className={`tab-notify${tab.notifyOnFinish ? ' on' : ''}`}
                  aria-pressed={tab.notifyOnFinish === true}
                  aria-label="Notify me when this finishes"
                  title="Notify me when the command running here finishes"
                  onClick={(e) => {
                    e.stopPropagation();
                    store.setNotifyOnFinish(tab.key, !tab.notifyOnFinish);
                  }}
                >
                  {tab.notifyOnFinish ? '🔔' : '🔕'}
                </button>
              )}
              <button
                className="tab-close"
                aria-label={`Close ${title}`}
                title={withShortcut('Close tab', 'close-tab')}
                onClick={(e) => {
                  e.stopPropagation();
                  store.requestClose(tab.key, 'tab');
                }}
              >
                ×
              </button>
            </div>
          );
        })}
        <button
          className="new-tab"
          aria-label="New tab"
          title={withShortcut('New tab', 'new-tab')}
          onClick={() => store.newTab()}
        >
          +
        </button>
      </div>
      <div className="tabbar-tools">
        <NetworkIndicator store={store} tabs={props.allTabs} />
        <button
          className={`tool hosts-toggle ${props.hostsOpen ? 'on' : ''}`}
          onClick={props.onHosts}
          title="Saved hosts"
        >
          Hosts
        </button>
        <button
          className={`tool ${props.sessionsOpen ? 'on' : ''}`}
          onClick={props.onSessions}
          title="Sessions held on a server"
        >
          Sessions
        </button>
        <button
          className={`tool ${props.forwardsOpen ? 'on' : ''}`}
          onClick={props.onForwards}
          title="Port forwards and their connections"
        >
          Forwards
        </button>
        <button
          className={`tool ${props.settingsOpen ? 'on' : ''}`}
          onClick={props.onSettings}
          aria-label="Settings"
          title="Settings"
        >
          ⚙
        </button>
      </div>
    </header>
  );
}

function RenameField(props: { initial: string; onDone(value: string | undefined): void }) {
  const [value, setValue] = useState(props.initial);
  const finished = useRef(false);
  const done = (v: string | undefined): void => {
    if (finished.current) return;
    finished.current = true;
    props.onDone(v);
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>): void => {
    e.stopPropagation();
    if (e.key === 'Enter') done(value);
    if (e.key === 'Escape') done(undefined);
  };
  return (
    <input
      className="tab-rename"
      aria-label="Tab name (empty: follow the terminal's title)"
      autoFocus
      value={value}
      onChange={(e) => setValue(e.target.value)}
      onKeyDown={onKey}
      onBlur={() => done(value)}
      onClick={(e) => e.stopPropagation()}
      onFocus={(e) => e.target.select()}
    />
  );
}
