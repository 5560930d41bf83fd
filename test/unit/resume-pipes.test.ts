// Proves the client's resume machine for sessions without a terminal (protocol 4 pipes):
// stdout and stderr each exactly once at offsets of their own, resumed from both; the end
// of input numbered with the input so it is resent until acknowledged and applied once;
// acknowledgements said as written, in batches by bytes and time; a collector attached by id starts where the agent
// says; an agent without pipes gets a terminal attach; the producer learns of room.
import { describe, expect, it } from 'vitest';
import type { AgentFrame } from '../../main/engine/protocol/frames';
import {
  MAX_UNACKED_INPUT,
  PIPES_INPUT_WINDOW,
  ResumeState,
  WRITTEN_BATCH_BYTES,
  WRITTEN_INTERVAL_MS,
  type ResumeAction,
} from '../../main/engine/protocol/resume';

const welcome = (version = 4): AgentFrame => ({ type: 'welcome', version, agentVersion: 't' });
const attachedPipes = (o: Partial<Extract<AgentFrame, { type: 'attached-pipes' }>> = {}) =>
  ({
    type: 'attached-pipes',
    inputAcked: 0n,
    ringStart: 0n,
    endOffset: 0n,
    errStart: 0n,
    errEnd: 0n,
    from: 0n,
    errFrom: 0n,
    pid: 1,
    ...o,
  }) as AgentFrame;
const frames = (acts: ResumeAction[]) => acts.flatMap((a) => (a.type === 'send' ? [a.frame] : []));
const inputs = (acts: ResumeAction[]) =>
  frames(acts).filter((f) => f.type === 'input' || f.type === 'input-eof');

function attached(r: ResumeState, o: Parameters<typeof attachedPipes>[0] = {}): ResumeAction[] {
  r.begin('t');
  return [...r.receive(welcome()), ...r.receive(attachedPipes(o))];
}

describe('resume machine: pipes', () => {
  it('attaches with ATTACH_PIPES giving both offsets, and resumes from both', () => {
    const r = new ResumeState({ mode: 'pipes' });
    r.begin('t');
    expect(frames(r.receive(welcome()))).toMatchObject([
      { type: 'attach-pipes', offset: 0n, errOffset: 0n, flags: 0 },
    ]);
    r.receive(attachedPipes());
    expect(r.receive({ type: 'output', offset: 0n, data: Buffer.from('out') })).toMatchObject([
      { type: 'output', offset: 0n },
    ]);
    expect(r.receive({ type: 'err-output', offset: 0n, data: Buffer.from('e') })).toMatchObject([
      { type: 'err-output', offset: 0n },
    ]);
    // an overlap is trimmed on stderr as on stdout
    const again = r.receive({ type: 'err-output', offset: 0n, data: Buffer.from('err') });
    expect(again).toMatchObject([{ type: 'err-output', offset: 1n }]);
    expect(again[0]?.type === 'err-output' && again[0].data.toString()).toBe('rr');
    r.linkLost();
    expect(frames(r.begin('t'))).toMatchObject([
      { type: 'hello', max: 5 },
      { type: 'attach-pipes', offset: 3n, errOffset: 3n },
    ]);
  });

  it('refuses a hole in stderr and an EXIT before all of stderr', () => {
    const r = new ResumeState({ mode: 'pipes' });
    attached(r);
    expect(r.receive({ type: 'err-output', offset: 5n, data: Buffer.from('x') })).toMatchObject([
      { type: 'link-error' },
    ]);
    const r2 = new ResumeState({ mode: 'pipes' });
    attached(r2);
    const exit = { type: 'exit-pipes', endOffset: 0n, errEnd: 4n, status: 0, signal: 0 } as const;
    expect(r2.receive(exit)).toMatchObject([{ type: 'link-error' }]);
  });

  it('numbers the end of input after the input, resends it until acknowledged, sends it once', () => {
    const r = new ResumeState({ mode: 'pipes' });
    r.write(Buffer.from('abc'));
    expect(r.endInput()).toMatchObject({ ok: true, actions: [] });
    expect(r.endInput()).toMatchObject({ ok: true, actions: [] }); // a second end: nothing
    expect(inputs(attached(r))).toMatchObject([
      { type: 'input', seq: 1n },
      { type: 'input-eof', seq: 2n },
    ]);
    r.linkLost();
    // acknowledged only the input: the EOF goes again, and the waiting producer hears of room
    const acts = attached(r, { inputAcked: 1n });
    expect(inputs(acts)).toMatchObject([{ type: 'input-eof', seq: 2n }]);
    expect(acts).toContainEqual({ type: 'input-acked', unacked: 0 });
    expect(r.receive({ type: 'ack', seq: 2n })).toEqual([{ type: 'input-acked', unacked: 0 }]);
  });

  it('holds up to the pipes window of stdin unacknowledged (more than a terminal)', () => {
    const r = new ResumeState({ mode: 'pipes' });
    const chunk = Buffer.alloc(64 * 1024);
    let held = 0;
    while (held + chunk.length <= PIPES_INPUT_WINDOW) {
      expect(r.write(chunk).ok).toBe(true);
      held += chunk.length;
    }
    expect(held).toBeGreaterThan(MAX_UNACKED_INPUT);
    expect(r.write(chunk)).toMatchObject({ ok: false });
    expect(r.unackedBytes).toBe(PIPES_INPUT_WINDOW);
  });

  it('says what was written, never more than received, and reports a signal at EXIT', () => {
    const r = new ResumeState({ mode: 'pipes' });
    attached(r);
    r.receive({ type: 'output', offset: 0n, data: Buffer.alloc(10) });
    expect(frames(r.written(100n, 0n, 1000))).toEqual([
      { type: 'pipes-shown', offset: 10n, errOffset: 0n },
    ]);
    expect(r.written(5n, 0n, 2000)).toEqual([]); // nothing new
    expect(r.writtenDueAt).toBeUndefined();
    expect(
      r.receive({ type: 'exit-pipes', endOffset: 10n, errEnd: 0n, status: 137, signal: 9 }),
    ).toEqual([{ type: 'exit', status: 137, signal: 9 }]);
  });

  it('says what was written in batches: at once past the batch or the interval, else when due', () => {
    const r = new ResumeState({ mode: 'pipes' });
    attached(r);
    const chunk = 64 * 1024;
    let off = 0n;
    const take = (now: number) => {
      r.receive({ type: 'output', offset: off, data: Buffer.alloc(chunk) });
      off += BigInt(chunk);
      return frames(r.written(off, 0n, now));
    };
    // the first write after a quiet spell is said at once (a trickle is never held back)
    expect(take(1000)).toEqual([{ type: 'pipes-shown', offset: BigInt(chunk), errOffset: 0n }]);
    // a fast stream: one PIPES_SHOWN per batch, not one per chunk
    const said: bigint[] = [];
    for (let i = 0; i < 64; i++)
      said.push(...take(1001).map((f) => (f as { offset: bigint }).offset));
    expect(said.length).toBe((64 * chunk) / WRITTEN_BATCH_BYTES);
    for (const o of said) expect(o % BigInt(WRITTEN_BATCH_BYTES)).toBe(BigInt(chunk));
    // what is left is due an interval after the last one said, and said then
    expect(take(1002)).toEqual([]);
    expect(r.writtenDueAt).toBe(1001 + WRITTEN_INTERVAL_MS);
    expect(frames(r.flushWritten(1001 + WRITTEN_INTERVAL_MS))).toEqual([
      { type: 'pipes-shown', offset: off, errOffset: 0n },
    ]);
    expect(r.writtenDueAt).toBeUndefined();
    expect(r.flushWritten(2000)).toEqual([]);
    // stderr counts toward the batch too; an interval after the last, the next goes at once
    r.receive({ type: 'err-output', offset: 0n, data: Buffer.alloc(10) });
    expect(frames(r.written(off, 10n, 1001 + 2 * WRITTEN_INTERVAL_MS))).toEqual([
      { type: 'pipes-shown', offset: off, errOffset: 10n },
    ]);
  });

  it('says on a new link what was written while the old one died', () => {
    const r = new ResumeState({ mode: 'pipes' });
    attached(r);
    r.receive({ type: 'output', offset: 0n, data: Buffer.alloc(100) });
    expect(frames(r.written(100n, 0n, 1000))).toHaveLength(1);
    r.receive({ type: 'output', offset: 100n, data: Buffer.alloc(100) });
    expect(r.written(200n, 0n, 1001)).toEqual([]); // held for the batch...
    r.linkLost();
    expect(r.flushWritten(1020)).toEqual([]); // ...and its time came with no link
    const acts = attached(r, { from: 200n });
    expect(frames(acts).filter((f) => f.type === 'pipes-shown')).toEqual([
      { type: 'pipes-shown', offset: 200n, errOffset: 0n },
    ]);
    // a first attach has nothing to say
    const first = frames(attached(new ResumeState({ mode: 'pipes' })));
    expect(first.filter((f) => f.type === 'pipes-shown')).toEqual([]);
  });

  it('collects by id from what the agent says, then goes on from what it received', () => {
    const r = new ResumeState({ mode: 'learn' });
    r.begin('t');
    expect(frames(r.receive(welcome()))).toMatchObject([{ type: 'attach-pipes', flags: 4 }]);
    r.receive(attachedPipes({ from: 300n, errFrom: 7n }));
    expect(r.received).toBe(300n);
    expect(r.errReceived).toBe(7n);
    r.receive({ type: 'output', offset: 300n, data: Buffer.alloc(5) });
    r.linkLost();
    expect(frames(r.begin('t'))).toMatchObject([
      { type: 'hello' },
      { type: 'attach-pipes', flags: 0, offset: 305n, errOffset: 7n },
    ]);
  });

  it('takes a terminal answer to an attach by id as a terminal session', () => {
    const r = new ResumeState({ mode: 'learn' });
    r.begin('t');
    r.receive(welcome());
    const acts = r.receive({
      type: 'attached',
      inputAcked: 0n,
      ringStart: 0n,
      endOffset: 9n,
      cols: 80,
      rows: 24,
      pid: 1,
    });
    expect(acts).toMatchObject([{ type: 'attached', info: { pipes: false } }]);
    expect(r.pipes).toBe(false);
  });

  it('attaches to an agent without pipes the terminal way', () => {
    const r = new ResumeState({ mode: 'learn' });
    r.begin('t');
    expect(frames(r.receive(welcome(3)))).toMatchObject([{ type: 'attach-v2' }]);
  });
});
