// Draws build/icons/icon.png (512x512, what electron-builder turns into .icns/.ico and the
// Linux icon): a shell prompt "›_" on a rounded dark square, anti-aliased by 4x4
// supersampling. No image tools needed: a PNG is a few zlib-deflated rows and CRCs.
// Usage: node build/icons/make-icon.mjs
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const SIZE = 512;
const SUB = 4;

/** Signed distance to a rounded box centred at (cx, cy), half sizes (hx, hy), radius r. */
function roundedBox(x, y, cx, cy, hx, hy, r) {
  const qx = Math.abs(x - cx) - hx + r;
  const qy = Math.abs(y - cy) - hy + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

/** Distance to the segment (ax, ay)-(bx, by). */
function segment(x, y, ax, ay, bx, by) {
  const px = x - ax;
  const py = y - ay;
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, (px * dx + py * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - t * dx, py - t * dy);
}

/** RGBA of one sample point. */
function sample(x, y) {
  if (roundedBox(x, y, 256, 256, 232, 232, 96) > 0) return [0, 0, 0, 0];
  // Background: a vertical gradient, deep blue-grey.
  const t = y / SIZE;
  const bg = [27 + 10 * t, 36 + 8 * t, 52 + 14 * t];
  const stroke = 34;
  const chevron = Math.min(segment(x, y, 150, 170, 250, 256), segment(x, y, 250, 256, 150, 342));
  const underscore = segment(x, y, 280, 342, 370, 342);
  if (chevron < stroke / 2 || underscore < stroke / 2) return [94, 234, 212, 255];
  return [...bg, 255];
}

const rows = [];
for (let y = 0; y < SIZE; y++) {
  const row = Buffer.alloc(1 + SIZE * 4); // filter byte 0, then RGBA
  for (let x = 0; x < SIZE; x++) {
    const acc = [0, 0, 0, 0];
    for (let sy = 0; sy < SUB; sy++) {
      for (let sx = 0; sx < SUB; sx++) {
        const [r, g, b, a] = sample(x + (sx + 0.5) / SUB, y + (sy + 0.5) / SUB);
        acc[0] += r * a;
        acc[1] += g * a;
        acc[2] += b * a;
        acc[3] += a;
      }
    }
    const alpha = acc[3] / (SUB * SUB);
    const o = 1 + x * 4;
    row[o] = acc[3] ? Math.round(acc[0] / acc[3]) : 0;
    row[o + 1] = acc[3] ? Math.round(acc[1] / acc[3]) : 0;
    row[o + 2] = acc[3] ? Math.round(acc[2] / acc[3]) : 0;
    row[o + 3] = Math.round(alpha);
  }
  rows.push(row);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header[8] = 8; // bit depth
header[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
const out = fileURLToPath(new URL('icon.png', import.meta.url));
writeFileSync(out, png);
console.log(`wrote ${out} (${png.length} bytes)`);
