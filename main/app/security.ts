// Every security decision of the Electron layer, as data and pure functions, so each one is
// checked by a unit test without Electron (test/unit/app-security.test.ts). main.ts only
// wires them to Electron's hooks. The model: the renderer is a sandboxed web page served
// from our own origin (app://holdfast); it can run our scripts and call the typed contract,
// and nothing else — no Node, no navigation, no new windows, no device permissions, no
// remote origins. Electron's checklist: https://www.electronjs.org/docs/latest/tutorial/security

import type { Privileges, WebPreferences } from 'electron';
import { ExternalUrl } from '../contract/api';

/** The UI's own scheme; registered as privileged (standard, secure) before `ready`. */
export const APP_SCHEME = 'app';
/** The one host of that scheme: the origin is `app://holdfast`. */
export const APP_HOST = 'holdfast';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** What the window loads. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * `standard` gives the scheme real origins (so `'self'`, relative URLs and localStorage
 * work), `secure` makes it a secure context (the Clipboard API needs one). Not
 * `bypassCSP`, not `corsEnabled` (nothing else may read it), no service workers, no
 * extensions. `supportFetchAPI` lets the page load its own module scripts.
 */
export const APP_SCHEME_PRIVILEGES: Readonly<Privileges> = Object.freeze({
  standard: true,
  secure: true,
  supportFetchAPI: true,
  codeCache: true,
  bypassCSP: false,
  corsEnabled: false,
  allowServiceWorkers: false,
  allowExtensions: false,
  stream: false,
});

/** What differs between a development run and the packaged app. */
export type BuildKind = {
  /** `app.isPackaged`: the shipped app, where nothing is there for a developer. */
  packaged: boolean;
};

/**
 * The window's web preferences: isolated, sandboxed, no Node, web security on; DevTools
 * only in development (in the shipped app they would be a console into the page that
 * holds the typed API, a keystroke away for whoever sits at the machine).
 */
export function secureWebPreferences(preload: string, build: BuildKind): WebPreferences {
  return {
    preload,
    devTools: !build.packaged,
    // The preload's world is separate from the page's; the page sees only what
    // contextBridge copies into it (window.holdfast).
    contextIsolation: true,
    // The renderer is an OS-sandboxed Chromium process; the preload cannot use Node either.
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    // Same-origin policy and mixed-content blocking stay on.
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    // A file dropped on the window must not navigate it away from the UI.
    navigateOnDragDrop: false,
    // A page that loops on alert() can be stopped.
    safeDialogs: true,
    spellcheck: false,
  };
}

/**
 * The Content-Security-Policy sent with every response of the app scheme. Scripts only
 * from our origin: no inline script, no eval (zod runs jitless), no remote origin anywhere.
 * `style-src 'unsafe-inline'` is needed by xterm.js, which injects <style> elements and
 * style attributes (see renderer/index.html, which carries the same policy as a meta tag).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "manifest-src 'none'",
  "media-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every response of the app scheme carries, whatever its content. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
});

/**
 * Response headers as `session.webRequest.onHeadersReceived` wants them back: the given
 * ones with our security headers set, replacing any of the same name whatever its case.
 */
export function withSecurityHeaders(
  headers: Record<string, string[]> | undefined,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const ours = new Set(Object.keys(SECURITY_HEADERS).map((k) => k.toLowerCase()));
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!ours.has(name.toLowerCase())) out[name] = value;
  }
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) out[name] = [value];
  return out;
}

/** Whether `url` is a page or file of our own origin (app://holdfast/...). */
export function isAppUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
}

/**
 * `will-navigate` / `will-frame-navigate` / `will-redirect`: the UI is one page and never
 * navigates; a link or a script trying to leave it is stopped. Only our own origin may be
 * (re)loaded. Web links go through the contract's `openExternal`, never navigation.
 */
export function navigationAllowed(url: string): boolean {
  return isAppUrl(url);
}

/** `setWindowOpenHandler`: no page ever opens a window (window.open, target=_blank). */
export function windowOpenDecision(): { action: 'deny' } {
  return { action: 'deny' };
}

/**
 * Permissions a page may be granted, only to our own top frame: the clipboard (the
 * terminal's copy and paste go through navigator.clipboard) and the names of the
 * installed fonts (Settings' font picker, queryLocalFonts, asked for on a click; the page
 * is our own UI and sends them nowhere). Camera, microphone, notifications (shown by the
 * main process instead), geolocation, HID/USB/serial, fullscreen requests, openExternal...
 * no.
 */
export const ALLOWED_PERMISSIONS: readonly string[] = Object.freeze([
  'clipboard-read',
  'clipboard-sanitized-write',
  'local-fonts',
]);

export type PermissionAsk = {
  permission: string;
  /** The URL (or origin) of the frame asking; empty when Electron does not know it. */
  requestingUrl: string | undefined;
  isMainFrame: boolean;
};

/** For both `setPermissionRequestHandler` and `setPermissionCheckHandler`. */
export function permissionAllowed(ask: PermissionAsk): boolean {
  if (!ALLOWED_PERMISSIONS.includes(ask.permission)) return false;
  if (!ask.isMainFrame) return false;
  // A check handler gets an origin ("app://holdfast"), a request handler a URL.
  return ask.requestingUrl !== undefined && isAppUrl(ask.requestingUrl);
}

/**
 * Requests a renderer may make at all (`session.webRequest.onBeforeRequest`): our own
 * origin and inline data. Everything else — http(s), ws(s), file: — is cancelled even if a
 * CSP bug let it through. DevTools' own scheme only in development: the packaged app has
 * no DevTools, so a `devtools:` request there is never ours.
 */
export function requestAllowed(url: string, build: BuildKind): boolean {
  if (isAppUrl(url)) return true;
  if (url.startsWith('devtools:')) return !build.packaged;
  return url.startsWith('data:') || url.startsWith('blob:app://');
}

/**
 * The main process's own check before `shell.openExternal`: the contract's ExternalUrl
 * (http and https with a host, at most 8 KiB). Returns the URL to open or why not, in words.
 */
export function checkExternalUrl(
  url: unknown,
): { ok: true; url: string } | { ok: false; message: string } {
  const parsed = ExternalUrl.safeParse(url);
  if (parsed.success) return { ok: true, url: parsed.data };
  return { ok: false, message: parsed.error.issues[0]?.message ?? 'this link cannot be opened' };
}

/**
 * Electron fuses flipped in the packaged binary (electron-builder's `electronFuses`, see
 * build/electron-builder.yml; test/unit/packaging.test.ts keeps the two equal). Keys are
 * @electron/fuses' FuseOptionsV1 names.
 */
export const ELECTRON_FUSES = Object.freeze({
  /** ELECTRON_RUN_AS_NODE would turn the signed app into a general Node interpreter. */
  runAsNode: false,
  /** NODE_OPTIONS / NODE_EXTRA_CA_CERTS would let the environment inject code or CAs. */
  enableNodeOptionsEnvironmentVariable: false,
  /** --inspect and SIGUSR1 would attach a debugger to the main process. */
  enableNodeCliInspectArguments: false,
  /** macOS and Windows check app.asar against the hash embedded at build time. */
  enableEmbeddedAsarIntegrityValidation: true,
  /** Load the app only from app.asar (the integrity-checked archive), never a loose folder. */
  onlyLoadAppFromAsar: true,
  /** Cookies on disk encrypted with the OS key store (we keep none, but cheap insurance). */
  enableCookieEncryption: true,
  /** We never serve file://, so it gets no extra privileges. */
  grantFileProtocolExtraPrivileges: false,
});
