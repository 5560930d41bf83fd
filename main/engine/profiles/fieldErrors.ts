/**
 * zod issues → {@link FieldError}s a person can read: `profiles[2].port`, one message per
 * field, in words instead of zod's "Invalid input: expected string, received number".
 */
import type { z } from 'zod';
import type { FieldError } from './errors';

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

/** `['profiles', 2, 'env', 'A B']` → `profiles[2].env["A B"]`; `root` names the empty path. */
export function formatPath(pathKeys: readonly PathKey[], root = '(the whole file)'): string {
  let out = '';
  for (const key of pathKeys) {
    if (typeof key === 'number') out += `[${key}]`;
    else {
      const s = String(key);
      if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s)) out += out === '' ? s : `.${s}`;
      else out += `[${JSON.stringify(s)}]`;
    }
  }
  return out === '' ? root : out;
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object { ... }',
  array: 'a list [ ... ]',
  record: 'an object { ... }',
};

/**
 * The message for issues whose schema set none: passed to `safeParse` as the error map.
 * Messages written on the schema win over this.
 */
export function defaultMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'is missing';
      const want = TYPE_WORDS[issue.expected] ?? String(issue.expected);
      return `must be ${want}`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `is too small (at least ${String(issue.minimum)})`;
    case 'too_big':
      return `is too big (at most ${String(issue.maximum)})`;
    default:
      return undefined;
  }
}

/**
 * Turns zod issues into field errors under `prefix` (e.g. `['profiles', 2]`), keeping the
 * first message per field: one thing to fix per field, the most basic first.
 */
export function toFieldErrors(
  issues: readonly Issue[],
  prefix: PathKey[] = [],
  root?: string,
): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  const add = (keys: readonly PathKey[], message: string): void => {
    const field = formatPath([...prefix, ...keys], root);
    if (seen.has(field)) return;
    seen.add(field);
    out.push({ field, message });
  };
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        add([...issue.path, key], 'is not a field Holdfast knows: remove it (a typo?)');
      }
    } else if (issue.code === 'invalid_key') {
      add(issue.path, issue.issues[0]?.message ?? issue.message);
    } else {
      add(issue.path, issue.message);
    }
  }
  return out;
}

/** `port: must be ...; host: enter ...` for one-line messages. */
export function describeFields(fields: readonly FieldError[]): string {
  return fields.map((f) => `${f.field}: ${f.message}`).join('; ');
}
