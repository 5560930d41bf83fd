// Which file of the built renderer (out/renderer) answers an app://holdfast/... request,
// and with which headers. Pure (paths and strings only); main.ts reads the file. Anything
// that could leave the renderer folder — `..` in any spelling, encoded slashes or
// backslashes, NUL, another host — is refused before the disk is touched.

import path from 'node:path';
import { APP_HOST, APP_SCHEME, SECURITY_HEADERS } from './security';

export type AppFile =
  { ok: true; path: string } | { ok: false; status: 400 | 403 | 404 | 405; reason: string };

/** Served for `app://holdfast/` itself. */
export const INDEX_FILE = 'index.html';

/**
 * Maps a request URL to a file under `root` (an absolute folder).
 * @param method only GET and HEAD read files
 */
export function resolveAppFile(root: string, requestUrl: string, method = 'GET'): AppFile {
  if (method !== 'GET' && method !== 'HEAD') {
    return { ok: false, status: 405, reason: `${method} is not allowed here` };
  }
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { ok: false, status: 400, reason: 'not a URL' };
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) {
    return { ok: false, status: 403, reason: 'not an address of this app' };
  }
  // The URL parser has already folded `/a/../b` and `%2e%2e`; what is left must still be
  // checked once decoded, because `%2F` and `%5C` only become separators after decoding.
  const raw = url.pathname;
  if (/%2f|%5c|%00/i.test(raw)) {
    return { ok: false, status: 403, reason: 'encoded separators are not allowed' };
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return { ok: false, status: 400, reason: 'bad percent-encoding' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) {
    return { ok: false, status: 403, reason: 'bad characters in the path' };
  }
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) {
    return { ok: false, status: 403, reason: 'the path leaves the app folder' };
  }
  const relative = segments.length === 0 ? INDEX_FILE : segments.join('/');
  const base = path.resolve(root);
  const file = path.resolve(base, relative);
  if (file !== base && !file.startsWith(base + path.sep)) {
    return { ok: false, status: 403, reason: 'the path leaves the app folder' };
  }
  return { ok: true, path: file };
}

/** Content types of what Vite emits; anything else is served as opaque bytes. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Headers of a served file: its type, our security headers, no caching of stale UI. */
export function fileHeaders(file: string): Record<string, string> {
  return { 'Content-Type': contentTypeOf(file), 'Cache-Control': 'no-cache', ...SECURITY_HEADERS };
}

/** Headers of a refusal or a missing file. */
export function errorHeaders(): Record<string, string> {
  return { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS };
}
