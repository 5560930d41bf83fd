// What these prove, on real bash and zsh in a pseudo-terminal (util-linux `script`): the
// shell integration line the app types makes the shell print OSC 133 C before a command
// and D with its exit status after it, then A and B around the next prompt; it works
// under `set -u`; typing it twice marks each prompt once; and a PROMPT_COMMAND the user
// had still runs and still sees the command's exit status.

import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHELL_INTEGRATION_LINE } from '../../renderer/src/terminal/shellIntegration';

/** Runs `lines` in an interactive `shell` on a pty; resolves with everything it printed. */
async function interactive(shell: string, lines: string[]): Promise<string> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'hft-si-'));
  return new Promise((resolve, reject) => {
    const child = execFile(
      'script',
      ['-qfec', `${shell} -i`, '/dev/null'],
      // No start-up files of the machine's user; a plain prompt.
      { env: { PATH: process.env.PATH, HOME: home, TERM: 'xterm', PS1: 'P$ ' }, timeout: 15_000 },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
    child.stdin?.end([...lines, 'true', 'exit', ''].join('\n')); // `script -e` exits as the shell did
  });
}

/** The OSC 133 marks in `out`, as `C`, `D;1`... */
const marks = (out: string): string[] =>
  // eslint-disable-next-line no-control-regex
  [...out.matchAll(/\x1b\]133;([A-D](?:;\d+)?)\x07/g)].map((m) => m[1] ?? '');

describe.each(['bash', 'zsh'])('the shell integration line in %s', (shell) => {
  it('marks a command’s start and its end with the exit status, also under set -u', async () => {
    const out = await interactive(shell, ['set -u', SHELL_INTEGRATION_LINE, 'false', 'true']);
    const seen = marks(out);
    const c = seen.indexOf('C');
    expect(c).toBeGreaterThanOrEqual(0);
    expect(seen.slice(c, c + 4)).toEqual(['C', 'D;1', 'A', 'B']);
    expect(seen.slice(c + 4, c + 6)).toEqual(['C', 'D;0']);
    expect(out).not.toMatch(/parameter not set|unbound variable/);
  });

  it('typed twice, still marks each prompt once', async () => {
    const out = await interactive(shell, [SHELL_INTEGRATION_LINE, SHELL_INTEGRATION_LINE, 'false']);
    const seen = marks(out);
    const last = seen.lastIndexOf('D;1');
    expect(last).toBeGreaterThan(0);
    expect(seen.slice(last - 1, last + 3)).toEqual(['C', 'D;1', 'A', 'B']);
    expect(seen.filter((m) => m === 'D;1')).toHaveLength(1);
  });
});

describe('the shell integration line in bash with a PROMPT_COMMAND of the user', () => {
  it('keeps it running, and it still sees the command’s exit status', async () => {
    const out = await interactive('bash', [
      'PROMPT_COMMAND=\'echo "pc=$?"\'',
      SHELL_INTEGRATION_LINE,
      '(exit 7)',
    ]);
    expect(marks(out)).toContain('D;7');
    expect(out).toMatch(/pc=7/);
  });
});
