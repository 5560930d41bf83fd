// The contract over a WebSocket (the test host, and any future remote UI): one JSON text
// message per call, reply or event. Pure; shared by renderer/src/transport/ws.ts and
// test/support/testHost.ts. Electron IPC does not use this: it carries the same `Reply`
// envelopes over ipcMain.handle / webContents.send.
//
//   renderer → host   { "type": "call",  "id": 7, "method": "resize", "args": ["t1", 80, 24] }
//   host → renderer   { "type": "reply", "id": 7, "reply": { "ok": true, "value": { "ok": true } } }
//   host → renderer   { "type": "event", "event": "state", "payload": { "tabId": "t1", ... } }
//   host → renderer   { "type": "hello", "contractVersion": 1 }   (first message)

import { z } from 'zod';
import { Reply } from './api';

/** Path of the WebSocket endpoint on the test host. */
export const WS_PATH = '/holdfast';

/** Largest message either side accepts (a 1 MiB paste plus JSON escaping). */
export const WS_MAX_MESSAGE_BYTES = 8 << 20;

export const WireCall = z.strictObject({
  type: z.literal('call'),
  id: z.int().min(0),
  method: z.string().max(64),
  args: z.array(z.unknown()).max(8),
});
export type WireCall = z.infer<typeof WireCall>;

export const WireFromHost = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('hello'), contractVersion: z.int() }),
  z.strictObject({ type: z.literal('reply'), id: z.int().min(0), reply: Reply }),
  z.strictObject({ type: z.literal('event'), event: z.string(), payload: z.unknown() }),
]);
export type WireFromHost = z.infer<typeof WireFromHost>;

/** Parses one JSON text message; undefined when it is not JSON or not this shape. */
export function parseWire<T>(schema: z.ZodType<T>, text: string): T | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
