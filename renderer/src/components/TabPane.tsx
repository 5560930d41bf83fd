// One pane's page (a tab of one pane, or one pane of a split tab): the quick-connect form,
// or the terminal with its status strip, search bar, context menu and the views for
// failed and ended states. Placed in its tab by `box` (./PaneDividers.tsx); hidden when
// its tab is not the active one or another pane is zoomed.

import { useEffect, useLayoutEffect, useRef, useState, type CSSProperties } from 'react';
import type { Store, TabView } from '../state/store';
import { SearchBar } from './SearchBar';
import { QuickConnect } from './QuickConnect';
import { EndedBar, FailedView, StatusStrip } from './TabStatus';
import { ContextMenu, type MenuItem } from './ContextMenu';
import { shortcutLabel } from '../terminal/shortcuts';

export function TabPane(props: {
  store: Store;
  tab: TabView;
  active: boolean;
  searchOpen: boolean;
  onCloseSearch(): void;
  onOpenSearch(): void;
  /** Asks whether to install the shell integration into this tab's shell. */
  onInstallIntegration(): void;
  /** Blocks terminal focus while a dialog is open. */
  modalOpen: boolean;
  /** Where it goes in the active tab; undefined: not shown. */
  box: CSSProperties | undefined;
  /** Its tab has more than one pane shown (the focused one is marked). */
  inSplit: boolean;
  /** Asks for the session's new name (the rename dialog). */
  onRenameSession(): void;
}) {
  const { store, tab, active, box } = props;
  const shown = box !== undefined;
  const classes = ['pane', shown ? 'shown' : 'hidden'];
  if (active) classes.push('active');
  if (shown && props.inSplit) classes.push('in-split');
  return (
    <section
      className={classes.join(' ')}
      role="tabpanel"
      aria-hidden={!shown}
      data-tab-key={tab.key}
      style={box}
      // A click or focus in a pane gives it the keyboard.
      onFocus={() => {
        if (!active && shown) store.activate(tab.key);
      }}
      onMouseDown={() => {
        if (!active && shown) store.activate(tab.key);
      }}
    >
      {tab.mode === 'new' ? (
        <QuickConnect store={store} tab={tab} active={active} />
      ) : (
        <TerminalPage {...props} />
      )}
    </section>
  );
}

function TerminalPage(props: {
  store: Store;
  tab: TabView;
  active: boolean;
  searchOpen: boolean;
  onCloseSearch(): void;
  onOpenSearch(): void;
  onInstallIntegration(): void;
  modalOpen: boolean;
  inSplit: boolean;
  onRenameSession(): void;
}) {
  const { store, tab, active } = props;
  const host = useRef<HTMLDivElement>(null);
  const terminal = store.terminal(tab.key);
  const [menu, setMenu] = useState<{ x: number; y: number } | undefined>();
  const broadcast = store.getSnapshot().broadcast;

  useLayoutEffect(() => {
    if (host.current && terminal) terminal.mount(host.current);
  }, [terminal]);

  useEffect(() => {
    if (!active || !terminal) return;
    terminal.queueFit();
    if (!props.modalOpen && !props.searchOpen) terminal.focus();
  }, [active, terminal, props.modalOpen, props.searchOpen]);

  const state = tab.state;
  const live = state?.kind === 'connected';
  const items: MenuItem[] = terminal
    ? [
        {
          label: 'Copy',
          hint: shortcutLabel('copy'),
          disabled: terminal.selection() === '',
          run: () => void navigator.clipboard?.writeText(terminal.selection()),
        },
        {
          label: 'Paste',
          hint: shortcutLabel('paste'),
          run: () => void navigator.clipboard?.readText().then((t) => terminal.paste(t)),
        },
        { label: 'Select all', run: () => terminal.selectAll() },
        { label: 'Find…', hint: shortcutLabel('find'), run: props.onOpenSearch },
        'separator',
        {
          label: 'Copy output as HTML',
          run: () => {
            const html = terminal.serializeHtml();
            const item = new ClipboardItem({
              'text/html': new Blob([html], { type: 'text/html' }),
              'text/plain': new Blob([terminal.lines('all').join('\n')], { type: 'text/plain' }),
            });
            void navigator.clipboard?.write([item]);
          },
        },
        { label: 'Clear scrollback', run: () => terminal.clearScrollback() },
        'separator',
        {
          label: tab.notifyOnFinish
            ? 'Don’t notify me when this finishes'
            : 'Notify me when this finishes',
          disabled: !live,
          run: () => store.setNotifyOnFinish(tab.key, !tab.notifyOnFinish),
        },
        {
          label: store.notifications.hasShellIntegration(tab.key)
            ? 'Shell integration: on'
            : 'Install shell integration…',
          disabled: !live || store.notifications.hasShellIntegration(tab.key),
          run: props.onInstallIntegration,
        },
        {
          label: 'Rename session…',
          hint: shortcutLabel('rename-session'),
          disabled: state?.kind !== 'connected',
          run: props.onRenameSession,
        },
        'separator',
        {
          label: 'Split right',
          hint: shortcutLabel('split-right'),
          run: () => store.split(tab.key, 'row'),
        },
        {
          label: 'Split down',
          hint: shortcutLabel('split-down'),
          run: () => store.split(tab.key, 'column'),
        },
        {
          label: 'Split right: another view of this session',
          run: () => store.split(tab.key, 'row', 'same'),
        },
        ...(props.inSplit || store.groupOf(tab.key)?.zoomed !== undefined
          ? [
              {
                label:
                  store.groupOf(tab.key)?.zoomed !== undefined ? 'Restore pane' : 'Maximize pane',
                hint: shortcutLabel('maximize-pane'),
                run: () => {
                  store.activate(tab.key);
                  store.toggleZoom();
                },
              },
              {
                label: 'Close pane',
                hint: shortcutLabel('close-pane'),
                run: () => store.requestClose(tab.key, 'pane'),
              },
            ]
          : []),
      ]
    : [];

  return (
    <div className="terminal-page">
      {broadcast.includes(tab.key) && (
        <div className="broadcast-strip" role="status" data-broadcast>
          <span>Broadcasting: what you type here is typed in {broadcast.length} tabs</span>
          <button onClick={() => store.setBroadcast([])}>Stop</button>
        </div>
      )}
      <StatusStrip store={store} tab={tab} />
      <div className="terminal-frame">
        <div
          className="terminal-host"
          ref={host}
          onContextMenu={(e) => {
            e.preventDefault();
            setMenu({ x: e.clientX, y: e.clientY });
          }}
        />
        {active && props.searchOpen && terminal && (
          <SearchBar
            store={store}
            tabKey={tab.key}
            terminal={terminal}
            onClose={props.onCloseSearch}
          />
        )}
        {state?.kind === 'failed' && <FailedView store={store} tab={tab} state={state} />}
      </div>
      {state?.kind === 'ended' && <EndedBar store={store} tab={tab} exitCode={state.exitCode} />}
      {menu && (
        <ContextMenu x={menu.x} y={menu.y} items={items} onClose={() => setMenu(undefined)} />
      )}
    </div>
  );
}
