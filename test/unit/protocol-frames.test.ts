// Proves the TypeScript codec round-trips every frame type, reassembles frames split at
// any byte, and refuses malformed headers before reading a payload.
import { describe, expect, it } from 'vitest';
import {
  encodeFrame,
  encodeFrameParts,
  FrameDecoder,
  HEADER_LEN,
  isAgentFrame,
  MAX_DATA,
  MAX_PAYLOAD,
  type Frame,
} from '../../main/engine/protocol/frames';

const id = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const samples: Frame[] = [
  { type: 'hello', min: 1, max: 3, name: 'holdfast/0.1.0' },
  { type: 'attach', clientId: id, offset: 123456789012n, flags: 1 },
  { type: 'input', seq: 7n, data: Buffer.from('ls\r') },
  { type: 'resize', cols: 132, rows: 43 },
  { type: 'signal', signal: 2 },
  { type: 'detach' },
  { type: 'ping', token: 99n },
  { type: 'info' },
  { type: 'welcome', version: 1, agentVersion: 'holdfast-agent 0.1.0' },
  {
    type: 'attached',
    inputAcked: 6n,
    ringStart: 10n,
    endOffset: 20n,
    cols: 80,
    rows: 24,
    pid: 4242,
  },
  { type: 'output', offset: 2n ** 40n, data: Buffer.from('hello\r\n') },
  { type: 'gap', from: 5n, to: 500n },
  { type: 'ack', seq: 6n },
  { type: 'exit', endOffset: 20n, status: 130 },
  { type: 'error', code: 2, message: 'bad frame' },
  { type: 'pong', token: 99n },
  { type: 'info-reply', json: '{"id":"abc"}' },
];

describe('frame codec', () => {
  it.each(samples.map((f) => [f.type, f] as const))('round-trips a %s frame', (_t, f) => {
    const { frames, error } = new FrameDecoder().push(encodeFrame(f));
    expect(error).toBeUndefined();
    expect(frames).toEqual([f]);
  });

  it('reassembles a stream of frames fed one byte at a time', () => {
    const stream = Buffer.concat(samples.map(encodeFrame));
    const dec = new FrameDecoder();
    const out: Frame[] = [];
    for (const b of stream) out.push(...dec.push(Buffer.of(b)).frames);
    expect(out).toEqual(samples);
    expect(dec.buffered).toBe(0);
  });

  it('refuses a length beyond the limit from the header alone', () => {
    const head = Buffer.alloc(5);
    head.writeUInt8(0x83, 0);
    head.writeUInt32BE(MAX_PAYLOAD + 1, 1);
    const r = new FrameDecoder().push(head);
    expect(r.error?.message).toMatch(/payload of 1048577 bytes/);
  });

  it('refuses an output frame carrying more than one data block', () => {
    const head = Buffer.alloc(5);
    head.writeUInt8(0x83, 0);
    head.writeUInt32BE(8 + MAX_DATA + 1, 1);
    expect(new FrameDecoder().push(head).error).toBeDefined();
  });

  it('refuses an unknown type and stays failed afterwards', () => {
    const dec = new FrameDecoder();
    expect(dec.push(Buffer.from('7f00000000', 'hex')).error?.message).toMatch(
      /unknown frame type 0x7f/,
    );
    expect(dec.push(encodeFrame({ type: 'detach' })).frames).toEqual([]);
  });

  it('refuses a payload shorter than its fixed fields', () => {
    expect(new FrameDecoder().push(Buffer.from('820000000400000000', 'hex')).error).toBeDefined();
  });

  it('refuses a gap that ends before it starts', () => {
    const bad = encodeFrame({ type: 'gap', from: 10n, to: 5n });
    expect(new FrameDecoder().push(bad).error?.message).toMatch(/before it starts/);
  });

  it('tells the frames an agent sends from those only a client sends', () => {
    const agentTypes = samples.filter(isAgentFrame).map((f) => f.type);
    expect(agentTypes).toEqual([
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
  });

  it('encodes a frame as one buffer of its own, header and payload in place', () => {
    const data = Buffer.from('typed');
    const f = encodeFrame({ type: 'input', seq: 9n, data });
    expect(f.length).toBe(HEADER_LEN + 8 + data.length);
    data[0] = 0x58; // the frame is not a view of the caller's data
    expect(f.subarray(HEADER_LEN + 8).toString()).toBe('typed');
  });

  it('writes a 64 KiB INPUT as its header and the data itself, the same bytes uncopied', () => {
    const data = Buffer.alloc(MAX_DATA, 0x61);
    const parts = encodeFrameParts({ type: 'input', seq: 3n, data });
    expect(parts).toHaveLength(2);
    expect(parts[1]).toBe(data); // the caller's buffer: no 64 KiB allocated and copied
    expect(Buffer.concat(parts)).toEqual(encodeFrame({ type: 'input', seq: 3n, data }));
    // keystrokes, and data that does not fill whole SSH packets, stay one buffer
    for (const n of [1, 40_000, MAX_DATA - 1]) {
      const f: Frame = { type: 'input', seq: 4n, data: Buffer.alloc(n, 0x62) };
      expect(encodeFrameParts(f)).toEqual([encodeFrame(f)]);
    }
    expect(encodeFrameParts({ type: 'ping', token: 5n })).toEqual([
      encodeFrame({ type: 'ping', token: 5n }),
    ]);
  });

  it('hands OUTPUT data up as a view of the pushed chunk, not a copy', () => {
    const chunk = Buffer.concat([
      encodeFrame({ type: 'output', offset: 0n, data: Buffer.from('hello') }),
      encodeFrame({ type: 'output', offset: 5n, data: Buffer.from('world') }),
    ]);
    const { frames } = new FrameDecoder().push(chunk);
    const datas = frames.map((f) => (f as { data: Buffer }).data);
    expect(datas.map(String)).toEqual(['hello', 'world']);
    chunk.fill(0x2e); // a view sees the chunk's bytes change; a copy would not
    expect(datas.map(String)).toEqual(['.....', '.....']);
  });

  it('keeps a frame that spans chunks whole in a buffer of its own', () => {
    const whole = encodeFrame({ type: 'output', offset: 0n, data: Buffer.from('split me') });
    const first = Buffer.from(whole.subarray(0, 9));
    const d = new FrameDecoder();
    expect(d.push(first).frames).toEqual([]);
    const { frames } = d.push(Buffer.from(whole.subarray(9)));
    first.fill(0); // the caller's first chunk may be gone by now
    expect(String((frames[0] as { data: Buffer }).data)).toBe('split me');
  });

  it('copies only the spanning frame: the next one that follows in the chunk is left as is', () => {
    const a = encodeFrame({ type: 'output', offset: 0n, data: Buffer.from('first frame') });
    const b = encodeFrame({ type: 'output', offset: 11n, data: Buffer.from('second') });
    const d = new FrameDecoder();
    expect(d.push(Buffer.from(a.subarray(0, 6))).frames).toEqual([]);
    // the rest of A and all of B in one chunk: A is copied whole, B stays a view of it
    const chunk = Buffer.concat([a.subarray(6), b]);
    const { frames } = d.push(chunk);
    expect(frames.map((f) => String((f as { data: Buffer }).data))).toEqual([
      'first frame',
      'second',
    ]);
    chunk.fill(0x2e, a.length - 6 + HEADER_LEN + 8);
    expect(String((frames[1] as { data: Buffer }).data)).toBe('......');
    expect(String((frames[0] as { data: Buffer }).data)).toBe('first frame');
  });
});
