// What WebGL2 is in this page, for the renderer choice (gpu.ts, which stays free of the DOM
// so its decisions are unit-tested in Node).

import { isSoftwareRenderer, type WebglInfo } from './gpu';

let probed: WebglInfo | undefined;

/** What WebGL2 is in this page: probed once with a throwaway context, then remembered. */
export function webglInfo(): WebglInfo {
  probed ??= probeWebgl();
  return probed;
}

function probeWebgl(): WebglInfo {
  if (typeof WebGL2RenderingContext === 'undefined') {
    return { available: false, reason: 'this browser has no WebGL2' };
  }
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return { available: false, reason: 'WebGL2 is turned off or unavailable' };
  try {
    // The unmasked name ("ANGLE (..., SwiftShader driver)") says which rasterizer it is;
    // without the extension only the generic name is known, taken as a GPU.
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    const name = String(
      gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? 'unknown',
    );
    return { available: true, renderer: name, software: isSoftwareRenderer(name) };
  } finally {
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}
