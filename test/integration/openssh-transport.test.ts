// Proves that where ssh2 cannot do what the config asks, Holdfast works wherever `ssh`
// does by letting the system OpenSSH client carry the connection: a user certificate
// (the key itself not in authorized_keys), a host certificate under @cert-authority, a
// ProxyCommand. Each case is compared with plain ssh in the same setup, and the session
// keeps DESIGN.md's first two invariants across a reset and a black-hole on that link.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy } from '../support/faultProxy';
import {
  checkNumbered,
  cliOptions,
  numberedLines,
  runCli,
  startRouter,
} from '../support/cliHarness';
import { delay, pollFor, runChecked } from '../support/proc';
import { destinationOf, TabRecorder, testEngine } from '../support/engineHarness';
import { startSshd, type Sshd } from '../support/sshd';

// Fast keepalives so a black-hole is judged within seconds, as a user would set them.
const FAST = ['-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=3'];

/** Pids of ssh masters (ours: ControlMaster=yes on a holdfast-ssh- socket) for `alias`. */
function mastersFor(alias: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (
      argv.includes('ControlMaster=yes') &&
      argv.includes(alias) &&
      argv.some((a) => a.includes('holdfast-ssh-'))
    )
      pids.push(Number(name));
  }
  return pids;
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'hft-openssh-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('a user certificate (TrustedUserCAKeys; the key is not in authorized_keys)', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd({ userCertificate: true });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('plain ssh logs in with it, ssh2 cannot, and holdfast runs the command via OpenSSH', async () => {
    const ssh = await sshd.exec('echo from-ssh; exit 3');
    expect(ssh.code).toBe(3);
    expect(ssh.stdout).toBe('from-ssh\n');

    const forced = runCli([
      ...(await cliOptions(sshd, sshd.port)),
      '-o',
      'HoldfastTransport=ssh2',
      '--',
      'true',
    ]);
    expect((await forced.exited).code).toBe(255);
    // What ssh2 alone does (the bug this transport fixes): the certificate goes unused.
    expect(forced.stderr()).toMatch(/Permission denied .*id_ed25519: not accepted/);

    const run = runCli([
      ...(await cliOptions(sshd, sshd.port)),
      '-v',
      '--',
      'echo from-holdfast; exit 3',
    ]);
    const { code } = await run.exited;
    expect(code, run.stderr()).toBe(3);
    expect(run.stdout().replace(/\r/g, '')).toBe('from-holdfast\n');
    expect(run.stderr()).toMatch(/via OpenSSH \(user certificate [^)]*id_ed25519-cert\.pub\)/);
    expect(run.stderr()).toMatch(/transport OpenSSH \(system ssh\): user certificate/);
  });

  it('delivers every line exactly once to two clients across a reset, a black-hole and a moved path', async () => {
    const proxy = await startFaultProxy({ target: { host: sshd.host, port: sshd.port } });
    const router = await startRouter(() => proxy.port);
    // Small enough that the whole output stays in the agent's ring: the second client,
    // attached late, gets it all from the start.
    const N = 40_000;
    try {
      const opts = await cliOptions(sshd, router.port, FAST);
      // a terminal session (-tt, as ssh): a second client replays it from the start
      const run = runCli([...opts, '-tt', '-v', '--', numberedLines(N, 500, 0.1)]);
      await pollFor('output to start', () => run.stdout().includes('line 1000\r\n'), 20_000);
      const id = /attached to session (\S+)/.exec(run.stderr())?.[1];
      expect(id, run.stderr()).toBeDefined();
      const other = runCli([...opts, '--attach', id!]);
      await pollFor('the second client', () => other.stdout().includes('line 1000\r\n'), 20_000);
      const acceptedBefore = proxy.accepted;
      await proxy.reset();
      const atReset = run.stdout().length;
      await pollFor(
        'a new connection after the reset',
        () => proxy.accepted > acceptedBefore,
        20_000,
      );
      await pollFor('output after the reset', () => run.stdout().length > atReset + 5_000, 20_000);
      proxy.blackhole();
      await delay(4_500); // longer than 3 keepalives: the link is judged dead
      const healed = Date.now();
      const before = run.stdout().length;
      proxy.pass();
      await pollFor('output after the black-hole', () => run.stdout().length > before, 20_000);
      console.log(`[openssh transport] heal → first new byte: ${Date.now() - healed} ms`);
      await proxy.move(); // the old path is half-open for good; new dials take the new one
      for (const [who, r] of [
        ['first', run],
        ['second', other],
      ] as const) {
        const { code } = await r.exited;
        const check = checkNumbered(r.stdout(), N);
        expect(check.ok ? 'ok' : `${who}: ${check.why}`).toBe('ok');
        expect(code, r.stderr()).toBe(0);
      }
      expect(run.stderr()).toMatch(/connection lost/);
    } finally {
      await router.close();
      await proxy.close();
    }
  });

  it('lists and kills its sessions, as `sessions` and `kill`', async () => {
    const opts = await cliOptions(sshd, sshd.port);
    const first = runCli([...opts, '-v', '--name', 'cert-held', '--', 'sleep 300']);
    await pollFor('attached', () => /attached to session (\S+)/.test(first.stderr()), 20_000);
    const id = /attached to session (\S+)/.exec(first.stderr())![1]!;
    expect(mastersFor(sshd.sshAlias).length).toBe(1);
    first.child.kill('SIGKILL');
    await first.exited;
    // Its ssh master does not outlive it (the watchdog ends it), nor its private directory.
    await pollFor('the master to end', () => mastersFor(sshd.sshAlias).length === 0, 5_000);

    const ls = runCli(['sessions', ...opts]);
    expect((await ls.exited).code, ls.stderr()).toBe(0);
    expect(ls.stdout()).toMatch(new RegExp(`${id}\\s+cert-held\\s+running`));

    const kill = runCli(['kill', ...opts, id]);
    expect((await kill.exited).code, kill.stderr()).toBe(0);
    const after = await sshd.exec('~/.holdfast/bin/holdfast-agent ls');
    expect(after.stdout).not.toMatch(new RegExp(`${id}.*running`));
  });
});

describe('a user certificate held only by the ssh-agent (as `step ssh login` leaves it)', () => {
  let sshd: Sshd;
  let agent: ChildProcess | undefined;
  let agentSock: string;
  beforeAll(async () => {
    sshd = await startSshd({ userCertificate: true });
    agentSock = path.join(scratch, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
    await pollFor('the agent socket', () => existsSync(agentSock), 5_000);
    // ssh-add takes key-cert.pub along; then the certificate exists only in the agent.
    await runChecked('ssh-add', [sshd.keyPath], { env: { SSH_AUTH_SOCK: agentSock } });
    await rename(`${sshd.keyPath}-cert.pub`, path.join(scratch, 'moved-cert.pub'));
  });
  afterAll(async () => {
    if (agent?.pid !== undefined) process.kill(agent.pid, 'SIGTERM');
    await sshd?.stop();
  });

  it('logs in with it like ssh does, via OpenSSH', async () => {
    const config = path.join(scratch, 'agent_config');
    await writeFile(
      config,
      [
        'Host agent-cert',
        `  HostName ${sshd.host}`,
        `  Port ${sshd.port}`,
        `  User ${sshd.user}`,
        `  IdentityAgent ${agentSock}`,
        `  UserKnownHostsFile ${sshd.knownHostsFile}`,
        '  GlobalKnownHostsFile /dev/null',
        '  StrictHostKeyChecking yes',
        '  BatchMode yes',
        '',
      ].join('\n'),
    );
    const ssh = await runChecked('ssh', ['-F', config, 'agent-cert', 'echo agent-ssh']);
    expect(ssh.stdout).toBe('agent-ssh\n');

    const run = runCli(['-F', config, 'agent-cert', '--', 'echo agent-holdfast']);
    const { code } = await run.exited;
    expect(code, run.stderr()).toBe(0);
    expect(run.stdout()).toContain('agent-holdfast');
    expect(run.stderr()).toMatch(/via OpenSSH \(user certificate in the ssh-agent/);

    // ssh2 alone offers the agent's plain key, which the server does not know.
    const ssh2 = runCli(['-F', config, '-o', 'HoldfastTransport=ssh2', 'agent-cert', '--', 'true']);
    expect((await ssh2.exited).code).toBe(255);
    expect(ssh2.stderr()).toMatch(/Permission denied/);
  });
});

describe('a host certificate under @cert-authority', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd({ hostCertificate: true });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  /** Options reaching the server with `lines` as the only known_hosts. */
  async function withKnownHosts(name: string, lines: string[]): Promise<string[]> {
    const file = path.join(scratch, name);
    await writeFile(file, `${lines.join('\n')}\n`);
    return ['-F', sshd.sshConfigFile, '-o', `UserKnownHostsFile=${file}`, sshd.sshAlias];
  }

  it('connects when known_hosts holds only the CA, like ssh (not "unknown host")', async () => {
    const opts = await withKnownHosts('ca-only', [sshd.hostCaLine()]);
    const ssh = await sshd.exec('echo ok', { sshOptions: [opts[2]!, opts[3]!] });
    expect(ssh.code, ssh.stderr).toBe(0);

    const run = runCli([...opts, '--', 'echo host-cert-ok']);
    const { code } = await run.exited;
    expect(code, run.stderr()).toBe(0);
    expect(run.stdout()).toContain('host-cert-ok');
    expect(run.stderr()).toMatch(/via OpenSSH \(host certificate authority/);

    // Without the OpenSSH transport the same known_hosts reads as an unknown host.
    const ssh2 = runCli([...opts, '-o', 'HoldfastTransport=ssh2', '--', 'true']);
    expect((await ssh2.exited).code).toBe(255);
    expect(ssh2.stderr()).toMatch(/not in known_hosts|unknown|StrictHostKeyChecking/i);
  });

  it('refuses, loudly, a host certificate signed by another CA', async () => {
    const other = path.join(scratch, 'other_ca');
    await runChecked('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const otherCa = (await readFile(`${other}.pub`, 'utf8')).trim().split(' ').slice(0, 2);
    const opts = await withKnownHosts('other-ca', [
      `@cert-authority [${sshd.host}]:${sshd.port} ${otherCa.join(' ')}`,
    ]);
    const ssh = await sshd.exec('true', { sshOptions: [opts[2]!, opts[3]!] });
    expect(ssh.code).toBe(255);
    expect(ssh.stderr).toMatch(/Host key verification failed/);

    const run = runCli([...opts, '--', 'echo must-not-run']);
    const { code } = await run.exited;
    expect(code).toBe(255);
    expect(run.stdout()).not.toContain('must-not-run');
    expect(run.stderr()).toMatch(/could not verify the host key of 127\.0\.0\.1 port \d+/);
    expect(run.stderr()).toMatch(/@cert-authority/);
  });
});

describe('ProxyCommand', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('reaches the server through `ssh -W` as its ProxyCommand, like ssh', async () => {
    const config = path.join(scratch, 'proxy_config');
    const bed = await readFile(sshd.sshConfigFile, 'utf8');
    await writeFile(
      config,
      `Host via-proxy\n  ProxyCommand ssh -F ${sshd.sshConfigFile} -W %h:%p ${sshd.sshAlias}\n` +
        bed.replace(/^Host .*$/m, `Host via-proxy ${sshd.sshAlias}`),
    );
    const ssh = await runChecked('ssh', ['-F', config, 'via-proxy', 'echo proxied-ssh']);
    expect(ssh.stdout).toBe('proxied-ssh\n');

    const run = runCli(['-F', config, '-v', 'via-proxy', '--', 'echo proxied-holdfast']);
    const { code } = await run.exited;
    expect(code, run.stderr()).toBe(0);
    expect(run.stdout()).toContain('proxied-holdfast');
    expect(run.stderr()).toMatch(/via OpenSSH \(ProxyCommand\)/);
    // The proxy's own connection shows in the server's log: two logins, not one.
    expect((await sshd.readLog()).match(/Accepted publickey/g)?.length ?? 0).toBeGreaterThan(1);
  });
});

describe('MaxSessions over the OpenSSH transport', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd({ userCertificate: true, extraConfig: ['MaxSessions 2'] });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('opens four tabs, each echoing its own input, over more than one master', async () => {
    const { engine, logs } = testEngine();
    try {
      const tabs = [];
      for (let i = 0; i < 4; i++) {
        const tab = engine.openTab({
          ...destinationOf(sshd),
          cols: 80,
          rows: 24,
          command: ['stty -echo; cat'],
        });
        const rec = new TabRecorder(tab);
        await rec.waitState('connected', 30_000);
        tabs.push(rec);
      }
      for (const [i, rec] of tabs.entries()) rec.tab.write(Buffer.from(`tab-${i}-says-hi\r`));
      for (const [i, rec] of tabs.entries()) {
        await rec.waitFor(`tab-${i}-says-hi`);
        expect(rec.text).not.toMatch(new RegExp(`tab-(?!${i}-)\\d-says-hi`));
      }
      expect(new Set(tabs.map((r) => r.tab.sessionId)).size).toBe(4);
      expect(logs.join('\n')).toMatch(/transport OpenSSH/);
      expect(logs.join('\n')).toMatch(/opened connection 2/);
      for (const rec of tabs) await rec.tab.kill();
    } finally {
      engine.dispose();
    }
  });
});
