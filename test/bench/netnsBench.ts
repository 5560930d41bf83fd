// Resume after heal on a REAL black hole: client and sshd in their own network
// namespaces joined by a bridge that silently drops every packet (test/support/netns.ts),
// the engine running inside the client namespace as its own process (nsClient.ts). The
// same measurement as the fault-proxy row, with the kernel's real TCP behaviour (SYN
// retransmits, no proxy holding dials for us). Skipped, with the reason, where namespaces
// cannot be created.

import { type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { canCreateNetns, createLinkBed, type LinkBed } from '../support/netns';
import { pollFor } from '../support/proc';
import { startSshd, type Sshd } from '../support/sshd';
import { detail, errored, log, median, skipped, type Row } from './lib';
import {
  KEEPALIVE,
  RESUME_BUDGET,
  SSH_KEEPALIVE,
  BLACKHOLE_MS,
  BLACKHOLE_JITTER_MS,
  resumeCycles,
  resumeRow,
  sshThroughHole,
} from './engineBench';
import { STREAM_CMD, StreamRecord } from './stream';

const SECTION = 'netns';
const NAME = 'Resume after heal, real black hole in netns (heal → first new byte)';
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const NS_CLIENT = fileURLToPath(new URL('./nsClient.ts', import.meta.url));

type Ev =
  | { e: 's'; t: number; kind: string; reason?: string }
  | { e: 'o'; t: number; off: string; d: string }
  | { e: 'g'; t: number; from: string; to: string };

export async function netnsRows(): Promise<Row[]> {
  const check = await canCreateNetns();
  if (!check.ok) {
    log(`netns: skipped: ${check.reason}`);
    return [
      skipped(
        SECTION,
        NAME,
        RESUME_BUDGET,
        `Skipped: network namespaces cannot be created here (${check.reason}).`,
      ),
    ];
  }
  const RUNS = 7;
  let bed: LinkBed | undefined;
  let sshd: Sshd | undefined;
  let client: ChildProcess | undefined;
  try {
    log('netns: creating the link bed and sshd in the server namespace');
    bed = await createLinkBed();
    sshd = await startSshd({ netns: bed.server, listenAddress: bed.serverAddr, label: 'benchns' });
    const rec = new StreamRecord();
    const states: { kind: string; t: number }[] = [];
    let failure: string | undefined;
    const neighbours: string[] = [];
    client = bed.spawn(
      bed.client,
      [
        process.execPath,
        '--import',
        'tsx',
        NS_CLIENT,
        JSON.stringify({
          configFile: sshd.sshConfigFile,
          alias: sshd.sshAlias,
          command: STREAM_CMD,
          keepalive: KEEPALIVE,
        }),
      ],
      { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    createInterface({ input: client.stderr! }).on('line', (l) => detail(`ns engine: ${l}`));
    createInterface({ input: client.stdout! }).on('line', (l) => {
      const ev = JSON.parse(l) as Ev;
      if (ev.e === 'o') rec.push(ev.t, ev.d, BigInt(ev.off));
      else if (ev.e === 'g') rec.gap(BigInt(ev.from), BigInt(ev.to));
      else {
        states.push({ kind: ev.kind, t: ev.t });
        if (ev.reason) failure = ev.reason;
        detail(`ns tab state ${ev.kind}${ev.reason ? `: ${ev.reason}` : ''}`);
      }
    });
    await pollFor(
      'the namespaced tab to connect',
      () => {
        if (failure) throw new Error(`the tab failed in the client namespace: ${failure}`);
        return states.some((s) => s.kind === 'connected');
      },
      30_000,
    );
    const b = bed;
    const { cycles, problems, healCmdMs } = await resumeCycles(
      rec,
      () => states,
      RUNS,
      () => b.blackhole(),
      () => b.heal(),
      (m) => log(`netns: resume ${m}`),
      // Neighbour (ARP) state on both sides as the heal comes: an entry that went FAILED
      // or INCOMPLETE during the outage makes the first packets after the heal wait for
      // ARP (retrans_time 1 s), which shows as an outlier in this row, not in the proxy's.
      async (cycle) => {
        const neigh = async (ns: string) =>
          (await b.exec(ns, ['ip', 'neigh', 'show'])).stdout.trim().replace(/\n/g, '; ');
        const state = `client: ${await neigh(b.client)} | server: ${await neigh(b.server)}`;
        neighbours.push(state);
        detail(`cycle ${cycle}: neighbours before heal: ${state}`);
      },
    );
    client.stdin!.end();
    await pollFor(
      'the namespaced client to end',
      () => client!.exitCode !== null || client!.signalCode !== null,
      10_000,
    ).catch(() => undefined);
    log('netns: OpenSSH reference');
    const s = sshd;
    const refText = await sshThroughHole(
      () =>
        b.spawn(b.client, ['ssh', ...SSH_KEEPALIVE, ...s.sshArgs(), STREAM_CMD], {
          stdio: ['pipe', 'pipe', 'pipe'],
        }),
      () => b.blackhole(),
      () => b.heal(),
    );
    const how = `Client (the engine in its own process, inside the client namespace) and sshd in two network namespaces joined by a bridge; a tab streams \`${STREAM_CMD}\` (Engine keepalive 1 s × 3); the bridge drops every packet both ways for ${BLACKHOLE_MS / 1000}–${(BLACKHOLE_MS + BLACKHOLE_JITTER_MS) / 1000} s (random per cycle, so the heal falls at a random point of the dial cadence; pfifo limit 0 on both ports, nobody told), then heals. Time from the heal (taken when \`tc\`, which removes the drop qdiscs at the end of its run, has exited: the ${median(healCmdMs).toFixed(0)} ms the command took are not counted, and the few ms between its exit and our noticing it count in Holdfast's favour) to the first output byte the client did not have, both stamped with the wall clock.`;
    const r = resumeRow(NAME, cycles, problems, rec, refText, how, RUNS);
    const notReachable = neighbours.filter(
      (n) => !/REACHABLE|STALE|DELAY/.test(n) || /FAILED|INCOMPLETE|PROBE/.test(n),
    ).length;
    r.note +=
      notReachable === 0
        ? ` Neighbour (ARP) entries were usable (REACHABLE, STALE or DELAY) on both sides before every heal, so no cycle waited for ARP.`
        : ` Neighbour (ARP) entries were not usable before ${notReachable}/${neighbours.length} heals (those cycles include ARP resolution; states in latest.log).`;
    return [{ ...r, section: SECTION, extra: { ...r.extra, neighbours } }];
  } catch (e) {
    log(`netns: broke: ${(e as Error).stack ?? String(e)}`);
    return [errored(SECTION, NAME, RESUME_BUDGET, (e as Error).message)];
  } finally {
    if (client && client.exitCode === null) client.kill('SIGKILL');
    await sshd?.stop();
    await bed?.destroy();
  }
}
