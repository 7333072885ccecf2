import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'fflate';
import { Rng } from '../../../src/core/rng.js';
import { tensor } from '../../../src/core/tensor.js';
import { type NiftiHeaderInfo, readNifti, readNiftiHeader, writeNifti } from '../../../src/io/nifti.js';
import { type Volume, affineToSpace, applyAffine } from '../../../src/io/volume.js';
import { FIXTURES, expectCode, fixture, minmax, sum } from './helpers.js';

interface Expected {
  shapeXYZ: number[];
  affine: number[][];
  min: number;
  max: number;
  sum: number;
  pixels: Record<string, number>;
}
const EXPECTED = JSON.parse(readFileSync(join(FIXTURES, 'nifti', 'expected.json'), 'utf8')) as Record<string, Expected>;

function expectAffine(a: number[][], b: number[][], digits = 4): void {
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) expect(a[r]![c]).toBeCloseTo(b[r]![c]!, digits);
}

describe('NIfTI read (files written by nibabel 5.0)', () => {
  for (const [name, e] of Object.entries(EXPECTED)) {
    it(name, () => {
      const v = readNifti(fixture('nifti', name));
      expect(v.data.dims).toEqual([...e.shapeXYZ].reverse());
      const [lo, hi] = minmax(v.data.data);
      expect(lo).toBeCloseTo(e.min, 5);
      expect(hi).toBeCloseTo(e.max, 5);
      expect(sum(v.data.data)).toBeCloseTo(e.sum, 3);
      for (const [i, p] of Object.entries(e.pixels)) expect(v.data.data[Number(i)]).toBeCloseTo(p, 5);
      expectAffine(v.affine, e.affine);
      expect(v.meta['space']).toBe('RAS');
    });
  }
  it('detects endianness, version, scaling, dtype', () => {
    const be = readNifti(fixture('nifti', 'float32_4d_sform_be.nii'));
    const h = be.meta['nifti'] as NiftiHeaderInfo;
    expect(h.littleEndian).toBe(false);
    expect(h.sformCode).toBe(2);
    expect(be.data.dims).toEqual([2, 3, 5, 4]);
    expect(be.spacing.length).toBe(4);
    const q = readNifti(fixture('nifti', 'int16_scaled_qform.nii.gz'));
    expect(q.data.dtype).toBe('float32'); // scaled
    expect((q.meta['nifti'] as NiftiHeaderInfo).sclSlope).toBe(0.5);
    const u = readNifti(fixture('nifti', 'uint8_nifti2.nii'));
    expect(u.data.dtype).toBe('int32');
    expect((u.meta['nifti'] as NiftiHeaderInfo).version).toBe(2);
    expect(readNifti(fixture('nifti', 'uint8_nifti2.nii'), { float: true }).data.dtype).toBe('float32');
  });
});

function randomVolume(seed: number, dims: number[], int = false): Volume {
  const rng = new Rng(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  const c = Math.cos(0.7);
  const s = Math.sin(0.7);
  return {
    data: int ? tensor(dims, Int32Array.from(rng.uniform(n, -2000, 2000), Math.round), 'int32') : tensor(dims, rng.normal(n, 10, 50)),
    spacing: dims.map(() => 1),
    affine: [
      [1.2 * c, -0.9 * s, 0, 4],
      [1.2 * s, 0.9 * c, 0, -5],
      [0, 0, -2.2, 6],
      [0, 0, 0, 1],
    ],
    meta: {},
  };
}

describe('NIfTI write → read round trips', () => {
  it('float32/float64, versions 1 and 2, plain and gzip, 3D and 4D: exact values, sform and qform affines', () => {
    for (const dims of [[3, 4, 5], [2, 3, 4, 5]]) {
      const v = randomVolume(1, dims);
      for (const version of [1, 2] as const) {
        for (const gzip of [false, true]) {
          for (const dtype of ['float32', 'float64'] as const) {
            const bytes = writeNifti(v, { version, gzip, dtype });
            expect(bytes[0] === 0x1f).toBe(gzip);
            const b = readNifti(bytes);
            expect(b.data.dims).toEqual(dims);
            expect([...b.data.data]).toEqual([...v.data.data]);
            expectAffine(b.affine, v.affine, 5);
            const h = b.meta['nifti'] as NiftiHeaderInfo;
            expect(h.version).toBe(version);
            // the qform (method 2) alone reproduces the rigid + zoom affine too
            const raw = (gzip ? gunzipSync(bytes) : bytes).slice();
            if (version === 1) new DataView(raw.buffer).setInt16(254, 0, true);
            else new DataView(raw.buffer).setInt32(348, 0, true);
            expectAffine(readNifti(raw).affine, v.affine, 5);
          }
        }
      }
    }
  });
  it('qform alone reproduces a rotation with a flip (qfac = −1)', () => {
    const v = randomVolume(2, [3, 4, 5]);
    const bytes = writeNifti(v);
    const dv = new DataView(bytes.buffer);
    dv.setInt16(254, 0, true); // sform_code 0 → affine from the quaternion
    const b = readNifti(bytes);
    expect((b.meta['nifti'] as NiftiHeaderInfo).pixdim[0]).toBe(-1);
    expectAffine(b.affine, v.affine, 5);
  });
  it('int16 / uint8 / int32 with automatic and preserved slope/intercept', () => {
    const v = randomVolume(3, [4, 5, 6]);
    const b = readNifti(writeNifti(v, { dtype: 'int16' }));
    const h = b.meta['nifti'] as NiftiHeaderInfo;
    expect(h.datatype).toBe('int16');
    let err = 0;
    for (let i = 0; i < v.data.data.length; i++) err = Math.max(err, Math.abs(b.data.data[i]! - v.data.data[i]!));
    expect(err).toBeLessThanOrEqual(h.sclSlope * 0.5 + 1e-3);
    // re-writing keeps dtype and scaling exactly
    const again = readNifti(writeNifti(b));
    expect((again.meta['nifti'] as NiftiHeaderInfo).datatype).toBe('int16');
    expect((again.meta['nifti'] as NiftiHeaderInfo).sclSlope).toBe(h.sclSlope);
    expect([...again.data.data]).toEqual([...b.data.data]);
    // explicit slope
    const e = readNifti(writeNifti(v, { dtype: 'int32', slope: 0.001, inter: 5 }));
    expect((e.meta['nifti'] as NiftiHeaderInfo).sclInter).toBe(5);
    // integer data → int32 without scaling
    const iv = randomVolume(4, [2, 3, 4], true);
    const ib = readNifti(writeNifti(iv));
    expect(ib.data.dtype).toBe('int32');
    expect([...ib.data.data]).toEqual([...iv.data.data]);
    const u8 = readNifti(writeNifti({ ...iv, data: tensor([2, 3, 4], Int32Array.from({ length: 24 }, (_, i) => i * 10), 'int32') }, { dtype: 'uint8' }));
    expect([...u8.data.data]).toEqual(Array.from({ length: 24 }, (_, i) => i * 10));
  });
  it('nibabel files round-trip with datatype, scaling and orientation codes preserved', () => {
    for (const name of Object.keys(EXPECTED)) {
      const v = readNifti(fixture('nifti', name));
      const h = v.meta['nifti'] as NiftiHeaderInfo;
      const w = readNifti(writeNifti(v, { version: h.version }));
      const h2 = w.meta['nifti'] as NiftiHeaderInfo;
      expect(h2.datatype).toBe(h.datatype);
      expect(h2.sclSlope === h.sclSlope || (!h.sclSlope && (h2.sclSlope === 0 || h2.sclSlope === 1))).toBe(true);
      expect(h2.qformCode > 0 || h2.sformCode > 0).toBe(true);
      expect([...w.data.data]).toEqual([...v.data.data]);
      expectAffine(w.affine, v.affine, 4);
    }
  });
  it('LPS volumes are written in RAS', () => {
    const v = randomVolume(5, [2, 2, 2]);
    const lps: Volume = { ...v, meta: { space: 'LPS' } };
    const b = readNifti(writeNifti(lps));
    expectAffine(b.affine, affineToSpace(v.affine, 'LPS', 'RAS'), 5);
    expect(applyAffine(b.affine, [0, 0, 0])).toEqual([-4, 5, 6]);
  });
  it('header validation', () => {
    expectCode(() => readNiftiHeader(new Uint8Array(100)), 'CORRUPT_FILE');
    const good = writeNifti(randomVolume(6, [2, 2, 2]));
    const two = good.slice();
    two.set([0x6e, 0x69, 0x31, 0], 344);
    expectCode(() => readNifti(two), 'UNSUPPORTED');
    const cplx = good.slice();
    new DataView(cplx.buffer).setInt16(70, 32, true);
    expectCode(() => readNifti(cplx), 'UNSUPPORTED');
    const big = good.slice();
    new DataView(big.buffer).setInt16(42, 32767, true);
    expectCode(() => readNifti(big), 'CORRUPT_FILE');
  });
});
