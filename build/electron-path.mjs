// Where Electron's binary is, without the stack trace that `require('electron')` prints
// when the binary is missing. Used by `npm start` and by the Electron end-to-end test.
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** @returns {{ path: string } | { reason: string }} */
export function findElectron({ tryDownload = false } = {}) {
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { reason: 'the electron package is not installed (run npm install)' };
  }
  const read = () => {
    const pathFile = join(pkgDir, 'path.txt');
    if (!existsSync(pathFile)) return undefined;
    const bin = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8'));
    return existsSync(bin) ? bin : undefined;
  };
  let bin = read();
  if (!bin && tryDownload) {
    // One quiet attempt; on machines without access to Electron's downloads it fails fast.
    spawnSync(process.execPath, [join(pkgDir, 'install.js')], { stdio: 'ignore', timeout: 60_000 });
    bin = read();
  }
  return bin
    ? { path: bin }
    : { reason: "Electron's binary is not installed and could not be downloaded on this machine" };
}
