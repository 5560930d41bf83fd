// The contract over a WebSocket: what the renderer uses under the test host, where no
// Electron preload exists. The proxy itself comes from the contract's method list
// (createClient); this file only moves envelopes (main/contract/wire.ts) over the socket.

import {
  CONTRACT_VERSION,
  createClient,
  type HoldfastApi,
  type MethodName,
  type Reply,
} from '../../../main/contract/api';
import { WireFromHost, parseWire, type WireCall } from '../../../main/contract/wire';
import { Emitter } from '../../../main/common/emitter';

export type WsConnection = {
  api: HoldfastApi;
  /** Resolves once the socket is open and the host has said hello. */
  ready: Promise<void>;
  close(): void;
};

/** Opens the socket at `url` and returns the API over it. Calls made before it opens wait. */
export function connectWebSocket(url: string): WsConnection {
  const socket = new WebSocket(url);
  const pending = new Map<number, (reply: Reply) => void>();
  const events = new Emitter<{ event: string; payload: unknown }>();
  let nextId = 1;
  let closedReason: string | undefined;

  let markReady: () => void = () => {};
  let markFailed: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  // Nobody may be waiting on `ready`; the failure still shows through the calls.
  ready.catch(() => {});

  socket.addEventListener('message', (message) => {
    if (typeof message.data !== 'string') return;
    const msg = parseWire(WireFromHost, message.data);
    if (!msg) {
      console.error('holdfast: dropped a malformed message from the host');
      return;
    }
    if (msg.type === 'hello') {
      if (msg.contractVersion !== CONTRACT_VERSION) {
        markFailed(
          new Error(
            `the host speaks contract version ${msg.contractVersion}, this UI version ${CONTRACT_VERSION}`,
          ),
        );
        socket.close();
        return;
      }
      markReady();
    } else if (msg.type === 'reply') {
      const resolve = pending.get(msg.id);
      pending.delete(msg.id);
      resolve?.(msg.reply as Reply);
    } else {
      events.fire({ event: msg.event, payload: msg.payload });
    }
  });
  socket.addEventListener('close', () => {
    closedReason ??= 'the connection to the Holdfast host closed';
    markFailed(new Error(closedReason));
    for (const resolve of pending.values()) resolve({ ok: false, message: closedReason });
    pending.clear();
  });

  const invoke = async (method: MethodName, args: unknown[]): Promise<Reply> => {
    await ready;
    if (closedReason) return { ok: false, message: closedReason };
    const id = nextId++;
    const call: WireCall = { type: 'call', id, method, args };
    return new Promise<Reply>((resolve) => {
      pending.set(id, resolve);
      socket.send(JSON.stringify(call));
    });
  };

  const api = createClient(invoke, (listener) => {
    const subscription = events.event(({ event, payload }) => listener(event, payload));
    return () => subscription.dispose();
  });

  return {
    api,
    ready,
    close: () => {
      closedReason = 'the UI closed the connection';
      socket.close();
    },
  };
}
