// Proves the reconnect supervisor (reconnect/hostConnection.ts) with a fake clock and a
// scripted dialer, no network: dials overlap and the first to finish wins; at most
// MAX_CONCURRENT_DIALS are in flight; losers are aborted and ended; a non-retryable error
// stops the loop; keepalive silence makes a link suspect (dial alongside) and then dead
// (onLost, reconnect), judged only after the bytes a stall of our own left unread; networkChanged replaces a link without dropping it first; the
// states carry the attempt count and the time of the next try; a prompt during a reconnect
// holds the dial loop until answered.
import { EventEmitter } from 'node:events';
import type { Client } from 'ssh2';
import { describe, expect, it } from 'vitest';
import {
  FAST_INTERVAL_MS,
  FAST_PHASE_MS,
  HANDSHAKE_PARKED_MS,
  MAX_CONCURRENT_DIALS,
  MAX_HANDSHAKING_DIALS,
} from '../../main/engine/reconnect/dialSchedule';
import {
  HostConnection,
  type DialFailure,
  type DialResult,
  type HostClock,
  type HostState,
} from '../../main/engine/reconnect/hostConnection';
import type { PromptAnswer, PromptRequest, Prompter } from '../../main/engine/prompts';

/** A clock whose time moves only when the test says so; random() is fixed at 0.5 (no jitter). */
class FakeClock implements HostClock {
  t = 1_000_000;
  afterIo: ((fn: () => void) => void) | undefined;
  private _timers = new Map<number, { at: number; fn: () => void }>();
  private _next = 1;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this._next++;
    this._timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(t: unknown): void {
    this._timers.delete(t as number);
  }
  random(): number {
    return 0.5;
  }
  /** The process was stopped for `ms`: time moves, no timer runs; those due then run late. */
  stall(ms: number): void {
    this.t += ms;
    for (const timer of this._timers.values()) timer.at = Math.max(timer.at, this.t);
  }
  /** Moves time forward, firing due timers in order (and the promises they settle). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      let first: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this._timers) if (!first || e[1].at < first[1].at) first = e;
      if (!first || first[1].at > end) break;
      this._timers.delete(first[0]);
      this.t = first[1].at;
      first[1].fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

/** Lets pending promise callbacks run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** Stands for an ssh2 Client: events, end()/destroy() counted, a transport to "hear" bytes on. */
class FakeClient extends EventEmitter {
  /** The link's transport, as the dialer hands it over with the client. */
  readonly transport = new EventEmitter();
  ended = 0;
  destroyed = 0;
  constructor(readonly name: string) {
    super();
  }
  end(): void {
    this.ended++;
  }
  destroy(): void {
    this.destroyed++;
  }
  /** Bytes arrive from the server (a keepalive reply, output). */
  hear(): void {
    this.transport.emit('data', Buffer.from('x'));
  }
}

type PendingDial = {
  n: number;
  signal: AbortSignal;
  settled: boolean;
  succeed(c: FakeClient): void;
  fail(e: DialFailure): void;
  /** TCP is up: the dial is in its SSH handshake now; `heard` tells if the server spoke. */
  connected(heard?: () => boolean): void;
};

/** A dialer whose every dial hangs until the test settles it. */
class ScriptedDialer {
  readonly dials: PendingDial[] = [];
  readonly dial = (
    signal: AbortSignal,
    _prompter: unknown,
    onHandshake?: (heard?: () => boolean) => void,
  ): Promise<DialResult> =>
    new Promise((resolve) => {
      const d: PendingDial = {
        n: this.dials.length + 1,
        signal,
        settled: false,
        connected: (heard) => onHandshake?.(heard),
        succeed: (c) => {
          d.settled = true;
          resolve({ ok: true, value: c as unknown as Client, transport: c.transport });
        },
        fail: (error) => {
          d.settled = true;
          resolve({ ok: false, error });
        },
      };
      this.dials.push(d);
    });
  /** Dials neither settled nor aborted. */
  get inFlight(): PendingDial[] {
    return this.dials.filter((d) => !d.settled && !d.signal.aborted);
  }
  get last(): PendingDial {
    return this.dials[this.dials.length - 1]!;
  }
}

const KEEPALIVE = { intervalMs: 1_000, countMax: 3 };
const cancel = async (): Promise<PromptAnswer> => ({ kind: 'cancel' });
const netError: DialFailure = {
  kind: 'refused',
  message: 'Connection refused by h port 22',
  retryable: true,
};

/** A connection already up on client A, with recorders on its events. */
async function connected() {
  const clock = new FakeClock();
  const dialer = new ScriptedDialer();
  const logs: string[] = [];
  const conn = new HostConnection(dialer.dial, cancel, KEEPALIVE, clock, (m) => logs.push(m));
  const states: HostState[] = [];
  const clients: FakeClient[] = [];
  let lost = 0;
  conn.onState((s) => states.push(s));
  conn.onClient((c) => clients.push(c as unknown as FakeClient));
  conn.onLost(() => lost++);
  const a = new FakeClient('A');
  const p = conn.connect();
  dialer.last.succeed(a);
  const r = await p;
  expect(r.ok).toBe(true);
  expect(conn.state.kind).toBe('connected');
  return { clock, dialer, conn, states, clients, a, logs, lost: () => lost };
}

describe('HostConnection', () => {
  it('reports the first dial failure as is, without a retry loop', async () => {
    // connect() is the user's first try: its error is the answer, nothing dials behind it.
    const clock = new FakeClock();
    const dialer = new ScriptedDialer();
    const conn = new HostConnection(dialer.dial, cancel, KEEPALIVE, clock);
    const p = conn.connect();
    expect(conn.state.kind).toBe('connecting');
    dialer.last.fail(netError);
    const r = await p;
    expect(r).toEqual({ ok: false, error: netError });
    expect(conn.state).toEqual({ kind: 'failed', error: netError });
    await clock.advance(10_000);
    expect(dialer.dials).toHaveLength(1);
  });

  it('dials again at once when the link closes, and reports onLost first', async () => {
    const { dialer, conn, a, lost, states } = await connected();
    a.emit('close');
    expect(lost()).toBe(1);
    expect(a.destroyed).toBe(1);
    expect(conn.client).toBeUndefined();
    expect(dialer.dials).toHaveLength(2);
    expect(states.at(-1)?.kind).toBe('reconnecting');
  });

  it('overlaps dials: a hung dial does not hold back the next one', async () => {
    const { clock, dialer, a } = await connected();
    a.emit('close');
    expect(dialer.inFlight).toHaveLength(1);
    await clock.advance(FAST_INTERVAL_MS);
    expect(dialer.inFlight).toHaveLength(2);
    await clock.advance(FAST_INTERVAL_MS);
    expect(dialer.inFlight).toHaveLength(3);
  });

  it(`keeps at most ${MAX_CONCURRENT_DIALS} dials in flight, abandoning the oldest`, async () => {
    const { clock, dialer, a } = await connected();
    a.emit('close');
    for (let i = 0; i < 10; i++) {
      await clock.advance(FAST_INTERVAL_MS);
      expect(dialer.inFlight.length).toBeLessThanOrEqual(MAX_CONCURRENT_DIALS);
    }
    // 1 (connect) + 11 reconnect dials; all but the newest ones were aborted, oldest first.
    expect(dialer.dials).toHaveLength(12);
    const newest = Array.from(
      { length: MAX_CONCURRENT_DIALS },
      (_, i) => 13 - MAX_CONCURRENT_DIALS + i,
    );
    expect(dialer.inFlight.map((d) => d.n)).toEqual(newest);
    expect(dialer.dials.slice(1, 12 - MAX_CONCURRENT_DIALS).every((d) => d.signal.aborted)).toBe(
      true,
    );
  });

  it('adopts the first dial to finish, aborts the others, and ends a loser that finishes later', async () => {
    const { clock, dialer, conn, a, clients } = await connected();
    a.emit('close');
    await clock.advance(2 * FAST_INTERVAL_MS);
    const [d2, d3, d4] = dialer.dials.slice(1);
    expect([d2, d3, d4].every((d) => d && !d.signal.aborted)).toBe(true);
    const b = new FakeClient('B');
    d3!.succeed(b);
    await flush();
    expect(conn.client).toBe(b);
    expect(conn.state.kind).toBe('connected');
    expect(clients).toHaveLength(2);
    expect(clients[1]).toBe(b);
    expect(d2!.signal.aborted).toBe(true);
    expect(d4!.signal.aborted).toBe(true);
    // The aborted dial's handshake completes anyway: that connection is closed, not kept.
    const late = new FakeClient('late');
    d2!.succeed(late);
    await flush();
    expect(late.ended).toBe(1);
    expect(conn.client).toBe(b);
    // Nothing dials once connected.
    const n = dialer.dials.length;
    await clock.advance(600);
    expect(dialer.dials).toHaveLength(n);
  });

  it('never abandons a dial in its SSH handshake, and runs only a few handshakes at once', async () => {
    const { clock, dialer, a } = await connected();
    a.emit('close');
    // The first dials get TCP (say, to a jump host) and then hang in their handshakes.
    const first = dialer.dials[1]!;
    first.connected();
    for (let i = 1; i < MAX_HANDSHAKING_DIALS; i++) {
      await clock.advance(FAST_INTERVAL_MS);
      dialer.last.connected();
    }
    const handshaking = dialer.dials.slice(1);
    expect(handshaking).toHaveLength(MAX_HANDSHAKING_DIALS);
    // No further dial while that many handshake, however long; none of them is abandoned.
    await clock.advance(20 * FAST_INTERVAL_MS);
    expect(dialer.dials.slice(1)).toHaveLength(MAX_HANDSHAKING_DIALS);
    expect(handshaking.every((d) => !d.signal.aborted)).toBe(true);
    // One fails: dialing goes on, and TCP-stage dials are again the ones abandoned.
    first.fail(netError);
    await flush();
    await clock.advance(FAST_INTERVAL_MS);
    expect(dialer.dials.length).toBeGreaterThan(MAX_HANDSHAKING_DIALS + 1);
    expect(handshaking.slice(1).every((d) => !d.signal.aborted)).toBe(true);
  });

  it('lets a fresh dial replace a handshake parked with nothing heard from the server', async () => {
    // A middlebox holds the connections: TCP is up, the server never says its version.
    const { clock, dialer, conn, a } = await connected();
    a.emit('close');
    const silent = () => false;
    dialer.dials[1]!.connected(silent);
    for (let i = 1; i < MAX_HANDSHAKING_DIALS; i++) {
      await clock.advance(FAST_INTERVAL_MS);
      dialer.last.connected(silent);
    }
    const parked = dialer.dials.slice(1);
    expect(parked).toHaveLength(MAX_HANDSHAKING_DIALS);
    await clock.advance(HANDSHAKE_PARKED_MS - MAX_HANDSHAKING_DIALS * FAST_INTERVAL_MS);
    expect(dialer.dials.slice(1)).toHaveLength(MAX_HANDSHAKING_DIALS);
    // Past HANDSHAKE_PARKED_MS the oldest parked one gives its place to a fresh dial.
    await clock.advance(2 * FAST_INTERVAL_MS);
    expect(parked[0]!.signal.aborted).toBe(true);
    expect(dialer.dials.length).toBeGreaterThan(MAX_HANDSHAKING_DIALS + 1);
    const fresh = dialer.last;
    expect(fresh.signal.aborted).toBe(false);
    fresh.succeed(new FakeClient('fresh'));
    await flush();
    expect(conn.state.kind).toBe('connected');
  });

  it('never replaces a slow handshake whose server has spoken', async () => {
    const { clock, dialer, a } = await connected();
    a.emit('close');
    const spoke = () => true;
    dialer.dials[1]!.connected(spoke);
    for (let i = 1; i < MAX_HANDSHAKING_DIALS; i++) {
      await clock.advance(FAST_INTERVAL_MS);
      dialer.last.connected(spoke);
    }
    await clock.advance(10 * HANDSHAKE_PARKED_MS);
    expect(dialer.dials.slice(1)).toHaveLength(MAX_HANDSHAKING_DIALS);
    expect(dialer.dials.every((d) => !d.signal.aborted)).toBe(true);
  });

  it('dials again at once when a dial comes back reset: the path works again', async () => {
    const { clock, dialer, conn, a } = await connected();
    a.emit('close');
    await clock.advance(FAST_INTERVAL_MS / 3);
    const n = dialer.dials.length;
    dialer.dials[1]!.fail({ ...netError, kind: 'network', pathAnswered: true });
    await flush();
    await clock.advance(0);
    expect(dialer.dials).toHaveLength(n + 1);
    dialer.last.succeed(new FakeClient('B'));
    await flush();
    expect(conn.state.kind).toBe('connected');
  });

  it('backs off from a server that refuses every dial, instead of redialing in a loop', async () => {
    const { clock, dialer, a } = await connected();
    a.emit('close');
    const refused = { ...netError, pathAnswered: true };
    const t0 = clock.now();
    // Every dial is refused the moment it starts, as a closed port does.
    while (clock.now() - t0 < 1_000) {
      for (const d of dialer.inFlight) d.fail(refused);
      await flush();
      await clock.advance(1);
    }
    // At once, then 50, 100, 200, 400 ms after, with the 150 ms cadence alongside: a dozen
    // dials in the second, not hundreds.
    expect(dialer.dials.length - 1).toBeLessThanOrEqual(14);
    expect(dialer.dials.length - 1).toBeGreaterThan(1_000 / FAST_INTERVAL_MS);
  });

  it('ends a dial abandoned for being the oldest when it finishes after all', async () => {
    const { clock, dialer, conn, a } = await connected();
    a.emit('close');
    // One reconnect dial more than may be in flight: the first one is abandoned.
    await clock.advance(MAX_CONCURRENT_DIALS * FAST_INTERVAL_MS);
    const oldest = dialer.dials[1]!;
    expect(oldest.signal.aborted).toBe(true);
    const c = new FakeClient('oldest');
    oldest.succeed(c);
    await flush();
    expect(c.ended).toBe(1);
    expect(conn.client).toBeUndefined();
  });

  it('stops dialing and fails on a non-retryable error', async () => {
    const { clock, dialer, conn, a } = await connected();
    a.emit('close');
    await clock.advance(FAST_INTERVAL_MS);
    const auth: DialFailure = { kind: 'auth', message: 'Permission denied', retryable: false };
    dialer.dials[1]!.fail(auth);
    await flush();
    expect(conn.state).toEqual({ kind: 'failed', error: auth });
    expect(dialer.dials[2]!.signal.aborted).toBe(true);
    const n = dialer.dials.length;
    await clock.advance(60_000);
    expect(dialer.dials).toHaveLength(n);
  });

  it('keeps dialing after retryable errors and names the last one in its state', async () => {
    const { clock, dialer, conn, a } = await connected();
    a.emit('close');
    dialer.dials[1]!.fail(netError);
    await flush();
    await clock.advance(FAST_INTERVAL_MS);
    const s = conn.state;
    expect(s.kind).toBe('reconnecting');
    expect(s.kind === 'reconnecting' && s.lastError).toBe(netError.message);
  });

  it('says offline, not reconnecting, when the last error means no network at all', async () => {
    const { clock, dialer, conn, a } = await connected();
    a.emit('close');
    const since = clock.now();
    dialer.dials[1]!.fail({ kind: 'resolve', message: 'Could not resolve', retryable: true });
    await flush();
    await clock.advance(FAST_INTERVAL_MS);
    expect(conn.state).toEqual({ kind: 'offline', since });
  });

  it('counts attempts and says when the next try is, in its reconnecting states', async () => {
    const { clock, conn, a, states } = await connected();
    const t0 = clock.now();
    a.emit('close');
    expect(conn.state).toEqual({
      kind: 'reconnecting',
      attempt: 1,
      nextTryAt: t0 + FAST_INTERVAL_MS,
      since: t0,
    });
    await clock.advance(FAST_INTERVAL_MS);
    expect(conn.state).toEqual({
      kind: 'reconnecting',
      attempt: 2,
      nextTryAt: t0 + 2 * FAST_INTERVAL_MS,
      since: t0,
    });
    // Once the fast phase is over the next try is a second away.
    await clock.advance(FAST_PHASE_MS - FAST_INTERVAL_MS);
    expect(clock.now() - t0).toBe(FAST_PHASE_MS);
    const s = conn.state;
    expect(s.kind === 'reconnecting' && s.nextTryAt - clock.now()).toBe(1_000);
    expect(s.kind === 'reconnecting' && s.attempt).toBeGreaterThan(2);
    const attempts = states.flatMap((x) => (x.kind === 'reconnecting' ? [x.attempt] : []));
    expect(attempts).toEqual([...attempts].sort((x, y) => x - y));
  });

  it('starts the attempt count over after a successful reconnect', async () => {
    const { clock, dialer, conn, a } = await connected();
    a.emit('close');
    await clock.advance(500);
    const b = new FakeClient('B');
    dialer.last.succeed(b);
    await flush();
    b.emit('close');
    const s = conn.state;
    expect(s.kind === 'reconnecting' && s.attempt).toBe(1);
  });

  it('keeps a link that is heard from, however long it lives', async () => {
    // Bytes arriving (keepalive replies) reset the silence clock: no dial, no loss.
    const { clock, dialer, a, lost } = await connected();
    for (let i = 0; i < 40; i++) {
      await clock.advance(500);
      a.hear();
    }
    expect(dialer.dials).toHaveLength(1);
    expect(lost()).toBe(0);
  });

  it('dials alongside a link silent for more than 2 intervals while still using it', async () => {
    const { clock, dialer, conn, a, lost, clients } = await connected();
    await clock.advance(2_000);
    expect(dialer.dials).toHaveLength(1);
    await clock.advance(100); // silent for more than 2 intervals since 2001 ms
    expect(dialer.dials).toHaveLength(2);
    expect(conn.client).toBe(a);
    expect(conn.state.kind).toBe('connected');
    expect(lost()).toBe(0);
    // The fresh link wins: tabs move to it, then the suspect one is closed.
    const b = new FakeClient('B');
    dialer.last.succeed(b);
    await flush();
    expect(clients).toHaveLength(2);
    expect(clients[1]).toBe(b);
    expect(conn.client).toBe(b);
    expect(a.ended).toBe(1);
    expect(lost()).toBe(0);
  });

  it('calls off the alongside dials when the suspect link speaks again', async () => {
    const { clock, dialer, conn, a } = await connected();
    await clock.advance(2_100);
    const spec = dialer.last;
    expect(spec.n).toBe(2);
    a.hear();
    await clock.advance(250);
    expect(spec.signal.aborted).toBe(true);
    expect(conn.client).toBe(a);
    const n = dialer.dials.length;
    await clock.advance(800);
    expect(dialer.dials).toHaveLength(n);
  });

  it('declares a link silent beyond interval × count dead, emits onLost and reconnects', async () => {
    const { clock, dialer, conn, a, lost, clients } = await connected();
    const t0 = clock.now();
    await clock.advance(3_000);
    expect(lost()).toBe(0);
    await clock.advance(250);
    expect(lost()).toBe(1);
    expect(a.destroyed).toBe(1);
    expect(conn.client).toBeUndefined();
    // The outage counts from when the link became suspect (just past 2 intervals).
    expect(conn.state).toMatchObject({ kind: 'reconnecting', since: t0 + 2_001 });
    const b = new FakeClient('B');
    dialer.inFlight.at(-1)!.succeed(b);
    await flush();
    expect(clients).toHaveLength(2);
    expect(clients[1]).toBe(b);
    expect(conn.state.kind).toBe('connected');
  });

  it('reads the bytes that arrived during a stall of its own before judging the link', async () => {
    // The process stalled for 5 s (past interval × count) while the server's bytes waited
    // in the socket: they are read (afterIo) before the overdue check judges the link.
    const { clock, conn, a, lost, logs } = await connected();
    const pendingIo: (() => void)[] = [];
    clock.afterIo = (fn) => {
      for (const io of pendingIo.splice(0)) io();
      fn();
    };
    await clock.advance(500);
    clock.stall(5_000);
    pendingIo.push(() => a.hear());
    await clock.advance(0);
    expect(lost(), logs.join('; ')).toBe(0);
    expect(conn.client).toBe(a);
    // Had nothing come, the same check calls it dead.
    clock.stall(5_000);
    await clock.advance(0);
    expect(lost()).toBe(1);
  });

  it('dials at once on networkChanged and ends the old link only after adopting the new one', async () => {
    const { dialer, conn, a, lost } = await connected();
    const endedWhenAdopted: number[] = [];
    conn.onClient(() => endedWhenAdopted.push(a.ended));
    conn.networkChanged();
    expect(dialer.dials).toHaveLength(2);
    expect(conn.client).toBe(a);
    expect(a.ended).toBe(0);
    const b = new FakeClient('B');
    dialer.last.succeed(b);
    await flush();
    expect(conn.client).toBe(b);
    expect(endedWhenAdopted).toEqual([0]);
    expect(a.ended).toBe(1);
    expect(lost()).toBe(0);
  });

  it('keeps the networkChanged dial going though the old link was heard just before', async () => {
    // After a network change the old link's last bytes predate the change: they do not
    // prove it alive, so the fresh dial must not be called off by them.
    const { clock, dialer, conn, a } = await connected();
    await clock.advance(100);
    a.hear();
    conn.networkChanged();
    const fresh = dialer.last;
    await clock.advance(700);
    expect(fresh.signal.aborted).toBe(false);
    const b = new FakeClient('B');
    fresh.succeed(b);
    await flush();
    expect(conn.client).toBe(b);
    expect(a.ended).toBe(1);
  });

  it('keeps the old link after networkChanged when it speaks after the change', async () => {
    const { clock, dialer, conn, a } = await connected();
    conn.networkChanged();
    const fresh = dialer.last;
    await clock.advance(100);
    a.hear();
    await clock.advance(300);
    expect(fresh.signal.aborted).toBe(true);
    expect(conn.client).toBe(a);
  });

  it('dials again when asked to reconnect now after a failure', async () => {
    // "Try again" after e.g. an auth failure the user has since fixed.
    const { dialer, conn, a } = await connected();
    a.emit('close');
    dialer.last.fail({ kind: 'auth', message: 'Permission denied', retryable: false });
    await flush();
    expect(conn.state.kind).toBe('failed');
    const n = dialer.dials.length;
    conn.reconnectNow();
    expect(dialer.dials).toHaveLength(n + 1);
    expect(conn.state).toMatchObject({ kind: 'reconnecting', attempt: 1 });
  });

  it('asks the user once during a reconnect and holds further dials until answered', async () => {
    // A second factor on reconnect: the state says so, and no dials pile up meanwhile.
    const clock = new FakeClock();
    const asked: PromptRequest[] = [];
    let answer: (a: PromptAnswer) => void = () => {};
    const prompter = (req: PromptRequest) => {
      asked.push(req);
      return new Promise<PromptAnswer>((r) => (answer = r));
    };
    const calls: Prompter[] = [];
    const a = new FakeClient('A');
    const dial = (_signal: AbortSignal, p: Prompter): Promise<DialResult> => {
      calls.push(p);
      if (calls.length === 1)
        return Promise.resolve({ ok: true, value: a as unknown as Client, transport: a.transport });
      return new Promise(() => {});
    };
    const conn = new HostConnection(dial, prompter, KEEPALIVE, clock);
    await conn.connect();
    a.emit('close');
    expect(calls).toHaveLength(2);
    const req: PromptRequest = { kind: 'password', user: 'u', host: 'h' };
    const reply = calls[1]!(req);
    await flush();
    expect(conn.state).toEqual({ kind: 'needs-input', prompt: req });
    await clock.advance(10_000);
    expect(calls).toHaveLength(2);
    answer({ kind: 'text', values: ['secret'] });
    expect(await reply).toEqual({ kind: 'text', values: ['secret'] });
    await flush();
    expect(asked).toEqual([req]);
    expect(conn.state.kind).toBe('reconnecting');
    expect(calls).toHaveLength(3);
  });

  it('ends every connection and stops dialing once disposed', async () => {
    const { clock, dialer, conn, a } = await connected();
    a.emit('close');
    const pending = dialer.last;
    conn.dispose();
    expect(pending.signal.aborted).toBe(true);
    const late = new FakeClient('late');
    pending.succeed(late);
    await flush();
    expect(late.ended).toBe(1);
    const n = dialer.dials.length;
    await clock.advance(10_000);
    expect(dialer.dials).toHaveLength(n);
  });
});
