// Proves the CLI's `~.` escape behaves like ssh's: after Enter (or at the very start),
// `~.` detaches, `~~` sends one `~`, a `~` anywhere else passes through untouched, and
// the escape works when its bytes arrive in separate reads.
import { describe, expect, it } from 'vitest';
import { EscapeScanner } from '../../bin/escape';

/** Feeds chunks in order; returns what would be sent and whether a detach was asked. */
function feed(...chunks: string[]): { sent: string; detach: boolean; after: number } {
  const s = new EscapeScanner();
  let sent = '';
  for (let i = 0; i < chunks.length; i++) {
    const r = s.scan(Buffer.from(chunks[i]!, 'latin1'));
    sent += r.send.toString('latin1');
    if (r.detach) return { sent, detach: true, after: i };
  }
  return { sent, detach: false, after: -1 };
}

describe('the ~. escape', () => {
  it('detaches on ~. at the very start of input', () => {
    // Nothing typed yet counts as the start of a line, as in ssh.
    expect(feed('~.')).toEqual({ sent: '', detach: true, after: 0 });
  });

  it('detaches on ~. after Enter and sends what came before it', () => {
    // The line typed so far (with its CR) goes out; the escape itself never does.
    expect(feed('ls\r~.')).toEqual({ sent: 'ls\r', detach: true, after: 0 });
    expect(feed('ls\n~.')).toEqual({ sent: 'ls\n', detach: true, after: 0 });
  });

  it('sends one ~ for ~~ at the start of a line, and no detach follows', () => {
    // `~~.` is a literal `~.`: after the doubled tilde we are mid-line.
    expect(feed('\r~~.')).toEqual({ sent: '\r~.', detach: false, after: -1 });
  });

  it('passes a ~ typed mid-line untouched, even when . follows', () => {
    expect(feed('cd ~.')).toEqual({ sent: 'cd ~.', detach: false, after: -1 });
    expect(feed('a~~b')).toEqual({ sent: 'a~~b', detach: false, after: -1 });
  });

  it('passes ~ followed by another character at line start as both characters', () => {
    // Only `.` and `~` are escapes; `~/x` is a path being typed.
    expect(feed('\r~/x')).toEqual({ sent: '\r~/x', detach: false, after: -1 });
    expect(feed('~\r')).toEqual({ sent: '~\r', detach: false, after: -1 });
  });

  it('detaches when Enter, ~ and . arrive in three separate reads', () => {
    // A raw terminal delivers each key as its own read.
    expect(feed('echo hi\r', '~', '.')).toEqual({ sent: 'echo hi\r', detach: true, after: 2 });
  });

  it('holds a lone ~ at line start until the next read decides what it was', () => {
    const s = new EscapeScanner();
    expect(s.scan(Buffer.from('\r~')).send.toString()).toBe('\r');
    const r = s.scan(Buffer.from('x'));
    expect(r).toEqual({ send: Buffer.from('~x'), detach: false });
  });

  it('drops what follows ~. in the same read', () => {
    // After a detach nothing more goes to the session.
    expect(feed('\r~.rm -rf /\r')).toEqual({ sent: '\r', detach: true, after: 0 });
  });

  it('recognises the escape again after each new line', () => {
    const s = new EscapeScanner();
    expect(s.scan(Buffer.from('~~\r~~\r')).send.toString()).toBe('~\r~\r');
    expect(s.scan(Buffer.from('~.')).detach).toBe(true);
  });
});
