// An Engine tab in a process of its own inside a client namespace (nsClient.ts), seen
// from the bench: its output in a StreamRecord, its states, all stamped with the wall
// clock. The real-link rows (netnsBench.ts, shapedBench.ts) share it.

import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pollFor } from '../support/proc';
import type { Sshd } from '../support/sshd';
import { KEEPALIVE } from './engineBench';
import { detail } from './lib';
import { StreamRecord } from './stream';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const NS_CLIENT = fileURLToPath(new URL('./nsClient.ts', import.meta.url));

type Ev =
  | { e: 'b'; t: number }
  | { e: 's'; t: number; kind: string; reason?: string }
  | { e: 'o'; t: number; off: string; d: string }
  | { e: 'g'; t: number; from: string; to: string };

export type NsTab = {
  readonly child: ChildProcess;
  readonly rec: StreamRecord;
  readonly states: { kind: string; t: number }[];
  /** Wall-clock time just before the engine opened the tab. */
  begunAt(): number | undefined;
  /** Wall-clock arrival of the output chunk in which `text` was first complete. */
  seenAt(text: string): number | undefined;
  /** Resolves once connected; throws if the tab failed first. */
  connected(timeoutMs?: number): Promise<void>;
  /** Closes its stdin (it kills the remote session and exits) and waits for it. */
  end(): Promise<void>;
};

/** Starts nsClient.ts through `spawn` (a bed's: it runs inside the client namespace). */
export function spawnNsTab(
  spawn: (argv: readonly string[], opts: SpawnOptions) => ChildProcess,
  sshd: Sshd,
  command: string,
  /** The client's record of servers it put its agent on (nsClient.ts's `seenFile`). */
  seenFile?: string,
): NsTab {
  const rec = new StreamRecord();
  const states: { kind: string; t: number }[] = [];
  let failure: string | undefined;
  let begun: number | undefined;
  let text = '';
  const arrivals: { t: number; end: number }[] = [];
  const child = spawn(
    [
      process.execPath,
      '--import',
      'tsx',
      NS_CLIENT,
      JSON.stringify({
        configFile: sshd.sshConfigFile,
        alias: sshd.sshAlias,
        command,
        keepalive: KEEPALIVE,
        ...(seenFile ? { seenFile } : {}),
      }),
    ],
    { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  createInterface({ input: child.stderr! }).on('line', (l) => detail(`ns engine: ${l}`));
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const ev = JSON.parse(l) as Ev;
    if (ev.e === 'b') begun = ev.t;
    else if (ev.e === 'o') {
      rec.push(ev.t, ev.d, BigInt(ev.off));
      // Only the start is searched (seenAt is for a first prompt or marker).
      if (text.length < 1 << 16) {
        text += ev.d;
        arrivals.push({ t: ev.t, end: text.length });
      }
    } else if (ev.e === 'g') rec.gap(BigInt(ev.from), BigInt(ev.to));
    else {
      states.push({ kind: ev.kind, t: ev.t });
      if (ev.reason) failure = ev.reason;
      detail(`ns tab state ${ev.kind}${ev.reason ? `: ${ev.reason}` : ''}`);
    }
  });
  return {
    child,
    rec,
    states,
    begunAt: () => begun,
    seenAt: (s) => {
      const at = text.indexOf(s);
      return at < 0 ? undefined : arrivals.find((a) => a.end >= at + s.length)?.t;
    },
    connected: (timeoutMs = 30_000) =>
      pollFor(
        'the namespaced tab to connect',
        () => {
          if (failure) throw new Error(`the tab failed in the client namespace: ${failure}`);
          return states.some((s) => s.kind === 'connected');
        },
        timeoutMs,
      ).then(() => undefined),
    end: async () => {
      child.stdin!.end();
      await pollFor(
        'the namespaced client to end',
        () => child.exitCode !== null || child.signalCode !== null,
        10_000,
      ).catch(() => {
        child.kill('SIGKILL');
      });
    },
  };
}
