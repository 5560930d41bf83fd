// Proves `holdfast-agent bridge` sleeps instead of spinning when the session hangs up while
// nobody reads the bridge's stdout (its pipe full): it waits in poll() for stdout to take
// more, then delivers every byte the session sent, EXIT included, and exits.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';

import { AgentConn, enc, info, makeHome, randomClientId, type AgentHome } from '../support/agent';
import { delay, isAlive, pollFor } from '../support/proc';

let homes: AgentHome[] = [];
let conns: AgentConn[] = [];
afterEach(async () => {
  for (const c of conns) c.close();
  conns = [];
  await Promise.all(homes.map((h) => h.cleanup()));
  homes = [];
});

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** CPU time a process has used so far, in ms (utime + stime of /proc/PID/stat). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields 3.. of stat
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** Output of `seq 1 N` through a PTY (newlines become CRLF). */
function seqOutput(n: number): string {
  let s = '';
  for (let i = 1; i <= n; i++) s += `${i}\r\n`;
  return s;
}

describe('holdfast-agent bridge', () => {
  it('sleeps while its stdout is full after the session hung up, then delivers every byte', async () => {
    const h = makeHome();
    homes.push(h);
    // ~300 KB: all of it and EXIT fit in the socket, the bridge's buffer and its stdout
    // pipe, so the master can hand everything over and hang up while nobody reads.
    const n = 45_000;
    const want = seqOutput(n);
    const id = await h.newSession(['--', 'sh', '-c', `seq 1 ${n}; exit 3`]);
    await pollFor('the command to finish', async () => (await info(h, id)).state === 'exited 3');
    const master = Number(h.meta(id).pid);

    const c = AgentConn.bridge(h, id);
    conns.push(c);
    const bridge = c.process;
    if (!bridge?.pid || !bridge.stdout) throw new Error('the bridge did not start');
    const exitCode = new Promise<number | null>((resolve) => bridge.once('exit', resolve));
    bridge.stdout.pause(); // nobody reads: the bridge's stdout pipe fills up
    c.send(enc.hello(), enc.attach(randomClientId(), 0n));
    // The master writes everything and EXIT, counts EXIT as collected, and ends
    // EXIT_LINGER (5 s) later: by then it has certainly hung up on the bridge.
    await pollFor('the master to hand over EXIT and end', () => !isAlive(master), 20_000);

    const before = cpuMs(bridge.pid);
    await delay(1000);
    const used = cpuMs(bridge.pid) - before;
    console.log(`bridge CPU over 1 s with stdout full and the session gone: ${used} ms`);
    expect(used).toBeLessThan(100);

    bridge.stdout.resume();
    const exit = await c.next('exit', 20_000);
    expect(exit).toMatchObject({ status: 3, endOffset: BigInt(want.length) });
    expect(c.output().toString() === want).toBe(true);
    await c.closed;
    expect(await exitCode).toBe(0);
  });
});
