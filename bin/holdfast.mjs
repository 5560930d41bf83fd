#!/usr/bin/env node
// Entry point of the `holdfast` command: runs the bundled CLI (built by `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../out/cli/holdfast.mjs', import.meta.url));
if (!existsSync(cli)) {
  console.error('holdfast: the CLI is not built yet; run: npm run build');
  process.exit(2);
}
await import(pathToFileURL(cli).href);
