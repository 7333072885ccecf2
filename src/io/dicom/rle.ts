/**
 * DICOM RLE Lossless (PS3.5 Annex G) frame codec.
 *
 * A frame is a 64-byte header (uint32 LE segment count ≤ 15, then 15 uint32 LE segment offsets)
 * followed by PackBits segments. Segment s holds byte plane s of every pixel sample: for
 * `bytesPerSample` = 2 and one sample, segment 0 is the high bytes and segment 1 the low bytes;
 * samples come in order (R planes, then G, then B). PackBits: header byte n (int8): 0..127 →
 * copy the next n+1 bytes; −1..−127 → repeat the next byte 1−n times; −128 → no operation.
 *
 * `decodeRleFrame` returns the frame as little-endian, pixel-interleaved bytes (what an uncompressed
 * explicit-VR-little-endian frame with PlanarConfiguration 0 would hold).
 *
 * @example
 *   const raw = decodeRleFrame(fragment, rows * cols, 2, 1); // 16-bit monochrome
 */
import { MedreconError } from '../../core/errors.js';

function corrupt(msg: string): MedreconError {
  return new MedreconError('CORRUPT_FILE', `dicom rle: ${msg}`);
}

/** PackBits-decode `src[start, end)` into exactly `n` bytes written to out[o + k·step]. */
function unpackSegment(src: Uint8Array, start: number, end: number, out: Uint8Array, o: number, step: number, n: number): void {
  let p = start;
  let k = 0;
  while (k < n) {
    if (p >= end) throw corrupt(`segment ends after ${k} of ${n} bytes`);
    const h = src[p++]!;
    if (h < 128) {
      const len = h + 1;
      if (p + len > end || k + len > n) throw corrupt('literal run overruns');
      for (let i = 0; i < len; i++) out[o + (k++) * step] = src[p++]!;
    } else if (h > 128) {
      const len = 257 - h;
      if (p >= end || k + len > n) throw corrupt('replicate run overruns');
      const v = src[p++]!;
      for (let i = 0; i < len; i++) out[o + (k++) * step] = v;
    }
  }
}

/** Decode one RLE frame of `pixels` pixels, `bytesPerSample` ∈ {1, 2, 4}, `samples` ∈ {1, 3}. */
export function decodeRleFrame(src: Uint8Array, pixels: number, bytesPerSample: number, samples: number): Uint8Array {
  if (src.length < 64) throw corrupt(`frame of ${src.length} bytes has no 64-byte header`);
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const nseg = dv.getUint32(0, true);
  if (nseg !== bytesPerSample * samples) throw corrupt(`frame has ${nseg} segments, expected ${bytesPerSample * samples}`);
  // A PackBits byte pair yields at most 128 bytes: check before allocating.
  if (pixels * nseg > 64 * src.length + 128 * nseg) throw corrupt(`${src.length} bytes cannot hold ${pixels} pixels`);
  const offs: number[] = [];
  for (let s = 0; s < nseg; s++) offs.push(dv.getUint32(4 + 4 * s, true));
  const out = new Uint8Array(pixels * nseg);
  const bps = bytesPerSample;
  for (let s = 0; s < nseg; s++) {
    const start = offs[s]!;
    const end = s + 1 < nseg ? offs[s + 1]! : src.length;
    if (start < 64 || start > src.length || end < start || end > src.length) throw corrupt(`bad segment offset ${start}`);
    const sample = Math.floor(s / bps);
    const byteInSample = bps - 1 - (s % bps); // segment 0 = most significant byte
    unpackSegment(src, start, end, out, sample * bps + byteInSample, samples * bps, pixels);
  }
  return out;
}

/** Encode one frame (little-endian, pixel-interleaved bytes) as DICOM RLE; the inverse of decodeRleFrame. */
export function encodeRleFrame(raw: Uint8Array, pixels: number, bytesPerSample: number, samples: number): Uint8Array {
  const nseg = bytesPerSample * samples;
  const segs: Uint8Array[] = [];
  for (let s = 0; s < nseg; s++) {
    const sample = Math.floor(s / bytesPerSample);
    const o = sample * bytesPerSample + (bytesPerSample - 1 - (s % bytesPerSample));
    const step = samples * bytesPerSample;
    const plane = new Uint8Array(pixels);
    for (let k = 0; k < pixels; k++) plane[k] = raw[o + k * step]!;
    const enc: number[] = [];
    let i = 0;
    while (i < pixels) {
      let r = 1;
      while (i + r < pixels && r < 128 && plane[i + r] === plane[i]) r++;
      if (r >= 2) {
        enc.push(257 - r, plane[i]!);
        i += r;
      } else {
        let j = i;
        while (j < pixels && j - i < 128 && !(j + 1 < pixels && plane[j + 1] === plane[j])) j++;
        if (j === i) j = i + 1;
        enc.push(j - i - 1, ...plane.subarray(i, j));
        i = j;
      }
    }
    if (enc.length % 2) enc.push(128);
    segs.push(Uint8Array.from(enc));
  }
  const out = new Uint8Array(64 + segs.reduce((a, s) => a + s.length, 0));
  const dv = new DataView(out.buffer);
  dv.setUint32(0, nseg, true);
  let p = 64;
  segs.forEach((s, k) => {
    dv.setUint32(4 + 4 * k, p, true);
    out.set(s, p);
    p += s.length;
  });
  return out;
}
