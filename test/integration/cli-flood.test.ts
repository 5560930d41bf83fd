// Ctrl-C in a flood (issue 12 item 2): with `yes` filling a link slower than it, Ctrl-C
// through the real CLI and sshd must stop the output about as soon as ssh -tt does. What
// is in flight is bounded by what the CLI has written out (SHOWN, protocol 3), so the PTY
// blocks and the tty's flush on SIGINT discards the backlog, instead of the link
// delivering the megabytes queued in the agent, sshd and the kernel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/cliHarness';
import { ctrlCInFlood } from '../support/ctrlCFlood';
import { trustPort } from '../support/faultProxy';
import { startRateProxy, type RateProxy } from '../support/rateProxy';
import { startSshd, type Sshd } from '../support/sshd';

/** The link: 4 MB/s (32 Mbit/s) from server to client, slower than `yes` in a PTY. */
const LINK_BYTES_PER_MS = 4_000;
/** Output taken before Ctrl-C: enough that every buffer on the path is full. */
const FLOWING_BYTES = 6 << 20;
/** Bytes after Ctrl-C the CLI may deliver: before SHOWN it was ~3.5 MB (ssh -tt: ~1 MB);
 * the agent's window is 256 KiB, plus what the tty and the CLI's last reads held. */
const MAX_BYTES_AFTER_CTRL_C = 512 << 10;
/** The CLI's time to exit after Ctrl-C may be this many times ssh's (the goal),
 * plus slack for a loaded 2-core machine. */
const TIME_RATIO = 1.5;
const TIME_SLACK_MS = 100;

let sshd: Sshd;
let link: RateProxy;
beforeAll(async () => {
  sshd = await startSshd({ label: 'flood' });
  link = await startRateProxy({
    target: { host: sshd.host, port: sshd.port },
    bytesPerMs: LINK_BYTES_PER_MS,
  });
  await trustPort(sshd, link.port);
});
afterAll(async () => {
  await link?.close();
  await sshd?.stop();
});

describe('Ctrl-C in a flood on a 4 MB/s link', () => {
  it('stops the output about as fast as ssh -tt', async () => {
    const via = ['-F', sshd.sshConfigFile, '-p', String(link.port), sshd.sshAlias];
    const ssh = await ctrlCInFlood(['ssh', '-tt', ...via, 'yes'], FLOWING_BYTES);
    const hf = await ctrlCInFlood(
      [process.execPath, CLI, '-tt', ...via, '--', 'yes'],
      FLOWING_BYTES,
    );
    console.log(
      `Ctrl-C in a flood: holdfast ${hf.afterBytes} bytes after, exit in ${hf.exitMs.toFixed(0)} ms; ` +
        `ssh -tt ${ssh.afterBytes} bytes after, exit in ${ssh.exitMs.toFixed(0)} ms`,
    );
    expect(hf.afterBytes).toBeLessThan(MAX_BYTES_AFTER_CTRL_C);
    expect(hf.exitMs).toBeLessThan(ssh.exitMs * TIME_RATIO + TIME_SLACK_MS);
  }, 120_000);
});
