// `npm run bench`: Holdfast's figures against their references, measured side by side in
// one run on this machine (see test/bench/README.md for what each row measures and how).
//
// Prints progress on stderr and the result table (Markdown) on stdout; writes
// test/bench/results/latest.json, a dated copy, and latest.log (progress + engine logs).
// Exits 1 when a budget is missed or a measurement broke, so CI can gate on it.
//
// BENCH_ONLY=agent,engine,pipes,netns,rtt,shaped,predict,ui runs only those sections (for working on the bench).

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentRows } from './agentBench';
import { engineRows } from './engineBench';
import { netnsRows } from './netnsBench';
import { pipeRows } from './pipeBench';
import { rttRows } from './rttBench';
import { shapedRows } from './shapedBench';
import { predictRows } from './predictBench';
import { uiRows } from './uiBench';
import { log, markdownNotes, markdownTable, setLogFile, type Row } from './lib';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

function version(cmd: string, args: string[]): string {
  try {
    // ssh -V prints on stderr.
    return execFileSync('sh', ['-c', '"$0" "$@" 2>&1', cmd, ...args], { encoding: 'utf8' })
      .split('\n')[0]!
      .trim();
  } catch (e) {
    const err = e as { stderr?: string };
    return (err.stderr ?? '').split('\n')[0]?.trim() || 'not installed';
  }
}

async function main(): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  setLogFile(path.join(RESULTS, 'latest.log'));
  writeFileSync(path.join(RESULTS, 'latest.log'), '');
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
  const want = (s: string) => !only || only.includes(s);
  const started = Date.now();
  const env = {
    date: new Date().toISOString(),
    host: os.hostname(),
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
    kernel: os.release(),
    node: process.version,
    openssh: version('ssh', ['-V']),
    tmux: version('tmux', ['-V']),
    autossh: version('sh', ['-c', 'command -v autossh || echo not installed']),
    python: version('python3', ['--version']),
    loadAvgAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
  log(`Holdfast bench on ${env.cpus}, ${env.kernel}, node ${env.node}, ${env.openssh}`);

  const rows: Row[] = [];
  if (want('agent')) rows.push(...(await agentRows()));
  if (want('engine')) rows.push(...(await engineRows()));
  if (want('pipes')) rows.push(...(await pipeRows()));
  if (want('netns')) rows.push(...(await netnsRows()));
  if (want('rtt')) rows.push(...(await rttRows()));
  if (want('shaped')) rows.push(...(await shapedRows()));
  if (want('predict')) rows.push(...(await predictRows()));
  // Desktop UI in Debian's Chromium through the test host (SKIP rows without Chromium).
  if (want('ui')) rows.push(...(await uiRows()));

  const seconds = (Date.now() - started) / 1000;
  const loadAvgAtEnd = os.loadavg().map((x) => Number(x.toFixed(2)));
  const table = markdownTable(rows);
  const notes = markdownNotes(rows);
  const failed = rows.filter((r) => r.verdict === 'FAIL' || r.verdict === 'ERROR');
  const result = { env: { ...env, loadAvgAtEnd }, seconds, rows, table, notes };
  const json = `${JSON.stringify(result, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v), 2)}\n`;
  writeFileSync(path.join(RESULTS, 'latest.json'), json);
  const stamp = env.date.replace(/[:.]/g, '-');
  writeFileSync(path.join(RESULTS, `bench-${stamp}.json`), json);

  process.stdout.write(
    `\n## Holdfast bench — ${env.date.slice(0, 10)}\n\n` +
      `${env.cpus}; Linux ${env.kernel}; Node ${env.node}; ${env.openssh}; ${env.tmux}. ` +
      `Load average (1 min) ${env.loadAvgAtStart[0]} at the start, ${loadAvgAtEnd[0]} at the end. ` +
      `Medians; ratio = Holdfast / reference. Whole run: ${seconds.toFixed(0)} s.\n\n` +
      `${table}\n\n${notes}\n\n` +
      `${failed.length === 0 ? 'All budgets met.' : `${failed.length} row(s) missed their budget or broke: ${failed.map((r) => r.name).join('; ')}.`}\n`,
  );
  log(
    `wrote ${path.relative(process.cwd(), path.join(RESULTS, 'latest.json'))} (${seconds.toFixed(0)} s)`,
  );
  process.exitCode = failed.length === 0 ? 0 : 1;
  // Everything the bench started is stopped by now; if something still holds the event
  // loop (a timer or socket left behind by the code under test), say what and exit anyway.
  setTimeout(() => {
    const names = process.getActiveResourcesInfo().join(', ');
    (globalThis as { __dumpTimers?: () => void }).__dumpTimers?.();
    log(`still running 3 s after the results, held by: ${names}; exiting`);
    process.exit();
  }, 3000).unref();
}

main().catch((e: Error) => {
  log(`bench aborted: ${e.stack ?? e.message}`);
  process.exitCode = 2;
});
