/**
 * known_hosts files on disk: look a host key up, and record a new one. The format and the
 * matching rules live in `knownHostsParse.ts`; this module only reads and appends.
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  entryMatchesHost,
  hashHostName,
  knownHostsName,
  lookupHostKey,
  parseKnownHosts,
  type HostKeyCheck,
  type KnownHostsEntry,
  type KnownHostsNote,
} from './knownHostsParse';

export type { HostKeyCheck, KnownHostsNote } from './knownHostsParse';

/** Reads and parses the files; a missing file is empty, an unreadable one is a note. */
async function loadAll(
  files: readonly string[],
): Promise<{ entries: KnownHostsEntry[]; notes: KnownHostsNote[] }> {
  const entries: KnownHostsEntry[] = [];
  const notes: KnownHostsNote[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        notes.push({
          file,
          line: 0,
          problem: `cannot read it (${code ?? (err as Error).message}); file skipped`,
        });
      }
      continue;
    }
    const parsed = parseKnownHosts(text, file);
    entries.push(...parsed.entries);
    notes.push(...parsed.notes);
  }
  return { entries, notes };
}

/**
 * Checks the key a server presented (`keyBlob`, of `keyType`) for `host` on `port`
 * against known_hosts `files`, in order. Malformed lines are skipped and listed in
 * `notes`; a missing file counts as empty. Never throws for file contents.
 */
export async function checkHostKey(
  files: readonly string[],
  host: string,
  port: number,
  keyType: string,
  keyBlob: Buffer,
): Promise<HostKeyCheck> {
  const { entries, notes } = await loadAll(files);
  return lookupHostKey(entries, knownHostsName(host, port), keyType, keyBlob, notes);
}

/**
 * The key types known_hosts records for `host` on `port` (not revoked, not CA), in file
 * order, so a dial can ask the server for a key type it can verify (as OpenSSH does).
 */
export async function knownKeyTypes(
  files: readonly string[],
  host: string,
  port: number,
): Promise<string[]> {
  const { entries } = await loadAll(files);
  const name = knownHostsName(host, port);
  const types: string[] = [];
  for (const e of entries) {
    if (e.marker === undefined && !types.includes(e.keyType) && entryMatchesHost(e, name))
      types.push(e.keyType);
  }
  return types;
}

/**
 * The `@cert-authority` lines naming `host` on `port` ("file:line"), and whether a plain
 * key is recorded for it too. Certificates are checked by the system ssh, not by us.
 */
export async function hostCertAuthorities(
  files: readonly string[],
  host: string,
  port: number,
): Promise<{ authorities: string[]; plainKeyKnown: boolean }> {
  const { entries } = await loadAll(files);
  const name = knownHostsName(host, port);
  const mine = entries.filter((e) => e.marker !== 'revoked' && entryMatchesHost(e, name));
  return {
    authorities: mine
      .filter((e) => e.marker === 'cert-authority')
      .map((e) => `${e.file}:${e.line}`),
    plainKeyKnown: mine.some((e) => e.marker === undefined),
  };
}

/**
 * Appends one line recording `keyBlob` for `host` (`[host]:port` when port ≠ 22) to
 * `file`, hashed when `opts.hash`. Creates missing directories (0700) and the file
 * (0600). Existing lines are never rewritten: the line goes in with a single append
 * (after a newline if the file did not end with one). Throws on I/O errors.
 */
export async function addHostKey(
  file: string,
  host: string,
  port: number,
  keyType: string,
  keyBlob: Buffer,
  opts: { hash?: boolean } = {},
): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const name = knownHostsName(host, port);
  const hosts = opts.hash === true ? hashHostName(name) : name;
  const handle = await open(file, 'a+', 0o600);
  try {
    const { size } = await handle.stat();
    let lead = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) lead = '\n';
    }
    await handle.appendFile(`${lead}${hosts} ${keyType} ${keyBlob.toString('base64')}\n`);
  } finally {
    await handle.close();
  }
}
