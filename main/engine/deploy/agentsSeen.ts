// What this client last found on each server it put an agent on: the target and version
// there. It decides whether a first connect sends the agent unasked behind the probe's
// script (one round trip sooner; deploy.ts, DeployOptions.speculate): only where this
// client never saw its own build, so a server that has it pays nothing. A cache, not a
// record: a missing, unreadable or stale entry costs one upload sent for nothing.
//
// Servers are named by a hash (user, host name, port), as HashKnownHosts does, so the
// file lists no host names.

import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomicWrite';
import { AGENT_TARGETS, type AgentBundle, type AgentTarget } from './agentBundle';

export type AgentSeen = { target: AgentTarget | 'source'; version: string };

export interface AgentsSeen {
  get(server: ServerName): Promise<AgentSeen | undefined>;
  /** Remembers what a deploy found or put there (best effort: never throws). */
  set(server: ServerName, seen: AgentSeen): Promise<void>;
}

export type ServerName = { user: string; hostName: string; port: number };

/** The file's name inside the config folder. */
export const AGENTS_SEEN_FILE = 'agents-seen.json';

/** Entries kept: the most recently seen servers. */
const MAX_ENTRIES = 500;

/** Where a server never seen gets the agent sent unasked: the commonest server there is. */
const FIRST_GUESS: AgentTarget = 'linux-x64';

function keyOf(s: ServerName): string {
  return createHash('sha256')
    .update(`${s.user}\0${s.hostName.toLowerCase()}\0${s.port}`)
    .digest('hex')
    .slice(0, 32);
}

/**
 * The target to send unasked, if any: none where this client last saw its own build (or
 * built from source there); the target seen there when it was another build; else the
 * first guess. Only targets the bundle carries.
 */
export function speculateFor(
  seen: AgentSeen | undefined,
  bundle: AgentBundle,
): AgentTarget | undefined {
  if (seen?.target === 'source') return undefined;
  const target = seen?.target ?? FIRST_GUESS;
  const bin = bundle.binaryFor(target);
  if (!bin || seen?.version === bin.versionLine) return undefined;
  return target;
}

/** Kept in memory only: one engine's life (tests, and the default). */
export class MemoryAgentsSeen implements AgentsSeen {
  private readonly _m = new Map<string, AgentSeen>();
  get(server: ServerName): Promise<AgentSeen | undefined> {
    return Promise.resolve(this._m.get(keyOf(server)));
  }
  set(server: ServerName, seen: AgentSeen): Promise<void> {
    this._m.set(keyOf(server), seen);
    return Promise.resolve();
  }
}

type Entry = AgentSeen & { at: number };

/** Kept in a JSON file (written whole, atomically: concurrent writers lose at most an entry). */
export class FileAgentsSeen implements AgentsSeen {
  constructor(private readonly _file: string) {}

  async get(server: ServerName): Promise<AgentSeen | undefined> {
    const e = (await this._read())[keyOf(server)];
    return e ? { target: e.target, version: e.version } : undefined;
  }

  async set(server: ServerName, seen: AgentSeen): Promise<void> {
    try {
      const all = await this._read();
      all[keyOf(server)] = { ...seen, at: Date.now() };
      const kept = Object.entries(all)
        .sort((a, b) => b[1].at - a[1].at)
        .slice(0, MAX_ENTRIES);
      await mkdir(path.dirname(this._file), { recursive: true, mode: 0o700 });
      await writeFileAtomic(this._file, `${JSON.stringify(Object.fromEntries(kept))}\n`);
    } catch {
      // A cache: a server not remembered gets one upload sent unasked next time.
    }
  }

  private async _read(): Promise<Record<string, Entry>> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(this._file, 'utf8'));
    } catch {
      return {};
    }
    const out: Record<string, Entry> = {};
    if (!parsed || typeof parsed !== 'object') return out;
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
      const e = v as Partial<Entry> | null;
      const target = e?.target;
      if (
        e &&
        typeof e.version === 'string' &&
        typeof e.at === 'number' &&
        target !== undefined &&
        (target === 'source' || (AGENT_TARGETS as readonly unknown[]).includes(target))
      )
        out[k] = { target, version: e.version, at: e.at };
    }
    return out;
  }
}
