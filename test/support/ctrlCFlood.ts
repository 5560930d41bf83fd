// Ctrl-C in a flood, as a user at a terminal does it: a client program (ssh -tt, the
// Holdfast CLI) runs `yes` remotely; once output flows, 0x03 goes to its stdin, and what
// arrives until it exits is counted and timed. Shared by the flood test and the bench.

import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export type Flood = { afterBytes: number; exitMs: number };

/** Starts `argv`, waits for `flowingBytes` of output, sends Ctrl-C (0x03 on stdin, which
 * the remote PTY turns into SIGINT) and measures what arrives until the process ends.
 * `start` is written at spawn (a command that waits for a line starts its flood only once
 * the client is attached, as one typed at a prompt does). */
export function ctrlCInFlood(argv: string[], flowingBytes: number, start?: string): Promise<Flood> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  if (start) child.stdin.write(start);
  let total = 0;
  let at = -1;
  let t0 = 0;
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  return new Promise<Flood>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no end, ${total} bytes in (Ctrl-C at ${at}); stderr: ${err}`));
    }, 60_000);
    child.stdout.on('data', (d: Buffer) => {
      total += d.length;
      if (at < 0 && total >= flowingBytes) {
        at = total;
        t0 = performance.now();
        child.stdin.write(Buffer.from([0x03]));
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      if (at < 0) reject(new Error(`ended before the flood (${total} bytes); stderr: ${err}`));
      else resolve({ afterBytes: total - at, exitMs: performance.now() - t0 });
    });
  });
}
