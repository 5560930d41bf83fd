// EarlyChannels' bookkeeping (main/engine/ssh/pipelined.ts): which caller gets the channel
// opened behind the login, and that none is left open or handed out twice. The wire side
// (sshd really reading the open after the login) is in test/integration/ssh-dial.test.ts.
import { PassThrough, type Duplex } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EarlyChannels, pipelinesInOrder } from '../../main/engine/ssh/pipelined';

type Cb = (err: Error | undefined, ch: Duplex) => void;

/** A client whose opens are answered by the test. */
function fakeClient() {
  const opens: { path: string; cb: Cb }[] = [];
  const client = {
    openssh_forwardOutStreamLocal(path: string, cb: Cb): unknown {
      opens.push({ path, cb });
      return client;
    },
  };
  return { client, opens };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('channels opened behind the login', () => {
  it('hands the early channel to the first open of its path, before or after it is confirmed', () => {
    const { client, opens } = fakeClient();
    const early = new EarlyChannels(client, () => ['/s/a.sock', '/s/b.sock', '/s/a.sock']);
    early.loginSent();
    expect(opens.map((o) => o.path)).toEqual(['/s/a.sock', '/s/b.sock']);
    // a: asked for before the server confirmed it
    const gotA: Duplex[] = [];
    client.openssh_forwardOutStreamLocal('/s/a.sock', (_e, ch) => gotA.push(ch));
    const chA = new PassThrough();
    opens[0]!.cb(undefined, chA);
    expect(gotA).toEqual([chA]);
    // b: confirmed first, asked for later
    const chB = new PassThrough();
    opens[1]!.cb(undefined, chB);
    const gotB: Duplex[] = [];
    client.openssh_forwardOutStreamLocal('/s/b.sock', (_e, ch) => gotB.push(ch));
    expect(gotB).toEqual([chB]);
    // a second open of a path is a new channel
    client.openssh_forwardOutStreamLocal('/s/a.sock', () => {});
    expect(opens).toHaveLength(3);
    expect(chA.destroyed || chB.destroyed).toBe(false);
  });

  it('passes a refused early open on to whoever asks for it', () => {
    const { client, opens } = fakeClient();
    const early = new EarlyChannels(client, () => ['/s/gone.sock']);
    early.loginSent();
    opens[0]!.cb(new Error('open failed'), undefined as unknown as Duplex);
    const errs: (Error | undefined)[] = [];
    client.openssh_forwardOutStreamLocal('/s/gone.sock', (e) => errs.push(e));
    expect(errs.map((e) => e?.message)).toEqual(['open failed']);
    expect(opens).toHaveLength(1);
  });

  it('closes an early channel nobody asks for', () => {
    vi.useFakeTimers();
    const { client, opens } = fakeClient();
    new EarlyChannels(client, () => ['/s/a.sock']).loginSent();
    const ch = new PassThrough();
    opens[0]!.cb(undefined, ch);
    vi.advanceTimersByTime(60_000);
    expect(ch.destroyed).toBe(true);
    // and it is not handed out after that
    client.openssh_forwardOutStreamLocal('/s/a.sock', () => {});
    expect(opens).toHaveLength(2);
  });

  it('after a failed login every open is a fresh one, and a late answer is closed', () => {
    const { client, opens } = fakeClient();
    const early = new EarlyChannels(client, () => ['/s/a.sock']);
    early.loginSent();
    early.loginFailed();
    early.loginSent(); // a later signed login does not open again
    expect(opens).toHaveLength(1);
    const got: Duplex[] = [];
    client.openssh_forwardOutStreamLocal('/s/a.sock', (_e, ch) => got.push(ch));
    expect(opens).toHaveLength(2);
    const stray = new PassThrough();
    opens[0]!.cb(undefined, stray);
    expect(stray.destroyed).toBe(true);
    const fresh = new PassThrough();
    opens[1]!.cb(undefined, fresh);
    expect(got).toEqual([fresh]);
  });

  it('takes no notice of a failed login before it opened (the `none` method)', () => {
    const { client, opens } = fakeClient();
    const early = new EarlyChannels(client, () => ['/s/a.sock']);
    early.loginFailed();
    early.loginSent();
    expect(opens).toHaveLength(1);
    const got: Duplex[] = [];
    client.openssh_forwardOutStreamLocal('/s/a.sock', (_e, ch) => got.push(ch));
    expect(opens).toHaveLength(1);
  });

  it('opens nothing when no tab wants a channel', () => {
    const { client, opens } = fakeClient();
    new EarlyChannels(client, () => []).loginSent();
    expect(opens).toEqual([]);
  });

  it('pipelines only towards servers that read their input in order (OpenSSH)', () => {
    expect(pipelinesInOrder('OpenSSH_9.2p1')).toBe(true);
    expect(pipelinesInOrder('OpenSSH_7.4')).toBe(true);
    expect(pipelinesInOrder('dropbear_2022.83')).toBe(false);
    expect(pipelinesInOrder(undefined)).toBe(false);
  });
});
