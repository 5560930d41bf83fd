// EarlyExecs' bookkeeping (main/engine/ssh/pipelined.ts): an exec asked for behind the
// login goes to the first exec of the same command and environment, once; any other exec
// runs the usual way; one nobody takes is closed; after a failed login whoever took one
// execs afresh, and the early one's late answer is dropped. The wire side (sshd running it
// after the login) is in test/integration/engine-early-exec.test.ts.
import { PassThrough, type Duplex } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EarlyExecs } from '../../main/engine/ssh/pipelined';

type Cb = (err: Error | undefined, ch: Duplex) => void;

/** A client whose execs are answered by the test. */
function fakeClient() {
  const execs: { cmd: string; opts: { env?: Record<string, string> }; cb: Cb }[] = [];
  const client = {
    exec(cmd: string, opts: unknown, cb?: unknown): unknown {
      execs.push({ cmd, opts: opts as { env?: Record<string, string> }, cb: cb as Cb });
      return client;
    },
  };
  return { client, execs };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('execs asked for behind the login', () => {
  it('hands the early exec to the first exec of its command and environment', () => {
    const { client, execs } = fakeClient();
    const early = new EarlyExecs(client, () => [{ command: 'boot', env: { LANG: 'C' } }]);
    early.loginSent();
    expect(execs).toHaveLength(1);
    expect(execs[0]).toMatchObject({ cmd: 'boot', opts: { env: { LANG: 'C' } } });
    // Another command, or another environment, runs the usual way.
    client.exec('other', { env: { LANG: 'C' } }, () => {});
    client.exec('boot', {}, () => {});
    expect(execs).toHaveLength(3);
    // The same one takes the early exec, answered after it asked.
    const got: Duplex[] = [];
    client.exec('boot', { env: { LANG: 'C' } }, (_e: unknown, ch: Duplex) => got.push(ch));
    expect(execs).toHaveLength(3);
    const ch = new PassThrough();
    execs[0]!.cb(undefined, ch);
    expect(got).toEqual([ch]);
    // Taken once: the next is a new exec.
    client.exec('boot', { env: { LANG: 'C' } }, () => {});
    expect(execs).toHaveLength(4);
  });

  it('hands over an exec answered before anyone asked, and closes one nobody takes', () => {
    vi.useFakeTimers();
    const { client, execs } = fakeClient();
    const early = new EarlyExecs(client, () => [{ command: 'boot' }, { command: 'boot' }]);
    early.loginSent();
    const [first, second] = [new PassThrough(), new PassThrough()];
    execs[0]!.cb(undefined, first);
    execs[1]!.cb(undefined, second);
    const got: Duplex[] = [];
    client.exec('boot', (_e: unknown, ch: Duplex) => got.push(ch));
    expect(got).toEqual([first]);
    vi.advanceTimersByTime(15_000);
    expect(second.destroyed).toBe(true);
    expect(first.destroyed).toBe(false);
  });

  it('takes no notice of a failed login before it asked (the `none` method)', () => {
    const { client, execs } = fakeClient();
    const early = new EarlyExecs(client, () => [{ command: 'boot' }]);
    early.loginFailed();
    early.loginSent();
    expect(execs).toHaveLength(1);
    const got: Duplex[] = [];
    client.exec('boot', {}, (_e: unknown, ch: Duplex) => got.push(ch));
    expect(execs).toHaveLength(1);
  });

  it('after a failed login, execs afresh for whoever took one and drops the late answer', () => {
    const { client, execs } = fakeClient();
    const early = new EarlyExecs(client, () => [{ command: 'boot' }]);
    early.loginSent();
    const got: Duplex[] = [];
    client.exec('boot', {}, (_e: unknown, ch: Duplex) => got.push(ch));
    early.loginFailed();
    expect(execs).toHaveLength(2); // the taker's own exec, sent now
    const late = new PassThrough();
    execs[0]!.cb(undefined, late); // the early one, answered after all
    expect(late.destroyed).toBe(true);
    const fresh = new PassThrough();
    execs[1]!.cb(undefined, fresh);
    expect(got).toEqual([fresh]);
    // Later execs run the usual way.
    client.exec('boot', {}, () => {});
    expect(execs).toHaveLength(3);
  });
});
