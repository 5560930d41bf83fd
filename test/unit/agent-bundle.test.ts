// Which agent binary a checkout deploys to a Linux server: only the static build of the
// same sources, never the local build, which links this machine's glibc and fails on
// older servers, Alpine and busybox.

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

  it('never deploys the local (glibc) build to Linux, even when the static one is stale or missing', () => {
    const stale = layout(LINE, LINE.replace('0123456789abcdef', 'fedcba9876543210'));
    expect(stale.binaryFor('linux-x64')).toBeUndefined();
    expect(layout(LINE, undefined).binaryFor('linux-x64')).toBeUndefined();
  });
});
