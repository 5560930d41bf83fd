// Proves the engine ends what its forwards carry on the server (the resumable carrier: an
// agent session running `holdfast-agent nc` per connection), as ssh's channels close with
// ssh: disposing the engine (the app quitting) leaves no carried session listed on the
// server, and each closed connection's session is gone from the list at once rather than
// kept "exited 143" for a collector nobody will be; a target that hangs up first is seen
// to (its end passed on as a half-close). Each carried session is started with
// an orphan grace (`new --orphan-grace`), so one whose client vanished cannot hold its
// target for ever: with the link black-holed for good, the sessions end on their own after
// the live limit and the grace. Against a real sshd, the real agent and the fault proxy.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FORWARD_ORPHAN_GRACE_S } from '../../main/engine/forward/resumableCarrier';
import { startEchoService } from '../support/echoService';
import { destinationOf, testEngine } from '../support/engineHarness';
import { startFaultProxyFor } from '../support/faultProxy';
import { getFreePort } from '../support/ports';
import { pollFor } from '../support/proc';
import { startSshd, type Sshd } from '../support/sshd';

let sshd: Sshd;
const closers: (() => void)[] = [];
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

/** A TCP echo service on 127.0.0.1 (the server's side), closed after the test. */
async function echoService(): Promise<number> {
  const echo = await startEchoService();
  closers.push(echo.close);
  return echo.port;
}

/** A connection through the forward that has had `text` echoed back. */
async function echoed(port: number, text: string): Promise<net.Socket> {
  const c = net.connect(port, '127.0.0.1');
  c.on('error', () => {});
  closers.push(() => c.destroy());
  let got = '';
  c.setEncoding('utf8');
  c.on('data', (d: string) => (got += d));
  c.write(text);
  await pollFor(`"${text}" echoed`, () => got === text, 20_000);
  return c;
}

/** The server's sessions carrying connections to the echo service at `echo`. */
async function carried(echo: number): Promise<string[]> {
  const r = await sshd.exec('~/.holdfast/bin/holdfast-agent ls');
  return r.stdout.split('\n').filter((l) => l.endsWith(`nc 127.0.0.1 ${echo}`));
}

async function startForward(echo: number, opts: { port?: number; graceS?: number } = {}) {
  const { engine } = testEngine(
    opts.graceS !== undefined ? { forwardOrphanGraceS: opts.graceS } : {},
  );
  const local = await getFreePort();
  const dest = destinationOf(sshd, opts.port !== undefined ? { port: opts.port } : {});
  const r = await engine.startForwards(dest, [
    { kind: 'local', spec: `${local}:127.0.0.1:${echo}` },
  ]);
  if (!r.ok) throw new Error(r.error.message);
  expect(r.value.carrier.resumable).toBe(true);
  return { engine, local, forwards: r.value };
}

describe('the engine ends its carried connections on the server', () => {
  it('disposing the engine leaves no carried session listed, and the local sockets close', async () => {
    const echo = await echoService();
    const { engine, local } = await startForward(echo);
    const conns = await Promise.all([1, 2, 3].map((i) => echoed(local, `conn ${i}`)));
    const before = await carried(echo);
    expect(before).toHaveLength(3);
    for (const l of before) expect(l).toMatch(/forward 127\.0\.0\.1:\d+ #\w+ .*running/);
    // Each was started with a grace for when its client is gone for good: the masters
    // still carry the `new` command line they were forked from.
    const masters = (await sshd.exec('ps -eo args')).stdout
      .split('\n')
      .filter((l) => / new .* -- .*nc 127\.0\.0\.1 /.test(l) && l.endsWith(` ${echo}`));
    expect(masters).toHaveLength(3);
    for (const l of masters) expect(l).toContain(`--orphan-grace ${FORWARD_ORPHAN_GRACE_S} `);

    const started = Date.now();
    await engine.dispose();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await carried(echo)).toEqual([]);
    await pollFor('the local sockets to close', () => conns.every((c) => c.destroyed), 5000);
  });

  it('a connection its client resets is gone from the list at once, not kept as exited', async () => {
    const echo = await echoService();
    const { engine, local } = await startForward(echo);
    try {
      const keep = await echoed(local, 'stays');
      const gone = await echoed(local, 'goes');
      expect(await carried(echo)).toHaveLength(2);
      // Cut, not ended (a program killed, a reset): nc is killed, not left to finish.
      gone.resetAndDestroy();
      await pollFor(
        'the closed connection to leave the list',
        async () => (await carried(echo)).length === 1,
        4000,
        100,
      );
      const left = await carried(echo);
      expect(left[0]).toMatch(/running/);
      expect(left.join('\n')).not.toMatch(/exited/);
      keep.write('still here');
      await pollFor('the other connection to go on', () => !keep.destroyed, 1000);
    } finally {
      await engine.dispose();
    }
  });

  it("a forward's end() (the CLI's, the app's last tab of a profile) ends its sessions too", async () => {
    const echo = await echoService();
    const { engine, local, forwards } = await startForward(echo);
    try {
      await echoed(local, 'one');
      await echoed(local, 'two');
      expect(await carried(echo)).toHaveLength(2);
      await forwards.end();
      expect(await carried(echo)).toEqual([]);
    } finally {
      await engine.dispose();
    }
  });

  it('a target that speaks and hangs up first: the local client gets it all and the end, and can still send', async () => {
    // A banner and a hang-up (an SMTP refusal, an HTTP/1.0 reply): ssh passes the end on
    // as its channel's EOF; nc's session says it on stderr, at stdout's last byte.
    const heard: Buffer[] = [];
    const greeting = randomBytes(100_000);
    const s = net.createServer({ allowHalfOpen: true }, (c) => {
      c.on('error', () => {});
      c.on('data', (d: Buffer) => heard.push(d));
      c.end(greeting);
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    closers.push(() => s.close());
    const target = (s.address() as net.AddressInfo).port;
    const { engine, local } = await startForward(target);
    try {
      const c = net.connect({ port: local, host: '127.0.0.1', allowHalfOpen: true });
      closers.push(() => c.destroy());
      c.on('error', () => {});
      const got: Buffer[] = [];
      c.on('data', (d: Buffer) => got.push(d));
      await new Promise<void>((r) => c.once('end', () => r()));
      expect(Buffer.concat(got).equals(greeting)).toBe(true);
      // half-closed, not closed: what the client still sends reaches the target
      c.end('after your end');
      await pollFor(
        'the target to hear the rest',
        () => Buffer.concat(heard).toString() === 'after your end',
        10_000,
      );
      await pollFor(
        'the session to be gone',
        async () => (await carried(target)).length === 0,
        10_000,
        200,
      );
    } finally {
      await engine.dispose();
    }
  });

  it('a client gone for good (its link black-holed, never back) leaves no session after the grace', async () => {
    const echo = await echoService();
    const proxy = await startFaultProxyFor(sshd);
    closers.push(() => void proxy.close());
    const graceS = 2;
    const { engine, local } = await startForward(echo, { port: proxy.port, graceS });
    await echoed(local, 'one');
    await echoed(local, 'two');
    expect(await carried(echo)).toHaveLength(2);
    // The laptop vanished: nothing reaches the server any more, and the engine's own end
    // cannot get through either (bounded, it gives up).
    proxy.blackhole();
    await engine.dispose();
    const gone = Date.now();
    // sshd keeps the half-open channels: the agent sees clients that went silent, which
    // stop counting after its live limit (15 s); then the grace.
    await pollFor(
      'the carried sessions to end',
      async () => (await carried(echo)).length === 0,
      40_000,
      500,
    );
    expect(Date.now() - gone).toBeGreaterThanOrEqual(graceS * 1000);
  }, 60_000);
});
