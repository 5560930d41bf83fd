// The marker that separates what an account's start-up files print from what our remote
// script prints: found whole or split across chunks, everything before it dropped (and
// kept only as text for messages), everything after it passed through byte for byte.
import { describe, expect, it } from 'vitest';
import {
  BOOTSTRAP,
  MarkerSync,
  newMarker,
  scriptLine,
  shqLine,
} from '../../main/engine/remoteExec';

const M = 'HF-SYNC-00112233445566778899aabbccddeeff';

describe('MarkerSync', () => {
  it('drops a banner and passes the protocol bytes after the marker unchanged', () => {
    const s = new MarkerSync(M);
    const out = s.push(Buffer.from(`Welcome\nW\x00\x01${M}\n\x00\x00\x00\x05hello`));
    expect(out).toEqual(Buffer.from('\x00\x00\x00\x05hello'));
    expect(s.found).toBe(true);
    expect(s.preamble).toBe('Welcome\nW\x00\x01');
    expect(s.push(Buffer.from('more'))).toEqual(Buffer.from('more'));
  });

  it('finds a marker split byte by byte across chunks', () => {
    const s = new MarkerSync(M);
    const all = Buffer.from(`noise line\n${M}\npayload`);
    const got: Buffer[] = [];
    for (const b of all) got.push(s.push(Buffer.from([b])));
    expect(Buffer.concat(got).toString()).toBe('payload');
  });

  it('keeps what came before a marker that never arrives, as text for the message', () => {
    const s = new MarkerSync(M);
    expect(s.push(Buffer.from('Session open refused by peer\n')).length).toBe(0);
    expect(s.found).toBe(false);
    expect(s.preamble).toBe('Session open refused by peer\n');
    s.end();
    expect(s.preamble).toBe('Session open refused by peer\n');
  });

  it('does not take a marker of another exec, nor one without its newline', () => {
    const s = new MarkerSync(M);
    expect(s.push(Buffer.from(`${newMarker()}\n${M}x\n`)).length).toBe(0);
    expect(s.found).toBe(false);
  });
});

describe('the script line', () => {
  it('is one line that prints the marker from two halves, never whole', () => {
    const line = scriptLine(M, 'echo hi');
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(line).not.toContain(M);
  });

  it('refuses a script of more than one line', () => {
    expect(() => scriptLine(M, 'a\nb')).toThrow(/one line/);
  });

  it('quotes a value with newlines so the line stays one line', () => {
    expect(shqLine("a\nb'c")).toBe(`'a'"$HF_NL"'b'\\''c'`);
    expect(scriptLine(M, `echo ${shqLine('a\nb')}`)).toMatch(/^[^\n]*HF_NL=/);
  });

  it('sends every shell the same one-line bootstrap, with no backslash or !', () => {
    expect(BOOTSTRAP).not.toMatch(/[\\!\n]/);
  });
});
