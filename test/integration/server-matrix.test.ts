// Proves "works wherever ssh works" against the accounts real servers have, each compared
// with what OpenSSH's `ssh` does on the same server: login shells bash, dash, zsh, fish,
// csh, tcsh, ksh93 and a busybox-only chroot, every one with start-up files that print on
// stdout and stderr (the shell's own rc file and ~/.ssh/rc). For each: a command's output
// (quotes, backslashes, `$`, a newline in the command) and exit status equal ssh's; a
// held session is listed by `sessions`, survives its client's SIGKILL, is re-attached with
// `--attach` and ended by `kill`. The bridge path (stream-local forwarding forbidden) is
// proved with a noisy account through a connection reset.
import { chown, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy } from '../support/faultProxy';
import { cliOptions, runCli } from '../support/cliHarness';
import { pollFor, run } from '../support/proc';
import { startSshd, type Sshd } from '../support/sshd';

const OUT = 'Welcome to the build box';
const ERR = 'quota: 93% of your home is used';
const RC_OUT = 'ssh-rc says hello';
const RC_ERR = 'ssh-rc warns';

type Case = {
  name: string;
  shell?: string;
  busybox?: true;
  /** Start-up files (relative to the home) that print on both streams. */
  files: Record<string, string>;
};

const posixNoise = `echo "${OUT}"; echo "${ERR}" >&2\n`;
const cshNoise = `echo "${OUT}"\necho "${ERR}" > /dev/stderr\n`;

const CASES: Case[] = [
  { name: 'bash', shell: '/bin/bash', files: { '.bashrc': posixNoise } },
  { name: 'dash', shell: '/bin/dash', files: {} },
  { name: 'zsh', shell: '/usr/bin/zsh', files: { '.zshenv': posixNoise } },
  {
    name: 'fish',
    shell: '/usr/bin/fish',
    files: { '.config/fish/config.fish': `echo "${OUT}"; echo "${ERR}" >&2\n` },
  },
  { name: 'csh', shell: '/bin/bsd-csh', files: { '.cshrc': cshNoise } },
  { name: 'tcsh', shell: '/usr/bin/tcsh', files: { '.tcshrc': cshNoise } },
  { name: 'ksh93', shell: '/usr/bin/ksh93', files: {} },
  { name: 'busybox ash (chroot)', busybox: true, files: {} },
];

/** Commands whose meaning depends on the login shell: Holdfast must match ssh exactly. */
const COMMANDS = [
  'printf "%s\\n" "x\\\\\\\\y"',
  `echo 'single $HOME' "double quotes" a\\ b`,
  'echo one\necho two',
];

const servers = new Map<string, Sshd>();

async function writeStartupFiles(sshd: Sshd, c: Case): Promise<void> {
  // In a chroot the session's home is the one inside the root.
  const home = c.busybox ? path.join(sshd.chrootDir!, sshd.home) : sshd.home;
  const files = {
    ...c.files,
    '.ssh/rc': `echo "${RC_OUT}"; echo "${RC_ERR}" >&2\n`,
  };
  const { uid, gid } = await ids(sshd.user);
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(home, rel);
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await chown(path.dirname(file), uid, gid);
    await writeFile(file, text, { mode: 0o600 });
    await chown(file, uid, gid);
  }
}

async function ids(user: string): Promise<{ uid: number; gid: number }> {
  const f = (await run('getent', ['passwd', user])).stdout.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

beforeAll(async () => {
  await Promise.all(
    CASES.map(async (c) => {
      const sshd = await startSshd({
        label: c.name.split(' ')[0]!,
        ...(c.shell ? { shell: c.shell } : {}),
        ...(c.busybox ? { busybox: {} } : {}),
      });
      servers.set(c.name, sshd);
      await writeStartupFiles(sshd, c);
    }),
  );
});
afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.stop()));
});

/** Runs the CLI to its end with an empty stdin. */
async function cli(args: string[]) {
  const r = runCli(args);
  r.child.stdin!.end();
  const { code } = await r.exited;
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}

const direct = (sshd: Sshd, ...rest: string[]) => [
  '-F',
  sshd.sshConfigFile,
  sshd.sshAlias,
  ...rest,
];

/** What a command printed, minus the start-up files' lines, with the terminal's CRs gone. */
function payload(text: string): string {
  return text
    .replace(/\r/g, '')
    .split('\n')
    .filter((l) => ![OUT, ERR, RC_OUT, RC_ERR].includes(l))
    .join('\n');
}

describe.each(CASES)('a server whose account has $name as login shell', (c) => {
  it('runs commands with the output and exit status ssh gives', async () => {
    const sshd = servers.get(c.name)!;
    for (const cmd of COMMANDS) {
      const viaSsh = await sshd.exec(cmd);
      const viaHf = await cli(direct(sshd, '--', cmd));
      expect(viaHf.code, viaHf.stderr).toBe(viaSsh.code);
      expect(payload(viaHf.stdout)).toBe(payload(viaSsh.stdout));
      // Without a terminal stderr is the command's, as with ssh: each line Holdfast shows
      // there is one ssh shows too (the start-up files' own, never an error of ours).
      const sshErr = viaSsh.stderr.replace(/\r/g, '').split('\n');
      for (const l of viaHf.stderr.replace(/\r/g, '').split('\n').filter(Boolean))
        expect(sshErr, `stderr line ${JSON.stringify(l)}`).toContain(l);
    }
    const status = await cli(direct(sshd, '--', 'exit 7'));
    expect(status.code).toBe((await sshd.exec('exit 7')).code);
    expect(status.code).toBe(7);
  });

  it('lists, re-attaches and kills a held session', async () => {
    const sshd = servers.get(c.name)!;
    const name = `m${Math.random().toString(36).slice(2, 8)}`;
    // -tt: a terminal session, whose output a re-attach replays (a pipes session resumes
    // after what its client had written instead).
    const first = runCli(direct(sshd, '-tt', '--name', name, '--', 'echo held-up; sleep 600'));
    await pollFor('the session to start', () => first.stdout().includes('held-up'), 20_000);
    first.child.kill('SIGKILL');
    await first.exited;

    const ls = await cli(['sessions', ...direct(sshd)]);
    expect(ls.code, ls.stderr).toBe(0);
    const line = ls.stdout.split('\n').find((l) => l.includes(name));
    expect(line, ls.stdout).toBeDefined();
    const id = line!.trim().split(/\s+/)[0]!;

    const again = runCli(direct(sshd, '--attach', id));
    await pollFor('the replay', () => again.stdout().includes('held-up'), 20_000);
    again.child.kill('SIGKILL');
    await again.exited;

    const killed = await cli(['kill', ...direct(sshd, id)]);
    expect(killed.code, killed.stderr).toBe(0);
    await pollFor(
      'the session to be gone',
      async () => !(await cli(['sessions', ...direct(sshd)])).stdout.includes(`${name} `),
      10_000,
    );
  });
});

describe('a noisy account where stream-local forwarding is forbidden', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd({ label: 'bridge', extraConfig: ['AllowStreamLocalForwarding no'] });
    await writeStartupFiles(sshd, CASES[0]!);
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('speaks the protocol through the bridge and resumes it after a reset, exactly once', async () => {
    const proxy = await startFaultProxy({ target: { host: sshd.host, port: sshd.port } });
    try {
      const r = runCli([
        // -v: without a terminal the status lines ("reconnecting") show only when asked.
        ...(await cliOptions(sshd, proxy.port, ['-v', '-o', 'ServerAliveInterval=1'])),
        '--',
        'for i in $(seq 1 40); do echo "tick-$i"; sleep 0.1; done',
      ]);
      await pollFor('output to start', () => r.stdout().includes('tick-5'), 20_000);
      proxy.reset();
      const { code } = await r.exited;
      expect(code, r.stderr()).toBe(0);
      const ticks = payload(r.stdout())
        .split('\n')
        .filter((l) => l.startsWith('tick-'));
      expect(ticks).toEqual(Array.from({ length: 40 }, (_, i) => `tick-${i + 1}`));
      expect(r.stderr()).toMatch(/reconnect/);
      expect(r.stderr()).not.toMatch(/unknown frame type/);
    } finally {
      await proxy.close();
    }
  });
});
