// Proves the pipe master (`new --pipes`, PROTOCOL.md "Pipes", version 4): stdout and
// stderr come back byte-exact on streams of their own, each from the offsets a client
// resumes at; stdin is written exactly once and closed by a sequenced INPUT_EOF; the
// rings never overwrite what no client acknowledged (the command waits, however long
// nobody comes); EXIT_PIPES follows all of both streams and says the status as ssh does.
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import {
  AgentConn,
  FLAG_FROM_ACKED,
  enc,
  info,
  agentTestScope,
  randomClientId,
  type AgentHome,
  type Reply,
} from '../support/agent';
import { delay } from '../support/proc';

const scope = agentTestScope(afterEach);
const home = (): AgentHome => scope.home();
const connect = (h: AgentHome, id: string): Promise<AgentConn> => scope.socket(h, id);

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Acknowledges everything received so far, as a client that wrote it out would. */
function ackAll(c: AgentConn, base = 0n, errBase = 0n): void {
  c.send(enc.pipesShown(base + BigInt(c.output().length), errBase + BigInt(c.errOutput().length)));
}

/** Takes output until EXIT_PIPES, acknowledging as it goes. */
async function drain(
  c: AgentConn,
  base = 0n,
  errBase = 0n,
): Promise<Extract<Reply, { type: 'exit-pipes' }>> {
  const t = setInterval(() => ackAll(c, base, errBase), 20);
  try {
    return await c.next('exit-pipes', 20_000);
  } finally {
    clearInterval(t);
  }
}

describe('pipes session: the command runs without a terminal', () => {
  it('returns 1 MiB of binary stdout byte-exact, stderr apart, and the exit code', async () => {
    const h = home();
    const data = randomBytes(1 << 20);
    const file = path.join(h.root, 'random.bin');
    writeFileSync(file, data);
    const id = await h.newSession([
      '--pipes',
      '--',
      'sh',
      '-c',
      `cat '${file}'; echo 'to stderr' >&2; exit 3`,
    ]);
    const c = await connect(h, id);
    const att = await c.attachPipes();
    expect(att.ringStart).toBe(0n);
    const exit = await drain(c);
    expect(sha(c.output())).toBe(sha(data));
    expect(c.errOutput().toString()).toBe('to stderr\n');
    expect(exit).toMatchObject({ status: 3, signal: 0, errEnd: 10n });
    expect(exit.endOffset).toBe(BigInt(data.length));
    // no terminal: no CR added, and the command saw no tty
    expect((await info(h, id)).pipes).toBe(true);
  });

  it('reports a command killed by a signal with its number', async () => {
    const h = home();
    const id = await h.newSession(['--pipes', '--', 'sh', '-c', 'kill -9 $$']);
    const c = await connect(h, id);
    await c.attachPipes();
    expect(await drain(c)).toMatchObject({ status: 137, signal: 9 });
  });

  it('writes stdin exactly once, long lines and all, and closes it at INPUT_EOF', async () => {
    const h = home();
    const id = await h.newSession(['--pipes', '--', 'cat']);
    const c = await connect(h, id);
    const cid = randomClientId();
    await c.attachPipes({ clientId: cid });
    // 1.3 MB in lines far over the tty's 4095-byte limit, in 64 KiB INPUTs
    const data = Buffer.from(randomBytes(1_300_000).toString('base64').slice(0, 1_300_000));
    let seq = 0;
    for (let at = 0; at < data.length; at += 65_536) {
      c.send(enc.input(++seq, data.subarray(at, at + 65_536)));
    }
    c.send(enc.inputEof(++seq));
    // a resent INPUT and INPUT_EOF after the fact are duplicates: dropped, acknowledged
    c.send(enc.input(1, data.subarray(0, 65_536)), enc.inputEof(seq));
    const exit = await drain(c);
    expect(exit.status).toBe(0);
    expect(sha(c.output())).toBe(sha(data));
    expect(c.received.filter((r) => r.type === 'ack').at(-1)).toEqual({
      type: 'ack',
      seq: BigInt(seq),
    });
  });

  // Each ACK is an SSH packet through sshd and a wakeup of the client: the master says
  // them in batches (pipes.c: PIPES_ACK_BYTES = 256 KiB, PIPES_ACK_MS = 10), at most one
  // per 10 ms below a batch, where it used to say one per INPUT arriving on its own.
  it('acknowledges stdin in batches, not one ACK per INPUT, and a lone one promptly', async () => {
    const h = home();
    const id = await h.newSession(['--pipes', '--', 'cat']);
    const c = await connect(h, id);
    await c.attachPipes({ clientId: randomClientId() });
    const chunk = randomBytes(4096);
    const t0 = Date.now();
    for (let seq = 1; seq <= 64; seq++) {
      c.send(enc.input(seq, chunk)); // each on its own: written before the next comes
      await delay(1);
    }
    await c.waitFor('the ACK of all 64', (r) => r.type === 'ack' && r.seq === 64n);
    const acks = c.received.filter((r) => r.type === 'ack').length;
    expect(acks).toBeLessThanOrEqual(Math.ceil((Date.now() - t0) / 10) + 2);
    const t1 = Date.now();
    c.send(enc.input(65, 'x'));
    await c.waitFor('the ACK of a lone INPUT', (r) => r.type === 'ack' && r.seq === 65n, 5_000);
    expect(Date.now() - t1).toBeLessThan(2_000);
  });

  it('never overwrites unacknowledged output: the command waits for a client', async () => {
    const h = home();
    const data = randomBytes(1 << 20);
    const file = path.join(h.root, 'random.bin');
    writeFileSync(file, data);
    // a 64 KiB ring, 16 times smaller than the output, and nobody attached for a while
    const id = await h.newSession(['--pipes', '--scrollback', '64K', '--', 'cat', file]);
    await delay(500);
    const c = await connect(h, id);
    const att = await c.attachPipes();
    expect(att.ringStart).toBe(0n);
    expect(att.endOffset).toBeLessThanOrEqual(64n * 1024n);
    await drain(c);
    expect(c.received.some((r) => r.type === 'gap' || r.type === 'err-gap')).toBe(false);
    expect(sha(c.output())).toBe(sha(data));
  });

  // Once flaky under load, for two reasons now fixed: the master closed the collector's
  // link right after EXIT_PIPES, so an acknowledgement the collector sent before reading
  // the rest failed (EPIPE) and Node dropped the unread output with the socket (the master
  // now half-closes and holds the link until the client closes it, linger.c); and the second client resumed where the
  // first stopped, which could be the ring's limit, so no more output came to it.
  it('resumes both streams from the offsets a client gives, or from what was acknowledged', async () => {
    const h = home();
    const n = 20_000; // ~190 KB a stream: three times the ring, so it waits for acknowledgements
    const id = await h.newSession([
      '--pipes',
      '--scrollback',
      '64K',
      '--',
      'sh',
      '-c',
      `i=0; while [ $i -lt ${n} ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done`,
    ]);
    const want = (s: string) => Array.from({ length: n }, (_, i) => `${s} ${i}\n`).join('');
    const first = await connect(h, id);
    await first.attachPipes();
    await first.waitOutput('some output', (o) => o.length > 10_000);
    // it saved 5000 bytes of stdout (what it received may reach the ring's limit, past
    // which nothing comes until more is acknowledged)
    const out1 = first.output().subarray(0, 5000);
    const err1 = first.errOutput();
    const errAck = BigInt(Math.min(err1.length, 500));
    // acknowledge part of it (PONG: the agent has read it), then vanish without a word
    first.send(enc.pipesShown(1000n, errAck), enc.ping(7n));
    await first.next('pong');
    first.close();

    // a client that knows where it is goes on from there, byte for byte
    const second = await connect(h, id);
    const att2 = await second.attachPipes({
      offset: BigInt(out1.length),
      errOffset: BigInt(err1.length),
    });
    expect([att2.from, att2.errFrom]).toEqual([BigInt(out1.length), BigInt(err1.length)]);
    await second.waitOutput('more output', (o) => o.length > 1000);
    const out2 = Buffer.concat([out1, second.output()]).toString();
    expect(want('out').startsWith(out2)).toBe(true);
    second.close(); // without acknowledging anything

    // a collector that does not know starts at what was acknowledged, and gets all the rest
    const third = await connect(h, id);
    const att = await third.attachPipes({ flags: FLAG_FROM_ACKED });
    expect([att.from, att.errFrom]).toEqual([1000n, errAck]);
    const exit = await drain(third, 1000n, errAck);
    expect(exit.status).toBe(0);
    expect(third.received.some((r) => r.type === 'gap' || r.type === 'err-gap')).toBe(false);
    expect(third.output().toString()).toBe(want('out').slice(1000));
    expect(third.errOutput().toString()).toBe(want('err').slice(Number(errAck)));
  });

  it('a collector acknowledging as fast as it reads still gets the last output and EXIT', async () => {
    // The master ends the connection once EXIT is out. Had it closed the socket with the
    // client's latest acknowledgements unread, Linux resets the connection and the client
    // loses what was still on its way (linger.c): the tail and EXIT, now and then.
    const h = home();
    for (let round = 0; round < 10; round++) {
      const id = await h.newSession(['--pipes', '--', 'sh', '-c', 'seq 1 20000']);
      const c = await connect(h, id);
      await c.attachPipes();
      const t = setInterval(() => ackAll(c), 1);
      try {
        const exit = await c.next('exit-pipes', 20_000);
        expect(exit.status).toBe(0);
      } finally {
        clearInterval(t);
      }
      const lines = c.output().toString().trimEnd().split('\n');
      expect(lines.length).toBe(20000);
      expect(lines.at(-1)).toBe('20000');
    }
  });

  it('lets a client that writes after EXIT_PIPES, before reading, still read all of it', async () => {
    const h = home();
    const id = await h.newSession(['--pipes', '--', 'sh', '-c', 'sleep 0.3; echo done; exit 5']);
    const c = await connect(h, id);
    await c.attachPipes();
    c.socket!.pause(); // a busy client: the output and EXIT_PIPES wait unread
    await delay(1000); // the command has ended and the master has written it all
    // an acknowledgement already on its way (a keepalive here): the link must still take it
    c.send(enc.keepalive());
    await delay(200);
    c.socket!.resume();
    const exit = await c.next('exit-pipes');
    expect(exit.status).toBe(5);
    expect(c.output().toString()).toBe('done\n');
    await c.closed; // and then a clean end
  });

  it('sends EXIT only after stdout ends, like sshd when a background job keeps it open', async () => {
    const h = home();
    const id = await h.newSession(['--pipes', '--', 'sh', '-c', '(sleep 1; echo late) & exit 0']);
    const c = await connect(h, id);
    await c.attachPipes();
    const exit = await drain(c);
    expect(c.output().toString()).toBe('late\n');
    expect(exit.status).toBe(0);
  });

  it('answers ATTACH_PIPES to a terminal session with a terminal ATTACHED', async () => {
    const h = home();
    const id = await h.newSession(['--', 'sh', '-c', 'echo hi; sleep 5']);
    const c = await connect(h, id);
    c.send(enc.hello(1, 4), enc.attachPipes(randomClientId(), 0n, 0n));
    await c.next('welcome');
    const att = await c.next('attached');
    expect(att.cols).toBe(80);
    await c.waitOutput('the terminal output', (o) => o.includes('hi\r\n'));
  });

  it('refuses pipes frames on a terminal link and in version 3', async () => {
    const h = home();
    const id = await h.newSession(['--', 'sleep', '5']);
    const c = await connect(h, id);
    await c.attach({ version: 3 });
    c.send(enc.inputEof(1));
    expect((await c.next('error')).message).toMatch(/does not exist in protocol version 3/);
  });
});
