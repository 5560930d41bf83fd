// A new session on a server that already has the agent costs one exec, not two: the
// probe that finds the agent starts the session in the same round trip; on a first
// connect, the probe takes the upload in its own exec and the install starts the session
// (one exec, not three: each costs a channel open and an exec request, two round trips
// before its script runs). Counted on the
// server: the account's login shell is a wrapper that notes each time sshd runs it.

import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destinationOf, runTabToEnd } from '../support/engineHarness';
import { startSshd, type Sshd } from '../support/sshd';

describe('starting a session in the fewest execs', () => {
  let sshd: Sshd;
  let dir: string;
  let countFile: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'hf-countsh-'));
    chmodSync(dir, 0o755);
    countFile = path.join(dir, 'runs');
    writeFileSync(countFile, '');
    chmodSync(countFile, 0o666);
    const shell = path.join(dir, 'sh');
    writeFileSync(shell, `#!/bin/bash\necho "$*" >> ${countFile}\nexec /bin/bash "$@"\n`);
    chmodSync(shell, 0o755);
    sshd = await startSshd({ label: 'roundtrips', shell });
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  // Each exec Holdfast makes is the login shell running its one fixed bootstrap line (the
  // session's own command runs through the login shell too, and is not counted).
  const runs = () =>
    readFileSync(countFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes("'read -r s; eval")).length;

  const runTab = (command: string) => runTabToEnd(destinationOf(sshd), command);

  it('one exec on a first connect and one where the agent already is, command and status intact', async () => {
    // The first connection installs the agent: the probe asks for the upload, which
    // arrives on the same exec's stdin, and the install starts the session.
    const first = await runTab('echo first; exit 3');
    expect(first.text).toContain('first');
    expect(first.code).toBe(3);
    expect(runs()).toBe(1);
    const before = runs();
    const second = await runTab(`printf '%s\\n' "it's \\$HOME" a\\\\b; exit 5`);
    expect(second.text).toContain("it's $HOME\r\na\\b");
    expect(second.code).toBe(5);
    // One exec: the probe that also ran `new` (the stream to the session is stream-local).
    expect(runs() - before).toBe(1);
  }, 90_000);
});
