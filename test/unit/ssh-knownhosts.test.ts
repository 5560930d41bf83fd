/**
 * Proves that known_hosts lookups behave like OpenSSH's (plain patterns, [host]:port,
 * hashed names cross-checked with ssh-keygen, @revoked, @cert-authority skipped, changed
 * keys), that malformed lines are skipped with a note, that new keys are appended safely,
 * and that fingerprints equal `ssh-keygen -lf`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint, keyTypeOfBlob } from '../../main/engine/ssh/fingerprint';
import { addHostKey, checkHostKey, knownKeyTypes } from '../../main/engine/ssh/knownHosts';
import { hashHostName, parseKnownHosts } from '../../main/engine/ssh/knownHostsParse';

interface TestKey {
  type: string;
  blob: Buffer;
  /** `type base64` as in a .pub file. */
  pub: string;
  file: string;
}

let dir: string;
const keys: Record<string, TestKey> = {};

function keygen(name: string, type: 'ed25519' | 'ecdsa' | 'rsa'): TestKey {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', [
    '-q',
    '-t',
    type,
    ...(type === 'rsa' ? ['-b', '2048'] : []),
    '-N',
    '',
    '-C',
    name,
    '-f',
    file,
  ]);
  const [keyType, b64] = execFileSync('cat', [`${file}.pub`])
    .toString()
    .trim()
    .split(/\s+/);
  return {
    type: keyType as string,
    blob: Buffer.from(b64 as string, 'base64'),
    pub: `${keyType} ${b64}`,
    file,
  };
}

beforeAll(() => {
  return (async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hft-kh-'));
    keys.a = keygen('a', 'ed25519');
    keys.b = keygen('b', 'ed25519');
    keys.c = keygen('c', 'ecdsa');
    keys.r = keygen('r', 'rsa');
  })();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function khFile(text: string): Promise<string> {
  const file = path.join(dir, `known_hosts_${n++}`);
  await writeFile(file, text);
  return file;
}

function k(name: string): TestKey {
  return keys[name] as TestKey;
}

describe('fingerprint', () => {
  for (const name of ['a', 'c', 'r']) {
    it(`equals ssh-keygen -lf for an ${name === 'a' ? 'ed25519' : name === 'c' ? 'ecdsa' : 'rsa'} key`, () => {
      const out = execFileSync('ssh-keygen', [
        '-l',
        '-E',
        'sha256',
        '-f',
        `${k(name).file}.pub`,
      ]).toString();
      expect(out.split(/\s+/)[1]).toBe(fingerprint(k(name).blob));
    });
  }

  it('reads the key type from the blob’s first string', () => {
    expect([
      keyTypeOfBlob(k('a').blob),
      keyTypeOfBlob(k('c').blob),
      keyTypeOfBlob(k('r').blob),
    ]).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-rsa']);
  });

  it('returns undefined for a truncated blob', () => {
    expect(keyTypeOfBlob(Buffer.from([0, 0, 0, 50, 65]))).toBeUndefined();
  });
});

describe('checkHostKey', () => {
  const cases: {
    name: string;
    text: () => string;
    host: string;
    port: number;
    key: string;
    kind: 'match' | 'unknown' | 'changed' | 'revoked';
  }[] = [
    {
      name: 'a plain host name matches',
      text: () => `web ${k('a').pub}\n`,
      host: 'web',
      port: 22,
      key: 'a',
      kind: 'match',
    },
    {
      name: 'names are compared without case',
      text: () => `WEB ${k('a').pub}\n`,
      host: 'web',
      port: 22,
      key: 'a',
      kind: 'match',
    },
    {
      name: 'a comma list matches any of its names',
      text: () => `db,web,10.0.0.1 ${k('a').pub}\n`,
      host: '10.0.0.1',
      port: 22,
      key: 'a',
      kind: 'match',
    },
    {
      name: 'a wildcard matches',
      text: () => `*.example.com ${k('a').pub}\n`,
      host: 'x.example.com',
      port: 22,
      key: 'a',
      kind: 'match',
    },
    {
      name: 'a negated name excludes despite a wildcard',
      text: () => `*.example.com,!bad.example.com ${k('a').pub}\n`,
      host: 'bad.example.com',
      port: 22,
      key: 'a',
      kind: 'unknown',
    },
    {
      name: '[host]:port matches a non-22 port',
      text: () => `[web]:2222 ${k('a').pub}\n`,
      host: 'web',
      port: 2222,
      key: 'a',
      kind: 'match',
    },
    {
      name: 'a plain entry does not match a non-22 port',
      text: () => `web ${k('a').pub}\n`,
      host: 'web',
      port: 2222,
      key: 'a',
      kind: 'unknown',
    },
    {
      name: '[host]:port does not match port 22',
      text: () => `[web]:2222 ${k('a').pub}\n`,
      host: 'web',
      port: 22,
      key: 'a',
      kind: 'unknown',
    },
    {
      name: 'a different key of the same type is a change',
      text: () => `web ${k('b').pub}\n`,
      host: 'web',
      port: 22,
      key: 'a',
      kind: 'changed',
    },
    {
      name: 'a key of another type only is unknown, not a change',
      text: () => `web ${k('c').pub}\n`,
      host: 'web',
      port: 22,
      key: 'a',
      kind: 'unknown',
    },
    {
      name: 'any equal key wins over a different one listed first',
      text: () => `web ${k('b').pub}\nweb ${k('a').pub}\n`,
      host: 'web',
      port: 22,
      key: 'a',
      kind: 'match',
    },
    {
      name: 'a @revoked key is revoked even if also listed as good',
      text: () => `web ${k('a').pub}\n@revoked * ${k('a').pub}\n`,
      host: 'web',
      port: 22,
      key: 'a',
      kind: 'revoked',
    },
    {
      name: '@revoked for another key does not affect this one',
      text: () => `@revoked * ${k('b').pub}\nweb ${k('a').pub}\n`,
      host: 'web',
      port: 22,
      key: 'a',
      kind: 'match',
    },
    {
      name: '@cert-authority lines are skipped, not matched',
      text: () => `@cert-authority * ${k('a').pub}\n`,
      host: 'web',
      port: 22,
      key: 'a',
      kind: 'unknown',
    },
    {
      name: 'a hashed name matches',
      text: () => `${hashHostName('web')} ${k('a').pub}\n`,
      host: 'web',
      port: 22,
      key: 'a',
      kind: 'match',
    },
    {
      name: 'a hashed [host]:port matches',
      text: () => `${hashHostName('[127.0.0.1]:2222')} ${k('a').pub}\n`,
      host: '127.0.0.1',
      port: 2222,
      key: 'a',
      kind: 'match',
    },
    {
      name: 'a hashed name does not match another host',
      text: () => `${hashHostName('web')} ${k('a').pub}\n`,
      host: 'db',
      port: 22,
      key: 'a',
      kind: 'unknown',
    },
    {
      name: 'comments and blank lines are ignored',
      text: () => `# a comment\n\n   \nweb ${k('a').pub} a comment\n`,
      host: 'web',
      port: 22,
      key: 'a',
      kind: 'match',
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const file = await khFile(c.text());
      const key = k(c.key);
      const result = await checkHostKey([file], c.host, c.port, key.type, key.blob);
      expect(result.kind).toBe(c.kind);
      expect(result.notes).toEqual([]);
    });
  }

  it('a change lists each recorded key with fingerprint, file and line', async () => {
    const file = await khFile(`# header\nweb ${k('b').pub}\n`);
    const result = await checkHostKey([file], 'web', 22, k('a').type, k('a').blob);
    expect(result).toEqual({
      kind: 'changed',
      expected: [{ fingerprint: fingerprint(k('b').blob), keyType: 'ssh-ed25519', file, line: 2 }],
      notes: [],
    });
  });

  it('a revoked key names its file and line', async () => {
    const file = await khFile(`\n\n@revoked web ${k('a').pub}\n`);
    const result = await checkHostKey([file], 'web', 22, k('a').type, k('a').blob);
    expect(result).toMatchObject({ kind: 'revoked', file, line: 3 });
  });

  it('reads every file in order and reports the one that matched', async () => {
    const first = await khFile(`db ${k('a').pub}\n`);
    const second = await khFile(`web ${k('a').pub}\n`);
    const result = await checkHostKey(
      [path.join(dir, 'missing'), first, second],
      'web',
      22,
      k('a').type,
      k('a').blob,
    );
    expect(result).toMatchObject({ kind: 'match', file: second, line: 1 });
  });

  it('skips malformed lines with a note and still finds the good one', async () => {
    const file = await khFile(
      [
        'web',
        `web ssh-ed25519 !!!notbase64`,
        `@bogus web ${k('a').pub}`,
        `web ssh-rsa ${k('a').pub.split(' ')[1]}`,
        'web 1024 35 12345',
        `|1|short|hash ${k('a').pub}`,
        `web ${k('a').pub}`,
      ].join('\n'),
    );
    const result = await checkHostKey([file], 'web', 22, k('a').type, k('a').blob);
    expect(result).toMatchObject({ kind: 'match', line: 7 });
    expect(result.notes.map((x) => x.line)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(result.notes[3]?.problem).toMatch(/says it is ssh-ed25519 but the line says ssh-rsa/);
  });

  it('lists the known key types of a host for algorithm ordering', async () => {
    const file = await khFile(`web ${k('c').pub}\nweb ${k('r').pub}\n@revoked web ${k('a').pub}\n`);
    expect(await knownKeyTypes([file], 'web', 22)).toEqual(['ecdsa-sha2-nistp256', 'ssh-rsa']);
  });
});

describe('hashed entries agree with ssh-keygen', () => {
  it('ssh-keygen -H output matches, and our HMAC of its salt gives its hash', async () => {
    const file = await khFile(`[127.0.0.1]:2222 ${k('a').pub}\nweb ${k('c').pub}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file]);
    const text = await readFile(file, 'utf8');
    const fields = text.split('\n')[0]?.split(' ')[0]?.split('|') ?? [];
    const salt = Buffer.from(fields[2] ?? '', 'base64');
    expect(hashHostName('[127.0.0.1]:2222', salt)).toBe(text.split(' ')[0]);
    expect((await checkHostKey([file], '127.0.0.1', 2222, k('a').type, k('a').blob)).kind).toBe(
      'match',
    );
    expect((await checkHostKey([file], 'web', 22, k('c').type, k('c').blob)).kind).toBe('match');
  });

  it('ssh-keygen -F finds a key we recorded hashed', async () => {
    const file = path.join(dir, `hashed_${n++}`);
    await addHostKey(file, '127.0.0.1', 2222, k('a').type, k('a').blob, { hash: true });
    const out = execFileSync('ssh-keygen', ['-F', '[127.0.0.1]:2222', '-f', file]).toString();
    expect(out).toContain(k('a').pub.split(' ')[1]);
    expect((await readFile(file, 'utf8')).startsWith('|1|')).toBe(true);
  });
});

describe('addHostKey', () => {
  it('creates missing directories 0700 and the file 0600 with one [host]:port line', async () => {
    const file = path.join(dir, `new_${n++}`, 'deep', 'known_hosts');
    await addHostKey(file, '127.0.0.1', 2222, k('a').type, k('a').blob);
    expect(await readFile(file, 'utf8')).toBe(`[127.0.0.1]:2222 ${k('a').pub}\n`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
  });

  it('writes a plain host name on port 22', async () => {
    const file = path.join(dir, `p22_${n++}`);
    await addHostKey(file, 'Web', 22, k('a').type, k('a').blob);
    expect(await readFile(file, 'utf8')).toBe(`web ${k('a').pub}\n`);
  });

  it('appends after existing lines without touching them, adding a missing final newline', async () => {
    const original = `# keep me\nweb ${k('b').pub}`;
    const file = await khFile(original);
    await addHostKey(file, 'db', 22, k('a').type, k('a').blob);
    expect(await readFile(file, 'utf8')).toBe(`${original}\ndb ${k('a').pub}\n`);
  });

  it('a recorded key is then found by checkHostKey', async () => {
    const file = path.join(dir, `rt_${n++}`);
    await addHostKey(file, 'web', 2200, k('r').type, k('r').blob);
    expect((await checkHostKey([file], 'web', 2200, k('r').type, k('r').blob)).kind).toBe('match');
  });
});

describe('parseKnownHosts', () => {
  it('never throws on garbage', () => {
    const garbage = [
      '@',
      '@revoked',
      '|1|||',
      '\u0000\u0001',
      'a b c d e f',
      '[x]:99999 ssh-ed25519 AAAA',
    ].join('\n');
    expect(() => parseKnownHosts(garbage, 'f')).not.toThrow();
    expect(parseKnownHosts(garbage, 'f').entries).toEqual([]);
  });
});
