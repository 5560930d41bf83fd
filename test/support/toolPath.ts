// A PATH that holds only the named tools of this machine (symlinks in a fresh directory):
// how a script behaves on a bare server, run for real by this machine's /bin/sh.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';

/** Makes `root`/tools with a link to each of `tools`; returns that directory. */
export function pathWithOnly(root: string, tools: string[]): string {
  const bin = path.join(root, 'tools');
  mkdirSync(bin);
  for (const t of tools) {
    const where = execFileSync('sh', ['-c', `command -v ${t}`], { encoding: 'utf8' }).trim();
    symlinkSync(where, path.join(bin, t));
  }
  return bin;
}
