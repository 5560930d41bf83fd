// Builds what runs outside the test runner: the CLI and the Electron main/preload with
// esbuild (one fast bundler for Node-side code), and the renderer with Vite.
// Why these tools: see README "Dependencies".
import { build } from 'esbuild';
import { build as viteBuild } from 'vite';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const at = (p) => `${root}${p}`;

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // ssh2's optional native helpers are loaded lazily and may be absent.
  external: ['cpu-features', './crypto/build/Release/sshcrypto.node'],
  // jsonc-parser's `main` is a UMD build whose require() calls esbuild cannot follow (the
  // bundle then fails at start with "Cannot find module './impl/format'"); its ES build
  // bundles cleanly.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
};

const jobs = [];
if (existsSync(at('bin/holdfast.ts'))) {
  jobs.push(
    build({
      ...node,
      entryPoints: [at('bin/holdfast.ts')],
      // CommonJS, so bin/holdfast.mjs can compile it with V8's code cache (vm.Script):
      // an ES module is compiled from scratch at every start on Node 20 (40 ms of CPU).
      outfile: at('out/cli/holdfast.cjs'),
      format: 'cjs',
      // The engine finds its agents relative to its own file (import.meta.url), which
      // esbuild's CommonJS output leaves empty: give it this bundle's own URL.
      define: { 'import.meta.url': '__hf_import_meta_url' },
      banner: {
        js: "const __hf_import_meta_url = require('url').pathToFileURL(__filename).href;",
      },
    }),
  );
}
// ssh2's native cipher helper, built by npm install for this Node, beside the CLI bundle
// where the bundle's require looks for it: with it, AES-GCM and ChaCha20-Poly1305 cost one
// native call per packet instead of a new OpenSSL context per packet (a sixth of the
// CLI's CPU receiving 100 MB through a pipe). Without it (no compiler at install) ssh2
// falls back to node:crypto by itself. The Electron bundles never load it (another ABI).
function copySshCrypto() {
  const ssh2 = dirname(createRequire(import.meta.url).resolve('ssh2/package.json'));
  const from = `${ssh2}/lib/protocol/crypto/build/Release/sshcrypto.node`;
  if (!existsSync(from)) return;
  mkdirSync(at('out/cli/crypto/build/Release'), { recursive: true });
  copyFileSync(from, at('out/cli/crypto/build/Release/sshcrypto.node'));
}

if (existsSync(at('main/app/main.ts'))) {
  const electronSide = {
    ...node,
    outdir: at('out/main/app'),
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    external: [...node.external, 'electron'],
  };
  jobs.push(
    build({
      ...electronSide,
      entryPoints: { main: at('main/app/main.ts') },
      // The engine finds its agents relative to its own file (import.meta.url), which
      // esbuild's CommonJS output leaves empty: give it this bundle's own URL.
      define: { 'import.meta.url': '__hf_import_meta_url' },
      banner: {
        js: "const __hf_import_meta_url = require('url').pathToFileURL(__filename).href;",
      },
    }),
    // The preload runs sandboxed: nothing but what it imports itself.
    build({ ...electronSide, entryPoints: { preload: at('main/app/preload.ts') } }),
  );
}
if (existsSync(at('renderer/index.html'))) {
  jobs.push(viteBuild({ configFile: at('renderer/vite.config.ts'), logLevel: 'warn' }));
}
await Promise.all(jobs);
if (existsSync(at('bin/holdfast.ts'))) {
  copySshCrypto();
  // The first start writes the CLI's code cache (bin/holdfast.mjs): do it now, not in a
  // user's first command.
  rmSync(at('out/cli/holdfast.cjs.cache'), { force: true });
  spawnSync(process.execPath, [at('bin/holdfast.mjs'), '--help'], { stdio: 'ignore' });
}
