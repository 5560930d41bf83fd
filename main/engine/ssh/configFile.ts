/**
 * ssh_config text → a flat list of directives, each with its file and line number.
 *
 * The text is tokenized by the `ssh-config` package (quotes, `=` separators, comments);
 * this module only flattens its tree, recovers line numbers, and turns the package's
 * thrown errors and quirks into a {@link ConfigError} that names the file and line.
 * Evaluating the directives (Host/Match, first value wins) is `config.ts`'s job.
 */
import { LineType, parse, type Line } from 'ssh-config';
import { configError, type ConfigError } from './errors';
import { fail, ok, type Result } from './result';

/** One directive of a config file: `keyword args...`. */
export interface ConfigLine {
  /** The keyword in lower case, e.g. `hostname`. */
  keyword: string;
  /** The keyword as written, for messages. */
  name: string;
  /** Its arguments, unquoted. */
  args: string[];
  /**
   * The value as written, when the package kept it as one unquoted string (quotes inside
   * it, such as `SetEnv A=1 "B=two words"`, are then still in it): for the directives
   * that split their value themselves, like OpenSSH does.
   */
  raw?: string;
  /** The file it came from (or "command line"). */
  file: string;
  /** 1-based line number in `file`. */
  line: number;
}

function countNewlines(text: string | undefined): number {
  let n = 0;
  if (text === undefined) return 0;
  for (const c of text) if (c === '\n') n++;
  return n;
}

function argsOf(line: Line): string[] {
  if (line.type !== LineType.DIRECTIVE) return [];
  const value = line.value;
  if (Array.isArray(value)) return value.map((v) => v.val);
  if (value === '') return [];
  // The package keeps a single-valued directive as one string; a quoted one is one argument.
  return line.quoted === true ? [value] : value.split(/\s+/).filter((v) => v !== '');
}

/** Turns the package's parse exceptions into a reason a person can act on. */
function explainParseError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/Unexpected line break/i.test(message)) {
    return 'a quote is not closed: close the " on this line (or escape it as \\").';
  }
  const missing = /Missing value for match criteria (\S+)/i.exec(message);
  if (missing)
    return `Match '${missing[1]}' needs a value, e.g. "Match ${missing[1]} example.com".`;
  return 'this line has a keyword but no value: write "Keyword value".';
}

/** Finds the 1-based line that the package cannot tokenize on its own. */
function findBadLine(text: string): number | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    try {
      parse(lines[i] ?? '');
    } catch {
      return i + 1;
    }
  }
  return undefined;
}

/**
 * Tokenizes ssh_config text. Returns its directives in file order (Host and Match lines
 * included, their bodies following them), or the first malformed line as an error.
 */
export function parseConfigText(text: string, file: string): Result<ConfigLine[], ConfigError> {
  let tree: Line[];
  try {
    tree = parse(text);
  } catch (err) {
    return fail(configError(explainParseError(err), file, findBadLine(text)));
  }
  const out: ConfigLine[] = [];
  let newlines = 0;
  let bad: ConfigError | undefined;
  const visit = (nodes: readonly Line[]): void => {
    for (const node of nodes) {
      newlines += countNewlines(node.before);
      const lineNo = newlines + 1;
      if (node.type === LineType.DIRECTIVE) {
        newlines += countNewlines(node.param) + countNewlines(node.separator);
        // "Keyword" alone on a line: the package reads the next line as its value.
        if (bad === undefined && /[\r\n]/.test(node.param + node.separator)) {
          const name = node.param.trim();
          bad = configError(`'${name}' has no value: write "${name} value".`, file, lineNo);
        }
        const args = argsOf(node);
        const raw = typeof node.value === 'string' && node.quoted !== true ? node.value : undefined;
        out.push({
          keyword: node.param.trim().toLowerCase(),
          name: node.param.trim(),
          args,
          ...(raw === undefined ? {} : { raw }),
          file,
          line: lineNo,
        });
      }
      newlines += countNewlines(node.after);
      if ('config' in node) visit(node.config);
    }
  };
  visit(tree);
  if (bad !== undefined) return fail(bad);
  return ok(out);
}

/**
 * Splits a directive's value into words as OpenSSH's argv_split does: blanks separate,
 * "..." and '...' group (quotes removed), a backslash escapes the next quote or backslash.
 * Undefined when a quote is not closed.
 */
export function splitWords(text: string): string[] | undefined {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const next = text[i + 1];
    if (ch === '\\' && (next === '"' || next === "'" || next === '\\')) {
      word += next;
      inWord = true;
      i++;
    } else if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote !== undefined) return undefined;
  if (inWord) words.push(word);
  return words;
}
