// Proves the everyday CLI, through the real CLI, real sshds and the real agent: ProxyJump
// (from ssh_config and with -J) reaches a server behind a hop; `sessions` lists a named
// session and `kill` ends it; a non-interactive run prints exactly the command's output
// and exits with its status, also when the command closes its terminal before it ends;
// a pipe on stdin reaches the command and its end is the terminal's EOF; bad input
// (unknown host, refused port, missing key file, malformed -o, malformed ssh_config,
// conflicting flags) gets one clear message and the ssh-like exit status, never a stack
// trace; --version names client and agent.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cliHarness';
import { pollFor } from '../support/proc';
import { startJumpPair, type JumpPair, type Sshd } from '../support/sshd';

const AGENT = fileURLToPath(new URL('../../remote-agent/build/holdfast-agent', import.meta.url));

let pair: JumpPair;
/** The server used directly by most tests (the pair's target, reachable without the hop). */
let sshd: Sshd;
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'hft-cli-misc-'));
  pair = await startJumpPair();
  sshd = pair.target;
});
afterAll(async () => {
  await pair?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** Runs the CLI to its end with an empty stdin. */
async function cli(args: string[]) {
  const run = runCli(args);
  run.child.stdin!.end();
  const { code } = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** The bed's ssh_config and alias, then `extra`. */
const direct = (...extra: string[]) => ['-F', sshd.sshConfigFile, ...extra, sshd.sshAlias];

const noStack = /\n\s+at /;

/** How many logins a server has accepted so far. */
async function logins(server: Sshd): Promise<number> {
  return ((await server.readLog()).match(/Accepted publickey for /g) ?? []).length;
}

describe('the CLI', () => {
  it('reaches a server through the ProxyJump of its ssh_config and exits with its status', async () => {
    const hopBefore = await logins(pair.hop);
    const r = await cli(['-F', pair.sshConfigFile, sshd.sshAlias, '--', 'echo via-hop; exit 3']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout.replace(/\r/g, '')).toBe('via-hop\n');
    expect(await logins(pair.hop)).toBeGreaterThan(hopBefore);
  });

  it('reaches a server through a hop given with -J', async () => {
    // A config that knows both hosts but has no ProxyJump: the hop comes from -J alone.
    const cfg = path.join(scratch, 'both');
    const both = `${await readFile(pair.hop.sshConfigFile, 'utf8')}${await readFile(sshd.sshConfigFile, 'utf8')}`;
    expect(both).not.toMatch(/ProxyJump/i);
    await writeFile(cfg, both);
    const hopBefore = await logins(pair.hop);
    const r = await cli(['-F', cfg, '-J', pair.hop.sshAlias, sshd.sshAlias, '--', 'exit 7']);
    expect(r.code, r.stderr).toBe(7);
    expect(await logins(pair.hop)).toBeGreaterThan(hopBefore);
  });

  it('lists a session started with --name, and kill ends it', async () => {
    const run = runCli([...direct('-v', '--name', 'build'), '--', 'sleep 300']);
    await pollFor(
      'the session to start',
      () => /attached to session \S+/.test(run.stderr()),
      20_000,
    );
    const id = /attached to session (\S+)/.exec(run.stderr())![1]!.trim();
    // The session outlives this client.
    run.child.kill('SIGKILL');
    await run.exited;

    const listed = await cli(['sessions', ...direct()]);
    expect(listed.code, listed.stderr).toBe(0);
    const [header, ...rows] = listed.stdout.trimEnd().split('\n');
    expect(header!.split(/\s+/)).toEqual(['ID', 'NAME', 'STATE', 'AGE', 'ATTACHED', 'COMMAND']);
    const row = rows.find((l) => l.startsWith(`${id} `));
    expect(row, listed.stdout).toBeDefined();
    expect(row!.split(/\s+/).slice(1, 3)).toEqual(['build', 'running']);
    expect(row).toMatch(/sleep 300$/);

    const killed = await cli(['kill', ...direct(), id]);
    expect(killed.code, killed.stderr).toBe(0);
    expect(killed.stdout).toBe('');
    // The agent's own list, on the server, no longer has it running.
    await pollFor(
      'the session to end',
      async () => {
        const ls = await sshd.exec('~/.holdfast/bin/holdfast-agent ls');
        const line = ls.stdout.split('\n').find((l) => l.startsWith(`${id} `)) ?? '';
        return !/running/.test(line);
      },
      10_000,
    );
    // Nobody was attached to collect the exit status, so the master is gone too (it does
    // not linger for the exit grace period).
    const after = await cli(['sessions', ...direct()]);
    expect(after.stdout).not.toContain(id);
  });

  it('takes connection options before the subcommand as well as after it', async () => {
    const r = await cli(['-F', sshd.sshConfigFile, 'sessions', sshd.sshAlias]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ID\s+NAME/);
  });

  it('says which session is unknown when asked to kill one that does not exist', async () => {
    const r = await cli(['kill', ...direct(), 'nosuchsession']);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/no session 'nosuchsession'/);
    expect(r.stderr).not.toMatch(noStack);
  });

  it('prints exactly the remote command output on stdout and nothing on stderr', async () => {
    const r = await cli([...direct(), '--', "printf 'a\\nb\\n'"]);
    expect(r.code, r.stderr).toBe(0);
    // No terminal on either side (stdin and stdout are pipes): byte-exact, as with ssh.
    expect(r.stdout).toBe('a\nb\n');
    expect(r.stderr).toBe('');
  });

  it("exits with the remote command's status", async () => {
    const r = await cli([...direct(), '--', 'exit 42']);
    expect(r.code).toBe(42);
    expect(r.stdout).toBe('');
  });

  it('feeds a pipe on stdin to the remote command and ends it at EOF', async () => {
    // The remote side is a terminal: wait until its echo is off, or typed-ahead lines echo.
    // `wc` is the last command, so bash execs it and it leads the session: it closes its
    // stdio before it exits, which once let the agent hang the terminal up and SIGHUP it.
    const run = runCli([...direct(), '--', 'stty -echo; echo ready; wc -l']);
    await pollFor('echo off', () => run.stdout().includes('ready'), 20_000);
    run.child.stdin!.end('one\ntwo\nthree\n');
    const { code } = await run.exited;
    expect(code, run.stderr()).toBe(0);
    expect(run.stdout().replace(/\r/g, '')).toBe('ready\n3\n');
  });

  it('ends the remote input at EOF also when the pipe does not end with a newline', async () => {
    const run = runCli([...direct(), '--', 'stty -echo; echo ready; wc -c']);
    await pollFor('echo off', () => run.stdout().includes('ready'), 20_000);
    run.child.stdin!.end('one\ntwo');
    const { code } = await run.exited;
    expect(code, run.stderr()).toBe(0);
    expect(run.stdout().replace(/\r/g, '')).toBe('ready\n7\n');
  });

  it('lets a command that closes its terminal run on and exits with its own status', async () => {
    // Once no process holds the terminal, the agent must not close its end while the
    // command runs: a hung-up terminal SIGHUPs the session leader (status 129, not 3).
    const r = await cli([
      ...direct(),
      '--',
      'echo before; exec </dev/null >/dev/null 2>&1; sleep 0.5; exit 3',
    ]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout.replace(/\r/g, '')).toBe('before\n');
  });

  it('prints the client and agent versions with --version', async () => {
    const agent = execFileSync(AGENT, ['--version'], { encoding: 'utf8' }).split('\n')[0]!;
    const r = await cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^holdfast \d+\.\d+\.\d+$/),
      agent,
    ]);
  });
});

// Each of these starts its own CLI and changes nothing on the server: they run side by side.
describe.concurrent('the CLI on bad input', () => {
  it('refuses an unknown host with 255 and one clear line', async () => {
    const r = await cli(['-F', sshd.sshConfigFile, 'nosuch.invalid', '--', 'true']);
    expect(r.code).toBe(255);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      "holdfast: Could not resolve host 'nosuch.invalid': check the name or your network.",
    ]);
  });

  it('refuses a closed port with 255 and one clear line', async () => {
    const r = await cli([...direct('-p', '1'), '--', 'true']);
    expect(r.code).toBe(255);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^holdfast: Connection refused by 127\.0\.0\.1 port 1: /);
  });

  it('names a key file that does not exist when it was the only key', async () => {
    const cfg = path.join(scratch, 'nokey');
    await writeFile(
      cfg,
      [
        'Host t',
        `  HostName ${sshd.host}`,
        `  Port ${sshd.port}`,
        `  User ${sshd.user}`,
        '  IdentityAgent none',
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${sshd.knownHostsFile}`,
        '',
      ].join('\n'),
    );
    const r = await cli(['-F', cfg, '-i', '/nonexistent', 't', '--', 'true']);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/identity file \/nonexistent is not accessible: no such file/);
    expect(r.stderr).toMatch(/Permission denied .*key \/nonexistent: file not found/);
    expect(r.stderr).not.toMatch(noStack);
  });

  it('warns about a key file that does not exist even when another key logs in', async () => {
    // As ssh does: a mistyped -i must not pass unnoticed.
    const r = await cli([...direct('-i', '/nonexistent'), '--', 'echo in']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.replace(/\r/g, '')).toBe('in\n');
    expect(r.stderr.trimEnd()).toBe(
      'holdfast: warning: identity file /nonexistent is not accessible: no such file',
    );
  });

  it('refuses a malformed -o option with 255 and says what is wrong', async () => {
    const r = await cli([...direct('-o', 'Port=abc'), '--', 'true']);
    expect(r.code).toBe(255);
    expect(r.stderr.trimEnd()).toBe(
      "holdfast: option -o 'Port=abc': Bad port 'abc': use a number from 1 to 65535.",
    );
  });

  it('refuses a bad -p with 2, as a command-line error', async () => {
    const r = await cli([...direct('-p', 'abc'), '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad port 'abc'/);
    expect(r.stderr).not.toMatch(noStack);
  });

  it('names the file and line of a malformed ssh_config line', async () => {
    const cfg = path.join(scratch, 'malformed');
    await writeFile(cfg, `Host ${sshd.sshAlias}\n  HostName ${sshd.host}\n  Port 22x\n`);
    const r = await cli(['-F', cfg, sshd.sshAlias, '--', 'true']);
    expect(r.code).toBe(255);
    expect(r.stderr.trimEnd()).toBe(
      `holdfast: ${cfg} line 3: Bad port '22x': use a number from 1 to 65535.`,
    );
  });

  it('names a config file given with -F that does not exist', async () => {
    const missing = path.join(scratch, 'no-such-config');
    const r = await cli(['-F', missing, sshd.sshAlias, '--', 'true']);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain(missing);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('refuses --name with --attach with 2', async () => {
    const r = await cli([...direct('--name', 'x', '--attach', 'y')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd()).toBe('holdfast: --name and --attach cannot be used together');
  });
});
