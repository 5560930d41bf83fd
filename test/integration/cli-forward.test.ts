// Proves port forwarding through the real CLI, a real sshd and the fault proxy: -L reaches
// a service on the server's side and round-trips bytes; a local port in use is a clear
// warning naming it (exit 255 with ExitOnForwardFailure, like ssh); -R lets the server's
// side reach a local service, and an sshd with AllowTcpForwarding no gets ssh's
// "remote port forwarding failed" (and a refused -L connection says why); -D serves a
// SOCKS5 CONNECT; LocalForward in ssh_config works like -L; and a forwarded connection
// (the resumable carrier: an agent session running `holdfast-agent nc`, or for -R the
// agent's own listener and a `take` session per connection) survives a reset and a black
// hole with every byte once, in order, on the same socket.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEchoService } from '../support/echoService';
import { cliOptions, runCli, type CliRun } from '../support/cliHarness';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy';
import { getFreePort } from '../support/ports';
import { pollFor } from '../support/proc';
import { startSshd, type Sshd } from '../support/sshd';

let sshd: Sshd;
let runs: CliRun[] = [];
const closers: (() => void)[] = [];

beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});
afterEach(async () => {
  for (const r of runs) if (r.child.exitCode === null) r.child.kill('SIGTERM');
  await Promise.all(runs.map((r) => r.exited));
  runs = [];
  for (const c of closers.splice(0)) c();
});

/** A TCP echo service on 127.0.0.1 (the server's side), closed after the test. */
async function echoService(): Promise<number> {
  const echo = await startEchoService();
  closers.push(echo.close);
  return echo.port;
}

function cli(args: string[]): CliRun {
  const r = runCli(args);
  runs.push(r);
  return r;
}

const direct = (...extra: string[]) => ['-F', sshd.sshConfigFile, ...extra, sshd.sshAlias];

/** Connects to 127.0.0.1:port, sends `data`, resolves with what came back once `want` bytes did. */
function roundTrip(port: number, data: Buffer, want = data.length): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    let n = 0;
    const c = net.connect(port, '127.0.0.1');
    // a connection the server refused may come back as a reset: it is closed all the same
    c.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
    c.on('data', (d: Buffer) => {
      got.push(d);
      n += d.length;
      if (n >= want) {
        c.destroy();
        resolve(Buffer.concat(got));
      }
    });
    c.on('close', () => resolve(Buffer.concat(got)));
    c.write(data);
  });
}

async function waitFor(run: CliRun, text: RegExp, timeoutMs = 20_000): Promise<void> {
  await pollFor(`stderr to match ${text}`, () => text.test(run.stderr()), timeoutMs).catch(
    (e: Error) => {
      throw new Error(`${e.message}\nstderr: ${run.stderr()}`);
    },
  );
}

describe('-L', () => {
  it('round-trips 2 MB of random bytes to an echo service on the server side', async () => {
    const echo = await echoService();
    const local = await getFreePort();
    const run = cli(direct('-N', '-L', `${local}:127.0.0.1:${echo}`));
    await waitFor(
      run,
      new RegExp(`-L ${local}:127\\.0\\.0\\.1:${echo}: listening on 127\\.0\\.0\\.1:${local}`),
    );
    const data = randomBytes(2 * 1024 * 1024);
    const back = await roundTrip(local, data);
    expect(back.equals(data)).toBe(true);
  });

  it('names a local port in use and goes on; with ExitOnForwardFailure exits 255', async () => {
    const echo = await echoService();
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as net.AddressInfo).port;
    const busy6 = net.createServer();
    await new Promise<void>((r) => busy6.listen(port, '::1', r).on('error', () => r()));
    closers.push(
      () => busy.close(),
      () => busy6.close(),
    );

    const warned = cli(direct('-N', '-L', `${port}:127.0.0.1:${echo}`, '-L', `0:x:1`));
    const code = await warned.exited;
    // -L 0 is refused up front as a bad command line
    expect(code.code).toBe(2);
    expect(warned.stderr()).toMatch(/Bad -L forwarding '0:x:1': port 0 is out of range/);

    const goesOn = cli(direct('-N', '-L', `${port}:127.0.0.1:${echo}`));
    await waitFor(
      goesOn,
      new RegExp(
        `warning: -L ${port}:127\\.0\\.0\\.1:${echo}: cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use by another program; pick another port`,
      ),
    );
    expect(goesOn.child.exitCode).toBeNull();

    const exits = cli(
      direct('-N', '-o', 'ExitOnForwardFailure=yes', '-L', `${port}:127.0.0.1:${echo}`),
    );
    const r = await exits.exited;
    expect(r.code).toBe(255);
    expect(exits.stderr()).toMatch(
      new RegExp(
        `-L ${port}:127\\.0\\.0\\.1:${echo}: cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`,
      ),
    );
    expect(exits.stderr()).toMatch(/ExitOnForwardFailure/);
    expect(exits.stderr()).not.toMatch(/\n\s+at /);
  });

  it('works over the OpenSSH transport too (ssh -W per connection)', async () => {
    const echo = await echoService();
    const local = await getFreePort();
    const run = cli(
      direct('-N', '-o', 'HoldfastTransport=openssh', '-L', `${local}:127.0.0.1:${echo}`),
    );
    await waitFor(run, /listening on/);
    const data = randomBytes(512 * 1024);
    const back = await roundTrip(local, data);
    expect(back.equals(data)).toBe(true);
  });

  it('is read from LocalForward in ssh_config like -L', async () => {
    const echo = await echoService();
    const local = await getFreePort();
    const config = path.join(sshd.dir, 'fwd_config');
    const base = await readFile(sshd.sshConfigFile, 'utf8');
    await writeFile(config, `${base}  LocalForward ${local} 127.0.0.1:${echo}\n`);
    const run = cli(['-F', config, '-N', sshd.sshAlias]);
    await waitFor(run, /listening on/);
    const back = await roundTrip(local, Buffer.from('via config'));
    expect(back.toString()).toBe('via config');
  });
});

describe('-D', () => {
  it('serves a SOCKS5 CONNECT to a service on the server side', async () => {
    const echo = await echoService();
    const local = await getFreePort();
    const run = cli(direct('-N', '-D', String(local)));
    await waitFor(run, /-D \d+: listening on/);
    const got = await new Promise<Buffer>((resolve, reject) => {
      const c = net.connect(local, '127.0.0.1');
      const parts: Buffer[] = [];
      c.on('error', reject);
      c.on('data', (d: Buffer) => {
        parts.push(d);
        const all = Buffer.concat(parts);
        // method selection (2) + reply (10) + the echo (5)
        if (all.length >= 17) {
          c.destroy();
          resolve(all);
        }
      });
      const port = Buffer.alloc(2);
      port.writeUInt16BE(echo);
      c.write(Buffer.from([5, 1, 0]));
      c.write(Buffer.concat([Buffer.from([5, 1, 0, 1, 127, 0, 0, 1]), port, Buffer.from('socks')]));
    });
    expect([...got.subarray(0, 2)]).toEqual([5, 0]);
    expect([...got.subarray(2, 4)]).toEqual([5, 0]);
    expect(got.subarray(12).toString()).toBe('socks');
  });
});

describe('-R', () => {
  it('lets a connection on the server side reach a local service', async () => {
    const echo = await echoService();
    const remote = await getFreePort();
    const run = cli(direct('-N', '-R', `${remote}:127.0.0.1:${echo}`));
    await waitFor(
      run,
      new RegExp(`-R ${remote}:127\\.0\\.0\\.1:${echo}: listening on server localhost:${remote}`),
    );
    // the agent listens on the server's loopback (sshd allowed it); this machine is the server
    const back = await roundTrip(remote, Buffer.from('reverse'));
    expect(back.toString()).toBe('reverse');
  });

  it('works over the OpenSSH transport too (ssh -O forward, relayed through a listener of ours)', async () => {
    const echo = await echoService();
    const remote = await getFreePort();
    const run = cli(
      direct('-N', '-o', 'HoldfastTransport=openssh', '-R', `${remote}:127.0.0.1:${echo}`),
    );
    await waitFor(run, /listening on server/);
    const data = randomBytes(256 * 1024);
    expect((await roundTrip(remote, data)).equals(data)).toBe(true);
  });

  it('behaves like ssh against AllowTcpForwarding no: warning, or exit 255 with ExitOnForwardFailure', async () => {
    const strict = await startSshd({ extraConfig: ['AllowTcpForwarding no'] });
    try {
      const echo = await echoService();
      const remote = await getFreePort();
      const opts = ['-F', strict.sshConfigFile];
      const warn = runCli([...opts, '-N', '-R', `${remote}:127.0.0.1:${echo}`, strict.sshAlias]);
      runs.push(warn);
      await waitFor(
        warn,
        new RegExp(
          `warning: -R ${remote}:127\\.0\\.0\\.1:${echo}: remote port forwarding failed for listen port ${remote}`,
        ),
      );
      expect(warn.child.exitCode).toBeNull();

      const exit = runCli([
        ...opts,
        '-N',
        '-o',
        'ExitOnForwardFailure=yes',
        '-R',
        `${remote}:127.0.0.1:${echo}`,
        strict.sshAlias,
      ]);
      runs.push(exit);
      expect((await exit.exited).code).toBe(255);
      expect(exit.stderr()).toMatch(/remote port forwarding failed for listen port/);

      // -L: the listener opens (ssh's too), each connection is refused by the server
      const local = await getFreePort();
      const l = runCli([...opts, '-N', '-L', `${local}:127.0.0.1:${echo}`, strict.sshAlias]);
      runs.push(l);
      await waitFor(l, /listening on/);
      const back = await roundTrip(local, Buffer.from('x'));
      expect(back.length).toBe(0);
      await waitFor(
        l,
        /the server refused to open a connection to 127\.0\.0\.1:\d+ \(administratively prohibited/,
      );
    } finally {
      await strict.stop();
    }
  });
});

describe('across a reset', () => {
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  /** `-N -L` through the fault proxy to a fresh echo service, once it listens. */
  async function localForward(
    extra: string[] = [],
    listening = /listening on/,
  ): Promise<{ local: number; run: CliRun; proxy: FaultProxy }> {
    const echo = await echoService();
    const local = await getFreePort();
    const p = await startFaultProxy({ target: { host: sshd.host, port: sshd.port } });
    proxy = p;
    const run = cli([
      ...(await cliOptions(sshd, p.port, [...extra, '-N', '-L', `${local}:127.0.0.1:${echo}`])),
    ]);
    await waitFor(run, listening);
    return { local, run, proxy: p };
  }

  /**
   * One connection through `port` across a reset and a black hole: every line echoed once,
   * in order, on the same socket, and nothing said cut.
   */
  async function survivesFaults(port: number, run: CliRun, p: FaultProxy): Promise<void> {
    const c = net.connect(port, '127.0.0.1');
    let got = '';
    let closed = false;
    c.setEncoding('utf8');
    c.on('data', (d: string) => (got += d));
    c.on('close', () => (closed = true));
    c.on('error', () => {});
    let sent = 0;
    const expected = (n: number) => Array.from({ length: n }, (_, i) => `line ${i}\n`).join('');
    const send = (k: number) => {
      for (let i = 0; i < k; i++) c.write(`line ${sent++}\n`);
    };
    const echoed = (what: string) =>
      pollFor(
        `every line ${what} echoed`,
        () => {
          if (closed) throw new Error(`the connection closed ${what}: got ${got.length} bytes`);
          return got.length >= expected(sent).length;
        },
        60_000,
      );

    send(50);
    await echoed('before the faults');
    send(50);
    await p.reset();
    send(50);
    await echoed('across the reset');
    send(50);
    p.blackhole();
    send(50);
    await new Promise((r) => setTimeout(r, 3000));
    send(50);
    p.pass({ held: 'reset' });
    await echoed('across the black hole');
    send(50);
    await echoed('after the heal');
    expect(got).toBe(expected(350));
    expect(closed).toBe(false);
    expect(run.stderr()).not.toMatch(/was cut by the lost link/);

    c.destroy();
  }

  it('one connection survives a reset and a black hole: every line echoed once, in order, on the same socket', async () => {
    const { local, run, proxy } = await localForward(['-v'], /listening on .*survives reconnects/);
    await survivesFaults(local, run, proxy);
    // The listener serves new connections after the faults too.
    const back = await roundTrip(local, Buffer.from('after the heal'));
    expect(back.toString()).toBe('after the heal');
    expect(run.child.exitCode).toBeNull();
  }, 120_000);

  it('-R held by the agent: one connection survives a reset and a black hole, every line echoed once', async () => {
    const echo = await echoService();
    const remote = await getFreePort();
    const p = await startFaultProxy({ target: { host: sshd.host, port: sshd.port } });
    proxy = p;
    const run = cli([
      ...(await cliOptions(sshd, p.port, ['-v', '-N', '-R', `${remote}:127.0.0.1:${echo}`])),
    ]);
    await waitFor(run, /listening on server localhost:\d+ .*survives reconnects/);
    // The agent listens, not sshd: the port outlives the link.
    const ls = (await sshd.exec('~/.holdfast/bin/holdfast-agent ls')).stdout;
    expect(ls).toMatch(new RegExp(`holdfast-agent listen --bind localhost ${remote} \\S+\\n`));
    await survivesFaults(remote, run, p);
    const back = await roundTrip(remote, Buffer.from('after the heal'));
    expect(back.toString()).toBe('after the heal');
    // The connection taken is a session of its own, ended when its client closed.
    await pollFor(
      'the taken connection to be gone',
      async () =>
        !/holdfast-agent take /.test((await sshd.exec('~/.holdfast/bin/holdfast-agent ls')).stdout),
      10_000,
      200,
    ).catch(async (e: Error) => {
      throw new Error(
        `${e.message}\n${(await sshd.exec('~/.holdfast/bin/holdfast-agent ls')).stdout}\n${run.stderr()}`,
      );
    });
  }, 120_000);

  it('10 connections at once each get 256 KB echoed whole across a reset', async () => {
    const { local, run, proxy } = await localForward();
    const sends = Array.from({ length: 10 }, () => randomBytes(256 * 1024));
    const backs = sends.map((d) => {
      const c = net.connect(local, '127.0.0.1');
      const got: Buffer[] = [];
      let n = 0;
      c.on('error', () => {});
      const done = new Promise<Buffer>((resolve) => {
        c.on('data', (b: Buffer) => {
          got.push(b);
          n += b.length;
          if (n >= d.length) {
            c.destroy();
            resolve(Buffer.concat(got));
          }
        });
        c.on('close', () => resolve(Buffer.concat(got)));
      });
      // half now, half once the link has been reset under them
      c.write(d.subarray(0, d.length / 2));
      return { c, done };
    });
    await new Promise((r) => setTimeout(r, 200));
    await proxy.reset();
    backs.forEach(({ c }, i) => c.write(sends[i]!.subarray(sends[i]!.length / 2)));
    const got = await Promise.all(backs.map((b) => b.done));
    got.forEach((b, i) => expect(b.equals(sends[i]!), `client ${i}: ${b.length} bytes`).toBe(true));
    expect(run.stderr()).not.toMatch(/was cut by the lost link/);
  }, 90_000);

  it('-N ended by a signal ends its connections on the server too (no session left, not even exited)', async () => {
    const echo = await echoService();
    const local = await getFreePort();
    const run = cli(direct('-N', '-L', `${local}:127.0.0.1:${echo}`));
    await waitFor(run, /listening on/);
    const c = net.connect(local, '127.0.0.1');
    c.on('error', () => {});
    c.write('held');
    await new Promise<void>((r) => c.once('data', () => r()));
    // This test's sessions: other tests' may still run where their link was cut first.
    const ls = async () =>
      (await sshd.exec('~/.holdfast/bin/holdfast-agent ls')).stdout
        .split('\n')
        .filter((l) => l.endsWith(`nc 127.0.0.1 ${echo}`))
        .join('\n');
    expect(await ls()).toMatch(/forward 127\.0\.0\.1:\d+ #\w+ .* running /);
    run.child.kill('SIGTERM');
    const exited = await run.exited;
    // Ended and gone: not kept as "exited 143" for a collector nobody will be.
    expect(await ls()).toBe('');
    expect(exited.code).toBe(255);
    c.destroy();
  });

  it('holdfast sessions leaves out connections through a forward; --all lists them', async () => {
    const echo = await echoService();
    const local = await getFreePort();
    const run = cli(direct('-N', '-L', `${local}:127.0.0.1:${echo}`));
    await waitFor(run, /listening on/);
    const c = net.connect(local, '127.0.0.1');
    c.on('error', () => {});
    closers.push(() => c.destroy());
    c.write('held');
    await new Promise<void>((r) => c.once('data', () => r()));
    const sessions = async (...extra: string[]) => {
      const r = cli(['sessions', ...extra, ...direct()]);
      const { code } = await r.exited;
      expect(code, r.stderr()).toBe(0);
      return { out: r.stdout(), err: r.stderr() };
    };
    const mine = (out: string) => out.split('\n').filter((l) => l.endsWith(`nc 127.0.0.1 ${echo}`));
    const plain = await sessions();
    expect(mine(plain.out)).toEqual([]);
    expect(plain.err).toMatch(
      /\d+ connections? through port forwards not shown \(--all shows them\)/,
    );
    const all = await sessions('--all');
    expect(mine(all.out)).toHaveLength(1);
    expect(mine(all.out)[0]).toMatch(/forward 127\.0\.0\.1:\d+ #\w+ +running \(forward\)/);
  });

  it('-R after a reset: the server-side port serves new connections after the heal', async () => {
    const echo = await echoService();
    const remote = await getFreePort();
    proxy = await startFaultProxy({ target: { host: sshd.host, port: sshd.port } });
    const run = cli([
      ...(await cliOptions(sshd, proxy.port, ['-N', '-R', `${remote}:127.0.0.1:${echo}`])),
    ]);
    await waitFor(run, /listening on server/);
    expect((await roundTrip(remote, Buffer.from('one'))).toString()).toBe('one');
    await proxy.reset();
    // The agent's listener outlived the link (sshd's would be asked for again).
    await pollFor(
      'the -R forward asked for again',
      async () =>
        (await roundTrip(remote, Buffer.from('two')).catch(() => Buffer.alloc(0))).toString() ===
        'two',
      20_000,
      200,
    );
    expect((await roundTrip(remote, Buffer.from('three'))).toString()).toBe('three');
  });

  it('-R: a connection arriving while the link is down is held on the server and carried after the heal; 10 at once each get theirs', async () => {
    const echo = await echoService();
    const remote = await getFreePort();
    const p = await startFaultProxy({ target: { host: sshd.host, port: sshd.port } });
    proxy = p;
    const run = cli([
      ...(await cliOptions(sshd, p.port, ['-v', '-N', '-R', `${remote}:127.0.0.1:${echo}`])),
    ]);
    await waitFor(run, /listening on server localhost:\d+ .*survives reconnects/);
    p.blackhole();
    await p.reset();
    // The link is down: the agent still listens, and holds this one for the client.
    const pending = roundTrip(remote, Buffer.from('patience'));
    await new Promise((r) => setTimeout(r, 1500));
    p.pass();
    expect((await pending).toString()).toBe('patience');
    const sends = Array.from({ length: 10 }, () => randomBytes(64 * 1024));
    const backs = await Promise.all(sends.map((d) => roundTrip(remote, d)));
    backs.forEach((b, i) => expect(b.equals(sends[i]!), `client ${i}`).toBe(true));
    // -N ended by a signal takes the agent's listener with it: the port is free again.
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(255);
    const ls = (await sshd.exec('~/.holdfast/bin/holdfast-agent ls')).stdout;
    expect(ls).not.toMatch(new RegExp(`listen --bind localhost ${remote} `));
    await new Promise<void>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(remote, '127.0.0.1', () => s.close(() => resolve()));
    });
  }, 60_000);

  it('-R on another address stays with sshd: a reset cuts its connection, and that is said', async () => {
    const echo = await echoService();
    const remote = await getFreePort();
    const p = await startFaultProxy({ target: { host: sshd.host, port: sshd.port } });
    proxy = p;
    // sshd binds it on loopback all the same (GatewayPorts no), so the test can reach it
    const run = cli([
      ...(await cliOptions(sshd, p.port, [
        '-v',
        '-N',
        '-R',
        `0.0.0.0:${remote}:127.0.0.1:${echo}`,
      ])),
    ]);
    await waitFor(
      run,
      /listening on server 0\.0\.0\.0:\d+ \(each connection is a plain SSH channel/,
    );
    const c = net.connect(remote, '127.0.0.1');
    c.on('error', () => {});
    c.write('one');
    await new Promise<void>((r) => c.once('data', () => r()));
    await p.reset();
    await waitFor(
      run,
      /was cut by the lost link \(forwarding over a plain SSH channel cannot resume\)/,
    );
    c.destroy();
  });

  it('carries 20 clients at once, each byte echoed to its own client', async () => {
    const { local } = await localForward();
    const sends = Array.from({ length: 20 }, () => randomBytes(64 * 1024));
    const backs = await Promise.all(sends.map((d) => roundTrip(local, d)));
    backs.forEach((b, i) => expect(b.equals(sends[i]!), `client ${i}`).toBe(true));
  });

  it('holds a connection made while the link is down and carries it after the heal', async () => {
    const { local, proxy } = await localForward();
    proxy.blackhole();
    await proxy.reset();
    // The link is down now (reset, and new dials go nowhere): this one must wait.
    const pending = roundTrip(local, Buffer.from('patience'));
    await new Promise((r) => setTimeout(r, 1500));
    proxy.pass();
    const back = await pending;
    expect(back.toString()).toBe('patience');
  });
});
