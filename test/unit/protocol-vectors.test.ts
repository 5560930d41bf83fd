// Proves the TypeScript codec reads the wire format exactly as the C agent does: every
// shared vector in remote-agent/vectors/ decodes to its text form (or is refused for the
// stated reason), and every valid frame re-encodes to the same bytes.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, type Frame } from '../../main/engine/protocol/frames';

const dir = new URL('../../remote-agent/vectors/', import.meta.url);
const vectors = readdirSync(dir)
  .filter((n) => n.endsWith('.txt'))
  .sort()
  .flatMap((n) => readFileSync(new URL(n, dir), 'utf8').split('\n'))
  .filter((l) => l.length > 0 && !l.startsWith('#'))
  .map((l) => {
    const [name, hex, text] = l.split('\t');
    return { name: name!, bytes: Buffer.from(hex ?? '', 'hex'), text: text ?? '' };
  });

function str(b: Buffer): string {
  let s = '"';
  for (const c of b)
    s +=
      c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c
        ? String.fromCharCode(c)
        : `\\x${c.toString(16).padStart(2, '0')}`;
  return `${s}"`;
}
const u = (s: string) => Buffer.from(s, 'utf8');

/** The text form of remote-agent/vectors/README.md. */
function describeFrame(f: Frame): string {
  switch (f.type) {
    case 'hello':
      return `HELLO min=${f.min} max=${f.max} name=${str(u(f.name))}`;
    case 'attach':
      return `ATTACH client_id=${f.clientId.toString('hex')} offset=${f.offset} flags=${f.flags}`;
    case 'input':
      return `INPUT seq=${f.seq} data=${f.data.toString('hex')}`;
    case 'resize':
      return `RESIZE cols=${f.cols} rows=${f.rows}`;
    case 'signal':
      return `SIGNAL signal=${f.signal}`;
    case 'detach':
      return 'DETACH';
    case 'ping':
      return `PING token=${f.token}`;
    case 'info':
      return 'INFO';
    case 'keepalive':
      return 'KEEPALIVE';
    case 'shown':
      return `SHOWN offset=${f.offset}`;
    case 'attach-v2':
      return `ATTACH_V2 client_id=${f.clientId.toString('hex')} offset=${f.offset} flags=${f.flags} input_sent=${f.inputSent}`;
    case 'attach-pipes':
      return `ATTACH_PIPES client_id=${f.clientId.toString('hex')} offset=${f.offset} flags=${f.flags} input_sent=${f.inputSent} err_offset=${f.errOffset}`;
    case 'pipes-shown':
      return `PIPES_SHOWN offset=${f.offset} err_offset=${f.errOffset}`;
    case 'input-eof':
      return `INPUT_EOF seq=${f.seq}`;
    case 'err-output':
      return `ERR_OUTPUT offset=${f.offset} data=${f.data.toString('hex')}`;
    case 'err-gap':
      return `ERR_GAP from=${f.from} to=${f.to}`;
    case 'attached-pipes':
      return `ATTACHED_PIPES input_acked=${f.inputAcked} ring_start=${f.ringStart} end_offset=${f.endOffset} err_start=${f.errStart} err_end=${f.errEnd} from=${f.from} err_from=${f.errFrom} pid=${f.pid}`;
    case 'exit-pipes':
      return `EXIT_PIPES end_offset=${f.endOffset} err_end=${f.errEnd} status=${f.status} signal=${f.signal}`;
    case 'welcome':
      return `WELCOME version=${f.version} agent=${str(u(f.agentVersion))}`;
    case 'attached':
      return `ATTACHED input_acked=${f.inputAcked} ring_start=${f.ringStart} end_offset=${f.endOffset} cols=${f.cols} rows=${f.rows} pid=${f.pid}`;
    case 'output':
      return `OUTPUT offset=${f.offset} data=${f.data.toString('hex')}`;
    case 'gap':
      return `GAP from=${f.from} to=${f.to}`;
    case 'ack':
      return `ACK seq=${f.seq}`;
    case 'exit':
      return `EXIT end_offset=${f.endOffset} status=${f.status}`;
    case 'error':
      return `ERROR code=${f.code} message=${str(u(f.message))}`;
    case 'pong':
      return `PONG token=${f.token}`;
    case 'info-reply':
      return `INFO_REPLY json=${str(u(f.json))}`;
    case 'agent-ready':
      return 'AGENT_READY';
    case 'agent-reply':
      return `AGENT_REPLY request_id=${f.requestId} data=${f.data.toString('hex')}`;
    case 'agent-request':
      return `AGENT_REQUEST request_id=${f.requestId} data=${f.data.toString('hex')}`;
    case 'agent-none':
      return 'AGENT_NONE';
  }
}

function classify(message: string): string {
  if (/unknown frame type/.test(message)) return '!type';
  if (/payload of/.test(message)) return '!length';
  return '!value';
}

describe('shared protocol vectors', () => {
  it('has vectors to check', () => {
    expect(vectors.length).toBeGreaterThan(50);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s', (_n, v) => {
    const { frames, error } = new FrameDecoder().push(v.bytes);
    if (v.text.startsWith('!')) {
      if (v.text === '!incomplete') {
        expect(error).toBeUndefined();
        expect(frames).toEqual([]);
      } else {
        expect(error && classify(error.message)).toBe(v.text);
      }
      return;
    }
    expect(error).toBeUndefined();
    expect(frames).toHaveLength(1);
    expect(describeFrame(frames[0]!)).toBe(v.text);
    expect(encodeFrame(frames[0]!).toString('hex')).toBe(v.bytes.toString('hex'));
  });
});
