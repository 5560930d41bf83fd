// The agent protocol's frames (remote-agent/PROTOCOL.md, versions 1..3): types, encoder and
// an incremental decoder. Pure: bytes in, values out; no sockets, no timers.
//
// Frame layout (all integers big-endian):
//   u8 type | u32 payload length | payload
// A receiver checks type and length against the limits before reading the payload.

export const PROTOCOL_MIN = 1;
export const PROTOCOL_MAX = 3;

/** Version 2: how often a client sends a frame on an attached link (PROTOCOL.md
 * "KEEPALIVE"), so the agent counts it live however slowly it takes output. */
export const KEEPALIVE_INTERVAL_MS = 4_000;

/** Largest payload any frame may carry (1 MiB). */
export const MAX_PAYLOAD = 1 << 20;
/** Largest data block in one INPUT or OUTPUT frame. */
export const MAX_DATA = 65_536;
export const HEADER_LEN = 5;
export const CLIENT_ID_LEN = 16;

export const Msg = {
  HELLO: 0x01,
  ATTACH: 0x02,
  INPUT: 0x03,
  RESIZE: 0x04,
  SIGNAL: 0x05,
  DETACH: 0x06,
  PING: 0x07,
  INFO: 0x08,
  /** Version 2. */
  KEEPALIVE: 0x09,
  /** Version 2; replaces ATTACH (0x02), which version 2 retires. */
  ATTACH_V2: 0x0a,
  /** Version 3: all output before the offset is shown (flow control end to end). */
  SHOWN: 0x0b,
  WELCOME: 0x81,
  ATTACHED: 0x82,
  OUTPUT: 0x83,
  GAP: 0x84,
  ACK: 0x85,
  EXIT: 0x86,
  ERROR: 0x87,
  PONG: 0x88,
  INFO_REPLY: 0x89,
} as const;

export const AttachFlag = { REDRAW: 1, FROM_END: 2 } as const;

export const ErrorCode = {
  VERSION: 1,
  PROTOCOL: 2,
  OFFSET: 3,
  BUSY: 4,
  INTERNAL: 5,
  /** The handshake was not finished in time (the agent's HELLO_TIMEOUT). */
  TIMEOUT: 6,
  /** The agent no longer remembers this client id's input: attach with a new id. */
  INPUT_LOST: 7,
} as const;

/** Signal numbers on the wire are fixed by the protocol, whatever the server's OS says. */
export const WireSignal = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  KILL: 9,
  USR1: 10,
  USR2: 12,
  TERM: 15,
  CONT: 18,
  STOP: 19,
  WINCH: 28,
} as const;
export type SignalName = keyof typeof WireSignal;

export type ClientFrame =
  | { type: 'hello'; min: number; max: number; name: string }
  | { type: 'attach'; clientId: Buffer; offset: bigint; flags: number }
  | { type: 'attach-v2'; clientId: Buffer; offset: bigint; flags: number; inputSent: bigint }
  | { type: 'input'; seq: bigint; data: Buffer }
  | { type: 'resize'; cols: number; rows: number }
  | { type: 'signal'; signal: number }
  | { type: 'detach' }
  | { type: 'ping'; token: bigint }
  | { type: 'info' }
  | { type: 'keepalive' }
  | { type: 'shown'; offset: bigint };

export type AgentFrame =
  | { type: 'welcome'; version: number; agentVersion: string }
  | {
      type: 'attached';
      inputAcked: bigint;
      ringStart: bigint;
      endOffset: bigint;
      cols: number;
      rows: number;
      pid: number;
    }
  | { type: 'output'; offset: bigint; data: Buffer }
  | { type: 'gap'; from: bigint; to: bigint }
  | { type: 'ack'; seq: bigint }
  | { type: 'exit'; endOffset: bigint; status: number }
  | { type: 'error'; code: number; message: string }
  | { type: 'pong'; token: bigint }
  | { type: 'info-reply'; json: string };

export type Frame = ClientFrame | AgentFrame;

const AGENT_FRAME_TYPES: ReadonlySet<Frame['type']> = new Set([
  'welcome',
  'attached',
  'output',
  'gap',
  'ack',
  'exit',
  'error',
  'pong',
  'info-reply',
]);

/** Whether a decoded frame is one only the agent sends (a client must see nothing else). */
export function isAgentFrame(f: Frame): f is AgentFrame {
  return AGENT_FRAME_TYPES.has(f.type);
}

function frame(type: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LEN + payload.length);
  out.writeUInt8(type, 0);
  out.writeUInt32BE(payload.length, 1);
  payload.copy(out, HEADER_LEN);
  return out;
}

function u64(v: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(v);
  return b;
}

function u16s(...vs: number[]): Buffer {
  const b = Buffer.allocUnsafe(2 * vs.length);
  vs.forEach((v, i) => b.writeUInt16BE(v, 2 * i));
  return b;
}

/** Encodes one frame. Callers keep data within MAX_DATA (the session splits input). */
export function encodeFrame(f: Frame): Buffer {
  switch (f.type) {
    case 'hello':
      return frame(Msg.HELLO, Buffer.concat([u16s(f.min, f.max), Buffer.from(f.name, 'utf8')]));
    case 'attach':
      return frame(Msg.ATTACH, Buffer.concat([f.clientId, u64(f.offset), Buffer.of(f.flags)]));
    case 'attach-v2':
      return frame(
        Msg.ATTACH_V2,
        Buffer.concat([f.clientId, u64(f.offset), Buffer.of(f.flags), u64(f.inputSent)]),
      );
    case 'input':
      return frame(Msg.INPUT, Buffer.concat([u64(f.seq), f.data]));
    case 'resize':
      return frame(Msg.RESIZE, u16s(f.cols, f.rows));
    case 'signal':
      return frame(Msg.SIGNAL, Buffer.of(f.signal));
    case 'detach':
      return frame(Msg.DETACH, Buffer.alloc(0));
    case 'ping':
      return frame(Msg.PING, u64(f.token));
    case 'info':
      return frame(Msg.INFO, Buffer.alloc(0));
    case 'keepalive':
      return frame(Msg.KEEPALIVE, Buffer.alloc(0));
    case 'shown':
      return frame(Msg.SHOWN, u64(f.offset));
    case 'welcome':
      return frame(Msg.WELCOME, Buffer.concat([u16s(f.version), Buffer.from(f.agentVersion)]));
    case 'attached': {
      const b = Buffer.allocUnsafe(32);
      b.writeBigUInt64BE(f.inputAcked, 0);
      b.writeBigUInt64BE(f.ringStart, 8);
      b.writeBigUInt64BE(f.endOffset, 16);
      b.writeUInt16BE(f.cols, 24);
      b.writeUInt16BE(f.rows, 26);
      b.writeUInt32BE(f.pid, 28);
      return frame(Msg.ATTACHED, b);
    }
    case 'output':
      return frame(Msg.OUTPUT, Buffer.concat([u64(f.offset), f.data]));
    case 'gap':
      return frame(Msg.GAP, Buffer.concat([u64(f.from), u64(f.to)]));
    case 'ack':
      return frame(Msg.ACK, u64(f.seq));
    case 'exit': {
      const b = Buffer.allocUnsafe(12);
      b.writeBigUInt64BE(f.endOffset, 0);
      b.writeInt32BE(f.status, 8);
      return frame(Msg.EXIT, b);
    }
    case 'error':
      return frame(Msg.ERROR, Buffer.concat([u16s(f.code), Buffer.from(f.message, 'utf8')]));
    case 'pong':
      return frame(Msg.PONG, u64(f.token));
    case 'info-reply':
      return frame(Msg.INFO_REPLY, Buffer.from(f.json, 'utf8'));
  }
}

/** Payload bounds per type: [min, max] bytes. Anything else is malformed. */
const BOUNDS: ReadonlyMap<number, readonly [number, number]> = new Map([
  [Msg.HELLO, [4, 4 + 256]],
  [Msg.ATTACH, [CLIENT_ID_LEN + 9, CLIENT_ID_LEN + 9]],
  [Msg.INPUT, [9, 8 + MAX_DATA]],
  [Msg.RESIZE, [4, 4]],
  [Msg.SIGNAL, [1, 1]],
  [Msg.DETACH, [0, 0]],
  [Msg.PING, [8, 8]],
  [Msg.INFO, [0, 0]],
  [Msg.KEEPALIVE, [0, 0]],
  [Msg.ATTACH_V2, [CLIENT_ID_LEN + 17, CLIENT_ID_LEN + 17]],
  [Msg.SHOWN, [8, 8]],
  [Msg.WELCOME, [2, MAX_PAYLOAD]],
  [Msg.ATTACHED, [32, 32]],
  [Msg.OUTPUT, [9, 8 + MAX_DATA]],
  [Msg.GAP, [16, 16]],
  [Msg.ACK, [8, 8]],
  [Msg.EXIT, [12, 12]],
  [Msg.ERROR, [2, MAX_PAYLOAD]],
  [Msg.PONG, [8, 8]],
  [Msg.INFO_REPLY, [0, MAX_PAYLOAD]],
]);

export type DecodeError = { kind: 'malformed'; message: string };

/** Decodes one complete payload of a known, bounds-checked type. */
function decodePayload(type: number, p: Buffer): Frame | DecodeError {
  switch (type) {
    case Msg.HELLO:
      return {
        type: 'hello',
        min: p.readUInt16BE(0),
        max: p.readUInt16BE(2),
        name: p.subarray(4).toString('utf8'),
      };
    case Msg.ATTACH:
      return {
        type: 'attach',
        clientId: Buffer.from(p.subarray(0, CLIENT_ID_LEN)),
        offset: p.readBigUInt64BE(CLIENT_ID_LEN),
        flags: p.readUInt8(CLIENT_ID_LEN + 8),
      };
    case Msg.INPUT:
      return { type: 'input', seq: p.readBigUInt64BE(0), data: Buffer.from(p.subarray(8)) };
    case Msg.RESIZE:
      return { type: 'resize', cols: p.readUInt16BE(0), rows: p.readUInt16BE(2) };
    case Msg.SIGNAL:
      return { type: 'signal', signal: p.readUInt8(0) };
    case Msg.DETACH:
      return { type: 'detach' };
    case Msg.PING:
      return { type: 'ping', token: p.readBigUInt64BE(0) };
    case Msg.INFO:
      return { type: 'info' };
    case Msg.KEEPALIVE:
      return { type: 'keepalive' };
    case Msg.SHOWN:
      return { type: 'shown', offset: p.readBigUInt64BE(0) };
    case Msg.ATTACH_V2:
      return {
        type: 'attach-v2',
        clientId: Buffer.from(p.subarray(0, CLIENT_ID_LEN)),
        offset: p.readBigUInt64BE(CLIENT_ID_LEN),
        flags: p.readUInt8(CLIENT_ID_LEN + 8),
        inputSent: p.readBigUInt64BE(CLIENT_ID_LEN + 9),
      };
    case Msg.WELCOME:
      return {
        type: 'welcome',
        version: p.readUInt16BE(0),
        agentVersion: p.subarray(2).toString('utf8'),
      };
    case Msg.ATTACHED:
      return {
        type: 'attached',
        inputAcked: p.readBigUInt64BE(0),
        ringStart: p.readBigUInt64BE(8),
        endOffset: p.readBigUInt64BE(16),
        cols: p.readUInt16BE(24),
        rows: p.readUInt16BE(26),
        pid: p.readUInt32BE(28),
      };
    case Msg.OUTPUT:
      return { type: 'output', offset: p.readBigUInt64BE(0), data: Buffer.from(p.subarray(8)) };
    case Msg.GAP: {
      const from = p.readBigUInt64BE(0);
      const to = p.readBigUInt64BE(8);
      if (to < from)
        return { kind: 'malformed', message: `GAP ends (${to}) before it starts (${from})` };
      return { type: 'gap', from, to };
    }
    case Msg.ACK:
      return { type: 'ack', seq: p.readBigUInt64BE(0) };
    case Msg.EXIT:
      return { type: 'exit', endOffset: p.readBigUInt64BE(0), status: p.readInt32BE(8) };
    case Msg.ERROR:
      return { type: 'error', code: p.readUInt16BE(0), message: p.subarray(2).toString('utf8') };
    case Msg.PONG:
      return { type: 'pong', token: p.readBigUInt64BE(0) };
    case Msg.INFO_REPLY:
      return { type: 'info-reply', json: p.toString('utf8') };
  }
  return { kind: 'malformed', message: `unknown frame type 0x${type.toString(16)}` };
}

/**
 * Incremental decoder: push bytes as they arrive, get whole frames back. After the first
 * malformed frame it stays failed (the link is dropped; the session is untouched).
 */
export class FrameDecoder {
  private _chunks: Buffer[] = [];
  private _buffered = 0;
  private _failed: DecodeError | undefined;

  /** Frames completed by `chunk`, or the error that poisoned this link. */
  push(chunk: Buffer): { frames: Frame[]; error?: DecodeError } {
    const frames: Frame[] = [];
    if (this._failed) return { frames, error: this._failed };
    if (chunk.length > 0) {
      this._chunks.push(chunk);
      this._buffered += chunk.length;
    }
    while (this._buffered >= HEADER_LEN) {
      const head = this._peek(HEADER_LEN);
      const type = head.readUInt8(0);
      const len = head.readUInt32BE(1);
      const bounds = BOUNDS.get(type);
      if (!bounds) return this._fail(frames, `unknown frame type 0x${type.toString(16)}`);
      if (len < bounds[0] || len > bounds[1]) {
        return this._fail(
          frames,
          `frame type 0x${type.toString(16)} has a payload of ${len} bytes (allowed ${bounds[0]}..${bounds[1]})`,
        );
      }
      if (this._buffered < HEADER_LEN + len) break;
      const whole = this._take(HEADER_LEN + len);
      const decoded = decodePayload(type, whole.subarray(HEADER_LEN));
      if ('kind' in decoded) return this._fail(frames, decoded.message);
      frames.push(decoded);
    }
    return { frames };
  }

  /** Bytes held waiting for the rest of a frame (bounded by one frame). */
  get buffered(): number {
    return this._buffered;
  }

  private _fail(frames: Frame[], message: string): { frames: Frame[]; error: DecodeError } {
    this._failed = { kind: 'malformed', message };
    this._chunks = [];
    this._buffered = 0;
    return { frames, error: this._failed };
  }

  private _peek(n: number): Buffer {
    const first = this._chunks[0];
    if (first && first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this._chunks).subarray(0, n);
  }

  private _take(n: number): Buffer {
    const first = this._chunks[0];
    if (first && first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this._chunks.shift();
      else this._chunks[0] = first.subarray(n);
      this._buffered -= n;
      return out;
    }
    const all = Buffer.concat(this._chunks);
    const out = all.subarray(0, n);
    this._chunks = all.length > n ? [all.subarray(n)] : [];
    this._buffered -= n;
    return out;
  }
}
