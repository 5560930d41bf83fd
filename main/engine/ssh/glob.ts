/**
 * Filename globbing for ssh_config `Include`, like glob(3): `*`, `?` and `[...]` in any
 * path component, results sorted, dot files only matched by a pattern starting with `.`.
 * (Node 20 has no fs.glob.)
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

const MAGIC = /[*?[]/;

/** A path component pattern as a RegExp (anchored). */
function componentRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negated = body.startsWith('!');
      if (negated) body = body.slice(1);
      re += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\\]/g, (m) => `\\${m}`);
  }
  return new RegExp(`^${re}$`);
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Absolute paths matching the absolute `pattern`, sorted; [] when nothing matches. */
export async function globFiles(pattern: string): Promise<string[]> {
  if (!MAGIC.test(pattern)) return (await exists(pattern)) ? [pattern] : [];
  const root = path.parse(pattern).root;
  const parts = pattern
    .slice(root.length)
    .split(/[\\/]+/)
    .filter((p) => p !== '');
  let current = [root];
  for (const part of parts) {
    const next: string[] = [];
    if (!MAGIC.test(part)) {
      for (const dir of current) next.push(path.join(dir, part));
    } else {
      const re = componentRegExp(part);
      for (const dir of current) {
        let names: string[];
        try {
          names = await readdir(dir);
        } catch {
          continue;
        }
        for (const name of names) {
          if (name.startsWith('.') && !part.startsWith('.')) continue;
          if (re.test(name)) next.push(path.join(dir, name));
        }
      }
    }
    current = next;
    if (current.length === 0) return [];
  }
  const found: string[] = [];
  for (const p of current) if (await exists(p)) found.push(p);
  return found.sort();
}
