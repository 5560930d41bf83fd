// What these prove, on the renderer's host list (renderer/src/state/hosts.ts), pure: the
// search matches every word anywhere in name, host, user, alias or group; named groups come
// A–Z before the ungrouped, most recently used first inside each; the form becomes a
// contract ProfileInput that keeps the fields it does not show, a port that is not a
// whole number is refused by the form itself, and a kept password is never sent back.

import { describe, expect, it } from 'vitest';
import type { ProfileView } from '../../main/contract/api';
import { formFor, groupHosts, inputFrom, viewToInput } from '../../renderer/src/state/hosts';

const p = (id: string, name: string, extra: Partial<ProfileView> = {}): ProfileView => ({
  id,
  name,
  host: `${name}.example`,
  ...extra,
});

const names = (groups: ReturnType<typeof groupHosts>) =>
  groups.map((g) => [g.name, g.hosts.map((h) => h.name)]);

describe('host list', () => {
  const all = [
    p('1', 'web-1', { group: 'prod' }),
    p('2', 'web-2', { group: 'prod' }),
    p('3', 'db', { group: 'prod', user: 'postgres' }),
    p('4', 'laptop'),
    p('5', 'ci', { group: 'build' }),
  ];

  it('groups A–Z with the ungrouped last, recently used first inside a group', () => {
    expect(names(groupHosts(all, '', { '2': 20, '3': 10 }))).toEqual([
      ['build', ['ci']],
      ['prod', ['web-2', 'db', 'web-1']],
      ['', ['laptop']],
    ]);
  });

  it('matches every typed word in any of name, host, user or group', () => {
    expect(names(groupHosts(all, 'prod post', {}))).toEqual([['prod', ['db']]]);
    expect(names(groupHosts(all, 'WEB 2', {}))).toEqual([['prod', ['web-2']]]);
    expect(groupHosts(all, 'nothing-like-it', {})).toEqual([]);
  });
});

describe('host form', () => {
  it('refuses a port that is not a whole number, next to the port', () => {
    const form = { ...formFor(undefined), name: 'x', host: 'h', port: '22a' };
    expect(inputFrom(form, undefined, undefined)).toEqual({
      ok: false,
      fields: { port: 'must be a whole number from 1 to 65535' },
    });
  });

  it('sends the number of a port and leaves empty fields out', () => {
    const form = { ...formFor(undefined), name: ' x ', host: 'h', port: '2222', jump: 'a, b' };
    expect(inputFrom(form, undefined, undefined)).toEqual({
      ok: true,
      input: { name: 'x', host: 'h', port: 2222, jump: ['a', 'b'] },
    });
  });

  it('keeps what the form does not show when editing, and the id', () => {
    const base = p('7', 'web', { notes: 'the old one', scrollback: 5000, port: 22 });
    const form = { ...formFor(base), port: '' };
    expect(inputFrom(form, base, '7')).toEqual({
      ok: true,
      input: { id: '7', name: 'web', host: 'web.example', notes: 'the old one', scrollback: 5000 },
    });
  });

  it('never sends a kept password back: a profile again has password auth without one', () => {
    const view = p('9', 'db', { auth: { method: 'password', saved: true } });
    expect(viewToInput(view)).toEqual({
      name: 'db',
      host: 'db.example',
      auth: { method: 'password' },
    });
  });
});

describe('forwards in the host form', () => {
  it('reads "-L SPEC, R SPEC, -D SPEC" into entries and shows them back the same way', () => {
    const form = {
      ...formFor(undefined),
      name: 'db',
      host: 'db.example',
      forwards: '-L 5432:localhost:5432,  R 9000:localhost:3000, -D 1080',
    };
    const r = inputFrom(form, undefined, undefined);
    expect(r.ok && r.input.forwards).toEqual([
      { kind: 'local', spec: '5432:localhost:5432' },
      { kind: 'remote', spec: '9000:localhost:3000' },
      { kind: 'dynamic', spec: '1080' },
    ]);
    expect(formFor({ id: '1', name: 'db', forwards: r.ok ? r.input.forwards : [] }).forwards).toBe(
      '-L 5432:localhost:5432, -R 9000:localhost:3000, -D 1080',
    );
  });

  it('refuses an entry without -L/-R/-D on the forwards field', () => {
    const r = inputFrom(
      { ...formFor(undefined), name: 'db', host: 'h', forwards: '5432:localhost:5432' },
      undefined,
      undefined,
    );
    expect(r).toEqual({
      ok: false,
      fields: {
        forwards:
          "'5432:localhost:5432' is not a forward: write -L 5432:localhost:5432, -R 8080:localhost:3000 or -D 1080",
      },
    });
  });
});
