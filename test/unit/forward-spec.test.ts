// Proves the -L/-R/-D specifications are read as ssh(1) reads them (bind address, IPv6 in
// brackets, Unix sockets), refused with a message naming the form to write, and where a
// local forward listens (loopback unless asked, GatewayPorts).
import { describe, expect, it } from 'vitest';

import { localBindAddresses, remoteBindAddress } from '../../main/engine/forward/bindAddress';
import { forwardText, parseForward } from '../../main/engine/forward/forwardSpec';

describe('parseForward', () => {
  it.each([
    [
      'local',
      '8080:db:5432',
      {
        kind: 'local',
        listen: { kind: 'tcp', host: undefined, port: 8080 },
        target: { kind: 'tcp', host: 'db', port: 5432 },
      },
    ],
    [
      'local',
      '0.0.0.0:8080:db:5432',
      {
        kind: 'local',
        listen: { kind: 'tcp', host: '0.0.0.0', port: 8080 },
        target: { kind: 'tcp', host: 'db', port: 5432 },
      },
    ],
    [
      'local',
      '*:8080:db:5432',
      {
        kind: 'local',
        listen: { kind: 'tcp', host: '*', port: 8080 },
        target: { kind: 'tcp', host: 'db', port: 5432 },
      },
    ],
    [
      'local',
      ':8080:db:5432',
      {
        kind: 'local',
        listen: { kind: 'tcp', host: '', port: 8080 },
        target: { kind: 'tcp', host: 'db', port: 5432 },
      },
    ],
    [
      'local',
      '[::1]:8080:[fe80::1]:22',
      {
        kind: 'local',
        listen: { kind: 'tcp', host: '::1', port: 8080 },
        target: { kind: 'tcp', host: 'fe80::1', port: 22 },
      },
    ],
    [
      'local',
      '8080:/run/pg.sock',
      {
        kind: 'local',
        listen: { kind: 'tcp', host: undefined, port: 8080 },
        target: { kind: 'unix', path: '/run/pg.sock' },
      },
    ],
    [
      'local',
      'localhost:8080:/run/pg.sock',
      {
        kind: 'local',
        listen: { kind: 'tcp', host: 'localhost', port: 8080 },
        target: { kind: 'unix', path: '/run/pg.sock' },
      },
    ],
    [
      'local',
      '/tmp/l.sock:db:5432',
      {
        kind: 'local',
        listen: { kind: 'unix', path: '/tmp/l.sock' },
        target: { kind: 'tcp', host: 'db', port: 5432 },
      },
    ],
    [
      'remote',
      '0:localhost:3000',
      {
        kind: 'remote',
        listen: { kind: 'tcp', host: undefined, port: 0 },
        target: { kind: 'tcp', host: 'localhost', port: 3000 },
      },
    ],
    [
      'remote',
      '*:9000:10.0.0.5:80',
      {
        kind: 'remote',
        listen: { kind: 'tcp', host: '*', port: 9000 },
        target: { kind: 'tcp', host: '10.0.0.5', port: 80 },
      },
    ],
    ['dynamic', '1080', { kind: 'dynamic', listen: { kind: 'tcp', host: undefined, port: 1080 } }],
    [
      'dynamic',
      '[::1]:1080',
      { kind: 'dynamic', listen: { kind: 'tcp', host: '::1', port: 1080 } },
    ],
  ] as const)('reads %s %s', (kind, spec, want) => {
    const r = parseForward(kind, spec);
    expect(r).toEqual({ ok: true, value: want });
    if (r.ok) expect(parseForward(kind, forwardText(r.value))).toEqual(r);
  });

  it.each([
    [
      'local',
      '8080',
      /Bad -L forwarding '8080': the target host:hostport is missing\. Write \[bind_address:\]port:host:hostport/,
    ],
    ['local', '8080:db', /wrong number of fields/],
    ['local', '0:db:80', /port 0 is out of range/],
    ['local', '70000:db:80', /port 70000 is out of range/],
    ['local', 'http:db:80', /'http' is not a port number/],
    ['local', '8080:db:x', /target 'x' is not a port number/],
    ['local', '[::1:8080:db:80', /a "\[" has no closing "\]"/],
    ['local', '8080::80', /a field is empty/],
    ['remote', '8080', /remote SOCKS forward .* not supported/],
    ['remote', '/tmp/s:db:80', /remote Unix-socket listener is not supported/],
    ['dynamic', 'a:b:c', /too many fields/],
    [
      'dynamic',
      '0',
      /Bad -D forwarding '0': port 0 is out of range.*Write \[bind_address:\]port \(e\.g\. 1080\)/,
    ],
  ] as const)('refuses %s %s with the form to write', (kind, spec, msg) => {
    const r = parseForward(kind, spec);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(msg);
  });
});

describe('where a forward listens', () => {
  it('binds local listeners to loopback unless GatewayPorts or an explicit address says otherwise', () => {
    expect(localBindAddresses(undefined, false)).toEqual(['127.0.0.1', '::1']);
    expect(localBindAddresses(undefined, true)).toEqual(['']);
    expect(localBindAddresses('localhost', true)).toEqual(['127.0.0.1', '::1']);
    expect(localBindAddresses('*', false)).toEqual(['']);
    expect(localBindAddresses('', false)).toEqual(['']);
    expect(localBindAddresses('192.0.2.7', false)).toEqual(['192.0.2.7']);
  });

  it('asks the server for -R the way ssh does', () => {
    expect(remoteBindAddress(undefined)).toBe('localhost');
    expect(remoteBindAddress('*')).toBe('');
    expect(remoteBindAddress('')).toBe('');
    expect(remoteBindAddress('0.0.0.0')).toBe('0.0.0.0');
  });
});
