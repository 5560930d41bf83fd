// Commands without a terminal (pipes sessions), against a real OpenSSH sshd on 127.0.0.1:
// throughput of `holdfast host -- cat` next to `ssh host cat` and next to a bare ssh2 client
// doing the same (random bytes in on stdin, the same bytes out on stdout, all through real
// clients); an upload from a file on stdin next to ssh's; and the bar: 100 MB each
// way through a pipe with a reset and a black-hole in the middle, equal sha256 at the far
// end.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, cliOptions, runCli } from '../support/cliHarness';
import { startFaultProxy } from '../support/faultProxy';
import { delay, pollFor } from '../support/proc';
import { startSshd, type Sshd } from '../support/sshd';
import { errored, log, median, row, wallMs, type Budget, type Row } from './lib';

const SECTION = 'pipes';
/** Bytes each way per run: large enough that the login is a small part of the time. */
const BYTES = 100 * 1024 * 1024;
const RUNS = 3;
/** Against ssh; and against the bare ssh2 client Holdfast is built on (its own work only). */
const THROUGHPUT: Budget = { kind: 'minRatio', limit: 0.9, text: '≥ 0.9×' };
const BARE_SSH2 = new URL('./ssh2Cat.mjs', import.meta.url).pathname;
const FAULTS: Budget = { kind: 'info', text: 'equal sha256' };

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** MB/s samples as a note lists them. */
const list = (a: number[]) => a.map((x) => x.toFixed(1)).join(', ');

type Child = {
  stdin: NodeJS.WritableStream;
  stdout: NodeJS.ReadableStream;
  exited: Promise<number | null>;
};

/** Feeds `input` to a child's stdin as it takes it, hashing what comes out of its stdout. */
async function pump(c: Child, input: Buffer): Promise<{ sha: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  c.stdout.on('data', (d: Buffer) => {
    h.update(d);
    bytes += d.length;
  });
  for (let at = 0; at < input.length; at += 1 << 20) {
    if (!c.stdin.write(input.subarray(at, at + (1 << 20)))) {
      await new Promise((r) => c.stdin.once('drain', r));
    }
  }
  c.stdin.end();
  const code = await c.exited;
  if (code !== 0) throw new Error(`exited with ${code}`);
  return { sha: h.digest('hex'), bytes };
}

function sshCat(sshd: Sshd): Child {
  return childOf(['ssh', ...sshd.sshArgs(), 'cat']);
}

function childOf(argv: string[]): Child {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  return {
    stdin: child.stdin,
    stdout: child.stdout,
    exited: new Promise((r) => child.on('close', (code) => r(code))),
  };
}

/** The bare ssh2 client (ssh2Cat.mjs) running `cmd`, host key pinned as the others do. */
function ssh2Argv(sshd: Sshd, cmd: string): string[] {
  const key = sshd.hostKeyPublic.split(' ')[1] ?? '';
  return [
    process.execPath,
    BARE_SSH2,
    sshd.host,
    String(sshd.port),
    sshd.user,
    sshd.keyPath,
    key,
    cmd,
  ];
}

async function holdfastCat(sshd: Sshd, port: number, extra: string[] = []): Promise<Child> {
  const run = runCli([...(await cliOptions(sshd, port)), ...extra, '--', 'cat']);
  run.child.stdout!.removeAllListeners('data'); // hashed by pump, not kept
  return {
    stdin: run.child.stdin!,
    stdout: run.child.stdout!,
    exited: run.exited.then((e) => e.code),
  };
}

/** MB/s of one run through `cat` (login included, as a user would time it). */
async function timed(mk: () => Promise<Child> | Child, input: Buffer, want: string) {
  const t0 = wallMs();
  const r = await pump(await mk(), input);
  const s = (wallMs() - t0) / 1000;
  if (r.sha !== want) throw new Error(`sha256 differs after ${r.bytes} bytes`);
  return input.length / 1e6 / s;
}

async function throughputRows(sshd: Sshd, input: Buffer, want: string): Promise<Row[]> {
  const hf: number[] = [];
  const ref: number[] = [];
  const bare: number[] = [];
  // warm up: the first run deploys the agent
  await timed(
    () => holdfastCat(sshd, sshd.port),
    input.subarray(0, 1 << 20),
    sha(input.subarray(0, 1 << 20)),
  );
  for (let i = 0; i < RUNS; i++) {
    if (i % 2 === 0) hf.push(await timed(() => holdfastCat(sshd, sshd.port), input, want));
    ref.push(await timed(() => sshCat(sshd), input, want));
    bare.push(await timed(() => childOf(ssh2Argv(sshd, 'cat')), input, want));
    if (i % 2 === 1) hf.push(await timed(() => holdfastCat(sshd, sshd.port), input, want));
    log(
      `pipes: run ${i + 1}: holdfast ${hf.at(-1)!.toFixed(1)} MB/s, ssh ${ref.at(-1)!.toFixed(1)} MB/s, bare ssh2 ${bare.at(-1)!.toFixed(1)} MB/s`,
    );
  }
  const vsSsh = row({
    section: SECTION,
    name: 'Pipe throughput vs `ssh host cat`',
    unit: 'MB/s',
    holdfast: median(hf),
    reference: median(ref),
    referenceLabel: 'OpenSSH ssh host cat',
    budget: THROUGHPUT,
    note: `${BYTES / 1048576} MiB of random bytes into \`holdfast host -- cat\` on a pipe and back out on stdout (no terminal: a pipes session, stdin unacknowledged at most 2 MiB, output acknowledged as written), sha256 checked, timed from the start of the client to its exit (login included; ${list(hf)} MB/s). Reference: \`ssh host cat\` the same way (${list(ref)} MB/s). Median of ${RUNS}, interleaved.`,
    samples: { holdfast: hf, reference: ref },
  });
  const vsBare = row({
    section: SECTION,
    name: 'Pipe throughput vs a bare ssh2 client',
    unit: 'MB/s',
    holdfast: median(hf),
    reference: median(bare),
    referenceLabel: 'ssh2 exec cat, stdio piped (ssh2Cat.mjs)',
    budget: THROUGHPUT,
    note: `The runs of the row above, beside a Node client of ssh2 alone (test/bench/ssh2Cat.mjs: our stdin piped into an exec channel running \`cat\`, its stdout to ours; no agent, no resume) timed the same way: ${list(bare)} MB/s. What Holdfast adds over the library and runtime it is built on; the row above is what both cost against OpenSSH's C client. Median of ${RUNS}, interleaved.`,
    samples: { holdfast: hf, reference: bare },
  });
  return [vsSsh, vsBare];
}

/** MB/s of one upload from a file on the child's stdin into `sha256sum` (the printed
 * hash checked against the file's). */
async function timedFromFile(argv: string[], file: string, want: string): Promise<number> {
  const fd = openSync(file, 'r');
  const t0 = wallMs();
  const child = spawn(argv[0]!, argv.slice(1), { stdio: [fd, 'pipe', 'inherit'] });
  closeSync(fd);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise((r) => child.on('close', r));
  const s = (wallMs() - t0) / 1000;
  if (code !== 0) throw new Error(`exited with ${String(code)}`);
  if (out !== `${want}  -\n`) throw new Error(`the server's sha256 differs: ${out.trim()}`);
  return BYTES / 1e6 / s;
}

async function fileRow(sshd: Sshd, input: Buffer, want: string): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'hf-bench-file-'));
  const file = join(dir, 'input.bin');
  try {
    writeFileSync(file, input);
    const hfArgv = [
      process.execPath,
      CLI,
      ...(await cliOptions(sshd, sshd.port)),
      '--',
      'sha256sum',
    ];
    const sshArgv = ['ssh', ...sshd.sshArgs(), 'sha256sum'];
    const hf: number[] = [];
    const ref: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      if (i % 2 === 0) hf.push(await timedFromFile(hfArgv, file, want));
      ref.push(await timedFromFile(sshArgv, file, want));
      if (i % 2 === 1) hf.push(await timedFromFile(hfArgv, file, want));
    }
    return row({
      section: SECTION,
      name: 'Upload from a file on stdin vs `ssh host sha256sum < file`',
      unit: 'MB/s',
      holdfast: median(hf),
      reference: median(ref),
      referenceLabel: 'OpenSSH ssh host sha256sum < file',
      budget: THROUGHPUT,
      note: `\`holdfast host -- sha256sum < file\` with a ${BYTES / 1048576} MiB random file (stdin a regular file: the CLI reads it 512 KiB at a time), the hash the server prints checked, timed from spawn to exit (login included; ${list(hf)} MB/s). Reference: \`ssh host sha256sum < file\` (${list(ref)} MB/s). Median of ${RUNS}, interleaved.`,
      samples: { holdfast: hf, reference: ref },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function faultsRow(sshd: Sshd, input: Buffer, want: string): Promise<Row> {
  const proxy = await startFaultProxy({ target: { host: sshd.host, port: sshd.port } });
  try {
    const fast = ['-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=3'];
    const c = await holdfastCat(sshd, proxy.port, fast);
    let seen = 0;
    c.stdout.on('data', (d: Buffer) => (seen += d.length));
    const t0 = wallMs();
    const result = pump(c, input);
    await pollFor('a third through', () => seen > BYTES / 3, 120_000);
    proxy.reset();
    await pollFor('two thirds through', () => seen > (2 * BYTES) / 3, 120_000);
    proxy.blackhole();
    await delay(4_000); // longer than 3 keepalives: the link is judged dead
    proxy.pass();
    const r = await result;
    const s = (wallMs() - t0) / 1000;
    const ok = r.sha === want && r.bytes === input.length;
    return row({
      section: SECTION,
      name: '100 MB each way through a pipe, reset + black-hole',
      unit: 's',
      holdfast: s,
      reference: null,
      referenceLabel: 'OpenSSH: the connection dies',
      budget: FAULTS,
      verdict: ok ? 'INFO' : 'FAIL',
      note: `${BYTES / 1048576} MiB of random bytes into \`holdfast host -- cat\` and out again through the fault proxy: a reset at a third of the output, a 4 s black-hole at two thirds (keepalive 1 s × 3). sha256 ${ok ? 'equal' : 'DIFFERENT'} at the far end (${r.bytes} bytes); wall time ${s.toFixed(1)} s including the outage.`,
    });
  } finally {
    await proxy.close();
  }
}

export async function pipeRows(): Promise<Row[]> {
  log('pipes: starting sshd on 127.0.0.1');
  const sshd = await startSshd({ label: 'bench-pipes' });
  const input = randomBytes(BYTES);
  const want = sha(input);
  const rows: Row[] = [];
  try {
    for (const [what, budget, fn] of [
      ['pipe throughput', THROUGHPUT, throughputRows],
      ['file upload', THROUGHPUT, fileRow],
      ['pipe faults', FAULTS, faultsRow],
    ] as const) {
      try {
        const made = await fn(sshd, input, want);
        rows.push(...(Array.isArray(made) ? made : [made]));
      } catch (e) {
        log(`pipes: ${what} broke: ${(e as Error).stack ?? String(e)}`);
        rows.push(errored(SECTION, what, budget, (e as Error).message));
      }
    }
  } finally {
    await sshd.stop();
  }
  return rows;
}
