// The agent's rows: binary size, a master's memory, `new` until ready, keystroke latency,
// throughput through the agent, and the job's pace next to a client that never reads,
// each against a reference measured in the same run
// (tmux, or the same PTY read directly). No SSH here: the agent runs locally under a
// private $HOLDFAST_DIR, as it would on a server.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AgentConn,
  agentBin,
  FLAG_FROM_END,
  makeHome,
  reattachingLaggard,
  rssKiB,
  type AgentHome,
} from '../support/agent';
import { delay, pinPid, terminate, type PinnedPid } from '../support/proc';
import { errored, log, median, percentile, row, skipped, type Budget, type Row } from './lib';

const SECTION = 'agent';
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PROBE = fileURLToPath(new URL('./ptyprobe.py', import.meta.url));
const STATIC_AGENT = path.join(REPO, 'build', 'agents', 'linux-x64', 'holdfast-agent');
/** Same scripts as ptyprobe.py runs in its own PTY, so both sides run the same thing. */
const ECHO_SCRIPT = 'stty raw -echo; printf READY; exec cat';
const READ_SCRIPT = 'stty raw -echo; printf READY; head -c1 >/dev/null; exec cat "$1"';
export const FILE_BYTES = 100 * 1024 * 1024;

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** Runs a ptyprobe.py subcommand and parses its JSON. */
function probe<T>(args: string[], env: NodeJS.ProcessEnv = process.env): T {
  const r = spawnSync(PYTHON, [PROBE, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`ptyprobe ${args[0]} failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout) as T;
}

/** Sessions started by the bench in one private $HOLDFAST_DIR; all killed by pid at the end. */
class Lab {
  readonly home: AgentHome = makeHome();
  private readonly _pins: PinnedPid[] = [];

  constructor(readonly bin: string = agentBin()) {}

  /** `new ARGS` with timing of the command alone (spawnSync: start to exit). */
  newTimed(args: string[]): { id: string; ms: number; master: number } {
    const t0 = performance.now();
    const r = spawnSync(this.bin, ['new', ...args], { env: this.home.env, encoding: 'utf8' });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`holdfast-agent new failed: ${r.stderr}`);
    const id = r.stdout.trim();
    const meta = this.home.meta(id);
    for (const k of ['pid', 'child']) {
      const p = pinPid(Number(meta[k]));
      if (p) this._pins.push(p);
    }
    return { id, ms, master: Number(meta.pid) };
  }

  lsJson(): { id: string; pid: number }[] {
    const r = spawnSync(this.bin, ['ls', '--json'], { env: this.home.env, encoding: 'utf8' });
    return JSON.parse(r.stdout) as { id: string; pid: number }[];
  }

  /** Ends every session started here (command and master, by pinned pid). */
  async killAll(): Promise<void> {
    await terminate(this._pins.splice(0), 300);
  }

  async cleanup(): Promise<void> {
    await this.killAll();
    await this.home.cleanup();
  }
}

function strippedSize(bin: string, dir: string): number {
  const copy = path.join(dir, `${path.basename(path.dirname(bin))}-stripped`);
  copyFileSync(bin, copy);
  const r = spawnSync('strip', [copy], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`strip ${bin}: ${r.stderr}`);
  return statSync(copy).size;
}

function versionOf(bin: string): string {
  return (spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout ?? '').trim();
}

function sizeRows(work: string): Row[] {
  const budget: Budget = { kind: 'max', limit: 150, text: '≤ 150 KiB' };
  const tmux = spawnSync('sh', ['-c', 'command -v tmux'], { encoding: 'utf8' }).stdout.trim();
  const tmuxKiB = tmux ? statSync(tmux).size / 1024 : null;
  const refLabel = tmux ? `${tmux}, Debian-stripped` : 'tmux not installed';
  const dyn = agentBin();
  const dynKiB = strippedSize(dyn, work) / 1024;
  const rows: Row[] = [
    row({
      section: SECTION,
      name: 'Agent binary, stripped (gcc, dynamic glibc)',
      unit: 'KiB',
      holdfast: dynKiB,
      reference: tmuxKiB,
      referenceLabel: refLabel,
      budget: { kind: 'info', text: 'info (the static build counts)' },
      note: `strip of a copy of ${path.relative(REPO, dyn)} (${(statSync(dyn).size / 1024).toFixed(1)} KiB unstripped); dynamically linked, so libc is not in the figure.`,
    }),
  ];
  if (!existsSync(STATIC_AGENT)) {
    rows.push(
      skipped(
        SECTION,
        'Agent binary, stripped (static musl, linux-x64)',
        budget,
        `${path.relative(REPO, STATIC_AGENT)} does not exist: run \`npm run agents\` to cross-build it.`,
      ),
    );
    return rows;
  }
  const staticKiB = strippedSize(STATIC_AGENT, work) / 1024;
  const vs = versionOf(STATIC_AGENT);
  const vd = versionOf(dyn);
  const stale =
    vs !== vd
      ? ` Its version line differs from the local build's (${vs} vs ${vd}): it was cross-built from other sources; rerun \`npm run agents\`.`
      : ' Same build checksum as the local build.';
  rows.push(
    row({
      section: SECTION,
      name: 'Agent binary, stripped (static musl, linux-x64)',
      unit: 'KiB',
      holdfast: staticKiB,
      reference: tmuxKiB,
      referenceLabel: refLabel,
      budget,
      note: `strip of a copy of ${path.relative(REPO, STATIC_AGENT)} (${(statSync(STATIC_AGENT).size / 1024).toFixed(1)} KiB as built): everything included, libc too.${stale} Reference: the tmux binary, which links libevent, ncurses and libc dynamically.`,
    }),
  );
  return rows;
}

/** tmux with its own socket dir and no config, for the reference figures. */
function tmux(tmp: string, sock: string, args: string[]): { ms: number; out: string } {
  const t0 = performance.now();
  const r = spawnSync('tmux', ['-L', sock, '-f', '/dev/null', ...args], {
    env: { ...process.env, TMUX_TMPDIR: tmp, TMUX: '' },
    encoding: 'utf8',
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return { ms, out: r.stdout.trim() };
}

function hasTmux(): boolean {
  return spawnSync('sh', ['-c', 'command -v tmux']).status === 0;
}

async function rssRows(work: string): Promise<Row[]> {
  const RUNS = 5;
  const tmuxRss: number[] = [];
  if (hasTmux()) {
    for (let i = 0; i < RUNS; i++) {
      const sock = `rss${i}`;
      tmux(work, sock, ['new-session', '-d', 'sleep', '1000']);
      const pid = Number(tmux(work, sock, ['display-message', '-p', '#{pid}']).out);
      tmuxRss.push(rssKiB(pid) ?? Number.NaN);
      tmux(work, sock, ['kill-server']);
    }
  }
  const rows: Row[] = [];
  const bins: [string, string][] = [['gcc, dynamic glibc', agentBin()]];
  if (existsSync(STATIC_AGENT)) bins.push(['static musl', STATIC_AGENT]);
  for (const [label, bin] of bins) {
    const shipped = bin === STATIC_AGENT;
    const lab = new Lab(bin);
    try {
      const rss: number[] = [];
      const ring: number[] = [];
      const split: string[] = [];
      for (let i = 0; i < RUNS; i++) {
        const { id } = lab.newTimed(['--', 'sleep', '1000']);
        const pid = lab.lsJson().find((s) => s.id === id)?.pid;
        if (!pid) throw new Error(`session ${id} missing from ls --json`);
        await new Promise((r) => setTimeout(r, 100)); // settled, idle
        rss.push(rssKiB(pid) ?? Number.NaN);
        split.push(rssSplit(pid));
        // Read the ring's fill after the RSS: ATTACHED says ring_start .. end_offset.
        const c = await AgentConn.socket(lab.home, id);
        const a = await c.attach();
        ring.push(Number(a.endOffset - a.ringStart));
        c.close();
      }
      await lab.killAll();
      const ringKiB = Math.max(...ring) / 1024;
      const limit = 1024 + ringKiB;
      rows.push(
        row({
          section: SECTION,
          name: `Master RSS, idle session (${label})`,
          unit: 'KiB',
          holdfast: median(rss),
          reference: tmuxRss.length ? median(tmuxRss) : null,
          referenceLabel: tmuxRss.length ? 'tmux server, 1 session' : 'tmux not installed',
          // The budget binds the agent servers run: the static build. The dynamic one is
          // the test build; most of its RSS is libc's pages, shared with every process.
          budget: shipped
            ? { kind: 'max', limit, text: `≤ 1 MiB + ring in use (${limit.toFixed(0)} KiB)` }
            : { kind: 'info', text: 'info (the static build is deployed)' },
          note: `\`${path.relative(REPO, bin)} new -- sleep 1000\` under a temp HOLDFAST_DIR, master pid from \`ls --json\`, VmRSS from /proc/PID/status 100 ms later; median of ${RUNS} sessions (${rss.join(', ')} KiB; ${split[0]}). Ring in use read from ATTACHED afterwards: ${Math.max(...ring)} bytes. Reference: VmRSS of a fresh tmux server holding one \`sleep 1000\` (${tmuxRss.join(', ')} KiB).`,
          samples: { holdfast: rss, reference: tmuxRss },
        }),
      );
    } finally {
      await lab.cleanup();
    }
  }
  return rows;
}

function rssSplit(pid: number): string {
  try {
    const s = spawnSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' }).stdout;
    const get = (k: string) =>
      /^(\w+):\s+(\d+) kB/m.exec(s.split('\n').find((l) => l.startsWith(k)) ?? '')?.[2];
    const rollup = spawnSync('cat', [`/proc/${pid}/smaps_rollup`], { encoding: 'utf8' }).stdout;
    const pss = /^Pss:\s+(\d+) kB/m.exec(rollup)?.[1];
    return `RssAnon ${get('RssAnon:')} KiB, RssFile ${get('RssFile:')} KiB, Pss ${pss} KiB`;
  } catch {
    return '';
  }
}

async function newRow(work: string): Promise<Row> {
  const RUNS = 9;
  const lab = new Lab();
  const hf: number[] = [];
  const ref: number[] = [];
  const trueMs: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      hf.push(lab.newTimed(['--', 'sleep', '60']).ms);
      if (hasTmux()) {
        const sock = `new${i}`;
        ref.push(tmux(work, sock, ['new-session', '-d', 'sleep', '60']).ms);
        tmux(work, sock, ['kill-server']);
      }
      const t0 = performance.now();
      spawnSync('/bin/true');
      trueMs.push(performance.now() - t0);
    }
  } finally {
    await lab.cleanup();
  }
  return row({
    section: SECTION,
    name: '`new` until ready',
    unit: 'ms',
    holdfast: median(hf),
    reference: ref.length ? median(ref) : null,
    referenceLabel: ref.length ? 'tmux new-session -d, fresh server' : 'tmux not installed',
    budget: { kind: 'max', limit: 20, text: '≤ 20 ms' },
    note: `Wall time of \`holdfast-agent new -- sleep 60\` from spawn to exit (it exits once the master says the session is ready); median of ${RUNS}. Reference: \`tmux -L <fresh> -f /dev/null new-session -d sleep 60\`, a fresh tmux server each time (each Holdfast session is its own new master too). Both include the spawn cost of the measuring process (${median(trueMs).toFixed(2)} ms for /bin/true).`,
    samples: { holdfast: hf, reference: ref },
  });
}

async function keystrokeRow(): Promise<Row> {
  const BLOCKS = 3;
  const N = 300;
  const lab = new Lab();
  const direct: number[] = [];
  const agent: number[] = [];
  try {
    const { id } = lab.newTimed(['--', 'sh', '-c', ECHO_SCRIPT]);
    for (let b = 0; b < BLOCKS; b++) {
      direct.push(...probe<{ samples_us: number[] }>(['echo-pty', String(N)]).samples_us);
      agent.push(
        ...probe<{ samples_us: number[] }>(['echo-agent', lab.home.socketPath(id), String(N)])
          .samples_us,
      );
    }
  } finally {
    await lab.cleanup();
  }
  const ms = (xs: number[]) => xs.map((x) => x / 1000);
  const hf = median(ms(agent));
  const ref = median(ms(direct));
  return row({
    section: SECTION,
    name: 'Keystroke echo, agent socket vs direct PTY',
    unit: 'ms',
    holdfast: hf,
    reference: ref,
    referenceLabel: 'direct PTY',
    budget: { kind: 'maxAdded', limit: 0.2, text: 'added ≤ 0.2 ms' },
    note: `One byte written, time until it comes back, through \`cat\` in raw mode (\`${ECHO_SCRIPT}\`). Direct: a PTY of our own (python pty). Agent: the same command as a session, the byte sent as INPUT on the session's Unix socket and read back as OUTPUT (protocol v1, same python loop). ${BLOCKS}×${N} samples each, alternating blocks; added = ${((hf - ref) * 1000).toFixed(1)} µs median; p90 ${percentile(ms(agent), 90).toFixed(3)} vs ${percentile(ms(direct), 90).toFixed(3)} ms.`,
    extra: {
      addedMs: hf - ref,
      p90: { holdfast: percentile(ms(agent), 90), reference: percentile(ms(direct), 90) },
    },
  });
}

async function throughputRows(work: string): Promise<Row[]> {
  const RUNS = 7;
  const file = path.join(work, 'bench-100MiB.bin');
  const w = spawnSync('sh', ['-c', `head -c ${FILE_BYTES} /dev/urandom > "$1"`, 'sh', file]);
  if (w.status !== 0) throw new Error('could not write the 100 MiB file');
  const lab = new Lab();
  const pty: number[] = [];
  const sock: number[] = [];
  const bridge: number[] = [];
  type R = { bytes: number; seconds: number };
  const mbps = (r: R) => r.bytes / r.seconds / 1e6;
  try {
    probe<R>(['read-pty', file, String(FILE_BYTES)]); // warm the page cache
    const modes: (() => void)[] = [
      () => pty.push(mbps(probe<R>(['read-pty', file, String(FILE_BYTES)]))),
      () => {
        const a = lab.newTimed(['--', 'sh', '-c', READ_SCRIPT, 'sh', file]);
        sock.push(mbps(probe<R>(['read-agent', lab.home.socketPath(a.id), String(FILE_BYTES)])));
      },
      () => {
        const b = lab.newTimed(['--', 'sh', '-c', READ_SCRIPT, 'sh', file]);
        bridge.push(
          mbps(probe<R>(['read-bridge', lab.bin, b.id, String(FILE_BYTES)], lab.home.env)),
        );
      },
    ];
    for (let i = 0; i < RUNS; i++) {
      // Rotate the order, so no mode always runs first or right after another.
      for (let k = 0; k < modes.length; k++) modes[(i + k) % modes.length]!();
      await lab.killAll();
    }
  } finally {
    await lab.cleanup();
    rmSync(file, { force: true });
  }
  const how = `\`cat\` of a 100 MiB random file in raw mode (\`${READ_SCRIPT}\`), timed from the go keystroke until 100 MiB have arrived; median of ${RUNS}, runs interleaved in rotating order.`;
  const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
  return [
    row({
      section: SECTION,
      name: 'Throughput, `bridge` vs the socket',
      unit: 'MB/s',
      holdfast: median(bridge),
      reference: median(sock),
      referenceLabel: 'session socket',
      budget: { kind: 'minRatio', limit: 0.95, text: '≥ 0.95×' },
      note: `${how} Holdfast: a protocol client (python) speaking through \`holdfast-agent bridge ID\` over pipes (${list(bridge)} MB/s); reference: the same client on the session's socket (${list(sock)} MB/s).`,
      samples: { holdfast: bridge, reference: sock },
    }),
    row({
      section: SECTION,
      name: 'Throughput, `bridge` vs reading the PTY directly',
      unit: 'MB/s',
      holdfast: median(bridge),
      reference: median(pty),
      referenceLabel: 'direct PTY',
      budget: { kind: 'minRatio', limit: 0.95, text: '≥ 0.95×' },
      note: `${how} Reference: the same command on a PTY of our own, read by python in 64 KiB reads (${list(pty)} MB/s).`,
      samples: { holdfast: bridge, reference: pty },
    }),
  ];
}

/** The job's output rate (`yes`, read by one client) alone and next to a client that
 * re-attaches every 1.9 s from offset 0 and never reads (issue: it used to hold the job). */
async function laggardRow(): Promise<Row> {
  const RUNS = 3;
  const WINDOW_MS = 4_000;
  const lab = new Lab();
  const alone: number[] = [];
  const beside: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const { id } = lab.newTimed(['--', 'yes', 'holdfast']);
      const reader = await AgentConn.socket(lab.home, id);
      reader.countOutputOnly();
      await reader.attach({ flags: FLAG_FROM_END, version: 2 });
      reader.keepAlive();
      await delay(500);
      const rate = async (): Promise<number> => {
        const b0 = reader.outputBytes;
        await delay(WINDOW_MS);
        return (reader.outputBytes - b0) / WINDOW_MS / 1e3;
      };
      // alternate which window comes first, so warm-up favours neither
      const measureBeside = async () => {
        const stop = reattachingLaggard(lab.home.socketPath(id), 1, 1_900);
        beside.push(await rate());
        stop();
      };
      if (i % 2) {
        await measureBeside();
        alone.push(await rate());
      } else {
        alone.push(await rate());
        await measureBeside();
      }
      reader.close();
      await lab.killAll();
    }
  } finally {
    await lab.cleanup();
  }
  const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
  return row({
    section: SECTION,
    name: 'Job rate next to a never-reading client re-attaching every 1.9 s',
    unit: 'MB/s',
    holdfast: median(beside),
    reference: median(alone),
    referenceLabel: 'reader alone',
    budget: { kind: 'minRatio', limit: 0.9, text: '≥ 0.9×' },
    note: `\`yes\` as a session, one protocol 2 client reading on the socket; output rate over ${WINDOW_MS / 1000} s windows with a version 1 client that attaches from offset 0 every 1.9 s and never reads (${list(beside)} MB/s), and without it (${list(alone)} MB/s); ${RUNS} runs, window order alternated. Before protocol 2's pacing (the job ran at the pace of the slowest client not yet 2 s stalled) it held the job to ~0.01 MB/s.`,
    samples: { holdfast: beside, reference: alone },
  });
}

export async function agentRows(): Promise<Row[]> {
  const work = mkdtempSync(path.join(tmpdir(), 'hf-bench-'));
  const rows: Row[] = [];
  const step = async (what: string, fn: () => Promise<Row[]> | Row[]) => {
    log(`agent: ${what}`);
    try {
      rows.push(...(await fn()));
    } catch (e) {
      log(`agent: ${what} broke: ${(e as Error).stack ?? String(e)}`);
      rows.push(errored(SECTION, what, { kind: 'info', text: '—' }, (e as Error).message));
    }
  };
  try {
    await step('binary size', () => sizeRows(work));
    await step('master RSS', () => rssRows(work));
    await step('new until ready', async () => [await newRow(work)]);
    await step('keystroke latency', async () => [await keystrokeRow()]);
    await step('throughput', () => throughputRows(work));
    await step('job rate next to a never-reading client', async () => [await laggardRow()]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}
