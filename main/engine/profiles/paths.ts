/**
 * Where Holdfast keeps its settings on each platform, and so profiles.json. Pure: the
 * environment, the platform and the home folder are arguments.
 *
 *   HOLDFAST_CONFIG_DIR set    → that folder (tests, portable installs)
 *   Linux and other Unixes     → $XDG_CONFIG_HOME/holdfast, else ~/.config/holdfast
 *   macOS                      → ~/Library/Application Support/Holdfast
 *   Windows                    → %APPDATA%\Holdfast, else ~\AppData\Roaming\Holdfast
 *
 * On macOS and Windows this is Electron's app.getPath('userData') for the app (named
 * Holdfast); on Linux userData would be ~/.config/Holdfast, so the app must ask this
 * function, not Electron, for the folder: the app and the CLI share one file.
 */
import os from 'node:os';
import path from 'node:path';

/** The profiles file's name inside the config folder. */
export const PROFILES_FILE = 'profiles.json';

export function configDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  const override = env.HOLDFAST_CONFIG_DIR;
  if (override !== undefined && override !== '') return path.resolve(override);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Holdfast');
  if (platform === 'win32') {
    const appData = env.APPDATA;
    const base =
      appData !== undefined && appData !== ''
        ? appData
        : path.win32.join(home, 'AppData', 'Roaming');
    return path.win32.join(base, 'Holdfast');
  }
  // XDG Base Directory: a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(home, '.config');
  return path.join(base, 'holdfast');
}

/** The profiles file: `configDir()/profiles.json`. */
export function profilesFile(
  env: Readonly<Record<string, string | undefined>> = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  return path.join(configDir(env, platform, home), PROFILES_FILE);
}
