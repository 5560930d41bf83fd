// Proves `holdfast-agent bridge` hands its stdin and stdout to the session's master: the
// master then reads and writes them itself (a stopped bridge stops nothing, and uses no
// CPU while output floods), and the bridge exits 0 once the master lets go. Against a
// master from before that hand-over (it answers ERROR) the bridge relays instead; that
// relay sleeps instead of spinning when the session hangs up while nobody reads its stdout
// (its pipe full), then delivers every byte the session sent, EXIT included, and exits.
import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync } from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

import { AgentConn, enc, info, makeHome, randomClientId, type AgentHome } from '../support/agent';
import { delay, isAlive, pollFor } from '../support/proc';

let homes: AgentHome[] = [];
let conns: AgentConn[] = [];
let fronts: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const c of conns) c.close();
  conns = [];
  await Promise.all(fronts.map((f) => f.close()));
  fronts = [];
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

/**
 * Stands in front of session `id` as a master from before ADOPT would: a connection that
 * starts with ADOPT gets ERROR(PROTOCOL) and is closed, any other is passed through to the
 * real master (its socket moved aside). Says how many ADOPTs it refused.
 */
async function oldMasterFront(h: AgentHome, id: string) {
  const real = `${h.socketPath(id)}.real`;
  renameSync(h.socketPath(id), real);
  let refused = 0;
  const server = net.createServer((conn) => {
    conn.on('error', () => undefined); // the bridge or the test may hang up first
    conn.once('readable', () => {
      const first = conn.read(5) as Buffer | null;
      if (!first) return void conn.destroy();
      if (first[0] === 0x20) {
        refused++;
        const text = Buffer.from('frame type 0x20 is not a client frame');
        const err = Buffer.alloc(7 + text.length);
        err[0] = 0x87; // ERROR
        err.writeUInt32BE(2 + text.length, 1);
        err.writeUInt16BE(1, 5); // PROTOCOL
        text.copy(err, 7);
        return void conn.end(err);
      }
      const up = net.connect(real);
      up.on('error', () => conn.end()); // what came before is delivered first
      conn.on('close', () => up.destroy());
      up.write(first);
      conn.pipe(up).pipe(conn);
    });
  });
  await new Promise<void>((r) => server.listen(h.socketPath(id), r));
  return { refused: () => refused, close: () => new Promise((r) => server.close(r)) };
}

describe('holdfast-agent bridge', () => {
  it('hands stdin and stdout to the master: stopped, it stops nothing; it exits 0 when let go', async () => {
    const h = makeHome();
    homes.push(h);
    const id = await h.newSession(['--', 'sh']);
    const c = AgentConn.bridge(h, id);
    conns.push(c);
    const bridge = c.process;
    if (!bridge?.pid) throw new Error('the bridge did not start');
    const exitCode = new Promise<number | null>((resolve) => bridge.once('exit', resolve));
    await c.attach();
    // From here the master reads the frames written into the bridge's stdin itself.
    process.kill(bridge.pid, 'SIGSTOP');
    try {
      const before = cpuMs(bridge.pid);
      c.send(enc.input(1, 'echo typed-while-stopped; seq 1 20000; echo done-$((6*7))\r'));
      await c.waitOutput('the command and its 109 kB', (o) => o.includes('done-42'), 20_000);
      expect(c.output().toString()).toContain('typed-while-stopped');
      expect(cpuMs(bridge.pid) - before).toBe(0);
    } finally {
      process.kill(bridge.pid, 'SIGCONT');
    }
    c.send(enc.detach());
    await c.closed;
    expect(await exitCode).toBe(0);
    expect((await info(h, id)).state).toBe('running'); // detached, not ended
  });

  it('serves several handed-over clients of one session at once, each exactly', async () => {
    const h = makeHome();
    homes.push(h);
    const id = await h.newSession(['--', 'sh']);
    const cs = [0, 1, 2].map(() => AgentConn.bridge(h, id));
    conns.push(...cs);
    for (const c of cs) await c.attach({ version: 3 });
    cs[1]!.send(enc.input(1, 'echo from-$((1+1))\r'));
    for (const c of cs) await c.waitOutput('every client', (o) => o.includes('from-2'));
    cs[0]!.send(enc.detach());
    await cs[0]!.closed;
    cs[2]!.send(enc.input(1, 'seq 1 3000 | tail -1\r'));
    for (const c of cs.slice(1)) await c.waitOutput('both left', (o) => o.includes('3000\r\n'));
    for (const c of cs) expect(c.output().toString().split('from-2').length - 1).toBe(1); // once
  });

  it('relays for a master from before the hand-over, which refuses it', async () => {
    const h = makeHome();
    homes.push(h);
    const id = await h.newSession(['--', 'cat']);
    const front = await oldMasterFront(h, id);
    try {
      const c = AgentConn.bridge(h, id);
      conns.push(c);
      await c.attach();
      c.send(enc.input(1, 'through the relay\r'));
      await c.waitOutput('the echo', (o) => o.includes('through the relay'));
      expect(front.refused()).toBe(1);
      c.send(enc.detach());
      await c.closed;
    } finally {
      await front.close();
    }
  });

  it('relaying, sleeps while its stdout is full after the session hung up, then delivers every byte', async () => {
    const h = makeHome();
    homes.push(h);
    // ~480 KB: more than the bridge's stdout pipe and the reader's buffer hold, so the
    // bridge keeps some; less than everything on the way holds (the sockets, the old
    // master's stand-in, the bridge's buffer), so the master can hand everything over,
    // EXIT included, and hang up while nobody reads.
    const n = 70_000;
    const want = seqOutput(n);
    const id = await h.newSession(['--', 'sh', '-c', `seq 1 ${n}; exit 3`]);
    await pollFor('the command to finish', async () => (await info(h, id)).state === 'exited 3');
    const master = Number(h.meta(id).pid);
    const front = await oldMasterFront(h, id);
    fronts.push(front);

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
