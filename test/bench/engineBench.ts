// The engine's rows, against a real OpenSSH sshd on 127.0.0.1 (test/support/sshd.ts),
// with OpenSSH's own `ssh` client (or a plain ssh2 channel) as the reference, measured
// in the same run: resume after a black hole through the fault proxy, throughput through
// a held session, re-attach and first-connect times, keystroke echo latency.

import { spawn } from 'node:child_process';
import type { ClientChannel } from 'ssh2';
import type { Engine } from '../../main/engine/engine';
import type { Tab, TabState } from '../../main/engine/types';
import { MemoryAgentsSeen } from '../../main/engine/deploy/agentsSeen';
import { destinationOf, testEngine } from '../support/engineHarness';
import { startFaultProxyFor } from '../support/faultProxy';
import { delay, pollFor } from '../support/proc';
import { closeSsh2, connectSsh2 } from '../support/ssh2Client';
import { startSshd, type Sshd } from '../support/sshd';
import { FILE_BYTES } from './agentBench';
import { forwardThroughputRow } from './forwardBench';
import {
  detail,
  errored,
  log,
  median,
  percentile,
  row,
  wallMs,
  type Budget,
  type Row,
} from './lib';
import { STREAM_CMD, StreamRecord, summarizeCycle, type Cycle } from './stream';

const SECTION = 'engine';
export const KEEPALIVE = { intervalMs: 1000, countMax: 3 };
export const SSH_KEEPALIVE = ['-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=3'];
/** Longer than both clients' dead-link detection (3 × 1 s; OpenSSH gives up after ~4 s). */
export const BLACKHOLE_MS = 5_000;
/**
 * Plus a random 0..1 s per cycle, so the heal lands at a random point of the engine's dial
 * cadence (a dial every ~250 ms from the moment the link is judged dead): with a fixed
 * length the heal would fall at the same phase every time, e.g. always just after a dial
 * whose SYN was dropped, and the median would measure that one phase, not the typical case.
 */
export const BLACKHOLE_JITTER_MS = 1_000;
const ECHO_SCRIPT = 'stty raw -echo; printf READY; exec cat';
const READ_SCRIPT = 'stty raw -echo; printf READY; head -c1 >/dev/null; exec cat ~/hf-bench.bin';

export const RESUME_BUDGET: Budget = { kind: 'max', limit: 250, text: '≤ 250 ms, no loss' };
/**
 * Over the system ssh a resume is a fresh `ssh` login (its own key exchange, by default
 * the heavier post-quantum one) plus a `bridge` exec: it is held to ssh's own login time,
 * measured in the same run, plus what the engine adds.
 */
export const OPENSSH_RESUME_BUDGET: Budget = {
  kind: 'maxAdded',
  limit: 150,
  text: '≤ `ssh host true` + 150 ms, no loss',
};

/** One client's record of where it put its agent, across the engines of the bench (as the
 * app's agents-seen.json across restarts). */
const SEEN = new MemoryAgentsSeen();

function engineFor(opts: { keepalive?: boolean } = {}): Engine {
  return testEngine({
    clientName: 'holdfast-bench',
    agentsSeen: SEEN,
    log: (m) => detail(`engine: ${m}`),
    ...(opts.keepalive ? { keepalive: KEEPALIVE } : {}),
  }).engine;
}

/** A tab running STREAM_CMD on `sshd`, reached through `port` (a fault proxy). */
function streamThrough(engine: Engine, sshd: Sshd, port: number, openssh = false): Tab {
  return engine.openTab({
    ...destinationOf(sshd, {
      port,
      ...(openssh ? { options: ['HoldfastTransport=openssh'] } : {}),
    }),
    cols: 80,
    rows: 24,
    command: [STREAM_CMD],
  });
}

function waitState(tab: Tab, kinds: TabState['kind'][], timeoutMs = 30_000): Promise<TabState> {
  return pollFor(
    `tab state ${kinds.join('/')}`,
    () => {
      const s = tab.state;
      if (s.kind === 'failed') throw new Error(`tab failed: ${s.reason}`);
      return kinds.includes(s.kind) ? s : undefined;
    },
    timeoutMs,
    2,
  );
}

/** Resolves at the first output event that satisfies `pred` on the tab's text so far. */
function outputWhere(
  tab: Tab,
  pred: (text: string) => boolean,
  timeoutMs = 30_000,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      sub.dispose();
      reject(
        new Error(`timed out waiting for tab output; got ${JSON.stringify(text.slice(-200))}`),
      );
    }, timeoutMs);
    const sub = tab.onOutput((d) => {
      text += d.toString('latin1');
      if (pred(text)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(performance.now());
      }
    });
  });
}

/** ssh(1) arguments for `sshd` but through `port` (the fault proxy). */
function sshArgsVia(sshd: Sshd, port: number, extra: string[] = []): string[] {
  const opts = sshd.sshOptions();
  const i = opts.indexOf('-p');
  const withPort = [...opts.slice(0, i + 1), String(port), ...opts.slice(i + 2)];
  return [...extra, ...withPort, `${sshd.user}@${sshd.host}`];
}

/**
 * OpenSSH 9.x negotiates the post-quantum hybrid sntrup761x25519 key exchange by default,
 * which ssh2 (and so Holdfast) does not offer; it costs ssh tens of ms. The notes give
 * `ssh true` with the key exchange ssh2 ends up using too, so the gap can be read fairly.
 */
const CURVE25519 = ['-o', 'KexAlgorithms=curve25519-sha256'];

function curveNote(curve: number[]): string {
  return `For comparison, \`ssh -o KexAlgorithms=curve25519-sha256 host true\` (the key exchange ssh2 negotiates; OpenSSH's default is sntrup761x25519): median ${median(curve).toFixed(0)} ms.`;
}

/** Wall time of `ssh ARGS true`, spawn to exit. */
export async function sshTrue(args: string[]): Promise<number> {
  const t0 = performance.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const c = spawn('ssh', [...args, 'true'], { stdio: 'ignore' });
    c.once('error', reject);
    c.once('exit', (code) => resolve(code));
  });
  if (code !== 0) throw new Error(`ssh true exited ${code}`);
  return performance.now() - t0;
}

// ---- resume after heal, fault proxy -----------------------------------------------------

/** Runs black-hole/heal cycles on one streaming tab; `hole`/`heal` act on the path. */
export async function resumeCycles(
  rec: StreamRecord,
  stateAt: () => { kind: string; t: number }[],
  runs: number,
  hole: () => Promise<void> | void,
  heal: () => Promise<void> | void,
  say: (m: string) => void,
  /** Runs at the end of each black hole, just before the heal (not timed), for the log. */
  beforeHeal?: (cycle: number) => Promise<void>,
  /** How long each black hole lasts: `ms` plus a random share of `jitterMs`. */
  holeLength = { ms: BLACKHOLE_MS, jitterMs: BLACKHOLE_JITTER_MS },
): Promise<{ cycles: Cycle[]; problems: string[]; healCmdMs: number[] }> {
  const healCmdMs: number[] = [];
  const cycles: Cycle[] = [];
  const problems: string[] = [];
  for (let i = 0; i < runs; i++) {
    // Steady streaming first: a second of live lines.
    const since = wallMs();
    await pollFor('steady output', () => rec.lines.filter((l) => l.t > since).length >= 50, 30_000);
    const tB = wallMs();
    await hole();
    await delay(holeLength.ms + Math.random() * holeLength.jitterMs);
    await beforeHeal?.(i + 1);
    // The heal is in effect once heal() returns (for the bridge, once `tc` has deleted
    // the drop qdiscs); the time the command itself took is kept for the note.
    const tCmd = wallMs();
    await heal();
    const tH = wallMs();
    healCmdMs.push(tH - tCmd);
    try {
      await pollFor(
        'a line stamped after the heal',
        () => rec.firstLineStampedAfter(tH),
        20_000,
        2,
      );
    } catch (e) {
      problems.push(`cycle ${i + 1}: ${(e as Error).message}`);
      continue;
    }
    const left = stateAt().find((s) => s.t >= tB && s.kind !== 'connected')?.t;
    const nextDial = stateAt().find((s) => s.t >= tH && s.kind === 'reconnecting')?.t;
    const c = summarizeCycle(rec, tH, tB, left, nextDial);
    detail(
      `cycle ${i + 1}: black hole ${new Date(tB).toISOString()}, heal ${new Date(tH).toISOString()}`,
    );
    if (typeof c === 'string') problems.push(`cycle ${i + 1}: ${c}`);
    else {
      cycles.push(c);
      say(
        `cycle ${i + 1}: detected after ${c.detectedMs?.toFixed(0) ?? '?'} ms; heal → next dial ${c.nextDialMs?.toFixed(0) ?? '(none: a dial in flight won)'} ms, first byte ${c.firstByteMs.toFixed(1)} ms, live ${c.liveMs.toFixed(1)} ms`,
      );
    }
  }
  return { cycles, problems, healCmdMs };
}

/** The verdict text on continuity for a resume row. */
export function lossReport(rec: StreamRecord): { ok: boolean; text: string } {
  const lc = rec.lineCheck();
  const ok =
    rec.discontinuities.length === 0 &&
    rec.gaps.length === 0 &&
    lc.outOfOrder === 0 &&
    lc.maxStepMs < 1000;
  const text = ok
    ? `Nothing lost: ${rec.chunks.length} chunks with contiguous offsets (0 .. ${rec.next}), no GAP, ${lc.count} lines in order, largest step between server stamps ${lc.maxStepMs.toFixed(0)} ms.`
    : `LOSS: ${rec.discontinuities.length} offset discontinuities (${rec.discontinuities.slice(0, 3).join('; ')}), ${rec.gaps.length} GAPs, ${lc.outOfOrder} lines out of order, largest step between server stamps ${lc.maxStepMs.toFixed(0)} ms.`;
  return { ok, text };
}

export function resumeRow(
  name: string,
  cycles: Cycle[],
  problems: string[],
  rec: StreamRecord,
  refText: string,
  how: string,
  runs: number,
  against: { budget: Budget; reference: number | null; label: string } | undefined = undefined,
): Row {
  const loss = lossReport(rec);
  const first = cycles.map((c) => c.firstByteMs);
  const live = cycles.map((c) => c.liveMs);
  const detected = cycles.map((c) => c.detectedMs).filter((x): x is number => x !== undefined);
  const dials = cycles.map((c) => c.nextDialMs);
  const dialText = dials.some((d) => d !== undefined)
    ? ` Heal → the next dial the engine started: ${dials.map((d) => (d === undefined ? 'none (a dial already in flight won)' : d.toFixed(0))).join(', ')} ms.`
    : '';
  const r = row({
    section: SECTION,
    name,
    unit: 'ms',
    holdfast: cycles.length ? median(first) : null,
    reference: against?.reference ?? null,
    referenceLabel: against?.label ?? refText.split(':')[0] ?? refText,
    budget: against?.budget ?? RESUME_BUDGET,
    note: `${how} Median of ${cycles.length}/${runs} cycles: heal → first new byte ${first.map((x) => x.toFixed(0)).join(', ')} ms; heal → first line printed after the heal (live again) median ${median(live).toFixed(0)} ms; dead link detected ${median(detected).toFixed(0)} ms after the black hole began.${dialText} ${loss.text}${problems.length ? ` Problems: ${problems.join('; ')}.` : ''} Reference: ${refText}`,
    samples: { holdfast: first },
    extra: { liveMs: live, detectedMs: detected, nextDialMs: dials, problems },
  });
  if (!loss.ok || problems.length) r.verdict = 'FAIL';
  return r;
}

/** OpenSSH's behaviour in the same situation: one streaming `ssh`, black hole, heal. */
export async function sshThroughHole(
  spawnSsh: () => import('node:child_process').ChildProcess,
  hole: () => Promise<void> | void,
  heal: () => Promise<void> | void,
): Promise<string> {
  const c = spawnSsh();
  let out = 0;
  let lastOut = 0;
  let stderr = '';
  let exit: { code: number | null; t: number } | undefined;
  c.stdout!.on('data', (d: Buffer) => {
    out += d.length;
    lastOut = wallMs();
  });
  c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  c.once('exit', (code) => (exit = { code, t: wallMs() }));
  try {
    await pollFor('ssh output', () => out > 500, 20_000);
    await delay(500);
    const tB = wallMs();
    await hole();
    await delay(BLACKHOLE_MS);
    const tH = wallMs();
    await heal();
    await delay(3_000);
    const after = lastOut > tH;
    const e = exit as { code: number | null; t: number } | undefined;
    const why = stderr.trim().split('\n').pop() ?? '';
    if (e)
      return `OpenSSH \`ssh\` (ServerAliveInterval=1, ServerAliveCountMax=3) does not reconnect: its stream died ${((e.t - tB) / 1000).toFixed(1)} s into the black hole (exit ${e.code}${why ? `, "${why}"` : ''})${after ? '' : ', and nothing arrived after the heal'}; the remote loop's output is lost. autossh is not installed (not installed on purpose); it would start a new shell, not resume this one.`;
    return `OpenSSH \`ssh\` (ServerAliveInterval=1, ServerAliveCountMax=3) was still running 3 s after the heal; output after the heal: ${after ? 'yes' : 'no'}.`;
  } finally {
    if (!exit) c.kill('SIGKILL');
  }
}

/**
 * The two fault-proxy beds. In both the proxy black-holes both ways and new connections
 * are accepted by the kernel (loopback must) but held. At the heal:
 * - `held`: the held connections go through, as over a path whose SYNs were only delayed;
 * - `reset`: they get an RST, as from a middlebox that never knew them (their SYNs lost),
 *   so every dial made during the outage fails at once and only a fresh one can win.
 */
export type ProxyBed = 'held' | 'reset';

const PROXY_BEDS: Record<ProxyBed, { name: string; healText: string }> = {
  held: {
    name: 'Resume after heal, fault proxy (heal → first new byte)',
    healText: 'new connections held, released at the heal',
  },
  reset: {
    name: 'Resume after heal, fault proxy, outage dials reset at heal',
    healText: 'new connections held, then reset (RST) at the heal',
  },
};

/** `transport: 'openssh'` runs the same cycles over the system ssh (HoldfastTransport). */
export async function resumeProxyRow(
  sshd: Sshd,
  bed: ProxyBed,
  runs = 5,
  transport: 'auto' | 'openssh' = 'auto',
): Promise<Row> {
  const openssh = transport === 'openssh';
  const { healText } = PROXY_BEDS[bed];
  const name = openssh
    ? 'Resume after heal, fault proxy, OpenSSH transport (heal → first new byte)'
    : PROXY_BEDS[bed].name;
  const proxy = await startFaultProxyFor(sshd);
  const refProxy = await startFaultProxyFor(sshd);
  const heal = (p: typeof proxy) => p.pass({ held: bed === 'reset' ? 'reset' : 'forward' });
  const engine = engineFor({ keepalive: true });
  try {
    const tab = streamThrough(engine, sshd, proxy.port, openssh);
    const rec = new StreamRecord();
    const states: { kind: string; t: number }[] = [];
    tab.onOutput((d, off) => rec.push(wallMs(), d.toString('latin1'), off));
    tab.onGap((f, t) => rec.gap(f, t));
    tab.onState((s) => {
      states.push({ kind: s.kind, t: wallMs() });
      detail(`tab state ${JSON.stringify(s)}`);
    });
    await waitState(tab, ['connected']);
    const { cycles, problems } = await resumeCycles(
      rec,
      () => states,
      runs,
      () => proxy.blackhole(),
      () => heal(proxy),
      (m) => log(`engine: resume (proxy, ${bed}) ${m}`),
    );
    await tab.kill();
    log(`engine: resume (proxy, ${bed}) OpenSSH reference`);
    const refText = await sshThroughHole(
      () =>
        spawn('ssh', [...sshArgsVia(sshd, refProxy.port, SSH_KEEPALIVE), STREAM_CMD], {
          stdio: ['pipe', 'pipe', 'pipe'],
        }),
      () => refProxy.blackhole(),
      () => heal(refProxy),
    );
    const how = `${openssh ? 'Over the system ssh (a ControlMaster per connection, `bridge` per tab). ' : ''}A tab streams \`${STREAM_CMD}\` through the fault proxy (Engine keepalive 1 s × 3); the proxy black-holes both ways for ${BLACKHOLE_MS / 1000}–${(BLACKHOLE_MS + BLACKHOLE_JITTER_MS) / 1000} s (random per cycle, so the heal falls at a random point of the dial cadence; sockets kept open, ${healText}), then heals; time from heal to the first output byte the client did not have.`;
    if (!openssh) return resumeRow(name, cycles, problems, rec, refText, how, runs);
    const logins: number[] = [];
    for (let i = 0; i < runs; i++) logins.push(await sshTrue(sshArgsVia(sshd, refProxy.port)));
    return resumeRow(name, cycles, problems, rec, refText, how, runs, {
      budget: OPENSSH_RESUME_BUDGET,
      reference: median(logins),
      label: '`ssh host true` through the same proxy',
    });
  } finally {
    engine.dispose();
    await proxy.close();
    await refProxy.close();
  }
}

// ---- dead link noticed, default keepalive -------------------------------------------

export const DEADLINK_BUDGET: Budget = {
  kind: 'max',
  limit: 5000,
  text: '≤ 5 s, no false alarm',
};

/** Busy loops of our own, one per core, stopped by pid. */
function cpuHogs(n: number): import('node:child_process').ChildProcess[] {
  return Array.from({ length: n }, () =>
    spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }),
  );
}

/**
 * How soon a dead link shows with Holdfast's default keepalive (no ServerAliveInterval in
 * ssh_config), and that a live one is never called dead: a flood through a tab while both
 * cores are kept busy, with a few stalls of the engine's own event loop.
 */
export async function deadLinkRow(sshd: Sshd): Promise<Row> {
  const RUNS = 5;
  const FLOOD_MS = 20_000;
  const STALLS_MS = [1_500, 3_000, 5_000];
  const proxy = await startFaultProxyFor(sshd);
  const detected: number[] = [];
  const falseAlarms: string[] = [];
  let floodBytes = 0;
  const engine = engineFor();
  try {
    const tab = streamThrough(engine, sshd, proxy.port);
    let chunks = 0;
    tab.onOutput(() => chunks++);
    for (let i = 0; i < RUNS; i++) {
      await waitState(tab, ['connected']);
      const before = chunks;
      await pollFor('live output', () => chunks > before + 20, 20_000);
      const t0 = performance.now();
      proxy.blackhole();
      await waitState(tab, ['reconnecting', 'offline'], 20_000);
      detected.push(performance.now() - t0);
      proxy.pass();
      log(
        `engine: dead link (default keepalive) cycle ${i + 1}: shown after ${detected.at(-1)!.toFixed(0)} ms`,
      );
    }
    await waitState(tab, ['connected']);
    await tab.kill();

    // A flood on a busy machine: 2 busy loops, and stalls of this process's event loop.
    const hogs = cpuHogs(2);
    const flood = engine.openTab({
      ...destinationOf(sshd),
      cols: 80,
      rows: 24,
      command: ['yes "holdfast flood 0123456789 abcdefghijklmnopqrstuvwxyz"'],
    });
    try {
      flood.onOutput((d) => (floodBytes += d.length));
      await waitState(flood, ['connected']);
      flood.onState((s) => {
        if (s.kind !== 'connected') falseAlarms.push(s.kind);
      });
      const end = performance.now() + FLOOD_MS;
      for (const stall of STALLS_MS) {
        await delay(FLOOD_MS / (STALLS_MS.length + 1));
        const until = performance.now() + stall;
        while (performance.now() < until) {
          // the event loop is stopped, as by a write to a blocked terminal
        }
      }
      await delay(Math.max(0, end - performance.now()));
      await flood.kill();
    } finally {
      for (const h of hogs) h.kill('SIGKILL');
    }
  } finally {
    engine.dispose();
    await proxy.close();
  }
  const r = row({
    section: SECTION,
    name: 'Dead link shown, default keepalive (no ServerAliveInterval)',
    unit: 'ms',
    holdfast: median(detected),
    reference: null,
    referenceLabel: 'OpenSSH `ssh` without ServerAliveInterval sends no keepalive',
    budget: DEADLINK_BUDGET,
    note: `Engine with Holdfast's default keepalive (a probe every 1 s; dead after 4 s in which no byte at all came back). A tab streams \`${STREAM_CMD}\` through the fault proxy, which black-holes both ways; time from the black hole to the tab's reconnecting state; heal, and again: ${detected.map((x) => x.toFixed(0)).join(', ')} ms. False alarms: a tab flooding \`yes\` for ${FLOOD_MS / 1000} s (${(floodBytes / 1e6).toFixed(0)} MB shown) with both cores kept busy by two shell loops and the engine's event loop stalled for ${STALLS_MS.map((x) => x / 1000).join(', ')} s: ${falseAlarms.length === 0 ? 'none (the tab never left connected)' : `${falseAlarms.length} (${falseAlarms.join(', ')})`}. Reference (not measured: a fact of its configuration): OpenSSH without ServerAliveInterval sends no keepalive, so a black hole shows only when TCP gives up on unacknowledged data (about 15 minutes of retransmissions), never on an idle link.`,
    samples: { holdfast: detected },
    extra: { falseAlarms, floodBytes },
  });
  if (falseAlarms.length > 0) r.verdict = 'FAIL';
  return r;
}

// ---- throughput -------------------------------------------------------------------------

async function throughputRow(sshd: Sshd): Promise<Row> {
  const RUNS = 5;
  const mk = await sshd.exec(`head -c ${FILE_BYTES} /dev/urandom > ~/hf-bench.bin`, {
    timeoutMs: 60_000,
  });
  if (mk.code !== 0) throw new Error(`could not create the file on the server: ${mk.stderr}`);
  const engine = engineFor();
  const hf: number[] = [];
  const ref: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      // Alternate which goes first.
      if (i % 2 === 0) hf.push(await engineRead(engine, sshd));
      ref.push(await sshRead(sshd));
      if (i % 2 === 1) hf.push(await engineRead(engine, sshd));
      log(
        `engine: throughput run ${i + 1}: engine ${hf.at(-1)!.toFixed(0)} MB/s, ssh ${ref.at(-1)!.toFixed(0)} MB/s`,
      );
    }
  } finally {
    engine.dispose();
    await sshd.exec('rm -f ~/hf-bench.bin');
  }
  return row({
    section: SECTION,
    name: 'Throughput, held session vs `ssh -tt`',
    unit: 'MB/s',
    holdfast: median(hf),
    reference: median(ref),
    referenceLabel: 'OpenSSH ssh -tt',
    budget: { kind: 'minRatio', limit: 0.95, text: '≥ 0.95×' },
    note: `\`cat\` of a 100 MiB random file on the server, PTY in raw mode (\`${READ_SCRIPT}\`), timed from the go keystroke until 100 MiB reached the client (connection already up). Holdfast: an Engine tab (agent session, direct-streamlocal channel, resume machine; ${hf.map((x) => x.toFixed(0)).join(', ')} MB/s). Reference: \`ssh -tt host '<same script>'\`, stdout read by this process (${ref.map((x) => x.toFixed(0)).join(', ')} MB/s). Median of ${RUNS}, interleaved, alternating which goes first.`,
    samples: { holdfast: hf, reference: ref },
  });
}

async function engineRead(engine: Engine, sshd: Sshd): Promise<number> {
  const tab = engine.openTab({
    ...destinationOf(sshd),
    cols: 80,
    rows: 24,
    command: [READ_SCRIPT],
  });
  try {
    let after = -1;
    let t0 = 0;
    let done: (t: number) => void = () => {};
    const finished = new Promise<number>((r) => (done = r));
    let head = '';
    tab.onOutput((d) => {
      if (after < 0) {
        head += d.toString('latin1');
        const at = head.indexOf('READY');
        if (at < 0) return;
        after = head.length - at - 5;
        t0 = performance.now();
        tab.write(Buffer.from('g'));
      } else after += d.length;
      if (after >= FILE_BYTES) done(performance.now());
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const t1 = await Promise.race([
      finished,
      new Promise<never>((_r, reject) => {
        timer = setTimeout(
          () => reject(new Error(`engine read timed out at ${after} bytes`)),
          60_000,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    return FILE_BYTES / ((t1 - t0) / 1000) / 1e6;
  } finally {
    await tab.kill();
  }
}

async function sshRead(sshd: Sshd): Promise<number> {
  const c = spawn('ssh', ['-tt', ...sshd.sshArgs(), READ_SCRIPT], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  try {
    let after = -1;
    let t0 = 0;
    let head = '';
    const t1 = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`ssh read timed out at ${after} bytes`)),
        60_000,
      );
      c.stdout!.on('data', (d: Buffer) => {
        if (after < 0) {
          head += d.toString('latin1');
          const at = head.indexOf('READY');
          if (at < 0) return;
          after = head.length - at - 5;
          t0 = performance.now();
          c.stdin!.write('g');
        } else after += d.length;
        if (after >= FILE_BYTES) {
          clearTimeout(timer);
          resolve(performance.now());
        }
      });
      c.once('exit', (code) => reject(new Error(`ssh exited ${code} at ${after} bytes`)));
    });
    return FILE_BYTES / ((t1 - t0) / 1000) / 1e6;
  } finally {
    c.kill('SIGKILL');
  }
}

// ---- re-attach and first connect --------------------------------------------------------

async function reattachRow(sshd: Sshd): Promise<Row> {
  const RUNS = 7;
  const setup = engineFor();
  const first = setup.openTab({ ...destinationOf(sshd), cols: 80, rows: 24 });
  await waitState(first, ['connected']);
  const id = first.sessionId!;
  await first.detach();
  setup.dispose();
  const hf: number[] = [];
  const ref: number[] = [];
  const curve: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const engine = engineFor();
      const tab = engine.openTab({ ...destinationOf(sshd), cols: 80, rows: 24, attach: id });
      await waitState(tab, ['connected']);
      hf.push(performance.now() - t0);
      await tab.detach();
      engine.dispose();
      ref.push(await sshTrue(sshd.sshArgs()));
      curve.push(await sshTrue([...CURVE25519, ...sshd.sshArgs()]));
    }
  } finally {
    const e = engineFor();
    await e.killSession(destinationOf(sshd), id);
    e.dispose();
  }
  return row({
    section: SECTION,
    name: 'Re-attach to an existing session',
    unit: 'ms',
    holdfast: median(hf),
    reference: median(ref),
    referenceLabel: 'ssh host true',
    budget: { kind: 'maxRatio', limit: 1.0, text: '≤ 1.0×' },
    note: `A fresh Engine each time (new TCP + SSH connection, agent version check, channel, HELLO/ATTACH) until the tab is 'connected' to a session that already runs a login shell (${hf.map((x) => x.toFixed(0)).join(', ')} ms). Reference: wall time of \`ssh host true\` on the same sshd (${ref.map((x) => x.toFixed(0)).join(', ')} ms). Median of ${RUNS}, interleaved. ${curveNote(curve)}`,
    samples: { holdfast: hf, reference: ref },
  });
}

async function firstConnectRow(): Promise<Row> {
  const RUNS = 5;
  // Fresh servers (own user, empty home: the agent must be uploaded), started up front.
  const servers: Sshd[] = [];
  const hf: number[] = [];
  const ref: number[] = [];
  const curve: number[] = [];
  try {
    for (let i = 0; i < RUNS; i += 3)
      servers.push(
        ...(await Promise.all(Array.from({ length: Math.min(3, RUNS - i) }, () => startSshd()))),
      );
    for (const s of servers) {
      const t0 = performance.now();
      const engine = engineFor();
      const tab = engine.openTab({ ...destinationOf(s), cols: 80, rows: 24 });
      await waitState(tab, ['connected']);
      hf.push(performance.now() - t0);
      await tab.kill();
      engine.dispose();
      ref.push(await sshTrue(s.sshArgs()));
      curve.push(await sshTrue([...CURVE25519, ...s.sshArgs()]));
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
  return row({
    section: SECTION,
    name: 'First connect to a fresh server (agent upload)',
    unit: 'ms',
    holdfast: median(hf),
    reference: median(ref),
    referenceLabel: 'ssh host true',
    budget: { kind: 'maxRatio', limit: 2.0, text: '≤ 2.0×' },
    note: `A fresh sshd with a fresh user and empty home each time; a fresh Engine opens a tab (connect, probe, upload and verify the agent, \`new\` a login-shell session, attach) until 'connected' (${hf.map((x) => x.toFixed(0)).join(', ')} ms). Reference: \`ssh host true\` on the same fresh server right after (${ref.map((x) => x.toFixed(0)).join(', ')} ms). Median of ${RUNS}. ${curveNote(curve)}`,
    samples: { holdfast: hf, reference: ref },
  });
}

// ---- keystroke echo ---------------------------------------------------------------------

async function keystrokeRow(sshd: Sshd): Promise<Row> {
  const N = 400;
  const engine = engineFor();
  const client = await connectSsh2(sshd.connectConfig());
  const hf: number[] = [];
  const ref: number[] = [];
  try {
    const tab = engine.openTab({
      ...destinationOf(sshd),
      cols: 80,
      rows: 24,
      command: [ECHO_SCRIPT],
    });
    await outputWhere(tab, (t) => t.includes('READY'));
    const ch = await new Promise<ClientChannel>((resolve, reject) =>
      client.exec(ECHO_SCRIPT, { pty: { term: 'xterm-256color', cols: 80, rows: 24 } }, (err, c) =>
        err ? reject(err) : resolve(c),
      ),
    );
    let chText = '';
    let chWake: (() => void) | undefined;
    ch.on('data', (d: Buffer) => {
      chText += d.toString('latin1');
      chWake?.();
    });
    await pollFor('READY on the ssh2 channel', () => chText.includes('READY'), 20_000, 5);
    for (let i = 0; i < N; i++) {
      const b = String.fromCharCode(0x61 + (i % 26));
      // Engine tab.
      const t0 = performance.now();
      const seen = outputWhere(tab, (t) => t.includes(b), 10_000);
      tab.write(Buffer.from(b));
      hf.push((await seen) - t0);
      // Plain ssh2 channel with a pty, same sshd, same command.
      chText = '';
      const t1 = performance.now();
      const got = new Promise<number>((resolve) => {
        chWake = () => {
          if (chText.includes(b)) {
            chWake = undefined;
            resolve(performance.now());
          }
        };
      });
      ch.write(b);
      ref.push((await got) - t1);
    }
    ch.close();
    await tab.kill();
  } finally {
    engine.dispose();
    closeSsh2(client);
  }
  const added = median(hf) - median(ref);
  return row({
    section: SECTION,
    name: 'Keystroke echo, engine tab vs plain ssh2 channel',
    unit: 'ms',
    holdfast: median(hf),
    reference: median(ref),
    referenceLabel: 'ssh2 exec + pty',
    budget: { kind: 'maxAdded', limit: 0.5, text: 'added ≤ 0.5 ms' },
    note: `One byte written, time until it is seen in the output, \`${ECHO_SCRIPT}\` on the server. Holdfast: Engine tab.write → tab.onOutput (INPUT/OUTPUT frames over a direct-streamlocal channel to the agent). Reference: an ssh2 exec channel with a pty on the same sshd. ${N} samples each, alternating per keystroke; added = ${(added * 1000).toFixed(0)} µs median; p90 ${percentile(hf, 90).toFixed(3)} vs ${percentile(ref, 90).toFixed(3)} ms.`,
    samples: { holdfast: hf, reference: ref },
    extra: { addedMs: added },
  });
}

export async function engineRows(): Promise<Row[]> {
  const rows: Row[] = [];
  log('engine: starting sshd on 127.0.0.1');
  const sshd = await startSshd({ label: 'bench' });
  // BENCH_ROWS=throughput,keystroke echo runs only those steps (for measuring one change).
  const onlyRows = process.env.BENCH_ROWS?.split(',').map((s) => s.trim());
  const step = async (what: string, budget: Budget, fn: () => Promise<Row[]>) => {
    if (onlyRows && !onlyRows.includes(what)) return;
    log(`engine: ${what}`);
    try {
      rows.push(...(await fn()));
    } catch (e) {
      log(`engine: ${what} broke: ${(e as Error).stack ?? String(e)}`);
      rows.push(errored(SECTION, what, budget, (e as Error).message));
    }
  };
  try {
    await step('resume after heal (fault proxy, held)', RESUME_BUDGET, async () => [
      await resumeProxyRow(sshd, 'held'),
    ]);
    await step('resume after heal (fault proxy, reset)', RESUME_BUDGET, async () => [
      await resumeProxyRow(sshd, 'reset'),
    ]);
    await step(
      'resume after heal (fault proxy, OpenSSH transport)',
      OPENSSH_RESUME_BUDGET,
      async () => [await resumeProxyRow(sshd, 'held', 5, 'openssh')],
    );
    await step('dead link (default keepalive)', DEADLINK_BUDGET, async () => [
      await deadLinkRow(sshd),
    ]);
    await step('throughput', { kind: 'minRatio', limit: 0.95, text: '≥ 0.95×' }, async () => [
      await throughputRow(sshd),
    ]);
    await step('forward throughput', { kind: 'minRatio', limit: 0.9, text: '≥ 0.9×' }, async () => [
      await forwardThroughputRow(sshd),
    ]);
    await step('re-attach', { kind: 'maxRatio', limit: 1, text: '≤ 1.0×' }, async () => [
      await reattachRow(sshd),
    ]);
    await step('first connect', { kind: 'maxRatio', limit: 2, text: '≤ 2.0×' }, async () => [
      await firstConnectRow(),
    ]);
    await step(
      'keystroke echo',
      { kind: 'maxAdded', limit: 0.5, text: 'added ≤ 0.5 ms' },
      async () => [await keystrokeRow(sshd)],
    );
  } finally {
    await sshd.stop();
  }
  return rows;
}
