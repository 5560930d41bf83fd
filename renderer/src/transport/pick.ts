// Where the API comes from: the Electron preload's `window.holdfast`, or under the test
// host a WebSocket named by the page's `?ws=` query (loopback only: a query string must
// never point the UI at someone else's machine).

import type { HoldfastApi } from '../../../main/contract/api';
import { connectWebSocket } from './ws';

declare global {
  interface Window {
    /** Exposed by main/app's preload through contextBridge. */
    readonly holdfast?: HoldfastApi;
  }
}

export type Transport =
  | {
      ok: true;
      kind: 'electron' | 'websocket';
      api: HoldfastApi;
      ready: Promise<void>;
      testHooks: boolean;
    }
  | { ok: false; message: string };

export function pickTransport(location: Location, holdfast: HoldfastApi | undefined): Transport {
  const params = new URLSearchParams(location.search);
  // Read-only buffer hooks for end-to-end tests: main/app adds `?test=1` only when a test
  // launches it (HOLDFAST_TEST_HOOKS=1).
  const testHooks = params.get('test') === '1';
  if (holdfast)
    return { ok: true, kind: 'electron', api: holdfast, ready: Promise.resolve(), testHooks };
  const ws = params.get('ws');
  if (ws === null) {
    return {
      ok: false,
      message:
        'Holdfast cannot reach its engine: this page was opened outside the desktop app. Start it with `npm start`.',
    };
  }
  let url: URL;
  try {
    url = new URL(ws);
  } catch {
    return { ok: false, message: `The engine address "${ws}" is not a URL.` };
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'ws:' || !loopback) {
    return {
      ok: false,
      message: `Refusing engine address ${url.href}: only ws:// on this machine is allowed.`,
    };
  }
  const connection = connectWebSocket(url.href);
  return {
    ok: true,
    kind: 'websocket',
    api: connection.api,
    ready: connection.ready,
    testHooks,
  };
}
