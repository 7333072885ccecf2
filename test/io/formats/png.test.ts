import { describe, expect, it } from 'vitest';
import { unzlibSync } from 'fflate';
import { tensor } from '../../../src/core/tensor.js';
import { colormapLut, drawText, encodePng, montage, renderImage, textWidth, toPng, windowRange, type Image8 } from '../../../src/io/png.js';
import { crc32 } from '../../../src/io/zutil.js';
import { expectCode } from './helpers.js';

/** Minimal PNG reader for 8-bit gray/RGB, non-interlaced: checks CRCs, inflates, unfilters. */
function decodePng(b: Uint8Array): Image8 {
  expect([...b.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = 8;
  let w = 0;
  let h = 0;
  let c: 1 | 3 = 1;
  const idat: Uint8Array[] = [];
  const types: string[] = [];
  for (;;) {
    const len = dv.getUint32(p);
    const type = String.fromCharCode(...b.subarray(p + 4, p + 8));
    types.push(type);
    const body = b.subarray(p + 8, p + 8 + len);
    expect(dv.getUint32(p + 8 + len)).toBe(crc32(b.subarray(p + 4, p + 8 + len)));
    if (type === 'IHDR') {
      w = dv.getUint32(p + 8);
      h = dv.getUint32(p + 12);
      expect(body[8]).toBe(8);
      c = body[9] === 0 ? 1 : 3;
      expect(body[12]).toBe(0);
    } else if (type === 'IDAT') idat.push(body);
    p += 12 + len;
    if (type === 'IEND') break;
  }
  expect(types[0]).toBe('IHDR');
  const z = new Uint8Array(idat.reduce((s, x) => s + x.length, 0));
  let o = 0;
  for (const x of idat) {
    z.set(x, o);
    o += x.length;
  }
  const raw = unzlibSync(z);
  const stride = w * c;
  expect(raw.length).toBe(h * (stride + 1));
  const out = new Uint8Array(h * stride);
  for (let y = 0; y < h; y++) {
    const f = raw[y * (stride + 1)]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= c ? out[y * stride + i - c]! : 0;
      const up = y > 0 ? out[(y - 1) * stride + i]! : 0;
      const ul = y > 0 && i >= c ? out[(y - 1) * stride + i - c]! : 0;
      const pa = Math.abs(up - ul);
      const pb = Math.abs(a - ul);
      const pc = Math.abs(a + up - 2 * ul);
      const pred = [0, a, up, (a + up) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? up : ul][f];
      expect(pred).toBeDefined();
      out[y * stride + i] = (x + pred!) & 255;
    }
  }
  return { width: w, height: h, channels: c, data: out };
}

describe('PNG encode', () => {
  it('CRC-32 check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
  it('gray with min/max window: exact pixels after decode', () => {
    const t = tensor([3, 4], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const img = decodePng(toPng(t, { window: { min: 0, max: 11 } }));
    expect([img.width, img.height, img.channels]).toEqual([4, 3, 1]);
    expect([...img.data]).toEqual(Array.from({ length: 12 }, (_, i) => Math.round((i * 255) / 11)));
  });
  it('center/width window clips, NaN → 0, percentile window', () => {
    const t = tensor([1, 5], [-100, 40, 50, 60, NaN]);
    const img = decodePng(toPng(t, { window: { center: 50, width: 20 } }));
    expect([...img.data]).toEqual([0, 0, 128, 255, 0]);
    const ramp = tensor([10, 10], Array.from({ length: 100 }, (_, i) => i));
    const [lo, hi] = windowRange(ramp.data, { percentile: [10, 90] });
    expect(lo).toBeCloseTo(9.9, 9);
    expect(hi).toBeCloseTo(89.1, 9);
    expectCode(() => windowRange(ramp.data, { percentile: [90, 10] }), 'INVALID_ARGUMENT');
  });
  it('colormaps: RGB output, endpoints of the tables', () => {
    const t = tensor([1, 2], [0, 1]);
    for (const [cm, first, last] of [
      ['viridis', [68, 1, 84], [253, 231, 37]],
      ['magma', [0, 0, 4], [252, 253, 191]],
      ['hot', [0, 0, 0], [255, 255, 255]],
    ] as const) {
      const img = decodePng(toPng(t, { colormap: cm }));
      expect(img.channels).toBe(3);
      expect([...img.data]).toEqual([...first, ...last]);
    }
    const hot = colormapLut('hot');
    expect([...hot.subarray(3 * 85, 3 * 85 + 3)]).toEqual([255, 0, 0]);
  });
  it('large random-ish image decodes identically (exercises the Sub/Up filters)', () => {
    const w = 37;
    const h = 23;
    const data = new Uint8Array(w * h * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + ((i / 3) | 0) * 13) & 255;
    const img: Image8 = { width: w, height: h, channels: 3, data };
    expect([...decodePng(encodePng(img)).data]).toEqual([...data]);
  });
  it('rejects bad shapes', () => {
    expectCode(() => renderImage(tensor([2, 2, 2])), 'INVALID_ARGUMENT');
    expectCode(() => encodePng({ width: 2, height: 2, channels: 1, data: new Uint8Array(3) }), 'INVALID_ARGUMENT');
  });
});

describe('montage and text', () => {
  it('lays images on a grid with labels drawn in the 5×7 font', () => {
    const a = tensor([4, 6], new Array(24).fill(1));
    const b = tensor([2, 3], new Array(6).fill(1));
    const m = montage([a, b, a], { labels: ['A1', 'B', 'C.'], columns: 2, padding: 2, window: { min: 0, max: 1 } });
    // cells: width max(6, textWidth) = 11, height 4; label band 7 + 2
    const cw = Math.max(6, textWidth('A1'));
    expect(m.width).toBe(2 + 2 * (cw + 2));
    expect(m.height).toBe(2 + 2 * (9 + 4 + 2));
    const dec = decodePng(encodePng(m));
    expect([...dec.data]).toEqual([...m.data]);
    const px = (x: number, y: number) => m.data[y * m.width + x]!;
    // 'A' top row is .###. → pixel (2+1, 2) lit, (2+0, 2) not
    expect(px(3, 2)).toBe(255);
    expect(px(2, 2)).toBe(0);
    // first image starts below the label band, centred in its cell
    const ox = 2 + Math.floor((cw - 6) / 2);
    expect(px(ox, 2 + 9)).toBe(255);
    expect(px(ox - 1, 2 + 9)).toBe(0);
    // second image (3×2) centred in cell 2
    const c2 = 2 + cw + 2;
    expect(px(c2 + Math.floor((cw - 3) / 2), 2 + 9 + 1)).toBe(255);
    expect(px(c2 + Math.floor((cw - 3) / 2), 2 + 9)).toBe(0);
    expectCode(() => montage([a], { labels: ['x', 'y'] }), 'INVALID_ARGUMENT');
  });
  it('every glyph is 7 rows of 5 bits; unknown characters fall back to ?', () => {
    const chars = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ .,:;-_+=/\\()[]%!?\'"#*<>|~@&^';
    const img: Image8 = { width: 6 * chars.length, height: 7, channels: 1, data: new Uint8Array(6 * chars.length * 7) };
    drawText(img, chars, 0, 0);
    for (let k = 0; k < chars.length; k++) {
      let lit = 0;
      for (let y = 0; y < 7; y++) for (let x = 0; x < 6; x++) lit += img.data[y * img.width + 6 * k + x]! ? 1 : 0;
      for (let y = 0; y < 7; y++) expect(img.data[y * img.width + 6 * k + 5]).toBe(0); // gap column
      expect(lit > 0).toBe(chars[k] !== ' ');
    }
    const q: Image8 = { width: 5, height: 7, channels: 1, data: new Uint8Array(35) };
    const u: Image8 = { width: 5, height: 7, channels: 1, data: new Uint8Array(35) };
    drawText(q, '?', 0, 0);
    drawText(u, '\u00b5', 0, 0);
    expect([...u.data]).toEqual([...q.data]);
    const lower: Image8 = { width: 5, height: 7, channels: 1, data: new Uint8Array(35) };
    const upper: Image8 = { width: 5, height: 7, channels: 1, data: new Uint8Array(35) };
    drawText(lower, 'g', 0, 0);
    drawText(upper, 'G', 0, 0);
    expect([...lower.data]).toEqual([...upper.data]);
  });
});
