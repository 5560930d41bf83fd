/**
 * Upgrades of profiles.json from older format versions, one step at a time.
 *
 * A migration works on plain JSON, before validation: the schema of an old version is not
 * kept, only the step from it to the next. Steps run in order (1→2, 2→3, ...) until the
 * document is at the version this Holdfast writes; the result is then validated with the
 * current schema like any file. The upgraded file is written back only on the next save,
 * so merely looking at the profiles never rewrites the file.
 *
 * Version 2 added `forwardAgent` and `forwards`: a version-1 document is a valid version 2
 * as it stands. `migrations.test` proves the runner with synthetic older versions.
 */
import { PROFILES_FORMAT_VERSION } from './schema';

/** A JSON object as `JSON.parse` returns it. */
export type JsonObject = Record<string, unknown>;

/** One step: a version-`from` document in, a version-`from + 1` document out. */
export interface Migration {
  from: number;
  /** What changed, one line (for the code reader and for failure messages). */
  what: string;
  /** Returns the upgraded document (its `version` is set by the runner). May throw. */
  up(doc: JsonObject): JsonObject;
}

/** The format a store reads and writes: its version and the steps up to it. */
export interface ProfilesFormat {
  version: number;
  migrations: readonly Migration[];
}

/** Every step from version 1 to {@link PROFILES_FORMAT_VERSION}, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    from: 1,
    what: 'profiles may say forwardAgent (agent forwarding) and list port forwards (forwards); nothing to change',
    up: (doc) => doc,
  },
];

export const CURRENT_FORMAT: ProfilesFormat = {
  version: PROFILES_FORMAT_VERSION,
  migrations: MIGRATIONS,
};

export type MigrateOutcome =
  { ok: true; doc: JsonObject } | { ok: false; fromVersion: number; reason: string };

/**
 * Our bug, not the user's: the steps must lead from 1 to `format.version` without a gap.
 * Checked on every run so a forgotten step fails loudly in development.
 */
export function assertMigrationChain(format: ProfilesFormat): void {
  for (let v = 1; v < format.version; v++) {
    const steps = format.migrations.filter((m) => m.from === v);
    if (steps.length !== 1) {
      throw new Error(
        `profiles format ${format.version}: expected one migration from version ${v}, found ${steps.length}`,
      );
    }
  }
}

/** Runs the steps from `fromVersion` up to `format.version`. */
export function migrate(
  doc: JsonObject,
  fromVersion: number,
  format: ProfilesFormat,
): MigrateOutcome {
  assertMigrationChain(format);
  let current = doc;
  for (let v = fromVersion; v < format.version; v++) {
    const step = format.migrations.find((m) => m.from === v) as Migration;
    try {
      current = { ...step.up(current), version: v + 1 };
    } catch (e) {
      return {
        ok: false,
        fromVersion: v,
        reason: `upgrading it from format ${v} to ${v + 1} (${step.what}) failed: ${e instanceof Error ? e.message : String(e)}`,
      };
    }
  }
  return { ok: true, doc: current };
}
