// Proves how the engine puts its agent on a server (deploy/deploy.ts), against real sshds
// and the real agent: a fresh home gets the agent under ~/.holdfast/bin behind a link; an
// up-to-date home is left alone; an upload corrupted in transit is caught and leaves
// nothing behind; with no prebuilt binary the agent is built on the server with its `cc`;
// and where nothing fits (no compiler, no uname) the tab is an honest plain shell.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentBundle } from '../../main/engine/deploy/agentBundle';
import { MemoryAgentsSeen } from '../../main/engine/deploy/agentsSeen';
import type { Tab } from '../../main/engine/types';
import { destinationOf, TabRecorder, testEngine } from '../support/engineHarness';
import { startSshd, type Sshd } from '../support/sshd';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCES = path.join(ROOT, 'remote-agent');
const LOCAL_AGENT = path.join(SOURCES, 'build', 'holdfast-agent');
const VERSION_LINE = execFileSync(LOCAL_AGENT, ['--version'], { encoding: 'utf8' }).split('\n')[0]!;
const BUILD_ID = /build (\S+)/.exec(VERSION_LINE)![1]!;

/** Tools a server without a compiler still has (no cc, gcc, clang, tcc...). */
const BASIC_TOOLS = [
  'sh', 'uname', 'cat', 'head', 'tail', 'mkdir', 'chmod', 'mv', 'ln', 'rm', 'cut',
  'sha256sum', 'mktemp', 'ls', 'readlink', 'stat', 'printf', 'sleep', 'id',
]; // prettier-ignore

let sshd: Sshd;
/** A busybox-only server whose /bin holds only the tools a test links. */
let bare: Sshd;
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'hft-deploy-'));
  [sshd, bare] = await Promise.all([
    startSshd({ label: 'deploy' }),
    // A busybox-only server (chroot): no glibc, no bash, no compiler; each test picks
    // which tools it has.
    startSshd({ label: 'bare', busybox: {} }),
  ]);
  await linkTools(BASIC_TOOLS);
});
afterAll(async () => {
  await Promise.all([sshd?.stop(), bare?.stop()]);
  if (scratch) await rm(scratch, { recursive: true, force: true });
});
beforeEach(async () => {
  // Every test starts from a home without Holdfast in it.
  const r = await sshd.exec('rm -rf ~/.holdfast');
  expect(r.code, r.stderr).toBe(0);
});

/** Leaves exactly these busybox applets in the bare server's /bin (and its /bin/sh). */
async function linkTools(tools: string[]): Promise<void> {
  const bin = path.join(bare.chrootDir!, 'bin');
  for (const name of await readdir(bin))
    if (name !== 'busybox' && name !== 'sh') await unlink(path.join(bin, name));
  for (const t of tools) if (t !== 'sh') await symlink('busybox', path.join(bin, t));
}

/** Opens a tab running `command`, waits for it to end, and returns what it showed. */
async function runTab(
  engine: ReturnType<typeof testEngine>['engine'],
  server: Sshd,
  command: string,
): Promise<{ tab: Tab; rec: TabRecorder; notices: string[] }> {
  const tab = engine.openTab({ ...destinationOf(server), cols: 80, rows: 24, command: [command] });
  const notices: string[] = [];
  tab.onNotice((m) => notices.push(m));
  const rec = new TabRecorder(tab);
  await Promise.race([rec.waitState('ended', 60_000), rec.waitState('failed', 60_000)]);
  return { tab, rec, notices };
}

/** `stat` of the installed agent: inode, mtime (ns), mode, and where the link points. */
async function installed(server: Sshd): Promise<{ stat: string; link: string; files: string[] }> {
  const r = await server.exec(
    'cd ~/.holdfast/bin && readlink holdfast-agent; stat -L -c "%i %.9Y %a" holdfast-agent; ls -A',
  );
  const [link = '', stat = '', ...files] = r.stdout.trim().split('\n');
  return { link, stat, files };
}

/** A bundle carrying no binary at all: only the version its agents must report, and sources. */
async function sourceOnlyBundle(withSources: boolean): Promise<AgentBundle> {
  const dir = await mkdtemp(path.join(scratch, 'agents-'));
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ versionLine: VERSION_LINE }));
  const bundle = new AgentBundle([dir], undefined, withSources ? SOURCES : undefined);
  expect(bundle.binaryFor('linux-x64')).toBeUndefined();
  expect(bundle.versionLine()).toBe(VERSION_LINE);
  return bundle;
}

describe('agent deploy', () => {
  it('uploads the agent into a fresh home, behind a link, in a private directory', async () => {
    const { engine, logs } = testEngine();
    try {
      const { rec } = await runTab(engine, sshd, 'echo deployed-$((6*7))');
      expect(rec.tab.state).toEqual({ kind: 'ended', exitCode: 0 });
      expect(rec.text).toContain('deployed-42');
      // Compressed: the server has gzip (about half the bytes of the binary); a server this
      // engine never saw gets it behind the probe's script, before the probe asks.
      expect(
        logs.filter((l) => /agent uploaded \(linux-x64, gzip, sent with the probe\)/.test(l)),
        logs.join('\n'),
      ).toHaveLength(1);
    } finally {
      engine.dispose();
    }
    const r = await sshd.exec(
      'stat -c "%a %U" ~/.holdfast ~/.holdfast/bin ~/.holdfast/bin/holdfast-agent-*; ' +
        'sha256sum < ~/.holdfast/bin/holdfast-agent; ~/.holdfast/bin/holdfast-agent --version',
    );
    const [home, bin, file, sum, version] = r.stdout.trim().split('\n');
    expect(home).toBe(`700 ${sshd.user}`);
    expect(bin).toBe(`700 ${sshd.user}`);
    expect(file).toBe(`700 ${sshd.user}`);
    // What a checkout serves this server: the local build, or the static cross build of
    // the same sources when build/agents holds one (agentBundle.ts).
    const served = AgentBundle.locate().binaryFor('linux-x64');
    expect(served?.versionLine).toBe(VERSION_LINE);
    const local = createHash('sha256')
      .update(await readFile(served?.path ?? LOCAL_AGENT))
      .digest('hex');
    expect(sum?.split(' ')[0]).toBe(local);
    expect(version).toBe(VERSION_LINE);
    const inst = await installed(sshd);
    expect(inst.link).toBe(`holdfast-agent-${BUILD_ID}`);
    // Nothing else: no temporary upload or link left over.
    expect(inst.files.sort()).toEqual(['holdfast-agent', `holdfast-agent-${BUILD_ID}`]);
  });

  it('does not upload again to a server whose agent is up to date', async () => {
    const first = testEngine();
    try {
      await runTab(first.engine, sshd, 'true');
    } finally {
      first.engine.dispose();
    }
    const before = await installed(sshd);
    expect(before.link).toBe(`holdfast-agent-${BUILD_ID}`);
    // A second client (another engine, as after an app restart) finds it in place.
    const second = testEngine();
    try {
      const { rec } = await runTab(second.engine, sshd, 'echo again');
      expect(rec.text).toContain('again');
      expect(second.logs.filter((l) => /agent uploaded/.test(l))).toEqual([]);
      // It never saw this server, so it sent the upload unasked; the probe dropped it.
      expect(
        second.logs.filter((l) =>
          /agent .* is up to date .*sent with the probe was not needed/.test(l),
        ),
      ).toHaveLength(1);
    } finally {
      second.engine.dispose();
    }
    // Same inode, same mtime to the nanosecond: the file was not rewritten.
    expect(await installed(sshd)).toEqual(before);
  });

  it('refuses an upload corrupted in transit and leaves nothing half-written', async () => {
    // An older agent is installed: the new one must be uploaded, and it arrives damaged.
    const old = await sshd.exec(
      'mkdir -p ~/.holdfast/bin && chmod 700 ~/.holdfast ~/.holdfast/bin && cd ~/.holdfast/bin && ' +
        "printf '#!/bin/sh\\necho holdfast-agent 0.0.1 build 0000000000000000 protocols 1\\n' > holdfast-agent-old && " +
        'chmod 700 holdfast-agent-old && ln -s holdfast-agent-old holdfast-agent',
    );
    expect(old.code, old.stderr).toBe(0);
    const flipMiddle = (b: Buffer): Buffer => {
      const c = Buffer.from(b);
      c[c.length >> 1] = c[c.length >> 1]! ^ 0xff;
      return c;
    };
    const { engine } = testEngine({ deploy: { transformUpload: flipMiddle } });
    try {
      const { tab } = await runTab(engine, sshd, 'echo should-not-run');
      expect(tab.state.kind).toBe('failed');
      const reason = tab.state.kind === 'failed' ? tab.state.reason : '';
      expect(reason).toMatch(/arrived corrupted/);
      expect(reason).not.toMatch(/\n\s+at /);
    } finally {
      engine.dispose();
    }
    const inst = await installed(sshd);
    expect(inst.link).toBe('holdfast-agent-old');
    expect(inst.files.sort()).toEqual(['holdfast-agent', 'holdfast-agent-old']);
  });

  it('never runs an upload whose hash is wrong', async () => {
    // The bytes that arrive are a script that would leave a mark if anything executed it.
    const mark = `ran-${Date.now()}`;
    const swap = (): Buffer => Buffer.from(`#!/bin/sh\ntouch "$HOME/${mark}"\necho nope\n`);
    const { engine } = testEngine({ deploy: { transformUpload: swap } });
    try {
      const { tab } = await runTab(engine, sshd, 'true');
      expect(tab.state).toMatchObject({
        kind: 'failed',
        reason: expect.stringMatching(/corrupted/),
      });
    } finally {
      engine.dispose();
    }
    const r = await sshd.exec(`test -e ~/${mark} && echo executed || echo untouched`);
    expect(r.stdout.trim()).toBe('untouched');
  });

  it('builds the agent on a server with a compiler when no prebuilt binary fits', async () => {
    const { engine, logs } = testEngine({ agents: await sourceOnlyBundle(true) });
    try {
      const { rec } = await runTab(engine, sshd, 'echo built-$((6*7)); exit 5');
      expect(rec.tab.state, logs.join('\n')).toEqual({ kind: 'ended', exitCode: 5 });
      expect(rec.text).toContain('built-42');
      expect(logs.filter((l) => /agent built on the server/.test(l))).toHaveLength(1);
    } finally {
      engine.dispose();
    }
    const inst = await installed(sshd);
    expect(inst.link).toBe(`holdfast-agent-${BUILD_ID}`);
    expect(inst.files.sort()).toEqual(['holdfast-agent', `holdfast-agent-${BUILD_ID}`]);
    const v = await sshd.exec('~/.holdfast/bin/holdfast-agent --version');
    expect(v.stdout.trim()).toBe(VERSION_LINE);
  });

  it('builds from a source tree larger than one command line can carry', async () => {
    // Linux caps one exec argument at 128 KiB; the sources must not travel as one.
    const src = await mkdtemp(path.join(scratch, 'src-'));
    for (const f of await readdir(SOURCES))
      if (/\.(c|h)$/.test(f))
        await writeFile(path.join(src, f), await readFile(path.join(SOURCES, f)));
    const filler = `/* ${'padding '.repeat(24 * 1024)} */\n`;
    await writeFile(path.join(src, 'zz_padding.h'), filler);
    const dir = await mkdtemp(path.join(scratch, 'agents-'));
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ versionLine: VERSION_LINE }));
    const { engine, logs } = testEngine({ agents: new AgentBundle([dir], undefined, src) });
    try {
      const { rec } = await runTab(engine, sshd, 'echo big-$((6*7))');
      expect(rec.tab.state, logs.join('\n')).toEqual({ kind: 'ended', exitCode: 0 });
      expect(rec.text).toContain('big-42');
    } finally {
      engine.dispose();
    }
  });

  it('falls back to a plain shell, and says so, where no agent fits and nothing can build one', async () => {
    await linkTools(BASIC_TOOLS);
    const { engine, logs } = testEngine({ agents: await sourceOnlyBundle(true) });
    try {
      const { rec, notices } = await runTab(engine, bare, 'echo plain-$((6*7)); exit 4');
      expect(rec.states).toContainEqual({ kind: 'connected', sessionId: '', resilient: false });
      expect(rec.tab.state, logs.join('\n')).toEqual({ kind: 'ended', exitCode: 4 });
      expect(rec.text).toContain('plain-42');
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/will not survive a disconnect/);
      expect(notices[0]).toMatch(/no C compiler/);
    } finally {
      engine.dispose();
    }
    // Nothing was installed.
    const r = await bare.exec('ls -A ~/.holdfast/bin 2>&1 || true');
    expect(r.stdout).not.toMatch(/holdfast-agent/);
  });

  it('a client that saw its build on a server sends nothing unasked there; one that never did, does', async () => {
    const seen = new MemoryAgentsSeen();
    let writes = 0;
    const set = seen.set.bind(seen);
    seen.set = (...a) => (writes++, set(...a));
    const first = testEngine({ agentsSeen: seen });
    try {
      await runTab(first.engine, sshd, 'true');
      expect(first.logs.filter((l) => /sent with the probe\)/.test(l))).toHaveLength(1);
    } finally {
      first.engine.dispose();
    }
    // An app restart with the same record: the probe alone, no upload sent for nothing.
    const second = testEngine({ agentsSeen: seen });
    try {
      const { rec } = await runTab(second.engine, sshd, 'echo again');
      expect(rec.text).toContain('again');
      const upToDate = second.logs.filter((l) => /agent .* is up to date/.test(l));
      expect(upToDate).toHaveLength(1);
      expect(upToDate[0]).not.toMatch(/sent with the probe/);
    } finally {
      second.engine.dispose();
    }
    // Recorded once, when it changed: not rewritten at every connection.
    expect(writes).toBe(1);
  });

  it('an upload sent unasked for the wrong machine is dropped, and the right one installed', async () => {
    // A bundle whose "linux-arm64" agent is sent unasked to this x86_64 server: the line
    // behind the probe's script sees `uname -sm` differ and drops exactly its bytes.
    const dir = await mkdtemp(path.join(scratch, 'agents-'));
    const x64 = AgentBundle.locate().binaryFor('linux-x64')!;
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ versionLine: VERSION_LINE }));
    for (const t of ['linux-x64', 'linux-arm64']) {
      await mkdir(path.join(dir, t));
      await copyFile(x64.path, path.join(dir, t, 'holdfast-agent'));
    }
    const agents = new AgentBundle([dir], LOCAL_AGENT, undefined);
    const { engine, logs } = testEngine({ agents, deploy: { speculate: 'linux-arm64' } });
    try {
      const { rec } = await runTab(engine, sshd, 'echo right-$((6*7))');
      expect(rec.tab.state, logs.join('\n')).toEqual({ kind: 'ended', exitCode: 0 });
      expect(rec.text).toContain('right-42');
      expect(logs.filter((l) => /agent uploaded \(linux-x64, gzip\) to/.test(l))).toHaveLength(1);
    } finally {
      engine.dispose();
    }
    const inst = await installed(sshd);
    expect(inst.files.sort()).toEqual(['holdfast-agent', `holdfast-agent-${BUILD_ID}`]);
  });

  // busybox's `head -c` reads ahead (stdio): its install reads the upload, and the client
  // sends HELLO and ATTACH once the install has become the session's bridge.
  it('deploys the static agent to a busybox-only server without glibc, and a held session runs there', async () => {
    // The checkout's bundle: what `npm run build` made. A glibc build would not run here.
    await linkTools(BASIC_TOOLS);
    const { engine, logs } = testEngine({ agents: AgentBundle.locate() });
    try {
      const { rec, notices } = await runTab(engine, bare, 'echo static-$((6*7)); uname -m');
      expect(rec.tab.state, logs.join('\n')).toEqual({ kind: 'ended', exitCode: 0 });
      expect(rec.text).toContain('static-42');
      expect(notices).toEqual([]);
      expect(rec.states).toContainEqual(
        expect.objectContaining({ kind: 'connected', resilient: true }),
      );
      // No gzip linked here (busybox's shell knows the applet but cannot run it): plain.
      expect(logs.filter((l) => /agent uploaded \(linux-x64\)/.test(l))).toHaveLength(1);
      expect(
        logs.filter((l) => /attaching on the probe.s channel/.test(l)),
        logs.join('\n'),
      ).toHaveLength(1);
    } finally {
      engine.dispose();
    }
    const v = await bare.exec('~/.holdfast/bin/holdfast-agent --version');
    expect(v.stdout.trim()).toBe(VERSION_LINE);
  });

  // With gzip and dd, busybox takes the upload sent unasked: `dd bs=1` reads exactly it
  // (its `head -c` would read on into the HELLO and ATTACH behind it), and the install
  // goes on as the session's bridge. Without dd, the probe says so and the client asks
  // again without anything sent ahead (the test above).
  it('a busybox server with gzip and dd takes the upload sent unasked and bridges the session', async () => {
    await bare.exec('rm -rf ~/.holdfast');
    await linkTools([...BASIC_TOOLS, 'gzip', 'dd']);
    const { engine, logs } = testEngine({ agents: AgentBundle.locate() });
    try {
      const { rec } = await runTab(engine, bare, 'echo unasked-$((6*7))');
      expect(rec.tab.state, logs.join('\n')).toEqual({ kind: 'ended', exitCode: 0 });
      expect(rec.text).toContain('unasked-42');
      expect(
        logs.filter((l) => /agent uploaded \(linux-x64, gzip, sent with the probe\)/.test(l)),
        logs.join('\n'),
      ).toHaveLength(1);
      expect(logs.filter((l) => /attaching on the probe.s channel/.test(l))).toHaveLength(1);
    } finally {
      engine.dispose();
      await linkTools(BASIC_TOOLS);
    }
    const v = await bare.exec('~/.holdfast/bin/holdfast-agent --version');
    expect(v.stdout.trim()).toBe(VERSION_LINE);
  });
});
