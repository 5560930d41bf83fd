// Proves the wire protocol against a real master: handshake and version refusal, INFO,
// two clients at once, exact resume from any offset, GAP after the ring wrapped, PONG
// ordering, window size "latest wins", input applied exactly once across a dropped
// bridge, and that garbage or oversized frames get ERROR(PROTOCOL) while the session and
// its other clients go on untouched, and that a connection stalling in the handshake is
// dropped after HELLO_TIMEOUT so it cannot hold a connection slot forever.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import {
  AgentConn,
  enc,
  ERR,
  FLAG_FROM_END,
  frame,
  info,
  makeHome,
  MSG,
  randomClientId,
  type AgentHome,
} from '../support/agent';
import { pollFor } from '../support/proc';

let homes: AgentHome[] = [];
let conns: AgentConn[] = [];
function home(): AgentHome {
  const h = makeHome();
  homes.push(h);
  return h;
}
async function sock(h: AgentHome, id: string): Promise<AgentConn> {
  const c = await AgentConn.socket(h, id);
  conns.push(c);
  return c;
}
afterEach(async () => {
  for (const c of conns) c.close();
  conns = [];
  await Promise.all(homes.map((h) => h.cleanup()));
  homes = [];
});

/** Connections a master takes at once (README "The master": 64 clients, 80 connections). */
const CONN_LIMIT = 80;

/** Output of `seq 1 N` through a PTY (newlines become CRLF). */
function seqOutput(n: number): string {
  let s = '';
  for (let i = 1; i <= n; i++) s += `${i}\r\n`;
  return s;
}

describe('the agent protocol', () => {
  it('answers HELLO with WELCOME and refuses a version range it does not speak', async () => {
    const h = home();
    const id = await h.newSession(['--', 'sleep', '30']);
    const ok = await sock(h, id);
    ok.send(enc.hello(1, 6, 'test/1'));
    const w = await ok.next('welcome');
    expect(w.version).toBe(5);
    expect(w.agent).toMatch(/^holdfast-agent \d+\.\d+\.\d+$/);

    const bad = await sock(h, id);
    bad.send(enc.hello(6, 7));
    const e = await bad.next('error').catch(() => bad.received[0]);
    expect(e).toMatchObject({ type: 'error', code: ERR.VERSION });
    expect((e as { message: string }).message).toMatch(/1\.\.5.*6\.\.7/);

    const old = await sock(h, id); // a version 1 client keeps version 1
    old.send(enc.hello(1, 1));
    expect((await old.next('welcome')).version).toBe(1);
    const v2 = await sock(h, id); // and a version 2 client version 2
    v2.send(enc.hello(1, 2));
    expect((await v2.next('welcome')).version).toBe(2);
    const v3 = await sock(h, id); // and a version 3 client (no pipes) version 3
    v3.send(enc.hello(1, 3));
    expect((await v3.next('welcome')).version).toBe(3);
    await bad.closed;
  });

  it('answers INFO with the object ls --json prints, then closes', async () => {
    const h = home();
    const id = await h.newSession(['--name', 'x', '--', 'sleep', '30']);
    const obj = await info(h, id);
    const ls = JSON.parse((await h.run(['ls', '--json'])).stdout) as Record<string, unknown>[];
    // The same object, but for the clocks that moved between the two asks.
    const still = (o: unknown) => {
      const { idle_ms: _i, age_ms: _a, ...rest } = o as Record<string, unknown>;
      return rest;
    };
    expect(ls.map(still)).toEqual([still(obj)]);
    expect(Object.keys(ls[0]!)).toEqual(Object.keys(obj as object));
  });

  it('lets two clients at once both see output and either type', async () => {
    const h = home();
    const id = await h.newSession(['--', 'cat']);
    const a = await sock(h, id);
    const b = await sock(h, id);
    await a.attach();
    await b.attach();
    a.send(enc.input(1, 'from-a\n'));
    await a.waitOutput('a sees a', (o) => o.includes('from-a\r\nfrom-a\r\n'));
    await b.waitOutput('b sees a', (o) => o.includes('from-a\r\nfrom-a\r\n'));
    b.send(enc.input(1, 'from-b\n'));
    await a.waitOutput('a sees b', (o) => o.includes('from-b\r\nfrom-b\r\n'));
    await b.waitOutput('b sees b', (o) => o.includes('from-b\r\nfrom-b\r\n'));
    expect(a.output().toString()).toBe(b.output().toString());
    expect(await a.next('ack')).toMatchObject({ seq: 1n });
    expect(await b.next('ack')).toMatchObject({ seq: 1n });
  });

  it('resumes from any offset with exactly the bytes from there', async () => {
    const h = home();
    const want = seqOutput(12000);
    const id = await h.newSession(['--', 'sh', '-c', 'seq 1 12000; sleep 30']);
    const first = await sock(h, id);
    await first.attach();
    await first.waitOutput('all output', (o) => o.length >= want.length);
    const full = first.output();
    expect(full.toString()).toBe(want);
    for (const off of [0, 1, 4095, 65536, 12345, full.length - 1, full.length]) {
      const c = await sock(h, id);
      const att = await c.attach({ offset: BigInt(off) });
      expect(att.ringStart).toBe(0n);
      expect(att.endOffset).toBe(BigInt(full.length));
      if (off < full.length) {
        await c.waitOutput(`bytes from ${off}`, (o) => o.length >= full.length - off);
      }
      const outs = c.received.filter((r) => r.type === 'output');
      let expectAt = BigInt(off);
      for (const o of outs) {
        if (o.type !== 'output') continue;
        expect(o.offset).toBe(expectAt); // contiguous, no holes, no repeats
        expectAt += BigInt(o.data.length);
      }
      expect(c.output().equals(full.subarray(off))).toBe(true);
      c.close();
    }
    const beyond = await sock(h, id);
    beyond.send(enc.hello(), enc.attach(randomClientId(), BigInt(full.length + 1)));
    await beyond.next('welcome');
    expect(await beyond.next('error').catch(() => beyond.received.at(-1))).toMatchObject({
      code: ERR.OFFSET,
    });
  });

  it('reports a GAP for output that fell out of a small ring, then continues', async () => {
    const h = home();
    const want = seqOutput(5000);
    const id = await h.newSession([
      '--scrollback',
      '4096',
      '--',
      'sh',
      '-c',
      'seq 1 5000; sleep 30',
    ]);
    const end = await pollFor('all output produced', async () => {
      const c = await sock(h, id);
      const att = await c.attach({ flags: FLAG_FROM_END });
      c.close();
      return att.endOffset === BigInt(want.length) ? att : undefined;
    });
    expect(end.ringStart).toBe(BigInt(want.length - 4096));
    const c = await sock(h, id);
    await c.attach({ offset: 100n });
    const gap = await c.next('gap');
    expect(gap).toMatchObject({ from: 100n, to: BigInt(want.length - 4096) });
    await c.waitOutput('the ring', (o) => o.length >= 4096);
    expect(c.output().toString()).toBe(want.slice(want.length - 4096));
    const firstOut = c.received.find((r) => r.type === 'output');
    expect(firstOut).toMatchObject({ offset: BigInt(want.length - 4096) });
  });

  it('sends PONG only after the output queued before the PING', async () => {
    const h = home();
    const total = seqOutput(20000).length;
    const id = await h.newSession(['--', 'sh', '-c', 'seq 1 20000; sleep 30']);
    await pollFor('all output produced', async () => {
      const p = await sock(h, id);
      const att = await p.attach({ flags: FLAG_FROM_END });
      p.close();
      return att.endOffset === BigInt(total);
    });
    const c = await sock(h, id);
    await c.attach();
    c.send(enc.ping(42n));
    const pong = await c.next('pong');
    expect(pong.token).toBe(42n);
    // everything produced before the PING had arrived before the PONG
    const idx = c.received.findIndex((r) => r.type === 'pong');
    const before = c.received.slice(0, idx).filter((r) => r.type === 'output');
    const bytes = before.reduce((n, r) => n + (r.type === 'output' ? r.data.length : 0), 0);
    expect(bytes).toBe(total);
  });

  it('gives the session the window size of the client that resized last', async () => {
    const h = home();
    const id = await h.newSession(['--cols', '80', '--rows', '24', '--', 'sleep', '30']);
    const a = await sock(h, id);
    const b = await sock(h, id);
    expect(await a.attach()).toMatchObject({ cols: 80, rows: 24 });
    await b.attach();
    a.send(enc.resize(100, 30));
    b.send(enc.resize(120, 40));
    await pollFor('latest size', async () => {
      const c = await sock(h, id);
      const att = await c.attach({ flags: FLAG_FROM_END });
      c.close();
      return att.cols === 120 && att.rows === 40;
    });
  });

  it('applies input exactly once across a bridge killed mid-stream', async () => {
    const h = home();
    const out = path.join(h.root, 'typed.txt');
    const id = await h.newSession(['--', 'sh', '-c', `stty -echo; cat > ${out}`]);
    const clientId = randomClientId();
    const N = 60;
    const line = (i: number): string => `line ${i}\n`;

    const first = AgentConn.bridge(h, id);
    expect((await first.attach({ clientId, flags: FLAG_FROM_END })).inputAcked).toBe(0n);
    for (let i = 1; i <= 40; i++) first.send(enc.input(i, line(i)));
    await first.waitFor('some acks', (r) => r.type === 'ack' && r.seq >= 5n);
    first.close(); // SIGKILL the bridge: frames in flight may be cut anywhere
    await first.closed;

    const second = AgentConn.bridge(h, id);
    const att = await second.attach({ clientId, flags: FLAG_FROM_END });
    const acked = Number(att.inputAcked);
    expect(acked).toBeGreaterThanOrEqual(5);
    // resend from a little before the acked seq: duplicates must be dropped (and acked)
    for (let i = Math.max(1, acked - 3); i <= N; i++) second.send(enc.input(i, line(i)));
    await second.waitFor('ack of the last', (r) => r.type === 'ack' && r.seq === BigInt(N));
    const text = await pollFor('all lines in the file', () => {
      const t = existsSync(out) ? readFileSync(out, 'utf8') : '';
      return t.includes(line(N)) ? t : undefined;
    });
    const expected = Array.from({ length: N }, (_, i) => line(i + 1)).join('');
    expect(text).toBe(expected);
    second.close();
  });

  it('answers garbage and oversized frames with ERROR(PROTOCOL) and leaves the session alone', async () => {
    const h = home();
    const id = await h.newSession(['--', 'cat']);
    const watcher = await sock(h, id);
    await watcher.attach();

    const abuse: Array<[string, Buffer[], boolean]> = [
      ['garbage bytes', [Buffer.from('GET / HTTP/1.1\r\n\r\n')], false],
      [
        'an oversized length',
        [enc.hello(), frame(MSG.INPUT).subarray(0, 1), Buffer.from([0xff, 0xff, 0xff, 0xff])],
        false,
      ],
      ['an agent frame type', [enc.hello(), frame(MSG.OUTPUT, Buffer.alloc(20))], false],
      ['INPUT before HELLO', [enc.input(1, 'x')], false],
      ['INFO before HELLO', [enc.info()], false],
      ['INPUT before ATTACH', [enc.hello(), enc.input(1, 'x')], false],
      ['a short ATTACH', [enc.hello(), frame(MSG.ATTACH, Buffer.alloc(10))], false],
      ['unknown ATTACH flags', [enc.hello(), enc.attach(randomClientId(), 0n, 0x80)], false],
      [
        'a version 2 frame in version 1',
        [enc.hello(1, 1), enc.attachV2(randomClientId(), 0n)],
        false,
      ],
      [
        'KEEPALIVE in version 1',
        [enc.hello(1, 1), enc.attach(randomClientId(), 0n), enc.keepalive()],
        false,
      ],
      ['ATTACH, retired in version 2', [enc.hello(1, 2), enc.attach(randomClientId(), 0n)], false],
      ['a zero RESIZE', [enc.resize(0, 0)], true],
      ['a RESIZE over 4096', [enc.resize(5000, 10)], true],
      ['an unknown SIGNAL', [enc.signal(7)], true],
      ['an INPUT seq that skips', [enc.input(1, 'x'), enc.input(5, 'x')], true],
      ['a second HELLO', [enc.hello()], true],
      ['INPUT without data', [frame(MSG.INPUT, Buffer.alloc(8))], true],
    ];
    for (const [what, frames, afterAttach] of abuse) {
      const c = await sock(h, id);
      if (afterAttach) await c.attach();
      c.send(...frames);
      const e = await c.waitFor(what, (r) => r.type === 'error');
      expect(e, what).toMatchObject({ code: ERR.PROTOCOL });
      await c.closed;
    }
    // the session and the watcher never noticed
    watcher.send(enc.input(1, 'still here\n'));
    // (echo and cat's copy; the skipping client's 'x' went in first, into the same line)
    await watcher.waitOutput('echo', (o) => (o.match(/still here\r\n/g) ?? []).length >= 2);
    expect((await info(h, id)).state).toBe('running');
    expect(watcher.received.some((r) => r.type === 'error')).toBe(false);
  });

  it('an ERROR reaches a client that sent more behind the frame it refused', async () => {
    // The master refuses the first bad frame and ends the connection with the rest of what
    // the client sent still unread. Closed at once, Linux would reset the connection and
    // the client would never read the ERROR saying why (linger.c).
    const h = home();
    const id = await h.newSession(['--', 'cat']);
    for (let round = 0; round < 5; round++) {
      const c = await sock(h, id);
      await c.attach();
      c.send(enc.resize(0, 0), Buffer.alloc(1 << 20, 0x41));
      const e = await c.waitFor('the ERROR', (r) => r.type === 'error', 10_000);
      expect(e).toMatchObject({ code: ERR.PROTOCOL });
      await c.closed;
    }
  });

  it('a connection over the limit gets BUSY even when it sent its HELLO and more first', async () => {
    // The master refuses it as it accepts it, with the client's bytes unread: closed at
    // once, the connection would be reset and BUSY lost (linger.c).
    const h = home();
    const id = await h.newSession(['--', 'cat']);
    const held: AgentConn[] = [];
    for (let i = 0; i < CONN_LIMIT; i++) held.push(await sock(h, id));
    for (let round = 0; round < 3; round++) {
      const c = await sock(h, id);
      c.send(enc.hello(), Buffer.alloc(128 * 1024, 0x41));
      expect(await c.waitFor('BUSY', (r) => r.type === 'error', 10_000)).toMatchObject({
        code: ERR.BUSY,
      });
      await c.closed;
    }
    for (const c of held) c.close();
  });

  it('drops connections that stall in the handshake after HELLO_TIMEOUT, freeing their slots', async () => {
    const h = home();
    const id = await h.newSession(['--', 'cat']);
    const watcher = await sock(h, id);
    await watcher.attach();
    // Every other slot goes to a client that stalls: one says HELLO and never ATTACH, the
    // rest say nothing at all. Until the deadline the master has no room for anyone else.
    const t0 = Date.now();
    const stalled: AgentConn[] = [];
    for (let i = 0; i < CONN_LIMIT - 1; i++) {
      const c = await sock(h, id);
      if (i === 0) c.send(enc.hello());
      stalled.push(c);
    }
    const refused = await sock(h, id);
    expect(await refused.next('error')).toMatchObject({ code: ERR.BUSY });

    const errors = await Promise.all(
      stalled.map(async (c, i) => {
        const e = await c.waitFor(
          `ERROR on stalled connection ${i}`,
          (r) => r.type === 'error',
          30_000,
        );
        await c.closed;
        return e;
      }),
    );
    const waited = Date.now() - t0;
    console.log(`stalled connections dropped after ${waited} ms`);
    for (const e of errors) expect(e).toMatchObject({ code: ERR.TIMEOUT });
    expect((errors[0] as { message: string }).message).toMatch(/within 10 s/);
    expect(stalled[0]?.received[0]?.type).toBe('welcome');
    expect(waited).toBeGreaterThanOrEqual(9_000); // HELLO_TIMEOUT is 10 s: slow links get it all

    // The slots are free again, and the session and its attached client never noticed.
    const late = await sock(h, id);
    await late.attach({ flags: FLAG_FROM_END });
    watcher.send(enc.input(1, 'still here\n'));
    // (echo and cat's copy; the skipping client's 'x' went in first, into the same line)
    await watcher.waitOutput('echo', (o) => (o.match(/still here\r\n/g) ?? []).length >= 2);
    await late.waitOutput('echo', (o) => o.includes('still here\r\nstill here\r\n'));
    expect(watcher.received.some((r) => r.type === 'error')).toBe(false);
    expect(await info(h, id)).toMatchObject({ state: 'running', attached: 2 });
  });

  it('drops a client that sends DETACH and keeps the session', async () => {
    const h = home();
    const id = await h.newSession(['--', 'sleep', '30']);
    const c = await sock(h, id);
    await c.attach();
    c.send(enc.detach());
    await c.closed;
    expect((await info(h, id)).state).toBe('running');
  });
});
