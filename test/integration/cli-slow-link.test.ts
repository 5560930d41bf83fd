// Proves that a live client on a slow, far, lossy link is waited for, never skipped
// (DESIGN.md invariant 1; issue 12 item 1): `cat` of a file many times the session's ring,
// through the CLI over link c (300 ms RTT, 3 % loss, 2 Mbit/s: a real packet link between
// namespaces, test/support/shapedLink.ts), delivers every line in order and no "were
// lost" notice. On such a link sshd spends the SSH channel window into a TCP buffer that
// drains at ~200 kB/s and stops reading the agent's socket for seconds; a master that took
// "nothing taken for 2 s" for a half-open link and read the PTY ahead of what the socket
// took (the old HF_STALL_MS rule, now only for version 1 clients, with reading bounded by
// SHOWN since protocol 3) read the PTY freely, the ring wrapped and this client got a GAP.
// The ring is made small (`new --scrollback`, attached with --attach) so that 6 MiB
// prove it in under a minute; HOLDFAST_SLOW_LINK_BYTES changes the size.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliOptions, runCli } from '../support/cliHarness';
import { canCreateNetns } from '../support/netns';
import { LINKS, createShapedLink, type ShapedLink } from '../support/shapedLink';
import { startSshd, type Sshd } from '../support/sshd';

const check = await canCreateNetns();
if (!check.ok) console.log(`skipped: shaped-link tests need network namespaces: ${check.reason}`);

/** The session's ring: the agent's smallest sensible, far below the file. */
const RING_BYTES = 256 << 10;
/** Lines of 8 bytes ("%07d\n"): 6 MiB by default, 24× the ring. */
const BYTES = Number(process.env.HOLDFAST_SLOW_LINK_BYTES ?? 6 << 20);
const LINES = Math.floor(BYTES / 8);

let link: ShapedLink | undefined;
let sshd: Sshd | undefined;
beforeAll(async () => {
  if (!check.ok) return;
  link = await createShapedLink({ ...LINKS.c, seed: 12 });
  sshd = await startSshd({ netns: link.server, listenAddress: link.serverAddr, label: 'slow' });
}, 120_000);
afterAll(async () => {
  await sshd?.stop();
  await link?.close();
});

describe('the CLI on a slow lossy link (300 ms, 3 % loss, 2 Mbit/s)', () => {
  it.skipIf(!check.ok)(
    'delivers a file 24× the ring in full, in order, with no output lost',
    async () => {
      const inClient = { prefix: ['ip', 'netns', 'exec', link!.client] };
      const opts = await cliOptions(sshd!, sshd!.port);
      // Deploys the agent (the first connect) so the session can be made with its own ring.
      const first = runCli([...opts, '--', 'true'], inClient);
      expect((await first.exited).code, first.stderr()).toBe(0);
      const made = await sshd!.exec(
        `awk 'BEGIN { for (i = 1; i <= ${LINES}; i++) printf "%07d\\n", i }' > ~/slow.txt && ` +
          `HOLDFAST_DIR=$HOME/.holdfast; export HOLDFAST_DIR; ` +
          `~/.holdfast/bin/holdfast-agent new --scrollback ${RING_BYTES} -- ` +
          `sh -c 'stty raw -echo; head -c1 >/dev/null; cat ~/slow.txt; printf SLOW-DONE'`,
        { timeoutMs: 30_000 },
      );
      expect(made.code, made.stderr).toBe(0);
      const id = made.stdout.trim();

      const t0 = performance.now();
      const run = runCli(['-tt', ...opts.slice(0, -1), '--attach', id, opts.at(-1)!], inClient);
      run.child.stdin!.write('g'); // delivered once attached: the go keystroke
      const { code } = await run.exited;
      const s = (performance.now() - t0) / 1000;
      const stats = await link!.stats();
      console.log(
        `${(BYTES / 2 ** 20).toFixed(1)} MiB through a ${RING_BYTES >> 10} KiB ring on link c in ${s.toFixed(1)} s; ` +
          `s2c: ${stats.s2c.passed} packets passed, ${stats.s2c.lost} lost, ${stats.s2c.qdropped} tail-dropped`,
      );
      expect(run.stderr()).not.toMatch(/were lost/);
      const out = run.stdout();
      expect(out.endsWith('SLOW-DONE')).toBe(true);
      const lines = out.slice(0, -'SLOW-DONE'.length).split('\n');
      expect(lines.pop()).toBe('');
      expect(lines.length).toBe(LINES);
      const wrong = lines.findIndex((l, i) => l !== String(i + 1).padStart(7, '0'));
      expect(wrong, `line ${wrong + 1}: ${JSON.stringify(lines[wrong])}`).toBe(-1);
      expect(code, run.stderr()).toBe(0);
    },
    120_000,
  );
});
