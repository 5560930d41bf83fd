// Proves the -D SOCKS parser byte by byte: SOCKS4, 4a and 5 CONNECT requests give their
// target and how many bytes they took (what follows is the client's data), partial
// requests ask for more at every cut, and anything else is refused with the reply the
// protocol defines for it.
import { describe, expect, it } from 'vitest';

import { parseSocks, socksReply, SOCKS_MAX_NAME } from '../../main/engine/forward/socks';

const b = (...x: number[]) => Buffer.from(x);

/** Every strict prefix of `req` must ask for more. */
function expectMoreAtEveryCut(req: Buffer, phase: 'start' | 'v5-request'): void {
  for (let i = 0; i < req.length; i++) {
    expect(parseSocks(req.subarray(0, i), phase), `cut at ${i}`).toEqual({ kind: 'more' });
  }
}

describe('SOCKS4 and 4a', () => {
  it('reads a SOCKS4 CONNECT to an IPv4 address with a user id', () => {
    const req = Buffer.concat([b(4, 1, 0x1f, 0x90, 10, 0, 0, 7), Buffer.from('bob'), b(0)]);
    expectMoreAtEveryCut(req, 'start');
    const data = Buffer.concat([req, Buffer.from('GET /')]);
    expect(parseSocks(data, 'start')).toEqual({
      kind: 'connect',
      version: 4,
      target: { host: '10.0.0.7', port: 8080 },
      consumed: req.length,
    });
  });

  it('reads a SOCKS4a CONNECT carrying a host name', () => {
    const req = Buffer.concat([b(4, 1, 0, 80, 0, 0, 0, 1), b(0), Buffer.from('example.org'), b(0)]);
    expectMoreAtEveryCut(req, 'start');
    expect(parseSocks(req, 'start')).toEqual({
      kind: 'connect',
      version: 4,
      target: { host: 'example.org', port: 80 },
      consumed: req.length,
    });
  });

  it('refuses BIND and an endless user id with the rejected reply', () => {
    const bind = parseSocks(b(4, 2, 0, 80, 1, 2, 3, 4, 0), 'start');
    expect(bind).toMatchObject({ kind: 'refuse', reply: b(0, 0x5b, 0, 0, 0, 0, 0, 0) });
    const long = Buffer.concat([
      b(4, 1, 0, 80, 1, 2, 3, 4),
      Buffer.alloc(SOCKS_MAX_NAME + 1, 0x41),
    ]);
    expect(parseSocks(long, 'start')).toMatchObject({
      kind: 'refuse',
      message: /user id is too long/,
    });
  });

  it('answers granted and rejected in 8 bytes', () => {
    expect(socksReply(4, 'ok')).toEqual(b(0, 0x5a, 0, 0, 0, 0, 0, 0));
    expect(socksReply(4, 'refused')).toEqual(b(0, 0x5b, 0, 0, 0, 0, 0, 0));
  });
});

describe('SOCKS5', () => {
  it('accepts a greeting that offers no-auth among others', () => {
    const g = b(5, 3, 0x02, 0x00, 0x80);
    expectMoreAtEveryCut(g, 'start');
    expect(parseSocks(Buffer.concat([g, b(5)]), 'start')).toEqual({
      kind: 'greeted',
      reply: b(5, 0),
      consumed: 5,
    });
  });

  it('refuses a greeting without no-auth with 0xFF', () => {
    expect(parseSocks(b(5, 1, 0x02), 'start')).toMatchObject({ kind: 'refuse', reply: b(5, 0xff) });
  });

  it.each([
    ['IPv4', b(5, 1, 0, 1, 127, 0, 0, 1, 0x15, 0xb3), { host: '127.0.0.1', port: 5555 }],
    [
      'a name',
      Buffer.concat([b(5, 1, 0, 3, 9), Buffer.from('db.intern'), b(0x15, 0x38)]),
      { host: 'db.intern', port: 5432 },
    ],
    [
      'IPv6',
      b(5, 1, 0, 4, ...Array<number>(15).fill(0), 1, 0, 22),
      { host: '0:0:0:0:0:0:0:1', port: 22 },
    ],
  ])('reads a CONNECT to %s', (_what, req, target) => {
    expectMoreAtEveryCut(req, 'v5-request');
    const withData = Buffer.concat([req, Buffer.from('hello')]);
    expect(parseSocks(withData, 'v5-request')).toEqual({
      kind: 'connect',
      version: 5,
      target,
      consumed: req.length,
    });
  });

  it('refuses BIND/UDP and unknown address types with their reply codes', () => {
    expect(parseSocks(b(5, 2, 0, 1, 1, 2, 3, 4, 0, 80), 'v5-request')).toMatchObject({
      kind: 'refuse',
      reply: b(5, 0x07, 0, 1, 0, 0, 0, 0, 0, 0),
    });
    expect(parseSocks(b(5, 1, 0, 9, 1, 2), 'v5-request')).toMatchObject({
      kind: 'refuse',
      reply: b(5, 0x08, 0, 1, 0, 0, 0, 0, 0, 0),
    });
  });

  it('answers each outcome with its RFC 1928 code', () => {
    expect(socksReply(5, 'ok')[1]).toBe(0x00);
    expect(socksReply(5, 'failed')[1]).toBe(0x01);
    expect(socksReply(5, 'not-allowed')[1]).toBe(0x02);
    expect(socksReply(5, 'unreachable')[1]).toBe(0x04);
    expect(socksReply(5, 'refused')[1]).toBe(0x05);
  });
});

it('refuses what is not SOCKS at all, naming the first byte', () => {
  expect(parseSocks(Buffer.from('GET / HTTP/1.1\r\n'), 'start')).toEqual({
    kind: 'refuse',
    reply: undefined,
    message: 'not a SOCKS 4 or 5 request (first byte 0x47); point a SOCKS client at this port',
  });
});
