// The preload: runs sandboxed, in its own world, before the page. It gives the page one
// object, `window.holdfast`, with one function per contract method plus `on` for events,
// all built by the contract's createClient from its method table (no method is named here).
// Arguments are checked against the contract's schemas before they leave, replies and
// events again when they arrive. The page never sees ipcRenderer.

import './zodJitless';
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  IPC_CALL_CHANNEL,
  IPC_EVENT_CHANNEL,
  Reply,
  createClient,
  type Invoke,
  type Subscribe,
} from '../contract/api';

const invoke: Invoke = async (name, args) => {
  let raw: unknown;
  try {
    raw = await ipcRenderer.invoke(IPC_CALL_CHANNEL, name, args);
  } catch {
    return { ok: false, message: `${name}: the Holdfast main process did not answer` };
  }
  const reply = Reply.safeParse(raw);
  return reply.success
    ? reply.data
    : { ok: false, message: `${name}: the Holdfast main process sent a malformed reply` };
};

const subscribe: Subscribe = (listener) => {
  const onEvent = (_event: IpcRendererEvent, name: unknown, payload: unknown): void => {
    if (typeof name === 'string') listener(name, payload);
  };
  ipcRenderer.on(IPC_EVENT_CHANNEL, onEvent);
  return () => {
    ipcRenderer.removeListener(IPC_EVENT_CHANNEL, onEvent);
  };
};

contextBridge.exposeInMainWorld('holdfast', createClient(invoke, subscribe));
