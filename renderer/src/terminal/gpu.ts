// Which renderer xterm.js draws with. WebGL is the fast one, but only on a GPU: Chromium
// without a usable GPU (a VM, a remote desktop, a blocklisted driver) still offers WebGL2
// through a software rasterizer (SwiftShader), and there every WebGL frame is drawn on the
// CPU while the page waits. The DOM renderer leaves the drawing to Chromium's own raster
// threads and is much faster in that case (`npm run bench`, Chromium with --disable-gpu:
// a 100 MB flood at 14 fps and 1.8 MB/s with software WebGL, 59 fps and 14.6 MB/s with the
// DOM renderer; key → echo painted 28.6 ms vs 12.2 ms).

/** The user's setting: WebGL when it runs on a GPU (auto), whenever it exists (on), never (off). */
export type GpuChoice = 'auto' | 'on' | 'off';

export type WebglInfo =
  { available: false; reason: string } | { available: true; renderer: string; software: boolean };

export type RendererChoice = { kind: 'webgl' | 'dom'; note: string };

/** Renderer strings of the rasterizers that draw WebGL on the CPU. */
const SOFTWARE_RENDERER =
  /swiftshader|llvmpipe|softpipe|lavapipe|software rasterizer|basic render driver|mesa offscreen/i;

export function isSoftwareRenderer(name: string): boolean {
  return SOFTWARE_RENDERER.test(name);
}

/** The decision, from the setting and what WebGL is here; `note` says why, in words. */
export function chooseRenderer(choice: GpuChoice, info: WebglInfo): RendererChoice {
  if (choice === 'off') return { kind: 'dom', note: 'DOM (GPU acceleration is off in Settings)' };
  if (!info.available) return { kind: 'dom', note: `DOM (${info.reason})` };
  if (info.software && choice === 'auto') {
    return {
      kind: 'dom',
      note: `DOM (WebGL here is drawn by the CPU: ${info.renderer}; "On" in Settings forces it)`,
    };
  }
  return {
    kind: 'webgl',
    note: `WebGL2 (${info.renderer}${info.software ? ', drawn by the CPU' : ''})`,
  };
}
