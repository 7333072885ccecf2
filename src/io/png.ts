/**
 * PNG output (encode only): 8-bit grayscale or RGB images from float tensors, with window/level,
 * colormaps and a labelled montage for side-by-side comparisons.
 *
 * Window/level maps a value v to `u = clamp((v − lo) / (hi − lo), 0, 1)` and then to 8 bits
 * `round(255·u)` (gray) or to a 256-entry colormap (viridis and magma are piecewise-linear through
 * 11 samples of matplotlib's maps; hot is r = 3u, g = 3u − 1, b = 3u − 2, clamped). `[lo, hi]` comes from
 * `{ center c, width w }` → `[c − w/2, c + w/2]` (DICOM-style), `{ min, max }`, or
 * `{ percentile: [p, q] }` → the p-th and q-th percentiles of the finite values (default: data min/max).
 * NaN maps to 0 (black).
 *
 * The PNG is written with our own chunk writer and CRC-32, zlib by fflate, one filter per row
 * (None, Sub or Up: whichever has the smallest sum of |bytes|).
 *
 * @example
 *   const png = toPng(slice, { window: { percentile: [1, 99] }, colormap: 'magma' });
 *   const cmp = encodePng(montage([ref, recon, err], { labels: ['REF', 'RECON 32.1 dB', 'ERROR'], columns: 3 }));
 */
import { zlibSync } from 'fflate';
import { MedreconError, checkOptions } from '../core/errors.js';
import type { HostTensor } from '../core/tensor.js';
import { crc32 } from './zutil.js';

/** An 8-bit image, row-major, `channels` interleaved samples per pixel (1 = gray, 3 = RGB). */
export interface Image8 {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}

export type Colormap = 'gray' | 'viridis' | 'magma' | 'hot';
export type WindowSpec = { center: number; width: number } | { min: number; max: number } | { percentile: [number, number] };

export interface RenderOptions {
  window?: WindowSpec;
  colormap?: Colormap;
}

const VIRIDIS = [68, 1, 84, 72, 36, 117, 65, 68, 135, 53, 95, 141, 42, 120, 142, 33, 145, 140, 34, 168, 132, 68, 191, 112, 122, 209, 81, 189, 223, 38, 253, 231, 37];
const MAGMA = [0, 0, 4, 20, 14, 54, 59, 15, 112, 100, 26, 128, 140, 41, 129, 183, 55, 121, 222, 73, 104, 247, 112, 92, 254, 159, 109, 254, 207, 146, 252, 253, 191];

/** The 256×3 lookup table of a colormap. */
export function colormapLut(name: Colormap): Uint8Array {
  const lut = new Uint8Array(768);
  for (let i = 0; i < 256; i++) {
    const u = i / 255;
    let rgb: [number, number, number];
    if (name === 'gray') rgb = [i, i, i];
    else if (name === 'hot') {
      const c = (x: number) => Math.round(255 * Math.min(1, Math.max(0, x)));
      rgb = [c(3 * u), c(3 * u - 1), c(3 * u - 2)];
    } else if (name === 'viridis' || name === 'magma') {
      const t = name === 'viridis' ? VIRIDIS : MAGMA;
      const x = u * 10;
      const k = Math.min(9, Math.floor(x));
      const f = x - k;
      rgb = [0, 1, 2].map((ch) => Math.round(t[3 * k + ch]! * (1 - f) + t[3 * (k + 1) + ch]! * f)) as [number, number, number];
    } else throw new MedreconError('INVALID_ARGUMENT', `unknown colormap '${String(name)}' (gray, viridis, magma, hot)`);
    lut.set(rgb, 3 * i);
  }
  return lut;
}

/** `[lo, hi]` for a window spec over `data` (finite values only). */
export function windowRange(data: ArrayLike<number>, w?: WindowSpec): [number, number] {
  if (w && 'center' in w) return [w.center - w.width / 2, w.center + w.width / 2];
  if (w && 'min' in w) return [w.min, w.max];
  const vals: number[] = [];
  for (let i = 0; i < data.length; i++) if (Number.isFinite(data[i]!)) vals.push(data[i]!);
  if (vals.length === 0) return [0, 1];
  if (w && 'percentile' in w) {
    const [p, q] = w.percentile;
    if (!(p >= 0 && q <= 100 && p <= q)) throw new MedreconError('INVALID_ARGUMENT', `percentile window [${p}, ${q}] must satisfy 0 ≤ p ≤ q ≤ 100`);
    const s = Float64Array.from(vals).sort();
    const at = (pc: number) => {
      const x = (pc / 100) * (s.length - 1);
      const k = Math.floor(x);
      return k + 1 < s.length ? s[k]! + (x - k) * (s[k + 1]! - s[k]!) : s[k]!;
    };
    return [at(p), at(q)];
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of vals) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function image2d(t: HostTensor): { h: number; w: number } {
  const d = t.dims;
  if (d.length === 2) return { h: d[0]!, w: d[1]! };
  if (d.length === 3 && d[0] === 1) return { h: d[1]!, w: d[2]! };
  throw new MedreconError('INVALID_ARGUMENT', `png: expected an image [H, W] or [1, H, W], got [${d.join(', ')}]`);
}

/** Window and colour a 2D tensor into an 8-bit image (gray for 'gray', else RGB). */
export function renderImage(t: HostTensor, opts: RenderOptions = {}): Image8 {
  checkOptions('renderImage', opts, ['window', 'colormap']);
  const { h, w } = image2d(t);
  const [lo, hi] = windowRange(t.data, opts.window);
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const cm = opts.colormap ?? 'gray';
  const lut = cm === 'gray' ? null : colormapLut(cm);
  const n = h * w;
  const out = new Uint8Array(n * (lut ? 3 : 1));
  for (let i = 0; i < n; i++) {
    const v = t.data[i]!;
    let q = Number.isNaN(v) ? 0 : Math.round((v - lo) * scale);
    if (!(hi > lo)) q = v >= hi ? 255 : 0;
    q = q < 0 ? 0 : q > 255 ? 255 : q;
    if (lut) {
      out[3 * i] = lut[3 * q]!;
      out[3 * i + 1] = lut[3 * q + 1]!;
      out[3 * i + 2] = lut[3 * q + 2]!;
    } else out[i] = q;
  }
  return { width: w, height: h, channels: lut ? 3 : 1, data: out };
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  dv.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/** Encode an 8-bit gray or RGB image as PNG bytes. */
export function encodePng(img: Image8): Uint8Array {
  const { width: w, height: h, channels: c } = img;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1 || (c !== 1 && c !== 3) || img.data.length !== w * h * c) {
    throw new MedreconError('INVALID_ARGUMENT', `encodePng: bad image ${w}×${h}×${c} with ${img.data.length} bytes`);
  }
  const stride = w * c;
  const raw = new Uint8Array(h * (stride + 1));
  const cand = [new Uint8Array(stride), new Uint8Array(stride), new Uint8Array(stride)];
  for (let y = 0; y < h; y++) {
    const row = img.data.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? img.data.subarray((y - 1) * stride, y * stride) : null;
    cand[0]!.set(row);
    for (let i = 0; i < stride; i++) {
      cand[1]![i] = row[i]! - (i >= c ? row[i - c]! : 0);
      cand[2]![i] = row[i]! - (prev ? prev[i]! : 0);
    }
    let best = 0;
    let bestCost = Infinity;
    for (let f = 0; f < 3; f++) {
      let cost = 0;
      const r = cand[f]!;
      for (let i = 0; i < stride; i++) cost += r[i]! < 128 ? r[i]! : 256 - r[i]!;
      if (cost < bestCost) [best, bestCost] = [f, cost];
    }
    raw[y * (stride + 1)] = best === 0 ? 0 : best === 1 ? 1 : 2;
    raw.set(cand[best]!, y * (stride + 1) + 1);
  }
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, w);
  dv.setUint32(4, h);
  ihdr[8] = 8;
  ihdr[9] = c === 1 ? 0 : 2;
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlibSync(raw, { level: 6 })), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** `encodePng(renderImage(t, opts))`. */
export function toPng(t: HostTensor, opts: RenderOptions = {}): Uint8Array {
  return encodePng(renderImage(t, opts));
}

// ---- 5×7 bitmap font: 7 rows of 5 bits (bit 4 = leftmost column) per glyph ----
const GLYPHS: Record<string, string> = {
  '0': '0E11131519110E', '1': '040C040404040E', '2': '0E11010204081F', '3': '1F02040201110E', '4': '02060A121F0202',
  '5': '1F101E0101110E', '6': '0608101E11110E', '7': '1F010204080808', '8': '0E11110E11110E', '9': '0E11110F01020C',
  A: '0E11111F111111', B: '1E11111E11111E', C: '0E11101010110E', D: '1C12111111121C', E: '1F10101E10101F',
  F: '1F10101E101010', G: '0E11101711110F', H: '1111111F111111', I: '0E04040404040E', J: '0702020202120C',
  K: '11121418141211', L: '1010101010101F', M: '111B1515111111', N: '11111915131111', O: '0E11111111110E',
  P: '1E11111E101010', Q: '0E11111115120D', R: '1E11111E141211', S: '0F10100E01011E', T: '1F040404040404',
  U: '1111111111110E', V: '11111111110A04', W: '1111111515150A', X: '11110A040A1111', Y: '11110A04040404',
  Z: '1F01020408101F', ' ': '00000000000000', '.': '00000000000C0C', ',': '000000000C0408', ':': '000C0C000C0C00',
  ';': '000C0C000C0408', '-': '0000001F000000', _: '0000000000001F', '+': '0004041F040400', '=': '00001F001F0000',
  '/': '00010204081000', '\\': '00100804020100', '(': '02040808080402', ')': '08040202020408', '[': '0E08080808080E',
  ']': '0E02020202020E', '%': '18190204081303', '!': '04040404040004', '?': '0E110102040004', "'": '04040800000000',
  '"': '0A0A0000000000', '#': '0A0A1F0A1F0A0A', '*': '0004150E150400', '<': '02040810080402', '>': '08040201020408',
  '|': '04040404040404', '~': '00000815020000', '@': '0E11171517100E', '&': '0C12140815120D', '^': '040A1100000000',
};

function glyphRows(ch: string): number[] {
  const g = GLYPHS[ch] ?? GLYPHS[ch.toUpperCase()] ?? GLYPHS['?']!;
  return Array.from({ length: 7 }, (_, r) => parseInt(g.slice(2 * r, 2 * r + 2), 16));
}

/** Width in pixels of `text` drawn with `drawText` at `scale` (6·scale per character, minus the last gap). */
export function textWidth(text: string, scale = 1): number {
  return text.length === 0 ? 0 : (6 * text.length - 1) * scale;
}

/**
 * Draw `text` into `img` (in place) with the built-in 5×7 font, top-left at (x, y), `scale` pixels per
 * font pixel. Lowercase letters are drawn as capitals; unknown characters as '?'. Clipped at the edges.
 */
export function drawText(img: Image8, text: string, x: number, y: number, color: number | [number, number, number] = 255, scale = 1): void {
  const rgb = typeof color === 'number' ? [color, color, color] : color;
  for (let k = 0; k < text.length; k++) {
    const rows = glyphRows(text[k]!);
    const gx = x + 6 * scale * k;
    for (let r = 0; r < 7; r++) {
      for (let cx = 0; cx < 5; cx++) {
        if (!((rows[r]! >> (4 - cx)) & 1)) continue;
        for (let sy = 0; sy < scale; sy++) {
          for (let sx = 0; sx < scale; sx++) {
            const px = gx + cx * scale + sx;
            const py = y + r * scale + sy;
            if (px < 0 || py < 0 || px >= img.width || py >= img.height) continue;
            const o = (py * img.width + px) * img.channels;
            if (img.channels === 1) img.data[o] = rgb[0]!;
            else img.data.set(rgb, o);
          }
        }
      }
    }
  }
}

export interface MontageOptions extends RenderOptions {
  /** One label per image, drawn above it (default none). */
  labels?: string[];
  /** Images per row (default: all in one row). */
  columns?: number;
  /** Pixels between and around cells (default 4). */
  padding?: number;
  /** Font scale, pixels per font pixel (default 1). */
  labelScale?: number;
  /** Background gray level 0..255 (default 0). */
  background?: number;
  /** Label colour (default 255 = white). */
  labelColor?: number | [number, number, number];
}

/**
 * Lay out images on a grid (row-major, `columns` per row), each centred in a cell of the largest
 * image's size, with its label above it. Tensors are rendered with the shared `window`/`colormap`
 * (each image gets its own window unless `window` is { center, width } or { min, max }); Image8
 * inputs are used as they are. The result is RGB if any input is RGB or a colormap is used.
 *
 * @example encodePng(montage([a, b], { labels: ['ZERO-FILLED', 'PNP'], window: { min: 0, max: 1 } }))
 */
export function montage(images: readonly (HostTensor | Image8)[], opts: MontageOptions = {}): Image8 {
  checkOptions('montage', opts, ['labels', 'columns', 'padding', 'labelScale', 'background', 'labelColor', 'window', 'colormap']);
  if (images.length === 0) throw new MedreconError('INVALID_ARGUMENT', 'montage: no images');
  if (opts.labels && opts.labels.length !== images.length) throw new MedreconError('INVALID_ARGUMENT', `montage: ${opts.labels.length} labels for ${images.length} images`);
  const imgs = images.map((im) => ('width' in im ? im : renderImage(im, { window: opts.window, colormap: opts.colormap })));
  const cols = Math.max(1, Math.min(opts.columns ?? imgs.length, imgs.length));
  const rows = Math.ceil(imgs.length / cols);
  const pad = opts.padding ?? 4;
  const ls = opts.labelScale ?? 1;
  const labelH = opts.labels ? 7 * ls + pad : 0;
  const cw = Math.max(...imgs.map((i) => i.width), ...(opts.labels ?? []).map((l) => textWidth(l, ls)));
  const ch = Math.max(...imgs.map((i) => i.height));
  const W = pad + cols * (cw + pad);
  const H = pad + rows * (labelH + ch + pad);
  const channels: 1 | 3 = imgs.some((i) => i.channels === 3) || (opts.labelColor !== undefined && typeof opts.labelColor !== 'number') ? 3 : 1;
  const out: Image8 = { width: W, height: H, channels, data: new Uint8Array(W * H * channels).fill(opts.background ?? 0) };
  imgs.forEach((im, k) => {
    const cx = pad + (k % cols) * (cw + pad);
    const cy = pad + Math.floor(k / cols) * (labelH + ch + pad);
    if (opts.labels) drawText(out, opts.labels[k]!, cx, cy, opts.labelColor ?? 255, ls);
    const ox = cx + Math.floor((cw - im.width) / 2);
    const oy = cy + labelH + Math.floor((ch - im.height) / 2);
    for (let y = 0; y < im.height; y++) {
      for (let x = 0; x < im.width; x++) {
        const si = (y * im.width + x) * im.channels;
        const di = ((oy + y) * W + ox + x) * channels;
        for (let c = 0; c < channels; c++) out.data[di + c] = im.data[si + (im.channels === 3 ? c : 0)]!;
      }
    }
  });
  return out;
}
