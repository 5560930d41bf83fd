// What these prove: the Electron layer's security defaults (main/app/security.ts), each as
// data a test can read without Electron — the window's web preferences, the app scheme's
// privileges, the Content-Security-Policy and headers, the navigation, window-open and
// permission policies, the check before shell.openExternal, and the fuses.

import { describe, expect, it } from 'vitest';
import {
  ALLOWED_PERMISSIONS,
  APP_ENTRY_URL,
  APP_ORIGIN,
  APP_SCHEME_PRIVILEGES,
  CONTENT_SECURITY_POLICY,
  ELECTRON_FUSES,
  SECURITY_HEADERS,
  checkExternalUrl,
  isAppUrl,
  navigationAllowed,
  permissionAllowed,
  requestAllowed,
  secureWebPreferences,
  windowOpenDecision,
  withSecurityHeaders,
} from '../../main/app/security';

/** The CSP as directive → sources. */
function directives(csp: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of csp.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out.set(name, sources);
  }
  return out;
}

describe('the window web preferences', () => {
  const prefs = secureWebPreferences('/app/out/main/app/preload.cjs', { packaged: true });

  it('isolate the preload world from the page (contextIsolation on)', () => {
    expect(prefs.contextIsolation).toBe(true);
  });
  it('run the renderer sandboxed', () => {
    expect(prefs.sandbox).toBe(true);
  });
  it('give no page, worker or subframe Node (nodeIntegration off everywhere)', () => {
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
  });
  it('keep web security on and refuse insecure content, webviews and experiments', () => {
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs.navigateOnDragDrop).toBe(false);
  });
  it('load the given preload', () => {
    expect(prefs.preload).toBe('/app/out/main/app/preload.cjs');
  });
  it('have no DevTools in the packaged app, and DevTools in development', () => {
    expect(prefs.devTools).toBe(false);
    expect(secureWebPreferences('/p.cjs', { packaged: false }).devTools).toBe(true);
  });
});

describe('the app scheme', () => {
  it('is a standard, secure scheme that does not bypass the CSP', () => {
    expect(APP_SCHEME_PRIVILEGES.standard).toBe(true);
    expect(APP_SCHEME_PRIVILEGES.secure).toBe(true);
    expect(APP_SCHEME_PRIVILEGES.bypassCSP).toBe(false);
    expect(APP_SCHEME_PRIVILEGES.corsEnabled).toBe(false);
    expect(APP_SCHEME_PRIVILEGES.allowServiceWorkers).toBe(false);
  });
  it('serves the UI from app://holdfast, not file://', () => {
    expect(APP_ORIGIN).toBe('app://holdfast');
    expect(APP_ENTRY_URL.startsWith('app://holdfast/')).toBe(true);
    expect(isAppUrl(APP_ENTRY_URL)).toBe(true);
  });
  it('recognises only its own host as ours', () => {
    expect(isAppUrl('app://holdfast/assets/index.js?x=1')).toBe(true);
    expect(isAppUrl('app://evil/index.html')).toBe(false);
    expect(isAppUrl('file:///app/out/renderer/index.html')).toBe(false);
    expect(isAppUrl('https://holdfast/index.html')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });
});

describe('the Content-Security-Policy', () => {
  const csp = directives(CONTENT_SECURITY_POLICY);

  it('denies by default', () => {
    expect(csp.get('default-src')).toEqual(["'none'"]);
  });
  it('allows scripts only from our origin: no inline script, no eval', () => {
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|wasm-unsafe-eval|strict-dynamic/);
  });
  it('names no remote origin and no wildcard anywhere', () => {
    for (const [name, sources] of csp) {
      for (const source of sources) {
        expect(source, `${name} ${source}`).not.toMatch(/^(https?|wss?):|^\*|\*$/);
        expect(source, `${name} ${source}`).toMatch(/^'(self|none|unsafe-inline)'$|^data:$/);
      }
    }
  });
  it('allows inline styles only (xterm.js needs them), never inline script', () => {
    const withInline = [...csp].filter(([, s]) => s.includes("'unsafe-inline'")).map(([n]) => n);
    expect(withInline).toEqual(['style-src']);
  });
  it('forbids plugins, frames, workers, base and form targets', () => {
    for (const name of ['object-src', 'frame-src', 'worker-src', 'base-uri', 'form-action']) {
      expect(csp.get(name), name).toEqual(["'none'"]);
    }
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
  });
  it('is sent with every response, replacing whatever CSP a response carried', () => {
    const headers = withSecurityHeaders({
      'content-security-policy': ["default-src *; script-src 'unsafe-inline'"],
      'Content-Type': ['text/html'],
    });
    expect(headers['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['Content-Type']).toEqual(['text/html']);
    expect(headers['X-Content-Type-Options']).toEqual(['nosniff']);
    expect(withSecurityHeaders(undefined)['Content-Security-Policy']).toEqual([
      CONTENT_SECURITY_POLICY,
    ]);
    expect(SECURITY_HEADERS['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
  });
});

describe('navigation and new windows', () => {
  it('blocks navigating away from the UI (will-navigate)', () => {
    for (const url of [
      'https://example.com/',
      'http://127.0.0.1:8080/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/html,<script>1</script>',
      'app://other/index.html',
    ]) {
      expect(navigationAllowed(url), url).toBe(false);
    }
  });
  it('lets the UI reload itself', () => {
    expect(navigationAllowed('app://holdfast/index.html')).toBe(true);
  });
  it('denies every window.open', () => {
    expect(windowOpenDecision()).toEqual({ action: 'deny' });
  });
});

describe('permissions', () => {
  it('deny camera, microphone, notifications, location, devices and the rest', () => {
    for (const permission of [
      'media',
      'notifications',
      'geolocation',
      'midi',
      'hid',
      'serial',
      'usb',
      'display-capture',
      'openExternal',
      'fullscreen',
      'pointerLock',
      'unknown',
    ]) {
      const ask = { permission, requestingUrl: 'app://holdfast/index.html', isMainFrame: true };
      expect(permissionAllowed(ask), permission).toBe(false);
    }
  });
  it('grant only the clipboard and the font list, only to our own top frame', () => {
    expect(ALLOWED_PERMISSIONS).toEqual([
      'clipboard-read',
      'clipboard-sanitized-write',
      'local-fonts',
    ]);
    for (const permission of ALLOWED_PERMISSIONS) {
      expect(
        permissionAllowed({ permission, requestingUrl: 'app://holdfast/', isMainFrame: true }),
      ).toBe(true);
      expect(
        permissionAllowed({ permission, requestingUrl: 'app://holdfast/', isMainFrame: false }),
      ).toBe(false);
      expect(
        permissionAllowed({ permission, requestingUrl: 'https://evil.test/', isMainFrame: true }),
      ).toBe(false);
      expect(permissionAllowed({ permission, requestingUrl: undefined, isMainFrame: true })).toBe(
        false,
      );
    }
  });
});

describe('requests a page may make', () => {
  it('go only to our origin and inline data', () => {
    for (const packaged of [true, false]) {
      expect(requestAllowed('app://holdfast/assets/index.js', { packaged })).toBe(true);
      expect(requestAllowed('data:image/png;base64,AAAA', { packaged })).toBe(true);
      for (const url of [
        'https://example.com/x.js',
        'http://127.0.0.1/',
        'ws://127.0.0.1:9000/',
        'file:///etc/passwd',
        'app://evil/x',
      ]) {
        expect(requestAllowed(url, { packaged }), url).toBe(false);
      }
    }
  });

  it("go to DevTools' own scheme only in development, never in the packaged app", () => {
    const url = 'devtools://devtools/bundled/devtools_app.html';
    expect(requestAllowed(url, { packaged: false })).toBe(true);
    expect(requestAllowed(url, { packaged: true })).toBe(false);
  });
});

describe('links opened in the system browser', () => {
  it('are http or https with a host, checked with the contract schema', () => {
    expect(checkExternalUrl('https://example.com/a?b=c')).toEqual({
      ok: true,
      url: 'https://example.com/a?b=c',
    });
    expect(checkExternalUrl('http://example.com')).toMatchObject({ ok: true });
  });
  it('are refused in words for any other scheme', () => {
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'app://holdfast/',
      'https://',
      42,
    ]) {
      const checked = checkExternalUrl(url);
      expect(checked.ok, String(url)).toBe(false);
      if (!checked.ok) expect(checked.message).toMatch(/^[A-Za-z]/);
    }
    expect(checkExternalUrl('file:///x')).toEqual({
      ok: false,
      message: 'only http:// and https:// links can be opened',
    });
  });
  it('are refused when longer than 8 KiB', () => {
    expect(checkExternalUrl(`https://example.com/${'a'.repeat(9000)}`).ok).toBe(false);
  });
});

describe('Electron fuses', () => {
  it('turn off RunAsNode, NODE_OPTIONS and --inspect', () => {
    expect(ELECTRON_FUSES.runAsNode).toBe(false);
    expect(ELECTRON_FUSES.enableNodeOptionsEnvironmentVariable).toBe(false);
    expect(ELECTRON_FUSES.enableNodeCliInspectArguments).toBe(false);
  });
  it('turn on asar integrity and loading only from the asar', () => {
    expect(ELECTRON_FUSES.enableEmbeddedAsarIntegrityValidation).toBe(true);
    expect(ELECTRON_FUSES.onlyLoadAppFromAsar).toBe(true);
  });
  it('give file:// no extra privileges', () => {
    expect(ELECTRON_FUSES.grantFileProtocolExtraPrivileges).toBe(false);
  });
});
