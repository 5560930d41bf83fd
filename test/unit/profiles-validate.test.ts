/**
 * Proves that a profile handed in by the editor or the CLI is saved only when every field
 * is right, and that each kind of bad input is named by its field with a message a person
 * can act on: empty host, port out of range, a key file that does not exist, a duplicate
 * name, an unknown auth method, and the rest of the schema's rules.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldError } from '../../main/engine/profiles/errors';
import { ProfileInputSchema, type Profile } from '../../main/engine/profiles/schema';
import { validateProfileInput } from '../../main/engine/profiles/validateInput';

let home: string;
let keyFile: string;

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'hft-profval-'));
  keyFile = path.join(home, 'id_test');
  await writeFile(keyFile, 'not really a key', { mode: 0o600 });
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

const saved: Profile[] = [{ id: 'p-1', name: 'web', host: 'web.example.com' }];

async function fieldsOf(input: unknown, existing: Profile[] = saved): Promise<FieldError[]> {
  const r = await validateProfileInput(input, { existing, home });
  if (r.ok) throw new Error(`expected invalid input, got ${JSON.stringify(r.value)}`);
  expect(r.error.kind).toBe('invalid');
  expect(r.error.message).toMatch(/^The profile was not saved: /);
  return r.error.fields;
}

describe('each kind of bad input names its field and says what to do', () => {
  const cases: { name: string; input: unknown; field: string; message: RegExp }[] = [
    {
      name: 'an empty host',
      input: { name: 'a', host: '' },
      field: 'host',
      message: /enter a host name or address/,
    },
    {
      name: 'a host of spaces only',
      input: { name: 'a', host: '   ' },
      field: 'host',
      message: /enter a host name or address/,
    },
    {
      name: 'port 0',
      input: { name: 'a', host: 'h', port: 0 },
      field: 'port',
      message: /from 1 to 65535/,
    },
    {
      name: 'port 65536',
      input: { name: 'a', host: 'h', port: 65536 },
      field: 'port',
      message: /from 1 to 65535/,
    },
    {
      name: 'a fractional port',
      input: { name: 'a', host: 'h', port: 22.5 },
      field: 'port',
      message: /whole number from 1 to 65535/,
    },
    {
      name: 'a port given as text',
      input: { name: 'a', host: 'h', port: 'ssh' },
      field: 'port',
      message: /from 1 to 65535/,
    },
    {
      name: 'an unknown auth method',
      input: { name: 'a', host: 'h', auth: { method: 'kerberos' } },
      field: 'auth.method',
      message: /must be 'agent', 'key' or 'password'/,
    },
    {
      name: 'a key file that is not there',
      input: { name: 'a', host: 'h', auth: { method: 'key', keyFile: '~/no-such-key' } },
      field: 'auth.keyFile',
      message: /there is no file ~\/no-such-key: check the path, or choose another key/,
    },
    {
      name: 'a relative key file path',
      input: { name: 'a', host: 'h', auth: { method: 'key', keyFile: 'id_rsa' } },
      field: 'auth.keyFile',
      message: /full path/,
    },
    {
      name: 'a name already taken (case does not count)',
      input: { name: 'WEB', host: 'h' },
      field: 'name',
      message: /already a profile named 'web': choose another name/,
    },
    {
      name: 'an empty name',
      input: { name: '', host: 'h' },
      field: 'name',
      message: /enter a name/,
    },
    {
      name: 'a name with a space',
      input: { name: 'my host', host: 'h' },
      field: 'name',
      message: /letters, digits/,
    },
    {
      name: "a name starting with '-'",
      input: { name: '-p', host: 'h' },
      field: 'name',
      message: /not starting with '-'/,
    },
    {
      name: 'user@host in the host field',
      input: { name: 'a', host: 'me@h' },
      field: 'host',
      message: /put the user in the user field/,
    },
    {
      name: 'a host with shell characters',
      input: { name: 'a', host: 'h;rm' },
      field: 'host',
      message: /characters a host name cannot have/,
    },
    {
      name: 'a user with a space',
      input: { name: 'a', host: 'h', user: 'a b' },
      field: 'user',
      message: /characters a user name cannot have/,
    },
    {
      name: 'a bad jump host',
      input: { name: 'a', host: 'h', jump: ['ok', 'bastion:99999'] },
      field: 'jump[1]',
      message: /bad port '99999'/,
    },
    {
      name: 'a keepalive interval of 0',
      input: { name: 'a', host: 'h', keepalive: { intervalSeconds: 0 } },
      field: 'keepalive.intervalSeconds',
      message: /1 to 3600 seconds/,
    },
    {
      name: 'a negative scrollback',
      input: { name: 'a', host: 'h', scrollback: -1 },
      field: 'scrollback',
      message: /0 to 1000000 lines/,
    },
    {
      name: 'an environment variable with a bad name',
      input: { name: 'a', host: 'h', env: { 'MY VAR': 'x' } },
      field: 'env["MY VAR"]',
      message: /not a variable name/,
    },
    {
      name: 'a color that is not #rrggbb',
      input: { name: 'a', host: 'h', color: 'red' },
      field: 'color',
      message: /like #3b82f6/,
    },
    {
      name: 'a field Holdfast does not know',
      input: { name: 'a', host: 'h', hostname: 'x' },
      field: 'hostname',
      message: /not a field Holdfast knows/,
    },
    {
      name: 'host settings on a profile that follows an alias',
      input: { name: 'a', alias: 'web', port: 2222 },
      field: 'port',
      message: /taken from ssh_config when the profile follows Host 'web'/,
    },
    {
      name: 'an alias that is a pattern',
      input: { name: 'a', alias: '*.corp' },
      field: 'alias',
      message: /one Host name, not a pattern/,
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}`, async () => {
      const fields = await fieldsOf(c.input);
      expect(fields).toContainEqual({ field: c.field, message: expect.stringMatching(c.message) });
    });
  }
});

describe('what is accepted', () => {
  it('takes an agent directory only as an absolute or ~/ path on one line', async () => {
    const bad = await fieldsOf({ name: 'a', host: 'h', agentDir: 'relative/dir' });
    expect(bad).toEqual([{ field: 'agentDir', message: expect.stringMatching(/absolute path/) }]);
    const ok = await validateProfileInput(
      { name: 'b', host: 'h', agentDir: '~/hf' },
      { existing: saved, home },
    );
    expect(ok.ok && ok.value.profile.agentDir).toBe('~/hf');
  });

  it('lists every wrong field at once, one message per field', async () => {
    const fields = await fieldsOf({
      name: 'web',
      host: '',
      port: 70000,
      auth: { method: 'key', keyFile: '/nope/id' },
    });
    expect(fields.map((f) => f.field).sort()).toEqual(['auth.keyFile', 'host', 'name', 'port']);
  });

  it('accepts a full host profile and gives it an id', async () => {
    const r = await validateProfileInput(
      {
        name: 'db-1',
        host: 'db.example.com',
        port: 2222,
        user: 'ops',
        auth: { method: 'key', keyFile },
        jump: ['bastion', 'me@gw:2200'],
        keepalive: { intervalSeconds: 10, countMax: 4 },
        scrollback: 5000,
        command: 'htop -d 5',
        env: { LANG: 'C.UTF-8' },
        group: 'prod',
        color: '#ff8800',
        notes: 'primary\nreplica is db-2',
      },
      { existing: saved, home },
    );
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.profile.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.value.profile).toMatchObject({
      name: 'db-1',
      port: 2222,
      jump: ['bastion', 'me@gw:2200'],
    });
    expect(r.value.password).toBeUndefined();
  });

  it('treats fields the editor left blank as absent', async () => {
    const r = await validateProfileInput(
      { name: 'a', host: 'h', user: '', group: '', port: '', jump: [], env: {}, command: '' },
      { existing: [], home },
    );
    if (!r.ok) throw new Error(r.error.message);
    expect(Object.keys(r.value.profile).sort()).toEqual(['host', 'id', 'name']);
  });

  it('keeps the id of the profile being edited, whose own name is no duplicate', async () => {
    const r = await validateProfileInput(
      { id: 'ignored', name: 'web', host: 'new.example.com' },
      { existing: saved, editing: saved[0], home },
    );
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.profile).toEqual({ id: 'p-1', name: 'web', host: 'new.example.com' });
  });

  it('separates a password from the profile: the profile keeps no trace of it', async () => {
    const r = await validateProfileInput(
      { name: 'a', host: 'h', auth: { method: 'password', password: 'hunter2' } },
      { existing: [], home },
    );
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.password).toBe('hunter2');
    expect(JSON.stringify(r.value.profile)).not.toContain('hunter2');
    expect(r.value.profile.auth).toEqual({ method: 'password' });
  });

  it('accepts a profile that only follows an ssh_config alias, with group and color', async () => {
    const r = await validateProfileInput(
      { name: 'web2', alias: 'web.internal', group: 'prod', color: '#00aa00' },
      { existing: saved, home },
    );
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.profile).toMatchObject({ alias: 'web.internal', group: 'prod' });
  });

  it('asks the key file check about the expanded path', async () => {
    const seen: string[] = [];
    const r = await validateProfileInput(
      { name: 'a', host: 'h', auth: { method: 'key', keyFile: '~/.ssh/id_x' } },
      {
        existing: [],
        home: '/home/u',
        checkKeyFile: async (p) => {
          seen.push(p);
          return 'unreadable';
        },
      },
    );
    expect(seen).toEqual([path.join('/home/u', '.ssh', 'id_x')]);
    expect(r.ok ? [] : r.error.fields).toEqual([
      { field: 'auth.keyFile', message: expect.stringMatching(/cannot be read: .*chmod 600/) },
    ]);
  });
});

describe('forwards in a profile', () => {
  it('keeps forwards written as ssh writes them and refuses a bad one on its field', () => {
    const good = ProfileInputSchema.safeParse({
      name: 'db',
      host: 'db.example',
      forwards: [
        { kind: 'local', spec: '5432:localhost:5432' },
        { kind: 'dynamic', spec: '1080' },
      ],
    });
    expect(good.success).toBe(true);
    const bad = ProfileInputSchema.safeParse({
      name: 'db',
      host: 'db.example',
      forwards: [{ kind: 'local', spec: '5432' }],
    });
    expect(bad.success).toBe(false);
    if (!bad.success) {
      expect(bad.error.issues[0]?.path).toEqual(['forwards', 0, 'spec']);
      expect(bad.error.issues[0]?.message).toMatch(/Bad -L forwarding '5432'/);
    }
  });
});
