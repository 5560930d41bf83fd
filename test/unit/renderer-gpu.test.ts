// The renderer choice (renderer/src/terminal/gpu.ts): WebGL only where it runs on a GPU
// unless the user says otherwise, and why, in words. (The stored setting and the live
// switch are covered in the browser: test/e2e/terminal.test.ts, 'renderers'.)

import { describe, expect, it } from 'vitest';
import {
  chooseRenderer,
  isSoftwareRenderer,
  type WebglInfo,
} from '../../renderer/src/terminal/gpu';

const SWIFTSHADER =
  'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)';
const GPU = 'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 (0x00002503) Direct3D11 vs_5_0 ps_5_0, D3D11)';

describe('isSoftwareRenderer', () => {
  it('knows the CPU rasterizers by their WebGL renderer names', () => {
    for (const name of [
      SWIFTSHADER,
      'llvmpipe (LLVM 15.0.6, 256 bits)',
      'ANGLE (Mesa, llvmpipe (LLVM 15.0.7 256 bits), OpenGL 4.5)',
      'ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0, D3D11)',
      'Google SwiftShader',
    ]) {
      expect(isSoftwareRenderer(name), name).toBe(true);
    }
  });

  it('takes real GPUs and generic names for GPUs', () => {
    for (const name of [
      GPU,
      'Apple M2',
      'ANGLE (Intel, Mesa Intel(R) UHD Graphics 620)',
      'WebKit WebGL',
    ]) {
      expect(isSoftwareRenderer(name), name).toBe(false);
    }
  });
});

describe('chooseRenderer', () => {
  const gpu: WebglInfo = { available: true, renderer: GPU, software: false };
  const cpu: WebglInfo = { available: true, renderer: SWIFTSHADER, software: true };
  const none: WebglInfo = { available: false, reason: 'WebGL2 is turned off or unavailable' };

  it('auto: WebGL on a GPU, the DOM where WebGL would be drawn by the CPU or is missing', () => {
    expect(chooseRenderer('auto', gpu)).toEqual({ kind: 'webgl', note: `WebGL2 (${GPU})` });
    const soft = chooseRenderer('auto', cpu);
    expect(soft.kind).toBe('dom');
    expect(soft.note).toContain('drawn by the CPU');
    expect(soft.note).toContain('SwiftShader');
    expect(chooseRenderer('auto', none)).toEqual({
      kind: 'dom',
      note: 'DOM (WebGL2 is turned off or unavailable)',
    });
  });

  it('on: WebGL whenever it exists, saying when the CPU draws it', () => {
    expect(chooseRenderer('on', gpu).kind).toBe('webgl');
    expect(chooseRenderer('on', cpu)).toEqual({
      kind: 'webgl',
      note: `WebGL2 (${SWIFTSHADER}, drawn by the CPU)`,
    });
    expect(chooseRenderer('on', none).kind).toBe('dom');
  });

  it('off: always the DOM', () => {
    for (const info of [gpu, cpu, none]) expect(chooseRenderer('off', info).kind).toBe('dom');
  });
});
