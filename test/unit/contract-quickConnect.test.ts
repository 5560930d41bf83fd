// What these prove: quick connect understands user@host[:port], bracketed IPv6, ssh:// and
// ssh_config aliases, and anything else gets a message that says what is wrong and what
// to type instead, before anything is dialled.

import { describe, expect, it } from 'vitest';
import { formatDestination, parseQuickConnect } from '../../main/contract/quickConnect';

describe('parseQuickConnect', () => {
  it.each([
    ['example.org', { destination: 'example.org' }],
    ['alice@example.org', { destination: 'example.org', user: 'alice' }],
    ['alice@example.org:2222', { destination: 'example.org', user: 'alice', port: 2222 }],
    ['  build-box  ', { destination: 'build-box' }],
    ['10.0.0.7:22', { destination: '10.0.0.7', port: 22 }],
    ['bob@[::1]:2200', { destination: '::1', user: 'bob', port: 2200 }],
    ['fe80::1', { destination: 'fe80::1' }],
    ['ssh://carol@host.example:2022', { destination: 'host.example', user: 'carol', port: 2022 }],
    ['dom@ain@host', { destination: 'host', user: 'dom@ain' }],
  ])('reads %s', (text, destination) => {
    expect(parseQuickConnect(text)).toEqual({ ok: true, destination });
  });

  it.each([
    ['', /Nothing to connect to/],
    ['alice @host', /contains a space/],
    ['alice@', /host after "@" is missing/],
    ['@host', /user name before "@" is empty/],
    ['host:0', /port "0" is not a number from 1 to 65535/],
    ['host:99999', /port "99999"/],
    ['host:ssh', /port "ssh"/],
    ['-oProxyCommand=x', /starts with "-"/],
    ['http://example.org', /only ssh:\/\/ addresses/],
    ['box:22:33', /more than one ":"/],
    ['[::1', /no matching "\]"/],
    ['host/path', /"host\/path" is not a host name/],
  ])('says what is wrong with %j', (text, why) => {
    const result = parseQuickConnect(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toMatch(why);
    if (text !== '')
      expect(result.message).toMatch(/Type user@host, user@host:port, or a Host alias/);
  });

  it('formats a destination back the way the user types it', () => {
    expect(formatDestination({ destination: 'h', user: 'u', port: 2 })).toBe('u@h:2');
    expect(formatDestination({ destination: '::1', port: 22 })).toBe('[::1]:22');
    expect(formatDestination({ destination: 'alias' })).toBe('alias');
  });
});
