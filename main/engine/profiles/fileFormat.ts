/**
 * profiles.json text ⇄ profiles. Pure: no disk, no clock.
 *
 * Layout (UTF-8 JSON, a BOM tolerated on read):
 *
 *   { "version": 1, "profiles": [ { "id": "…", "name": "web", "host": "…", … }, … ] }
 *
 * Reading decides one of three things: the profiles (upgraded from an older format when
 * needed); "newer" (a later Holdfast wrote it: leave it alone); or "broken" (not JSON, or
 * not valid), with the line and column or the fields that are wrong.
 */
import type { BrokenFileNotice, FieldError } from './errors';
import { defaultMessage, toFieldErrors } from './fieldErrors';
import { findJsonSyntaxError } from './jsonSyntax';
import { CURRENT_FORMAT, migrate, type JsonObject, type ProfilesFormat } from './migrations';
import { ProfilesFileSchema, type Profile } from './schema';

export type ParsedProfilesFile =
  | { kind: 'ok'; profiles: Profile[]; migratedFrom?: number }
  | { kind: 'newer'; fileVersion: number }
  | { kind: 'broken'; problem: BrokenFileNotice['problem']; summary: string };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function broken(fields: FieldError[]): ParsedProfilesFile {
  const summary = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
  return { kind: 'broken', problem: { kind: 'fields', fields }, summary };
}

/** Adds `(profile 'web')` to errors inside a profile, so the user finds it by name. */
function withProfileNames(fields: FieldError[], doc: JsonObject): FieldError[] {
  const list = Array.isArray(doc.profiles) ? (doc.profiles as unknown[]) : [];
  return fields.map((f) => {
    const m = /^profiles\[(\d+)\]/.exec(f.field);
    const p = m === null ? undefined : list[Number(m[1])];
    const name = isObject(p) && typeof p.name === 'string' ? p.name : undefined;
    return name === undefined ? f : { ...f, message: `${f.message} (profile '${name}')` };
  });
}

/** Reads the text of profiles.json (see the module comment for the outcomes). */
export function parseProfilesText(
  text: string,
  format: ProfilesFormat = CURRENT_FORMAT,
): ParsedProfilesFile {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (e) {
    const at = findJsonSyntaxError(body) ?? {
      line: 1,
      column: 1,
      reason: e instanceof Error ? e.message : String(e),
    };
    return {
      kind: 'broken',
      problem: { kind: 'syntax', line: at.line, column: at.column, reason: at.reason },
      summary: `line ${at.line}, column ${at.column}: ${at.reason}`,
    };
  }
  if (!isObject(raw)) {
    return broken([
      {
        field: '(the whole file)',
        message: 'must be an object: { "version": N, "profiles": [ ... ] }',
      },
    ]);
  }
  const version = raw.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return broken([
      {
        field: 'version',
        message:
          version === undefined ? 'is missing' : 'must be a whole number (the format version)',
      },
    ]);
  }
  if (version > format.version) return { kind: 'newer', fileVersion: version };
  let doc = raw;
  if (version < format.version) {
    const up = migrate(raw, version, format);
    if (!up.ok) {
      return {
        kind: 'broken',
        problem: { kind: 'migration', fromVersion: up.fromVersion, reason: up.reason },
        summary: up.reason,
      };
    }
    doc = up.doc;
  }
  const parsed = ProfilesFileSchema.safeParse(
    { ...doc, version: format.version },
    { error: defaultMessage },
  );
  if (!parsed.success) return broken(withProfileNames(toFieldErrors(parsed.error.issues), doc));
  return {
    kind: 'ok',
    profiles: parsed.data.profiles,
    ...(version < format.version ? { migratedFrom: version } : {}),
  };
}

/** The text written to profiles.json: stable field order, two-space indent, final newline. */
export function serializeProfiles(
  profiles: readonly Profile[],
  format: ProfilesFormat = CURRENT_FORMAT,
): string {
  return `${JSON.stringify({ version: format.version, profiles }, null, 2)}\n`;
}
