/**
 * Shared byte helpers for the codecs: CRC-32 (ISO-HDLC, polynomial 0xEDB88320, as in PNG, gzip and
 * ZIP) and bounded decompression on top of fflate's streaming inflaters.
 *
 * Bounded means: input is fed in small slices and decompression stops with `CORRUPT_FILE` as soon as
 * the output exceeds `maxBytes`, so a lying size field or a decompression bomb can never make us
 * allocate more than `maxBytes` (+ one slice's worth, ≤ 1032 × 16 KiB).
 *
 * @example
 *   crc32(new TextEncoder().encode('123456789')) === 0xcbf43926
 *   const raw = gunzipBounded(gz, 1 << 20, 'nifti');
 */
import { Gunzip, Inflate, Unzlib } from 'fflate';
import { MedreconError } from '../core/errors.js';

let CRC_TABLE: Uint32Array | undefined;

/** CRC-32 of `bytes` (optionally continuing from a previous `crc`). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

type Kind = 'gzip' | 'deflate' | 'zlib';
const SLICE = 16384;

/**
 * Decompress `bytes` (gzip / raw deflate / zlib) keeping at most `maxBytes` of output.
 * With `stopAfter`, stops early once that many bytes are out (used to peek at a header).
 * Throws CORRUPT_FILE (prefixed with `what`) on a bad or truncated stream or too much output.
 */
export function inflateBounded(bytes: Uint8Array, kind: Kind, maxBytes: number, what: string, stopAfter = Infinity): Uint8Array {
  const chunks: Uint8Array[] = [];
  let members = 0;
  let total = 0;
  let done = false;
  const onData = (d: Uint8Array, final: boolean): void => {
    if (d.length) {
      chunks.push(d);
      total += d.length;
    }
    if (final) done = true;
  };
  const s = kind === 'gzip' ? new Gunzip(onData) : kind === 'zlib' ? new Unzlib(onData) : new Inflate(onData);
  if (s instanceof Gunzip) s.onmember = () => void members++;
  try {
    for (let p = 0; p < bytes.length && !done; p += SLICE) {
      const end = Math.min(bytes.length, p + SLICE);
      s.push(bytes.subarray(p, end), end === bytes.length);
      if (total > maxBytes) throw new MedreconError('CORRUPT_FILE', `${what}: decompressed data exceeds the expected ${maxBytes} bytes`);
      if (total >= stopAfter) break;
    }
    if (bytes.length === 0) s.push(new Uint8Array(0), true);
  } catch (e) {
    if (e instanceof MedreconError) throw e;
    throw new MedreconError('CORRUPT_FILE', `${what}: bad ${kind} stream (${(e as Error).message})`, {}, { cause: e });
  }
  if (!done && total < stopAfter) throw new MedreconError('CORRUPT_FILE', `${what}: truncated ${kind} stream`);
  let out: Uint8Array;
  if (chunks.length === 1) out = chunks[0]!;
  else {
    out = new Uint8Array(total);
    let o = 0;
    for (const c of chunks) {
      out.set(c, o);
      o += c.length;
    }
  }
  // fflate does not check the gzip trailer: for a single-member stream verify CRC-32 and ISIZE
  // (onmember fires only for members after the first).
  if (kind === 'gzip' && done && members === 0) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 18 || dv.getUint32(bytes.length - 8, true) !== crc32(out) || dv.getUint32(bytes.length - 4, true) !== out.length >>> 0) {
      throw new MedreconError('CORRUPT_FILE', `${what}: gzip CRC/size check failed (truncated or damaged)`);
    }
  }
  return out;
}

/** True when `bytes` starts with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Largest output a DEFLATE stream of `n` input bytes can produce (max ratio ≈ 1032:1) plus slack. */
export function maxInflated(n: number): number {
  return n * 1032 + 65536;
}
