// Shared pieces of the bench: rows and budgets, statistics, the Markdown table, a log.
// A row holds Holdfast's figure and the reference measured in the same run; the verdict
// comes from the budget alone, never from a tolerance added here.

import { appendFileSync } from 'node:fs';

/** How a row's budget is judged. */
export type Budget =
  /** holdfast ≤ limit (in the row's unit). */
  | { kind: 'max'; limit: number; text: string }
  /** holdfast ≥ limit (in the row's unit). */
  | { kind: 'min'; limit: number; text: string }
  /** holdfast − reference ≤ limit (in the row's unit). */
  | { kind: 'maxAdded'; limit: number; text: string }
  /** holdfast / reference ≥ limit. */
  | { kind: 'minRatio'; limit: number; text: string }
  /** holdfast / reference ≤ limit. */
  | { kind: 'maxRatio'; limit: number; text: string }
  /** Reported for information; no verdict. */
  | { kind: 'info'; text: string };

export type Verdict = 'PASS' | 'FAIL' | 'INFO' | 'SKIP' | 'ERROR';

export type Row = {
  section: string;
  name: string;
  unit: string;
  /** Median (or the single figure) for Holdfast; null when not measured. */
  holdfast: number | null;
  /** The same for the reference; null when it has no figure (e.g. OpenSSH never resumes). */
  reference: number | null;
  /** What the reference is, e.g. "OpenSSH ssh", "direct PTY". */
  referenceLabel: string;
  /** holdfast / reference, when both are numbers. */
  ratio: number | null;
  budget: Budget;
  verdict: Verdict;
  /** How it was measured, sample counts, what the reference did, why it was skipped. */
  note: string;
  /** Raw samples for the JSON. */
  samples?: { holdfast?: number[]; reference?: number[] };
  /** Anything else worth keeping in the JSON. */
  extra?: Record<string, unknown>;
};

export function row(r: Omit<Row, 'ratio' | 'verdict'> & { verdict?: Verdict }): Row {
  const ratio =
    r.holdfast !== null && r.reference !== null && r.reference !== 0
      ? r.holdfast / r.reference
      : null;
  return { ...r, ratio, verdict: r.verdict ?? judge(r.budget, r.holdfast, r.reference, ratio) };
}

function judge(b: Budget, hf: number | null, ref: number | null, ratio: number | null): Verdict {
  if (b.kind === 'info') return 'INFO';
  if (hf === null) return 'FAIL';
  switch (b.kind) {
    case 'max':
      return hf <= b.limit ? 'PASS' : 'FAIL';
    case 'min':
      return hf >= b.limit ? 'PASS' : 'FAIL';
    case 'maxAdded':
      return ref !== null && hf - ref <= b.limit ? 'PASS' : 'FAIL';
    case 'minRatio':
      return ratio !== null && ratio >= b.limit ? 'PASS' : 'FAIL';
    case 'maxRatio':
      return ratio !== null && ratio <= b.limit ? 'PASS' : 'FAIL';
  }
}

/** A row for a measurement that could not run here (with the reason). */
export function skipped(section: string, name: string, budget: Budget, why: string): Row {
  return {
    section,
    name,
    unit: '',
    holdfast: null,
    reference: null,
    referenceLabel: '',
    ratio: null,
    budget,
    verdict: 'SKIP',
    note: why,
  };
}

/** A row for a measurement that broke (a product bug or a bed failure): it counts as failed. */
export function errored(section: string, name: string, budget: Budget, why: string): Row {
  return { ...skipped(section, name, budget, why), verdict: 'ERROR' };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** Wall clock in ms with sub-ms precision, comparable across processes on this machine. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

export function fmt(v: number | null, unit: string): string {
  if (v === null || Number.isNaN(v)) return '—';
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : Math.abs(v) >= 1 ? 2 : 3;
  return `${v.toFixed(digits)} ${unit}`.trim();
}

export function fmtRatio(r: number | null): string {
  return r === null || Number.isNaN(r) ? '—' : `${r.toFixed(2)}×`;
}

const HEADER = ['Measurement', 'Holdfast', 'Reference', 'Ratio', 'Budget', 'Result'];

/** The result table in Markdown, columns padded so it also reads well in a terminal. */
export function markdownTable(rows: readonly Row[]): string {
  const cells = rows.map((r) => [
    r.name,
    fmt(r.holdfast, r.unit),
    r.reference !== null
      ? `${fmt(r.reference, r.unit)} (${r.referenceLabel})`
      : r.referenceLabel || '—',
    fmtRatio(r.ratio),
    r.budget.text,
    r.verdict === 'FAIL' || r.verdict === 'ERROR' ? `**${r.verdict}**` : r.verdict,
  ]);
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const all = [HEADER, ...cells].map((c) => c.map(esc));
  const widths = HEADER.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
  const pad = (x: string, i: number) =>
    i === 1 || i === 3 ? x.padStart(widths[i]!) : x.padEnd(widths[i]!);
  const line = (c: string[]) => `| ${c.map(pad).join(' | ')} |`;
  return [
    line(all[0]!),
    // Figures right-aligned, words left-aligned.
    `|${widths.map((w, i) => (i === 1 || i === 3 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
    ...all.slice(1).map(line),
  ].join('\n');
}

/** Numbered notes under the table: how each figure was taken and what the reference did. */
export function markdownNotes(rows: readonly Row[]): string {
  return rows.map((r, i) => `${i + 1}. **${r.name}** — ${r.note}`).join('\n');
}

let logFile: string | undefined;

export function setLogFile(path: string): void {
  logFile = path;
}

/** Progress on stderr and in the log file (stdout keeps the table). */
export function log(msg: string): void {
  const line = `[bench ${new Date().toISOString().slice(11, 23)}] ${msg}`;
  process.stderr.write(`${line}\n`);
  if (logFile) appendFileSync(logFile, `${line}\n`);
}

/** Detail lines (engine logs) only in the log file. */
export function detail(msg: string): void {
  if (logFile) appendFileSync(logFile, `  ${new Date().toISOString().slice(11, 23)} ${msg}\n`);
}
