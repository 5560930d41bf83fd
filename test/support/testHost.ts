/**
 * The desktop app without Electron, for browser end-to-end tests: serves the built
 * renderer (out/renderer) over HTTP on 127.0.0.1 at a random port, and the UI contract
 * over a WebSocket at the same port to a REAL engine, through the same EngineBridge that
 * main/app uses. Every call is validated with the contract's schemas (`dispatch`), and
 * every broken-contract reply is recorded in `violations` so a test can insist on none.
 *
 * It serves a private copy of out/renderer taken at start, so a build running meanwhile
 * cannot change the page under a test.
 *
 * One engine and one bridge per WebSocket connection: a reloaded page detaches its tabs
 * (the sessions keep running on the server) and starts afresh, as a closed window would.
 */
import { cpSync, createReadStream, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { CONTRACT_VERSION, dispatch, parseEvent, type AnyEvent } from '../../main/contract/api';
import { WS_MAX_MESSAGE_BYTES, WS_PATH, WireCall, parseWire } from '../../main/contract/wire';
import { EngineBridge, type EngineBridgeOptions } from '../../main/host/engineBridge';
import { Engine, type EngineOptions } from '../../main/engine/engine';
import { NoKeychainSecretStore, PROFILES_FILE, ProfileStore } from '../../main/engine/profiles';
import { TABS_FILE } from '../../main/host/tabsFile';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface TestHostOptions {
  /** The built renderer; default out/renderer (run `node build/build.mjs` first). */
  rendererDir?: string;
  /** More engine options (home, env, keepalive...); known_hosts comes from ssh_config. */
  engine?: Omit<EngineOptions, 'prompter' | 'log' | 'clientName'>;
  /** Added to every destination, never chosen by the UI (e.g. the bed's ssh_config). */
  destinationDefaults?: EngineBridgeOptions['destinationDefaults'];
  /** Flow-control watermarks, for tests that want them small. */
  highWatermarkBytes?: number;
  lowWatermarkBytes?: number;
  /**
   * The app's config folder: saved profiles (profiles.json, no keychain) and the open tabs
   * (tabs.json) live there. Without it, no profiles and nothing restored.
   */
  configDir?: string;
}

export interface TestHost {
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  /** The page to open: the renderer, told where the WebSocket is and to install test hooks. */
  readonly pageUrl: string;
  /** Links the UI asked to open (openExternal), instead of launching a browser. */
  readonly openedUrls: string[];
  /** Replies that said the contract was broken (bad arguments, unknown method). */
  readonly violations: string[];
  /**
   * The calls the pages made, method and arguments, but for the many per keystroke or
   * chunk of output (write, ackOutput, resize): what a test checks the UI asked for.
   */
  readonly calls: { method: string; args: unknown[] }[];
  /** Bridge and engine log lines, for a failing test's message. */
  readonly log: string[];
  /** The bridges of the connected pages, newest last. */
  readonly bridges: EngineBridge[];
  /** Raw output bytes sent to the pages so far (what a replay costs, for instance). */
  outputBytes(): number;
  /**
   * Sends an event to every connected page, as the desktop app's main process sends its own
   * (`menuCommand` when a menu item is chosen). Checked against the contract first.
   */
  emitToPages(event: AnyEvent): void;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** The CSP the page declares in its meta tag, sent as a header too (the header also binds
 * what a meta tag cannot, and proves the policy the app ships is the one tested). */
function pageCsp(indexHtml: string): string {
  const match = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(indexHtml);
  if (!match?.[1]) throw new Error('renderer/index.html has no Content-Security-Policy meta tag');
  return match[1];
}

/** Calls made per keystroke, chunk of output or resize: not kept in `calls`. */
const FREQUENT_CALLS = new Set(['write', 'ackOutput', 'resize']);

/** How long to wait for a renderer build that is being written (a Vite build takes ~5 s). */
const BUILD_WAIT_MS = 30_000;

/**
 * Copies the built renderer to a private directory once it is complete (index.html and
 * every asset it names), so a build running meanwhile (which empties out/renderer first)
 * cannot pull files from under a running test.
 */
async function snapshotRenderer(built: string): Promise<string> {
  const deadline = Date.now() + BUILD_WAIT_MS;
  for (;;) {
    const index = join(built, 'index.html');
    if (existsSync(index)) {
      const html = readFileSync(index, 'utf8');
      const assets = [...html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => m[1] as string);
      if (assets.every((a) => existsSync(join(built, a)))) {
        const copy = await mkdtemp(join(tmpdir(), 'hft-renderer-'));
        cpSync(built, copy, { recursive: true });
        // Still whole after the copy (no build started in between)?
        if (
          assets.every((a) => existsSync(join(copy, a))) &&
          existsSync(join(copy, 'index.html'))
        ) {
          return copy;
        }
        rmSync(copy, { recursive: true, force: true });
      }
    }
    if (Date.now() > deadline) {
      throw new Error(`no built renderer at ${built}: run \`node build/build.mjs\` first`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function startTestHost(opts: TestHostOptions = {}): Promise<TestHost> {
  const root = await snapshotRenderer(resolve(opts.rendererDir ?? join(REPO, 'out', 'renderer')));
  const indexFile = join(root, 'index.html');
  const csp = pageCsp(readFileSync(indexFile, 'utf8'));
  const openedUrls: string[] = [];
  const violations: string[] = [];
  const calls: { method: string; args: unknown[] }[] = [];
  const log: string[] = [];
  const bridges: EngineBridge[] = [];
  const sockets = new Set<WebSocket>();
  let outputBytes = 0;

  const serveFile = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = normalize(join(root, rel));
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': csp,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(res);
  };

  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    serveFile(req, res);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen({ host: '127.0.0.1', port: 0 }, () => done());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  const wss = new WebSocketServer({
    server,
    path: WS_PATH,
    maxPayload: WS_MAX_MESSAGE_BYTES,
    // Only our own page may drive the engine.
    verifyClient: (info: { origin: string }) => info.origin === origin,
  });

  const sendTo = (socket: WebSocket, message: unknown): void => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };

  // Bridges of closed pages still writing their tabs file: a reloaded page reads it after.
  const closing = new Set<Promise<void>>();

  wss.on('connection', (socket) => {
    // With a config folder this host is the app's one window: a page that connects replaces
    // the one before (a reload), as main/app's UiConnection does, so the previous bridge is
    // disposed (its tabs file written) before the new page reads it, even when the old
    // page's socket would otherwise report its close only later.
    if (opts.configDir !== undefined) for (const other of sockets) other.terminate();
    sockets.add(socket);
    const send = (message: unknown): void => sendTo(socket, message);
    const bridge = new EngineBridge({
      createEngine: (prompter) =>
        new Engine({
          ...opts.engine,
          prompter,
          clientName: 'holdfast-test',
          log: (line: string) => log.push(`engine: ${line}`),
        }),
      emit: (event: AnyEvent) => {
        if (event.event === 'output') outputBytes += event.payload.bytes;
        send({ type: 'event', event: event.event, payload: event.payload });
      },
      openExternal: (url) => {
        openedUrls.push(url);
      },
      ...(opts.destinationDefaults ? { destinationDefaults: opts.destinationDefaults } : {}),
      ...(opts.highWatermarkBytes !== undefined
        ? { highWatermarkBytes: opts.highWatermarkBytes }
        : {}),
      ...(opts.lowWatermarkBytes !== undefined
        ? { lowWatermarkBytes: opts.lowWatermarkBytes }
        : {}),
      log: (line) => log.push(`bridge: ${line}`),
      previousClosed: () => Promise.all([...closing]),
      ...(opts.configDir !== undefined
        ? {
            profiles: new ProfileStore({
              file: join(opts.configDir, PROFILES_FILE),
              secrets: new NoKeychainSecretStore(),
              ...(opts.engine?.home !== undefined ? { home: opts.engine.home } : {}),
              log: (line) => log.push(`profiles: ${line}`),
            }),
            tabsFile: join(opts.configDir, TABS_FILE),
          }
        : {}),
    });
    bridges.push(bridge);
    send({ type: 'hello', contractVersion: CONTRACT_VERSION });

    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        violations.push('a binary WebSocket message (the wire is JSON text)');
        return;
      }
      const call = parseWire(WireCall, data.toString('utf8'));
      if (!call) {
        violations.push(`a malformed call: ${data.toString('utf8').slice(0, 200)}`);
        return;
      }
      if (!FREQUENT_CALLS.has(call.method)) calls.push({ method: call.method, args: call.args });
      void dispatch(bridge, call.method, call.args).then((reply) => {
        if (!reply.ok) violations.push(reply.message);
        send({ type: 'reply', id: call.id, reply });
      });
    });
    socket.on('close', () => {
      sockets.delete(socket);
      const done = bridge.dispose();
      closing.add(done);
      void done.finally(() => closing.delete(done));
    });
  });

  return {
    origin,
    pageUrl: `${origin}/index.html?ws=${encodeURIComponent(`ws://127.0.0.1:${port}${WS_PATH}`)}&test=1`,
    openedUrls,
    violations,
    calls,
    log,
    bridges,
    outputBytes: () => outputBytes,
    emitToPages(event) {
      parseEvent(event.event, event.payload);
      for (const socket of sockets) {
        sendTo(socket, { type: 'event', event: event.event, payload: event.payload });
      }
    },
    async close() {
      for (const socket of sockets) socket.terminate();
      await Promise.allSettled(bridges.map((b) => b.dispose()));
      await new Promise<void>((done) => wss.close(() => done()));
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
