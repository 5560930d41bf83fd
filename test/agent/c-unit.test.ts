// Proves the agent's C unit tests pass (ring wraparound and offsets, the codec with partial
// frames, every byte vector in remote-agent/vectors): `make -C remote-agent check`.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { REPO } from '../support/agent';

describe('the agent C unit tests', () => {
  it('pass under make check', () => {
    const r = spawnSync('make', ['-s', '-C', path.join(REPO, 'remote-agent'), 'check'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    const out = `${r.stdout}${r.stderr}`;
    console.log(out.trim().split('\n').slice(-2).join('\n'));
    expect(r.status, out).toBe(0);
    expect(out).toMatch(/^\d+ passed, 0 failed$/m);
    expect(out).toMatch(/^[1-9]\d* vectors decoded$/m);
  });
});
