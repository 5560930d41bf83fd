/**
 * Proves that Node and ssh2 errors are sorted into dial errors in one place, each with a
 * message that says what and how to fix it, and `retryable` set for network trouble only.
 */
import { describe, expect, it } from 'vitest';
import {
  atHop,
  classifyError,
  configError,
  connectTimeoutError,
  forwardError,
  handshakeTimeoutError,
} from '../../main/engine/ssh/errors';

function nodeError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

function ssh2Error(level: string, message: string): Error {
  return Object.assign(new Error(message), { level });
}

const target = { host: '127.0.0.1', port: 2, timeoutSeconds: 15 };

describe('timeout messages name the limit and where it came from', () => {
  const rows = [
    {
      name: 'a ConnectTimeout from the config is named with its value',
      source: 'ConnectTimeout' as const,
      connect: /^Timed out connecting to 127\.0\.0\.1 port 2 after 15 s \(ConnectTimeout 15\): /,
      handshake: /did not finish within 15 s \(ConnectTimeout 15\): .*raise ConnectTimeout\.$/,
    },
    {
      name: "Holdfast's default says that ConnectTimeout is not set",
      source: 'default' as const,
      connect: /after 15 s \(Holdfast's limit while ConnectTimeout is not set\): /,
      handshake: /within 15 s \(Holdfast's limit while ConnectTimeout is not set\): /,
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const t = { ...target, timeoutSource: row.source };
      expect(connectTimeoutError(t).message).toMatch(row.connect);
      expect(handshakeTimeoutError(t).message).toMatch(row.handshake);
    });
  }
});

describe('classifyError', () => {
  const cases: { name: string; err: Error; kind: string; retryable: boolean; message: RegExp }[] = [
    {
      name: 'ENOTFOUND is an unknown host',
      err: nodeError('ENOTFOUND'),
      kind: 'resolve',
      retryable: true,
      message: /^Could not resolve host '127\.0\.0\.1': check the name or your network\.$/,
    },
    {
      name: 'EAI_AGAIN is a resolver outage',
      err: nodeError('EAI_AGAIN'),
      kind: 'resolve',
      retryable: true,
      message: /name server did not answer/,
    },
    {
      name: 'ECONNREFUSED is a refused port',
      err: nodeError('ECONNREFUSED'),
      kind: 'refused',
      retryable: true,
      message:
        /^Connection refused by 127\.0\.0\.1 port 2: is sshd running there, is the port right\?$/,
    },
    {
      name: 'ETIMEDOUT is a connect timeout',
      err: nodeError('ETIMEDOUT'),
      kind: 'timeout',
      retryable: true,
      message: /after 15 s/,
    },
    {
      name: 'ECONNRESET is a cut connection',
      err: nodeError('ECONNRESET'),
      kind: 'network',
      retryable: true,
      message: /was cut \(ECONNRESET\)/,
    },
    {
      name: 'EHOSTUNREACH is no route',
      err: nodeError('EHOSTUNREACH'),
      kind: 'network',
      retryable: true,
      message: /No route to/,
    },
    {
      name: 'ENETUNREACH is no route',
      err: nodeError('ENETUNREACH'),
      kind: 'network',
      retryable: true,
      message: /check your network/,
    },
    {
      name: "ssh2's client-timeout is a handshake timeout",
      err: ssh2Error('client-timeout', 'Timed out while waiting for handshake'),
      kind: 'timeout',
      retryable: true,
      message: /handshake did not finish within 15 s/,
    },
    {
      name: "ssh2's client-socket without a code is network trouble",
      err: ssh2Error('client-socket', 'socket hang up'),
      kind: 'network',
      retryable: true,
      message: /socket hang up/,
    },
    {
      name: 'a connection lost before the handshake is network trouble',
      err: ssh2Error('protocol', 'Connection lost before handshake'),
      kind: 'network',
      retryable: true,
      message: /closed the connection before the SSH handshake/,
    },
    {
      name: 'a failed algorithm negotiation is a protocol error',
      err: ssh2Error('handshake', 'Handshake failed: no matching key exchange algorithm'),
      kind: 'protocol',
      retryable: false,
      message: /no matching key exchange algorithm/,
    },
    {
      name: 'a server disconnect after too many auth tries is auth',
      err: Object.assign(new Error('Too many authentication failures'), { code: 14 }),
      kind: 'auth',
      retryable: false,
      message: /IdentitiesOnly yes/,
    },
    {
      name: 'another server disconnect is a protocol error',
      err: Object.assign(new Error('Bye'), { code: 11 }),
      kind: 'protocol',
      retryable: false,
      message: /disconnected: Bye/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const e = classifyError(c.err, target);
      expect({ kind: e.kind, retryable: e.retryable }).toEqual({
        kind: c.kind,
        retryable: c.retryable,
      });
      expect(e.message).toMatch(c.message);
    });
  }
});

describe('other errors', () => {
  it('a config error names file and line in front of the message', () => {
    expect(configError('bad', '/f', 3)).toEqual({
      kind: 'config',
      retryable: false,
      message: '/f line 3: bad',
      file: '/f',
      line: 3,
    });
  });

  it('a jump host refusing forwarding is a config error with the sshd option to change', () => {
    const e = forwardError(
      Object.assign(new Error('(SSH) Channel open failure: administratively prohibited'), {
        reason: 1,
      }),
      'u@hop',
      target,
    );
    expect(e.kind).toBe('config');
    expect(e.message).toMatch(/AllowTcpForwarding/);
  });

  it('a jump host that cannot connect onward reports refused for the next hop', () => {
    const e = forwardError(
      Object.assign(new Error('(SSH) Channel open failure: Connection refused'), { reason: 2 }),
      'u@hop',
      target,
    );
    expect(e).toMatchObject({ kind: 'refused', host: '127.0.0.1', port: 2, retryable: true });
  });

  it('an error at a jump host says which one', () => {
    const e = atHop(classifyError(nodeError('ECONNREFUSED'), target), 'u@hop:22');
    expect(e.hop).toBe('u@hop:22');
    expect(e.message).toMatch(/^Via jump host u@hop:22: Connection refused/);
  });
});
