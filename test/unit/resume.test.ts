// Proves the client's resume machine keeps output exactly once (trims overlaps, refuses
// holes, passes gaps on) and keystrokes exactly once (resends only the unacknowledged).
import { describe, expect, it } from 'vitest';
import {
  ResumeState,
  MAX_UNACKED_INPUT,
  type ResumeAction,
} from '../../main/engine/protocol/resume';
import type { AgentFrame } from '../../main/engine/protocol/frames';

const welcome: AgentFrame = { type: 'welcome', version: 1, agentVersion: 'test' };
const attached = (inputAcked = 0n, endOffset = 0n): AgentFrame => ({
  type: 'attached',
  inputAcked,
  ringStart: 0n,
  endOffset,
  cols: 80,
  rows: 24,
  pid: 1,
});
const out = (offset: bigint, s: string): AgentFrame => ({
  type: 'output',
  offset,
  data: Buffer.from(s),
});

function attach(r: ResumeState, acked = 0n): ResumeAction[] {
  r.begin('test');
  r.receive(welcome);
  return r.receive(attached(acked));
}
const shown = (acts: ResumeAction[]) =>
  acts.flatMap((a) => (a.type === 'output' ? [a.data.toString()] : []));
const sentInputs = (acts: ResumeAction[]) =>
  acts.flatMap((a) =>
    a.type === 'send' && a.frame.type === 'input' ? [[a.frame.seq, a.frame.data.toString()]] : [],
  );

describe('resume machine: output', () => {
  it('asks the agent to continue from the first byte it has not shown', () => {
    const r = new ResumeState({ received: 42n });
    r.begin('t');
    const acts = r.receive(welcome);
    expect(acts).toMatchObject([{ type: 'send', frame: { type: 'attach', offset: 42n } }]);
  });

  it('shows contiguous output once and advances the offset', () => {
    const r = new ResumeState();
    attach(r);
    expect(shown(r.receive(out(0n, 'abc')))).toEqual(['abc']);
    expect(shown(r.receive(out(3n, 'def')))).toEqual(['def']);
    expect(r.received).toBe(6n);
  });

  it('trims output that overlaps what was already shown', () => {
    const r = new ResumeState();
    attach(r);
    r.receive(out(0n, 'abcd'));
    expect(shown(r.receive(out(2n, 'cdef')))).toEqual(['ef']);
    expect(shown(r.receive(out(0n, 'abcdef')))).toEqual([]);
  });

  it('treats a hole in the output as a broken link, never a silent skip', () => {
    const r = new ResumeState();
    attach(r);
    expect(r.receive(out(5n, 'x'))).toMatchObject([{ type: 'link-error' }]);
    expect(r.received).toBe(0n);
  });

  it('passes a gap up and continues after it', () => {
    const r = new ResumeState({ received: 10n });
    attach(r);
    expect(r.receive({ type: 'gap', from: 10n, to: 100n })).toEqual([
      { type: 'gap', from: 10n, to: 100n },
    ]);
    expect(shown(r.receive(out(100n, 'z')))).toEqual(['z']);
  });

  it('accepts exit only once all output up to its offset has arrived', () => {
    const r = new ResumeState();
    attach(r);
    r.receive(out(0n, 'ab'));
    expect(r.receive({ type: 'exit', endOffset: 3n, status: 0 })).toMatchObject([
      { type: 'link-error' },
    ]);
    const r2 = new ResumeState();
    attach(r2);
    r2.receive(out(0n, 'ab'));
    expect(r2.receive({ type: 'exit', endOffset: 2n, status: 3 })).toEqual([
      { type: 'exit', status: 3 },
    ]);
    expect(r2.phase).toBe('exited');
  });

  it('treats frames out of order in the handshake as a broken link', () => {
    const r = new ResumeState();
    r.begin('t');
    expect(r.receive(out(0n, 'x'))).toMatchObject([{ type: 'link-error' }]);
  });

  it('refuses for good an agent that picked a version it does not speak', () => {
    const r = new ResumeState();
    r.begin('t');
    expect(r.receive({ type: 'welcome', version: 9, agentVersion: 'x' })).toMatchObject([
      { type: 'refused' },
    ]);
  });
});

describe('resume machine: input', () => {
  it('numbers keystrokes from 1 and sends them at once while attached', () => {
    const r = new ResumeState();
    attach(r);
    const w = r.write(Buffer.from('a'));
    expect(w.ok && sentInputs(w.actions)).toEqual([[1n, 'a']]);
  });

  it('queues keystrokes typed while detached and sends them on attach', () => {
    const r = new ResumeState();
    const w = r.write(Buffer.from('ls\r'));
    expect(w.ok && w.actions).toEqual([]);
    expect(sentInputs(attach(r))).toEqual([[1n, 'ls\r']]);
  });

  it('resends after a reconnect only what the agent had not acknowledged', () => {
    const r = new ResumeState();
    attach(r);
    r.write(Buffer.from('a'));
    r.write(Buffer.from('b'));
    r.write(Buffer.from('c'));
    r.receive({ type: 'ack', seq: 1n });
    r.linkLost();
    // The agent applied 'b' before the link died, but its ACK was lost.
    expect(sentInputs(attach(r, 2n))).toEqual([[3n, 'c']]);
    expect(r.unackedBytes).toBe(1);
  });

  it('refuses input beyond the unacknowledged cap instead of buffering without bound', () => {
    const r = new ResumeState();
    expect(r.write(Buffer.alloc(MAX_UNACKED_INPUT)).ok).toBe(true);
    const w = r.write(Buffer.from('x'));
    expect(w.ok).toBe(false);
  });

  it('treats an ack for input never sent as a broken link', () => {
    const r = new ResumeState();
    attach(r);
    expect(r.receive({ type: 'ack', seq: 5n })).toMatchObject([{ type: 'link-error' }]);
  });

  it('numbers new input after the agent count when a restored tab had lost its tail', () => {
    const r = ResumeState.fromSnapshot({ clientId: '00'.repeat(16), received: '0', nextSeq: '3' });
    attach(r, 7n);
    const w = r.write(Buffer.from('x'));
    expect(w.ok && sentInputs(w.actions)).toEqual([[8n, 'x']]);
  });

  it('sends the latest window size before the resent input on attach', () => {
    const r = new ResumeState();
    r.resize(100, 30);
    r.write(Buffer.from('q'));
    const acts = attach(r);
    expect(acts[0]).toMatchObject({ type: 'send', frame: { type: 'resize', cols: 100, rows: 30 } });
    expect(acts[1]).toMatchObject({ type: 'send', frame: { type: 'input' } });
  });
});
