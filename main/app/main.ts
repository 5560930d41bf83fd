// The Electron main process: one window serving the UI from app://holdfast, the typed IPC
// bridge to the engine, OS signals, the menu, and the window's remembered place. Thin glue:
// each decision lives in a pure module beside it (security, appFiles, ipcValidation, menu,
// windowState, agents, uiConnection; the network poll is the engine's) and is unit-tested
// there.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  BrowserWindow,
  Menu,
  Notification,
  app,
  dialog,
  ipcMain,
  powerMonitor,
  protocol,
  safeStorage,
  screen,
  session,
  shell,
  type IpcMainInvokeEvent,
} from 'electron';
import {
  CONTRACT_VERSION,
  IPC_CALL_CHANNEL,
  IPC_EVENT_CHANNEL,
  type AnyEvent,
} from '../contract/api';
import { EngineBridge } from '../host/engineBridge';
import { TABS_FILE } from '../host/tabsFile';
import { configDir, ProfileStore } from '../engine/profiles';
import { AGENTS_SEEN_FILE, FileAgentsSeen } from '../engine/deploy/agentsSeen';
import { SafeStorageSecretStore } from './safeStorageSecrets';
import type { AgentBundle } from '../engine/deploy/agentBundle';
import { describeDiff, pollNetwork } from '../engine/reconnect/networkWatch';
import { Engine } from '../engine/engine';
import { agentBundleFor } from './agents';
import { chromiumSwitches } from './chromiumSwitches';
import { localeEnv } from './locale';
import { errorHeaders, fileHeaders, resolveAppFile } from './appFiles';
import { hardenContents, hardenSession } from './harden';
import { handleCall, type SenderFacts } from './ipcValidation';
import { buildMenuTemplate, type MenuAction, type Platform } from './menu';
import { MainNotifications } from './notifications';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  checkExternalUrl,
  secureWebPreferences,
} from './security';
import { UiConnection, messageOf } from './uiConnection';
import {
  MIN_SIZE,
  WINDOW_STATE_FILE,
  WINDOW_STATE_SAVE_DELAY_MS,
  placeWindow,
  readWindowState,
  writeJsonAtomic,
} from './windowState';

/** How long quitting waits for tabs to detach cleanly before leaving anyway (ms): a round
 * trip to detach, then up to the engine's 3 s for the forwards to end their connections'
 * sessions on the servers (FORWARDS_END_MS), with room to spare. */
const QUIT_DETACH_TIMEOUT_MS = 5_000;
/** Behind the first paint, so a dark theme does not flash white (renderer's --bg). */
const WINDOW_BACKGROUND = '#1b1d23';

function log(line: string): void {
  console.log(`holdfast: ${line}`);
}

// --- before ready: name, scheme privileges, sandbox, single instance ----------------------

// One name in development and packaged, so both use the same user-data folder.
app.setName('Holdfast');
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
app.enableSandbox();
// Scheduler switches for a terminal's latency (why each: chromiumSwitches.ts).
for (const [name, value] of chromiumSwitches()) app.commandLine.appendSwitch(name, value);

const platform: Platform =
  process.platform === 'darwin' ? 'darwin' : process.platform === 'win32' ? 'win32' : 'linux';
const appRoot = app.getAppPath();
const rendererRoot = path.join(appRoot, 'out', 'renderer');
const preloadPath = path.join(appRoot, 'out', 'main', 'app', 'preload.cjs');
// Read-only buffer hooks for the end-to-end tests (renderer/src/testHooks.ts), never packaged.
const testHooks = !app.isPackaged && process.env.HOLDFAST_TEST_HOOKS === '1';

let mainWindow: BrowserWindow | undefined;
let agents: AgentBundle | undefined;
let pendingStateWrite: Promise<void> = Promise.resolve();
let engineStartedOnce = false;

// Long-job notices: shown from here, a click brings the window and the tab to the front.
const notifications = new MainNotifications(Notification, (tag) => {
  const win = mainWindow;
  if (win && !win.isDestroyed()) {
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }
  sendEvent({ event: 'notificationClicked', payload: { tag } });
});

const connection = new UiConnection(
  (emit, previousClosed) =>
    new EngineBridge({
      previousClosed: () => previousClosed,
      onMenuKeys: (keys) => setMenu(keys),
      notify: (notice) => notifications.show(notice),
      createEngine: (prompter) =>
        new Engine({
          prompter,
          clientName: `holdfast-desktop/${app.getVersion()}`,
          agents: (agents ??= agentBundleFor({
            packaged: app.isPackaged,
            resourcesPath: process.resourcesPath,
            appPath: appRoot,
            agentsDirOverride: app.isPackaged ? undefined : process.env.HOLDFAST_AGENTS_DIR,
          })),
          // Shared with the CLI: a server either saw with this build gets no upload unasked.
          agentsSeen: new FileAgentsSeen(path.join(configDir(), AGENTS_SEEN_FILE)),
          log,
        }),
      emit,
      // Profiles and open tabs live in the same config directory as the CLI's, so both
      // see one host list; passwords go to the OS keychain through safeStorage only.
      profiles: new ProfileStore({
        secrets: new SafeStorageSecretStore(safeStorage, configDir()),
        log,
      }),
      tabsFile: path.join(configDir(), TABS_FILE),
      openExternal: async (url) => {
        const checked = checkExternalUrl(url);
        if (!checked.ok) throw new Error(checked.message);
        await shell.openExternal(checked.url);
      },
      log,
    }),
  sendEvent,
);

/** Delivers a contract event to the page; the preload checks it against the contract. */
function sendEvent(event: AnyEvent): void {
  const contents = mainWindow?.webContents;
  if (contents && !contents.isDestroyed()) {
    contents.send(IPC_EVENT_CHANNEL, event.event, event.payload);
  }
}

if (!app.requestSingleInstanceLock()) {
  // Another Holdfast runs; it was told (second-instance) and shows its window.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return void createWindow().catch(fatal);
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
  });
  app.on('web-contents-created', (_event, contents) => hardenContents(contents, log));
  process.on('uncaughtException', internalError);
  process.on('unhandledRejection', (reason) => log(`unhandled rejection: ${messageOf(reason)}`));
  app.whenReady().then(ready).catch(fatal);
}

// --- ready ----------------------------------------------------------------------------------

async function ready(): Promise<void> {
  if (!existsSync(path.join(rendererRoot, 'index.html'))) {
    throw new Error(
      `The user interface is missing from ${rendererRoot}; build it with: npm run build`,
    );
  }
  hardenSession(session.defaultSession, log, { packaged: app.isPackaged });
  // Before any session starts: a locale for SendEnv when launched without one (locale.ts).
  const locale = localeEnv(process.env, app.getSystemLocale());
  if (locale) {
    process.env.LANG = locale.LANG;
    log(`no locale in the environment; using LANG=${locale.LANG} from the system's language`);
  }
  protocol.handle(APP_SCHEME, serveAppFile);
  ipcMain.handle(IPC_CALL_CHANNEL, (event, name: unknown, args: unknown) =>
    handleCall(senderFacts(event), allowedSenders(), connection.methods, name, args),
  );
  setMenu({});
  app.setAboutPanelOptions({
    applicationName: app.name,
    applicationVersion: `${app.getVersion()} (contract ${CONTRACT_VERSION})`,
  });
  watchNetwork();
  await createWindow();

  app.on('activate', () => {
    if (!mainWindow) void createWindow().catch(fatal);
  });
  app.on('window-all-closed', () => {
    // macOS keeps the app in the dock with no window; elsewhere closing it quits.
    if (platform !== 'darwin') app.quit();
  });
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    const cleanUp = Promise.allSettled([connection.stop(), pendingStateWrite]);
    const deadline = new Promise((resolve) => setTimeout(resolve, QUIT_DETACH_TIMEOUT_MS));
    void Promise.race([cleanUp, deadline]).finally(() => app.quit());
  });
}

async function serveAppFile(request: Request): Promise<Response> {
  const file = resolveAppFile(rendererRoot, request.url, request.method);
  if (!file.ok) {
    log(`refused ${request.method} ${request.url.slice(0, 200)}: ${file.reason}`);
    return new Response(file.reason, { status: file.status, headers: errorHeaders() });
  }
  let body: Buffer;
  try {
    body = await readFile(file.path);
  } catch {
    return new Response('not found', { status: 404, headers: errorHeaders() });
  }
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
    status: 200,
    headers: fileHeaders(file.path),
  });
}

function senderFacts(event: IpcMainInvokeEvent): SenderFacts {
  const frame = event.senderFrame;
  return {
    url: frame && !frame.isDestroyed() ? frame.url : undefined,
    isTopFrame: frame ? frame.parent === null : false,
    webContentsId: event.sender.id,
  };
}

function allowedSenders(): number[] {
  const contents = mainWindow?.webContents;
  return contents && !contents.isDestroyed() ? [contents.id] : [];
}

// --- the window -------------------------------------------------------------------------------

async function createWindow(): Promise<void> {
  const stateFile = path.join(app.getPath('userData'), WINDOW_STATE_FILE);
  const saved = await readWindowState(stateFile);
  const placement = placeWindow(
    saved,
    screen.getAllDisplays().map((d) => d.workArea),
    screen.getPrimaryDisplay().workArea,
  );
  const win = new BrowserWindow({
    ...(placement.x !== undefined && placement.y !== undefined
      ? { x: placement.x, y: placement.y }
      : {}),
    width: placement.width,
    height: placement.height,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: app.name,
    show: false,
    backgroundColor: WINDOW_BACKGROUND,
    webPreferences: secureWebPreferences(preloadPath, { packaged: app.isPackaged }),
  });
  mainWindow = win;
  if (placement.maximized) win.maximize();
  if (placement.fullScreen) win.setFullScreen(true);
  win.once('ready-to-show', () => win.show());

  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  const saveNow = (): void => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = undefined;
    if (win.isDestroyed()) return;
    const bounds = win.getNormalBounds();
    const state = { ...bounds, maximized: win.isMaximized(), fullScreen: win.isFullScreen() };
    pendingStateWrite = pendingStateWrite
      .then(() => writeJsonAtomic(stateFile, state))
      .catch((error: unknown) => log(`could not save the window's place: ${messageOf(error)}`));
  };
  const saveSoon = (): void => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(saveNow, WINDOW_STATE_SAVE_DELAY_MS);
  };
  win.on('resize', saveSoon);
  win.on('move', saveSoon);
  win.on('maximize', saveSoon);
  win.on('unmaximize', saveSoon);
  win.on('close', saveNow);
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = undefined;
    void connection.stop();
  });

  const contents = win.webContents;
  // Every load of the page (first load, reload) gets a fresh engine behind it.
  contents.on('did-navigate', () => startEngine());
  contents.on('render-process-gone', (_event, details) => {
    void connection.stop();
    if (details.reason === 'clean-exit') return;
    void dialog
      .showMessageBox(win, {
        type: 'error',
        message: 'The Holdfast window stopped working.',
        detail: `Its page ended (${details.reason}). Your sessions keep running on their servers; reload to attach to them again from the Sessions panel.`,
        buttons: ['Reload', 'Quit'],
        defaultId: 0,
      })
      .then(({ response }) => (response === 0 ? contents.reload() : app.quit()));
  });
  await win.loadURL(testHooks ? `${APP_ENTRY_URL}?test=1` : APP_ENTRY_URL);
}

function startEngine(): void {
  const started = connection.start();
  if (started.ok) {
    engineStartedOnce = true;
    return;
  }
  log(started.message);
  if (!engineStartedOnce) {
    // Nothing works without it: say why, in words, and leave.
    dialog.showErrorBox('Holdfast could not start', started.message);
    app.quit();
  } else {
    dialog.showErrorBox('Holdfast could not restart its engine', started.message);
  }
}

/** The application menu, showing (and on macOS answering to) the page's shortcuts. */
function setMenu(keys: Readonly<Record<string, readonly string[]>>): void {
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate({
        platform,
        appName: app.name,
        isDev: !app.isPackaged,
        run: runMenuAction,
        keys,
      }),
    ),
  );
}

/**
 * A menu item was chosen: the page runs its action as its own shortcut would. An event of
 * the contract, not a replayed key chord, so it does not depend on the keyboard layout.
 * Without a window (macOS keeps the app running) there is no page to tell.
 */
function runMenuAction(action: MenuAction): void {
  sendEvent({ event: 'menuCommand', payload: { action } });
}

// --- OS signals -----------------------------------------------------------------------------

function watchNetwork(): void {
  const networkChanged = (why: string): void => {
    log(`network may have changed (${why}): probing connections`);
    connection.networkChanged();
  };
  powerMonitor.on('resume', () => networkChanged('resumed from sleep'));
  powerMonitor.on('unlock-screen', () => networkChanged('screen unlocked'));

  const stop = pollNetwork(os.networkInterfaces, (diff) =>
    networkChanged(`addresses ${describeDiff(diff)}`),
  );
  app.on('will-quit', stop);
}

// --- errors: words for the user, details for the log ---------------------------------------

let internalErrorShown = false;

function internalError(error: unknown): void {
  console.error('holdfast: internal error:', error);
  if (internalErrorShown || !app.isReady()) return;
  internalErrorShown = true;
  dialog.showErrorBox(
    'Holdfast hit an internal error',
    `${messageOf(error)}\n\nYour sessions keep running on their servers. If the app misbehaves, restart it; the details are in its log.`,
  );
}

function fatal(error: unknown): void {
  console.error('holdfast: could not start:', error);
  // Safe before `ready` too (on Linux it then prints to stderr instead).
  dialog.showErrorBox('Holdfast could not start', messageOf(error));
  app.exit(1);
}
