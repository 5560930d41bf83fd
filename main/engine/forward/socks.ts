// The SOCKS server side of -D, as a pure parser over the bytes received so far: SOCKS4,
// SOCKS4a and SOCKS5 with no authentication and the CONNECT command only (what ssh -D
// offers). The caller keeps the phase and the buffer, sends what this returns, and
// carries the bytes after `consumed` on to the target once connected.
//
// SOCKS4 / 4a request (RFC-less; "SOCKS 4A" note by Ying-Da Lee):
//   VN=4 | CD=1 | DSTPORT(2, BE) | DSTIP(4) | USERID... 0x00 [| HOSTNAME... 0x00 when
//   DSTIP is 0.0.0.x with x != 0 (4a)]
//   reply: 0x00 | 0x5A granted / 0x5B rejected | port(2) | ip(4)
// SOCKS5 (RFC 1928):
//   greeting: VER=5 | NMETHODS | METHODS[NMETHODS]   → 0x05 | 0x00 (no auth) or 0xFF
//   request:  VER=5 | CMD | RSV=0 | ATYP | DST.ADDR | DST.PORT(2, BE)
//             ATYP 1: IPv4 (4) · 3: length(1) + name · 4: IPv6 (16)
//   reply:    VER=5 | REP | RSV=0 | ATYP=1 | 0.0.0.0 | 0 (the bound address is not ours to tell)

export type SocksPhase = 'start' | 'v5-request';
export type SocksTarget = { host: string; port: number };

export type SocksParse =
  /** Not enough bytes yet. */
  | { kind: 'more' }
  /** SOCKS5 greeting answered: send `reply`, drop `consumed` bytes, go to 'v5-request'. */
  | { kind: 'greeted'; reply: Buffer; consumed: number }
  /** A CONNECT: open the target, then send socksReply(version, ...). */
  | { kind: 'connect'; version: 4 | 5; target: SocksTarget; consumed: number }
  /** Not something we serve: send `reply` if any, then close. */
  | { kind: 'refuse'; reply: Buffer | undefined; message: string };

/** Why a CONNECT did not go through, as the reply codes can say it. */
export type SocksOutcome = 'ok' | 'failed' | 'not-allowed' | 'unreachable' | 'refused';

/** Longest user id or host name a SOCKS4/4a request may carry (one byte's worth in v5). */
export const SOCKS_MAX_NAME = 255;

const V5_REPLY: Record<SocksOutcome, number> = {
  ok: 0x00,
  failed: 0x01,
  'not-allowed': 0x02,
  unreachable: 0x04,
  refused: 0x05,
};
const V5_COMMAND_NOT_SUPPORTED = 0x07;
const V5_ADDRESS_NOT_SUPPORTED = 0x08;
const V5_NO_AUTH = 0x00;
const V5_NO_ACCEPTABLE = 0xff;

export function parseSocks(buf: Buffer, phase: SocksPhase): SocksParse {
  if (buf.length < 1) return { kind: 'more' };
  if (phase === 'v5-request') return parseV5Request(buf);
  const version = buf[0];
  if (version === 4) return parseV4(buf);
  if (version === 5) return parseV5Greeting(buf);
  return {
    kind: 'refuse',
    reply: undefined,
    message: `not a SOCKS 4 or 5 request (first byte 0x${(version ?? 0).toString(16).padStart(2, '0')}); point a SOCKS client at this port`,
  };
}

/** The reply to a CONNECT once its outcome is known. */
export function socksReply(version: 4 | 5, outcome: SocksOutcome): Buffer {
  if (version === 4) return Buffer.from([0x00, outcome === 'ok' ? 0x5a : 0x5b, 0, 0, 0, 0, 0, 0]);
  return v5Reply(V5_REPLY[outcome]);
}

function v5Reply(code: number): Buffer {
  return Buffer.from([0x05, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0]);
}

/** Index of the first 0x00 at or after `from`, within SOCKS_MAX_NAME; -1 more; -2 too long. */
function nulAt(buf: Buffer, from: number): number {
  const end = Math.min(buf.length, from + SOCKS_MAX_NAME + 1);
  for (let i = from; i < end; i++) if (buf[i] === 0) return i;
  return buf.length > from + SOCKS_MAX_NAME ? -2 : -1;
}

function parseV4(buf: Buffer): SocksParse {
  if (buf.length < 8) return { kind: 'more' };
  const refuse = (message: string): SocksParse => ({
    kind: 'refuse',
    reply: socksReply(4, 'failed'),
    message,
  });
  if (buf[1] !== 0x01) return refuse(`SOCKS4 command ${buf[1]} is not supported (only CONNECT)`);
  const port = buf.readUInt16BE(2);
  const ip = [buf[4], buf[5], buf[6], buf[7]] as number[];
  const userEnd = nulAt(buf, 8);
  if (userEnd === -1) return { kind: 'more' };
  if (userEnd === -2) return refuse('SOCKS4 user id is too long');
  // 4a: 0.0.0.x (x != 0) means "the host name follows"
  if (ip[0] === 0 && ip[1] === 0 && ip[2] === 0 && ip[3] !== 0) {
    const nameEnd = nulAt(buf, userEnd + 1);
    if (nameEnd === -1) return { kind: 'more' };
    if (nameEnd === -2) return refuse('SOCKS4a host name is too long');
    const host = buf.subarray(userEnd + 1, nameEnd).toString('latin1');
    if (host === '') return refuse('SOCKS4a host name is empty');
    return { kind: 'connect', version: 4, target: { host, port }, consumed: nameEnd + 1 };
  }
  return {
    kind: 'connect',
    version: 4,
    target: { host: ip.join('.'), port },
    consumed: userEnd + 1,
  };
}

function parseV5Greeting(buf: Buffer): SocksParse {
  if (buf.length < 2) return { kind: 'more' };
  const n = buf[1] as number;
  if (buf.length < 2 + n) return { kind: 'more' };
  const methods = buf.subarray(2, 2 + n);
  if (!methods.includes(V5_NO_AUTH)) {
    return {
      kind: 'refuse',
      reply: Buffer.from([0x05, V5_NO_ACCEPTABLE]),
      message: 'the SOCKS5 client offers no method without authentication; set it to no auth',
    };
  }
  return { kind: 'greeted', reply: Buffer.from([0x05, V5_NO_AUTH]), consumed: 2 + n };
}

function parseV5Request(buf: Buffer): SocksParse {
  if (buf.length < 4) return { kind: 'more' };
  if (buf[0] !== 0x05)
    return { kind: 'refuse', reply: undefined, message: `bad SOCKS5 request version ${buf[0]}` };
  const atyp = buf[3];
  let host: string;
  let at: number;
  if (atyp === 0x01) {
    if (buf.length < 4 + 4 + 2) return { kind: 'more' };
    host = [buf[4], buf[5], buf[6], buf[7]].join('.');
    at = 8;
  } else if (atyp === 0x03) {
    if (buf.length < 5) return { kind: 'more' };
    const len = buf[4] as number;
    if (buf.length < 5 + len + 2) return { kind: 'more' };
    host = buf.subarray(5, 5 + len).toString('latin1');
    at = 5 + len;
    if (len === 0)
      return {
        kind: 'refuse',
        reply: v5Reply(V5_REPLY.failed),
        message: 'SOCKS5 host name is empty',
      };
  } else if (atyp === 0x04) {
    if (buf.length < 4 + 16 + 2) return { kind: 'more' };
    const words: string[] = [];
    for (let i = 0; i < 8; i++) words.push(buf.readUInt16BE(4 + i * 2).toString(16));
    host = words.join(':');
    at = 20;
  } else {
    return {
      kind: 'refuse',
      reply: v5Reply(V5_ADDRESS_NOT_SUPPORTED),
      message: `SOCKS5 address type ${atyp} is not supported`,
    };
  }
  if (buf[1] !== 0x01) {
    return {
      kind: 'refuse',
      reply: v5Reply(V5_COMMAND_NOT_SUPPORTED),
      message: `SOCKS5 command ${buf[1]} is not supported (only CONNECT)`,
    };
  }
  const port = buf.readUInt16BE(at);
  return { kind: 'connect', version: 5, target: { host, port }, consumed: at + 2 };
}
