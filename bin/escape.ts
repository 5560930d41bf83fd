// The `~.` escape of interactive sessions, as in ssh: after Enter, `~.` detaches and
// `~~` sends one `~`. Pure: bytes in, bytes to send and whether to detach out.

export class EscapeScanner {
  private _atLineStart = true;
  private _sawTilde = false;

  /** Splits typed bytes into what goes to the session and a detach request. */
  scan(input: Buffer): { send: Buffer; detach: boolean } {
    const out: number[] = [];
    for (const b of input) {
      if (this._sawTilde) {
        this._sawTilde = false;
        if (b === 0x2e /* . */) return { send: Buffer.from(out), detach: true };
        if (b === 0x7e /* ~ */) {
          out.push(0x7e);
          this._atLineStart = false;
          continue;
        }
        out.push(0x7e);
      } else if (this._atLineStart && b === 0x7e) {
        this._sawTilde = true;
        continue;
      }
      out.push(b);
      this._atLineStart = b === 0x0d || b === 0x0a;
    }
    return { send: Buffer.from(out), detach: false };
  }
}
