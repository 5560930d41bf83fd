// Proves the client's resume machine keeps output exactly once (trims overlaps, refuses
// holes, passes gaps on) and keystrokes exactly once (resends only the unacknowledged).
import { describe, expect, it } from 'vitest';
import {
  ResumeState,
  MAX_UNACKED_INPUT,
  SHOWN_BATCH_BYTES,
  SHOWN_INTERVAL_MS,
  type ResumeAction,
} from '../../main/engine/protocol/resume';
import { AttachFlag, type AgentFrame } from '../../main/engine/protocol/frames';
import { describeLostInput } from '../../main/engine/sessionTab';

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

const welcome2: AgentFrame = { type: 'welcome', version: 2, agentVersion: 'test' };

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
      { type: 'gap', from: 10n, to: 100n, skipped: false },
    ]);
    expect(shown(r.receive(out(100n, 'z')))).toEqual(['z']);
  });

  it('attaches to the tail of an old session it has nothing of (version 4), the rest a skipped gap', () => {
    // Version 3 has no TAIL: everything from 0.
    const v3 = new ResumeState({ tail: 4096 });
    v3.begin('t');
    expect(v3.receive({ ...welcome2, version: 3 })).toMatchObject([
      { frame: { type: 'attach-v2', offset: 0n, flags: 0 } },
    ]);
    const r = new ResumeState({ tail: 4096 });
    r.begin('t');
    expect(r.receive({ ...welcome2, version: 4 })).toMatchObject([
      { frame: { type: 'attach-v2', offset: 4096n, flags: AttachFlag.TAIL } },
    ]);
    r.receive(attached());
    expect(r.receive({ type: 'gap', from: 0n, to: 90_000n })).toEqual([
      { type: 'gap', from: 0n, to: 90_000n, skipped: true },
    ]);
    expect(shown(r.receive(out(90_000n, 'tail')))).toEqual(['tail']);
    // Once it has output, a re-attach continues from it, and a later gap is a loss.
    r.linkLost();
    expect(r.begin('t')).toMatchObject([
      { frame: { type: 'hello' } },
      { frame: { type: 'attach-v2', offset: 90_004n, flags: 0 } },
    ]);
    r.receive({ ...welcome2, version: 4 });
    r.receive(attached());
    expect(r.receive({ type: 'gap', from: 90_004n, to: 100_000n })).toEqual([
      { type: 'gap', from: 90_004n, to: 100_000n, skipped: false },
    ]);
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

describe('resume machine: protocol version 2', () => {
  function attach2(r: ResumeState, acked = 0n): ResumeAction[] {
    r.begin('test');
    const hello = r.receive(welcome2);
    return [...hello, ...r.receive(attached(acked))];
  }

  it('offers versions 1..5 and attaches with ATTACH_V2 naming the highest input it sent', () => {
    const r = new ResumeState();
    expect(r.begin('t')).toMatchObject([{ frame: { type: 'hello', min: 1, max: 5 } }]);
    expect(r.receive(welcome2)).toMatchObject([
      { type: 'send', frame: { type: 'attach-v2', offset: 0n, inputSent: 0n } },
    ]);
    r.receive(attached());
    r.write(Buffer.from('a'));
    r.write(Buffer.from('b'));
    r.linkLost();
    r.write(Buffer.from('c')); // typed while detached: not sent yet
    // The master spoke version 2: the next attach goes out with HELLO.
    expect(r.begin('t')).toMatchObject([
      { frame: { type: 'hello' } },
      { frame: { type: 'attach-v2', inputSent: 2n } },
    ]);
    expect(r.receive(welcome2)).toEqual([]);
  });

  it('still speaks version 1 to an agent that chose it, with ATTACH and no keepalives', () => {
    const r = new ResumeState();
    r.begin('t');
    expect(r.receive(welcome)).toMatchObject([{ frame: { type: 'attach' } }]);
    r.receive(attached());
    expect(r.keepalive()).toEqual([]);
  });

  it('sends keepalives only while attached on version 2', () => {
    const r = new ResumeState();
    expect(r.keepalive()).toEqual([]);
    attach2(r);
    expect(r.keepalive()).toMatchObject([{ type: 'send', frame: { type: 'keepalive' } }]);
    r.linkLost();
    expect(r.keepalive()).toEqual([]);
  });

  it('treats an ACK lower than one it already had as a broken link', () => {
    const r = new ResumeState();
    attach2(r);
    r.write(Buffer.from('abc'));
    r.write(Buffer.from('d'));
    r.receive({ type: 'ack', seq: 2n });
    expect(r.receive({ type: 'ack', seq: 1n })).toMatchObject([
      { type: 'link-error', message: expect.stringMatching(/ACK for input 1 after input 2/) },
    ]);
  });

  it('on INPUT_LOST reports the unacknowledged input, never resends it, and starts a new id', () => {
    const r = new ResumeState();
    const firstId = Buffer.from(r.clientId);
    attach2(r);
    r.write(Buffer.from('ls\r'));
    r.receive({ type: 'ack', seq: 1n });
    r.write(Buffer.from('rm x\r'));
    r.linkLost();
    r.begin('t');
    r.receive(welcome2);
    const acts = r.receive({ type: 'error', code: 7, message: 'forgot you' });
    expect(acts).toMatchObject([
      { type: 'input-lost', lost: { inputs: 1, bytes: 5 } },
      { type: 'link-error' },
    ]);
    const first = acts[0];
    const lost = first?.type === 'input-lost' ? first.lost.data.toString() : '';
    expect(lost).toBe('rm x\r');
    expect(r.clientId.equals(firstId)).toBe(false);
    r.linkLost();
    expect(r.begin('t')).toMatchObject([
      { frame: { type: 'hello' } },
      { frame: { type: 'attach-v2', clientId: r.clientId, inputSent: 0n } },
    ]);
    expect(r.receive(welcome2)).toEqual([]);
    expect(sentInputs(r.receive(attached()))).toEqual([]); // 'rm x' is not resent
    const w = r.write(Buffer.from('y'));
    expect(w.ok && sentInputs(w.actions)).toEqual([[1n, 'y']]);
  });

  it('treats a version 1 agent whose ATTACHED count went down as having forgotten the tab', () => {
    const r = new ResumeState();
    attach(r);
    for (const k of ['a', 'b', 'c']) r.write(Buffer.from(k));
    r.receive({ type: 'ack', seq: 2n });
    r.linkLost();
    const acts = attach(r, 0n);
    expect(acts[0]).toMatchObject({ type: 'input-lost', lost: { inputs: 1, bytes: 1 } });
    expect(sentInputs(acts)).toEqual([]);
    const w = r.write(Buffer.from('d'));
    expect(w.ok && sentInputs(w.actions)).toEqual([[1n, 'd']]);
  });
});

describe('the notice for input the server forgot', () => {
  it('quotes what was not resent, control keys visible, and says it may have arrived', () => {
    const m = describeLostInput({ inputs: 2, bytes: 8, data: Buffer.from('rm x\r\x03ab') });
    expect(m).toMatch(/8 bytes typed before the reconnect were not confirmed and were not resent/);
    expect(m).toContain('"rm x⏎^Cab"');
    expect(m).toMatch(/may or may not have reached the program/);
  });

  it('says nothing was lost when every keystroke had been confirmed', () => {
    const m = describeLostInput({ inputs: 0, bytes: 0, data: Buffer.alloc(0) });
    expect(m).toMatch(/none lost/);
  });
});

describe('resume machine: input never sent when the agent forgot the tab', () => {
  it('keeps input typed while detached, renumbered, and drops only what was sent', () => {
    const r = new ResumeState();
    r.begin('t');
    r.receive({ type: 'welcome', version: 2, agentVersion: 't' });
    r.receive(attached());
    r.write(Buffer.from('sent-unacked'));
    r.linkLost();
    r.write(Buffer.from('typed-offline'));
    r.begin('t');
    r.receive({ type: 'welcome', version: 2, agentVersion: 't' });
    const acts = r.receive({ type: 'error', code: 7, message: 'forgot' });
    expect(acts[0]).toMatchObject({ type: 'input-lost', lost: { inputs: 1, bytes: 12 } });
    r.linkLost();
    r.begin('t');
    r.receive({ type: 'welcome', version: 2, agentVersion: 't' });
    expect(sentInputs(r.receive(attached()))).toEqual([[1n, 'typed-offline']]);
    expect(r.unackedBytes).toBe('typed-offline'.length);
  });
});

describe('resume machine: protocol version 3 (SHOWN)', () => {
  const welcome3: AgentFrame = { type: 'welcome', version: 3, agentVersion: 'test' };
  const said = (acts: ResumeAction[]) =>
    acts.flatMap((a) => (a.type === 'send' && a.frame.type === 'shown' ? [a.frame.offset] : []));
  const KB = 1024;
  function attached3(received = 0n): ResumeState {
    const r = new ResumeState({ received });
    r.begin('t');
    r.receive(welcome3);
    r.receive(attached(0n, received));
    return r;
  }
  const chunk = (r: ResumeState, at: number, n: number) =>
    r.receive({ type: 'output', offset: BigInt(at), data: Buffer.alloc(n, 0x79) });

  it('says what was shown at most once per interval below a batch, at once for a batch', () => {
    const r = attached3();
    chunk(r, 0, 200 * KB);
    // The first report goes out at once (nothing said on this link yet).
    expect(said(r.shown(1000n, 0))).toEqual([1000n]);
    // Small amounts within the interval wait...
    expect(said(r.shown(5000n, 5))).toEqual([]);
    expect(said(r.shown(9000n, SHOWN_INTERVAL_MS - 1))).toEqual([]);
    // ...and go out, as the latest offset, once the interval has passed.
    expect(said(r.shown(9500n, SHOWN_INTERVAL_MS))).toEqual([9500n]);
    // A whole batch goes out however soon after the last.
    const full = 9500 + SHOWN_BATCH_BYTES;
    expect(said(r.shown(BigInt(full), SHOWN_INTERVAL_MS + 1))).toEqual([BigInt(full)]);
    // One frame per batch, not per chunk: 160 chunks of 1 KiB within 1 ms make 5 frames.
    let frames = 0;
    for (let i = 1; i <= 160; i++) frames += said(r.shown(BigInt(full + i * KB), 100)).length;
    expect(frames).toBe(Math.floor((160 * KB) / SHOWN_BATCH_BYTES));
  });

  it('never says more than this link received, nor anything twice or backwards', () => {
    const r = attached3();
    chunk(r, 0, 10);
    expect(said(r.shown(50n, 0))).toEqual([10n]);
    expect(said(r.shown(5n, 100))).toEqual([]);
    expect(said(r.shown(10n, 200))).toEqual([]);
  });

  it('counts from the attach offset on a new link and says nothing while detached', () => {
    const r = attached3();
    chunk(r, 0, 100);
    r.linkLost();
    expect(said(r.shown(100n, 0))).toEqual([]); // no link
    r.begin('t');
    r.receive(welcome3);
    r.receive(attached(0n, 100n));
    // The agent takes the attach offset as shown: nothing to say until more is shown.
    expect(said(r.shown(100n, 50))).toEqual([]);
    chunk(r, 100, 10);
    expect(said(r.shown(110n, 60))).toEqual([110n]);
  });

  it('sends no SHOWN to a version 2 or 1 agent', () => {
    for (const version of [1, 2]) {
      const r = new ResumeState();
      r.begin('t');
      r.receive({ type: 'welcome', version, agentVersion: 'old' });
      r.receive(attached());
      chunk(r, 0, 64 * KB);
      expect(said(r.shown(BigInt(64 * KB), 1000))).toEqual([]);
    }
  });
});

describe('resume machine: attach pipelined with HELLO', () => {
  const v = (version: number): AgentFrame => ({ type: 'welcome', version, agentVersion: 'test' });
  const frames = (acts: ResumeAction[]) =>
    acts.flatMap((a) => (a.type === 'send' ? [a.frame.type] : []));

  it('sends ATTACH_V2 with HELLO when the master is known to speak version 2 or later', () => {
    const r = new ResumeState({ received: 7n });
    r.expectVersion(3);
    const acts = r.begin('t');
    expect(frames(acts)).toEqual(['hello', 'attach-v2']);
    expect(acts[1]).toMatchObject({ frame: { offset: 7n, inputSent: 0n } });
    expect(r.receive(v(3))).toEqual([]);
    expect(r.receive(attached(0n, 7n))).toMatchObject([{ type: 'attached' }]);
    expect(r.phase).toBe('attached');
  });

  it('learns the version from the first WELCOME and pipelines every later attach', () => {
    const r = new ResumeState();
    expect(frames(r.begin('t'))).toEqual(['hello']);
    expect(frames(r.receive(v(3)))).toEqual(['attach-v2']);
    r.receive(attached());
    r.write(Buffer.from('ls\r'));
    r.linkLost();
    // The unacknowledged keystroke is counted in input_sent, and resent only after
    // ATTACHED says what the agent applied: exactly once survives the pipelining.
    const acts = r.begin('t');
    expect(frames(acts)).toEqual(['hello', 'attach-v2']);
    expect(acts[1]).toMatchObject({ frame: { inputSent: 1n } });
    expect(r.receive(v(3))).toEqual([]);
    expect(sentInputs(r.receive(attached(1n)))).toEqual([]);
  });

  it('falls back to the serial handshake when the master turns out to speak version 1', () => {
    const r = new ResumeState();
    r.expectVersion(3);
    r.begin('t');
    expect(r.receive(v(1))).toMatchObject([{ type: 'link-error' }]);
    r.linkLost();
    expect(frames(r.begin('t'))).toEqual(['hello']);
    expect(frames(r.receive(v(1)))).toEqual(['attach']);
  });

  it('keeps a version 2 master on ATTACH_V2 when version 3 was expected', () => {
    const r = new ResumeState();
    r.expectVersion(3);
    r.begin('t');
    expect(r.receive(v(2))).toEqual([]);
    expect(r.receive(attached())).toMatchObject([{ type: 'attached', info: { version: 2 } }]);
  });
});

describe('resume machine: agent forwarding (protocol 4)', () => {
  const attachV = (r: ResumeState, version: number): ResumeAction[] => {
    r.begin('t');
    r.receive({ type: 'welcome', version, agentVersion: 'test' });
    return r.receive(attached());
  };
  const sentTypes = (acts: ResumeAction[]) =>
    acts.flatMap((a) => (a.type === 'send' ? [a.frame.type] : []));

  it('says AGENT_READY on every attach to a version 4 master when forwarding is on', () => {
    const r = new ResumeState();
    r.forwardAgent(true);
    expect(sentTypes(attachV(r, 4))).toContain('agent-ready');
    r.linkLost();
    expect(sentTypes(attachV(r, 4))).toContain('agent-ready');
  });

  it('says nothing of the agent when forwarding is off, or to an older master', () => {
    const off = new ResumeState();
    expect(sentTypes(attachV(off, 4))).not.toContain('agent-ready');
    const old = new ResumeState();
    old.forwardAgent(true);
    expect(sentTypes(attachV(old, 3))).not.toContain('agent-ready');
    expect(old.agentReply(1, Buffer.from([5]))).toEqual([]);
  });

  it('hands a request up and sends the answer with the same id', () => {
    const r = new ResumeState();
    r.forwardAgent(true);
    attachV(r, 4);
    const req = r.receive({ type: 'agent-request', requestId: 7, data: Buffer.from([11]) });
    expect(req).toEqual([{ type: 'agent-request', requestId: 7, data: Buffer.from([11]) }]);
    expect(r.agentReply(7, Buffer.from([12, 0, 0, 0, 0]))).toMatchObject([
      { type: 'send', frame: { type: 'agent-reply', requestId: 7 } },
    ]);
  });

  it('drops an answer while detached: the master sends the request again on the next link', () => {
    const r = new ResumeState();
    r.forwardAgent(true);
    attachV(r, 4);
    r.linkLost();
    expect(r.agentReply(7, Buffer.from([5]))).toEqual([]);
  });

  it('hands up AGENT_NONE: the session was started without forwarding', () => {
    const r = new ResumeState();
    r.forwardAgent(true);
    attachV(r, 4);
    expect(r.receive({ type: 'agent-none' })).toEqual([{ type: 'agent-none' }]);
  });

  it('treats a request it never offered to answer as a broken link', () => {
    const r = new ResumeState();
    attachV(r, 4);
    const acts = r.receive({ type: 'agent-request', requestId: 1, data: Buffer.from([11]) });
    expect(acts).toMatchObject([{ type: 'link-error' }]);
  });
});
