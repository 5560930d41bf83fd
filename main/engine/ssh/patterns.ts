/**
 * OpenSSH host patterns (ssh_config(5) "PATTERNS"), shared by ssh_config and known_hosts.
 *
 * A pattern is a glob: `*` matches any run of characters (also none), `?` exactly one.
 * A pattern list is comma-separated; an entry starting with `!` is negated, and a negated
 * entry that matches makes the whole list fail, whatever else matches.
 */

/** How a name fared against a pattern list. */
export type PatternListMatch = 'match' | 'negated' | 'none';

/** Whether `text` matches the glob `pattern` (`*`, `?`), as a whole. */
export function matchPattern(text: string, pattern: string, ignoreCase = true): boolean {
  const t = ignoreCase ? text.toLowerCase() : text;
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  // Iterative glob with one backtrack point: linear in practice, no regex injection.
  let ti = 0;
  let pi = 0;
  let starP = -1;
  let starT = 0;
  while (ti < t.length) {
    const pc = p[pi];
    if (pc === '*') {
      starP = pi++;
      starT = ti;
    } else if (pc !== undefined && (pc === '?' || pc === t[ti])) {
      pi++;
      ti++;
    } else if (starP >= 0) {
      pi = starP + 1;
      ti = ++starT;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

/**
 * Matches `text` against a pattern list (a comma-separated string or an array of entries,
 * each possibly negated with `!`). A negated match wins over any positive one.
 */
export function matchPatternList(
  text: string,
  patterns: string | readonly string[],
  ignoreCase = true,
): PatternListMatch {
  const list = typeof patterns === 'string' ? patterns.split(',') : patterns;
  let found: PatternListMatch = 'none';
  for (const raw of list) {
    const entry = raw.trim();
    if (entry === '') continue;
    const negated = entry.startsWith('!');
    const pattern = negated ? entry.slice(1) : entry;
    if (!matchPattern(text, pattern, ignoreCase)) continue;
    if (negated) return 'negated';
    found = 'match';
  }
  return found;
}
