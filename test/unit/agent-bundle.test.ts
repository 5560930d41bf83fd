// Which agent binary a checkout deploys to a server of its own kind: the local build
// (freshest), unless build/agents holds the static cross build of the same sources, which
// also runs where the server's libc is older than this machine's.

import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentBundle } from '../../main/engine/deploy/agentBundle';

const onLinuxX64 = process.platform === 'linux' && process.arch === 'x64';
const LINE = 'holdfast-agent 0.1.0 build 0123456789abcdef protocols 1';
const dirs: string[] = [];

/** A checkout-like layout: a local build printing `devLine`, a cross build with `manifestLine`. */
function layout(devLine: string, manifestLine: string | undefined): AgentBundle {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hf-bundle-'));
  dirs.push(root);
  const dev = path.join(root, 'holdfast-agent-dev');
  writeFileSync(dev, `#!/bin/sh\necho '${devLine}'\n`);
  chmodSync(dev, 0o755);
  const agents = path.join(root, 'agents');
  mkdirSync(path.join(agents, 'linux-x64'), { recursive: true });
  writeFileSync(path.join(agents, 'linux-x64', 'holdfast-agent'), 'static build');
  if (manifestLine !== undefined) {
    writeFileSync(
      path.join(agents, 'manifest.json'),
      JSON.stringify({ versionLine: manifestLine }),
    );
  }
  return new AgentBundle([agents], dev, undefined);
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!onLinuxX64)('AgentBundle on a linux-x64 checkout', () => {
  it('deploys the static cross build when it comes from the same sources', () => {
    const bin = layout(LINE, LINE).binaryFor('linux-x64');
    expect(bin?.path).toMatch(/agents\/linux-x64\/holdfast-agent$/);
    expect(bin?.versionLine).toBe(LINE);
  });

  it('deploys the local build when the cross build is older or has no manifest', () => {
    const stale = layout(LINE, LINE.replace('0123456789abcdef', 'fedcba9876543210'));
    expect(stale.binaryFor('linux-x64')?.path).toMatch(/holdfast-agent-dev$/);
    expect(layout(LINE, undefined).binaryFor('linux-x64')?.path).toMatch(/holdfast-agent-dev$/);
  });
});
