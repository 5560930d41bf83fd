// Proves the client's side of protocol 5's resume sockets: only a terminal session attached
// at version 5 has one; a link to it sends nothing and takes the master's WELCOME and
// ATTACHED; output the master resends from what it knew we showed is trimmed, never shown
// twice; SHOWN never says more than that link carried (the master would refuse it); and
// unacknowledged keystrokes are resent once, after ATTACHED.
import { describe, expect, it } from 'vitest';
import { ResumeState, type ResumeAction } from '../../main/engine/protocol/resume';
import type { AgentFrame } from '../../main/engine/protocol/frames';

const welcome = (version: number): AgentFrame => ({ type: 'welcome', version, agentVersion: 't' });
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
const outputs = (acts: ResumeAction[]) =>
  acts.flatMap((a) => (a.type === 'output' ? [a.data.toString()] : []));
const shownSaid = (acts: ResumeAction[]) =>
  acts.flatMap((a) => (a.type === 'send' && a.frame.type === 'shown' ? [a.frame.offset] : []));
const inputs = (acts: ResumeAction[]) =>
  acts.flatMap((a) =>
    a.type === 'send' && a.frame.type === 'input' ? [[a.frame.seq, a.frame.data.toString()]] : [],
  );

/** A terminal tab attached at `version` that received and showed "0123456789". */
function attachedAt(version: number): ResumeState {
  const r = new ResumeState();
  r.begin('t');
  r.receive(welcome(version));
  r.receive(attached());
  r.receive(out(0n, '0123456789'));
  r.shown(10n, 0);
  return r;
}

describe('resume sockets, client side (protocol 5)', () => {
  it('exist only for a terminal session attached at version 5', () => {
    expect(new ResumeState().pushable).toBe(false); // never attached
    expect(attachedAt(4).pushable).toBe(false);
    expect(attachedAt(5).pushable).toBe(true);
    const pipes = new ResumeState({ mode: 'pipes' });
    pipes.begin('t');
    pipes.receive(welcome(5));
    pipes.receive({
      type: 'attached-pipes',
      inputAcked: 0n,
      ringStart: 0n,
      endOffset: 0n,
      errStart: 0n,
      errEnd: 0n,
      from: 0n,
      errFrom: 0n,
      pid: 1,
    });
    expect(pipes.pushable).toBe(false);
  });

  it('sends nothing on the link, takes the unasked attach and shows each byte once', () => {
    const r = attachedAt(5);
    r.linkLost();
    expect(r.beginPushed()).toEqual([]);
    expect(r.receive(welcome(5))).toEqual([]);
    const acts = r.receive(attached(0n, 14n));
    expect(acts.find((a) => a.type === 'attached')).toMatchObject({ info: { pushed: true } });
    // The master knew we showed 6 of the 10 bytes: it resends 6..10, then what is new.
    expect(outputs(r.receive(out(6n, '6789')))).toEqual([]);
    expect(outputs(r.receive(out(10n, 'abcd')))).toEqual(['abcd']);
    expect(r.received).toBe(14n);
  });

  it('says SHOWN only as far as the link carried, then what it shows', () => {
    const r = attachedAt(5);
    r.linkLost();
    r.beginPushed();
    r.receive(welcome(5));
    // Nothing came on this link yet: showing more says nothing the master could refuse.
    expect(shownSaid(r.receive(attached(0n, 10n)))).toEqual([]);
    expect(shownSaid(r.shown(10n, 1_000))).toEqual([]);
    // The resent bytes come: we had shown them, and say so up to where they reach.
    expect(shownSaid(r.receive(out(4n, '45')))).toEqual([6n]);
    expect(shownSaid(r.receive(out(6n, '6789')))).toEqual([10n]);
    r.receive(out(10n, 'ab'));
    expect(shownSaid(r.shown(12n, 2_000))).toEqual([12n]);
  });

  it('resends unacknowledged keystrokes once, after the master attached it', () => {
    const r = attachedAt(5);
    r.write(Buffer.from('a'));
    r.write(Buffer.from('b'));
    r.linkLost();
    r.beginPushed();
    r.receive(welcome(5));
    expect(inputs(r.receive(attached(1n, 10n)))).toEqual([[2n, 'b']]);
  });

  it('drops a link whose master speaks an older version than a resume socket', () => {
    const r = attachedAt(5);
    r.linkLost();
    r.beginPushed();
    expect(r.receive(welcome(4))).toMatchObject([{ type: 'link-error' }]);
  });
});
