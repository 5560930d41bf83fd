// A new session's first output, timed the same way for Holdfast and `ssh -tt`: the rows
// on a link with latency (rttBench.ts, rttFirstConnect.ts) share these.

import { spawn } from 'node:child_process';
import type { Engine } from '../../main/engine/engine';
import { MemoryAgentsSeen } from '../../main/engine/deploy/agentsSeen';
import { destinationOf, testEngine } from '../support/engineHarness';
import { pollFor } from '../support/proc';
import type { Sshd } from '../support/sshd';
import { KEEPALIVE } from './engineBench';
import { detail } from './lib';

/** What a new session prints first, and then holds the session open. */
export const FIRST_OUTPUT_CMD = 'printf HF-READY; sleep 60';

/** One client's record of where it put its agent, across the engines of the bench (as the
 * app's agents-seen.json across restarts): a new session sends nothing unasked. */
const SEEN = new MemoryAgentsSeen();

export function engineFor(keepalive: boolean): Engine {
  return testEngine({
    clientName: 'holdfast-bench',
    agentsSeen: SEEN,
    log: (m) => detail(`engine: ${m}`),
    ...(keepalive ? { keepalive: KEEPALIVE } : {}),
  }).engine;
}

/** `ssh` arguments that reach `sshd` through the local port `port` (a proxy's). */
export function sshArgsVia(sshd: Sshd, port: number): string[] {
  const opts = sshd.sshOptions();
  const i = opts.indexOf('-p');
  return [...opts.slice(0, i + 1), String(port), ...opts.slice(i + 2), `${sshd.user}@${sshd.host}`];
}

/**
 * ms from spawning `ssh -tt host CMD` until HF-READY arrives on its stdout; `prefix` wraps
 * it (`ip netns exec NS` for a client namespace).
 */
export function sshFirstOutput(args: string[], prefix: string[] = []): Promise<number> {
  const t0 = performance.now();
  const argv = [...prefix, 'ssh', '-tt', ...args, FIRST_OUTPUT_CMD];
  return new Promise((resolve, reject) => {
    const c = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      c.kill('SIGKILL');
      reject(new Error(`ssh -tt printed no HF-READY in 30 s: ${JSON.stringify(out)}`));
    }, 30_000);
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (out.includes('HF-READY')) {
        clearTimeout(timer);
        resolve(performance.now() - t0);
        c.kill('SIGKILL');
      }
    });
    c.once('error', reject);
  });
}

/** ms from a fresh Engine's openTab until HF-READY is shown (agent already installed). */
export async function engineFirstOutput(sshd: Sshd, port: number): Promise<number> {
  const t0 = performance.now();
  const engine = engineFor(false);
  try {
    const tab = engine.openTab({
      ...destinationOf(sshd, { port }),
      cols: 80,
      rows: 24,
      command: [FIRST_OUTPUT_CMD],
    });
    let text = '';
    tab.onOutput((d) => (text += d.toString('latin1')));
    await pollFor('HF-READY in the tab', () => text.includes('HF-READY'), 30_000, 1);
    const ms = performance.now() - t0;
    await tab.kill();
    return ms;
  } finally {
    engine.dispose();
  }
}
