// mosh as a peer on the shaped links (shapedBench.ts), where it is installed (the test
// bed's ensure-deps.sh installs it): the same command in the client namespace, through
// the same sshd for its start, then its own UDP to the server namespace. mosh-client
// needs a terminal, so it runs under `script` (a PTY of 80×24); what it draws is read
// from that PTY. mosh shows the latest screen, not the stream: output printed while the
// link was down is skipped, so its resume time is "the screen is current again".

import { spawnSync, type ChildProcess } from 'node:child_process';
import { shq } from '../../main/engine/remoteExec';
import type { ShapedLink } from '../support/shapedLink';
import type { Sshd } from '../support/sshd';

/** mosh (the wrapper, client and server) runs here. */
export function moshAvailable(): boolean {
  return ['mosh', 'mosh-client', 'mosh-server'].every(
    (t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0,
  );
}

const wall = (): number => performance.timeOrigin + performance.now();

export type MoshRun = {
  readonly child: ChildProcess;
  /** Wall-clock time just before it was spawned. */
  readonly startedAt: number;
  /** What it drew so far, each piece with its arrival (wall clock). */
  readonly pieces: { t: number; text: string }[];
  /** Ends it (SIGTERM to `script` and mosh under it) and waits. */
  end(): Promise<void>;
};

/** Starts `mosh host -- sh -c CMD` in the link's client namespace. */
export function spawnMosh(link: ShapedLink, sshd: Sshd, cmd: string): MoshRun {
  const ssh = ['ssh', ...sshd.sshOptions()].map(shq).join(' ');
  const mosh =
    `stty rows 24 cols 80; exec mosh --ssh=${shq(ssh)} --predict=never ` +
    `${sshd.user}@${sshd.host} -- sh -c ${shq(cmd)}`;
  const startedAt = wall();
  const child = link.spawn(link.client, ['script', '-qfec', mosh, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    // mosh-server refuses to start without a UTF-8 locale; mosh passes the client's on.
    env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TERM: 'xterm-256color' },
  });
  const pieces: { t: number; text: string }[] = [];
  child.stdout!.on('data', (d: Buffer) => pieces.push({ t: wall(), text: d.toString('latin1') }));
  child.stderr!.resume();
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  return {
    child,
    startedAt,
    pieces,
    end: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await closed;
      clearTimeout(timer);
    },
  };
}

/** The arrival of the piece in which `text` was first complete in what mosh drew. */
export function seenAt(run: MoshRun, text: string, from = 0): number | undefined {
  let acc = '';
  for (let i = from; i < run.pieces.length; i++) {
    acc = (acc + run.pieces[i]!.text).slice(-4096);
    if (acc.includes(text)) return run.pieces[i]!.t;
  }
  return undefined;
}

/**
 * The arrival of the first piece, from index `from` on, that shows a line of
 * `date +%s%N` printed after `sinceMs` (wall clock): the screen caught up with output
 * made while the link was down.
 */
export function newerAt(run: MoshRun, sinceMs: number, from: number): number | undefined {
  const since = BigInt(Math.floor(sinceMs)) * 1_000_000n;
  let carry = '';
  for (let i = from; i < run.pieces.length; i++) {
    const text = carry + run.pieces[i]!.text;
    for (const m of text.matchAll(/\d{19}/g)) if (BigInt(m[0]) > since) return run.pieces[i]!.t;
    carry = text.slice(-18);
  }
  return undefined;
}
