// A session without a terminal wired to this process's stdio, as ssh does it: stdout and
// stderr byte-exact to ours, our stdin to the command's until EOF. Flow control both ways:
// the session pauses while our stdout or stderr does not take more, and we stop reading
// stdin while PIPES_INPUT_WINDOW bytes wait for the server's acknowledgement.

import { createReadStream, fstatSync } from 'node:fs';
import { PIPES_INPUT_WINDOW } from '../main/engine/protocol/resume';
import type { PipeTab } from '../main/engine/types';

/** One read from a pipe is at most this (Node's stdin chunk): room kept for the next. */
const STDIN_CHUNK = 64 * 1024;
/** One read from a file on stdin (`holdfast host -- 'cat > f' < dump.sql`). Node reads a
 * file 64 KiB at a time through its thread pool, waiting for each read before the next:
 * 100 MB took 1.5× as long as ssh that way, the same as ssh with reads of this size. */
const FILE_CHUNK = 512 * 1024;

type Stdin = NodeJS.ReadableStream & {
  pause(): unknown;
  resume(): unknown;
  readonly readableHighWaterMark?: number;
};

export type Io = {
  stdin: Stdin;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
};

/** Output of a session without a terminal to our stdout and stderr, byte-exact. */
export class PipeOutput {
  private _out = 0n;
  private _err = 0n;
  private _blocked = 0;

  constructor(
    private readonly _tab: PipeTab,
    private readonly _io: Io,
  ) {}

  // Acknowledged only once written: a collector after a crash starts there.
  stdout(d: Buffer, offset: bigint): void {
    const end = offset + BigInt(d.length);
    const ok = this._io.stdout.write(d, () => this._tab.written((this._out = end), this._err));
    if (!ok) this._block(this._io.stdout);
  }

  stderr(d: Buffer, offset: bigint): void {
    const end = offset + BigInt(d.length);
    const ok = this._io.stderr.write(d, () => this._tab.written(this._out, (this._err = end)));
    if (!ok) this._block(this._io.stderr);
  }

  private _block(w: NodeJS.WritableStream): void {
    if (this._blocked++ === 0) this._tab.pause();
    w.once('drain', () => {
      if (--this._blocked === 0) this._tab.resume();
    });
  }
}

/** Our stdin, to read as a session's input: process.stdin, or a reader of its own when it
 * is a regular file, in larger reads, from where the file offset stands (as `cat` would:
 * `(head -c 10 >/dev/null; holdfast host -- cat) < f` sends the rest). */
export function pipeStdin(): Stdin {
  let file = false;
  try {
    file = fstatSync(0).isFile();
  } catch {
    // closed or unreadable: process.stdin reports it as it always has
  }
  if (!file) return process.stdin;
  return createReadStream('', { fd: 0, highWaterMark: FILE_CHUNK, autoClose: false });
}

/** Our stdin to the command's, never more than the window unacknowledged; `onEnd` is
 * told of EOF (a session without a terminal ends the command's input there). */
export function wirePipeInput(
  tab: PipeTab,
  io: Io,
  onRefused: (why: string) => void,
  onEnd: () => void,
): void {
  let waiting = false;
  const chunk = Math.max(STDIN_CHUNK, io.stdin.readableHighWaterMark ?? 0);
  const full = () => tab.unackedInput + chunk > PIPES_INPUT_WINDOW;
  io.stdin.on('data', (d: Buffer) => {
    const w = tab.write(d);
    if (!w.ok) onRefused(w.reason);
    if (full()) {
      waiting = true;
      io.stdin.pause();
    }
  });
  tab.onInputAcked(() => {
    if (waiting && !full()) {
      waiting = false;
      io.stdin.resume();
    }
  });
  io.stdin.on('end', onEnd);
}
