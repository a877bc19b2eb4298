// The web app's icons, drawn here and encoded as PNG with zlib: no image files, no image dependency.
import { crc32, deflateSync } from "node:zlib";

const TEAL = [13, 125, 108];
const WHITE = [255, 255, 255];
/** Samples per pixel side: 4 × 4 gives smooth edges. */
const AA = 4;

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** RGBA pixels (size × size × 4) as a PNG file. */
export function encodePng(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function inRoundedRect(x, y, x0, y0, x1, y1, r) {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

/**
 * A speech bubble with three dots. Coordinates are in 0..1; `inset` shrinks the drawing toward the
 * centre (a maskable icon keeps its content in the middle 80 %), `rounded` gives the background round
 * corners (plain icons) or fills the square (maskable: the platform cuts the shape).
 */
function shade(x, y, { inset, rounded }) {
  const background = rounded ? inRoundedRect(x, y, 0, 0, 1, 1, 0.22) : true;
  if (!background) return null;
  const u = 0.5 + (x - 0.5) / inset;
  const v = 0.5 + (y - 0.5) / inset;
  const body = inRoundedRect(u, v, 0.18, 0.22, 0.82, 0.7, 0.16);
  // The tail: a triangle under the bubble's lower left.
  const tail = v >= 0.66 && v <= 0.84 && u >= 0.28 && u <= 0.46 && u - 0.28 <= (0.84 - v) * 1.0;
  if (!body && !tail) return TEAL;
  for (const dx of [0.35, 0.5, 0.65]) if ((u - dx) ** 2 + (v - 0.46) ** 2 <= 0.05 ** 2) return TEAL;
  return WHITE;
}

export function drawIcon(size, options) {
  const rgba = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < AA; sy++) {
        for (let sx = 0; sx < AA; sx++) {
          const colour = shade((px + (sx + 0.5) / AA) / size, (py + (sy + 0.5) / AA) / size, options);
          if (colour === null) continue;
          r += colour[0];
          g += colour[1];
          b += colour[2];
          a += 1;
        }
      }
      const o = (py * size + px) * 4;
      if (a > 0) {
        rgba[o] = Math.round(r / a);
        rgba[o + 1] = Math.round(g / a);
        rgba[o + 2] = Math.round(b / a);
      }
      rgba[o + 3] = Math.round((a / (AA * AA)) * 255);
    }
  }
  return encodePng(size, rgba);
}

/** The icon files of the web app: path → PNG bytes. */
export function webIcons() {
  return [
    { path: "/icons/icon-192.png", body: drawIcon(192, { inset: 1, rounded: true }) },
    { path: "/icons/icon-512.png", body: drawIcon(512, { inset: 1, rounded: true }) },
    { path: "/icons/maskable-512.png", body: drawIcon(512, { inset: 0.8, rounded: false }) },
    // iOS rounds the corners itself and shows transparency as black: a full square.
    { path: "/icons/apple-touch-icon.png", body: drawIcon(180, { inset: 0.9, rounded: false }) },
  ];
}
