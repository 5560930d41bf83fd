// Proves the client reads a remote forward's agent listener (`holdfast-agent listen`) as
// the agent writes it: `listening PORT` and `conn N ADDR PORT` (an IPv6 address bracketed
// for the panel), and lines it does not know are no event.
import { describe, expect, it } from 'vitest';
import { parseListenLine } from '../../main/engine/forward/agentListener';
import { isCarriedSession } from '../../main/engine/forward/carriedSession';

describe('parseListenLine', () => {
  it('reads listening and conn lines', () => {
    expect(parseListenLine('listening 8080')).toEqual({ kind: 'listening', port: 8080 });
    expect(parseListenLine('conn 3 127.0.0.1 53122')).toEqual({
      kind: 'connection',
      n: 3,
      from: '127.0.0.1:53122',
    });
    expect(parseListenLine('conn 4 ::1 40000')).toEqual({
      kind: 'connection',
      n: 4,
      from: '[::1]:40000',
    });
  });

  it('gives no event for a line it does not know', () => {
    for (const l of ['', 'listening', 'listening x', 'conn 1 127.0.0.1', 'hello 1 2 3'])
      expect(parseListenLine(l), l).toBeUndefined();
  });
});

describe("a remote forward's sessions in a session list", () => {
  it('are carried connections, like nc', () => {
    const base = { pipes: true };
    const agent = '/h/.holdfast/bin/holdfast-agent';
    expect(
      isCarriedSession({
        ...base,
        name: 'forward listen localhost:8080 #a1b2c3',
        command: `${agent} listen --bind localhost 8080 0123456789abcdef01234567`,
      }),
    ).toBe(true);
    expect(
      isCarriedSession({
        ...base,
        name: 'forward take localhost:8080/2 #a1b2c3',
        command: `${agent} take 0123456789abcdef01234567 2`,
      }),
    ).toBe(true);
  });
});
