// The renderer bundle: root renderer/, out to out/renderer with relative asset paths (the
// app loads it from disk, the test host from its own HTTP server). Vite 8 transforms TSX
// itself (Oxc), so no React plugin: only the automatic JSX runtime is named here.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Build tooling, not the renderer: it runs in Node (its lint and tsconfig are the tools').
const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    sourcemap: true,
    target: 'chrome130',
    // xterm and its addons are one chunk anyway; no point in warning about its size.
    chunkSizeWarningLimit: 2048,
  },
  server: { host: '127.0.0.1' },
});
