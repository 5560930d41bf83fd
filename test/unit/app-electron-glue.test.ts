// What these prove: main/app/main.ts and preload.ts, bundled as build/build.mjs bundles them
// but against a recording stand-in for the `electron` module (Electron's binary cannot run
// here), wire the tested decisions to the right hooks. Main: the app scheme is registered
// as privileged and the sandbox enabled before `ready`; the window gets the secure web
// preferences and loads app://holdfast (not file://); the protocol serves the UI with the
// CSP and refuses traversal; permissions, navigation and window.open are refused; IPC calls
// are checked for their sender and arguments and reach the real engine bridge; links open
// only after the check; OS resume reaches the engine; a chosen menu item reaches the page as
// the contract's `menuCommand` event (no key is replayed); the window's place is saved;
// quitting detaches; as the packaged app, the window has no DevTools and every devtools:
// request is cancelled, while the sandbox is on in both. Preload: exactly one object, `holdfast`, with one function per contract method
// and `on`, never ipcRenderer, checking arguments before anything is sent.
//
// This is not Electron: the real runtime is exercised by test/e2e/electron.test.ts where an
// Electron binary exists.

import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IPC_CALL_CHANNEL,
  IPC_EVENT_CHANNEL,
  METHOD_NAMES,
  parseEvent,
  type HoldfastApi,
} from '../../main/contract/api';
import { CONTENT_SECURITY_POLICY, secureWebPreferences } from '../../main/app/security';
import { CHROMIUM_ARGS } from '../e2e/support';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const requireHere = createRequire(import.meta.url);

declare global {
  var __holdfastFakeElectron: unknown;
}

/** Resolves `electron` to whatever the test put in globalThis.__holdfastFakeElectron. */
const fakeElectron: Plugin = {
  name: 'fake-electron',
  setup(b) {
    b.onResolve({ filter: /^electron$/ }, () => ({ path: 'electron', namespace: 'fake' }));
    b.onLoad({ filter: /.*/, namespace: 'fake' }, () => ({
      contents: 'module.exports = globalThis.__holdfastFakeElectron;',
      loader: 'js',
    }));
  },
};

async function bundle(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [path.join(REPO, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'silent',
    external: ['cpu-features', './crypto/build/Release/sshcrypto.node'],
    // As build/build.mjs: jsonc-parser's UMD main does not bundle.
    alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
    plugins: [fakeElectron],
  });
}

async function pollFor<T>(
  what: string,
  read: () => T | undefined | Promise<T | undefined>,
  ms = 5_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'hf-glue-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------
// The main process

type Handler = (...args: unknown[]) => unknown;

class FakeWebContents extends EventEmitter {
  static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  readonly sent: unknown[][] = [];
  readonly inputs: unknown[] = [];
  windowOpenHandler: Handler | undefined;
  isDestroyed(): boolean {
    return false;
  }
  send(...args: unknown[]): void {
    this.sent.push(args);
  }
  setWindowOpenHandler(handler: Handler): void {
    this.windowOpenHandler = handler;
  }
  /** Recorded so a test can insist that nothing replays keys into the page. */
  sendInputEvent(event: unknown): void {
    this.inputs.push(event);
  }
  reload(): void {}
}

function fakeMain(appRoot: string, userData: string, packaged = false) {
  const order: string[] = [];
  const ipc = new Map<string, Handler>();
  const protocols = new Map<string, Handler>();
  const opened: string[] = [];
  const errorBoxes: string[][] = [];
  const sessionHooks: Record<string, Handler> = {};
  const windows: FakeWindow[] = [];
  let menuTemplate: unknown;
  let schemes: unknown;
  const switches: [string, string | undefined][] = [];

  const app = Object.assign(new EventEmitter(), {
    name: 'holdfast',
    isPackaged: packaged,
    setName(name: string) {
      order.push('setName');
      app.name = name;
    },
    enableSandbox: () => order.push('enableSandbox'),
    commandLine: {
      appendSwitch: (name: string, value?: string) => {
        order.push('appendSwitch');
        switches.push([name, value]);
      },
    },
    getAppPath: () => appRoot,
    requestSingleInstanceLock: () => (order.push('requestSingleInstanceLock'), true),
    whenReady: () => (order.push('whenReady'), Promise.resolve()),
    isReady: () => true,
    getVersion: () => '0.1.0',
    getSystemLocale: () => 'de-AT',
    setAboutPanelOptions: () => {},
    getPath: (name: string) => (name === 'userData' ? userData : tmp),
    quit: () => order.push('quit'),
    exit: () => order.push('exit'),
  });

  class FakeWindow extends EventEmitter {
    readonly webContents = new FakeWebContents();
    loaded: string | undefined;
    constructor(readonly options: Record<string, unknown>) {
      super();
      windows.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    static getFocusedWindow(): FakeWindow | undefined {
      return windows[0];
    }
    async loadURL(url: string): Promise<void> {
      this.loaded = url;
      this.webContents.emit('did-navigate');
    }
    maximize(): void {}
    setFullScreen(): void {}
    show(): void {}
    focus(): void {}
    restore(): void {}
    isMinimized = () => false;
    isDestroyed = () => false;
    isMaximized = () => false;
    isFullScreen = () => false;
    getNormalBounds = () => ({ x: 40, y: 30, width: 900, height: 700 });
  }

  const workArea = { x: 0, y: 0, width: 1920, height: 1080 };
  const electron = {
    app,
    BrowserWindow: FakeWindow,
    protocol: {
      registerSchemesAsPrivileged: (s: unknown) => {
        order.push('registerSchemesAsPrivileged');
        schemes = s;
      },
      handle: (scheme: string, handler: Handler) => protocols.set(scheme, handler),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: Handler) => (sessionHooks.permissionRequest = h),
        setPermissionCheckHandler: (h: Handler) => (sessionHooks.permissionCheck = h),
        setDevicePermissionHandler: (h: Handler) => (sessionHooks.device = h),
        setDisplayMediaRequestHandler: (h: Handler) => (sessionHooks.displayMedia = h),
        webRequest: {
          onBeforeRequest: (h: Handler) => (sessionHooks.beforeRequest = h),
          onHeadersReceived: (h: Handler) => (sessionHooks.headersReceived = h),
        },
      },
    },
    ipcMain: { handle: (channel: string, handler: Handler) => ipc.set(channel, handler) },
    Menu: {
      buildFromTemplate: (template: unknown) => ({ template }),
      setApplicationMenu: (menu: { template: unknown }) => (menuTemplate = menu.template),
    },
    powerMonitor: new EventEmitter(),
    screen: {
      getAllDisplays: () => [{ workArea }],
      getPrimaryDisplay: () => ({ workArea }),
    },
    shell: { openExternal: async (url: string) => void opened.push(url) },
    dialog: {
      showErrorBox: (...args: string[]) => errorBoxes.push(args),
      showMessageBox: async () => ({ response: 1 }),
    },
  };
  return {
    electron,
    app,
    order,
    ipc,
    protocols,
    opened,
    errorBoxes,
    sessionHooks,
    windows,
    menu: () => menuTemplate,
    schemes: () => schemes,
    switches,
  };
}

type FakeMain = ReturnType<typeof fakeMain>;

/** Bundles main.ts against `fake`, runs it, and resolves with its window once loaded. */
async function loadMain(fake: FakeMain, outName: string) {
  globalThis.__holdfastFakeElectron = fake.electron;
  const out = path.join(tmp, outName);
  await bundle('main/app/main.ts', out);
  requireHere(out);
  return pollFor('the window to load', () =>
    fake.windows[0]?.loaded ? fake.windows[0] : undefined,
  );
}

/** Quits as Electron would, so the network poll stops and the engine is disposed. */
async function quitMain(fake: FakeMain): Promise<void> {
  fake.app.emit('before-quit', { preventDefault: () => {} });
  await pollFor('the app to quit', () => (fake.order.includes('quit') ? true : undefined));
  fake.app.emit('will-quit');
}

/** The process's error listeners now; `restore()` removes those main.ts added since. */
function processListeners(): { restore(): void } {
  const before = {
    uncaughtException: process.listeners('uncaughtException'),
    unhandledRejection: process.listeners('unhandledRejection'),
  };
  return {
    restore() {
      for (const listener of process.listeners('uncaughtException')) {
        if (!before.uncaughtException.includes(listener))
          process.off('uncaughtException', listener);
      }
      for (const listener of process.listeners('unhandledRejection')) {
        if (!before.unhandledRejection.includes(listener))
          process.off('unhandledRejection', listener);
      }
    },
  };
}

describe('main.ts against a stand-in Electron', () => {
  let fake: FakeMain;
  let win: InstanceType<FakeMain['electron']['BrowserWindow']>;
  const logs: string[] = [];
  const listeners = processListeners();
  const originalLog = console.log;
  const originalHooks = process.env.HOLDFAST_TEST_HOOKS;
  const LOCALE_VARS = ['LANG', 'LC_ALL', 'LC_CTYPE'] as const;
  const originalLocale = LOCALE_VARS.map((k) => [k, process.env[k]] as const);

  const call = (name: unknown, args: unknown, frame?: Partial<{ url: string; top: boolean }>) => {
    const handler = fake.ipc.get(IPC_CALL_CHANNEL)!;
    return handler(
      {
        sender: win.webContents,
        senderFrame: {
          url: frame?.url ?? 'app://holdfast/index.html?test=1',
          parent: frame?.top === false ? {} : null,
          isDestroyed: () => false,
        },
      },
      name,
      args,
    ) as Promise<unknown>;
  };

  beforeAll(async () => {
    const appRoot = path.join(tmp, 'app');
    await mkdir(path.join(appRoot, 'out', 'renderer', 'assets'), { recursive: true });
    await writeFile(path.join(appRoot, 'out', 'renderer', 'index.html'), '<!doctype html>ui');
    await writeFile(path.join(appRoot, 'out', 'renderer', 'assets', 'a.js'), 'void 0;');
    await writeFile(path.join(tmp, 'secret.txt'), 'secret');
    fake = fakeMain(appRoot, path.join(tmp, 'userData'));
    console.log = (...args: unknown[]) => void logs.push(args.join(' '));
    process.env.HOLDFAST_TEST_HOOKS = '1';
    // Started as from the Dock: no locale in the environment.
    for (const k of LOCALE_VARS) delete process.env[k];
    win = await loadMain(fake, 'main.cjs');
  });

  afterAll(async () => {
    await quitMain(fake);
    console.log = originalLog;
    if (originalHooks === undefined) delete process.env.HOLDFAST_TEST_HOOKS;
    else process.env.HOLDFAST_TEST_HOOKS = originalHooks;
    for (const [k, v] of originalLocale) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    listeners.restore();
  });

  it('registers the privileged scheme, the sandbox and the single-instance lock before ready', () => {
    const ready = fake.order.indexOf('whenReady');
    for (const step of [
      'setName',
      'registerSchemesAsPrivileged',
      'enableSandbox',
      'appendSwitch',
    ]) {
      expect(fake.order.indexOf(step), step).toBeGreaterThanOrEqual(0);
      expect(fake.order.indexOf(step), step).toBeLessThan(ready);
    }
    expect(fake.order).toContain('requestSingleInstanceLock');
    expect(fake.schemes()).toEqual([
      { scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) },
    ]);
  });

  it('turns off the Chromium feature that holds back the echo of a key, before ready', () => {
    // The same switches the browser tests and the bench launch Chromium with.
    expect(fake.switches).toEqual([['disable-features', 'DeferRendererTasksAfterInput']]);
    expect(CHROMIUM_ARGS).toContain('--disable-features=DeferRendererTasksAfterInput');
  });

  it('gives itself a locale from the system language when started without one', () => {
    // What SendEnv then passes to new sessions (the fake system language is de-AT).
    expect(process.env.LANG).toBe('de_AT.UTF-8');
  });

  it('opens the window with the secure web preferences and the app-scheme URL', () => {
    const preload = path.join(tmp, 'app', 'out', 'main', 'app', 'preload.cjs');
    expect(win.options.webPreferences).toEqual(secureWebPreferences(preload, { packaged: false }));
    // ?test=1 because HOLDFAST_TEST_HOOKS=1 and the app is not packaged.
    expect(win.loaded).toBe('app://holdfast/index.html?test=1');
  });

  it('serves the UI with the CSP and refuses to leave the renderer folder', async () => {
    const handler = fake.protocols.get('app')!;
    const ok = (await handler({ url: 'app://holdfast/', method: 'GET' })) as Response;
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(ok.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await ok.text()).toBe('<!doctype html>ui');
    const js = (await handler({ url: 'app://holdfast/assets/a.js', method: 'GET' })) as Response;
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const escape = (await handler({
      url: 'app://holdfast/..%2f..%2fsecret.txt',
      method: 'GET',
    })) as Response;
    expect(escape.status).toBe(403);
    expect(await escape.text()).not.toContain('secret');
    const missing = (await handler({ url: 'app://holdfast/nope.js', method: 'GET' })) as Response;
    expect(missing.status).toBe(404);
  });

  it('refuses permissions, navigation, new windows and webviews', () => {
    let granted: boolean | undefined;
    fake.sessionHooks.permissionRequest!(win.webContents, 'media', (g: boolean) => (granted = g), {
      requestingUrl: 'app://holdfast/index.html',
      isMainFrame: true,
    });
    expect(granted).toBe(false);
    expect(
      fake.sessionHooks.permissionCheck!(win.webContents, 'geolocation', 'app://holdfast', {
        isMainFrame: true,
      }),
    ).toBe(false);
    expect(fake.sessionHooks.device!({})).toBe(false);
    let cancelled: unknown;
    fake.sessionHooks.beforeRequest!(
      { url: 'https://example.com/x.js' },
      (r: unknown) => (cancelled = r),
    );
    expect(cancelled).toEqual({ cancel: true });

    expect(win.webContents.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({
      action: 'deny',
    });
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
      let prevented = false;
      win.webContents.emit(event, {
        url: 'https://example.com/',
        preventDefault: () => (prevented = true),
      });
      expect(prevented, event).toBe(true);
    }
    let webviewPrevented = false;
    win.webContents.emit('will-attach-webview', {
      preventDefault: () => (webviewPrevented = true),
    });
    expect(webviewPrevented).toBe(true);
  });

  it('runs a valid call from our page on the engine bridge', async () => {
    expect(await call('networkChanged', [])).toEqual({ ok: true, value: { ok: true } });
    expect(await call('detach', ['nope'])).toMatchObject({
      ok: true,
      value: { ok: false, error: { kind: 'no-such-tab' } },
    });
  });

  it('refuses calls from another origin or a subframe, and bad arguments, in words', async () => {
    expect(await call('networkChanged', [], { url: 'https://evil.test/' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^Refused a call: .*https:\/\/evil\.test/),
    });
    expect(await call('networkChanged', [], { top: false })).toMatchObject({ ok: false });
    expect(await call('resize', ['t1', 'wide', 24])).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^resize\(cols\)/),
    });
  });

  it('sends the engine’s events to the page on the event channel', async () => {
    const reply = await call('connect', [
      { tabId: 't1', target: { kind: 'quick', text: '' }, cols: 80, rows: 24 },
    ]);
    // An empty destination is the user's mistake: a Failure in words, no tab, no event.
    expect(reply).toMatchObject({
      ok: true,
      value: { ok: false, error: { kind: 'bad-destination' } },
    });
    const sent = win.webContents.sent.length;
    // A refused port on loopback: the tab reports connecting, then failed.
    expect(
      await call('connect', [
        { tabId: 't2', target: { kind: 'quick', text: 'nobody@127.0.0.1:1' }, cols: 80, rows: 24 },
      ]),
    ).toEqual({ ok: true, value: { ok: true, tabId: 't2' } });
    const first = win.webContents.sent[sent] as unknown[];
    expect(first[0]).toBe(IPC_EVENT_CHANNEL);
    expect(first[1]).toBe('state');
    expect(first[2]).toMatchObject({ tabId: 't2', state: { kind: 'connecting' } });
    await call('kill', ['t2']);
  });

  it('opens only http(s) links in the system browser', async () => {
    expect(await call('openExternal', ['https://example.com/docs'])).toEqual({
      ok: true,
      value: { ok: true },
    });
    expect(await call('openExternal', ['file:///etc/passwd'])).toMatchObject({ ok: false });
    expect(fake.opened).toEqual(['https://example.com/docs']);
  });

  it('tells the engine when the machine resumes or the screen unlocks', () => {
    logs.length = 0;
    fake.electron.powerMonitor.emit('resume');
    fake.electron.powerMonitor.emit('unlock-screen');
    expect(logs.filter((l) => l.includes('network may have changed'))).toHaveLength(2);
  });

  it('sends a chosen menu item to the page as a menuCommand event, never as replayed keys', () => {
    type MenuItem = { label?: string; click?: () => void; submenu?: MenuItem[] };
    const flatten = (items: MenuItem[]): MenuItem[] =>
      items.flatMap((i) => [i, ...flatten(i.submenu ?? [])]);
    const items = flatten(fake.menu() as MenuItem[]);
    const choose = (label: string): void => {
      const item = items.find((i) => i.label === label);
      expect(item?.click, label).toBeDefined();
      item!.click!();
    };
    const before = win.webContents.sent.length;
    choose('New Tab');
    choose('Show Next Tab');
    choose('Zoom In');
    choose('Find…');
    const sent = win.webContents.sent.slice(before);
    expect(sent).toEqual([
      [IPC_EVENT_CHANNEL, 'menuCommand', { action: 'new-tab' }],
      [IPC_EVENT_CHANNEL, 'menuCommand', { action: 'next-tab' }],
      [IPC_EVENT_CHANNEL, 'menuCommand', { action: 'zoom-in' }],
      [IPC_EVENT_CHANNEL, 'menuCommand', { action: 'find' }],
    ]);
    // Each is what the preload's contract check lets through to the page.
    for (const [, name, payload] of sent) {
      expect(parseEvent(name as 'menuCommand', payload)).toEqual(payload);
    }
    expect(win.webContents.inputs).toEqual([]);
  });

  it('saves the window’s place when it closes', async () => {
    win.emit('close');
    const file = path.join(tmp, 'userData', 'window-state.json');
    const text = await pollFor('the state file', () =>
      readFile(file, 'utf8').catch(() => undefined),
    );
    expect(JSON.parse(text)).toEqual({
      x: 40,
      y: 30,
      width: 900,
      height: 700,
      maximized: false,
      fullScreen: false,
    });
  });

  it('shows no dialog while everything works', () => {
    expect(fake.errorBoxes).toEqual([]);
  });

  it("lets DevTools' own pages load in development", () => {
    let decision: unknown;
    fake.sessionHooks.beforeRequest!(
      { url: 'devtools://devtools/bundled/devtools_app.html' },
      (r: unknown) => (decision = r),
    );
    expect(decision).toEqual({ cancel: false });
  });
});

describe('main.ts as the packaged app, against a stand-in Electron', () => {
  let fake: FakeMain;
  let win: InstanceType<FakeMain['electron']['BrowserWindow']>;
  const originalLog = console.log;
  const listeners = processListeners();

  beforeAll(async () => {
    const appRoot = path.join(tmp, 'packaged-app');
    await mkdir(path.join(appRoot, 'out', 'renderer'), { recursive: true });
    await writeFile(path.join(appRoot, 'out', 'renderer', 'index.html'), '<!doctype html>ui');
    fake = fakeMain(appRoot, path.join(tmp, 'packaged-userData'), true);
    console.log = () => {};
    win = await loadMain(fake, 'main-packaged.cjs');
  });

  afterAll(async () => {
    await quitMain(fake);
    console.log = originalLog;
    listeners.restore();
  });

  it('enables the sandbox for every renderer before ready, as in development', () => {
    expect(fake.order.indexOf('enableSandbox')).toBeGreaterThanOrEqual(0);
    expect(fake.order.indexOf('enableSandbox')).toBeLessThan(fake.order.indexOf('whenReady'));
    expect((win.options.webPreferences as { sandbox?: boolean }).sandbox).toBe(true);
  });

  it('opens the window without DevTools and cancels every devtools: request', () => {
    const preload = path.join(tmp, 'packaged-app', 'out', 'main', 'app', 'preload.cjs');
    expect(win.options.webPreferences).toEqual(secureWebPreferences(preload, { packaged: true }));
    expect((win.options.webPreferences as { devTools?: boolean }).devTools).toBe(false);
    for (const url of [
      'devtools://devtools/bundled/devtools_app.html',
      'devtools://devtools/remote/serve_file/@abc/inspector.html',
    ]) {
      let decision: unknown;
      fake.sessionHooks.beforeRequest!({ url }, (r: unknown) => (decision = r));
      expect(decision, url).toEqual({ cancel: true });
    }
    // No test hooks in the shipped app, whatever the environment says.
    expect(win.loaded).toBe('app://holdfast/index.html');
  });
});

// ---------------------------------------------------------------------------------------
// The preload

describe('preload.ts against a stand-in Electron', () => {
  const exposed: [string, unknown][] = [];
  const invoked: unknown[][] = [];
  const listeners = new Map<string, Set<Handler>>();
  let nextReply: () => Promise<unknown> = async () => ({ ok: true, value: { ok: true } });
  let api: HoldfastApi;

  beforeAll(async () => {
    globalThis.__holdfastFakeElectron = {
      contextBridge: {
        exposeInMainWorld: (key: string, value: unknown) => exposed.push([key, value]),
      },
      ipcRenderer: {
        invoke: (...args: unknown[]) => {
          invoked.push(args);
          return nextReply();
        },
        on: (channel: string, l: Handler) => {
          if (!listeners.has(channel)) listeners.set(channel, new Set());
          listeners.get(channel)!.add(l);
        },
        removeListener: (channel: string, l: Handler) => listeners.get(channel)?.delete(l),
      },
    };
    const out = path.join(tmp, 'preload.cjs');
    await bundle('main/app/preload.ts', out);
    requireHere(out);
    api = exposed[0]![1] as HoldfastApi;
  });

  it('exposes exactly one object, window.holdfast', () => {
    expect(exposed.map(([key]) => key)).toEqual(['holdfast']);
  });

  it('has one function per contract method, plus on and the contract version — no ipcRenderer', () => {
    expect(Object.keys(api).sort()).toEqual([...METHOD_NAMES, 'contractVersion', 'on'].sort());
    for (const name of METHOD_NAMES) expect(typeof api[name], name).toBe('function');
    expect(JSON.stringify(Object.keys(api))).not.toMatch(/ipc|invoke|send/i);
  });

  it('checks arguments before sending anything', async () => {
    await expect(api.resize('t1', 0, 24)).rejects.toThrow(/^resize\(cols\)/);
    await expect(api.openExternal('javascript:alert(1)')).rejects.toThrow(/http/);
    expect(invoked).toEqual([]);
  });

  it('sends a valid call on the call channel and returns the checked result', async () => {
    expect(await api.resize('t1', 80, 24)).toEqual({ ok: true });
    expect(invoked).toEqual([[IPC_CALL_CHANNEL, 'resize', ['t1', 80, 24]]]);
  });

  it('turns a refusal, a malformed reply or a dead channel into an error in words', async () => {
    nextReply = async () => ({ ok: false, message: 'Refused a call: nope.' });
    await expect(api.networkChanged()).rejects.toThrow('Refused a call: nope.');
    nextReply = async () => ({ weird: true });
    await expect(api.networkChanged()).rejects.toThrow(/malformed reply/);
    nextReply = async () => {
      throw new Error("Error invoking remote method 'holdfast:call': stack...");
    };
    await expect(api.networkChanged()).rejects.toThrow(/did not answer$/);
    nextReply = async () => ({ ok: true, value: { ok: true } });
  });

  it('delivers events through on() and stops after unsubscribing', () => {
    const got: unknown[] = [];
    const off = api.on('notice', (p) => got.push(p));
    const deliver = (name: unknown, payload: unknown) => {
      for (const l of listeners.get(IPC_EVENT_CHANNEL) ?? []) l({}, name, payload);
    };
    deliver('notice', { tabId: 't1', message: 'hello' });
    deliver('notice', { tabId: 't1' }); // malformed: dropped
    deliver(42, {}); // not an event name: dropped
    off();
    deliver('notice', { tabId: 't1', message: 'after' });
    expect(got).toEqual([{ tabId: 't1', message: 'hello' }]);
  });

  it('delivers a menuCommand from the event channel and drops one with an unknown action', () => {
    const got: unknown[] = [];
    const off = api.on('menuCommand', (p) => got.push(p.action));
    const deliver = (name: unknown, payload: unknown) => {
      for (const l of listeners.get(IPC_EVENT_CHANNEL) ?? []) l({}, name, payload);
    };
    deliver('menuCommand', { action: 'close-tab' });
    deliver('menuCommand', { action: 'reboot' }); // not a menu action: dropped
    off();
    expect(got).toEqual(['close-tab']);
  });
});
