// Proves output exactly once across a REAL link loss: client and sshd in their own
// network namespaces joined by a bridge that silently drops every packet, then stops
// dropping. Nobody is told (no RST, no FIN), as when Wi-Fi goes away and comes back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canCreateNetns, createLinkBed, type LinkBed } from '../support/netns';
import { startSshd, type Sshd } from '../support/sshd';
import { checkNumbered, cliOptions, numberedLines, runCli } from '../support/cliHarness';
import { delay, pollFor } from '../support/proc';

const check = await canCreateNetns();
if (!check.ok)
  console.log(`skipped: real link-loss tests need network namespaces: ${check.reason}`);

let bed: LinkBed | undefined;
let sshd: Sshd | undefined;
beforeAll(async () => {
  if (!check.ok) return;
  bed = await createLinkBed();
  sshd = await startSshd({ netns: bed.server, listenAddress: bed.serverAddr });
});
afterAll(async () => {
  await sshd?.stop();
  await bed?.destroy();
});

describe('the CLI over a real black-holed link', () => {
  it.skipIf(!check.ok)(
    'delivers every line exactly once after the link silently drops packets and heals',
    async () => {
      const N = 100_000;
      const args = await cliOptions(sshd!, sshd!.port, [
        '-o',
        'ServerAliveInterval=1',
        '-o',
        'ServerAliveCountMax=3',
      ]);
      const run = runCli([...args, '--', numberedLines(N, 2000, 0.05)], {
        prefix: ['ip', 'netns', 'exec', bed!.client],
      });
      await pollFor('output to start', () => run.stdout().includes('line 5000'), 20_000);
      await bed!.blackhole();
      await delay(4_500); // beyond 3 keepalives: the client judges the link dead and dials
      const before = run.stdout().length;
      await bed!.heal();
      await pollFor('output after heal', () => run.stdout().length > before, 10_000);
      const { code } = await run.exited;
      const result = checkNumbered(run.stdout(), N);
      expect(result.ok ? 'ok' : result.why).toBe('ok');
      expect(code, run.stderr()).toBe(0);
    },
  );
});
