// What these prove: app://holdfast/... requests map to files inside the built renderer
// folder only (main/app/appFiles.ts) — `..` in any spelling, encoded separators, NUL and
// other hosts are refused before the disk is touched — and every served file carries its
// content type and the security headers.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentTypeOf, errorHeaders, fileHeaders, resolveAppFile } from '../../main/app/appFiles';
import { CONTENT_SECURITY_POLICY } from '../../main/app/security';

const root = path.resolve('/srv/holdfast/out/renderer');

describe('resolveAppFile', () => {
  it('serves index.html for the origin itself', () => {
    expect(resolveAppFile(root, 'app://holdfast/')).toEqual({
      ok: true,
      path: path.join(root, 'index.html'),
    });
    expect(resolveAppFile(root, 'app://holdfast')).toMatchObject({ ok: true });
  });

  it('maps a path to the file under the root, ignoring query and fragment', () => {
    expect(resolveAppFile(root, 'app://holdfast/assets/index-1.js?v=2#x')).toEqual({
      ok: true,
      path: path.join(root, 'assets', 'index-1.js'),
    });
    expect(resolveAppFile(root, 'app://holdfast/index.html?test=1')).toEqual({
      ok: true,
      path: path.join(root, 'index.html'),
    });
  });

  it('decodes percent-encoded names', () => {
    expect(resolveAppFile(root, 'app://holdfast/a%20b.css')).toEqual({
      ok: true,
      path: path.join(root, 'a b.css'),
    });
  });

  it('never leaves the root, whatever the spelling of ..', () => {
    for (const url of [
      'app://holdfast/../../etc/passwd',
      'app://holdfast/%2e%2e/%2e%2e/etc/passwd',
      'app://holdfast/assets/..%2f..%2f..%2fetc/passwd',
      'app://holdfast/..%5c..%5cwindows%5cwin.ini',
      'app://holdfast/a\\..\\..\\secret',
      'app://holdfast/%2e%2e%2fsecret',
    ]) {
      const file = resolveAppFile(root, url);
      if (file.ok) {
        expect(file.path.startsWith(root + path.sep), `${url} → ${file.path}`).toBe(true);
      } else {
        expect(file.status, url).toBe(403);
      }
    }
  });

  it('refuses encoded slashes, backslashes and NUL', () => {
    expect(resolveAppFile(root, 'app://holdfast/assets%2findex.js')).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(resolveAppFile(root, 'app://holdfast/a%5cb')).toMatchObject({ ok: false, status: 403 });
    expect(resolveAppFile(root, 'app://holdfast/index.html%00.png')).toMatchObject({
      ok: false,
      status: 403,
    });
  });

  it('refuses other hosts and schemes', () => {
    expect(resolveAppFile(root, 'app://other/index.html')).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(resolveAppFile(root, 'file:///etc/passwd')).toMatchObject({ ok: false, status: 403 });
    expect(resolveAppFile(root, 'app://holdfast:99/index.html')).toMatchObject({
      ok: false,
      status: 403,
    });
  });

  it('refuses bad percent-encoding and non-URLs', () => {
    expect(resolveAppFile(root, 'app://holdfast/%E0%A4%A')).toMatchObject({
      ok: false,
      status: 400,
    });
    expect(resolveAppFile(root, 'nonsense')).toMatchObject({ ok: false, status: 400 });
  });

  it('reads only with GET and HEAD', () => {
    expect(resolveAppFile(root, 'app://holdfast/', 'HEAD')).toMatchObject({ ok: true });
    expect(resolveAppFile(root, 'app://holdfast/', 'POST')).toMatchObject({
      ok: false,
      status: 405,
    });
  });
});

describe('response headers', () => {
  it('name the content type of what Vite emits', () => {
    expect(contentTypeOf('/x/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('/x/a.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('/x/a.CSS')).toBe('text/css; charset=utf-8');
    expect(contentTypeOf('/x/font.woff2')).toBe('font/woff2');
    expect(contentTypeOf('/x/unknown.bin')).toBe('application/octet-stream');
  });
  it('carry the CSP and nosniff on files and on refusals', () => {
    for (const headers of [fileHeaders('/x/index.html'), errorHeaders()]) {
      expect(headers['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(headers['X-Content-Type-Options']).toBe('nosniff');
    }
  });
});
