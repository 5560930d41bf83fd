// POSIX `cksum`: the one checksum every POSIX system can compute (CRC-32, polynomial
// 0x04C11DB7 most significant bit first, over the bytes and then the length, inverted).
// Not a defence against an attacker (SSH already is): it catches an upload cut short or
// damaged on a server that has no SHA-256 tool, before anything uploaded is run.

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** What `cksum < file` prints for these bytes: `CRC SIZE`. */
export function posixCksum(bytes: Uint8Array): string {
  let crc = 0;
  const step = (b: number) => {
    crc = ((crc << 8) ^ TABLE[((crc >>> 24) ^ b) & 0xff]!) >>> 0;
  };
  for (const b of bytes) step(b);
  for (let n = bytes.length; n > 0; n = Math.floor(n / 256)) step(n & 0xff);
  return `${~crc >>> 0} ${bytes.length}`;
}
