// Glue: applies the decisions of security.ts to Electron objects. Type imports only, so the
// objects are passed in by main.ts; every decision itself is tested in security.ts.

import type { Event, Session, WebContents } from 'electron';
import {
  navigationAllowed,
  type BuildKind,
  permissionAllowed,
  requestAllowed,
  windowOpenDecision,
  withSecurityHeaders,
} from './security';

/** Permissions, requests and response headers of the session the window uses. */
export function hardenSession(ses: Session, log: (line: string) => void, build: BuildKind): void {
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const allowed = permissionAllowed({
      permission,
      requestingUrl: details.requestingUrl,
      isMainFrame: details.isMainFrame,
    });
    if (!allowed) log(`refused the page's request for the "${permission}" permission`);
    callback(allowed);
  });
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    permissionAllowed({
      permission,
      requestingUrl: details.requestingUrl ?? requestingOrigin,
      isMainFrame: details.isMainFrame,
    }),
  );
  ses.setDevicePermissionHandler(() => false);
  ses.setDisplayMediaRequestHandler((_request, callback) => callback({}));
  ses.webRequest.onBeforeRequest((details, callback) => {
    const allowed = requestAllowed(details.url, build);
    if (!allowed) log(`cancelled a request to ${details.url.slice(0, 200)}`);
    callback({ cancel: !allowed });
  });
  // Our protocol handler sets these itself; this covers any other response the page gets.
  ses.webRequest.onHeadersReceived((details, callback) =>
    callback({ responseHeaders: withSecurityHeaders(details.responseHeaders) }),
  );
}

/** Every WebContents, the window's and any other: no navigation, no windows, no webviews. */
export function hardenContents(contents: WebContents, log: (line: string) => void): void {
  contents.setWindowOpenHandler((details) => {
    log(`refused to open a window for ${details.url.slice(0, 200)}`);
    return windowOpenDecision();
  });
  const stay = (event: Event<{ url: string }>): void => {
    if (navigationAllowed(event.url)) return;
    event.preventDefault();
    log(`refused to navigate to ${event.url.slice(0, 200)}`);
  };
  contents.on('will-navigate', stay);
  contents.on('will-frame-navigate', stay);
  contents.on('will-redirect', stay);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
