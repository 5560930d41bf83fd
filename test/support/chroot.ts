/**
 * A busybox-only server for the test bed: a root directory for sshd's `ChrootDirectory`
 * holding Debian's static busybox and nothing else (no glibc, no bash, no coreutils, no
 * compiler), like an embedded box, a router or a minimal container. Root only.
 *
 * sshd requires every component of the chroot path to be root-owned and not writable by
 * group or others, which rules out /tmp: roots live under /var/lib/holdfast-test.
 * PTYs need the kernel's devpts inside: /dev/pts is bind-mounted and /dev/ptmx is the
 * same character device as outside. `dispose()` unmounts before deleting anything, and
 * refuses to delete while the mount is still there.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, copyFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runChecked } from './proc.js';

/** Debian's busybox-static (package busybox-static). */
export const BUSYBOX = '/bin/busybox';
const ROOTS = '/var/lib/holdfast-test';

export type BusyboxRootOptions = {
  /** Applets linked into /bin; default every applet busybox has. */
  applets?: string[];
  /** The account that logs in: its home is created inside, owned by it. */
  user: string;
  uid: number;
  gid: number;
  home: string;
};

export type BusyboxRoot = {
  /** The directory to name in `ChrootDirectory`. */
  readonly dir: string;
  dispose(): Promise<void>;
};

function mounted(dir: string): boolean {
  try {
    execFileSync('mountpoint', ['-q', dir]);
    return true;
  } catch {
    return false;
  }
}

export async function makeBusyboxRoot(opts: BusyboxRootOptions): Promise<BusyboxRoot> {
  if (!existsSync(BUSYBOX))
    throw new Error(`${BUSYBOX} is missing: install Debian's busybox-static package`);
  await mkdir(ROOTS, { recursive: true, mode: 0o755 });
  await chmod(ROOTS, 0o755);
  const dir = path.join(ROOTS, `root-${randomBytes(5).toString('hex')}`);
  const pts = path.join(dir, 'dev', 'pts');
  const dispose = async () => {
    if (existsSync(pts) && mounted(pts)) await runChecked('umount', ['-l', pts]);
    if (existsSync(pts) && mounted(pts)) throw new Error(`${pts} is still mounted; not deleting`);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const d of ['bin', 'etc', 'dev', 'tmp', 'usr', 'usr/bin']) {
      await mkdir(path.join(dir, d), { recursive: true, mode: 0o755 });
    }
    await chmod(dir, 0o755);
    await chmod(path.join(dir, 'tmp'), 0o1777);
    await copyFile(BUSYBOX, path.join(dir, 'bin', 'busybox'));
    await chmod(path.join(dir, 'bin', 'busybox'), 0o755);
    const all = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    const applets = opts.applets ?? all;
    for (const a of applets) {
      if (a === 'busybox' || !all.includes(a)) continue;
      await symlink('busybox', path.join(dir, 'bin', a));
    }
    // The login shell sshd runs: ash as /bin/sh.
    if (!applets.includes('sh')) await symlink('busybox', path.join(dir, 'bin', 'sh'));
    await writeFile(
      path.join(dir, 'etc', 'passwd'),
      `root:x:0:0:root:/root:/bin/sh\n${opts.user}:x:${opts.uid}:${opts.gid}::${opts.home}:/bin/sh\n`,
    );
    await writeFile(path.join(dir, 'etc', 'group'), `root:x:0:\n${opts.user}:x:${opts.gid}:\n`);
    const dev = path.join(dir, 'dev');
    for (const [name, major, minor] of [
      ['null', 1, 3],
      ['zero', 1, 5],
      ['random', 1, 8],
      ['urandom', 1, 9],
      ['tty', 5, 0],
      ['ptmx', 5, 2],
    ] as const) {
      await runChecked('mknod', [
        '-m',
        '666',
        path.join(dev, name),
        'c',
        String(major),
        String(minor),
      ]);
    }
    await mkdir(pts, { mode: 0o755 });
    await runChecked('mount', ['--bind', '/dev/pts', pts]);
    const home = path.join(dir, opts.home);
    await mkdir(home, { recursive: true, mode: 0o755 });
    await chown(home, opts.uid, opts.gid);
    await chmod(home, 0o700);
    return { dir, dispose };
  } catch (e) {
    await dispose().catch(() => undefined);
    throw e;
  }
}
