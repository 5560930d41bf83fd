/**
 * Proves the small value languages of the SSH layer: destinations and jump hops as OpenSSH
 * reads them, host pattern lists with negation, %-tokens, ${VAR} and time intervals.
 */
import { describe, expect, it } from 'vitest';
import { formatJumpHop, parseDestination, parseJumpHop } from '../../main/engine/ssh/destination';
import { matchPattern, matchPatternList } from '../../main/engine/ssh/patterns';
import { expandEnv, expandPercent, expandTilde, parseInterval } from '../../main/engine/ssh/tokens';

describe('parseDestination', () => {
  const good: [string, object][] = [
    ['web', { host: 'web' }],
    ['alice@web', { user: 'alice', host: 'web' }],
    ['a@b@web', { user: 'a@b', host: 'web' }],
    ['ssh://web', { host: 'web' }],
    ['ssh://alice@web:2222', { user: 'alice', host: 'web', port: 2222 }],
    ['ssh://alice@web:2222/', { user: 'alice', host: 'web', port: 2222 }],
    ['ssh://al%40ice@[::1]:2222', { user: 'al@ice', host: '::1', port: 2222 }],
    ['fe80::1', { host: 'fe80::1' }],
  ];
  for (const [input, want] of good) {
    it(`reads '${input}'`, () => {
      expect(parseDestination(input)).toEqual({ ok: true, value: want });
    });
  }

  const bad: [string, RegExp][] = [
    ['web:2222', /use -p 2222 web, or ssh:\/\/web:2222/],
    ['@web', /empty user name/],
    ['alice@', /names no host/],
    ['-oProxyCommand=x', /may not start with '-'/],
    ['we b', /cannot have/],
    ['web;rm', /cannot have/],
    ['ssh://web:0', /bad port '0'/],
    ['ssh://web/path', /has a path/],
    ['ssh://a;fingerprint=x@web', /connection parameters/],
  ];
  for (const [input, why] of bad) {
    it(`refuses '${input}' with a reason`, () => {
      const r = parseDestination(input);
      expect(!r.ok && r.error).toMatch(why);
    });
  }
});

describe('parseJumpHop', () => {
  const cases: [string, object][] = [
    ['bastion', { host: 'bastion' }],
    ['u@bastion:2200', { user: 'u', host: 'bastion', port: 2200 }],
    ['[::1]:2200', { host: '::1', port: 2200 }],
    ['ssh://u@bastion:2200', { user: 'u', host: 'bastion', port: 2200 }],
  ];
  for (const [input, want] of cases) {
    it(`reads '${input}' and writes it back`, () => {
      const r = parseJumpHop(input);
      expect(r).toEqual({ ok: true, value: want });
      if (r.ok && !input.startsWith('ssh://')) expect(formatJumpHop(r.value)).toBe(input);
    });
  }
});

describe('host patterns', () => {
  const single: [string, string, boolean][] = [
    ['web1', 'web?', true],
    ['web', 'web?', false],
    ['a.b.example.com', '*.example.com', true],
    ['example.com', '*.example.com', false],
    ['anything', '*', true],
    ['', '*', true],
    ['abc', 'a*c', true],
    ['abbbc', 'a*b*c', true],
    ['abd', 'a*c', false],
    ['WEB', 'web', true],
  ];
  for (const [text, pattern, want] of single) {
    it(`'${text}' ${want ? 'matches' : 'does not match'} '${pattern}'`, () => {
      expect(matchPattern(text, pattern)).toBe(want);
    });
  }

  const lists: [string, string, string][] = [
    ['web', 'db,web', 'match'],
    ['web', '*,!web', 'negated'],
    ['db', '*,!web', 'match'],
    ['db', '!web', 'none'],
    ['x', 'a,b', 'none'],
  ];
  for (const [text, list, want] of lists) {
    it(`'${text}' against '${list}' is ${want}`, () => {
      expect(matchPatternList(text, list)).toBe(want);
    });
  }
});

describe('tokens, environment and intervals', () => {
  it('expands known tokens and %%', () => {
    expect(expandPercent('%h:%p %%', { h: 'web', p: '22' })).toEqual({
      ok: true,
      value: 'web:22 %',
    });
  });

  it('refuses an unknown token and a lone %', () => {
    expect(expandPercent('%z', { h: 'x' }).ok).toBe(false);
    expect(expandPercent('50%', {}).ok).toBe(false);
  });

  it('expands ~ and ~/ but refuses ~user', () => {
    expect(expandTilde('~/.ssh/x', '/home/a')).toEqual({ ok: true, value: '/home/a/.ssh/x' });
    expect(expandTilde('~', '/home/a')).toEqual({ ok: true, value: '/home/a' });
    expect(expandTilde('~bob/x', '/home/a').ok).toBe(false);
  });

  it('expands ${VAR} and names a missing one', () => {
    expect(expandEnv('${A}/x', { A: '/a' })).toEqual({ ok: true, value: '/a/x' });
    const r = expandEnv('${NOPE}', {});
    expect(!r.ok && r.error).toMatch(/\$\{NOPE\}, which is not set/);
  });

  const intervals: [string, number | undefined][] = [
    ['10', 10],
    ['10s', 10],
    ['1m30s', 90],
    ['1h', 3600],
    ['1W', 604800],
    ['', undefined],
    ['ten', undefined],
    ['5x', undefined],
  ];
  for (const [text, want] of intervals) {
    it(`interval '${text}' is ${String(want)}`, () => {
      expect(parseInterval(text)).toBe(want);
    });
  }
});
