/**
 * Proves how profiles.json text is judged, without a disk: valid files load; a JSON
 * syntax error is placed at its line and column; a wrong value is named by its zod path
 * (`profiles[2].port`) and profile name; a file from a newer format is "newer", never
 * "broken"; older formats are upgraded step by step through the migrations (with
 * synthetic versions, since format 1 is the first); and where the file lives per platform.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProfilesText, serializeProfiles } from '../../main/engine/profiles/fileFormat';
import { findJsonSyntaxError } from '../../main/engine/profiles/jsonSyntax';
import {
  assertMigrationChain,
  CURRENT_FORMAT,
  migrate,
  type Migration,
  type ProfilesFormat,
} from '../../main/engine/profiles/migrations';
import { configDir } from '../../main/engine/profiles/paths';
import { PROFILES_FORMAT_VERSION, type Profile } from '../../main/engine/profiles/schema';

const web: Profile = { id: 'id-web', name: 'web', host: 'web.example.com', port: 2222 };

describe('valid files', () => {
  it('reads back what it writes', () => {
    const text = serializeProfiles([web, { id: 'id-a', name: 'a', alias: 'a.corp' }]);
    expect(parseProfilesText(text)).toEqual({
      kind: 'ok',
      profiles: [web, { id: 'id-a', name: 'a', alias: 'a.corp' }],
    });
  });

  it('writes the current format version and ends with a newline', () => {
    const text = serializeProfiles([]);
    expect(JSON.parse(text)).toEqual({ version: PROFILES_FORMAT_VERSION, profiles: [] });
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('tolerates a byte-order mark left by a Windows editor', () => {
    expect(parseProfilesText(`\uFEFF${serializeProfiles([web])}`).kind).toBe('ok');
  });
});

describe('a JSON syntax error is placed at its line and column', () => {
  const cases: { name: string; text: string; line: number; column: number; reason: RegExp }[] = [
    {
      name: 'a missing comma',
      text: '{\n  "version": 1\n  "profiles": []\n}',
      line: 3,
      column: 3,
      reason: /^expected ',' or '}' after the value, found '"' \(is a comma missing\?\)$/,
    },
    {
      name: 'a trailing comma',
      text: '{\n  "version": 1,\n  "profiles": [],\n}',
      line: 4,
      column: 1,
      reason: /one too many/,
    },
    {
      name: 'a file cut short',
      text: '{\n  "version": 1,\n  "profiles": [\n',
      line: 4,
      column: 1,
      reason: /cut short/,
    },
    {
      name: 'single quotes',
      text: "{ 'version': 1 }",
      line: 1,
      column: 3,
      reason: /field name in "double quotes"/,
    },
    {
      name: 'a misspelt literal',
      text: '{"version": 1, "profiles": tru}',
      line: 1,
      column: 28,
      reason: /expected a value/,
    },
    { name: 'an empty file', text: '', line: 1, column: 1, reason: /cut short/ },
    {
      name: 'a comment',
      text: '{\n  // work hosts\n  "version": 1\n}',
      line: 2,
      column: 3,
      reason: /^JSON has no comments: remove this one$/,
    },
    {
      name: 'a line break inside text',
      text: '{"version": 1, "profiles": [{"name": "we\nb"}]}',
      line: 1,
      column: 41,
      reason: /^a line break inside text: write it as an escape/,
    },
    {
      name: 'a closing bracket where a brace belongs',
      text: '{"version": 1]',
      line: 1,
      column: 14,
      reason: /^expected ',' or '}' after the value, found ']'/,
    },
  ];
  for (const c of cases) {
    it(`finds ${c.name}`, () => {
      const r = parseProfilesText(c.text);
      expect(r.kind).toBe('broken');
      if (r.kind !== 'broken' || r.problem.kind !== 'syntax') throw new Error('not a syntax error');
      expect({ line: r.problem.line, column: r.problem.column }).toEqual({
        line: c.line,
        column: c.column,
      });
      expect(r.problem.reason).toMatch(c.reason);
      expect(r.summary).toMatch(new RegExp(`^line ${c.line}, column ${c.column}: `));
    });
  }

  it('agrees with JSON.parse on valid text', () => {
    for (const t of ['{}', '[1, -2.5e3, "a\\u00e9\\n", true, null]', ' {"a": {"b": []}} ']) {
      expect(() => JSON.parse(t)).not.toThrow();
      expect(findJsonSyntaxError(t)).toBeUndefined();
    }
  });
});

describe('a wrong value is named by its path and its profile', () => {
  it('says profiles[2].port: must be a number from 1 to 65535', () => {
    const text = JSON.stringify({
      version: 1,
      profiles: [
        { id: '1', name: 'a', host: 'a' },
        { id: '2', name: 'b', host: 'b' },
        { id: '3', name: 'db', host: 'db', port: 70000 },
      ],
    });
    const r = parseProfilesText(text);
    if (r.kind !== 'broken' || r.problem.kind !== 'fields') throw new Error(`got ${r.kind}`);
    expect(r.problem.fields).toEqual([
      { field: 'profiles[2].port', message: "must be a number from 1 to 65535 (profile 'db')" },
    ]);
    expect(r.summary).toBe("profiles[2].port: must be a number from 1 to 65535 (profile 'db')");
  });

  const cases: { name: string; doc: unknown; field: string; message: RegExp }[] = [
    { name: 'a list at the top', doc: [], field: '(the whole file)', message: /must be an object/ },
    { name: 'no version', doc: { profiles: [] }, field: 'version', message: /is missing/ },
    {
      name: 'a text version',
      doc: { version: '1', profiles: [] },
      field: 'version',
      message: /whole number/,
    },
    { name: 'no profiles list', doc: { version: 1 }, field: 'profiles', message: /is missing/ },
    {
      name: 'a password written into the file',
      doc: {
        version: 1,
        profiles: [{ id: '1', name: 'a', host: 'a', auth: { method: 'password', password: 'x' } }],
      },
      field: 'profiles[0].auth.password',
      message: /not a field Holdfast knows/,
    },
    {
      name: 'two profiles with one name',
      doc: {
        version: 1,
        profiles: [
          { id: '1', name: 'a', host: 'a' },
          { id: '2', name: 'A', host: 'b' },
        ],
      },
      field: 'profiles[1].name',
      message: /'A' is already the name of profiles\[0\]/,
    },
    {
      name: 'an unknown auth method',
      doc: { version: 1, profiles: [{ id: '1', name: 'a', host: 'a', auth: { method: 'rsh' } }] },
      field: 'profiles[0].auth.method',
      message: /must be 'agent', 'key' or 'password'/,
    },
  ];
  for (const c of cases) {
    it(`names ${c.name}`, () => {
      const r = parseProfilesText(JSON.stringify(c.doc));
      if (r.kind !== 'broken' || r.problem.kind !== 'fields') throw new Error(`got ${r.kind}`);
      expect(r.problem.fields).toContainEqual({
        field: c.field,
        message: expect.stringMatching(c.message),
      });
    });
  }
});

describe('format versions', () => {
  it('calls a file from a newer format "newer", whatever else is in it', () => {
    const text = JSON.stringify({ version: PROFILES_FORMAT_VERSION + 1, profiles: 'new shape' });
    expect(parseProfilesText(text)).toEqual({
      kind: 'newer',
      fileVersion: PROFILES_FORMAT_VERSION + 1,
    });
  });

  it('has a complete chain of migrations up to the current format', () => {
    expect(() => assertMigrationChain(CURRENT_FORMAT)).not.toThrow();
  });

  // A synthetic history: format 1 called the host "hostname" and kept keepalive flat;
  // format 2 renamed it; format 3 nested the keepalive. The current schema is format 3's.
  const v1to2: Migration = {
    from: 1,
    what: 'hostname → host',
    up: (doc) => ({
      ...doc,
      profiles: (doc.profiles as Record<string, unknown>[]).map(({ hostname, ...p }) => ({
        ...p,
        host: hostname,
      })),
    }),
  };
  const v2to3: Migration = {
    from: 2,
    what: 'keepaliveSeconds → keepalive.intervalSeconds',
    up: (doc) => ({
      ...doc,
      profiles: (doc.profiles as Record<string, unknown>[]).map(({ keepaliveSeconds, ...p }) =>
        keepaliveSeconds === undefined
          ? p
          : { ...p, keepalive: { intervalSeconds: keepaliveSeconds } },
      ),
    }),
  };
  const synthetic: ProfilesFormat = { version: 3, migrations: [v2to3, v1to2] };

  it('upgrades a format-1 file through every step, in order, to the current schema', () => {
    const old = JSON.stringify({
      version: 1,
      profiles: [{ id: '1', name: 'a', hostname: 'a.example.com', keepaliveSeconds: 15 }],
    });
    expect(parseProfilesText(old, synthetic)).toEqual({
      kind: 'ok',
      migratedFrom: 1,
      profiles: [{ id: '1', name: 'a', host: 'a.example.com', keepalive: { intervalSeconds: 15 } }],
    });
  });

  it('starts from the file’s own version (a format-2 file skips step 1)', () => {
    const r = migrate({ version: 2, profiles: [{ id: '1', name: 'a', host: 'h' }] }, 2, synthetic);
    expect(r).toEqual({
      ok: true,
      doc: { version: 3, profiles: [{ id: '1', name: 'a', host: 'h' }] },
    });
  });

  it('calls a file a step cannot upgrade broken, naming the step', () => {
    const r = parseProfilesText(JSON.stringify({ version: 1, profiles: 'oops' }), synthetic);
    if (r.kind !== 'broken' || r.problem.kind !== 'migration') throw new Error(`got ${r.kind}`);
    expect(r.problem.fromVersion).toBe(1);
    expect(r.summary).toMatch(/^upgrading it from format 1 to 2 \(hostname → host\) failed: /);
  });

  it('validates the upgraded document like any file', () => {
    const old = JSON.stringify({
      version: 2,
      profiles: [{ id: '1', name: 'a', host: 'h', port: 0 }],
    });
    const r = parseProfilesText(old, synthetic);
    if (r.kind !== 'broken' || r.problem.kind !== 'fields') throw new Error(`got ${r.kind}`);
    expect(r.problem.fields[0]?.field).toBe('profiles[0].port');
  });

  it('fails loudly (our bug) when a step is missing from the chain', () => {
    expect(() => assertMigrationChain({ version: 3, migrations: [v1to2] })).toThrow(
      /expected one migration from version 2, found 0/,
    );
  });
});

describe('where profiles.json lives', () => {
  const home = '/home/ana';
  it('uses HOLDFAST_CONFIG_DIR over everything', () => {
    expect(
      configDir({ HOLDFAST_CONFIG_DIR: '/tmp/x', XDG_CONFIG_HOME: '/xdg' }, 'linux', home),
    ).toBe(path.resolve('/tmp/x'));
  });
  it('uses $XDG_CONFIG_HOME/holdfast on Linux, else ~/.config/holdfast', () => {
    expect(configDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', home)).toBe('/xdg/holdfast');
    expect(configDir({}, 'linux', home)).toBe('/home/ana/.config/holdfast');
    // A relative XDG_CONFIG_HOME is invalid per the XDG spec and ignored.
    expect(configDir({ XDG_CONFIG_HOME: 'rel' }, 'linux', home)).toBe('/home/ana/.config/holdfast');
  });
  it('uses ~/Library/Application Support/Holdfast on macOS', () => {
    expect(configDir({}, 'darwin', '/Users/ana')).toBe(
      '/Users/ana/Library/Application Support/Holdfast',
    );
  });
  it('uses %APPDATA%\\Holdfast on Windows', () => {
    expect(
      configDir({ APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ana'),
    ).toBe('C:\\Users\\ana\\AppData\\Roaming\\Holdfast');
  });
});
