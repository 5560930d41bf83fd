// Rows on a link with latency: the same real sshd on 127.0.0.1, reached through the delay
// proxy (test/support/delayProxy.ts, RTT/2 each way, a connection costs one RTT), so what
// is measured is how many round trips each step waits on. Resume after a heal, a new
// session's first output, and the first connect that uploads the agent
// (rttFirstConnect.ts), throughput and Ctrl-C in a flood (rttFlood.ts), each at 30 and
// 120 ms RTT, against `ssh -tt` where it has one.
// The slope between the two RTTs (ms added per ms of RTT) is the number of round trips
// that remain on the path; the notes give it.

import { startDelayProxyFor, type DelayProxy } from '../support/delayProxy';
import { destinationOf } from '../support/engineHarness';
import { startFaultProxyFor } from '../support/faultProxy';
import { pollFor } from '../support/proc';
import { startSshd, type Sshd } from '../support/sshd';
import { lossReport, resumeCycles } from './engineBench';
import { FIRST_CONNECT_BUDGET, firstConnectAt } from './rttFirstConnect';
import {
  FLOOD_CTRLC_BUDGET,
  FLOOD_THROUGHPUT_BUDGET,
  floodCtrlCAt,
  floodThroughputAt,
} from './rttFlood';
import {
  FIRST_OUTPUT_CMD,
  engineFirstOutput,
  engineFor,
  sshArgsVia,
  sshFirstOutput,
} from './firstOutput';
import { errored, log, median, row, wallMs, type Budget, type Row } from './lib';
import { STREAM_CMD, StreamRecord } from './stream';

const SECTION = 'rtt';
/** The links: issue 12's link a (30 ms) and link b's latency (120 ms; no loss here). */
const RTTS = [30, 120] as const;
const RUNS = 5;
/** Issue 12 item 3's goals: heal → output ≤ 300 ms at 30 ms RTT, ≤ 900 ms at 120 ms. */
const RESUME_BUDGETS: Record<(typeof RTTS)[number], Budget> = {
  30: { kind: 'max', limit: 300, text: '≤ 300 ms, no loss' },
  120: { kind: 'max', limit: 900, text: '≤ 900 ms, no loss' },
};
/** Issue 12 item 4's goal: a new session (agent present) ≤ 1.05× `ssh -tt`. */
const NEW_SESSION_BUDGET: Budget = { kind: 'maxRatio', limit: 1.05, text: '≤ 1.05×' };

/** Round trips implied by two medians at two RTTs: extra ms per extra ms of RTT. */
function slope(at: Map<number, number>): string {
  const a = at.get(RTTS[0]);
  const b = at.get(RTTS[1]);
  if (a === undefined || b === undefined) return '';
  return ` Slope ${(b - a).toFixed(0)} ms over ${RTTS[1] - RTTS[0]} ms of RTT: ≈ ${((b - a) / (RTTS[1] - RTTS[0])).toFixed(1)} round trips on the path.`;
}

async function resumeAt(sshd: Sshd, rttMs: number): Promise<Row> {
  const name = `Resume after heal at ${rttMs} ms RTT (heal → first new byte)`;
  const link = await startDelayProxyFor(sshd, { rttMs });
  const proxy = await startFaultProxyFor(sshd, { host: '127.0.0.1', port: link.port });
  const engine = engineFor(true);
  try {
    const tab = engine.openTab({
      ...destinationOf(sshd, { port: proxy.port }),
      cols: 80,
      rows: 24,
      command: [STREAM_CMD],
    });
    const rec = new StreamRecord();
    const states: { kind: string; t: number }[] = [];
    tab.onOutput((d, off) => rec.push(wallMs(), d.toString('latin1'), off));
    tab.onGap((f, t) => rec.gap(f, t));
    tab.onState((s) => states.push({ kind: s.kind, t: wallMs() }));
    await pollFor('tab connected', () => tab.state.kind === 'connected', 60_000, 5);
    const { cycles, problems } = await resumeCycles(
      rec,
      () => states,
      RUNS,
      () => proxy.blackhole(),
      () => proxy.pass(),
      (m) => log(`rtt: resume at ${rttMs} ms ${m}`),
    );
    await tab.kill();
    const loss = lossReport(rec);
    const first = cycles.map((c) => c.firstByteMs);
    const r = row({
      section: SECTION,
      name,
      unit: 'ms',
      holdfast: cycles.length ? median(first) : null,
      reference: null,
      referenceLabel: 'OpenSSH ssh does not resume',
      budget: RESUME_BUDGETS[rttMs as (typeof RTTS)[number]],
      note: `A tab streams \`${STREAM_CMD}\` through the fault proxy and then the delay proxy (${rttMs} ms RTT); black hole 5–6 s, heal (connections held meanwhile are released); heal → first output byte the client did not have: ${first.map((x) => x.toFixed(0)).join(', ')} ms (${cycles.length}/${RUNS} cycles). ${loss.text}${problems.length ? ` Problems: ${problems.join('; ')}.` : ''}`,
      samples: { holdfast: first },
      extra: { rttMs, problems },
    });
    if (!loss.ok || problems.length) r.verdict = 'FAIL';
    return r;
  } finally {
    engine.dispose();
    await proxy.close();
    await link.close();
  }
}

async function newSessionAt(sshd: Sshd, link: DelayProxy, rttMs: number): Promise<Row> {
  const hf: number[] = [];
  const ref: number[] = [];
  // The agent is installed once, untimed: the row is about a server that has it.
  await engineFirstOutput(sshd, link.port);
  for (let i = 0; i < RUNS; i++) {
    hf.push(await engineFirstOutput(sshd, link.port));
    ref.push(await sshFirstOutput(sshArgsVia(sshd, link.port)));
  }
  return row({
    section: SECTION,
    name: `New session to first output vs ssh -tt at ${rttMs} ms RTT`,
    unit: 'ms',
    holdfast: median(hf),
    reference: median(ref),
    referenceLabel: 'ssh -tt host CMD',
    budget: NEW_SESSION_BUDGET,
    note: `Through the delay proxy (${rttMs} ms RTT). A fresh Engine opens a tab running \`${FIRST_OUTPUT_CMD}\` (connect, then one exec that checks the agent, runs \`new\` and becomes the session's bridge, with HELLO and ATTACH sent behind its script) until HF-READY is shown: ${hf.map((x) => x.toFixed(0)).join(', ')} ms. Reference: \`ssh -tt host '${FIRST_OUTPUT_CMD}'\` (OpenSSH's default key exchange) until HF-READY on its stdout: ${ref.map((x) => x.toFixed(0)).join(', ')} ms. Median of ${RUNS}, interleaved.`,
    samples: { holdfast: hf, reference: ref },
    extra: { rttMs },
  });
}

export async function rttRows(): Promise<Row[]> {
  const rows: Row[] = [];
  log('rtt: starting sshd on 127.0.0.1');
  const sshd = await startSshd({ label: 'bench-rtt' });
  const step = async (what: string, budget: Budget, fn: () => Promise<Row>) => {
    log(`rtt: ${what}`);
    try {
      rows.push(await fn());
    } catch (e) {
      log(`rtt: ${what} broke: ${(e as Error).stack ?? String(e)}`);
      rows.push(errored(SECTION, what, budget, (e as Error).message));
    }
  };
  try {
    const only = process.env.BENCH_RTT?.split(',');
    if (!only || only.includes('new')) {
      for (const rtt of RTTS) {
        const link = await startDelayProxyFor(sshd, { rttMs: rtt });
        try {
          await step(`new session at ${rtt} ms`, NEW_SESSION_BUDGET, () =>
            newSessionAt(sshd, link, rtt),
          );
        } finally {
          await link.close();
        }
      }
    }
    if (!only || only.includes('flood')) {
      for (const rtt of RTTS) {
        const link = await startDelayProxyFor(sshd, { rttMs: rtt });
        try {
          await step(`throughput at ${rtt} ms`, FLOOD_THROUGHPUT_BUDGET, () =>
            floodThroughputAt(sshd, link, rtt),
          );
          await step(`Ctrl-C at ${rtt} ms`, FLOOD_CTRLC_BUDGET, () =>
            floodCtrlCAt(sshd, link, rtt),
          );
        } finally {
          await link.close();
        }
      }
    }
    // Each run on a fresh server of its own (rttFirstConnect.ts starts them).
    if (!only || only.includes('first'))
      for (const rtt of RTTS)
        await step(`first connect at ${rtt} ms`, FIRST_CONNECT_BUDGET, () =>
          firstConnectAt(rtt, RUNS),
        );
    if (!only || only.includes('resume'))
      for (const rtt of RTTS)
        await step(`resume at ${rtt} ms`, RESUME_BUDGETS[rtt], () => resumeAt(sshd, rtt));
  } finally {
    await sshd.stop();
  }
  // The slope between the two RTTs: how many round trips each path still waits on.
  for (const kind of ['New session', 'First connect', 'Resume after heal']) {
    const mine = rows.filter((r) => r.name.startsWith(kind) && r.holdfast !== null);
    const at = new Map(mine.map((r) => [r.extra!.rttMs as number, r.holdfast!]));
    const s = slope(at);
    for (const r of mine) r.note += s;
    if (kind !== 'Resume after heal') {
      const refAt = new Map(mine.map((r) => [r.extra!.rttMs as number, r.reference!]));
      const rs = slope(refAt);
      if (rs) for (const r of mine) r.note += ` ssh -tt: ${rs.trim()}`;
    }
  }
  return rows;
}
