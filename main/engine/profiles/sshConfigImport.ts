/**
 * ssh_config → profiles that follow its aliases. Every concrete name on a `Host` line
 * (no `*`, `?` or `!`) becomes a profile `{ name: alias, alias }`: ssh_config stays the
 * source of truth for how to reach it, the profile only adds what ssh_config cannot say.
 * `Include`s are followed like ssh does (relative to ~/.ssh, globbed). `Match` blocks
 * name no host and are passed over.
 *
 * Reading is `readSshConfigHosts` (disk); deciding what to add is `planImport` (pure).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseConfigText } from '../ssh/configFile';
import { globFiles } from '../ssh/glob';
import { fail, ok, type Result } from '../util/result';
import { expandEnv, expandTilde } from '../ssh/tokens';
import type { ProfilesError } from './errors';
import { ProfileSchema, sameName, type Profile } from './schema';

/** OpenSSH's Include depth limit (READCONF_MAX_DEPTH), as in config.ts. */
const MAX_INCLUDE_DEPTH = 16;

/** The Host names found in an ssh_config file and its Includes, in file order. */
export interface SshConfigHosts {
  /** The file read first. */
  file: string;
  /** Concrete aliases, each once (first spelling kept). */
  aliases: string[];
  /** Host entries that are patterns (`*.example.com`, `!bastion`): not one host. */
  patterns: string[];
  /** Include lines that could not be followed, in words. */
  warnings: string[];
}

/** What an import did. */
export interface ImportReport {
  file: string;
  /** Names of the profiles added. */
  added: string[];
  /** Host names not added, and why. */
  skipped: { name: string; reason: string }[];
  /** Include lines that could not be followed. */
  warnings: string[];
}

type SshConfigError = Extract<ProfilesError, { kind: 'ssh-config' }>;

function isPattern(entry: string): boolean {
  return /[*?!]/.test(entry);
}

/** Reads `file` (and its Includes) for Host names. A missing or malformed file is an error. */
export async function readSshConfigHosts(
  file: string,
  ctx: { home: string; env: Readonly<Record<string, string | undefined>> },
): Promise<Result<SshConfigHosts, SshConfigError>> {
  const out: SshConfigHosts = { file, aliases: [], patterns: [], warnings: [] };
  const seen = new Set<string>();

  const visit = async (f: string, depth: number): Promise<SshConfigError | undefined> => {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (depth > 0 && code === 'ENOENT') return undefined;
      const why =
        code === 'ENOENT'
          ? 'there is no such file, so there is nothing to import'
          : code === 'EACCES'
            ? 'permission denied: make it readable by you'
            : code === 'EISDIR'
              ? 'it is a folder, not a file'
              : (e as Error).message;
      return { kind: 'ssh-config', message: `cannot read ${f}: ${why}.`, file: f };
    }
    const parsed = parseConfigText(text, f);
    if (!parsed.ok) {
      return {
        kind: 'ssh-config',
        message: parsed.error.message,
        file: parsed.error.file ?? f,
        ...(parsed.error.line === undefined ? {} : { line: parsed.error.line }),
      };
    }
    for (const line of parsed.value) {
      if (line.keyword === 'host') {
        for (const entry of line.args) {
          if (isPattern(entry)) {
            if (!out.patterns.includes(entry)) out.patterns.push(entry);
            continue;
          }
          const key = entry.toLowerCase();
          if (seen.has(key)) continue;
          seen.add(key);
          out.aliases.push(entry);
        }
      } else if (line.keyword === 'include') {
        if (depth + 1 >= MAX_INCLUDE_DEPTH) {
          out.warnings.push(
            `${f} line ${line.line}: Include nested more than ${MAX_INCLUDE_DEPTH} deep, not followed`,
          );
          continue;
        }
        for (const arg of line.args) {
          const tilde = expandTilde(arg, ctx.home);
          const env = tilde.ok ? expandEnv(tilde.value, ctx.env) : tilde;
          if (!env.ok || env.value.includes('%')) {
            out.warnings.push(
              `${f} line ${line.line}: Include ${arg} was not followed (${env.ok ? '%-tokens depend on the host being connected to' : env.error})`,
            );
            continue;
          }
          const pattern = path.isAbsolute(env.value)
            ? env.value
            : path.join(ctx.home, '.ssh', env.value);
          for (const included of await globFiles(pattern)) {
            const err = await visit(included, depth + 1);
            if (err !== undefined) return err;
          }
        }
      }
    }
    return undefined;
  };

  const err = await visit(file, 0);
  return err === undefined ? ok(out) : fail(err);
}

/**
 * The profiles to add for `hosts`, given those saved: one per alias not yet followed by a
 * profile and whose name is free. `newId` makes ids (randomUUID; tests pass a counter).
 */
export function planImport(
  existing: readonly Profile[],
  hosts: SshConfigHosts,
  newId: () => string,
): { added: Profile[]; report: ImportReport } {
  const report: ImportReport = {
    file: hosts.file,
    added: [],
    skipped: [],
    warnings: hosts.warnings,
  };
  const added: Profile[] = [];
  const all = (): Profile[] => [...existing, ...added];
  for (const alias of hosts.aliases) {
    const following = all().find((p) => p.alias !== undefined && sameName(p.alias, alias));
    if (following !== undefined) {
      report.skipped.push({
        name: alias,
        reason:
          following.name === alias
            ? 'already imported'
            : `already followed by profile '${following.name}'`,
      });
      continue;
    }
    const taken = all().find((p) => sameName(p.name, alias));
    if (taken !== undefined) {
      report.skipped.push({
        name: alias,
        reason: `a profile named '${taken.name}' exists and does not follow this alias`,
      });
      continue;
    }
    const candidate = ProfileSchema.safeParse({ id: newId(), name: alias, alias });
    if (!candidate.success) {
      const why = candidate.error.issues[0]?.message ?? 'not a valid profile';
      report.skipped.push({ name: alias, reason: `cannot be a profile name: ${why}` });
      continue;
    }
    added.push(candidate.data);
    report.added.push(candidate.data.name);
  }
  for (const pattern of hosts.patterns) {
    report.skipped.push({ name: pattern, reason: 'a pattern, not one host' });
  }
  return { added, report };
}
