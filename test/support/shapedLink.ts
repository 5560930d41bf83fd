/**
 * A shaped link between two network namespaces, for measuring on links that are far, lossy
 * and slow: packets really travel as packets (TCP's slow start, retransmits and
 * congestion control all happen in the kernel), unlike the TCP-level relays
 * (delayProxy.ts, rateProxy.ts), which cannot lose a packet and run in the test's own
 * process.
 *
 *   netns <client>                    linkemu (pid)                    netns <server>
 *   hf0 10.214.X.1 peer .2  ◄─ TUN ─► delay · loss · rate · queue ◄─ TUN ─► hf0 10.214.X.2
 *
 * The emulator (test/support/linkemu/linkemu.c, built here with the system `cc` into
 * test/artifacts/, see its header for what it does per packet) is a process of its own
 * in the host's namespace holding one TUN device in each bed namespace; nothing in the
 * host's own namespace changes. `blackhole()` drops every packet both ways (those in
 * flight too) with the devices up and nobody told; `pass()` forwards again. Needs root,
 * like netns.ts (`canCreateNetns()`); `close()` ends what runs inside, the emulator (its
 * devices vanish with it) and deletes both namespaces.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, renameSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BedNamespaces, bedPrefix, canCreateNetns, sweepStaleNamespaces } from './netns';
import { runChecked } from './proc';

const SOURCE = fileURLToPath(new URL('./linkemu/linkemu.c', import.meta.url));
const OUT_DIR = fileURLToPath(new URL('../artifacts/linkemu/', import.meta.url));
const BINARY = `${OUT_DIR}linkemu`;
/** The TUN device's name in both namespaces. */
const DEV = 'hf0';
/** How long the emulator may take to answer a command (it answers at once). */
const COMMAND_TIMEOUT_MS = 5000;

/** What the link does, each way. */
export type LinkShape = {
  /** Round-trip time added (half of it each way), ms. */
  rttMs: number;
  /** Packets lost at random each way, percent. */
  lossPct?: number;
  /** Rate each way, Mbit/s (10⁶); none when absent. */
  rateMbit?: number;
  /** Most a packet may wait for the rate before it is tail-dropped, ms (default 250). */
  queueMs?: number;
  /** PRNG seed for the loss (the same seed loses the same packet numbers). */
  seed?: number;
};

/** Issue 12's links: a far server, a far lossy one, and a far lossy slow one. */
export const LINKS = {
  a: { rttMs: 30 },
  b: { rttMs: 120, lossPct: 1 },
  c: { rttMs: 300, lossPct: 3, rateMbit: 2 },
} as const satisfies Record<string, LinkShape>;
export type LinkName = keyof typeof LINKS;

/** One direction's counters since the link was made. */
export type DirectionCounts = {
  /** Packets written to the far side. */
  passed: number;
  /** Lost at random on the wire. */
  lost: number;
  /** Tail-dropped: the rate's queue was full. */
  qdropped: number;
  /** Dropped by the black hole. */
  blackholed: number;
  /** Dropped because too many packets were in flight (never on a test's links). */
  overflow: number;
  /** The far device refused the write. */
  wfail: number;
  bytes: number;
  /** The longest a passed packet waited for the rate, µs. */
  maxQueueUs: number;
  inflight: number;
};
export type LinkStats = { c2s: DirectionCounts; s2c: DirectionCounts; blackholed: boolean };

export interface ShapedLink {
  readonly client: string;
  readonly server: string;
  readonly clientAddr: string;
  readonly serverAddr: string;
  /** As it was made (`reshape` does not change it). */
  readonly shape: LinkShape;
  /** Drops every packet both ways from now on, the links stay up, nobody is told. */
  blackhole(): Promise<void>;
  /** Forwards again. */
  pass(): Promise<void>;
  /** From now on the link is shaped as `shape` (a link that gets slower or lossier). */
  reshape(shape: Omit<LinkShape, 'seed'>): Promise<void>;
  stats(): Promise<LinkStats>;
  exec: BedNamespaces['exec'];
  spawn: BedNamespaces['spawn'];
  /** Ends what was spawned inside and the emulator, deletes both namespaces. Idempotent. */
  close(): Promise<void>;
}

let built: Promise<string> | undefined;

/**
 * Builds the emulator when it is missing or older than its source, once per process
 * (the rename makes it atomic for test files running in parallel).
 */
export function ensureLinkemu(): Promise<string> {
  built ??= buildLinkemu();
  return built;
}

async function buildLinkemu(): Promise<string> {
  const mtime = (p: string) => {
    try {
      return statSync(p).mtimeMs;
    } catch {
      return -1;
    }
  };
  if (mtime(BINARY) >= mtime(SOURCE)) return BINARY;
  mkdirSync(OUT_DIR, { recursive: true });
  const tmp = `${BINARY}.${process.pid}`;
  await runChecked('cc', ['-std=c99', '-O2', '-Wall', '-Wextra', '-o', tmp, SOURCE]);
  renameSync(tmp, BINARY);
  return BINARY;
}

/** The emulator's figures for `shape`, by its option names, in its units. */
function linkemuFigures(shape: Omit<LinkShape, 'seed'>): [string, string][] {
  return [
    ['delay-us', String(Math.round((shape.rttMs * 1000) / 2))],
    ['loss-ppm', String(Math.round((shape.lossPct ?? 0) * 10_000))],
    ['rate-bps', String(Math.round((shape.rateMbit ?? 0) * 1e6))],
    ['queue-us', String(Math.round((shape.queueMs ?? 250) * 1000))],
  ];
}

class ShapedLinkImpl extends BedNamespaces implements ShapedLink {
  readonly client: string;
  readonly server: string;
  readonly clientAddr: string;
  readonly serverAddr: string;
  private _emu: ChildProcess | undefined;
  private readonly _answers: ((line: string) => void)[] = [];
  private _queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly shape: LinkShape,
    prefix = bedPrefix(),
  ) {
    super([`${prefix}-c`, `${prefix}-s`]);
    this.client = `${prefix}-c`;
    this.server = `${prefix}-s`;
    const subnet = `10.214.${Math.floor(Math.random() * 256)}`;
    this.clientAddr = `${subnet}.1`;
    this.serverAddr = `${subnet}.2`;
  }

  async build(): Promise<void> {
    const bin = await ensureLinkemu();
    await this._addNamespaces();
    const emu = spawn(
      bin,
      [
        ...['--client', this.client, '--server', this.server, '--dev', DEV],
        ...['--seed', String(this.shape.seed ?? 1)],
        ...linkemuFigures(this.shape).flatMap(([k, v]) => [`--${k}`, v]),
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this._emu = emu;
    this._track(emu);
    let err = '';
    emu.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
    createInterface({ input: emu.stdout! }).on('line', (l) => this._answers.shift()?.(l));
    const ready = await this._await(
      new Promise<string>((r) => this._answers.push(r)),
      () => `linkemu did not start: ${err.trim() || 'no output'}`,
    );
    if (ready !== 'ready') throw new Error(`linkemu said ${JSON.stringify(ready)}: ${err.trim()}`);
    for (const [ns, mine, peer] of [
      [this.client, this.clientAddr, this.serverAddr],
      [this.server, this.serverAddr, this.clientAddr],
    ] as const) {
      await runChecked('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      await runChecked('ip', ['-n', ns, 'addr', 'add', mine, 'peer', peer, 'dev', DEV]);
      await runChecked('ip', ['-n', ns, 'link', 'set', DEV, 'up']);
    }
  }

  /** `p`, or an error saying `why()` if the emulator ends or stays silent first. */
  private _await<T>(p: Promise<T>, why: () => string): Promise<T> {
    const emu = this._emu!;
    return new Promise<T>((resolve, reject) => {
      const fail = () => reject(new Error(why()));
      const timer = setTimeout(fail, COMMAND_TIMEOUT_MS);
      emu.once('exit', fail);
      p.then(
        (v) => {
          clearTimeout(timer);
          emu.off('exit', fail);
          resolve(v);
        },
        (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))),
      );
    });
  }

  /** Sends one command and waits for its one-line answer (commands run one at a time). */
  private _command(cmd: string): Promise<string> {
    const next = this._queue.then(() => {
      const answer = new Promise<string>((r) => this._answers.push(r));
      this._emu!.stdin!.write(`${cmd}\n`);
      return this._await(answer, () => `linkemu did not answer '${cmd}'`);
    });
    this._queue = next.catch(() => undefined);
    return next;
  }

  async blackhole(): Promise<void> {
    const a = await this._command('blackhole');
    if (a !== 'ok blackhole') throw new Error(`linkemu: ${a}`);
  }

  async pass(): Promise<void> {
    const a = await this._command('pass');
    if (a !== 'ok pass') throw new Error(`linkemu: ${a}`);
  }

  async reshape(shape: Omit<LinkShape, 'seed'>): Promise<void> {
    for (const [k, v] of linkemuFigures(shape)) {
      const a = await this._command(`set ${k} ${v}`);
      if (a !== 'ok set') throw new Error(`linkemu: ${a}`);
    }
  }

  async stats(): Promise<LinkStats> {
    return JSON.parse(await this._command('stats')) as LinkStats;
  }

  protected override async _beforeDelete(): Promise<void> {
    // Already ended by pid with the rest; the devices went with it.
    this._emu?.stdin?.end();
  }

  close(): Promise<void> {
    return this.destroy();
  }
}

/**
 * Makes the two namespaces and the emulator between them, shaped as `shape`. Call
 * `canCreateNetns()` first and skip when it says no. Stop servers running inside before
 * `close()`.
 */
export async function createShapedLink(shape: LinkShape): Promise<ShapedLink> {
  const check = await canCreateNetns();
  if (!check.ok) throw new Error(`cannot create network namespaces: ${check.reason}`);
  await sweepStaleNamespaces();
  const link = new ShapedLinkImpl(shape);
  try {
    await link.build();
  } catch (err) {
    await link.close();
    throw err;
  }
  return link;
}
