// Proves protocol 4's TAIL attach at the master: a client that has nothing (a new window
// on an old session) asks for at most the last N bytes; it gets one GAP for what comes
// before, then output from the start of a line within the tail, contiguous to the end.
// A session with less output than N replays whole, with no GAP; version 3 refuses the
// flag, and TAIL with FROM_END is malformed.
import { afterEach, describe, expect, it } from 'vitest';

import { agentTestScope, ERR, FLAG_FROM_END, FLAG_TAIL, type AgentHome } from '../support/agent';

const scope = agentTestScope(afterEach);

/** A session that printed `lines` numbered lines of 100 bytes each, then waits. */
async function printed(lines: number): Promise<{ h: AgentHome; id: string; total: bigint }> {
  const h = scope.home();
  const script = `i=0; while [ $i -lt ${lines} ]; do printf '%-98s.\\n' "line $i"; i=$((i+1)); done; echo DONE; sleep 60`;
  const id = await h.newSession(['--', 'sh', '-c', script]);
  const probe = await scope.socket(h, id);
  await probe.attach({ version: 3 });
  // 100 bytes per line plus a CR from the PTY's ONLCR.
  const out = await probe.waitOutput('DONE', (s) => s.includes('DONE'), 30_000);
  probe.close();
  return { h, id, total: BigInt(Buffer.byteLength(out, 'latin1')) };
}

const connect = (h: AgentHome, id: string) => scope.socket(h, id);

describe('TAIL attach (protocol 4)', () => {
  it('skips what comes before the tail as one GAP, then starts at a line start', async () => {
    const { h, id, total } = await printed(2000); // ~200 KB
    const c = await connect(h, id);
    const att = await c.attach({ version: 4, flags: FLAG_TAIL, offset: 10_000n });
    expect(att.endOffset).toBe(total);
    const gap = await c.next('gap');
    expect(gap.from).toBe(0n);
    // At most 10,000 bytes before the end, moved on to just after a newline.
    expect(gap.to).toBeGreaterThanOrEqual(total - 10_000n);
    expect(gap.to).toBeLessThan(total - 10_000n + 102n);
    const out = await c.waitOutput('DONE', (s) => s.includes('DONE'));
    expect(out.startsWith('line ')).toBe(true);
    expect(BigInt(out.length)).toBe(total - gap.to);
    const first = c.received.find((r) => r.type === 'output');
    expect(first?.type === 'output' && first.offset).toBe(gap.to);
  });

  it('replays a session whole, with no GAP, when it printed less than the tail', async () => {
    const { h, id, total } = await printed(20);
    const c = await connect(h, id);
    await c.attach({ version: 4, flags: FLAG_TAIL, offset: 1_000_000n });
    const out = await c.waitOutput('DONE', (s) => s.includes('DONE'));
    expect(BigInt(out.length)).toBe(total);
    expect(c.received.some((r) => r.type === 'gap')).toBe(false);
  });

  it('is refused in version 3, and together with FROM_END', async () => {
    const { h, id } = await printed(5);
    const v3 = await connect(h, id);
    await expect(v3.attach({ version: 3, flags: FLAG_TAIL, offset: 100n })).rejects.toThrow(
      /error/,
    );
    const both = await connect(h, id);
    await expect(
      both.attach({ version: 4, flags: FLAG_TAIL | FLAG_FROM_END, offset: 100n }),
    ).rejects.toThrow(/error/);
    for (const c of [v3, both]) {
      const e = c.received.find((r) => r.type === 'error');
      expect(e?.type === 'error' && e.code).toBe(ERR.PROTOCOL);
    }
  });
});
