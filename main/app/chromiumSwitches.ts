// Chromium command-line switches the app sets before `ready` (main.ts), as data without
// Electron so the browser tests and the bench launch Debian's Chromium with the very same
// ones: the renderer is measured under the scheduler the desktop app runs it with.

/**
 * Chromium features the app turns off, each with why.
 *
 * DeferRendererTasksAfterInput: after a key press Chromium holds the page's ordinary
 * tasks (network and IPC messages among them) until it has produced the next frame, so
 * that the key's own visual response goes out first. A terminal has no visual response of
 * its own to a key: it is the echo, which comes back over IPC (the WebSocket in the test
 * host) about a millisecond later and then waited for that frame, plus one more to be
 * painted. Measured in headless Chromium 156 through the test host: key → echo message
 * in the page 10.5 ms → 2.9 ms median, key → first frame after it 26.4 ms → 12.4 ms.
 */
export const DISABLED_CHROMIUM_FEATURES: readonly string[] = Object.freeze([
  'DeferRendererTasksAfterInput',
]);

/** The switches as (name, value) pairs for `app.commandLine.appendSwitch`. */
export function chromiumSwitches(): [string, string][] {
  return [['disable-features', DISABLED_CHROMIUM_FEATURES.join(',')]];
}

/** The same switches as command-line arguments, for launching a browser. */
export function chromiumSwitchArgs(): string[] {
  return chromiumSwitches().map(([name, value]) => `--${name}=${value}`);
}
