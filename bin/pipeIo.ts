// A session without a terminal wired to this process's stdio, as ssh does it: stdout and
// stderr byte-exact to ours, our stdin to the command's until EOF. Flow control both ways:
// the session pauses while our stdout or stderr does not take more, and we stop reading
// stdin while PIPES_INPUT_WINDOW bytes wait for the server's acknowledgement.

import { PIPES_INPUT_WINDOW } from '../main/engine/protocol/resume';
import type { PipeTab } from '../main/engine/types';

/** One read from a pipe is at most this (Node's stdin chunk): room kept for the next. */
const STDIN_CHUNK = 64 * 1024;

export type Io = {
  stdin: NodeJS.ReadableStream & { pause(): unknown; resume(): unknown };
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

/** Our stdin to the command's, never more than the window unacknowledged; `onEnd` is
 * told of EOF (a session without a terminal ends the command's input there). */
export function wirePipeInput(
  tab: PipeTab,
  io: Io,
  onRefused: (why: string) => void,
  onEnd: () => void,
): void {
  let waiting = false;
  const full = () => tab.unackedInput + STDIN_CHUNK > PIPES_INPUT_WINDOW;
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
