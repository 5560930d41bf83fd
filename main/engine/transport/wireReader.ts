// Reads the SSH wire encoding (RFC 4251 §5): uint32 big-endian, and string = uint32 length
// then that many bytes. Every read is bounds-checked; past the end it gives undefined.

export class WireReader {
  constructor(
    private readonly _buf: Buffer,
    private _at = 0,
  ) {}

  uint32(): number | undefined {
    if (this._at + 4 > this._buf.length) return undefined;
    const v = this._buf.readUInt32BE(this._at);
    this._at += 4;
    return v;
  }

  string(): Buffer | undefined {
    const len = this.uint32();
    if (len === undefined || this._at + len > this._buf.length) return undefined;
    const s = this._buf.subarray(this._at, this._at + len);
    this._at += len;
    return s;
  }
}

/** The key type a public key blob begins with (string type), or undefined. */
export function blobKeyType(blob: Buffer): string | undefined {
  return new WireReader(blob).string()?.toString('latin1');
}
