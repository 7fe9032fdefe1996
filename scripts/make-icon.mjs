// Draws media/icon.png (128x128): a red shield with a white inset and a dark padlock, on a dark
// rounded square. Plain Node (zlib), 4x4 supersampling; run again after changing a shape.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const N = 128;
const BG = [0x1f, 0x2a, 0x37];
const RED = [0xc7, 0x2e, 0x0f];
const LIGHT = [0xe8, 0xee, 0xf5];

const roundedSquare = (x, y, r = 24) => {
  const dx = Math.max(r - x, 0, x - (N - r)), dy = Math.max(r - y, 0, y - (N - r));
  return dx * dx + dy * dy <= r * r;
};
// A shield: flat top at `top`, straight sides down to y = mid, then a curve to the point at `bottom`.
const shield = (x, y, cx, halfW, top, mid, bottom) => {
  if (y < top || y > bottom) return false;
  const dx = Math.abs(x - cx);
  if (y <= mid) return dx <= halfW;
  const t = (y - mid) / (bottom - mid);
  return dx <= halfW * Math.sqrt(Math.max(0, 1 - t * t));
};
const roundRect = (x, y, x0, y0, w, h, r) => {
  if (x < x0 || x > x0 + w || y < y0 || y > y0 + h) return false;
  const dx = Math.max(x0 + r - x, 0, x - (x0 + w - r)), dy = Math.max(y0 + r - y, 0, y - (y0 + h - r));
  return dx * dx + dy * dy <= r * r;
};
const shackle = (x, y) => {
  const cx = 64, cy = 50, r0 = 8.5, r1 = 15;
  if (y > 60) return false;
  const d = Math.hypot(x - cx, Math.min(y, cy) - cy);
  return y <= cy ? d >= r0 && d <= r1 : Math.abs(x - cx) >= r0 && Math.abs(x - cx) <= r1;
};

function colorAt(x, y) {
  if (!roundedSquare(x, y)) return undefined;
  const keyhole = Math.hypot(x - 64, y - 72) <= 4.5 || (Math.abs(x - 64) <= 2 && y >= 72 && y <= 82);
  if (roundRect(x, y, 44, 60, 40, 30, 5)) return keyhole ? LIGHT : BG;
  if (shackle(x, y)) return BG;
  if (shield(x, y, 64, 32, 23, 62, 106)) return LIGHT;
  if (shield(x, y, 64, 40, 13, 60, 115)) return RED;
  return BG;
}

const S = 4;
const raw = Buffer.alloc(N * (N * 4 + 1));
for (let y = 0; y < N; y++) {
  raw[y * (N * 4 + 1)] = 0;
  for (let x = 0; x < N; x++) {
    let r = 0, g = 0, b = 0, a = 0;
    for (let sy = 0; sy < S; sy++) for (let sx = 0; sx < S; sx++) {
      const c = colorAt(x + (sx + 0.5) / S, y + (sy + 0.5) / S);
      if (c) { r += c[0]; g += c[1]; b += c[2]; a++; }
    }
    const o = y * (N * 4 + 1) + 1 + x * 4;
    raw[o] = a ? Math.round(r / a) : 0; raw[o + 1] = a ? Math.round(g / a) : 0; raw[o + 2] = a ? Math.round(b / a) : 0;
    raw[o + 3] = Math.round((a / (S * S)) * 255);
  }
}

const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
const chunk = (type, data) => {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const c = Buffer.alloc(4); c.writeUInt32BE(crc(td));
  return Buffer.concat([len, td, c]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(N, 0); ihdr.writeUInt32BE(N, 4); ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
writeFileSync(new URL('../media/icon.png', import.meta.url), png);
console.log(`media/icon.png: ${N}x${N}, ${png.length} bytes`);
