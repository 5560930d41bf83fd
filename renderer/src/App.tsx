// The window: tab bar, one pane per tab, side panels, dialogs, and the app's shortcuts.

import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { Store, TabView } from './state/store';
import { leaves, type Direction, type PaneTree } from '../../main/contract/paneLayout';
import { tabTitle } from './state/store';
import { tabTitles } from './state/titles';
import { TabBar } from './components/TabBar';
import { TabPane } from './components/TabPane';
import { PaneDividers, paneBoxes } from './components/PaneDividers';
import {
  CloseDialog,
  PromptDialog,
  RenameSessionDialog,
  ShellIntegrationDialog,
} from './components/Dialogs';
import { SessionsPanel } from './components/SessionsPanel';
import { ForwardsPanel } from './components/ForwardsPanel';
import { SettingsPanel } from './components/SettingsPanel';
import { HostsPanel } from './components/HostsPanel';
import { CommandPalette } from './components/CommandPalette';
import { ShortcutsSheet } from './components/ShortcutsSheet';
import { BroadcastDialog } from './components/BroadcastDialog';
import { shortcutFor, type ShortcutAction } from './terminal/shortcuts';
import { stepZoom } from './state/settings';

type Panel = 'sessions' | 'forwards' | 'settings' | undefined;

export function App(props: { store: Store; storage?: Storage | undefined }) {
  const { store } = props;
  const [hostsOpen, setHostsOpen] = useState(false);
  const snap = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const [panel, setPanel] = useState<Panel>(undefined);
  const [searchOpen, setSearchOpen] = useState(false);
  const [renaming, setRenaming] = useState<string | undefined>();
  /** The tab whose shell the user may install the shell integration into (asking first). */
  const [integrating, setIntegrating] = useState<string | undefined>();
  const [renamingSession, setRenamingSession] = useState<string | undefined>();
  const [overlay, setOverlay] = useState<'palette' | 'shortcuts' | 'broadcast' | undefined>();
  /** Runs an action as its shortcut would (set by the effect that owns the shortcuts). */
  const runAction = useRef<(action: ShortcutAction) => boolean>(() => false);
  const active = store.tab(snap.activeKey);
  const dark = store.isDark();

  // Theme and zoom on the root element, so CSS variables follow; the terminal's padding
  // takes the colour scheme's background.
  const termBg = store.look(snap.activeKey).theme.background;
  useEffect(() => {
    const root = document.documentElement;
    root.dataset.theme = dark ? 'dark' : 'light';
    root.style.setProperty('--zoom', String(snap.settings.zoom));
    if (termBg) root.style.setProperty('--term-bg', termBg);
  }, [dark, snap.settings.zoom, termBg]);

  useEffect(() => {
    const title = active ? (tabTitles(snap.tabs).get(active.key) ?? tabTitle(active)) : '';
    document.title = active ? `${title} — Holdfast` : 'Holdfast';
  }, [active, snap.tabs]);

  // Search belongs to the active tab; switching tabs closes it.
  useEffect(() => setSearchOpen(false), [snap.activeKey]);

  useEffect(() => {
    const run = (action: ShortcutAction): boolean => {
      const tab = store.activeTab;
      const terminal = tab ? store.terminal(tab.key) : undefined;
      switch (action) {
        case 'next-tab':
          store.cycle(1);
          return true;
        case 'previous-tab':
          store.cycle(-1);
          return true;
        case 'new-tab':
          store.newTab();
          return true;
        case 'close-tab':
          if (tab) store.requestClose(tab.key);
          return true;
        case 'find':
          if (!terminal) return false;
          setSearchOpen(true);
          return true;
        case 'copy': {
          const text = terminal?.selection() ?? '';
          if (text) void navigator.clipboard?.writeText(text);
          return terminal !== undefined;
        }
        case 'paste':
          if (!terminal) return false;
          void navigator.clipboard?.readText().then((t) => terminal.paste(t));
          return true;
        case 'zoom-in':
          store.updateSettings({ zoom: stepZoom(store.getSnapshot().settings.zoom, 1) });
          return true;
        case 'zoom-out':
          store.updateSettings({ zoom: stepZoom(store.getSnapshot().settings.zoom, -1) });
          return true;
        case 'zoom-reset':
          store.updateSettings({ zoom: 1 });
          return true;
        case 'select-all':
          terminal?.selectAll();
          return terminal !== undefined;
        case 'clear-scrollback':
          terminal?.clearScrollback();
          return terminal !== undefined;
        case 'rename-tab':
          if (tab) setRenaming(tab.key);
          return tab !== undefined;
        case 'open-another-view':
          if (tab) store.openAnotherView(tab.key);
          return tab !== undefined;
        case 'open-sessions':
          setPanel((p) => (p === 'sessions' ? undefined : 'sessions'));
          return true;
        case 'open-settings':
          setPanel((p) => (p === 'settings' ? undefined : 'settings'));
          return true;
        case 'open-hosts':
          setHostsOpen((open) => !open);
          return true;
        case 'command-palette':
          setOverlay((o) => (o === 'palette' ? undefined : 'palette'));
          return true;
        case 'reconnect-all':
          store.reconnectAll();
          return true;
        case 'toggle-broadcast':
          setOverlay((o) => (o === 'broadcast' ? undefined : 'broadcast'));
          return true;
        case 'notify-when-finished':
          if (tab?.mode !== 'terminal') return false;
          store.setNotifyOnFinish(tab.key, !tab.notifyOnFinish);
          return true;
        case 'install-shell-integration':
          if (tab?.mode !== 'terminal') return false;
          setIntegrating(tab.key);
          return true;
        case 'show-shortcuts':
          setOverlay((o) => (o === 'shortcuts' ? undefined : 'shortcuts'));
          return true;
        case 'split-right':
        case 'split-down':
        case 'split-right-same-session':
          if (!tab) return false;
          store.split(
            tab.key,
            action === 'split-down' ? 'column' : 'row',
            action === 'split-right-same-session' ? 'same' : 'new',
          );
          return true;
        case 'focus-pane-left':
        case 'focus-pane-right':
        case 'focus-pane-up':
        case 'focus-pane-down':
          store.focusPane(directionOf(action));
          return true;
        case 'resize-pane-left':
        case 'resize-pane-right':
        case 'resize-pane-up':
        case 'resize-pane-down':
          store.nudgeDivider(directionOf(action));
          return true;
        case 'maximize-pane':
          store.toggleZoom();
          return true;
        case 'close-pane':
          if (tab) store.requestClose(tab.key, 'pane');
          return tab !== undefined;
        case 'rename-session':
          if (tab?.state?.kind !== 'connected') return false;
          setRenamingSession(tab.key);
          return true;
      }
    };
    runAction.current = run;
    const onKey = (e: KeyboardEvent): void => {
      const action = shortcutFor(e);
      if (!action) return;
      // In our own text fields, copy, paste and select all are the field's.
      const target = e.target as HTMLElement | null;
      const ownField =
        target instanceof HTMLInputElement ||
        (target instanceof HTMLTextAreaElement &&
          !target.classList.contains('xterm-helper-textarea'));
      if (ownField && (action === 'copy' || action === 'paste' || action === 'select-all')) return;
      if (run(action)) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    // The application menu (main/app/menu.ts) runs the same actions. Its items leave their
    // keys to the page (the handler above), so a key press runs an action once, here.
    const offMenu = store.api.on('menuCommand', (e) => void run(e.action));
    const online = (): void => void store.api.networkChanged().catch(() => {});
    window.addEventListener('online', online);
    return () => {
      window.removeEventListener('keydown', onKey);
      offMenu();
      window.removeEventListener('online', online);
    };
  }, [store]);

  const activeGroup = store.groupOf(snap.activeKey);
  const boxes = activeGroup ? paneBoxes(activeGroup) : new Map();
  const barTabs = snap.groups.flatMap((g) => store.tab(g.focus) ?? []);
  const prompt = snap.prompts[0];
  const closing = store.tab(snap.closeAsk);
  const integratingTab = store.tab(integrating);
  const modalOpen =
    prompt !== undefined ||
    closing !== undefined ||
    overlay !== undefined ||
    integratingTab !== undefined;
  const activeTerminal = active ? store.terminal(active.key) : undefined;

  return (
    <div className="app">
      <TabBar
        store={store}
        tabs={barTabs}
        paneCounts={new Map(snap.groups.map((g) => [g.focus, leafCount(g.tree)]))}
        allTabs={snap.tabs}
        activeKey={snap.activeKey}
        sessionsOpen={panel === 'sessions'}
        forwardsOpen={panel === 'forwards'}
        settingsOpen={panel === 'settings'}
        hostsOpen={hostsOpen}
        broadcast={snap.broadcast}
        renaming={renaming}
        onRenaming={setRenaming}
        onHosts={() => setHostsOpen(!hostsOpen)}
        onSessions={() => setPanel(panel === 'sessions' ? undefined : 'sessions')}
        onForwards={() => setPanel(panel === 'forwards' ? undefined : 'forwards')}
        onSettings={() => setPanel(panel === 'settings' ? undefined : 'settings')}
      />
      {snap.fatal && (
        <div className="fatal" role="alert">
          {snap.fatal}
        </div>
      )}
      <div className="body">
        {hostsOpen && (
          <HostsPanel store={store} storage={props.storage} onClose={() => setHostsOpen(false)} />
        )}
        <main className="panes">
          {snap.tabs.map((tab) => (
            <TabPane
              key={tab.key}
              store={store}
              tab={tab}
              active={tab.key === snap.activeKey}
              box={boxes.get(tab.key)}
              inSplit={activeGroup !== undefined && leafCount(activeGroup.tree) > 1}
              onRenameSession={() => setRenamingSession(tab.key)}
              searchOpen={searchOpen}
              onOpenSearch={() => setSearchOpen(true)}
              onCloseSearch={() => setSearchOpen(false)}
              onInstallIntegration={() => setIntegrating(tab.key)}
              modalOpen={
                modalOpen ||
                panel !== undefined ||
                renaming !== undefined ||
                renamingSession !== undefined
              }
            />
          ))}
          {activeGroup && activeGroup.zoomed === undefined && (
            <PaneDividers store={store} group={activeGroup} />
          )}
          {snap.tabs.length === 0 && (
            <div className="empty">
              <p>No open tabs.</p>
              <button className="primary" onClick={() => store.newTab()}>
                New tab
              </button>
            </div>
          )}
        </main>
        {panel === 'sessions' && (
          <SessionsPanel
            store={store}
            initialHost={
              active?.target?.kind === 'quick' ? active.target.text : (active?.draft ?? '')
            }
            onClose={() => setPanel(undefined)}
          />
        )}
        {panel === 'forwards' && (
          <ForwardsPanel store={store} onClose={() => setPanel(undefined)} />
        )}
        {panel === 'settings' && (
          <SettingsPanel
            store={store}
            settings={snap.settings}
            rendererNote={activeTerminal?.rendererNote}
            onClose={() => setPanel(undefined)}
          />
        )}
      </div>
      {prompt && (
        <PromptDialog
          key={prompt.promptId}
          store={store}
          prompt={prompt}
          tab={undefined}
          more={snap.prompts.length - 1}
        />
      )}
      {!prompt && closing && <CloseDialog store={store} tab={closing} scope={snap.closeScope} />}
      {!prompt && !closing && integratingTab && (
        <ShellIntegrationDialog
          store={store}
          tab={integratingTab}
          onClose={() => setIntegrating(undefined)}
        />
      )}
      {renamingSession !== undefined && store.tab(renamingSession) && (
        <RenameSessionDialog
          store={store}
          tab={store.tab(renamingSession) as TabView}
          onClose={() => setRenamingSession(undefined)}
        />
      )}
      {overlay === 'palette' && (
        <CommandPalette
          onRun={(action) => void runAction.current(action)}
          onClose={() => setOverlay(undefined)}
        />
      )}
      {overlay === 'broadcast' && (
        <BroadcastDialog
          store={store}
          tabs={snap.tabs}
          titles={tabTitles(snap.tabs)}
          current={snap.broadcast}
          onClose={() => setOverlay(undefined)}
        />
      )}
      {overlay === 'shortcuts' && (
        <ShortcutsSheet
          onClose={() => setOverlay(undefined)}
          onSettings={() => {
            setOverlay(undefined);
            setPanel('settings');
          }}
        />
      )}
    </div>
  );
}

function leafCount(tree: PaneTree<string>): number {
  return leaves(tree).length;
}

/** The way a focus or divider action goes: its name's last word. */
function directionOf(action: string): Direction {
  return action.slice(action.lastIndexOf('-') + 1) as Direction;
}
