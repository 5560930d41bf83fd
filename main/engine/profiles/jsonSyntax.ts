/**
 * Where a JSON text stops being JSON, as a line and a column a person can go to.
 *
 * `JSON.parse` says "at position 123" for some errors and nothing for others ("Unexpected
 * token '}', ... is not valid JSON"), and its wording changes between Node versions. This
 * scanner walks RFC 8259's grammar only to find the first error; parsing proper is still
 * `JSON.parse`'s job. It is called only after `JSON.parse` failed.
 */

/** The first syntax error of a JSON text. `line` and `column` are 1-based. */
export interface JsonSyntaxError {
  offset: number;
  line: number;
  column: number;
  reason: string;
}

/** Deeper than this is not a profiles file; the scanner recurses, so it stops here. */
const MAX_DEPTH = 256;

class Fail {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

function describeChar(c: string | undefined): string {
  if (c === undefined) return 'the end of the file';
  if (c === '\n') return 'a line break';
  if (c.charCodeAt(0) < 0x20)
    return `control character U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  return `'${c}'`;
}

class Scanner {
  i = 0;
  constructor(private readonly _t: string) {}

  private _ws(): void {
    while (this.i < this._t.length && ' \t\n\r'.includes(this._t[this.i] as string)) this.i++;
  }

  private _unexpected(what: string, hint?: string): Fail {
    const c = this._t[this.i];
    if (c === undefined) {
      return new Fail(this.i, `the file ends where ${what} should be: is it cut short?`);
    }
    return new Fail(
      this.i,
      `expected ${what}, found ${describeChar(c)}${hint === undefined ? '' : ` (${hint})`}`,
    );
  }

  document(): void {
    this._ws();
    this._value(0);
    this._ws();
    if (this.i < this._t.length) {
      throw new Fail(
        this.i,
        `unexpected ${describeChar(this._t[this.i])} after the end of the data`,
      );
    }
  }

  private _value(depth: number): void {
    if (depth > MAX_DEPTH) throw new Fail(this.i, `nested more than ${MAX_DEPTH} levels deep`);
    const c = this._t[this.i];
    if (c === '{') return this._object(depth);
    if (c === '[') return this._array(depth);
    if (c === '"') return this._string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this._number();
    for (const word of ['true', 'false', 'null']) {
      if (this._t.startsWith(word, this.i)) {
        this.i += word.length;
        return;
      }
    }
    if (c === "'") throw new Fail(this.i, 'text must be in double quotes ("), not single quotes');
    throw this._unexpected(
      'a value (text in "double quotes", a number, true, false, null, { or [)',
    );
  }

  private _object(depth: number): void {
    this.i++;
    this._ws();
    if (this._t[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this._ws();
      if (this._t[this.i] !== '"') {
        if (this._t[this.i] === '}')
          throw new Fail(this.i, "a ',' before '}' is one too many: remove it");
        throw this._unexpected('a field name in "double quotes"');
      }
      this._string();
      this._ws();
      if (this._t[this.i] !== ':') throw this._unexpected("':' after the field name");
      this.i++;
      this._ws();
      this._value(depth + 1);
      this._ws();
      const c = this._t[this.i];
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === '}') {
        this.i++;
        return;
      }
      throw this._unexpected("',' or '}' after the value", 'is a comma missing?');
    }
  }

  private _array(depth: number): void {
    this.i++;
    this._ws();
    if (this._t[this.i] === ']') {
      this.i++;
      return;
    }
    for (;;) {
      this._ws();
      if (this._t[this.i] === ']')
        throw new Fail(this.i, "a ',' before ']' is one too many: remove it");
      this._value(depth + 1);
      this._ws();
      const c = this._t[this.i];
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === ']') {
        this.i++;
        return;
      }
      throw this._unexpected("',' or ']' after the value", 'is a comma missing?');
    }
  }

  private _string(): void {
    const start = this.i;
    this.i++;
    for (;;) {
      const c = this._t[this.i];
      if (c === undefined) throw new Fail(start, 'this text has no closing double quote (")');
      if (c === '"') {
        this.i++;
        return;
      }
      if (c === '\\') {
        const e = this._t[this.i + 1];
        if (e === 'u') {
          if (!/^[0-9A-Fa-f]{4}$/.test(this._t.slice(this.i + 2, this.i + 6))) {
            throw new Fail(this.i, '\\u must be followed by four hex digits');
          }
          this.i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) {
          throw new Fail(this.i, `bad escape '\\${e ?? ''}': write a backslash as \\\\`);
        }
        this.i += 2;
        continue;
      }
      if (c.charCodeAt(0) < 0x20) {
        throw new Fail(this.i, `${describeChar(c)} inside text: write it as an escape (\\n, \\t)`);
      }
      this.i++;
    }
  }

  private _number(): void {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this._t.slice(this.i));
    if (m === null || m[0] === '-') throw new Fail(this.i, 'this is not a number JSON accepts');
    this.i += m[0].length;
  }
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
  try {
    new Scanner(text).document();
    return undefined;
  } catch (e) {
    if (!(e instanceof Fail)) throw e;
    return { offset: e.offset, ...lineAndColumn(text, e.offset), reason: e.reason };
  }
}
