// Proves the CLI checks host keys like ssh, through the real CLI and a real sshd: a key
// that changed since it was recorded is refused (exit 255) before anything runs, with
// both fingerprints named; an unknown key is refused under StrictHostKeyChecking=yes
// (and without a terminal to ask on) with the way to add it, and recorded then used
// under accept-new.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cliHarness';
import { startSshd, type Sshd } from '../support/sshd';

let sshd: Sshd;
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'hft-hostkeys-'));
  sshd = await startSshd({ label: 'hostkeys' });
});
afterAll(async () => {
  await sshd?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** OpenSSH's `SHA256:` fingerprint of a public key line `type base64 [comment]`. */
function fingerprint(publicKey: string): string {
  const blob = Buffer.from(publicKey.split(' ')[1]!, 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** A fresh, empty known_hosts file for one test. */
async function knownHosts(name: string): Promise<string> {
  const file = path.join(scratch, name);
  await writeFile(file, '', { mode: 0o600 });
  return file;
}

/** Runs the CLI against the bed's alias with this known_hosts file and these -o options. */
async function cli(file: string, opts: string[], command: string[], prefix?: string[]) {
  const run = runCli(
    [
      '-F',
      sshd.sshConfigFile,
      '-o',
      `UserKnownHostsFile=${file}`,
      ...opts.flatMap((o) => ['-o', o]),
      sshd.sshAlias,
      '--',
      ...command,
    ],
    prefix ? { prefix } : {},
  );
  run.child.stdin!.end();
  const { code } = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** How many logins sshd has accepted so far. */
async function logins(): Promise<number> {
  return ((await sshd.readLog()).match(/Accepted publickey for /g) ?? []).length;
}

describe('host keys through the CLI', () => {
  it('refuses an unknown key under StrictHostKeyChecking=yes and says how to add it', async () => {
    const file = await knownHosts('strict');
    const before = await logins();
    const r = await cli(file, ['StrictHostKeyChecking=yes'], ['echo ran']);
    expect(r.code).toBe(255);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(fingerprint(sshd.hostKeyPublic));
    expect(r.stderr).toMatch(/not known and StrictHostKeyChecking is yes/);
    expect(r.stderr).toContain(`ssh-keyscan -p ${sshd.port} -t ed25519 ${sshd.host} >> ${file}`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await readFile(file, 'utf8')).toBe('');
    expect(await logins()).toBe(before);
  });

  it('refuses an unknown key under StrictHostKeyChecking=ask when there is no terminal to ask on', async () => {
    // setsid: no controlling terminal, as under cron or CI; nothing may be trusted silently.
    const file = await knownHosts('ask');
    const r = await cli(file, ['StrictHostKeyChecking=ask'], ['echo ran'], ['setsid']);
    expect(r.code).toBe(255);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(fingerprint(sshd.hostKeyPublic));
    expect(await readFile(file, 'utf8')).toBe('');
  });

  it('records an unknown key under accept-new and runs the command', async () => {
    const file = await knownHosts('accept-new');
    const r = await cli(file, ['StrictHostKeyChecking=accept-new'], ['echo ran-$((6*7))']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.replace(/\r/g, '')).toBe('ran-42\n');
    const recorded = (await readFile(file, 'utf8')).trim().split('\n');
    expect(recorded).toEqual([`[${sshd.host}]:${sshd.port} ${sshd.hostKeyPublic}`]);
    // The recorded key is then trusted under the strictest setting.
    const again = await cli(file, ['StrictHostKeyChecking=yes'], ['echo again']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.replace(/\r/g, '')).toBe('again\n');
  });

  it('refuses a changed host key with exit 255, naming both fingerprints, before anything runs', async () => {
    const file = await knownHosts('changed');
    const first = await cli(file, ['StrictHostKeyChecking=accept-new'], ['echo first']);
    expect(first.code, first.stderr).toBe(0);
    const oldFp = fingerprint(sshd.hostKeyPublic);
    await sshd.regenerateHostKey();
    const newFp = fingerprint(sshd.hostKeyPublic);
    expect(newFp).not.toBe(oldFp);
    const loginsBefore = await logins();
    const sessionsBefore = await sshd.exec('~/.holdfast/bin/holdfast-agent ls');
    expect(sessionsBefore.code, sessionsBefore.stderr).toBe(0);
    const mark = `intruder-${Date.now()}`;
    const loginsAfterLs = await logins();
    // accept-new does not cover a changed key, and neither does "no" (as in OpenSSH).
    for (const strict of ['accept-new', 'no']) {
      const r = await cli(file, [`StrictHostKeyChecking=${strict}`], [`touch ~/${mark}; sleep 30`]);
      expect(r.code).toBe(255);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/HOST KEY OF .* HAS CHANGED/);
      expect(r.stderr).toContain(newFp);
      expect(r.stderr).toContain(oldFp);
      expect(r.stderr).toContain(`${file}:1`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    // The refused client never logged in: no login, no session, no command.
    expect(await logins()).toBe(loginsAfterLs);
    expect(loginsAfterLs).toBe(loginsBefore + 1);
    const sessionsAfter = await sshd.exec('~/.holdfast/bin/holdfast-agent ls');
    expect(sessionsAfter.stdout).toBe(sessionsBefore.stdout);
    const marked = await sshd.exec(`test -e ~/${mark} && echo ran || echo not-run`);
    expect(marked.stdout.trim()).toBe('not-run');
    // known_hosts still holds only the old key: nothing was replaced behind the user's back.
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(1);
    expect(await readFile(file, 'utf8')).not.toContain(sshd.hostKeyPublic.split(' ')[1]);
  });
});
