// The bench row "Forward throughput vs ssh -L": bytes a service on the server's side sends
// through a local forward, Holdfast's (an Engine forward set, plain SSH channel carrier)
// against OpenSSH's own `ssh -N -L` to the same sshd, measured alternately in one run.

import { spawn } from 'node:child_process';
import net from 'node:net';
import { startTcpService, type LocalService } from '../support/echoService';
import { testEngine, destinationOf } from '../support/engineHarness';
import { getFreePort } from '../support/ports';
import { delay } from '../support/proc';
import type { Sshd } from '../support/sshd';
import { detail, log, median, row, type Row } from './lib';

/** Bytes per measured transfer: long enough that setup costs vanish (~1 s at loopback rates). */
const FORWARD_BYTES = 256 * 1024 * 1024;
/** Transfers per side, interleaved. */
const RUNS = 5;

/** A service on 127.0.0.1 (this machine is the server) that sends FORWARD_BYTES on connect. */
function source(): Promise<LocalService> {
  const chunk = Buffer.alloc(1024 * 1024, 0x5a);
  return startTcpService((c) => {
    let left = FORWARD_BYTES;
    const pump = () => {
      while (left > 0) {
        left -= chunk.length;
        if (!c.write(chunk)) return void c.once('drain', pump);
      }
      c.end();
    };
    pump();
  });
}

/** MB/s of one transfer read from 127.0.0.1:port (connect to the last byte). */
function readAll(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let n = 0;
    const c = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      c.destroy();
      reject(new Error(`transfer through port ${port} stalled at ${n} bytes`));
    }, 120_000);
    c.on('data', (d: Buffer) => (n += d.length));
    c.on('error', reject);
    c.on('close', () => {
      clearTimeout(timer);
      if (n < FORWARD_BYTES) return reject(new Error(`only ${n} of ${FORWARD_BYTES} bytes came`));
      resolve(FORWARD_BYTES / ((performance.now() - t0) / 1000) / 1e6);
    });
  });
}

async function waitListening(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((r) => {
      const c = net.connect(port, '127.0.0.1');
      c.on('connect', () => {
        c.destroy();
        r(true);
      });
      c.on('error', () => r(false));
    });
    if (up) return;
    await delay(50);
  }
  throw new Error(`nothing listens on ${port}`);
}

export async function forwardThroughputRow(sshd: Sshd): Promise<Row> {
  const svc = await source();
  const { engine } = testEngine({
    clientName: 'holdfast-bench',
    log: (m) => detail(`engine: ${m}`),
  });
  const hfPort = await getFreePort();
  const sshPort = await getFreePort();
  const ssh = spawn('ssh', ['-N', '-L', `${sshPort}:127.0.0.1:${svc.port}`, ...sshd.sshArgs()], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const hf: number[] = [];
  const ref: number[] = [];
  try {
    const started = await engine.startForwards(destinationOf(sshd), [
      { kind: 'local', spec: `${hfPort}:127.0.0.1:${svc.port}` },
    ]);
    if (!started.ok) throw new Error(started.error.message);
    await waitListening(sshPort);
    // The probe connections above reached the service too; let them end.
    await delay(500);
    for (let i = 0; i < RUNS; i++) {
      if (i % 2 === 0) hf.push(await readAll(hfPort));
      ref.push(await readAll(sshPort));
      if (i % 2 === 1) hf.push(await readAll(hfPort));
      log(
        `engine: forward run ${i + 1}: holdfast ${hf.at(-1)!.toFixed(0)} MB/s, ssh -L ${ref.at(-1)!.toFixed(0)} MB/s`,
      );
    }
    started.value.close();
  } finally {
    ssh.kill('SIGTERM');
    engine.dispose();
    svc.close();
  }
  return row({
    section: 'engine',
    name: 'Forward throughput vs `ssh -L`',
    unit: 'MB/s',
    holdfast: median(hf),
    reference: median(ref),
    referenceLabel: 'OpenSSH ssh -N -L',
    budget: { kind: 'minRatio', limit: 0.9, text: '≥ 0.9×' },
    note: `${FORWARD_BYTES / 1024 / 1024} MiB sent by a service on the server's loopback through a local forward, timed from connect to the last byte at the local client (connection already up). Holdfast: Engine.startForwards, one direct-tcpip channel per connection over ssh2 (${hf.map((x) => x.toFixed(0)).join(', ')} MB/s). Reference: \`ssh -N -L\` to the same sshd (${ref.map((x) => x.toFixed(0)).join(', ')} MB/s). Median of ${RUNS}, interleaved, alternating which goes first.`,
    samples: { holdfast: hf, reference: ref },
  });
}
