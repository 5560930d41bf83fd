// A flood on a link with latency (issue 12 items 2 and the window of item 3): throughput
// of a held session and Ctrl-C in `yes`, against `ssh -tt` through the same delay proxy.
// The SHOWN window is what these rows are about: a fixed 256 KiB allowed one window per
// round trip (2.2 MB/s at 120 ms); sized to the measured bandwidth-delay product
// (remote-agent/wnd.c) it should keep pace with ssh, and Ctrl-C still deliver only about
// a window after the key.

import { spawn } from 'node:child_process';
import { CLI } from '../support/cliHarness';
import { ctrlCInFlood, type Flood } from '../support/ctrlCFlood';
import type { DelayProxy } from '../support/delayProxy';
import { destinationOf } from '../support/engineHarness';
import type { Sshd } from '../support/sshd';
import { engineFor, sshArgsVia } from './firstOutput';
import { log, median, row, type Budget, type Row } from './lib';

export const FLOOD_THROUGHPUT_BUDGET: Budget = { kind: 'minRatio', limit: 0.95, text: '≥ 0.95×' };
export const FLOOD_CTRLC_BUDGET: Budget = { kind: 'maxRatio', limit: 1.5, text: '≤ 1.5×' };

/** Runs of each, interleaved. */
const RUNS = 5;
/** The file read (random bytes, raw PTY): long enough for the window to have grown. */
export const FILE_BYTES = 32 << 20;
export const READ_SCRIPT =
  'stty raw -echo; printf READY; head -c1 >/dev/null; exec cat ~/hf-rtt.bin';
/** Output taken before Ctrl-C: every buffer on the path full, the window grown. */
const FLOWING_BYTES = 16 << 20;
const READ_TIMEOUT_MS = 120_000;

/** MB/s from the go keystroke until FILE_BYTES arrived, through `onData`/`go`. */
export function timedRead(
  subscribe: (onData: (d: Buffer) => void) => void,
  go: () => void,
): Promise<number> {
  let after = -1;
  let t0 = 0;
  let head = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`read timed out at ${after} bytes`)),
      READ_TIMEOUT_MS,
    );
    subscribe((d) => {
      if (after < 0) {
        head += d.toString('latin1');
        const at = head.indexOf('READY');
        if (at < 0) return;
        after = head.length - at - 5;
        t0 = performance.now();
        go();
      } else after += d.length;
      if (after >= FILE_BYTES) {
        clearTimeout(timer);
        resolve(FILE_BYTES / ((performance.now() - t0) / 1000) / 1e6);
      }
    });
  });
}

async function engineRead(sshd: Sshd, port: number): Promise<number> {
  const engine = engineFor(false);
  try {
    const tab = engine.openTab({
      ...destinationOf(sshd, { port }),
      cols: 80,
      rows: 24,
      command: [READ_SCRIPT],
    });
    const mbps = await timedRead(
      (f) => tab.onOutput(f),
      () => tab.write(Buffer.from('g')),
    );
    await tab.kill();
    return mbps;
  } finally {
    engine.dispose();
  }
}

async function sshRead(sshd: Sshd, port: number): Promise<number> {
  return spawnedRead(['ssh', '-tt', ...sshArgsVia(sshd, port), READ_SCRIPT]);
}

/** timedRead of a client run as `argv` (READ_SCRIPT on the server, stdout a pipe). */
export async function spawnedRead(argv: string[]): Promise<number> {
  const c = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  try {
    return await timedRead(
      (f) => c.stdout.on('data', f),
      () => c.stdin.write('g'),
    );
  } finally {
    c.kill('SIGKILL');
  }
}

export async function floodThroughputAt(sshd: Sshd, link: DelayProxy, rttMs: number): Promise<Row> {
  const mk = await sshd.exec(`head -c ${FILE_BYTES} /dev/urandom > ~/hf-rtt.bin`, {
    timeoutMs: 60_000,
  });
  if (mk.code !== 0) throw new Error(`could not create the file on the server: ${mk.stderr}`);
  const hf: number[] = [];
  const ref: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      // Alternate which goes first.
      if (i % 2 === 0) hf.push(await engineRead(sshd, link.port));
      ref.push(await sshRead(sshd, link.port));
      if (i % 2 === 1) hf.push(await engineRead(sshd, link.port));
      log(
        `rtt: throughput at ${rttMs} ms, run ${i + 1}: ${hf.at(-1)!.toFixed(1)} MB/s, ssh -tt ${ref.at(-1)!.toFixed(1)} MB/s`,
      );
    }
  } finally {
    await sshd.exec('rm -f ~/hf-rtt.bin');
  }
  return row({
    section: 'rtt',
    name: `Throughput of a held session vs ssh -tt at ${rttMs} ms RTT`,
    unit: 'MB/s',
    holdfast: median(hf),
    reference: median(ref),
    referenceLabel: 'ssh -tt host CMD',
    budget: FLOOD_THROUGHPUT_BUDGET,
    note: `Through the delay proxy (${rttMs} ms RTT, no rate limit: what limits is how much each side keeps in flight per round trip). \`cat\` of a ${FILE_BYTES >> 20} MiB random file in a raw PTY, timed from the go keystroke until all of it arrived; a fresh Engine tab each run (the SHOWN window starts at 256 KiB and grows with what it measures): ${hf.map((x) => x.toFixed(1)).join(', ')} MB/s. Reference: \`ssh -tt host '<same script>'\` through the same link: ${ref.map((x) => x.toFixed(1)).join(', ')} MB/s. Median of ${RUNS}, interleaved, alternating which goes first. The delay proxy relays in this process, which also runs the engine, and on 2 cores that caps Holdfast whatever the window (at 1 ms RTT through the same proxy it reached about half of ssh -tt, where straight on loopback the engine row is at parity; a proxy in a process of its own did no better): at 30 ms this row is bounded by the bed as much as by the window.`,
    samples: { holdfast: hf, reference: ref },
    extra: { rttMs },
  });
}

export async function floodCtrlCAt(sshd: Sshd, link: DelayProxy, rttMs: number): Promise<Row> {
  const via = ['-F', sshd.sshConfigFile, '-p', String(link.port), sshd.sshAlias];
  const hf: Flood[] = [];
  const ref: Flood[] = [];
  for (let i = 0; i < RUNS; i++) {
    hf.push(await ctrlCInFlood([process.execPath, CLI, '-tt', ...via, '--', 'yes'], FLOWING_BYTES));
    ref.push(await ctrlCInFlood(['ssh', '-tt', ...via, 'yes'], FLOWING_BYTES));
    log(
      `rtt: Ctrl-C at ${rttMs} ms, run ${i + 1}: ${hf.at(-1)!.exitMs.toFixed(0)} ms, ssh -tt ${ref.at(-1)!.exitMs.toFixed(0)} ms`,
    );
  }
  const ms = (s: Flood[]) => s.map((x) => x.exitMs);
  const kb = (s: Flood[]) => s.map((x) => (x.afterBytes / 1024).toFixed(0)).join(', ');
  return row({
    section: 'rtt',
    name: `Ctrl-C in a yes flood (CLI) vs ssh -tt at ${rttMs} ms RTT`,
    unit: 'ms',
    holdfast: median(ms(hf)),
    reference: median(ms(ref)),
    referenceLabel: 'ssh -tt host yes',
    budget: FLOOD_CTRLC_BUDGET,
    note: `Through the delay proxy (${rttMs} ms RTT). \`holdfast -tt host -- yes\` (the CLI, stdout a pipe read by the bench) until ${FLOWING_BYTES >> 20} MiB arrived, then 0x03 on its stdin; time until it exits (the remote shell's command ended): ${ms(
      hf,
    )
      .map((x) => x.toFixed(0))
      .join(
        ', ',
      )} ms, KiB after the key: ${kb(hf)}. Reference: \`ssh -tt host yes\` the same way: ${ms(ref)
      .map((x) => x.toFixed(0))
      .join(', ')} ms, KiB after: ${kb(ref)}. Median of ${RUNS}, interleaved.`,
    samples: { holdfast: ms(hf), reference: ms(ref) },
    extra: {
      rttMs,
      holdfastBytesAfter: hf.map((x) => x.afterBytes),
      sshBytesAfter: ref.map((x) => x.afterBytes),
    },
  });
}
