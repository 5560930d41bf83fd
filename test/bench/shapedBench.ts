// Rows on issue 12's shaped links, side by side with OpenSSH: client and sshd in two
// network namespaces joined by the userspace packet emulator (test/support/shapedLink.ts:
// real packets, so TCP's slow start, loss recovery and congestion control are in every
// figure, unlike the TCP relays of rttBench.ts). Per link (a: 30 ms; b: 120 ms, 1 % loss;
// c: 300 ms, 3 % loss, 2 Mbit/s):
//   item 4  first connect (the agent uploaded) and new session to first output, vs `ssh -tt`;
//   item 2  Ctrl-C in a `yes` flood, the CLI vs `ssh -tt`: typed at a prompt, and as the
//           session's command (which `new --hold` lets fill the ring before the attach);
//   item 3  resume after a 10 s black hole, heal → first new byte;
//   item 1  (link c) `cat` of a 20 MB file through the CLI: every byte, no gap notice.
// Every Holdfast client runs inside the client namespace as a process of its own (the
// CLI, or nsClient.ts for an Engine tab). BENCH_LINKS=a,b,c and BENCH_SHAPED=first,new,
// ctrlc,ctrlcmd,resume,tput,cat choose what runs; BENCH_SHAPED_CAT_RUNS the runs of the slow
// cat row.

import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI, checkNumbered, cliOptions, numberedLines, runCli } from '../support/cliHarness';
import { ctrlCInFlood, type Flood } from '../support/ctrlCFlood';
import { canCreateNetns } from '../support/netns';
import { delay, pollFor } from '../support/proc';
import { LINKS, createShapedLink, type LinkName, type ShapedLink } from '../support/shapedLink';
import { startSshd, type Sshd } from '../support/sshd';
import { resumeCycles, resumeRow } from './engineBench';
import { FIRST_OUTPUT_CMD, sshFirstOutput } from './firstOutput';
import { errored, log, median, row, skipped, wallMs, type Budget, type Row } from './lib';
import { moshAvailable, newerAt, seenAt, spawnMosh } from './moshPeer';
import { spawnNsTab } from './nsTab';
import { STREAM_CMD } from './stream';
import { FILE_BYTES, FLOOD_THROUGHPUT_BUDGET, READ_SCRIPT, spawnedRead } from './rttFlood';
import { FIRST_CONNECT_BUDGET } from './rttFirstConnect';
import { REMOTE_DIR } from '../../main/engine/deploy/deploy';

const SECTION = 'shaped';
/** Runs per row (BENCH_SHAPED_RUNS: more, where 3 % loss makes five a lottery). */
const RUNS = Number(process.env.BENCH_SHAPED_RUNS) || 5;
/** Issue 12 item 3: the black hole lasts 10 s (plus a random second: the heal falls at a
 * random point of the dial cadence, as in the netns row). */
const HOLE = { ms: 10_000, jitterMs: 1_000 };
const RESUME_BUDGETS: Record<LinkName, Budget> = {
  a: { kind: 'max', limit: 300, text: '≤ 300 ms, no loss' },
  b: { kind: 'max', limit: 900, text: '≤ 900 ms, no loss' },
  c: { kind: 'max', limit: 2200, text: '≤ 2200 ms, no loss' },
};
const NEW_SESSION_BUDGET: Budget = { kind: 'maxRatio', limit: 1.05, text: '≤ 1.05×' };
const CTRLC_BUDGET: Budget = { kind: 'maxRatio', limit: 1.5, text: '≤ 1.5×' };
const CAT_BUDGET: Budget = { kind: 'info', text: 'every byte, no gap notice (PASS/FAIL)' };
/**
 * Output taken before Ctrl-C: enough for every buffer on the path to be full, no more
 * than a few seconds of the link (link c carries ~0.2 MB/s once loss has its say).
 */
const FLOWING_BYTES: Record<LinkName, number> = { a: 16 << 20, b: 4 << 20, c: 1 << 20 };
/**
 * The floods: `yes` typed at a prompt starts once the client is attached (here: after a
 * line the client sends at once); a command that floods from the session's start fills
 * the ring under `new --hold` before the tab attaches (8 MiB, 40 s of link c, that no
 * Ctrl-C can flush: see the README).
 */
const FLOODS = {
  prompt: {
    cmd: 'read -r _; exec yes',
    start: '\n',
    what: 'started once the client is attached, as typed at a prompt',
  },
  command: {
    cmd: 'yes',
    start: undefined,
    what: 'the command of the session, flooding from its start',
  },
} as const;
type FloodKind = keyof typeof FLOODS;
/** Item 1's file: lines `line 1` .. `line N`, 20.0 MB (13 N − 1111104 bytes). */
const CAT_LINES = 1_624_000;
// The go keystroke is a line: the PTY is cooked, as at a prompt (its echo is an empty line).
const CAT_SCRIPT = `read -r _; cat ~/hf-cat.txt; printf HF-CAT-END`;
const CAT_TIMEOUT_MS = 15 * 60_000;

function describeLink(name: LinkName): string {
  const l: { rttMs: number; lossPct?: number; rateMbit?: number } = LINKS[name];
  return `link ${name} (${l.rttMs} ms RTT${l.lossPct ? `, ${l.lossPct} % loss each way` : ''}${l.rateMbit ? `, ${l.rateMbit} Mbit/s each way, 250 ms queue` : ''})`;
}

type Bed = {
  name: LinkName;
  link: ShapedLink;
  sshd: Sshd;
  cliOpts: string[];
  inClient: string[];
  /** The namespaced engine's record of servers it put its agent on (agents-seen.json). */
  seenFile: string;
  /** mosh runs here: its figures go beside ssh's (moshPeer.ts). */
  mosh: boolean;
};

/** ms from just before an Engine in the client namespace opened a tab running
 * FIRST_OUTPUT_CMD until the output event with HF-READY, both stamped in that process. */
async function tabFirstOutput(b: Bed, timeoutMs: number): Promise<number> {
  const tab = spawnNsTab(
    (argv, o) => b.link.spawn(b.link.client, argv, o),
    b.sshd,
    FIRST_OUTPUT_CMD,
    b.seenFile,
  );
  try {
    await pollFor('HF-READY in the namespaced tab', () => tab.seenAt('HF-READY'), timeoutMs, 5);
    return tab.seenAt('HF-READY')! - tab.begunAt()!;
  } finally {
    await tab.end();
  }
}

/** ms from spawning `mosh host -- CMD` until HF-READY shows on its screen. */
async function moshFirstOutput(b: Bed): Promise<number> {
  const run = spawnMosh(b.link, b.sshd, FIRST_OUTPUT_CMD);
  try {
    await pollFor('HF-READY on mosh', () => seenAt(run, 'HF-READY'), 60_000, 5);
    return seenAt(run, 'HF-READY')! - run.startedAt;
  } finally {
    await run.end();
  }
}

async function newSessionRow(b: Bed): Promise<Row[]> {
  const hf: number[] = [];
  const ref: number[] = [];
  const mosh: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    hf.push(await tabFirstOutput(b, 60_000));
    ref.push(await sshFirstOutput(b.sshd.sshArgs(), b.inClient));
    if (b.mosh) mosh.push(await moshFirstOutput(b));
    log(
      `shaped ${b.name}: new session run ${i + 1}: ${hf.at(-1)!.toFixed(0)} ms, ssh -tt ${ref.at(-1)!.toFixed(0)} ms${b.mosh ? `, mosh ${mosh.at(-1)!.toFixed(0)} ms` : ''}`,
    );
  }
  const moshRow = row({
    section: SECTION,
    name: `New session to first output vs mosh, ${describeLink(b.name)}`,
    unit: 'ms',
    holdfast: median(hf),
    reference: median(mosh),
    referenceLabel: 'mosh host -- CMD',
    budget: { kind: 'info', text: 'info (the issue names ssh as the bar)' },
    note: `Shaped link, ${describeLink(b.name)}. Holdfast as in the row vs ssh -tt (the same runs). Reference: \`mosh --predict=never host -- sh -c '${FIRST_OUTPUT_CMD}'\` in the client namespace under \`script\` (mosh-client needs a terminal; 80×24), spawn → HF-READY drawn: ${mosh.map((x) => x.toFixed(0)).join(', ')} ms (its ssh login, mosh-server's start, then its UDP session). Median of ${RUNS}, interleaved.`,
    samples: { holdfast: hf, reference: mosh },
    extra: { link: b.name },
  });
  const sshRow = row({
    section: SECTION,
    name: `New session to first output vs ssh -tt, ${describeLink(b.name)}`,
    unit: 'ms',
    holdfast: median(hf),
    reference: median(ref),
    referenceLabel: 'ssh -tt host CMD',
    budget: NEW_SESSION_BUDGET,
    note: `Shaped link, ${describeLink(b.name)}. An Engine in its own process inside the client namespace (nsClient.ts; agent already installed) opens a tab running \`${FIRST_OUTPUT_CMD}\`; time from just before openTab to the output event with HF-READY, both stamped in that process: ${hf.map((x) => x.toFixed(0)).join(', ')} ms. Reference: \`ssh -tt host '${FIRST_OUTPUT_CMD}'\` in the same namespace, spawn → HF-READY on its stdout: ${ref.map((x) => x.toFixed(0)).join(', ')} ms. Median of ${RUNS}, interleaved.`,
    samples: { holdfast: hf, reference: ref },
    extra: { link: b.name },
  });
  return b.mosh ? [sshRow, moshRow] : [sshRow];
}

/** Item 4's first connect: as newSessionRow, with the agent removed from the server before
 * each run (`~/.holdfast/bin`; the sessions of other rows keep their running binary), so
 * the tab's one exec probes, takes the upload through slow start and loss, and starts the
 * session. The last run leaves the agent installed for the rows after it. */
async function firstConnectRow(b: Bed): Promise<Row> {
  const hf: number[] = [];
  const ref: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const wipe = await b.sshd.exec(`rm -rf ~/${REMOTE_DIR}/bin && test ! -e ~/${REMOTE_DIR}/bin`);
    if (wipe.code !== 0) throw new Error(`could not remove the agent: ${wipe.stderr}`);
    // A client that never put its agent there either (so it sends it behind the probe).
    await rm(b.seenFile, { force: true });
    hf.push(await tabFirstOutput(b, 120_000));
    const installed = await b.sshd.exec(`test -x ~/${REMOTE_DIR}/bin/holdfast-agent`);
    if (installed.code !== 0) throw new Error('the tab connected without installing the agent');
    ref.push(await sshFirstOutput(b.sshd.sshArgs(), b.inClient));
    log(
      `shaped ${b.name}: first connect run ${i + 1}: ${hf.at(-1)!.toFixed(0)} ms, ssh -tt ${ref.at(-1)!.toFixed(0)} ms`,
    );
  }
  return row({
    section: SECTION,
    name: `First connect with agent upload to first output vs ssh -tt, ${describeLink(b.name)}`,
    unit: 'ms',
    holdfast: median(hf),
    reference: median(ref),
    referenceLabel: 'ssh -tt host CMD',
    budget: FIRST_CONNECT_BUDGET,
    note: `Shaped link, ${describeLink(b.name)}. The agent removed from the server before each run; an Engine in its own process inside the client namespace (nsClient.ts) opens a tab running \`${FIRST_OUTPUT_CMD}\` (a client that never put its agent there: one exec, the probe with the gzip'd upload sent right behind its script, unasked, which the probe installs, starting the session, and goes on as its bridge); time from just before openTab to the output event with HF-READY: ${hf.map((x) => x.toFixed(0)).join(', ')} ms. Reference: \`ssh -tt host '${FIRST_OUTPUT_CMD}'\` in the same namespace: ${ref.map((x) => x.toFixed(0)).join(', ')} ms. Median of ${RUNS}, interleaved.`,
    samples: { holdfast: hf, reference: ref },
    extra: { link: b.name },
  });
}

async function ctrlCRow(b: Bed, kind: FloodKind): Promise<Row> {
  const flowing = FLOWING_BYTES[b.name];
  const { cmd, start, what } = FLOODS[kind];
  const hf: Flood[] = [];
  const ref: Flood[] = [];
  for (let i = 0; i < RUNS; i++) {
    hf.push(
      await ctrlCInFlood(
        [...b.inClient, process.execPath, CLI, '-tt', ...b.cliOpts, '--', cmd],
        flowing,
        start,
      ),
    );
    ref.push(
      await ctrlCInFlood([...b.inClient, 'ssh', '-tt', ...b.sshd.sshArgs(), cmd], flowing, start),
    );
    log(
      `shaped ${b.name}: Ctrl-C (${kind}) run ${i + 1}: ${hf.at(-1)!.exitMs.toFixed(0)} ms, ssh -tt ${ref.at(-1)!.exitMs.toFixed(0)} ms`,
    );
  }
  const ms = (s: Flood[]) => s.map((x) => x.exitMs);
  const list = (s: Flood[]) =>
    ms(s)
      .map((x) => x.toFixed(0))
      .join(', ');
  const kb = (s: Flood[]) => s.map((x) => (x.afterBytes / 1024).toFixed(0)).join(', ');
  return row({
    section: SECTION,
    name: `Ctrl-C in a yes flood (CLI, ${kind === 'prompt' ? 'at a prompt' : 'as the command'}) vs ssh -tt, ${describeLink(b.name)}`,
    unit: 'ms',
    holdfast: median(ms(hf)),
    reference: median(ms(ref)),
    referenceLabel: 'ssh -tt, same flood',
    budget: CTRLC_BUDGET,
    note: `Shaped link, ${describeLink(b.name)}. \`holdfast -tt host -- '${cmd}'\`${start ? ' with a newline on its stdin at spawn' : ''}: a flood ${what} (the CLI inside the client namespace, stdout a pipe read by the bench, test/support/ctrlCFlood.ts) until ${(flowing / 2 ** 20).toFixed(0)} MiB arrived, then 0x03 on its stdin; time until it exits: ${list(hf)} ms; KiB after the key: ${kb(hf)}. Reference: \`ssh -tt host '${cmd}'\` the same way in the same namespace: ${list(ref)} ms; KiB after: ${kb(ref)}. Median of ${RUNS}, interleaved.`,
    samples: { holdfast: ms(hf), reference: ms(ref) },
    extra: {
      link: b.name,
      flood: kind,
      holdfastBytesAfter: hf.map((x) => x.afterBytes),
      sshBytesAfter: ref.map((x) => x.afterBytes),
    },
  });
}

/** Throughput of a held session against ssh -tt, each a process in the client namespace
 * (the TCP relays put the relay in the engine's process; here nothing is shared). */
async function throughputRow(b: Bed): Promise<Row> {
  const mk = await b.sshd.exec(`head -c ${FILE_BYTES} /dev/urandom > ~/hf-rtt.bin`, {
    timeoutMs: 60_000,
  });
  if (mk.code !== 0) throw new Error(`could not create the file on the server: ${mk.stderr}`);
  const hf: number[] = [];
  const ref: number[] = [];
  const cli = [...b.inClient, process.execPath, CLI, '-tt', ...b.cliOpts, '--', READ_SCRIPT];
  const ssh = [...b.inClient, 'ssh', '-tt', ...b.sshd.sshArgs(), READ_SCRIPT];
  try {
    for (let i = 0; i < RUNS; i++) {
      if (i % 2 === 0) hf.push(await spawnedRead(cli));
      ref.push(await spawnedRead(ssh));
      if (i % 2 === 1) hf.push(await spawnedRead(cli));
      log(
        `shaped ${b.name}: throughput run ${i + 1}: ${hf.at(-1)!.toFixed(1)} MB/s, ssh -tt ${ref.at(-1)!.toFixed(1)} MB/s`,
      );
    }
  } finally {
    await b.sshd.exec('rm -f ~/hf-rtt.bin');
  }
  const list = (s: number[]) => s.map((x) => x.toFixed(1)).join(', ');
  return row({
    section: SECTION,
    name: `Throughput of a held session vs ssh -tt, ${describeLink(b.name)}`,
    unit: 'MB/s',
    holdfast: median(hf),
    reference: median(ref),
    referenceLabel: 'ssh -tt host CMD',
    budget: FLOOD_THROUGHPUT_BUDGET,
    note: `Shaped link, ${describeLink(b.name)}. \`holdfast -tt host -- '${READ_SCRIPT}'\` (the CLI in the client namespace, stdout a pipe): a ${FILE_BYTES >> 20} MiB random file through a raw PTY, timed from the go keystroke until all of it arrived: ${list(hf)} MB/s. Reference: \`ssh -tt host '<same>'\` the same way: ${list(ref)} MB/s. Median of ${RUNS}, interleaved, alternating which goes first.`,
    samples: { holdfast: hf, reference: ref },
    extra: { link: b.name },
  });
}

async function resumeShapedRow(b: Bed): Promise<Row> {
  const name = `Resume after a 10 s black hole, ${describeLink(b.name)} (heal → first new byte)`;
  const tab = spawnNsTab((argv, o) => b.link.spawn(b.link.client, argv, o), b.sshd, STREAM_CMD);
  try {
    await tab.connected(60_000);
    const { cycles, problems } = await resumeCycles(
      tab.rec,
      () => tab.states,
      RUNS,
      () => b.link.blackhole(),
      () => b.link.pass(),
      (m) => log(`shaped ${b.name}: resume ${m}`),
      undefined,
      HOLE,
    );
    const how = `Shaped link, ${describeLink(b.name)}. An Engine tab in its own process inside the client namespace (nsClient.ts, keepalive 1 s × 3) streams \`${STREAM_CMD}\`; the emulator drops every packet both ways (those in flight too) for ${HOLE.ms / 1000}–${(HOLE.ms + HOLE.jitterMs) / 1000} s, devices up, nobody told, then passes again; time from the emulator's "ok pass" to the first output byte the client did not have, both wall-clock stamps.`;
    const r = resumeRow(
      name,
      cycles,
      problems,
      tab.rec,
      'OpenSSH ssh does not resume (see the netns row)',
      how,
      RUNS,
      {
        budget: RESUME_BUDGETS[b.name],
        reference: null,
        label: 'OpenSSH ssh does not resume',
      },
    );
    return { ...r, section: SECTION, extra: { ...r.extra, link: b.name } };
  } finally {
    await tab.end();
  }
}

/** mosh through the same black holes as resumeShapedRow: heal → the first piece of screen
 * that shows a line printed after the hole began. `holdfast`: that row's median. */
async function moshResumeRow(b: Bed, holdfast: number | null): Promise<Row> {
  const run = spawnMosh(b.link, b.sshd, STREAM_CMD);
  const ms: number[] = [];
  const problems: string[] = [];
  try {
    await pollFor('mosh streaming', () => run.pieces.length > 20, 60_000, 20);
    for (let i = 0; i < RUNS; i++) {
      await delay(1000);
      const holeAt = wallMs();
      await b.link.blackhole();
      await delay(HOLE.ms + Math.random() * HOLE.jitterMs);
      const from = run.pieces.length;
      await b.link.pass();
      const healed = wallMs();
      try {
        await pollFor('mosh screen updated', () => newerAt(run, holeAt, from), 30_000, 2);
        ms.push(newerAt(run, holeAt, from)! - healed);
        log(`shaped ${b.name}: mosh resume cycle ${i + 1}: ${ms.at(-1)!.toFixed(0)} ms`);
      } catch (e) {
        problems.push(`cycle ${i + 1}: ${(e as Error).message}`);
      }
    }
  } finally {
    await run.end();
  }
  return row({
    section: SECTION,
    name: `Resume after a 10 s black hole vs mosh, ${describeLink(b.name)}`,
    unit: 'ms',
    holdfast,
    reference: ms.length ? median(ms) : null,
    referenceLabel: 'mosh host -- CMD (screen only: what was printed in the hole is skipped)',
    budget: { kind: 'info', text: 'info (mosh does not keep the output)' },
    note: `Shaped link, ${describeLink(b.name)}. Holdfast: the resume row above (heal → the first byte it did not have; every byte kept). Reference: \`mosh --predict=never host -- sh -c '${STREAM_CMD}'\` in the client namespace under \`script\`, through the same black holes (${HOLE.ms / 1000}–${(HOLE.ms + HOLE.jitterMs) / 1000} s); heal ("ok pass") → the first piece drawn that shows a line printed after the hole began: ${ms.map((x) => x.toFixed(0)).join(', ')} ms${problems.length ? `; ${problems.join('; ')}` : ''}. mosh redraws the latest screen: the lines printed while the link was down never reach its client.`,
    samples: { holdfast: [], reference: ms },
    extra: { link: b.name },
  });
}

/** One `cat` of the file through `argv` (go keystroke at once): seconds, and what is wrong. */
async function catOnce(argv: string[]): Promise<{ s: number; wrong: string | undefined }> {
  const t0 = performance.now();
  const c = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  c.stdout.on('data', (d: Buffer) => out.push(d));
  c.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  c.stdin.write('\n');
  const timer = setTimeout(() => c.kill('SIGKILL'), CAT_TIMEOUT_MS);
  const code = await new Promise<number | null>((r) => c.once('exit', r));
  clearTimeout(timer);
  const s = (performance.now() - t0) / 1000;
  const text = Buffer.concat(out).toString('latin1');
  const end = text.lastIndexOf('HF-CAT-END');
  const check = checkNumbered(end < 0 ? text : text.slice(0, end), CAT_LINES);
  const lost = /were lost[^\n]*/.exec(err)?.[0];
  const wrong =
    (lost && `gap notice: "${lost.trim()}"`) ||
    (end < 0 && `no end marker (exit ${code}; ${text.length} bytes)`) ||
    (!check.ok && check.why) ||
    (code !== 0 && `exit ${code}: ${err.trim().split('\n').pop()}`) ||
    undefined;
  return { s, wrong };
}

async function catRow(b: Bed): Promise<Row> {
  const runs = Number(process.env.BENCH_SHAPED_CAT_RUNS ?? 1);
  const mk = await b.sshd.exec(
    `${numberedLines(CAT_LINES, CAT_LINES + 1, 0)} > ~/hf-cat.txt; wc -c < ~/hf-cat.txt`,
    {
      timeoutMs: 60_000,
    },
  );
  if (mk.code !== 0) throw new Error(`could not create the file on the server: ${mk.stderr}`);
  const bytes = Number(mk.stdout.trim());
  const hf: { s: number; wrong: string | undefined }[] = [];
  const ref: { s: number; wrong: string | undefined }[] = [];
  for (let i = 0; i < runs; i++) {
    hf.push(
      await catOnce([...b.inClient, process.execPath, CLI, '-tt', ...b.cliOpts, '--', CAT_SCRIPT]),
    );
    ref.push(await catOnce([...b.inClient, 'ssh', '-tt', ...b.sshd.sshArgs(), CAT_SCRIPT]));
    log(
      `shaped ${b.name}: cat run ${i + 1}: ${hf.at(-1)!.s.toFixed(1)} s${hf.at(-1)!.wrong ? ` (${hf.at(-1)!.wrong})` : ''}, ssh -tt ${ref.at(-1)!.s.toFixed(1)} s${ref.at(-1)!.wrong ? ` (${ref.at(-1)!.wrong})` : ''}`,
    );
  }
  const failed = hf.filter((x) => x.wrong);
  const list = (xs: { s: number; wrong: string | undefined }[]) =>
    xs.map((x) => `${x.s.toFixed(1)} s${x.wrong ? ` (${x.wrong})` : ''}`).join(', ');
  return row({
    section: SECTION,
    name: `cat of a 20 MB file through the CLI, ${describeLink(b.name)}: every byte, no gap`,
    unit: 's',
    holdfast: median(hf.map((x) => x.s)),
    reference: median(ref.map((x) => x.s)),
    referenceLabel: 'ssh -tt host cat',
    budget: CAT_BUDGET,
    verdict: failed.length ? 'FAIL' : 'PASS',
    note: `Shaped link, ${describeLink(b.name)}. A ${(bytes / 1e6).toFixed(1)} MB file of ${CAT_LINES} numbered lines on the server; \`holdfast -tt host -- '${CAT_SCRIPT}'\` (the CLI in the client namespace, default 8 MiB ring, a cooked PTY as at a prompt), the go keystroke written at spawn; time from spawn to exit, and every line checked once and in order (CR stripped) with no "were lost" notice on stderr: ${failed.length ? 'FAIL' : 'PASS'} (${list(hf)}). Reference: \`ssh -tt host '<same>'\` the same way: ${list(ref)}. ${runs} run${runs === 1 ? '' : 's'} each (each takes minutes on this link; BENCH_SHAPED_CAT_RUNS sets more).`,
    samples: { holdfast: hf.map((x) => x.s), reference: ref.map((x) => x.s) },
    extra: { link: b.name, bytes, holdfastWrong: hf.map((x) => x.wrong ?? null) },
  });
}

export async function shapedRows(): Promise<Row[]> {
  const names = (process.env.BENCH_LINKS ?? 'a,b,c').split(',').map((s) => s.trim()) as LinkName[];
  const kinds = process.env.BENCH_SHAPED?.split(',').map((s) => s.trim());
  const want = (k: string) => !kinds || kinds.includes(k);
  const check = await canCreateNetns();
  if (!check.ok) {
    log(`shaped: skipped: ${check.reason}`);
    return [
      skipped(
        SECTION,
        'Shaped links a, b, c',
        { kind: 'info', text: '—' },
        `Skipped: network namespaces cannot be created here (${check.reason}).`,
      ),
    ];
  }
  const rows: Row[] = [];
  for (const name of names) {
    log(`shaped: ${describeLink(name)}: namespaces, emulator, sshd`);
    const link = await createShapedLink({ ...LINKS[name], seed: 12 });
    const seenFile = path.join(tmpdir(), `hft-bench-seen-${process.pid}-${name}.json`);
    let sshd: Sshd | undefined;
    try {
      sshd = await startSshd({
        netns: link.server,
        listenAddress: link.serverAddr,
        label: `bench-shaped-${name}`,
      });
      const inClient = ['ip', 'netns', 'exec', link.client];
      await rm(seenFile, { force: true });
      const cliOpts = await cliOptions(sshd, sshd.port);
      const b: Bed = { name, link, sshd, cliOpts, inClient, seenFile, mosh: moshAvailable() };
      if (!b.mosh) log('shaped: mosh is not installed here: no mosh figures');
      // The agent is installed once, untimed: every row is about a server that has it.
      const deploy = runCli([...b.cliOpts, '--', 'true'], { prefix: inClient });
      if ((await deploy.exited).code !== 0)
        throw new Error(`could not install the agent: ${deploy.stderr()}`);
      // And the namespaced engine has seen it there (as after its own first connect), so
      // its new sessions send no upload unasked: one tab, untimed.
      await tabFirstOutput(b, 120_000);
      const step = async (what: string, budget: Budget, fn: () => Promise<Row | Row[]>) => {
        log(`shaped ${name}: ${what}`);
        try {
          rows.push(...[await fn()].flat());
        } catch (e) {
          log(`shaped ${name}: ${what} broke: ${(e as Error).stack ?? String(e)}`);
          rows.push(
            errored(SECTION, `${what}, ${describeLink(name)}`, budget, (e as Error).message),
          );
        }
      };
      if (want('first'))
        await step('first connect', FIRST_CONNECT_BUDGET, () => firstConnectRow(b));
      if (want('new')) await step('new session', NEW_SESSION_BUDGET, () => newSessionRow(b));
      if (want('ctrlc'))
        await step('Ctrl-C in a flood at a prompt', CTRLC_BUDGET, () => ctrlCRow(b, 'prompt'));
      if (want('ctrlcmd'))
        await step('Ctrl-C in a flood as the command', CTRLC_BUDGET, () => ctrlCRow(b, 'command'));
      if (want('resume')) {
        await step('resume after a 10 s black hole', RESUME_BUDGETS[name], () =>
          resumeShapedRow(b),
        );
        const ours = rows.at(-1)?.holdfast ?? null;
        if (b.mosh)
          await step('mosh: resume after a 10 s black hole', { kind: 'info', text: 'info' }, () =>
            moshResumeRow(b, ours),
          );
      }
      // Not on link c: 32 MiB at 2 Mbit/s is over two minutes a run, and both sides hit the rate.
      if (want('tput') && name !== 'c')
        await step('throughput', FLOOD_THROUGHPUT_BUDGET, () => throughputRow(b));
      if (want('cat') && name === 'c') await step('cat of 20 MB', CAT_BUDGET, () => catRow(b));
      const s = await link.stats();
      log(
        `shaped ${name}: emulator counters c2s ${JSON.stringify(s.c2s)} s2c ${JSON.stringify(s.s2c)}`,
      );
    } catch (e) {
      log(`shaped ${name}: broke: ${(e as Error).stack ?? String(e)}`);
      rows.push(
        errored(
          SECTION,
          `Shaped ${describeLink(name)}`,
          { kind: 'info', text: '—' },
          (e as Error).message,
        ),
      );
    } finally {
      await sshd?.stop();
      await link.close();
      await rm(seenFile, { force: true });
    }
  }
  return rows;
}
