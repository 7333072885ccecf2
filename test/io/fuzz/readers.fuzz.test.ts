/**
 * Deterministic fuzzing of every reader: truncations, bit flips and oversized/lying header fields.
 * Each case must return or throw CORRUPT_FILE / UNSUPPORTED, fast, without allocating from a lie.
 */
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'fflate';
import { Rng } from '../../../src/core/rng.js';
import { tensor } from '../../../src/core/tensor.js';
import { readNifti } from '../../../src/io/nifti.js';
import { writeNifti } from '../../../src/io/nifti.js';
import { readNpy, writeNpy } from '../../../src/io/npy.js';
import { readNpz, writeNpz } from '../../../src/io/npz.js';
import { readCfl, writeCfl } from '../../../src/io/cfl.js';
import { decodeRleFrame, encodeRleFrame, readDicom, readDicomSeries, writeDicomSeries } from '../../../src/io/dicom/index.js';
import type { Volume } from '../../../src/io/volume.js';
import { fixture } from '../formats/helpers.js';
import { bitFlips, fuzzCase, indexOf, newOutcome, patched, truncations } from './harness.js';

const rng0 = new Rng(20240601);

function smallVolume(dims = [4, 5, 6]): Volume {
  const n = dims.reduce((a, b) => a * b, 1);
  return { data: tensor(dims, rng0.fork(1).uniform(n, -100, 100)), spacing: dims.map(() => 1), affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], meta: {} };
}

describe('fuzz: NIfTI', () => {
  const v = smallVolume();
  const inputs: Record<string, Uint8Array> = {
    nii1: writeNifti(v, { dtype: 'int16' }),
    nii2: writeNifti(v, { version: 2 }),
    gz: writeNifti(v, { gzip: true }),
    be: fixture('nifti', 'float32_4d_sform_be.nii'),
  };
  for (const [name, good] of Object.entries(inputs)) {
    it(`${name}: truncations and header bit flips`, () => {
      const rng = rng0.fork(name.length * 7 + name.charCodeAt(0));
      const o = newOutcome();
      for (const n of truncations(good.length, rng)) fuzzCase(`${name} trunc ${n}`, readNifti, good.subarray(0, n), o);
      expect(o.ok).toBe(0); // every truncation is detected
      const hdrEnd = name === 'gz' ? good.length : name === 'nii2' ? 544 : 352;
      for (const b of bitFlips(good, rng, 150, 0, hdrEnd)) fuzzCase(`${name} flip`, readNifti, b, o);
      expect(o.codes['CORRUPT_FILE']).toBeGreaterThan(10);
    });
  }
  it('oversized dims and vox_offset, NIfTI-1 and NIfTI-2, plain and gzip', () => {
    const o = newOutcome();
    const n1 = inputs['nii1']!;
    const n2 = inputs['nii2']!;
    const lies: Uint8Array[] = [
      patched(n1, [[42, 2, 32767], [44, 2, 32767], [46, 2, 32767]]), // 32767³ × 2 bytes
      patched(n1, [[40, 2, 7], [42, 2, 32767], [44, 2, 32767], [46, 2, 32767], [48, 2, 32767], [50, 2, 32767], [52, 2, 32767], [54, 2, 32767]]),
      patched(n1, [[42, 2, -5]]),
      patched(n1, [[40, 2, 0]]),
      patched(n1, [[108, 4, 0x7f000000]]), // vox_offset 1.7e38 as float32 bits
      patched(n1, [[108, 4, 0x4f000000]]), // vox_offset 2^31
      patched(n1, [[108, 4, 0x7fc00000]]), // NaN
      patched(n2, [[24, 8, 2n ** 31n - 1n], [32, 8, 2n ** 31n - 1n], [40, 8, 2n ** 31n - 1n]]),
      patched(n2, [[24, 8, 2n ** 62n]]),
      patched(n2, [[168, 8, 2n ** 50n]]),
      patched(n2, [[168, 8, -1n]]),
      patched(n1, [[0, 4, 348, false]]), // big-endian sizeof_hdr with little-endian fields
    ];
    for (const [k, b] of lies.entries()) fuzzCase(`lie ${k}`, readNifti, b, o);
    for (const [k, b] of lies.entries()) fuzzCase(`gz lie ${k}`, readNifti, gzipSync(b), o);
    expect(o.ok).toBe(0);
  });
});

describe('fuzz: npy / npz / cfl', () => {
  it('npy truncations, header flips, lying shapes and header lengths', () => {
    const rng = rng0.fork(2);
    for (const good of [writeNpy(tensor([3, 4], rng.normal(12))), writeNpy(tensor([2, 3, 2], rng.normal(12)), { descr: '<c16', fortranOrder: true })]) {
      const o = newOutcome();
      for (const n of truncations(good.length, rng)) fuzzCase(`npy trunc ${n}`, readNpy, good.subarray(0, n), o);
      expect(o.ok).toBe(0);
      for (const b of bitFlips(good, rng, 150, 0, 128)) fuzzCase('npy flip', readNpy, b, o);
      const text = (s: string) => Uint8Array.from(new TextDecoder('latin1').decode(good).replace(/'shape': \([^)]*\)/, `'shape': ${s}`), (c) => c.charCodeAt(0));
      for (const s of ['(2147483648, 2147483648)', '(4294967296,)', '(99999999999999999999,)', '(-1, 3)', '(3, 4, 1000000)']) fuzzCase(`npy shape ${s}`, readNpy, text(s), o);
      fuzzCase('npy hlen', readNpy, patched(good, [[8, 2, 0xffff]]), o);
      fuzzCase('npy v2 hlen', readNpy, patched(good, [[6, 1, 2], [8, 4, 0xfffffff0]]), o);
    }
  });
  it('npz truncations, flips, lying sizes/counts/offsets (stored and deflated)', () => {
    const rng = rng0.fork(3);
    for (const compress of [false, true]) {
      const o = newOutcome();
      const good = writeNpz({ a: tensor([8, 8], rng.normal(64)), b: tensor([5], [1, 2, 3, 4, 5], 'int32') }, { compress });
      for (const n of truncations(good.length, rng, 32, 60)) fuzzCase(`npz trunc ${n}`, readNpz, good.subarray(0, n), o);
      expect(o.ok).toBe(0);
      for (const b of bitFlips(good, rng, 200)) fuzzCase('npz flip', readNpz, b, o);
      const eocd = indexOf(good, [0x50, 0x4b, 0x05, 0x06]);
      const cd = indexOf(good, [0x50, 0x4b, 0x01, 0x02]);
      expect(eocd > 0 && cd > 0).toBe(true);
      for (const b of [
        patched(good, [[cd + 24, 4, 0xfffffff0]]), // uncompressed size
        patched(good, [[cd + 24, 4, 0xffffffff], [cd + 20, 4, 0xffffffff]]), // ZIP64 marker without extra
        patched(good, [[cd + 20, 4, 0x7ffffff0]]), // compressed size
        patched(good, [[cd + 42, 4, 0x7ffffff0]]), // local header offset
        patched(good, [[eocd + 10, 2, 0xfffe], [eocd + 8, 2, 0xfffe]]), // entry count
        patched(good, [[eocd + 12, 4, 0x7ffffff0]]), // cd size
        patched(good, [[eocd + 16, 4, 0x7ffffff0]]), // cd offset
      ]) fuzzCase('npz lie', readNpz, b, o);
    }
  });
  it('cfl lying dims and truncated data', () => {
    const rng = rng0.fork(4);
    const o = newOutcome();
    const { hdr, cfl } = writeCfl(tensor([3, 4, 2], rng.normal(24)));
    const read = (h: string) => (b: Uint8Array) => readCfl(h, b);
    for (const n of truncations(cfl.length, rng)) fuzzCase(`cfl trunc ${n}`, read(hdr), cfl.subarray(0, n), o);
    for (const h of ['# Dimensions\n2147483648 2147483648 2147483648\n', '# Dimensions\n99999999999999999999999\n', '# Dimensions\n0 4\n', '# Dimensions\n-4 3\n', '# Dimensions\n\n', '', '#Dims\n4 3\n', `# Dimensions\n${'1 '.repeat(100000)}\n`]) {
      fuzzCase(`cfl hdr ${h.slice(0, 30)}`, read(h), cfl, o);
    }
    for (const b of bitFlips(new TextEncoder().encode(hdr), rng, 100)) fuzzCase('cfl hdr flip', (x) => readCfl(x, cfl), b, o);
    expect(o.codes['CORRUPT_FILE']).toBeGreaterThan(50);
  });
});

/** readDicom that fails (with a non-Medrecon error) when it returns pixels different from `ref`, or no warning. */
const samePixels = (ref: ArrayLike<number>) => (b: Uint8Array) => {
  const v = readDicom(b);
  const d = v.data.data;
  if (d.length !== ref.length) throw new Error(`returned ${d.length} values, expected ${ref.length}`);
  for (let i = 0; i < d.length; i++) if (d[i] !== ref[i]) throw new Error(`silently wrong pixel ${i}`);
  // and the damage must be reported
  if ((v.meta['parseWarnings'] as string[]).length === 0) throw new Error('damaged file read without a parse warning');
  return v;
};

describe('fuzz: DICOM', () => {
  const files: Record<string, Uint8Array> = {
    'MR_small.dcm': fixture('dicom', 'MR_small.dcm'),
    'MR_small_implicit.dcm': fixture('dicom', 'MR_small_implicit.dcm'),
    'MR_small_bigendian.dcm': fixture('dicom', 'MR_small_bigendian.dcm'),
    'MR_small_RLE.dcm': fixture('dicom', 'MR_small_RLE.dcm'),
    'rtdose_rle.dcm': fixture('dicom', 'rtdose_rle.dcm'),
  };
  for (const [name, good] of Object.entries(files)) {
    it(`${name}: truncations and bit flips`, () => {
      const rng = rng0.fork(100 + name.length);
      const o = newOutcome();
      const ref = readDicom(good).data.data;
      // A truncation inside elements that follow complete pixel data is readable (dcmjs reads what is
      // there; the loss is reported in meta.parseWarnings): accept it only with identical pixels.
      for (const n of truncations(good.length, rng, 16, 30)) fuzzCase(`${name} trunc ${n}`, samePixels(ref), good.subarray(0, n), o);
      for (const b of bitFlips(good, rng, 60, 128, Math.min(good.length, 2000))) fuzzCase(`${name} header flip`, readDicom, b, o);
      for (const b of bitFlips(good, rng, 20)) fuzzCase(`${name} flip`, readDicom, b, o);
    });
  }
  it('oversized Rows/Columns/NumberOfFrames and lying element lengths', () => {
    const o = newOutcome();
    const mr = files['MR_small.dcm']!;
    const rows = indexOf(mr, [0x28, 0x00, 0x10, 0x00, 0x55, 0x53, 0x02, 0x00]); // (0028,0010) US 2
    const cols = indexOf(mr, [0x28, 0x00, 0x11, 0x00, 0x55, 0x53, 0x02, 0x00]);
    const pix = indexOf(mr, [0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57, 0x00, 0x00]); // (7FE0,0010) OW
    expect(rows > 0 && cols > 0 && pix > 0).toBe(true);
    const lies = [
      patched(mr, [[rows + 8, 2, 65535], [cols + 8, 2, 65535]]),
      patched(mr, [[rows + 8, 2, 0]]),
      patched(mr, [[pix + 8, 4, 0xfffffff0]]),
      patched(mr, [[pix + 8, 4, 0x7fffffff]]),
      patched(mr, [[pix + 8, 4, 100]]),
    ];
    const rt = files['rtdose_rle.dcm']!;
    const nf = indexOf(rt, [0x28, 0x00, 0x08, 0x00]); // implicit? RLE file is explicit: (0028,0008) IS
    if (nf > 0) {
      const c = rt.slice();
      const len = new DataView(c.buffer).getUint16(nf + 6, true);
      c.set(new TextEncoder().encode('99999999'.slice(0, len).padEnd(len, ' ')), nf + 8);
      lies.push(c);
    }
    const refMr = readDicom(mr).data.data;
    const refRt = readDicom(rt).data.data;
    for (const [k, b] of lies.entries()) fuzzCase(`dicom lie ${k}`, samePixels(k < 5 ? refMr : refRt), b, o);
    expect(o.ok).toBeLessThanOrEqual(2); // only the over-long PixelData lengths (read to the end of the file)
  });
  it('series reader on corrupted members, RLE decoder on random and lying frames', () => {
    const rng = rng0.fork(7);
    const o = newOutcome();
    const vol = { ...smallVolume([3, 8, 8]), meta: { space: 'LPS' } } as Volume;
    const series = writeDicomSeries(vol);
    for (const b of bitFlips(series[1]!.bytes, rng, 40, 128, 900)) {
      fuzzCase('series flip', (x) => readDicomSeries([series[0]!, { name: 'x', bytes: x }, series[2]!]), b, o, ['CORRUPT_FILE', 'UNSUPPORTED', 'INVALID_ARGUMENT']);
    }
    for (const n of truncations(series[1]!.bytes.length, rng, 8, 20)) {
      fuzzCase(`series trunc ${n}`, (x) => readDicomSeries([series[0]!, { name: 'x', bytes: x }]), series[1]!.bytes.subarray(0, n), o, ['CORRUPT_FILE', 'UNSUPPORTED', 'INVALID_ARGUMENT']);
    }
    const raw = new Uint8Array(64 * 64 * 2);
    for (let i = 0; i < raw.length; i++) raw[i] = (i >> 5) & 0xff;
    const frame = encodeRleFrame(raw, 64 * 64, 2, 1);
    const dec = (px: number) => (b: Uint8Array) => decodeRleFrame(b, px, 2, 1);
    for (const n of truncations(frame.length, rng)) fuzzCase(`rle trunc ${n}`, dec(4096), frame.subarray(0, n), o);
    for (const b of bitFlips(frame, rng, 200)) fuzzCase('rle flip', dec(4096), b, o);
    fuzzCase('rle huge', dec(2 ** 31), frame, o);
    fuzzCase('rle segs', dec(4096), patched(frame, [[0, 4, 0xffffffff]]), o);
  });
});
