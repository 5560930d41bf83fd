// Proves the frame decoder survives 10 s of libFuzzer (with ASan and UBSan): no crash, no
// out-of-bounds read, every decoded frame re-encodes to its own bytes.
// `npm run fuzz` runs the same target for 300 s.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { REPO } from '../support/agent';

function hasLibFuzzer(): boolean {
  try {
    return readdirSync('/usr/lib')
      .filter((d) => d.startsWith('llvm-'))
      .some((d) => {
        const base = path.join('/usr/lib', d, 'lib', 'clang');
        return readdirSync(base).some((v) =>
          readdirSync(path.join(base, v, 'lib', 'linux')).some((f) =>
            f.startsWith('libclang_rt.fuzzer-'),
          ),
        );
      });
  } catch {
    return false;
  }
}

const fuzzable = spawnSync('clang', ['--version']).status === 0 && hasLibFuzzer();
if (!fuzzable) console.log('skipping the fuzz test: clang with libFuzzer is not installed');

describe('the frame decoder under libFuzzer', () => {
  it.skipIf(!fuzzable)('runs 10 seconds without a crash', () => {
    const r = spawnSync(
      'make',
      ['-s', '-C', path.join(REPO, 'remote-agent'), 'fuzz', 'FUZZ_SECONDS=10'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    const out = `${r.stdout}${r.stderr}`;
    expect(r.status, out.slice(-3000)).toBe(0);
    expect(out).toMatch(/Done \d+ runs/);
  });
});
