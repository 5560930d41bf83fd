// Local echo prediction on a far server (issue 12 item 5): a typing trace into a real shell
// through the delay proxy at 120 ms RTT, the screen an xterm.js terminal fed the tab's
// output, with the prediction core the app and the CLI use (main/common/predict), once in
// `auto` and once in `never` (no prediction: what the echo alone gives).
//
// Per printable keystroke: when it was first on screen, predicted (the overlay draws it
// at its place) or echoed (the real screen has it there). After each command's echo: the
// cells where the overlay and the real screen disagree (wrong characters left once
// everything is confirmed). At a `read -s` prompt: overlay cells drawn while the secret is
// typed.

import { createRequire } from 'node:module';
import { EchoPredictor, type PredictMode } from '../../main/common/predict/echoPredictor';
import { bufferScreen } from '../../main/common/predict/screenView';
import { startDelayProxyFor } from '../support/delayProxy';
import { destinationOf, testEngine } from '../support/engineHarness';
import { pollFor } from '../support/proc';
import { startSshd } from '../support/sshd';
import { detail, errored, log, median, row, type Budget, type Row } from './lib';

// xterm.js ships CommonJS whose named exports Node's ESM loader cannot see (Vitest's can).
const { Terminal } = createRequire(import.meta.url)(
  '@xterm/xterm',
) as typeof import('@xterm/xterm');

const SECTION = 'predict';
const RTT_MS = 120;
/** The goal: a keystroke "shown" within this (ms) counts as local. */
const SHOWN_MS = 5;
const PROMPT = 'hf> ';
/** A plausible session: commands with a typo fixed by backspace. DEL is \x7f. */
const TRACE = [
  'ls -la /etc/ssh',
  'echo hello world',
  'cd /tmp',
  'pwd',
  'printf "%s\\n" alpha beta',
  'uname -a',
  'ecoh\x7f\x7fho typo fixed',
  'grep -c root /etc/passwd',
  'date +%Y',
  'true',
];
const SECRET = 'hunter2';

const SHOWN_BUDGET: Budget = { kind: 'min', limit: 70, text: '≥ 70 %' };
const WRONG_BUDGET: Budget = { kind: 'max', limit: 0, text: '0' };

/** Key gaps of a quick typist (50–200 ms), the same in every run: a seeded generator. */
function gaps(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return 50 + (s % 150);
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type TraceResult = {
  shownMs: number[];
  wrongCells: number;
  secretDrawn: number;
  mispredicted: number;
  echoMs: number | undefined;
};

async function runTrace(
  mode: PredictMode,
  port: number,
  sshdDest: ReturnType<typeof destinationOf>,
): Promise<TraceResult> {
  const { engine } = testEngine({
    clientName: 'holdfast-bench',
    log: (m) => detail(`engine: ${m}`),
  });
  const term = new Terminal({ cols: 100, rows: 30, allowProposedApi: true, scrollback: 1000 });
  const screen = bufferScreen(
    () => term.buffer.active,
    () => term.cols,
  );
  const p = new EchoPredictor(mode);
  /** Keys waiting for their echo: where it lands and when the key went. */
  let pending: { key: string; x: number; y: number; at: number }[] = [];
  const shownMs: number[] = [];
  const settle = () => {
    const now = performance.now();
    pending = pending.filter((k) => {
      if (screen.cell(k.x, k.y) !== k.key) return true;
      shownMs.push(now - k.at);
      return false;
    });
  };
  const ticker = setInterval(() => p.tick(screen, performance.now()), 5);
  const tab = engine.openTab({
    ...sshdDest,
    destination: sshdDest.destination,
    port,
    cols: 100,
    rows: 30,
  });
  tab.onOutput((d) =>
    term.write(d, () => {
      p.output(screen, performance.now());
      settle();
    }),
  );
  const lastLine = () =>
    (term.buffer.active.getLine(screen.cursorY)?.translateToString(true) ?? '').trimEnd();
  const type = (k: string) => {
    tab.write(Buffer.from(k));
    p.input(k, screen, performance.now());
  };
  try {
    await pollFor('the tab connected', () => tab.state.kind === 'connected', 60_000);
    await pollFor('a prompt', () => /[$#]$/.test(lastLine()), 30_000);
    type(`export PS1='${PROMPT}'\r`);
    await pollFor('our prompt', () => lastLine() === PROMPT.trimEnd(), 10_000);
    let wrongCells = 0;
    const next = gaps(12);
    for (const command of TRACE) {
      const y = screen.cursorY;
      let col = screen.cursorX;
      for (const key of command) {
        const at = performance.now();
        type(key);
        if (key === '\x7f') {
          col--;
        } else {
          const o = p.overlay();
          // A blank typed at the end of the line needs no cell: the cursor moving shows it.
          const drawn =
            o.cells.some((c) => c.x === col && c.y === y && c.text === key) ||
            (key === ' ' &&
              screen.cell(col, y) === '' &&
              o.cursor?.x === col + 1 &&
              o.cursor.y === y);
          if (drawn) shownMs.push(performance.now() - at);
          else pending.push({ key, x: col, y, at });
          col++;
        }
        await sleep(next());
      }
      const expected = PROMPT + command.replace(/.\x7f/g, '').replace(/.\x7f/g, '');
      await pollFor(
        `the echo of ${JSON.stringify(command)}`,
        () => lastLine() === expected.trimEnd(),
        10_000,
      );
      await sleep(2 * RTT_MS); // every prediction confirmed or dropped by now
      for (const c of p.overlay().cells) if (screen.cell(c.x, c.y) !== c.text) wrongCells++;
      pending = []; // a key overwritten by a later backspace never shows; not counted
      type('\r');
      await pollFor('the next prompt', () => lastLine() === PROMPT.trimEnd(), 10_000);
    }
    type(`read -s -p 'Secret: ' s; echo; echo "got-$s"\r`);
    await pollFor('the password prompt', () => lastLine() === 'Secret:', 10_000);
    let secretDrawn = 0;
    for (const key of SECRET) {
      type(key);
      secretDrawn += p.overlay().cells.filter((c) => c.text !== '').length;
      await sleep(next());
      secretDrawn += p.overlay().cells.filter((c) => c.text !== '').length;
    }
    type('\r');
    await pollFor(
      'the secret read',
      () =>
        term.buffer.active
          .getLine(screen.cursorY - 1)
          ?.translateToString(true)
          .startsWith(`got-${SECRET}`),
      10_000,
    );
    return {
      shownMs,
      wrongCells,
      secretDrawn,
      mispredicted: p.stats.mispredicted,
      echoMs: p.rttMs,
    };
  } finally {
    clearInterval(ticker);
    await tab.kill().catch(() => {});
    engine.dispose();
    term.dispose();
  }
}

const pct = (xs: number[]) =>
  (100 * xs.filter((x) => x <= SHOWN_MS).length) / Math.max(1, xs.length);

export async function predictRows(): Promise<Row[]> {
  const name = `Typing trace at ${RTT_MS} ms RTT: keystrokes on screen ≤ ${SHOWN_MS} ms`;
  const sshd = await startSshd({ label: 'bench-predict' });
  const link = await startDelayProxyFor(sshd, { rttMs: RTT_MS });
  try {
    log(`predict: typing trace with prediction (auto) at ${RTT_MS} ms RTT`);
    const on = await runTrace('auto', link.port, destinationOf(sshd));
    log(`predict: typing trace without prediction (never)`);
    const off = await runTrace('never', link.port, destinationOf(sshd));
    const keys = on.shownMs.length;
    const how = `A real shell through the delay proxy (${RTT_MS} ms RTT); ${TRACE.length} commands, ${keys} printable keys (one typo fixed with backspace), 50–200 ms between keys (seeded), into an xterm.js screen fed the tab's output, with the prediction core the app and the CLI share.`;
    return [
      row({
        section: SECTION,
        name,
        unit: '%',
        holdfast: pct(on.shownMs),
        reference: pct(off.shownMs),
        referenceLabel: 'no prediction',
        budget: SHOWN_BUDGET,
        note: `${how} A key counts when the overlay draws it at its place, or the real screen shows it there. With prediction: median ${median(on.shownMs).toFixed(2)} ms, measured echo ${on.echoMs?.toFixed(0) ?? '—'} ms, ${on.mispredicted} mispredictions (the first key after each Enter only probes whether the program echoes, so it waits for its echo). Without: median ${median(off.shownMs).toFixed(0)} ms (the echo).`,
        samples: { holdfast: on.shownMs, reference: off.shownMs },
      }),
      row({
        section: SECTION,
        name: `Typing trace at ${RTT_MS} ms RTT: wrong characters left after confirmation`,
        unit: '',
        holdfast: on.wrongCells,
        reference: off.wrongCells,
        referenceLabel: 'no prediction',
        budget: WRONG_BUDGET,
        note: `${how} After each command's echo and 2 RTT more: overlay cells that differ from the real screen.`,
      }),
      row({
        section: SECTION,
        name: `Typing trace at ${RTT_MS} ms RTT: password characters drawn at read -s`,
        unit: '',
        holdfast: on.secretDrawn,
        reference: off.secretDrawn,
        referenceLabel: 'no prediction',
        budget: WRONG_BUDGET,
        note: `"${SECRET}" typed at \`read -s -p 'Secret: '\`: predicted cells drawn, looked at after each key and before the next.`,
      }),
    ];
  } catch (e) {
    return [errored(SECTION, name, SHOWN_BUDGET, (e as Error).message)];
  } finally {
    await link.close();
    await sshd.stop();
  }
}
