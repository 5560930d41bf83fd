// Colour schemes from other terminals' files: an iTerm2 .itermcolors (an XML property list
// of colour dicts with 0-1 components) or a Windows Terminal scheme (JSON: one scheme, a
// list, or a settings.json with "schemes"). Pure: text in, schemes or a message out; a
// file that is not one of these says what is missing, so the user knows which file to try.

import { ANSI_KEYS, type Scheme } from './schemes';

export type SchemeImport = { ok: true; schemes: Scheme[] } | { ok: false; message: string };

/** Largest file read (a scheme is a few KiB; a settings.json with many schemes, more). */
export const MAX_SCHEME_FILE_BYTES = 1 << 20;
/** Most schemes taken from one file. */
export const MAX_SCHEMES_PER_FILE = 32;

/** Reads `text` as the file `fileName` (its extension and content pick the format). */
export function importSchemes(fileName: string, text: string): SchemeImport {
  if (text.length > MAX_SCHEME_FILE_BYTES) {
    return { ok: false, message: `${fileName} is larger than 1 MiB: not a colour scheme` };
  }
  const base = fileName.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') || 'Imported';
  const trimmed = text.trimStart();
  if (trimmed.startsWith('<')) return parseItermColors(base, text);
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return parseWindowsTerminal(text);
  return {
    ok: false,
    message: `${fileName} is neither an iTerm2 .itermcolors file nor a Windows Terminal scheme (JSON)`,
  };
}

// --- iTerm2 -------------------------------------------------------------------------------

type Plist = string | number | boolean | Plist[] | { [key: string]: Plist };

/** The colour keys of an .itermcolors file, for the 16 ANSI colours in order. */
const ITERM_ANSI = ANSI_KEYS.map((_, i) => `Ansi ${i} Color`);

export function parseItermColors(name: string, xml: string): SchemeImport {
  let root: Plist | undefined;
  try {
    root = parsePlist(xml);
  } catch (error) {
    return { ok: false, message: `Not an iTerm2 colour file: ${(error as Error).message}` };
  }
  if (!isDict(root)) return { ok: false, message: 'Not an iTerm2 colour file: no colour list' };
  const colour = (key: string): string | undefined => {
    const value = root[key];
    return isDict(value) ? itermColour(value) : undefined;
  };
  const theme: Record<string, string> = {};
  for (const [i, key] of ITERM_ANSI.entries()) {
    const hex = colour(key);
    if (hex === undefined) return { ok: false, message: `The iTerm2 file has no “${key}”` };
    theme[ANSI_KEYS[i] as string] = hex;
  }
  const background = colour('Background Color');
  const foreground = colour('Foreground Color');
  if (!background || !foreground) {
    return {
      ok: false,
      message: 'The iTerm2 file has no “Background Color” or “Foreground Color”',
    };
  }
  return {
    ok: true,
    schemes: [
      finish(name, theme, {
        background,
        foreground,
        cursor: colour('Cursor Color'),
        cursorAccent: colour('Cursor Text Color'),
        selection: colour('Selection Color'),
      }),
    ],
  };
}

function isDict(v: Plist | undefined): v is { [key: string]: Plist } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `{Red,Green,Blue} Component` (0-1) as #rrggbb; undefined when one is missing. */
function itermColour(dict: { [key: string]: Plist }): string | undefined {
  const parts = ['Red', 'Green', 'Blue'].map((c) => dict[`${c} Component`]);
  if (!parts.every((p) => typeof p === 'number' && p >= 0 && p <= 1)) return undefined;
  return `#${(parts as number[]).map((p) => hex2(Math.round(p * 255))).join('')}`;
}

/**
 * A property list's XML (dict, array, key, string, real, integer, true, false), enough for
 * colour files; DOCTYPE, comments and the XML declaration are skipped.
 */
function parsePlist(xml: string): Plist {
  const tokens = [
    ...xml
      .replace(/<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>/g, '')
      .matchAll(/<(\/?)([A-Za-z]+)[^>]*?(\/?)>|([^<]+)/g),
  ];
  let at = 0;
  const next = () => tokens[at++];
  const tag = (t: RegExpMatchArray | undefined) =>
    t?.[2] ? { close: t[1] === '/', name: t[2], empty: t[3] === '/' } : undefined;
  const skipText = (): void => {
    while (tokens[at] && !tokens[at]?.[2] && (tokens[at]?.[4] ?? '').trim() === '') at++;
  };
  const text = (name: string): string => {
    let out = '';
    for (;;) {
      const t = next();
      if (!t) throw new Error(`<${name}> is not closed`);
      const g = tag(t);
      if (g?.close && g.name === name) return decodeEntities(out);
      if (g) throw new Error(`<${g.name}> inside <${name}>`);
      out += t[4] ?? '';
    }
  };
  const value = (): Plist => {
    skipText();
    const g = tag(next());
    if (!g || g.close) throw new Error('a value was expected');
    if (g.name === 'plist') {
      const v = value();
      skipText();
      return v;
    }
    if (g.empty) {
      if (g.name === 'true') return true;
      if (g.name === 'false') return false;
      if (g.name === 'dict') return {};
      if (g.name === 'array') return [];
      return '';
    }
    switch (g.name) {
      case 'string':
        return text('string');
      case 'real':
      case 'integer': {
        const n = Number(text(g.name).trim());
        if (!Number.isFinite(n)) throw new Error(`<${g.name}> is not a number`);
        return n;
      }
      case 'dict': {
        const dict: { [key: string]: Plist } = {};
        for (;;) {
          skipText();
          const k = tag(next());
          if (k?.close && k.name === 'dict') return dict;
          if (!k || k.name !== 'key') throw new Error('a <key> was expected in <dict>');
          dict[text('key')] = value();
        }
      }
      case 'array': {
        const list: Plist[] = [];
        for (;;) {
          skipText();
          const t = tokens[at];
          const g2 = tag(t);
          if (g2?.close && g2.name === 'array') {
            at++;
            return list;
          }
          list.push(value());
        }
      }
      default:
        throw new Error(`<${g.name}> is not a property list value`);
    }
  };
  return value();
}

function decodeEntities(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

// --- Windows Terminal ---------------------------------------------------------------------

/** Windows Terminal's key for each ANSI colour (it says purple for magenta). */
const WT_ANSI = ANSI_KEYS.map((k) => k.replace('magenta', 'purple').replace('Magenta', 'Purple'));

export function parseWindowsTerminal(json: string): SchemeImport {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    return { ok: false, message: `Not a Windows Terminal scheme: ${(error as Error).message}` };
  }
  const list = Array.isArray(data)
    ? data
    : typeof data === 'object' &&
        data !== null &&
        Array.isArray((data as { schemes?: unknown }).schemes)
      ? (data as { schemes: unknown[] }).schemes
      : [data];
  if (list.length === 0) return { ok: false, message: 'The file holds no colour scheme' };
  const schemes: Scheme[] = [];
  for (const [i, item] of list.slice(0, MAX_SCHEMES_PER_FILE).entries()) {
    const parsed = wtScheme(item, i);
    if (!parsed.ok) return parsed;
    schemes.push(parsed.scheme);
  }
  return { ok: true, schemes };
}

function wtScheme(
  item: unknown,
  index: number,
): { ok: true; scheme: Scheme } | { ok: false; message: string } {
  if (typeof item !== 'object' || item === null) {
    return { ok: false, message: `Scheme ${index + 1} is not an object with colours` };
  }
  const o = item as Record<string, unknown>;
  const name =
    typeof o.name === 'string' && o.name.trim() !== ''
      ? o.name.trim().slice(0, 64)
      : `Imported ${index + 1}`;
  const colour = (key: string): string | undefined => {
    const v = o[key];
    return typeof v === 'string' ? normalizeHex(v) : undefined;
  };
  const theme: Record<string, string> = {};
  for (const [i, key] of WT_ANSI.entries()) {
    const hex = colour(key);
    if (hex === undefined) {
      return { ok: false, message: `Scheme “${name}” has no colour “${key}” (#rrggbb)` };
    }
    theme[ANSI_KEYS[i] as string] = hex;
  }
  const background = colour('background');
  const foreground = colour('foreground');
  if (!background || !foreground) {
    return { ok: false, message: `Scheme “${name}” has no “background” or “foreground”` };
  }
  return {
    ok: true,
    scheme: finish(name, theme, {
      background,
      foreground,
      cursor: colour('cursorColor'),
      selection: colour('selectionBackground'),
    }),
  };
}

// --- shared -------------------------------------------------------------------------------

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** #rgb or #rrggbb (any case) as #rrggbb; undefined otherwise. */
export function normalizeHex(text: string): string | undefined {
  const t = text.trim().toLowerCase();
  if (/^#[0-9a-f]{6}$/.test(t)) return t;
  if (/^#[0-9a-f]{3}$/.test(t)) return `#${[...t.slice(1)].map((c) => c + c).join('')}`;
  return undefined;
}

/** Relative luminance below the middle: a dark background. */
function isDarkColour(hex: string): boolean {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255) as [
    number,
    number,
    number,
  ];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5;
}

function finish(
  name: string,
  ansi: Record<string, string>,
  base: {
    background: string;
    foreground: string;
    cursor?: string | undefined;
    cursorAccent?: string | undefined;
    selection?: string | undefined;
  },
): Scheme {
  return {
    name,
    dark: isDarkColour(base.background),
    theme: {
      ...ansi,
      background: base.background,
      foreground: base.foreground,
      cursor: base.cursor ?? base.foreground,
      cursorAccent: base.cursorAccent ?? base.background,
      ...(base.selection ? { selectionBackground: base.selection } : {}),
    },
  };
}
