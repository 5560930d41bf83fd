// A tab's output stream as the resume rows see it: every chunk with its offset and the
// wall-clock time it arrived, checked for continuity (no gap, no overlap, no GAP event)
// and parsed into the lines of the streaming command (`date +%s%N` every 10 ms), so a
// row can say both "first byte after heal" and "live again" and prove nothing was lost.

/** The remote command every resume row streams: one line per ~10 ms, stamped in ns. */
export const STREAM_CMD = 'while :; do date +%s%N; sleep 0.01; done';

export type Chunk = { t: number; offset: bigint; len: number };

export class StreamRecord {
  readonly chunks: Chunk[] = [];
  /** Offset of the next byte expected. */
  next: bigint | undefined;
  /** Chunks that did not start where the previous one ended. */
  readonly discontinuities: string[] = [];
  readonly gaps: [bigint, bigint][] = [];
  /** Server timestamps (ms since epoch) of complete lines, with their arrival time. */
  readonly lines: { ts: number; t: number }[] = [];
  private _partial = '';

  /** One output event: `data` at `offset`, arrived at wall-clock `t` (ms). */
  push(t: number, data: string, offset: bigint): void {
    if (this.next !== undefined && offset !== this.next)
      this.discontinuities.push(`expected offset ${this.next}, got ${offset}`);
    this.next = offset + BigInt(Buffer.byteLength(data, 'latin1'));
    this.chunks.push({ t, offset, len: Buffer.byteLength(data, 'latin1') });
    const text = this._partial + data;
    const parts = text.split('\n');
    this._partial = parts.pop() ?? '';
    for (const p of parts) {
      const s = p.replace(/\r/g, '').trim();
      if (/^\d{16,20}$/.test(s)) this.lines.push({ ts: Number(BigInt(s) / 1000n) / 1000, t });
    }
  }

  gap(from: bigint, to: bigint): void {
    this.gaps.push([from, to]);
  }

  /** First chunk that arrived after `t` (wall ms). */
  firstChunkAfter(t: number): Chunk | undefined {
    return this.chunks.find((c) => c.t >= t);
  }

  /** Arrival of the first line the server printed at or after wall-clock `t`. */
  firstLineStampedAfter(t: number): { ts: number; t: number } | undefined {
    return this.lines.find((l) => l.ts >= t);
  }

  /**
   * Largest step between consecutive server timestamps, and lines out of order: the
   * command prints every ~10 ms, so a step much larger than that means lines went missing
   * (or the server stopped reading the PTY).
   */
  lineCheck(): { maxStepMs: number; outOfOrder: number; count: number } {
    let maxStepMs = 0;
    let outOfOrder = 0;
    for (let i = 1; i < this.lines.length; i++) {
      const step = this.lines[i]!.ts - this.lines[i - 1]!.ts;
      if (step <= 0) outOfOrder++;
      maxStepMs = Math.max(maxStepMs, step);
    }
    return { maxStepMs, outOfOrder, count: this.lines.length };
  }
}

/** The outcome of one black-hole → heal cycle. */
export type Cycle = {
  /** Heal → first byte at the client that it did not have before the heal. */
  firstByteMs: number;
  /** Heal → arrival of the first line the server printed after the heal (caught up, live). */
  liveMs: number;
  /** Black hole → the tab left 'connected' (the client judged the link dead). */
  detectedMs: number | undefined;
  /** Heal → the first dial the engine started after it (its 'reconnecting' state event). */
  nextDialMs: number | undefined;
};

export function summarizeCycle(
  rec: StreamRecord,
  healAt: number,
  blackholeAt: number,
  leftConnectedAt: number | undefined,
  nextDialAt: number | undefined,
): Cycle | string {
  const first = rec.firstChunkAfter(healAt);
  const live = rec.firstLineStampedAfter(healAt);
  if (!first || !live) return 'no output after heal';
  return {
    firstByteMs: first.t - healAt,
    liveMs: live.t - healAt,
    detectedMs: leftConnectedAt === undefined ? undefined : leftConnectedAt - blackholeAt,
    nextDialMs: nextDialAt === undefined || nextDialAt > first.t ? undefined : nextDialAt - healAt,
  };
}
