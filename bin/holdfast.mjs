#!/usr/bin/env node
// Entry point of the `holdfast` command: runs the bundled CLI (built by `npm run build`),
// compiled with V8's code cache beside it. Node 20 compiles the 2.7 MB bundle from scratch
// at every start otherwise (40 ms of CPU, a third of start-up); the cache is written at
// the first exit and again whenever V8 rejects it (another Node, new flags, a new build).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const cli = fileURLToPath(new URL('../out/cli/holdfast.cjs', import.meta.url));
const cachePath = `${cli}.cache`;

let source;
try {
  source = readFileSync(cli, 'utf8');
} catch {
  console.error('holdfast: the CLI is not built yet; run: npm run build');
  process.exit(2);
}
let cachedData;
try {
  cachedData = readFileSync(cachePath);
} catch {
  // none yet: written at exit
}
const script = new vm.Script(Module.wrap(source), { filename: cli, cachedData });
if (cachedData === undefined || script.cachedDataRejected) {
  process.once('exit', () => {
    // Best effort (a read-only install keeps compiling); renamed into place whole, as
    // several commands may start at once.
    const tmp = `${cachePath}.${process.pid}`;
    try {
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cachePath);
    } catch {
      // not writable: no cache
    }
  });
}
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(cli), module, cli, dirname(cli));
