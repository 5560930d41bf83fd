// Resume after heal on a REAL black hole: client and sshd in their own network
// namespaces joined by a bridge that silently drops every packet (test/support/netns.ts),
// the engine running inside the client namespace as its own process (nsClient.ts). The
// same measurement as the fault-proxy row, with the kernel's real TCP behaviour (SYN
// retransmits, no proxy holding dials for us). Skipped, with the reason, where namespaces
// cannot be created.

import { type ChildProcess } from 'node:child_process';
import { canCreateNetns, createLinkBed, type LinkBed } from '../support/netns';
import { startSshd, type Sshd } from '../support/sshd';
import { detail, errored, log, median, skipped, type Row } from './lib';
import { spawnNsTab } from './nsTab';
import {
  RESUME_BUDGET,
  SSH_KEEPALIVE,
  BLACKHOLE_MS,
  BLACKHOLE_JITTER_MS,
  resumeCycles,
  resumeRow,
  sshThroughHole,
} from './engineBench';
import { STREAM_CMD } from './stream';

const SECTION = 'netns';
const NAME = 'Resume after heal, real black hole in netns (heal → first new byte)';

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
    const b = bed;
    const tab = spawnNsTab((argv, opts) => b.spawn(b.client, argv, opts), sshd, STREAM_CMD);
    client = tab.child;
    const { rec, states } = tab;
    const neighbours: string[] = [];
    await tab.connected();
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
    await tab.end();
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
