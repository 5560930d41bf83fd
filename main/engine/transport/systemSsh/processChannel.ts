// One exec over the system ssh: the multiplexing client `ssh -S socket` runs as a child
// whose stdin/stdout/stderr the master uses as the channel's own (it receives them over
// the control socket), so this is a Duplex over the child's pipes with ssh2's events.
//
// Flow control stays end to end: not reading stdout fills the pipe, the master stops
// reading it, the channel's window closes and the server stops sending.
// Not available through a multiplexing client: window changes and signals (no-ops here).

import type { ChildProcess } from 'node:child_process';
import { Duplex, type Readable } from 'node:stream';
import type { ExecChannel } from '../remoteClient';

export class ProcessChannel extends Duplex implements ExecChannel {
  readonly stderr: Readable;
  private _exited = false;

  constructor(
    private readonly _child: ChildProcess,
    onTraffic: () => void,
  ) {
    // 'close' is ours to emit, after 'exit' and after the reader has had every byte.
    super({ allowHalfOpen: true, autoDestroy: false });
    const { stdout, stderr, stdin } = _child;
    if (!stdout || !stderr || !stdin) throw new Error('the ssh client was spawned without pipes');
    this.stderr = stderr;
    stderr.on('data', onTraffic);
    stdout.on('data', (d: Buffer) => {
      onTraffic();
      if (!this.push(d)) stdout.pause();
    });
    // A write after the command ended fails with EPIPE: the 'exit' and 'close' events say
    // what happened; the writer needs no error of its own.
    stdin.on('error', () => {});
    _child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      this._exited = true;
      this.emit('exit', code, signal === null ? undefined : signal.replace(/^SIG/, ''));
      this.push(null);
      if (this.readableEnded) this.destroy();
      else this.once('end', () => this.destroy());
    });
  }

  override _read(): void {
    this._child.stdout?.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const stdin = this._child.stdin;
    if (!stdin || stdin.destroyed || this._exited) return cb();
    stdin.write(chunk, () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this._child.stdin?.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    if (!this._exited) this._child.kill('SIGTERM');
    cb(err);
  }

  /** Ends the command's channel: the multiplexing client goes, the master closes it. */
  close(): void {
    this.destroy();
  }

  setWindow(): void {}

  signal(): void {}
}
