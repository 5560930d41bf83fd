// The agent protocol's frames (remote-agent/PROTOCOL.md, versions 1..4): types, encoder and
// an incremental decoder. Pure: bytes in, values out; no sockets, no timers.
//
// Frame layout (all integers big-endian):
//   u8 type | u32 payload length | payload
// A receiver checks type and length against the limits before reading the payload.

export const PROTOCOL_MIN = 1;
export const PROTOCOL_MAX = 5;
/** The first version with sessions without a terminal (PROTOCOL.md "Pipes"). */
export const PROTOCOL_PIPES = 4;
/** The first version whose terminal sessions keep a resume socket per client id. */
export const PROTOCOL_PUSH = 5;

/** Version 2: how often a client sends a frame on an attached link (PROTOCOL.md
 * "KEEPALIVE"), so the agent counts it live however slowly it takes output. */
export const KEEPALIVE_INTERVAL_MS = 4_000;

/** Largest payload any frame may carry (1 MiB). */
export const MAX_PAYLOAD = 1 << 20;
/** Largest data block in one INPUT or OUTPUT frame. */
export const MAX_DATA = 65_536;
export const HEADER_LEN = 5;
/** Version 4: the largest ssh-agent message body one AGENT_REQUEST or AGENT_REPLY carries
 * (the agent's HF_AGENT_MAX_MSG): a key list or a signature request is far smaller. */
export const AGENT_MAX_MSG = 65_536;
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
  /** Version 4: this client answers forwarded agent requests. */
  AGENT_READY: 0x10,
  /** Version 4: the answer to an AGENT_REQUEST. */
  AGENT_REPLY: 0x11,
  /** Version 4, pipes: ATTACH_V2 plus the stderr offset. */
  ATTACH_PIPES: 0x0c,
  /** Version 4, pipes: stdout and stderr written up to these offsets. */
  PIPES_SHOWN: 0x0d,
  /** Version 4, pipes: end of stdin, numbered like INPUT. */
  INPUT_EOF: 0x0e,
  WELCOME: 0x81,
  ATTACHED: 0x82,
  OUTPUT: 0x83,
  GAP: 0x84,
  ACK: 0x85,
  EXIT: 0x86,
  ERROR: 0x87,
  PONG: 0x88,
  INFO_REPLY: 0x89,
  /** Version 4: a program in the session asks the forwarded agent. */
  AGENT_REQUEST: 0x8e,
  /** Version 4: AGENT_READY on a session started without forwarding (no agent socket). */
  AGENT_NONE: 0x8f,
  /** Version 4, pipes: stderr data, at stderr's own offsets. */
  ERR_OUTPUT: 0x8a,
  ERR_GAP: 0x8b,
  ATTACHED_PIPES: 0x8c,
  EXIT_PIPES: 0x8d,
} as const;

/** FROM_ACKED (ATTACH_PIPES only): start where the session's clients acknowledged. TAIL
 * (ATTACH_V2, version 4): `offset` is how many bytes before the end to start, at a line
 * start; what comes before reaches the client as one GAP from 0. */
export const AttachFlag = { REDRAW: 1, FROM_END: 2, FROM_ACKED: 4, TAIL: 8 } as const;

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
  | { type: 'shown'; offset: bigint }
  | { type: 'agent-ready' }
  | { type: 'agent-reply'; requestId: number; data: Buffer }
  | {
      type: 'attach-pipes';
      clientId: Buffer;
      offset: bigint;
      flags: number;
      inputSent: bigint;
      errOffset: bigint;
    }
  | { type: 'pipes-shown'; offset: bigint; errOffset: bigint }
  | { type: 'input-eof'; seq: bigint };

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
  | { type: 'info-reply'; json: string }
  | { type: 'agent-request'; requestId: number; data: Buffer }
  | { type: 'agent-none' }
  | { type: 'err-output'; offset: bigint; data: Buffer }
  | { type: 'err-gap'; from: bigint; to: bigint }
  | {
      type: 'attached-pipes';
      inputAcked: bigint;
      ringStart: bigint;
      endOffset: bigint;
      errStart: bigint;
      errEnd: bigint;
      /** Where this link's stdout and stderr continue (FROM_ACKED: the acknowledged). */
      from: bigint;
      errFrom: bigint;
      pid: number;
    }
  | { type: 'exit-pipes'; endOffset: bigint; errEnd: bigint; status: number; signal: number };

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
  'agent-request',
  'agent-none',
  'err-output',
  'err-gap',
  'attached-pipes',
  'exit-pipes',
]);

/** Whether a decoded frame is one only the agent sends (a client must see nothing else). */
export function isAgentFrame(f: Frame): f is AgentFrame {
  return AGENT_FRAME_TYPES.has(f.type);
}

/** One buffer for a whole frame, its header written: the caller fills the payload in
 * place after HEADER_LEN (one allocation per frame, as WezTerm's codec does per PDU). */
function frameOf(type: number, payloadLen: number): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LEN + payloadLen);
  out[0] = type;
  out.writeUInt32BE(payloadLen, 1);
  return out;
}

function withU64(type: number, v: bigint): Buffer {
  const out = frameOf(type, 8);
  out.writeBigUInt64BE(v, HEADER_LEN);
  return out;
}

/** A request id, then an ssh-agent message (AGENT_REQUEST, AGENT_REPLY). */
function withAgentMessage(type: number, requestId: number, data: Buffer): Buffer {
  const out = frameOf(type, 4 + data.length);
  out.writeUInt32BE(requestId, HEADER_LEN);
  out.set(data, HEADER_LEN + 4);
  return out;
}

/** Some u16s, then `text` in UTF-8 (HELLO, WELCOME, ERROR, INFO_REPLY). */
function withU16Text(type: number, head: number[], text: string): Buffer {
  const at = HEADER_LEN + 2 * head.length;
  const out = frameOf(type, 2 * head.length + Buffer.byteLength(text, 'utf8'));
  head.forEach((v, i) => out.writeUInt16BE(v, HEADER_LEN + 2 * i));
  out.write(text, at, 'utf8');
  return out;
}

/** An offset or sequence number followed by data (INPUT, OUTPUT). */
function withU64Data(type: number, v: bigint, data: Buffer): Buffer {
  const out = frameOf(type, 8 + data.length);
  out.writeBigUInt64BE(v, HEADER_LEN);
  out.set(data, HEADER_LEN + 8);
  return out;
}

/** ATTACH, then ATTACH_V2's input_sent, then ATTACH_PIPES's err_offset. */
function withAttach(
  type: number,
  f: { clientId: Buffer; offset: bigint; flags: number },
  ...tail: bigint[]
): Buffer {
  const out = frameOf(type, CLIENT_ID_LEN + 9 + 8 * tail.length);
  out.set(f.clientId, HEADER_LEN);
  out.writeBigUInt64BE(f.offset, HEADER_LEN + CLIENT_ID_LEN);
  out[HEADER_LEN + CLIENT_ID_LEN + 8] = f.flags;
  tail.forEach((v, i) => out.writeBigUInt64BE(v, HEADER_LEN + CLIENT_ID_LEN + 9 + 8 * i));
  return out;
}

/** Some u64s (GAP, ERR_GAP, PIPES_SHOWN). */
function withU64s(type: number, ...vs: bigint[]): Buffer {
  const out = frameOf(type, 8 * vs.length);
  vs.forEach((v, i) => out.writeBigUInt64BE(v, HEADER_LEN + 8 * i));
  return out;
}

/** OpenSSH's largest channel packet (sshd's CHAN_TCP_PACKET_DEFAULT and
 * CHAN_SES_PACKET_DEFAULT): what the server lets one SSH packet of a channel carry. */
const SSH_CHANNEL_PACKET = 32 * 1024;

/**
 * A frame as the buffers to write, in order. An INPUT whose data fills whole SSH packets (a
 * 64 KiB chunk of a piped stdin) is its header and the caller's data apart: written so it
 * takes as many packets as in one buffer (13 bytes + 2 × 32 KiB rather than 2 × 32 KiB +
 * 13 bytes), without allocating and copying 64 KiB per frame (a twentieth of the CLI's
 * CPU sending 100 MB). Smaller input (keystrokes) stays one buffer: one packet.
 */
export function encodeFrameParts(f: Frame): Buffer[] {
  if (f.type !== 'input' || f.data.length === 0 || f.data.length % SSH_CHANNEL_PACKET !== 0) {
    return [encodeFrame(f)];
  }
  const head = Buffer.allocUnsafe(HEADER_LEN + 8);
  head[0] = Msg.INPUT;
  head.writeUInt32BE(8 + f.data.length, 1);
  head.writeBigUInt64BE(f.seq, HEADER_LEN);
  return [head, f.data];
}

/** Encodes one frame into a buffer of its own. Callers keep data within MAX_DATA (the
 * session splits input). */
export function encodeFrame(f: Frame): Buffer {
  switch (f.type) {
    case 'hello':
      return withU16Text(Msg.HELLO, [f.min, f.max], f.name);
    case 'attach':
      return withAttach(Msg.ATTACH, f);
    case 'attach-v2':
      return withAttach(Msg.ATTACH_V2, f, f.inputSent);
    case 'input':
      return withU64Data(Msg.INPUT, f.seq, f.data);
    case 'resize': {
      const out = frameOf(Msg.RESIZE, 4);
      out.writeUInt16BE(f.cols, HEADER_LEN);
      out.writeUInt16BE(f.rows, HEADER_LEN + 2);
      return out;
    }
    case 'signal': {
      const out = frameOf(Msg.SIGNAL, 1);
      out[HEADER_LEN] = f.signal;
      return out;
    }
    case 'detach':
      return frameOf(Msg.DETACH, 0);
    case 'ping':
      return withU64(Msg.PING, f.token);
    case 'info':
      return frameOf(Msg.INFO, 0);
    case 'keepalive':
      return frameOf(Msg.KEEPALIVE, 0);
    case 'shown':
      return withU64(Msg.SHOWN, f.offset);
    case 'attach-pipes':
      return withAttach(Msg.ATTACH_PIPES, f, f.inputSent, f.errOffset);
    case 'pipes-shown':
      return withU64s(Msg.PIPES_SHOWN, f.offset, f.errOffset);
    case 'input-eof':
      return withU64(Msg.INPUT_EOF, f.seq);
    case 'welcome':
      return withU16Text(Msg.WELCOME, [f.version], f.agentVersion);
    case 'attached': {
      const out = frameOf(Msg.ATTACHED, 32);
      out.writeBigUInt64BE(f.inputAcked, HEADER_LEN);
      out.writeBigUInt64BE(f.ringStart, HEADER_LEN + 8);
      out.writeBigUInt64BE(f.endOffset, HEADER_LEN + 16);
      out.writeUInt16BE(f.cols, HEADER_LEN + 24);
      out.writeUInt16BE(f.rows, HEADER_LEN + 26);
      out.writeUInt32BE(f.pid, HEADER_LEN + 28);
      return out;
    }
    case 'output':
      return withU64Data(Msg.OUTPUT, f.offset, f.data);
    case 'gap':
      return withU64s(Msg.GAP, f.from, f.to);
    case 'ack':
      return withU64(Msg.ACK, f.seq);
    case 'exit': {
      const out = frameOf(Msg.EXIT, 12);
      out.writeBigUInt64BE(f.endOffset, HEADER_LEN);
      out.writeInt32BE(f.status, HEADER_LEN + 8);
      return out;
    }
    case 'error':
      return withU16Text(Msg.ERROR, [f.code], f.message);
    case 'pong':
      return withU64(Msg.PONG, f.token);
    case 'info-reply':
      return withU16Text(Msg.INFO_REPLY, [], f.json);
    case 'agent-ready':
      return frameOf(Msg.AGENT_READY, 0);
    case 'agent-reply':
      return withAgentMessage(Msg.AGENT_REPLY, f.requestId, f.data);
    case 'agent-request':
      return withAgentMessage(Msg.AGENT_REQUEST, f.requestId, f.data);
    case 'agent-none':
      return frameOf(Msg.AGENT_NONE, 0);
    case 'err-output':
      return withU64Data(Msg.ERR_OUTPUT, f.offset, f.data);
    case 'err-gap':
      return withU64s(Msg.ERR_GAP, f.from, f.to);
    case 'attached-pipes': {
      const out = frameOf(Msg.ATTACHED_PIPES, 60);
      [f.inputAcked, f.ringStart, f.endOffset, f.errStart, f.errEnd, f.from, f.errFrom].forEach(
        (v, i) => out.writeBigUInt64BE(v, HEADER_LEN + 8 * i),
      );
      out.writeUInt32BE(f.pid, HEADER_LEN + 56);
      return out;
    }
    case 'exit-pipes': {
      const out = frameOf(Msg.EXIT_PIPES, 21);
      out.writeBigUInt64BE(f.endOffset, HEADER_LEN);
      out.writeBigUInt64BE(f.errEnd, HEADER_LEN + 8);
      out.writeInt32BE(f.status, HEADER_LEN + 16);
      out[HEADER_LEN + 20] = f.signal;
      return out;
    }
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
  [Msg.ATTACH_PIPES, [CLIENT_ID_LEN + 25, CLIENT_ID_LEN + 25]],
  [Msg.PIPES_SHOWN, [16, 16]],
  [Msg.INPUT_EOF, [8, 8]],
  [Msg.WELCOME, [2, MAX_PAYLOAD]],
  [Msg.ATTACHED, [32, 32]],
  [Msg.OUTPUT, [9, 8 + MAX_DATA]],
  [Msg.GAP, [16, 16]],
  [Msg.ACK, [8, 8]],
  [Msg.EXIT, [12, 12]],
  [Msg.ERROR, [2, MAX_PAYLOAD]],
  [Msg.PONG, [8, 8]],
  [Msg.INFO_REPLY, [0, MAX_PAYLOAD]],
  [Msg.AGENT_READY, [0, 0]],
  [Msg.AGENT_REPLY, [5, 4 + AGENT_MAX_MSG]],
  [Msg.AGENT_REQUEST, [5, 4 + AGENT_MAX_MSG]],
  [Msg.AGENT_NONE, [0, 0]],
  [Msg.ERR_OUTPUT, [9, 8 + MAX_DATA]],
  [Msg.ERR_GAP, [16, 16]],
  [Msg.ATTACHED_PIPES, [60, 60]],
  [Msg.EXIT_PIPES, [21, 21]],
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
      return { type: 'input', seq: p.readBigUInt64BE(0), data: p.subarray(8) };
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
      return { type: 'output', offset: p.readBigUInt64BE(0), data: p.subarray(8) };
    case Msg.GAP:
    case Msg.ERR_GAP: {
      const from = p.readBigUInt64BE(0);
      const to = p.readBigUInt64BE(8);
      const name = type === Msg.GAP ? 'GAP' : 'ERR_GAP';
      if (to < from)
        return { kind: 'malformed', message: `${name} ends (${to}) before it starts (${from})` };
      return { type: type === Msg.GAP ? 'gap' : 'err-gap', from, to };
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
    case Msg.AGENT_READY:
      return { type: 'agent-ready' };
    case Msg.AGENT_NONE:
      return { type: 'agent-none' };
    case Msg.AGENT_REPLY:
    case Msg.AGENT_REQUEST:
      return {
        type: type === Msg.AGENT_REPLY ? 'agent-reply' : 'agent-request',
        requestId: p.readUInt32BE(0),
        data: Buffer.from(p.subarray(4)),
      };
    case Msg.ATTACH_PIPES:
      return {
        type: 'attach-pipes',
        clientId: Buffer.from(p.subarray(0, CLIENT_ID_LEN)),
        offset: p.readBigUInt64BE(CLIENT_ID_LEN),
        flags: p.readUInt8(CLIENT_ID_LEN + 8),
        inputSent: p.readBigUInt64BE(CLIENT_ID_LEN + 9),
        errOffset: p.readBigUInt64BE(CLIENT_ID_LEN + 17),
      };
    case Msg.PIPES_SHOWN:
      return { type: 'pipes-shown', offset: p.readBigUInt64BE(0), errOffset: p.readBigUInt64BE(8) };
    case Msg.INPUT_EOF:
      return { type: 'input-eof', seq: p.readBigUInt64BE(0) };
    case Msg.ERR_OUTPUT:
      return { type: 'err-output', offset: p.readBigUInt64BE(0), data: p.subarray(8) };
    case Msg.ATTACHED_PIPES:
      return {
        type: 'attached-pipes',
        inputAcked: p.readBigUInt64BE(0),
        ringStart: p.readBigUInt64BE(8),
        endOffset: p.readBigUInt64BE(16),
        errStart: p.readBigUInt64BE(24),
        errEnd: p.readBigUInt64BE(32),
        from: p.readBigUInt64BE(40),
        errFrom: p.readBigUInt64BE(48),
        pid: p.readUInt32BE(56),
      };
    case Msg.EXIT_PIPES:
      return {
        type: 'exit-pipes',
        endOffset: p.readBigUInt64BE(0),
        errEnd: p.readBigUInt64BE(8),
        status: p.readInt32BE(16),
        signal: p.readUInt8(20),
      };
  }
  return { kind: 'malformed', message: `unknown frame type 0x${type.toString(16)}` };
}

/**
 * Incremental decoder: push bytes as they arrive, get whole frames back. After the first
 * malformed frame it stays failed (the link is dropped; the session is untouched).
 *
 * An INPUT's or OUTPUT's `data` is a view into the pushed chunk (or into a buffer of the
 * decoder's own when a frame spans chunks), not a copy: a pushed chunk is handed over and
 * must not be written to afterwards. Node's sockets and ssh2's channels give a fresh
 * buffer per 'data' event, so nothing is copied per payload on the output path.
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
    // Copies the frame's bytes only: what follows it (the next frame's start) stays where
    // it is, not copied again with every frame that spans chunks (a 64 KiB OUTPUT spans
    // three SSH packets of up to 32 KiB).
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this._chunks[0] as Buffer;
      const k = Math.min(c.length, n - at);
      c.copy(out, at, 0, k);
      at += k;
      if (k === c.length) this._chunks.shift();
      else this._chunks[0] = c.subarray(k);
    }
    this._buffered -= n;
    return out;
  }
}
