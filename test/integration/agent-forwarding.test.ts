// Proves agent forwarding outlives every reconnect (README "Agent forwarding"), end to end:
// the real CLI with -A, a real sshd, the real agent, a real ssh-agent started here, and the
// fault proxy between them. A shell started before the faults and one inside tmux in the
// session run `ssh-add -l` after a reset, a black-hole and a moved path, and list the local
// agent's key each time; ssh inside the session logs in to a second sshd with a key only
// the forwarded agent holds; a request made during a black-hole waits and succeeds after
// the heal, and one that no client comes back for fails cleanly at the bound. The system
// ssh transport forwards too; a session held by an older (protocol 3) agent is told to the
// user as unforwarded; without -A nothing in the session can reach the agent.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliOptions, runCli, startRouter, type CliRun } from '../support/cliHarness';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy';
import { delay, pollFor, run } from '../support/proc';
import { REPO } from '../support/agent';
import { startSshAgent, type SshAgent } from '../support/sshAgent';
import { sshKeygen, startSshd, stopAllSshd, type Sshd } from '../support/sshd';

afterAll(stopAllSshd);

/** The master's bound on a request with no client to answer it (HF_AGENT_WAIT_MS). */
const AGENT_WAIT_MS = 30_000;
// Fast keepalives so a black-hole is judged within seconds, as a user would set them.
const FAST = ['-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=3'];

let sshd: Sshd;
let scratch: string;
let agent: SshAgent;
/** The key the local agent holds (and no file on the server does). */
let fwdKey: string;
let fwdFingerprint: string;

/**
 * A probe the session runs: for each trigger file ~/go-TAG-N the test creates, it runs
 * `ssh-add -l` once and writes its output, exit status and time taken to ~/out-TAG-N.
 * Started once, before any fault: it keeps the SSH_AUTH_SOCK the session began with.
 */
const PROBE = `#!/bin/sh
tag=$1; i=1
while :; do
  while [ ! -e "$HOME/go-$tag-$i" ]; do sleep 0.1; done
  s=$(date +%s%N)
  ssh-add -l > "$HOME/out-$tag-$i.tmp" 2>&1
  rc=$?
  echo "rc=$rc ms=$(( ($(date +%s%N) - s) / 1000000 )) sock=$SSH_AUTH_SOCK" >> "$HOME/out-$tag-$i.tmp"
  mv "$HOME/out-$tag-$i.tmp" "$HOME/out-$tag-$i"
  i=$((i + 1))
done
`;

beforeAll(async () => {
  sshd = await startSshd();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'hft-agentfwd-'));
  fwdKey = path.join(scratch, 'forwarded');
  await sshKeygen(fwdKey, 'ed25519', '', 'forwarded-key');
  fwdFingerprint = (await run('ssh-keygen', ['-l', '-f', `${fwdKey}.pub`])).stdout.split(/\s+/)[1]!;
  agent = await startSshAgent(scratch, [{ file: fwdKey }]);
  const r = await sshd.exec('cat > ~/probe.sh && chmod 700 ~/probe.sh', { input: PROBE });
  if (r.code !== 0) throw new Error(`cannot install the probe: ${r.stderr}`);
});

afterAll(async () => {
  agent?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/**
 * The CLI with the local agent as its IdentityAgent (the bed's ssh_config says
 * `IdentityAgent none`, which, as with ssh, leaves -A nothing to forward; -o comes first).
 */
function cli(args: string[]): CliRun {
  const r = runCli(['-o', `IdentityAgent=${agent.sock}`, ...args]);
  r.child.stdin!.on('error', () => undefined);
  return r;
}

/** Asks probe `tag` for its run `n`; resolves with what it wrote. */
async function probe(tag: string, n: number, timeoutMs = 45_000): Promise<string> {
  await sshd.exec(`touch ~/go-${tag}-${n}`);
  let out = '';
  await pollFor(
    `probe ${tag} run ${n}`,
    async () => {
      const r = await sshd.exec(`cat ~/out-${tag}-${n} 2>/dev/null`);
      out = r.stdout;
      return /rc=\d+/.test(out);
    },
    timeoutMs,
  );
  return out;
}

function rcOf(out: string): number {
  return Number(/rc=(\d+)/.exec(out)?.[1]);
}

function msOf(out: string): number {
  return Number(/ms=(\d+)/.exec(out)?.[1]);
}

async function attachedCount(r: CliRun): Promise<number> {
  return (r.stderr().match(/attached \(protocol/g) ?? []).length;
}

/** Waits until the CLI has attached `n` times in all (a reconnect finished). */
async function attachedTimes(r: CliRun, n: number): Promise<void> {
  await pollFor(`attach number ${n}`, async () => (await attachedCount(r)) >= n, 30_000);
}

/** A fault proxy and, in front of it, a router that stands for the server's fixed address
 * while the path behind it moves; `port` is the router's. */
async function withPath<T>(fn: (proxy: FaultProxy, port: number) => Promise<T>): Promise<T> {
  const proxy = await startFaultProxy({ target: { host: sshd.host, port: sshd.port } });
  const router = await startRouter(() => proxy.port);
  try {
    return await fn(proxy, router.port);
  } finally {
    await router.close();
    await proxy.close();
  }
}

/** The CLI with -A running `command` through `port`, with fast keepalives, logging attaches. */
async function forwarding(port: number, command: string): Promise<CliRun> {
  return cli([...(await cliOptions(sshd, port, FAST)), '-A', '-v', '--', command]);
}

describe('agent forwarding (-A)', () => {
  it('ssh-add -l lists the local key in a shell and in tmux started before a reset, a black-hole and a moved path', async () => {
    await withPath(async (proxy, port) => {
      const tag = `r${Date.now()}`;
      const session = await forwarding(
        port,
        `tmux -S ~/tmux-${tag}.sock new-session -d "sh ~/probe.sh ${tag}-tmux"; exec sh ~/probe.sh ${tag}-shell`,
      );
      try {
        await attachedTimes(session, 1);
        const check = async (n: number, what: string) => {
          for (const where of ['shell', 'tmux']) {
            const out = await probe(`${tag}-${where}`, n);
            expect(out, `${where} after ${what}; CLI: ${session.stderr()}`).toContain(
              fwdFingerprint,
            );
            expect(rcOf(out)).toBe(0);
          }
        };
        await check(1, 'the first attach');
        const first = await probe(`${tag}-shell`, 1);
        console.log(`ssh-add -l through the forwarded agent: ${msOf(first)} ms`);
        // The socket is the session's own, in a directory only the account can enter.
        const sock = /sock=(\S+)/.exec(await probe(`${tag}-shell`, 2))?.[1] ?? '';
        expect(sock).toMatch(/\/sessions\/[a-z0-9]+\.agent\/sock$/);
        const modes = await sshd.exec(`stat -c %a ${path.dirname(sock)} ${sock}`);
        expect(modes.stdout.split('\n').slice(0, 2)).toEqual(['700', '600']);
        await probe(`${tag}-tmux`, 2);

        await proxy.reset();
        await attachedTimes(session, 2);
        await check(3, 'a reset');

        proxy.blackhole();
        await delay(4_500); // longer than 3 keepalives: the link is judged dead
        proxy.pass();
        await attachedTimes(session, 3);
        await check(4, 'a black-hole');

        await proxy.move();
        await attachedTimes(session, 4);
        await check(5, 'a moved path');
      } finally {
        session.child.kill('SIGTERM');
        await session.exited;
        await sshd.exec(`tmux -S ~/tmux-${tag}.sock kill-server`);
      }
    });
  });

  it('a request made during a black-hole waits, and succeeds once the link heals or a new path comes', async () => {
    await withPath(async (proxy, port) => {
      const tag = `b${Date.now()}`;
      const session = await forwarding(port, `exec sh ~/probe.sh ${tag}`);
      // Asked while the only client's link is half-open: the request goes into the hole,
      // and the program waits (no answer yet after 6 s) until the heal brings an answer.
      const askInTheHole = async (n: number, heal: () => Promise<unknown>) => {
        proxy.blackhole();
        await sshd.exec(`touch ~/go-${tag}-${n}`);
        await delay(6_000);
        expect((await sshd.exec(`cat ~/out-${tag}-${n} 2>/dev/null`)).stdout).toBe('');
        await heal();
        const out = await probe(tag, n);
        expect(out, session.stderr()).toContain(fwdFingerprint);
        expect(rcOf(out)).toBe(0);
        expect(msOf(out)).toBeGreaterThanOrEqual(5_000);
        expect(msOf(out)).toBeLessThan(AGENT_WAIT_MS);
        console.log(`request ${n} asked in the hole: answered after ${msOf(out)} ms`);
      };
      try {
        await attachedTimes(session, 1);
        expect(rcOf(await probe(tag, 1))).toBe(0);
        // The same path comes back.
        await askInTheHole(2, async () => proxy.pass());
        // The old path never does (it stays half-open): the request goes again by the new.
        await askInTheHole(3, async () => {
          await proxy.move();
          proxy.pass(); // the new path passes; the moved-away link stays in the hole
        });
      } finally {
        session.child.kill('SIGTERM');
        await session.exited;
      }
    });
  });

  it('a request no client comes back for fails cleanly at the bound instead of hanging', async () => {
    await withPath(async (proxy, port) => {
      const tag = `f${Date.now()}`;
      const session = await forwarding(port, `exec sh ~/probe.sh ${tag}`);
      try {
        expect(rcOf(await probe(tag, 1))).toBe(0);
        // The client goes for good: killed, its link black-holed (nobody closes it).
        proxy.blackhole();
        session.child.kill('SIGKILL');
        await session.exited;
        const out = await probe(tag, 2, AGENT_WAIT_MS + 20_000);
        expect(rcOf(out)).not.toBe(0);
        expect(out).toMatch(/agent refused operation|error fetching identities/i);
        expect(msOf(out)).toBeGreaterThanOrEqual(AGENT_WAIT_MS - 1_000);
        expect(msOf(out)).toBeLessThan(AGENT_WAIT_MS + 5_000);
        console.log(`with no client coming back, ssh-add failed after ${msOf(out)} ms`);
      } finally {
        session.child.kill('SIGKILL');
      }
    });
  });

  it('ssh inside the session logs in to a second sshd with a key only the forwarded agent holds', async () => {
    const second = await startSshd();
    try {
      // The second server trusts the forwarded key; the first account has no key of its own.
      const add = await second.exec(`cat >> ~/.ssh/authorized_keys`, {
        input: `${(await run('cat', [`${fwdKey}.pub`])).stdout}`,
      });
      expect(add.code, add.stderr).toBe(0);
      const session = cli([
        ...(await cliOptions(sshd, sshd.port)),
        '-A',
        '--',
        `ssh -T -p ${second.port} -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null ${second.user}@${second.host} 'echo in-as-$(id -un)'`,
      ]);
      const { code } = await session.exited;
      expect(session.stdout(), session.stderr()).toContain(`in-as-${second.user}`);
      expect(code).toBe(0);
      expect(await second.readLog()).toMatch(/Accepted publickey/);
    } finally {
      await second.stop();
    }
  });

  it('forwards over the system ssh transport too (the bridge carries the frames)', async () => {
    const session = cli([
      ...(await cliOptions(sshd, sshd.port, ['-o', 'HoldfastTransport=openssh'])),
      '-A',
      '-v',
      '--',
      'ssh-add -l; echo "rc=$?"',
    ]);
    const { code } = await session.exited;
    expect(session.stderr()).toMatch(/transport OpenSSH/);
    expect(session.stdout(), session.stderr()).toContain(fwdFingerprint);
    expect(session.stdout()).toContain('rc=0');
    expect(code).toBe(0);
  });

  it('says forwarding is off when the session is held by an older agent (protocol 3)', async () => {
    // The same sources built to speak protocol 3 at most: a session from before forwarding.
    const buildDir = await mkdtemp(path.join(os.tmpdir(), 'hf-v3-'));
    try {
      const made = await run(
        'make',
        [
          '-s',
          '-C',
          path.join(REPO, 'remote-agent'),
          `BUILD=${buildDir}`,
          'CFLAGS=-O2 -DHF_PROTO_MAX=3',
        ],
        { timeoutMs: 300_000 },
      );
      expect(made.code, made.stderr).toBe(0);
      const started = await sshd.exec(
        'cat > ~/agent-v3 && chmod 700 ~/agent-v3 && ~/agent-v3 new -- sleep 120',
        { input: await readFile(path.join(buildDir, 'holdfast-agent')) },
      );
      expect(started.code, started.stderr).toBe(0);
      const id = started.stdout.trim();
      const session = cli([...(await cliOptions(sshd, sshd.port)), '-A', '-v', '--attach', id]);
      try {
        await pollFor(
          'the notice',
          async () => /agent forwarding is off: .* speaks protocol 3/.test(session.stderr()),
          30_000,
        );
        expect(session.stderr()).toMatch(/attached \(protocol 3/);
      } finally {
        session.child.kill('SIGTERM');
        await session.exited;
        await sshd.exec(`~/agent-v3 kill ${id}`);
      }
    } finally {
      await rm(buildDir, { recursive: true, force: true });
    }
  }, 360_000);

  it('says so when -A attaches to a session that was started without forwarding', async () => {
    const first = cli([...(await cliOptions(sshd, sshd.port)), '-v', '--', 'sleep 120']);
    await attachedTimes(first, 1);
    const id = /attached to session (\S+)/.exec(first.stderr())?.[1] ?? '';
    first.child.kill('SIGKILL');
    await first.exited;
    const again = cli([...(await cliOptions(sshd, sshd.port)), '-A', '-v', '--attach', id]);
    try {
      await pollFor(
        'the notice',
        async () => /started without agent forwarding/.test(again.stderr()),
        30_000,
      );
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
      await sshd.exec(`~/.holdfast/bin/holdfast-agent kill ${id}`);
    }
  });

  it('without -A the session has no agent socket and no SSH_AUTH_SOCK from Holdfast', async () => {
    const session = cli([
      ...(await cliOptions(sshd, sshd.port)),
      '--',
      'echo "sock=[$SSH_AUTH_SOCK]"; [ -e ~/.holdfast/sessions/$HOLDFAST_SESSION.agent ] && echo agent-dir || echo no-agent-dir',
    ]);
    const { code } = await session.exited;
    expect(code).toBe(0);
    expect(session.stdout()).toContain('sock=[]');
    expect(session.stdout()).toContain('no-agent-dir');
  });
});
