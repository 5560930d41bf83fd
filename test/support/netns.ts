/**
 * Real link loss for tests: two network namespaces joined by a bridge that the test can
 * make drop every packet, with neither side told anything (no RST, no FIN, no link down).
 *
 *   netns <client>            netns <bridge>                 netns <server>
 *   eth0 10.213.X.1 ──veth── pc ─┐                ┌─ ps ──veth── eth0 10.213.X.2
 *                                └──── br0 ───────┘
 *
 * The bridge lives in a third namespace the bed creates, so nothing in the host's own
 * namespace is touched; the veth pairs are created directly in the bed's namespaces, so
 * their names never meet the host's. X is random per bed (each bed is isolated anyway).
 *
 * `blackhole()` puts `pfifo limit 0` as root qdisc on both bridge ports: a limit of 0 also
 * turns off the qdisc's empty-queue bypass, so every frame leaving the bridge towards
 * either namespace is enqueued and dropped (checked: the qdisc's drop counter rises and a
 * stream in flight stops; `netem loss 100%` would do too but needs sch_netem). `heal()`
 * deletes those qdiscs. The links stay up throughout.
 *
 * Needs root (CAP_NET_ADMIN + CAP_SYS_ADMIN); `canCreateNetns()` says whether this machine
 * allows it, so tests can skip with the reason. Only these namespaces and loopback are
 * ever a target.
 */
import { spawn as spawnChild, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  isAlive,
  onExitCleanup,
  pinPid,
  run,
  runChecked,
  runQuietSync,
  terminate,
  type PinnedPid,
  type RunOptions,
  type RunResult,
} from './proc.js';

/** Whether namespaces can be created here, and if not, why. */
export type NetnsCheck = { ok: true } | { ok: false; reason: string };

/** TCP counters of one namespace (from /proc/net/snmp, as seen inside it). */
export interface TcpStats {
  /** Connections reset from ESTABLISHED or CLOSE-WAIT (RFC 1213 tcpEstabResets). */
  estabResets: number;
  /** Segments sent with RST. */
  outRsts: number;
  /** Connections currently ESTABLISHED or CLOSE-WAIT. */
  currEstab: number;
  /** Segments retransmitted. */
  retransSegs: number;
}

/** A client and a server namespace joined by a bridge that can black-hole. */
export interface LinkBed {
  /** Client-side namespace name (run clients here). */
  readonly client: string;
  /** Server-side namespace name (run sshd here). */
  readonly server: string;
  /** The namespace holding the bridge and its ports `pc` (client side) and `ps` (server side). */
  readonly bridge: string;
  /** Client's address, e.g. 10.213.7.1. */
  readonly clientAddr: string;
  /** Server's address, e.g. 10.213.7.2. */
  readonly serverAddr: string;
  /** Whether the bridge drops everything right now. */
  readonly blackholed: boolean;
  /** The bridge drops every packet both ways from now on; nobody is told. */
  blackhole(): Promise<void>;
  /** The bridge forwards again. */
  heal(): Promise<void>;
  /** Runs `argv` inside namespace `ns` (`ip netns exec`) to completion. */
  exec(ns: string, argv: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /**
   * Starts `argv` inside namespace `ns`; the returned process *is* the command (ip netns
   * exec does not fork). The bed ends it at `destroy()` if it still runs.
   */
  spawn(ns: string, argv: readonly string[], opts?: SpawnOptions): ChildProcess;
  /** TCP counters inside `ns` (client or server), to prove no RST was sent. */
  tcpStats(ns: string): Promise<TcpStats>;
  /** Ends processes started by `spawn`, deletes the veths and the three namespaces. Idempotent. */
  destroy(): Promise<void>;
}

/** Bed namespace names: hft-<owner pid>-<random>-<b|c|s>, so leftovers can be traced. */
const NAME_PATTERN = /^hft-(\d+)-[a-z0-9]+-[bcsp]$/;

let netnsCheck: Promise<NetnsCheck> | undefined;

/**
 * Whether this process may create network namespaces with veths, a bridge and a qdisc
 * (tries once, with a throw-away namespace; the answer is cached).
 */
export function canCreateNetns(): Promise<NetnsCheck> {
  netnsCheck ??= (async (): Promise<NetnsCheck> => {
    if (process.platform !== 'linux')
      return { ok: false, reason: 'network namespaces are Linux only' };
    if (process.getuid?.() !== 0) {
      return {
        ok: false,
        reason: 'not running as root (ip netns needs CAP_SYS_ADMIN and CAP_NET_ADMIN)',
      };
    }
    const probe = `hft-${process.pid}-${randomBytes(3).toString('hex')}-p`;
    const steps: string[][] = [
      ['ip', 'netns', 'add', probe],
      ['ip', '-n', probe, 'link', 'add', 'br0', 'type', 'bridge'],
      ['ip', '-n', probe, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb'],
      ['ip', '-n', probe, 'link', 'set', 'va', 'master', 'br0'],
      ['tc', '-n', probe, 'qdisc', 'replace', 'dev', 'va', 'root', 'pfifo', 'limit', '0'],
    ];
    try {
      for (const [file, ...args] of steps) {
        const result = await run(file as string, args).catch((err: Error) => ({
          code: -1,
          stderr: err.message,
        }));
        if (result.code !== 0) {
          return {
            ok: false,
            reason: `\`${[file, ...args].join(' ')}\` failed: ${result.stderr.trim()}`,
          };
        }
      }
      return { ok: true };
    } finally {
      await run('ip', ['netns', 'del', probe]).catch(() => undefined);
    }
  })();
  return netnsCheck;
}

/** Deletes bed namespaces whose owning test process is gone (a run killed with SIGKILL). */
export async function sweepStaleNamespaces(): Promise<void> {
  const list = await run('ip', ['netns', 'list']);
  for (const line of list.stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const match = NAME_PATTERN.exec(name);
    if (match && !isAlive(Number(match[1]))) await run('ip', ['netns', 'del', name]);
  }
}

function parseTcpStats(snmp: string): TcpStats {
  const lines = snmp.split('\n').filter((l) => l.startsWith('Tcp:'));
  const names = (lines[0] ?? '').split(/\s+/).slice(1);
  const values = (lines[1] ?? '').split(/\s+/).slice(1).map(Number);
  const get = (key: string): number => values[names.indexOf(key)] ?? Number.NaN;
  return {
    estabResets: get('EstabResets'),
    outRsts: get('OutRsts'),
    currEstab: get('CurrEstab'),
    retransSegs: get('RetransSegs'),
  };
}

/** A fresh prefix for a bed's namespace names (see NAME_PATTERN). */
export function bedPrefix(): string {
  return `hft-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/**
 * The namespaces a bed owns: runs commands inside them, ends what it started there (by
 * pid), deletes them at `destroy()` or, as a safety net, when this process exits.
 */
export class BedNamespaces {
  private readonly _spawned: PinnedPid[] = [];
  private _destroyed = false;
  private readonly _unregisterExit: () => void;

  constructor(private readonly _names: readonly string[]) {
    this._unregisterExit = onExitCleanup(() => {
      for (const p of this._spawned) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      for (const ns of this._names) runQuietSync('ip', ['netns', 'del', ns]);
    });
  }

  /** Creates the namespaces (empty but for a down `lo`). */
  protected async _addNamespaces(): Promise<void> {
    for (const ns of this._names) await runChecked('ip', ['netns', 'add', ns]);
  }

  /** Ends `child` with the bed if it still runs then. */
  protected _track(child: ChildProcess): void {
    const pinned = child.pid !== undefined ? pinPid(child.pid) : undefined;
    if (pinned) this._spawned.push(pinned);
  }

  exec(ns: string, argv: readonly string[], opts?: RunOptions): Promise<RunResult> {
    return run('ip', ['netns', 'exec', ns, ...argv], opts);
  }

  spawn(ns: string, argv: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawnChild('ip', ['netns', 'exec', ns, ...argv], opts);
    this._track(child);
    return child;
  }

  async tcpStats(ns: string): Promise<TcpStats> {
    return parseTcpStats(
      (await runChecked('ip', ['netns', 'exec', ns, 'cat', '/proc/net/snmp'])).stdout,
    );
  }

  /** What goes before the namespaces are deleted (after the processes ended). */
  protected async _beforeDelete(): Promise<void> {}

  async destroy(): Promise<void> {
    if (this._destroyed) return;
    this._destroyed = true;
    await terminate(this._spawned, 1000);
    await this._beforeDelete();
    for (const ns of this._names) await run('ip', ['netns', 'del', ns]);
    this._unregisterExit();
  }
}

class LinkBedImpl extends BedNamespaces implements LinkBed {
  readonly client: string;
  readonly server: string;
  readonly bridge: string;
  readonly clientAddr: string;
  readonly serverAddr: string;
  blackholed = false;

  constructor(prefix = bedPrefix()) {
    super([`${prefix}-c`, `${prefix}-s`, `${prefix}-b`]);
    this.client = `${prefix}-c`;
    this.server = `${prefix}-s`;
    this.bridge = `${prefix}-b`;
    const subnet = `10.213.${Math.floor(Math.random() * 256)}`;
    this.clientAddr = `${subnet}.1`;
    this.serverAddr = `${subnet}.2`;
  }

  /** Builds the namespaces, the bridge and both veth pairs; addresses up. */
  async build(): Promise<void> {
    const b = this.bridge;
    await this._addNamespaces();
    const steps: string[][] = [
      ['-n', b, 'link', 'set', 'lo', 'up'],
      ['-n', b, 'link', 'add', 'br0', 'type', 'bridge'],
      ['-n', b, 'link', 'set', 'br0', 'up'],
    ];
    for (const [port, ns, addr] of [
      ['pc', this.client, this.clientAddr],
      ['ps', this.server, this.serverAddr],
    ] as const) {
      steps.push(
        // Born in the bridge namespace with its peer placed straight into the side namespace.
        ['-n', b, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns],
        ['-n', b, 'link', 'set', port, 'master', 'br0'],
        ['-n', b, 'link', 'set', port, 'up'],
        ['-n', ns, 'link', 'set', 'lo', 'up'],
        ['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0'],
        ['-n', ns, 'link', 'set', 'eth0', 'up'],
      );
    }
    for (const args of steps) await runChecked('ip', args);
  }

  /** Runs tc commands in the bridge namespace in one batch (both ports change together). */
  private async _tc(commands: string[]): Promise<void> {
    await runChecked('tc', ['-n', this.bridge, '-batch', '-'], {
      input: `${commands.join('\n')}\n`,
    });
  }

  async blackhole(): Promise<void> {
    await this._tc([
      'qdisc replace dev pc root pfifo limit 0',
      'qdisc replace dev ps root pfifo limit 0',
    ]);
    this.blackholed = true;
  }

  async heal(): Promise<void> {
    if (!this.blackholed) return;
    await this._tc(['qdisc del dev pc root', 'qdisc del dev ps root']);
    this.blackholed = false;
  }

  protected override async _beforeDelete(): Promise<void> {
    // Deleting one end of a veth deletes its peer, even if a straggler keeps a namespace alive.
    for (const port of ['pc', 'ps']) await run('ip', ['-n', this.bridge, 'link', 'del', port]);
  }
}

/**
 * Creates a fresh link bed (three namespaces, see the module comment). Call
 * `canCreateNetns()` first and skip when it says no. Stop servers running inside before
 * `destroy()`.
 */
export async function createLinkBed(): Promise<LinkBed> {
  const check = await canCreateNetns();
  if (!check.ok) throw new Error(`cannot create network namespaces: ${check.reason}`);
  await sweepStaleNamespaces();
  const bed = new LinkBedImpl();
  try {
    await bed.build();
  } catch (err) {
    await bed.destroy();
    throw err;
  }
  return bed;
}

/** Names of this process's bed namespaces that exist right now (for cleanup checks). */
export async function listBedNamespaces(): Promise<string[]> {
  const list = await run('ip', ['netns', 'list']);
  return list.stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => NAME_PATTERN.exec(name)?.[1] === String(process.pid));
}
