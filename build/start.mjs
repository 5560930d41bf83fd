// `npm start`: launch the desktop app with Electron, or say in one line why it cannot.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findElectron } from './electron-path.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const electron = findElectron({ tryDownload: true });
if (!('path' in electron)) {
  console.error(
    `holdfast: ${electron.reason}, so the desktop app cannot open a window here; the terminal client works: npx holdfast user@host`,
  );
  process.exit(1);
}
const child = spawn(electron.path, [root], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));
