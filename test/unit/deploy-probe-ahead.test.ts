// The probe's handling of the bytes a client sends behind its script (HELLO and ATTACH for
// the bridge it may become), run for real by /bin/sh on this machine: where it asks for the
// upload instead, it drops exactly those bytes, so the answer's line that follows is read
// and run clean (binary bytes with newlines and shell syntax in them never are); with no
// `dd` it says so and reads nothing; and it says whether `head -c` reads exactly.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pathWithOnly } from '../support/toolPath';
import { probeScript } from '../../main/engine/deploy/deploy';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const TOOLS = ['uname', 'id', 'mkdir', 'chmod', 'rm', 'head', 'cat'];
/** Bytes a client sends ahead: a newline, a quote and a command among binary ones. */
const AHEAD = Buffer.concat([
  Buffer.from([0, 0, 0, 9, 1, 0x0a, 0xff]),
  Buffer.from("'; touch pwned; echo '\n"),
]);

/** Runs the probe (no agent installed: it asks for the upload) with `stdin` behind it. */
function probe(tools: string[], stdin: Buffer) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hf-probe-'));
  dirs.push(root);
  const bin = pathWithOnly(root, tools);
  const script = probeScript(['"$HOME/place"'], 'holdfast-agent 9', [], 'new', AHEAD.length);
  const r = spawnSync('/bin/sh', ['-c', script], {
    input: stdin,
    env: { PATH: bin, HOME: root },
    cwd: root,
    encoding: 'utf8',
  });
  const pwned = spawnSync('test', ['-e', path.join(root, 'pwned')]).status === 0;
  return { code: r.status, stdout: r.stdout, pwned };
}

describe.skipIf(process.platform !== 'linux')('the probe with bytes sent ahead', () => {
  it('drops exactly those bytes, then reads and runs the answer line', () => {
    const r = probe([...TOOLS, 'dd'], Buffer.concat([AHEAD, Buffer.from('echo answered\n')]));
    expect(r.stdout).toMatch(/^probe-end$/m);
    expect(r.stdout).toMatch(/^answered$/m);
    expect(r.stdout).toMatch(/^headc=exact$/m); // GNU head reads no further than asked
    expect(r.pwned).toBe(false);
    expect(r.code).toBe(0);
  });

  it('without dd, says so and reads nothing (the client asks again without)', () => {
    const r = probe(TOOLS, Buffer.concat([AHEAD, Buffer.from('echo answered\n')]));
    expect(r.stdout).toMatch(/^no-dd$/m);
    expect(r.stdout).not.toMatch(/probe-end|answered/);
    expect(r.pwned).toBe(false);
  });
});
