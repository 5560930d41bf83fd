/**
 * Where a JSON text stops being JSON, as a line and a column a person can go to, and what
 * to fix there.
 *
 * `JSON.parse` says "at position 123" for some errors and nothing for others ("Unexpected
 * token '}', ... is not valid JSON"), and its wording changes between Node versions. The
 * `jsonc-parser` scanner (VS Code's) finds the first error — comments and trailing commas
 * refused, so it judges strict JSON as `JSON.parse` does — and this module puts it in
 * words. Parsing proper is still `JSON.parse`'s job; this is called only after it failed.
 */
import { printParseErrorCode, visit, type ParseErrorCode } from 'jsonc-parser';

/** The scanner's error names (its codes are an ambient const enum we cannot read). */
type ErrorName = ReturnType<typeof printParseErrorCode>;

/** The first syntax error of a JSON text. `line` and `column` are 1-based. */
export interface JsonSyntaxError {
  offset: number;
  line: number;
  column: number;
  reason: string;
}

type Found = { offset: number; reason: string };

function describeChar(c: string | undefined): string {
  if (c === undefined) return 'the end of the file';
  if (c === '\n') return 'a line break';
  if (c.charCodeAt(0) < 0x20)
    return `control character U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  return `'${c}'`;
}

/** The last character before `offset` that is not white space. */
function previousToken(text: string, offset: number): string | undefined {
  for (let i = offset - 1; i >= 0; i--) {
    if (!' \t\n\r'.includes(text[i] as string)) return text[i];
  }
  return undefined;
}

/** `expected <what>, found <c>`, or "cut short" when the file ends there. */
function expected(text: string, offset: number, what: string, hint?: string): Found {
  const c = text[offset];
  if (c === undefined) {
    return { offset, reason: `the file ends where ${what} should be: is it cut short?` };
  }
  const tail = hint === undefined ? '' : ` (${hint})`;
  return { offset, reason: `expected ${what}, found ${describeChar(c)}${tail}` };
}

/** A bad string starting at `offset`: the first offending character inside it. */
function badString(text: string, offset: number, code: ErrorName): Found {
  for (let i = offset + 1; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"') break;
    if (c === '\\') {
      const e = text[i + 1];
      if (e === 'u' && !/^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) {
        return { offset: i, reason: '\\u must be followed by four hex digits' };
      }
      if (e === undefined || !'"\\/bfnrtu'.includes(e)) {
        return { offset: i, reason: `bad escape '\\${e ?? ''}': write a backslash as \\\\` };
      }
      i++;
      continue;
    }
    if (c.charCodeAt(0) < 0x20) {
      return {
        offset: i,
        reason: `${describeChar(c)} inside text: write it as an escape (\\n, \\t)`,
      };
    }
  }
  if (code === 'UnexpectedEndOfString') {
    return { offset, reason: 'this text has no closing double quote (")' };
  }
  return { offset, reason: 'this text is not valid JSON text' };
}

/** Puts the scanner's first error in words; `close` is the innermost open container's. */
function explain(text: string, offset: number, code: ErrorName, close?: '}' | ']'): Found {
  const c = text[offset];
  const prev = previousToken(text, offset);
  switch (code) {
    case 'CommaExpected':
      return expected(
        text,
        offset,
        `',' or '${close ?? '}'}' after the value`,
        'is a comma missing?',
      );
    case 'ColonExpected':
      return expected(text, offset, "':' after the field name");
    case 'CloseBraceExpected':
      return expected(text, offset, "',' or '}' after the value", 'is a comma missing?');
    case 'CloseBracketExpected':
      return expected(text, offset, "',' or ']' after the value", 'is a comma missing?');
    case 'UnexpectedEndOfString':
    case 'InvalidEscapeCharacter':
    case 'InvalidUnicode':
    case 'InvalidCharacter':
      return badString(text, offset, code);
    case 'InvalidNumberFormat':
    case 'UnexpectedEndOfNumber':
      return { offset, reason: 'this is not a number JSON accepts' };
    case 'InvalidCommentToken':
    case 'UnexpectedEndOfComment':
      return { offset, reason: 'JSON has no comments: remove this one' };
    default:
      break;
  }
  // A value or a field name was wanted here (ValueExpected, PropertyNameExpected,
  // InvalidSymbol, EndOfFileExpected).
  if ((c === '}' || c === ']') && prev === ',') {
    return { offset, reason: `a ',' before '${c}' is one too many: remove it` };
  }
  if (close === undefined && prev !== undefined) {
    return { offset, reason: `unexpected ${describeChar(c)} after the end of the data` };
  }
  if (close === '}' && (prev === '{' || prev === ',')) {
    return expected(text, offset, 'a field name in "double quotes"');
  }
  if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
    return { offset, reason: 'this is not a number JSON accepts' };
  }
  if (c === "'") return { offset, reason: 'text must be in double quotes ("), not single quotes' };
  return expected(
    text,
    offset,
    'a value (text in "double quotes", a number, true, false, null, { or [)',
  );
}

/** 1-based line and column of `offset` in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** The first syntax error in `text`, or undefined when it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const open: ('}' | ']')[] = [];
  let found: Found | undefined;
  visit(
    text,
    {
      onObjectBegin: () => void open.push('}'),
      onObjectEnd: () => void open.pop(),
      onArrayBegin: () => void open.push(']'),
      onArrayEnd: () => void open.pop(),
      onError: (code: ParseErrorCode, offset) => {
        found ??= explain(text, offset, printParseErrorCode(code), open[open.length - 1]);
      },
    },
    { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
  );
  if (found === undefined) return undefined;
  return { ...found, ...lineAndColumn(text, found.offset), offset: found.offset };
}
