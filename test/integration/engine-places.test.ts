// Proves where the agent goes when the home directory cannot take it, against a real sshd:
// a home whose agent directory is mounted noexec, read-only or full, or owned by root,
// sends the agent to the next place that can run it (here /dev/shm, per uid), and the
// session works and is listed from there; a place named with HoldfastDir is used as is;
// where no place can run it (every candidate taken by root) and where a ForceCommand runs
// something else, the tab is a plain shell whose notice names the real cause, and nothing
// is left behind. Root only (mounts, chown).
import { chown, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Tab } from '../../main/engine/types';
import { destinationOf, TabRecorder, testEngine } from '../support/engineHarness';
import { run, runChecked } from '../support/proc';
import { startSshd, type Sshd } from '../support/sshd';

const asRoot = process.getuid?.() === 0;

let sshd: Sshd;
let forced: Sshd;
let uid = 0;
let gid = 0;
/** Mounts and directories a test made, undone after it. */
const undo: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  [sshd, forced] = await Promise.all([
    startSshd({ label: 'places' }),
    startSshd({
      label: 'forced',
      extraConfig: [`ForceCommand /bin/sh -c 'echo forced-$((6*7)); exit 0'`],
    }),
  ]);
  const f = (await run('getent', ['passwd', sshd.user])).stdout.split(':');
  uid = Number(f[2]);
  gid = Number(f[3]);
});
afterEach(async () => {
  for (const u of undo.splice(0).reverse()) await u().catch(() => undefined);
  await sshd.exec('rm -rf ~/.holdfast');
});
afterAll(async () => {
  await Promise.all([sshd?.stop(), forced?.stop()]);
});

/** A tmpfs at the account's ~/.holdfast with these mount options (e.g. noexec). */
async function mountHoldfast(options: string): Promise<void> {
  const dir = path.join(sshd.home, '.holdfast');
  await mkdir(dir, { recursive: true });
  await runChecked('mount', [
    '-t',
    'tmpfs',
    '-o',
    `${options},mode=0700,uid=${uid},gid=${gid}`,
    'hft',
    dir,
  ]);
  undo.push(() => runChecked('umount', ['-l', dir]));
}

/** The per-uid fallback places, cleaned after the test (the sessions there end first). */
function cleanFallbacks(): void {
  undo.push(async () => {
    await run('pkill', ['-KILL', '-u', String(uid), '-f', 'holdfast-agent']);
    await rm(`/dev/shm/holdfast-${uid}`, { recursive: true, force: true });
    await rm(`/tmp/holdfast-${uid}`, { recursive: true, force: true });
  });
}

async function runTab(
  server: Sshd,
  command: string,
  options: string[] = [],
): Promise<{ tab: Tab; rec: TabRecorder; notices: string[]; logs: string[] }> {
  const { engine, logs } = testEngine();
  try {
    const tab = engine.openTab({
      ...destinationOf(server, { options }),
      cols: 80,
      rows: 24,
      command: [command],
    });
    const notices: string[] = [];
    tab.onNotice((m) => notices.push(m));
    const rec = new TabRecorder(tab);
    await Promise.race([rec.waitState('ended', 60_000), rec.waitState('failed', 60_000)]);
    return { tab, rec, notices, logs };
  } finally {
    engine.dispose();
  }
}

describe.skipIf(!asRoot)('where the agent goes', () => {
  it.each([
    ['mounted noexec', 'noexec'],
    ['read-only', 'ro'],
    ['full', 'size=16k'],
  ])('moves to /dev/shm when ~/.holdfast is %s, and the session works there', async (_, opts) => {
    await mountHoldfast(opts);
    cleanFallbacks();
    const { rec, notices, logs } = await runTab(sshd, 'echo placed-$((6*7)) $HOLDFAST_DIR');
    expect(rec.tab.state, logs.join('\n')).toEqual({ kind: 'ended', exitCode: 0 });
    expect(rec.text).toContain(`placed-42 /dev/shm/holdfast-${uid}`);
    expect(notices).toEqual([]);
    expect(logs.join('\n')).toMatch(new RegExp(`agent uploaded .* to /dev/shm/holdfast-${uid}/`));
  });

  it('moves on from a ~/.holdfast owned by root, and lists its sessions from the new place', async () => {
    await mkdir(path.join(sshd.home, '.holdfast'), { mode: 0o755 });
    cleanFallbacks();
    const { engine } = testEngine();
    try {
      const tab = engine.openTab({
        ...destinationOf(sshd),
        cols: 80,
        rows: 24,
        name: 'moved',
        command: ['echo up; sleep 600'],
      });
      const rec = new TabRecorder(tab);
      await rec.waitFor('up');
      const list = await engine.listSessions(destinationOf(sshd));
      expect(list.ok && list.value.map((s) => s.name)).toEqual(['moved']);
      await tab.kill();
    } finally {
      engine.dispose();
    }
  });

  it('uses the place named with HoldfastDir, with ~ for the home', async () => {
    const { rec, logs } = await runTab(sshd, 'echo at $HOLDFAST_DIR', ['HoldfastDir=~/agent-here']);
    expect(rec.tab.state, logs.join('\n')).toEqual({ kind: 'ended', exitCode: 0 });
    expect(rec.text).toContain(`at ${sshd.home}/agent-here`);
    undo.push(() => sshd.exec('pkill -KILL -f holdfast-agent; rm -rf ~/agent-here'));
  });

  it('opens a plain shell, naming every place and why, when no place can run the agent', async () => {
    await mountHoldfast('noexec');
    // Someone else holds the per-uid fallbacks (no XDG_RUNTIME_DIR without PAM).
    for (const d of [`/dev/shm/holdfast-${uid}`, `/tmp/holdfast-${uid}`]) {
      await mkdir(d, { mode: 0o755 });
      await chown(d, 0, 0);
      undo.push(() => rm(d, { recursive: true, force: true }));
    }
    const { rec, notices } = await runTab(sshd, 'echo plain-$((6*7))');
    expect(rec.text).toContain('plain-42');
    expect(rec.states).toContainEqual({ kind: 'connected', sessionId: '', resilient: false });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(
      `${sshd.home}/.holdfast is on a file system that does not allow running programs (noexec)`,
    );
    expect(notices[0]).toContain(`/dev/shm/holdfast-${uid} cannot be created or written`);
    expect(notices[0]).toMatch(/HoldfastDir/);
    expect(notices[0]).toMatch(/will not survive a disconnect/);
  });

  it('opens a plain shell that says a ForceCommand runs instead of Holdfast', async () => {
    const { rec, notices } = await runTab(forced, 'echo never-run');
    expect(rec.text).toContain('forced-42');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/ForceCommand/);
    expect(notices[0]).toMatch(/will not survive a disconnect/);
    const left = await run('sh', ['-c', `ls -A ${forced.home}`]);
    expect(left.stdout).not.toMatch(/\.holdfast/);
  });
});
