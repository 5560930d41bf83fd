/**
 * The small value languages of ssh_config: `~` paths, `%x` tokens, `${VAR}` environment
 * references and time intervals like `1m30s`. Pure functions returning Results.
 */
import path from 'node:path';
import { fail, ok, type Result } from './result';

/** Expands a leading `~` or `~/` to `home`. `~otheruser` is refused with a hint. */
export function expandTilde(text: string, home: string): Result<string, string> {
  if (text === '~') return ok(home);
  if (text.startsWith('~/')) return ok(path.join(home, text.slice(2)));
  if (text.startsWith('~')) {
    return fail(`'${text}': '~user' paths are not supported; write the full path.`);
  }
  return ok(text);
}

/**
 * Replaces `%x` tokens from `tokens` and `%%` with `%`. A token not in `tokens` (or a
 * lone `%` at the end) is an error naming the tokens that are allowed here.
 */
export function expandPercent(
  text: string,
  tokens: Readonly<Record<string, string>>,
): Result<string, string> {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    const t = text[i + 1];
    i++;
    if (t === '%') {
      out += '%';
      continue;
    }
    const value = t === undefined ? undefined : tokens[t];
    if (value === undefined) {
      const known = ['%%', ...Object.keys(tokens).map((k) => `%${k}`)].join(' ');
      return fail(
        t === undefined
          ? `'${text}' ends with a lone '%': write '%%' for a percent sign.`
          : `'${text}' uses the unknown token %${t}; allowed here: ${known}.`,
      );
    }
    out += value;
  }
  return ok(out);
}

/** Replaces `${NAME}` with the environment variable NAME; an unset one is an error. */
export function expandEnv(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): Result<string, string> {
  let missing: string | undefined;
  const out = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_all, name: string) => {
    const value = env[name];
    if (value === undefined) missing ??= name;
    return value ?? '';
  });
  if (missing !== undefined)
    return fail(`'${text}' uses \${${missing}}, which is not set in the environment.`);
  return ok(out);
}

/** Seconds per unit letter of an OpenSSH time interval. */
const TIME_UNITS: Readonly<Record<string, number>> = {
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
};

/**
 * Parses an OpenSSH time interval (sshd_config(5) "TIME FORMATS"): a number of seconds,
 * or a run of number+unit pairs (`s m h d w`, any case) such as `1h30m`. Undefined if bad.
 */
export function parseInterval(text: string): number | undefined {
  const s = text.trim().toLowerCase();
  if (s === '' || !/^(\d+[smhdw]?)+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+)([smhdw]?)/g)) {
    const n = Number(m[1]);
    const unit = TIME_UNITS[m[2] || 's'] ?? 1;
    total += n * unit;
  }
  return Number.isSafeInteger(total) ? total : undefined;
}
