// Proves the engine reads `ls --json` at the trust boundary: old agents' seven fields and
// newer agents' live ones are accepted (unknown keys ignored), the exit status and whether a
// job runs are derived, a port forward's connection is told from a user's session, and a
// bad reply is an agent error naming what was wrong.
import { describe, expect, it } from 'vitest';

import { parseSessionList } from '../../main/engine/sessionList';

const OLD = {
  id: 'abc',
  name: '',
  command: 'bash',
  pid: 10,
  created: '2025-01-31T12:00:00Z',
  attached: 0,
  state: 'running',
};

describe('parseSessionList', () => {
  it('accepts an older agent without live fields', () => {
    expect(parseSessionList(JSON.stringify([OLD]))).toEqual({ ok: true, value: [OLD] });
  });

  it('maps live fields and ignores keys it does not know', () => {
    const r = parseSessionList(
      JSON.stringify([
        {
          ...OLD,
          child_pid: 11,
          fg_pid: 12,
          fg_command: 'sleep 600',
          cwd: '/srv',
          last_line: 'marker-123',
          idle_ms: 5,
          age_ms: 9,
          future_field: { x: 1 },
        },
      ]),
    );
    expect(r).toEqual({
      ok: true,
      value: [
        {
          ...OLD,
          foregroundPid: 12,
          jobRunning: true,
          foregroundCommand: 'sleep 600',
          cwd: '/srv',
          lastLine: 'marker-123',
          idleMs: 5,
          ageMs: 9,
        },
      ],
    });
  });

  it('says when the shell is back in the foreground and what an exited session returned', () => {
    const r = parseSessionList(
      JSON.stringify([
        { ...OLD, child_pid: 11, fg_pid: 11 },
        { ...OLD, id: 'd', state: 'exited 3' },
      ]),
    );
    expect(r.ok && r.value[0]?.jobRunning).toBe(false);
    expect(r.ok && r.value[1]?.exitStatus).toBe(3);
  });

  it("marks a port forward's carried connection, and only that, as forwarded", () => {
    const nc = '/home/u/.holdfast/bin/holdfast-agent nc 127.0.0.1 5432';
    const carried = { ...OLD, name: 'forward 127.0.0.1:5432 #a1b2c3', command: nc, pipes: true };
    const r = parseSessionList(
      JSON.stringify([
        carried,
        { ...carried, id: 'shell', pipes: false }, // a terminal is no carried connection
        { ...carried, id: 'named', name: 'db tunnel' }, // a user's own nc, named by them
        { ...OLD, id: 'job', name: 'forward thinking', pipes: true, command: 'make' },
      ]),
    );
    expect(r.ok && r.value.map((s) => s.forwarded ?? false)).toEqual([true, false, false, false]);
  });

  it('calls a reply that is not JSON an agent error and shows its start', () => {
    const r = parseSessionList('Welcome to host!\n[');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/not JSON: "Welcome to host!/);
  });

  it('names the field that is wrong', () => {
    const r = parseSessionList(JSON.stringify([{ ...OLD, attached: 'two' }]));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/session list Holdfast cannot read \(0\.attached: /);
  });
});
