// `npm run typecheck`: every room with its own tsconfig, so each is checked with only the
// globals it runs with (no DOM in the engine, no Node in the renderer...), then the tests
// and tools. One after the other (spares a small machine's cores); every room is checked
// even after one fails, and the summary names the ones that did. Incremental: the
// .tsbuildinfo files live in out/tsc.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOMS = [
  'main/common',
  'main/engine',
  'main/contract',
  'main/host',
  'main/app',
  'bin',
  'renderer',
  '.', // tests and tools
];

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const failed = [];
for (const room of ROOMS) {
  const run = spawnSync(process.execPath, [tsc, '-p', room], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) failed.push(room === '.' ? 'tests and tools' : room);
}
if (failed.length > 0) {
  console.error(`typecheck: errors in ${failed.join(', ')}`);
  process.exit(1);
}
console.log(`typecheck: ${ROOMS.length} rooms clean`);
