// First connect to a server without the agent (issue 12 item 4: ≤ 1.25× `ssh -tt`), on a
// link with latency: a fresh sshd with a fresh user and an empty home per run, reached
// through the delay proxy; a fresh Engine opens a tab (connect, probe, upload the agent
// and start the session in the probe's exec, channel, attach) until the command's first
// output shows, against `ssh -tt host CMD` to the same server through the same link.

import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { startDelayProxyFor, type DelayProxy } from '../support/delayProxy';
import { startSshd, type Sshd } from '../support/sshd';
import { sshTrue } from './engineBench';
import { FIRST_OUTPUT_CMD, engineFirstOutput, sshArgsVia, sshFirstOutput } from './firstOutput';
import { log, median, row, type Budget, type Row } from './lib';

export const FIRST_CONNECT_BUDGET: Budget = { kind: 'maxRatio', limit: 1.25, text: '≤ 1.25×' };
/** Fresh servers started at once (each a new user and an sshd: seconds of CPU apiece). */
const START_BATCH = 3;
const AGENT = fileURLToPath(
  new URL('../../build/agents/linux-x64/holdfast-agent', import.meta.url),
);

function agentSize(): string {
  try {
    const gz = gzipSync(readFileSync(AGENT), { level: 9 }).length;
    return `${(statSync(AGENT).size / 1024).toFixed(1)} KiB (${(gz / 1024).toFixed(1)} KiB as sent, gzip)`;
  } catch {
    return 'size unknown';
  }
}

export async function firstConnectAt(rttMs: number, runs: number): Promise<Row> {
  const beds: { sshd: Sshd; link: DelayProxy }[] = [];
  const hf: number[] = [];
  const ref: number[] = [];
  try {
    for (let i = 0; i < runs; i += START_BATCH) {
      const n = Math.min(START_BATCH, runs - i);
      const started = await Promise.all(
        Array.from({ length: n }, async () => {
          const sshd = await startSshd({ label: `bench-first${rttMs}` });
          return { sshd, link: await startDelayProxyFor(sshd, { rttMs }) };
        }),
      );
      beds.push(...started);
    }
    for (const [i, { sshd, link }] of beds.entries()) {
      // Both sides meet an sshd that has served a login already (its user, keys and
      // libraries in the page cache); untimed, straight to the server, nothing installed.
      await sshTrue(sshd.sshArgs());
      hf.push(await engineFirstOutput(sshd, link.port));
      ref.push(await sshFirstOutput(sshArgsVia(sshd, link.port)));
      log(
        `rtt: first connect at ${rttMs} ms, run ${i + 1}: ${hf.at(-1)!.toFixed(0)} ms, ssh -tt ${ref.at(-1)!.toFixed(0)} ms`,
      );
    }
  } finally {
    await Promise.all(beds.map(async (b) => (await b.link.close(), await b.sshd.stop())));
  }
  return row({
    section: 'rtt',
    name: `First connect with agent upload to first output vs ssh -tt at ${rttMs} ms RTT`,
    unit: 'ms',
    holdfast: median(hf),
    reference: median(ref),
    referenceLabel: 'ssh -tt host CMD',
    budget: FIRST_CONNECT_BUDGET,
    note: `Through the delay proxy (${rttMs} ms RTT; no slow start emulated, so the upload's size costs little here). A fresh sshd with a fresh user and an empty home per run, warmed by one untimed \`ssh host true\` straight to it. A fresh Engine opens a tab running \`${FIRST_OUTPUT_CMD}\` (connect; one exec: the probe, which asks for the ${agentSize()} agent on the same exec's stdin, the install, which reads exactly the upload (\`head -c\`), starts the session and becomes its bridge, reading the HELLO and ATTACH sent behind the upload) until HF-READY is shown: ${hf.map((x) => x.toFixed(0)).join(', ')} ms. Reference: \`ssh -tt host '${FIRST_OUTPUT_CMD}'\` to the same server through the same link, right after: ${ref.map((x) => x.toFixed(0)).join(', ')} ms. Median of ${runs}.`,
    samples: { holdfast: hf, reference: ref },
    extra: { rttMs },
  });
}
