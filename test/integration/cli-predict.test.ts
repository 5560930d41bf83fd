// Local echo prediction in the CLI, on a real terminal (a pty), over a real sshd behind a
// 120 ms round trip (the delay relay). What these prove: a typed character is drawn on
// the local terminal, underlined, long before its echo can come back; once the echoes are
// in, the local screen is exactly the session's (no character of ours left, nothing
// underlined); at a `read -s` password prompt nothing typed is ever drawn; and with
// HoldfastPredict=never nothing is drawn at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliOptions } from '../support/cliHarness';
import { startDelayProxyFor, type DelayProxy } from '../support/delayProxy';
import { pollFor } from '../support/proc';
import { runCliOnPty, type PtyClient } from '../support/ptyClient';
import { startSshd, type Sshd } from '../support/sshd';

const RTT_MS = 120;
const KEY_DELAY_MS = 40;
const PROMPT = 'hf> ';

let sshd: Sshd;
let link: DelayProxy;
beforeAll(async () => {
  sshd = await startSshd({ label: 'cli-predict' });
  link = await startDelayProxyFor(sshd, { rttMs: RTT_MS });
});
afterAll(async () => {
  await link?.close();
  await sshd?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function started(extra: string[] = []): Promise<PtyClient> {
  const cli = runCliOnPty(await cliOptions(sshd, link.port, extra));
  await pollFor(
    'a shell prompt',
    async () => (await cli.lines()).some((l) => /\$\s*$/.test(l)),
    30_000,
  );
  // Typing the prompt is also what lets the CLI measure the echo's delay.
  cli.type(`export PS1='${PROMPT}'\r`);
  await pollFor('our prompt', async () => (await cli.lines()).at(-1) === PROMPT.trimEnd(), 10_000);
  return cli;
}

/** When each typed key was first drawn by prediction (an underlined cell with it), if ever. */
async function typeTimed(
  cli: PtyClient,
  text: string,
): Promise<{ key: string; ms: number | undefined }[]> {
  const out: { key: string; ms: number | undefined }[] = [];
  const sent: { key: string; at: number }[] = [];
  for (const key of text) {
    sent.push({ key, at: performance.now() });
    cli.type(key);
    await sleep(KEY_DELAY_MS);
  }
  for (const { key, at } of sent) {
    const drawn = cli.chunks.find((c) => c.at >= at && c.data.includes(`\x1b[0;4m${key}`));
    out.push({ key, ms: drawn ? drawn.at - at : undefined });
  }
  return out;
}

/** Ends the shell whatever it was doing (Ctrl-C, then exit), or the relay if it hangs. */
async function stop(cli: PtyClient): Promise<void> {
  cli.type('\x03exit\r');
  const done = await Promise.race([cli.exited.then(() => true), sleep(10_000).then(() => false)]);
  if (!done) cli.child.kill();
}

function underlinedCells(cli: PtyClient): number {
  const b = cli.screen.buffer.active;
  let n = 0;
  for (let y = 0; y < b.length; y++) {
    const line = b.getLine(y);
    for (let x = 0; x < cli.screen.cols; x++) if (line?.getCell(x)?.isUnderline()) n++;
  }
  return n;
}

describe('the CLI predicts local echo on a slow link', () => {
  it('draws typed characters before their echo and leaves exactly the real screen', async () => {
    const cli = await started();
    try {
      cli.type('e'); // the first key after Enter only probes whether the program echoes
      await pollFor('the echo of e', async () => (await cli.lines()).at(-1) === `${PROMPT}e`);
      const timings = await typeTimed(cli, 'cho wxyz');
      const drawn = timings.filter((t) => t.key !== ' ');
      // Each one drawn long before a round trip could bring its echo.
      for (const t of drawn) {
        expect(t.ms, `"${t.key}" drawn`).toBeDefined();
        expect(t.ms!, `"${t.key}" drawn after ${t.ms?.toFixed(1)} ms`).toBeLessThan(RTT_MS / 2);
      }
      // The predicted text reads the same: wait for the real echo (nothing underlined left,
      // the cursor after it).
      const b = cli.screen.buffer.active;
      const line = `${PROMPT}echo wxyz`;
      await pollFor(
        'the echoes, and no predicted cell left',
        async () =>
          (await cli.lines()).at(-1) === line &&
          underlinedCells(cli) === 0 &&
          b.cursorX === line.length,
      );
      cli.type('\r');
      await pollFor('the command ran', async () => (await cli.lines()).includes('wxyz'));
      expect((await cli.lines()).slice(-3)).toEqual([
        `${PROMPT}echo wxyz`,
        'wxyz',
        PROMPT.trimEnd(),
      ]);
    } finally {
      await stop(cli);
    }
  });

  it('draws nothing of what is typed at a read -s password prompt', async () => {
    const cli = await started();
    try {
      cli.type(`read -s -p 'Secret: ' s; echo; echo "got-$s"\r`);
      await pollFor('the password prompt', async () => (await cli.lines()).at(-1) === 'Secret:');
      const from = cli.chunks.length;
      await typeTimed(cli, 'hunter2');
      await sleep(4 * RTT_MS);
      const after = cli.chunks
        .slice(from)
        .map((c) => c.data)
        .join('');
      expect(after).toBe('');
      cli.type('\r');
      await pollFor('the read ended', async () => (await cli.lines()).includes('got-hunter2'));
      expect((await cli.lines()).filter((l) => l.startsWith('Secret:'))).toEqual(['Secret:']);
    } finally {
      await stop(cli);
    }
  });

  it('draws nothing with -o HoldfastPredict=never', async () => {
    const cli = await started(['-o', 'HoldfastPredict=never']);
    try {
      const timings = await typeTimed(cli, 'echo abc');
      expect(timings.every((t) => t.ms === undefined)).toBe(true);
      await pollFor('the echoes', async () => (await cli.lines()).at(-1) === `${PROMPT}echo abc`);
      expect(cli.chunks.some((c) => c.data.includes('\x1b7'))).toBe(false);
    } finally {
      await stop(cli);
    }
  });
});
