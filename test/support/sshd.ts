/**
 * A real OpenSSH server for integration tests, one per call, nothing shared.
 *
 * `startSshd()` runs Debian's `/usr/sbin/sshd -D` with its own config, host key, client key,
 * log, pid file and port on 127.0.0.1 (or inside a network namespace from `netns.ts`).
 * No mock stands in for it: if sshd is missing, starting fails with the package to install.
 *
 * As root (the normal case in CI and here), every instance gets its own throw-away user
 * (`hft` + random suffix, home in a fresh temp dir, shell /bin/bash) so parallel test files
 * never see each other's sessions, agents or sockets; `stop()` kills everything that user
 * still runs (daemonised agents included) and deletes it.
 *
 * Not as root, sshd runs as the current user, which sets these limits:
 * - the login user is you, and the home is your real home (sessions and agent state land
 *   there; tests must use their own paths under it);
 * - authorized_keys lives in the temp dir, outside the home, so `StrictModes no`;
 * - `password: true` is refused (no chpasswd, and sshd cannot read /etc/shadow);
 * - `stop()` cannot end sessions by uid (that would be all your processes): it ends sshd's
 *   descendants and every process of yours carrying the session marker that sshd sets
 *   (`SetEnv HOLDFAST_TEST_SSHD=<id>`); a daemon that cleared its environment escapes.
 *
 * Cleanup: `stop()` in the test, plus `stopAllSshd()` for an `afterAll`, plus a synchronous
 * process-exit safety net that kills the pids and deletes the users of every instance
 * still running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync, readFileSync, statSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ConnectConfig } from 'ssh2';
import { makeBusyboxRoot, type BusyboxRoot } from './chroot.js';
import { getFreePort } from './ports.js';
import {
  delay,
  descendantPids,
  isAlive,
  isPinnedAlive,
  onExitCleanup,
  pidsOfUid,
  pidsWithEnv,
  pinPid,
  pollFor,
  run,
  runChecked,
  runQuietSync,
  signalPinned,
  terminate,
  type PinnedPid,
  type RunResult,
} from './proc.js';

/** Debian's path of the OpenSSH server. */
export const SSHD_PATH = '/usr/sbin/sshd';

/** Client key types the bed can generate. */
export type ClientKeyType = 'ed25519' | 'rsa' | 'ecdsa';

/** Options of {@link startSshd}. All optional; the default is key-only auth on 127.0.0.1. */
export interface SshdOptions {
  /** Type of the generated client key. Default `'ed25519'`. */
  keyType?: ClientKeyType;
  /**
   * Encrypt the client key: `true` for a random passphrase, or the passphrase itself.
   * It is then in `passphrase`, and `exec()` feeds it to ssh through SSH_ASKPASS.
   */
  passphrase?: boolean | string;
  /**
   * Also allow password and keyboard-interactive login, with a random password set via
   * chpasswd (in `password`). Root only. The client key keeps working too.
   */
  password?: boolean;
  /**
   * Extra sshd_config lines, e.g. `'AllowStreamLocalForwarding no'`, `'MaxSessions 2'`.
   * They are written before the bed's defaults, so they win (sshd keeps the first value of
   * a keyword); lines from the first `Match` on go to the end, as sshd requires.
   */
  extraConfig?: string[];
  /** Address to listen on. Default 127.0.0.1 (never anything but loopback or a bed netns). */
  listenAddress?: string;
  /** Network namespace (from `createLinkBed()`) to run sshd in; `exec()` then runs ssh there. */
  netns?: string;
  /** Fixed port. Default: a free one, picked again if the bind races with someone else. */
  port?: number;
  /** Short name for log lines and the ssh_config alias. Default: a random id. */
  label?: string;
  /** The sshd binary. Default {@link SSHD_PATH}. */
  sshdPath?: string;
  /** The account's login shell (root only). Default `/bin/bash`. */
  shell?: string;
  /**
   * Chroot the account into a busybox-only root (root only; see chroot.ts): no glibc, no
   * bash, no compiler; `applets` limits which busybox tools exist. The shell is /bin/sh.
   */
  busybox?: { applets?: string[] };
  /**
   * Log in with a user certificate only: a user CA that sshd trusts (TrustedUserCAKeys)
   * signs the client key (principal: the user) into `<keyPath>-cert.pub`, and the key
   * itself is NOT in authorized_keys. ssh picks the certificate up beside the key.
   */
  userCertificate?: boolean;
  /**
   * Present a host certificate: a host CA signs the host key (principals 127.0.0.1 and
   * localhost; HostCertificate). `hostCaLine()` is the matching `@cert-authority` line.
   */
  hostCertificate?: boolean;
}

/** Options of {@link Sshd.exec}. */
export interface SshExecOptions {
  /** Written to the remote command's stdin. */
  input?: string | Buffer;
  /** Kill ssh after this long. Default 20 s. */
  timeoutMs?: number;
  /** Extra ssh options (e.g. `['-o', 'ServerAliveInterval=1']`); they override the bed's. */
  sshOptions?: string[];
}

/** A running sshd started by {@link startSshd}. */
export interface Sshd {
  /** The address sshd listens on: 127.0.0.1, or `listenAddress`. */
  readonly host: string;
  /** TCP port sshd listens on; stays the same across `restart()`. */
  readonly port: number;
  /** Login user (a fresh `hft...` user as root, else the current user). */
  readonly user: string;
  /** That user's home directory. */
  readonly home: string;
  /** Network namespace sshd runs in, if any. */
  readonly netns: string | undefined;
  /** Path of the client private key (OpenSSH format, mode 0600). */
  readonly keyPath: string;
  /** The client public key line (`ssh-ed25519 AAAA... comment`). */
  readonly publicKey: string;
  /** The user CA's public key (`ssh-ed25519 AAAA...`), with `userCertificate`. */
  readonly userCaPublic: string | undefined;
  /** The host CA's public key, with `hostCertificate`. */
  readonly hostCaPublic: string | undefined;
  /** The client key's passphrase, when the key is encrypted. */
  readonly passphrase: string | undefined;
  /** The user's password, with `{ password: true }`. */
  readonly password: string | undefined;
  /** known_hosts line for the current host key: `[127.0.0.1]:PORT ssh-ed25519 AAAA...`. */
  readonly knownHostsLine: string;
  /** The current host public key: `ssh-ed25519 AAAA...`. */
  readonly hostKeyPublic: string;
  /** A known_hosts file holding `knownHostsLine` (rewritten by `regenerateHostKey()`). */
  readonly knownHostsFile: string;
  /** An ssh_config file with one `Host <sshAlias>` block that reaches this server. */
  readonly sshConfigFile: string;
  /** The Host alias defined in `sshConfigFile`. */
  readonly sshAlias: string;
  /** Environment ssh needs besides the options (SSH_ASKPASS for an encrypted key), else {}. */
  readonly sshEnv: Readonly<Record<string, string>>;
  /** Pid of the listening sshd (changes on `restart()`). */
  readonly pid: number;
  /** sshd's log file (`-E`, LogLevel VERBOSE), kept across restarts. */
  readonly logPath: string;
  /** The temp dir holding config, keys, log (and the home, as root). */
  readonly dir: string;
  /** With `busybox`: the root the account is chrooted into (its /bin may be changed). */
  readonly chrootDir: string | undefined;
  /** `@cert-authority [127.0.0.1]:PORT <host CA key>`, with `hostCertificate`. */
  hostCaLine(): string;
  /** `ssh` options (no destination) to reach this server non-interactively. */
  sshOptions(): string[];
  /** `ssh` arguments: {@link sshOptions} followed by the destination `user@host`. */
  sshArgs(): string[];
  /** ssh2 `ConnectConfig` for this server: key (and passphrase), and a host-key check. */
  connectConfig(overrides?: Partial<ConnectConfig>): ConnectConfig;
  /** Runs `cmd` on the server through OpenSSH `ssh` (in `netns`, if set). */
  exec(cmd: string, opts?: SshExecOptions): Promise<RunResult>;
  /** Reads the log so far. */
  readLog(): Promise<string>;
  /** Restarts the listener on the same port; established sessions keep running. */
  restart(): Promise<void>;
  /** New host key, then `restart()`; `knownHostsLine`/`knownHostsFile` follow the new key. */
  regenerateHostKey(): Promise<void>;
  /** Stops sshd and every session, deletes the user (as root) and the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** How long sshd may take to say it listens. */
const START_TIMEOUT_MS = 10_000;
/** Bind races with parallel test files: pick a new port this many times. */
const MAX_PORT_ATTEMPTS = 5;
/** useradd/userdel fail with this code while another process holds /etc/passwd's lock. */
const PASSWD_BUSY_CODES = new Set([10]);
/** userdel's exit code for a user that is already gone: as good as deleted. */
const USERDEL_NO_SUCH_USER = 6;
/** Retries around the passwd lock; parallel test files create users at the same moment. */
const PASSWD_LOCK_RETRIES = 40;

/** Environment variable sshd sets in every session (SetEnv) to the instance's id. */
export const SESSION_MARKER = 'HOLDFAST_TEST_SSHD';

const running = new Set<SshdImpl>();

/** OpenSSH's version as [major, minor] per sshd binary, checked once per process. */
const openSshChecks = new Map<string, Promise<[number, number]>>();

/** Throws a clear error when OpenSSH is not installed; prints both versions once. */
function checkOpenSsh(sshdPath: string): Promise<[number, number]> {
  const cached = openSshChecks.get(sshdPath);
  if (cached) return cached;
  const check = (async (): Promise<[number, number]> => {
    if (!existsSync(sshdPath)) {
      throw new Error(
        `OpenSSH server not found at ${sshdPath}: install the Debian package openssh-server ` +
          '(apt-get install openssh-server). Integration tests need a real sshd.',
      );
    }
    for (const tool of ['ssh', 'ssh-keygen']) {
      if ((await run('sh', ['-c', `command -v ${tool}`])).code !== 0) {
        throw new Error(
          `${tool} not found: install the Debian package openssh-client (apt-get install openssh-client).`,
        );
      }
    }
    // sshd has no version flag; an unknown one makes it print the version with its usage.
    const server = await run(sshdPath, ['-V']);
    const client = await run('ssh', ['-V']);
    const first = (r: RunResult): string => (r.stderr + r.stdout).trim().split('\n')[0] ?? '?';
    console.log(`[test bed] sshd: ${first(server)} | ssh: ${first(client)}`);
    if (process.getuid?.() === 0) await sweepStaleAccounts();
    const match = /OpenSSH_(\d+)\.(\d+)/.exec(first(server));
    return match ? [Number(match[1]), Number(match[2])] : [0, 0];
  })();
  openSshChecks.set(sshdPath, check);
  return check;
}

/** 9.8 added PerSourcePenalties, which would throttle the bed's deliberately failing dials. */
function hasPerSourcePenalties([major, minor]: [number, number]): boolean {
  return major > 9 || (major === 9 && minor >= 8);
}

function randomId(bytes = 4): string {
  // Lower-case letters and digits only: valid in user names, aliases and file names.
  return BigInt(`0x${randomBytes(bytes).toString('hex')}`)
    .toString(36)
    .padStart(6, '0');
}

/** Runs a shadow-utils command, retrying while another process holds the passwd lock. */
async function withPasswdLock(what: string, fn: () => Promise<RunResult>): Promise<RunResult> {
  for (let attempt = 0; ; attempt++) {
    const result = await fn();
    if (result.code === 0) return result;
    const busy =
      (result.code !== null && PASSWD_BUSY_CODES.has(result.code)) || /lock/i.test(result.stderr);
    if (!busy || attempt >= PASSWD_LOCK_RETRIES) {
      throw new Error(`${what} failed (exit ${result.code}): ${result.stderr.trim()}`);
    }
    await delay(25 + Math.random() * 75);
  }
}

interface Account {
  user: string;
  uid: number;
  gid: number;
  home: string;
  /** Whether the bed created this user (and must delete it). */
  created: boolean;
}

async function lookupIds(user: string): Promise<{ uid: number; gid: number }> {
  const entry = (await runChecked('getent', ['passwd', user])).stdout.trim().split(':');
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

async function createAccount(dir: string): Promise<Account> {
  const home = path.join(dir, 'home');
  // 40 random bits: parallel instances never pick the same name.
  const user = `hft${randomId(5)}`;
  // '*' rather than useradd's default '!': sshd refuses a locked account even for keys.
  await withPasswdLock(`useradd ${user}`, () =>
    run('useradd', [
      '--no-create-home',
      '--home-dir',
      home,
      '--shell',
      '/bin/bash',
      '--user-group',
      '--password',
      '*',
      '--comment',
      `${ACCOUNT_COMMENT}${process.pid}`,
      user,
    ]),
  );
  const { uid, gid } = await lookupIds(user);
  await mkdir(home, { mode: 0o700 });
  await chown(home, uid, gid);
  await chmod(home, 0o700);
  return { user, uid, gid, home, created: true };
}

/** The passwd comment that marks a bed user and names the test process that owns it. */
const ACCOUNT_COMMENT = 'holdfast test bed pid ';

/** Deletes bed users (and their temp dirs) whose owning test process is gone (SIGKILLed run). */
async function sweepStaleAccounts(): Promise<void> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  for (const line of passwd.split('\n')) {
    const [user, , uid, , comment, home] = line.split(':');
    if (!user?.startsWith('hft') || !comment?.startsWith(ACCOUNT_COMMENT) || !home) continue;
    if (isAlive(Number(comment.slice(ACCOUNT_COMMENT.length)))) continue;
    const dir = path.dirname(home);
    killStaleListener(dir);
    // Whatever that user still runs was started by the dead bed (userdel refuses otherwise).
    await endProcessesOf(Number(uid), 500);
    await deleteAccount(user).catch(() => undefined);
    if (path.basename(dir).startsWith('hft-sshd-')) await rm(dir, { recursive: true, force: true });
  }
}

/** Kills the sshd a dead bed left listening in `dir`, if its pid file still names it. */
function killStaleListener(dir: string): void {
  const etc = path.join(dir, 'etc');
  try {
    const pid = Number(readFileSync(path.join(etc, 'sshd.pid'), 'utf8').trim());
    // Only if that pid still runs our config: a reused pid is left alone.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.includes(path.join(etc, 'sshd_config'))) process.kill(pid, 'SIGKILL');
  } catch {
    // No pid file, or the process is gone.
  }
}

/** Ends every process of a throw-away account (all started by the tests that used it). */
async function endProcessesOf(uid: number, graceMs: number): Promise<void> {
  const pinned = pidsOfUid(uid).map(pinPid);
  await terminate(
    pinned.filter((p): p is PinnedPid => p !== undefined),
    graceMs,
  );
}

async function deleteAccount(user: string): Promise<void> {
  await withPasswdLock(`userdel ${user}`, async () => {
    const result = await run('userdel', [user]);
    return result.code === USERDEL_NO_SUCH_USER ? { ...result, code: 0 } : result;
  });
}

/** Generates a client key pair at `file` (and `file`.pub); returns the public key line. */
export async function sshKeygen(
  file: string,
  type: ClientKeyType,
  passphrase: string,
  comment: string,
): Promise<string> {
  const bits = type === 'rsa' ? ['-b', '2048'] : type === 'ecdsa' ? ['-b', '256'] : [];
  await runChecked('ssh-keygen', [
    '-q',
    '-t',
    type,
    ...bits,
    '-N',
    passphrase,
    '-C',
    comment,
    '-f',
    file,
  ]);
  return (await readFile(`${file}.pub`, 'utf8')).trim();
}

/** Splits `extraConfig` into lines that must precede the defaults and a trailing Match part. */
function splitExtraConfig(lines: readonly string[]): { head: string[]; tail: string[] } {
  const matchAt = lines.findIndex((line) => /^\s*match\s/i.test(line));
  return matchAt < 0
    ? { head: [...lines], tail: [] }
    : { head: lines.slice(0, matchAt), tail: lines.slice(matchAt) };
}

class SshdImpl implements Sshd {
  readonly host: string;
  port: number;
  readonly netns: string | undefined;
  readonly dir: string;
  readonly logPath: string;
  readonly knownHostsFile: string;
  readonly sshConfigFile: string;
  readonly sshAlias: string;
  readonly keyPath: string;
  publicKey = '';
  readonly passphrase: string | undefined;
  readonly password: string | undefined;
  hostKeyPublic = '';
  userCaPublic: string | undefined;
  hostCaPublic: string | undefined;
  sshEnv: Record<string, string> = {};
  pid = 0;

  private readonly _opts: SshdOptions;
  private readonly _sshdPath: string;
  private readonly _etc: string;
  private readonly _hostKeyPath: string;
  private readonly _configPath: string;
  private _account: Account | undefined;
  /** The listening sshd, pinned so a reused pid is never signalled. */
  private _listener: PinnedPid | undefined;
  /** Session processes of earlier listeners (after restart), to end at stop(). */
  private _orphans: PinnedPid[] = [];
  private _stopped = false;
  /** Set after the first start: restarts must keep the port the clients know. */
  private _portFixed: boolean;
  /** Whether this sshd knows PerSourcePenalties (9.8+), which the bed turns off. */
  private readonly _perSourcePenalties: boolean;
  private _unregisterExit: () => void = () => undefined;

  /** The busybox root the account is chrooted into, with `busybox`. */
  private _chroot: BusyboxRoot | undefined;

  get chrootDir(): string | undefined {
    return this._chroot?.dir;
  }

  constructor(opts: SshdOptions, dir: string, port: number, penalties: boolean) {
    this._opts = opts;
    this._perSourcePenalties = penalties;
    this._sshdPath = opts.sshdPath ?? SSHD_PATH;
    this.dir = dir;
    this.port = port;
    this.host = opts.listenAddress ?? '127.0.0.1';
    this.netns = opts.netns;
    this._etc = path.join(dir, 'etc');
    this.logPath = path.join(this._etc, 'sshd.log');
    this.knownHostsFile = path.join(this._etc, 'known_hosts');
    this.sshConfigFile = path.join(this._etc, 'ssh_config');
    this._hostKeyPath = path.join(this._etc, 'ssh_host_ed25519_key');
    this._configPath = path.join(this._etc, 'sshd_config');
    this.keyPath = path.join(this._etc, `id_${opts.keyType ?? 'ed25519'}`);
    this.sshAlias = `hft-${opts.label ?? path.basename(dir).replace(/^hft-sshd-/, '')}`;
    const pass = opts.passphrase;
    this.passphrase = pass === true ? randomBytes(12).toString('base64url') : pass || undefined;
    this.password = opts.password ? randomBytes(15).toString('base64url') : undefined;
    this._portFixed = opts.port !== undefined;
  }

  /** Unique per instance (the temp dir's random part): names the SetEnv marker. */
  private get _instanceId(): string {
    return path.basename(this.dir);
  }

  private get _asRoot(): boolean {
    return this._account?.created ?? false;
  }

  private get _authorizedKeysPath(): string {
    // Without root the home is the real one: keep our key out of its authorized_keys.
    return this._asRoot
      ? path.join(this.home, '.ssh', 'authorized_keys')
      : path.join(this._etc, 'authorized_keys');
  }

  get user(): string {
    return this._account?.user ?? '';
  }

  get home(): string {
    return this._account?.home ?? '';
  }

  get knownHostsLine(): string {
    const where = this.port === 22 ? this.host : `[${this.host}]:${this.port}`;
    return `${where} ${this.hostKeyPublic}`;
  }

  /** Everything before the first start: account, keys, config files. */
  async prepare(): Promise<void> {
    await mkdir(this._etc, { mode: 0o700 });
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
      this._account = await createAccount(this.dir);
    } else {
      if (this._opts.password) {
        throw new Error(
          'startSshd({ password: true }) needs root: it sets a password with chpasswd.',
        );
      }
      const me = os.userInfo();
      this._account = {
        user: me.username,
        uid: me.uid,
        gid: me.gid,
        home: os.homedir(),
        created: false,
      };
    }
    this._registerExitCleanup();
    const account = this._account;
    if (this._opts.busybox) {
      if (!asRoot) throw new Error('startSshd({ busybox }) needs root: it makes a chroot.');
      this._chroot = await makeBusyboxRoot({ ...account, ...this._opts.busybox });
    }
    const shell = this._opts.busybox ? '/bin/sh' : this._opts.shell;
    if (shell) {
      if (!asRoot) throw new Error('startSshd({ shell }) needs root: it runs usermod.');
      await withPasswdLock(`usermod ${account.user}`, () =>
        run('usermod', ['--shell', shell, account.user]),
      );
    }

    this.hostKeyPublic = await this._newHostKey();
    this.publicKey = await sshKeygen(
      this.keyPath,
      this._opts.keyType ?? 'ed25519',
      this.passphrase ?? '',
      `${account.user}@holdfast-test`,
    );

    if (this._opts.userCertificate) await this._signUserKey();
    const authorizedKeys = this._authorizedKeysPath;
    // With a user certificate the key is deliberately unknown to authorized_keys.
    const authorized = this._opts.userCertificate ? '' : `${this.publicKey}\n`;
    if (asRoot) {
      const sshDir = path.dirname(authorizedKeys);
      await mkdir(sshDir, { mode: 0o700 });
      await writeFile(authorizedKeys, authorized, { mode: 0o600 });
      await chown(sshDir, account.uid, account.gid);
      await chown(authorizedKeys, account.uid, account.gid);
    } else {
      await writeFile(authorizedKeys, authorized, { mode: 0o600 });
    }
    if (this.password !== undefined) {
      await withPasswdLock(`chpasswd ${account.user}`, () =>
        run('chpasswd', [], { input: `${account.user}:${this.password}\n` }),
      );
    }
    await this._writeConfig();
    await this._writeClientFiles();
  }

  /** A user CA (TrustedUserCAKeys) and `<keyPath>-cert.pub` signed by it for the user. */
  private async _signUserKey(): Promise<void> {
    const ca = path.join(this._etc, 'user_ca');
    this.userCaPublic = await sshKeygen(ca, 'ed25519', '', 'holdfast-test-user-ca');
    await runChecked('ssh-keygen', [
      '-q',
      '-s',
      ca,
      '-I',
      'hft-user',
      '-n',
      this.user,
      `${this.keyPath}.pub`,
    ]);
  }

  /** Signs the current host key with the host CA (made once) into HostCertificate. */
  private async _signHostKey(): Promise<void> {
    const ca = path.join(this._etc, 'host_ca');
    if (!existsSync(ca))
      this.hostCaPublic = await sshKeygen(ca, 'ed25519', '', 'holdfast-test-host-ca');
    await runChecked('ssh-keygen', [
      '-q',
      '-s',
      ca,
      '-I',
      'hft-host',
      '-h',
      '-n',
      `${this.host},localhost`,
      `${this._hostKeyPath}.pub`,
    ]);
  }

  hostCaLine(): string {
    if (this.hostCaPublic === undefined)
      throw new Error('hostCaLine() needs { hostCertificate: true }');
    const where = this.port === 22 ? this.host : `[${this.host}]:${this.port}`;
    return `@cert-authority ${where} ${this.hostCaPublic}`;
  }

  private async _newHostKey(): Promise<string> {
    await rm(this._hostKeyPath, { force: true });
    await rm(`${this._hostKeyPath}.pub`, { force: true });
    await runChecked('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'holdfast-test-host',
      '-f',
      this._hostKeyPath,
    ]);
    const [type, blob] = (await readFile(`${this._hostKeyPath}.pub`, 'utf8')).trim().split(/\s+/);
    if (this._opts.hostCertificate) await this._signHostKey();
    return `${type} ${blob}`;
  }

  private async _writeConfig(): Promise<void> {
    const { head, tail } = splitExtraConfig(this._opts.extraConfig ?? []);
    const withPassword = this.password !== undefined;
    const lines = [
      '# Written by test/support/sshd.ts for one test; first value of a keyword wins.',
      ...head,
      `Port ${this.port}`,
      `ListenAddress ${this.host}`,
      `HostKey ${this._hostKeyPath}`,
      ...(this._opts.hostCertificate ? [`HostCertificate ${this._hostKeyPath}-cert.pub`] : []),
      ...(this._opts.userCertificate
        ? [`TrustedUserCAKeys ${path.join(this._etc, 'user_ca.pub')}`]
        : []),
      `PidFile ${path.join(this._etc, 'sshd.pid')}`,
      `AuthorizedKeysFile ${this._authorizedKeysPath}`,
      `AllowUsers ${this.user}`,
      `StrictModes ${this._asRoot ? 'yes' : 'no'}`,
      'PubkeyAuthentication yes',
      `PasswordAuthentication ${withPassword ? 'yes' : 'no'}`,
      `KbdInteractiveAuthentication ${withPassword ? 'yes' : 'no'}`,
      // PAM is only needed for keyboard-interactive; password auth alone reads /etc/shadow.
      `UsePAM ${withPassword ? 'yes' : 'no'}`,
      'PermitRootLogin no',
      'PermitEmptyPasswords no',
      'PermitUserEnvironment no',
      // The locale, as Debian's sshd_config accepts it; HFT_* for the SendEnv/SetEnv tests.
      'AcceptEnv LANG LC_* HFT_*',
      'AllowTcpForwarding yes',
      'AllowStreamLocalForwarding yes',
      'AllowAgentForwarding no',
      'X11Forwarding no',
      'ClientAliveInterval 0',
      // Reconnect tests dial many overlapping connections; the default 10:30:100 drops some.
      'MaxStartups 200',
      'LoginGraceTime 30',
      'UseDNS no',
      'PrintMotd no',
      'PrintLastLog no',
      'LogLevel VERBOSE',
      'Subsystem sftp internal-sftp',
      // Marks every session process, so stop() finds even daemons that left the tree.
      `SetEnv ${SESSION_MARKER}=${this._instanceId}`,
      ...(this._chroot ? [`ChrootDirectory ${this._chroot.dir}`] : []),
      ...(this._perSourcePenalties ? ['PerSourcePenalties no'] : []),
      ...tail,
    ];
    await writeFile(this._configPath, `${lines.join('\n')}\n`, { mode: 0o600 });
  }

  /** known_hosts, ssh_config block and (for an encrypted key) the askpass helper. */
  private async _writeClientFiles(): Promise<void> {
    await writeFile(this.knownHostsFile, `${this.knownHostsLine}\n`, { mode: 0o600 });
    const block = [
      `Host ${this.sshAlias}`,
      `  HostName ${this.host}`,
      `  Port ${this.port}`,
      `  User ${this.user}`,
      `  IdentityFile ${this.keyPath}`,
      ...this._commonClientOptions().map(([k, v]) => `  ${k} ${v}`),
    ];
    await writeFile(this.sshConfigFile, `${block.join('\n')}\n`, { mode: 0o600 });
    if (this.passphrase !== undefined) {
      const askpass = path.join(this._etc, 'askpass.sh');
      // The secret comes from the environment, so it is never written to disk.
      await writeFile(askpass, '#!/bin/sh\nprintf \'%s\\n\' "$HFT_ASKPASS_SECRET"\n', {
        mode: 0o700,
      });
      this.sshEnv = {
        SSH_ASKPASS: askpass,
        SSH_ASKPASS_REQUIRE: 'force',
        HFT_ASKPASS_SECRET: this.passphrase,
      };
    }
  }

  /** Client options shared by `sshOptions()` and the ssh_config block. */
  private _commonClientOptions(): Array<[string, string]> {
    return [
      ['IdentitiesOnly', 'yes'],
      ['IdentityAgent', 'none'],
      ['UserKnownHostsFile', this.knownHostsFile],
      ['GlobalKnownHostsFile', '/dev/null'],
      ['StrictHostKeyChecking', 'yes'],
      ['UpdateHostKeys', 'no'],
      // An encrypted key needs a (forced askpass) prompt, which BatchMode would forbid.
      ['BatchMode', this.passphrase === undefined ? 'yes' : 'no'],
      ['PreferredAuthentications', 'publickey'],
      ['ControlMaster', 'no'],
      ['ControlPath', 'none'],
      ['ConnectTimeout', '10'],
      ['LogLevel', 'ERROR'],
    ];
  }

  sshOptions(): string[] {
    return [
      // No user or system ssh_config: the test sees exactly these options.
      '-F',
      '/dev/null',
      '-p',
      String(this.port),
      '-l',
      this.user,
      '-i',
      this.keyPath,
      ...this._commonClientOptions().flatMap(([k, v]) => ['-o', `${k}=${v}`]),
    ];
  }

  sshArgs(): string[] {
    return [...this.sshOptions(), `${this.user}@${this.host}`];
  }

  connectConfig(overrides: Partial<ConnectConfig> = {}): ConnectConfig {
    const expected = Buffer.from(this.hostKeyPublic.split(' ')[1] ?? '', 'base64');
    return {
      host: this.host,
      port: this.port,
      username: this.user,
      privateKey: readFileSync(this.keyPath),
      ...(this.passphrase !== undefined ? { passphrase: this.passphrase } : {}),
      hostVerifier: (key: Buffer) => key.equals(expected),
      readyTimeout: 10_000,
      ...overrides,
    };
  }

  exec(cmd: string, opts: SshExecOptions = {}): Promise<RunResult> {
    // The caller's options first: for ssh, the first value of an option wins.
    const args = [
      ...(opts.sshOptions ?? []),
      ...this.sshOptions(),
      `${this.user}@${this.host}`,
      cmd,
    ];
    const [file, argv] = this.netns
      ? ['ip', ['netns', 'exec', this.netns, 'ssh', ...args]]
      : ['ssh', args];
    return run(file, argv, {
      input: opts.input,
      env: this.sshEnv,
      timeoutMs: opts.timeoutMs ?? 20_000,
    });
  }

  readLog(): Promise<string> {
    return readFile(this.logPath, 'utf8').catch(() => '');
  }

  /** Spawns the listener and waits for "Server listening"; retries another port on a bind race. */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this._spawnOnce();
      if (outcome === 'listening') {
        this._portFixed = true;
        return;
      }
      const raced = /Address already in use/.test(outcome);
      if (!raced || this._portFixed || attempt >= MAX_PORT_ATTEMPTS) {
        const log = await this.readLog();
        throw new Error(
          `sshd did not start on ${this.host}:${this.port}: ${outcome}\n` +
            `--- ${this.logPath} ---\n${log.slice(-3000)}`,
        );
      }
      // Someone bound the port between our probe and sshd's bind: take another.
      this.port = await getFreePort(this.netns ? '127.0.0.1' : this.host);
      await this._writeConfig();
      await this._writeClientFiles();
    }
  }

  /** One spawn; resolves 'listening', or a description of why sshd exited. */
  private async _spawnOnce(): Promise<string> {
    const logStart = existsSync(this.logPath) ? statSync(this.logPath).size : 0;
    // sshd's own stdout/stderr (errors before it opens -E's file) go to the same log.
    const fd = openSync(this.logPath, 'a', 0o600);
    const sshdArgs = ['-D', '-e', '-f', this._configPath, '-E', this.logPath];
    const [file, argv] = this.netns
      ? ['ip', ['netns', 'exec', this.netns, this._sshdPath, ...sshdArgs]]
      : [this._sshdPath, sshdArgs];
    let child: ChildProcess;
    try {
      child = spawn(file, argv, { stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    // Never keep the test process alive for sshd's sake; stop() and the exit net end it.
    child.unref();
    let exited: string | undefined;
    child.once('exit', (code, signal) => {
      exited = `sshd exited (${signal ?? `code ${code}`})`;
    });
    child.once('error', (err) => {
      exited = `could not run ${file}: ${err.message}`;
    });
    this.pid = child.pid ?? 0;
    this._listener = pinPid(this.pid);
    const ready = `Server listening on ${this.host} port ${this.port}.`;
    return pollFor(
      `sshd to listen on ${this.host}:${this.port}`,
      async () => {
        const log = (await this.readLog()).slice(logStart);
        if (log.includes(ready)) return 'listening';
        if (exited !== undefined)
          return `${exited}: ${log.trim().split('\n').slice(-3).join(' / ')}`;
        return undefined;
      },
      START_TIMEOUT_MS,
      20,
    ).catch((err: Error) => {
      child.kill('SIGKILL');
      return err.message;
    });
  }

  /** Ends the listener only; its session processes are remembered for stop(). */
  private async _stopListener(): Promise<void> {
    const listener = this._listener;
    if (!listener) return;
    for (const pid of descendantPids(listener.pid)) {
      const pinned = pinPid(pid);
      if (pinned) this._orphans.push(pinned);
    }
    await terminate([listener], 3000);
    this._listener = undefined;
  }

  async restart(): Promise<void> {
    if (this._stopped) throw new Error('restart() after stop()');
    await this._stopListener();
    await this.start();
  }

  async regenerateHostKey(): Promise<void> {
    if (this._stopped) throw new Error('regenerateHostKey() after stop()');
    this.hostKeyPublic = await this._newHostKey();
    await this._writeClientFiles();
    await this.restart();
  }

  async stop(): Promise<void> {
    if (this._stopped) return;
    this._stopped = true;
    running.delete(this);
    await this._stopListener();
    await terminate(this._sessionPids(), 1000);
    const account = this._account;
    if (account?.created) {
      // The throw-away account is this instance's alone: whatever still runs as it (a
      // session's daemonized agent master, a tmux server) was started by this test, and
      // userdel refuses an account that has processes.
      await endProcessesOf(account.uid, 1000);
      await deleteAccount(account.user);
    }
    await this._chroot?.dispose();
    await rm(this.dir, { recursive: true, force: true });
    this._unregisterExit();
  }

  /** Every process that belongs to this instance's sessions (not the listener), pinned. */
  private _sessionPids(): PinnedPid[] {
    const pids = new Set<number>(this._orphans.map((p) => p.pid));
    for (const root of [...this._orphans, this._listener]) {
      if (root && isPinnedAlive(root)) for (const pid of descendantPids(root.pid)) pids.add(pid);
    }
    if (this._account?.created) for (const pid of pidsOfUid(this._account.uid)) pids.add(pid);
    for (const pid of pidsWithEnv(SESSION_MARKER, this._instanceId)) pids.add(pid);
    const pinned: PinnedPid[] = [];
    for (const pid of pids) {
      const known = this._orphans.find((o) => o.pid === pid);
      const p = known ?? pinPid(pid);
      if (p) pinned.push(p);
    }
    return pinned;
  }

  private _registerExitCleanup(): void {
    this._unregisterExit = onExitCleanup(() => {
      // Collect first: once the listener dies, its children are no longer its descendants.
      const sessions = this._sessionPids();
      for (const p of [this._listener, ...sessions]) if (p) signalPinned(p, 'SIGKILL');
      if (this._account?.created) runQuietSync('userdel', [this._account.user]);
      // A chroot's /dev/pts is a bind mount: unmount it, and leave the root if that fails.
      if (this._chroot) {
        runQuietSync('umount', ['-l', `${this._chroot.dir}/dev/pts`]);
        runQuietSync('sh', [
          '-c',
          `mountpoint -q "$1/dev/pts" || rm -rf "$1"`,
          'sh',
          this._chroot.dir,
        ]);
      }
      runQuietSync('rm', ['-rf', this.dir]);
    });
  }
}

/**
 * Starts a real OpenSSH sshd for one test (see the module comment for root vs not root).
 * Resolves once sshd logs that it listens. Stop it with `stop()` (or `stopAllSshd()`).
 */
export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  const version = await checkOpenSsh(opts.sshdPath ?? SSHD_PATH);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hft-sshd-'));
  // Traversable, not listable: the test user must reach its home below it.
  await chmod(dir, 0o711);
  const listenAddress = opts.listenAddress ?? '127.0.0.1';
  const port = opts.port ?? (await getFreePort(opts.netns ? '127.0.0.1' : listenAddress));
  const sshd = new SshdImpl(opts, dir, port, hasPerSourcePenalties(version));
  running.add(sshd);
  try {
    await sshd.prepare();
    await sshd.start();
  } catch (err) {
    await sshd.stop().catch(() => undefined);
    throw err;
  }
  return sshd;
}

/** Stops every sshd this process started and has not stopped yet (for `afterAll`). */
export async function stopAllSshd(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

/** A ProxyJump pair: `ssh -J hop target` reaches `target` through `hop`'s direct-tcpip. */
export interface JumpPair {
  /** The jump host (TCP forwarding allowed). */
  readonly hop: Sshd;
  /** The final server. */
  readonly target: Sshd;
  /** ssh_config with a Host block for each, the target's carrying `ProxyJump <hop alias>`. */
  readonly sshConfigFile: string;
  /**
   * `ssh` arguments reaching the target through the hop with an explicit `-J`:
   * `-F <config> -J <hopAlias> <targetAlias>`. (`-J` passes only `-F` on to the hop's ssh,
   * never `-i`/`-o`, so everything the hop needs is in the config file.)
   */
  jumpArgs(): string[];
  /** Runs `cmd` on the target through the hop with OpenSSH `ssh -J`. */
  exec(cmd: string, opts?: { timeoutMs?: number }): Promise<RunResult>;
  /** Stops both servers. */
  stop(): Promise<void>;
}

/**
 * Starts two sshds, a hop and a target, such that `ssh -J hop target` works. The target
 * listens on loopback only; the hop reaches it with direct-tcpip.
 */
export async function startJumpPair(
  opts: { hop?: SshdOptions; target?: SshdOptions } = {},
): Promise<JumpPair> {
  const [hop, target] = await Promise.all([
    startSshd({ label: `hop${randomId(2)}`, ...opts.hop }),
    startSshd({ label: `tgt${randomId(2)}`, ...opts.target }),
  ]);
  try {
    const hopBlock = await readFile(hop.sshConfigFile, 'utf8');
    const targetBlock = (await readFile(target.sshConfigFile, 'utf8')).trimEnd();
    const sshConfigFile = path.join(target.dir, 'etc', 'ssh_config_jump');
    await writeFile(sshConfigFile, `${hopBlock}${targetBlock}\n  ProxyJump ${hop.sshAlias}\n`, {
      mode: 0o600,
    });
    const jumpArgs = (): string[] => ['-F', sshConfigFile, '-J', hop.sshAlias, target.sshAlias];
    return {
      hop,
      target,
      sshConfigFile,
      jumpArgs,
      exec: (cmd, execOpts = {}) =>
        run('ssh', [...jumpArgs(), cmd], {
          env: { ...hop.sshEnv, ...target.sshEnv },
          timeoutMs: execOpts.timeoutMs ?? 20_000,
        }),
      stop: async () => {
        await Promise.all([hop.stop(), target.stop()]);
      },
    };
  } catch (err) {
    await Promise.all([hop.stop(), target.stop()]);
    throw err;
  }
}
