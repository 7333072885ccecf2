import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeRleFrame, encodeRleFrame, formatDS, newUid, readDicom, readDicomSeries, writeDicomSeries } from '../../../src/io/dicom/index.js';
import { Rng } from '../../../src/core/rng.js';
import { tensor } from '../../../src/core/tensor.js';
import type { Volume } from '../../../src/io/volume.js';
import { FIXTURES, expectCode, fixture, minmax, sum } from './helpers.js';

interface Expected {
  shape: number[];
  min: number;
  max: number;
  sum: number;
  pixels: Record<string, number>;
  ipp: number[];
  iop: number[];
  pixelSpacing: number[];
  transferSyntax: string;
  window: [number, number] | null;
  patientId: string;
  studyInstanceUid: string;
}
const EXPECTED = JSON.parse(readFileSync(join(FIXTURES, 'dicom', 'expected.json'), 'utf8')) as Record<string, Expected>;

describe('DICOM read vs pydicom', () => {
  for (const [name, e] of Object.entries(EXPECTED)) {
    it(`${name} (${e.transferSyntax})`, () => {
      const v = readDicom(fixture('dicom', name));
      expect(v.data.dims).toEqual(e.shape);
      expect(minmax(v.data.data)).toEqual([e.min, e.max]);
      expect(sum(v.data.data)).toBe(e.sum);
      for (const [i, p] of Object.entries(e.pixels)) expect(v.data.data[Number(i)]).toBe(p);
      expect(v.meta['space']).toBe('LPS');
      expect((v.meta['dicom'] as Record<string, unknown>)['TransferSyntaxUID']).toBe(e.transferSyntax);
      if (e.ipp.length === 3) for (let r = 0; r < 3; r++) expect(v.affine[r]![3]).toBeCloseTo(e.ipp[r]!, 4);
      if (e.iop.length === 6 && e.pixelSpacing.length === 2) {
        // column 0 = rowCos · Δcol, column 1 = colCos · Δrow
        for (let r = 0; r < 3; r++) {
          expect(v.affine[r]![0]).toBeCloseTo(e.iop[r]! * e.pixelSpacing[1]!, 5);
          expect(v.affine[r]![1]).toBeCloseTo(e.iop[3 + r]! * e.pixelSpacing[0]!, 5);
        }
        expect(v.spacing.slice(1, 3)).toEqual(e.pixelSpacing);
      }
      if (e.window) expect(v.meta['window']).toEqual({ center: e.window[0], width: e.window[1] });
    });
  }
  it('CT_small: rescale intercept applied (HU), int32 output', () => {
    const v = readDicom(fixture('dicom', 'CT_small.dcm'));
    expect(v.data.dtype).toBe('int32');
    expect((v.meta['dicom'] as Record<string, unknown>)['RescaleIntercept']).toBe(-1024);
  });
  it('rtdose: 15 frames placed by GridFrameOffsetVector', () => {
    const v = readDicom(fixture('dicom', 'rtdose.dcm'));
    expect(v.data.dims).toEqual([15, 10, 10]);
    expect(v.affine[2]![2]).toBeCloseTo(5, 6); // 0, 5, 10, … mm offsets along +z
  });
  it('JPEG-LS and JPEG 2000 → UNSUPPORTED with the UID and name', () => {
    for (const [f, uid, nm] of [
      ['MR_small_jpeg_ls_lossless.dcm', '1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless'],
      ['JPEG2000.dcm', '1.2.840.10008.1.2.4.91', 'JPEG 2000 Image Compression'],
    ] as const) {
      expectCode(() => readDicom(fixture('dicom', f)), 'UNSUPPORTED');
      try {
        readDicom(fixture('dicom', f));
      } catch (e) {
        expect(String((e as Error).message)).toContain(`unsupported transfer syntax ${uid} (${nm})`);
      }
    }
  });
  it('rejects non-DICOM bytes', () => {
    expectCode(() => readDicom(new Uint8Array(1000)), 'CORRUPT_FILE');
    expectCode(() => readDicom(new TextEncoder().encode('hello')), 'CORRUPT_FILE');
  });
});

describe('RLE codec', () => {
  it('round-trips random 8/16/32-bit, 1 and 3 sample frames', () => {
    const rng = new Rng(5);
    for (const [bps, spp] of [[1, 1], [2, 1], [4, 1], [1, 3], [2, 3]] as const) {
      const pixels = 301;
      const raw = new Uint8Array(pixels * bps * spp);
      for (let i = 0; i < raw.length; i++) raw[i] = rng.int(4) === 0 ? rng.int(256) : 7; // runs and literals
      const enc = encodeRleFrame(raw, pixels, bps, spp);
      expect([...decodeRleFrame(enc, pixels, bps, spp)]).toEqual([...raw]);
    }
  });
  it('decodes a hand-made PackBits segment (literal, replicate, no-op)', () => {
    const f = new Uint8Array(64 + 8);
    new DataView(f.buffer).setUint32(0, 1, true);
    new DataView(f.buffer).setUint32(4, 64, true);
    f.set([1, 10, 20, 128, 0xfd, 9, 0, 0], 64); // [10, 20], no-op, 9×4 → 6 pixels
    expect([...decodeRleFrame(f.subarray(0, 70), 6, 1, 1)]).toEqual([10, 20, 9, 9, 9, 9]);
  });
});

function sliceFiles(): { name: string; bytes: Uint8Array }[] {
  // a synthetic 5-slice oblique volume (LPS), written then shuffled
  const rng = new Rng(11);
  const vals = rng.uniform(5 * 6 * 7, -1000, 3000);
  const c = Math.cos(0.3);
  const s = Math.sin(0.3);
  const vol: Volume = {
    data: tensor([5, 6, 7], vals),
    spacing: [2.5, 0.8, 0.7],
    affine: [
      [0.7 * c, 0, 2.5 * s, -10],
      [0, 0.8, 0, 20],
      [-0.7 * s, 0, 2.5 * c, 30],
      [0, 0, 0, 1],
    ],
    meta: { space: 'LPS' },
  };
  const src = readDicom(fixture('dicom', 'CT_small.dcm'));
  return Object.assign(writeDicomSeries(vol, { source: src, modality: 'CT', seriesDescription: 'test' }), { vol });
}

describe('DICOM write → series read', () => {
  it('round-trips values (within slope/2), geometry and identifiers, from a shuffled folder', () => {
    const files = sliceFiles() as ReturnType<typeof sliceFiles> & { vol: Volume };
    const vol = files.vol;
    expect(files).toHaveLength(5);
    const shuffled = [...new Rng(3).permutation(5)].map((i) => files[i]!);
    const back = readDicomSeries(shuffled.map((f) => ({ name: f.name, bytes: f.bytes })));
    expect(back.meta['sortedBy']).toBe('position');
    expect(back.meta['files']).toEqual(files.map((f) => f.name));
    expect(back.data.dims).toEqual([5, 6, 7]);
    const d = back.meta['dicom'] as Record<string, unknown>;
    const slope = d['RescaleSlope'] as number;
    expect(slope).toBeGreaterThan(0);
    expect(slope).toBeLessThan(4000 / 60000);
    let maxErr = 0;
    for (let i = 0; i < vol.data.data.length; i++) maxErr = Math.max(maxErr, Math.abs(back.data.data[i]! - vol.data.data[i]!));
    expect(maxErr).toBeLessThanOrEqual(slope * 0.5 + 1e-3);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) expect(back.affine[r]![c]).toBeCloseTo(vol.affine[r]![c]!, 4);
    expect(back.spacing[0]).toBeCloseTo(2.5, 5);
    const src = readDicom(fixture('dicom', 'CT_small.dcm')).meta['dicom'] as Record<string, unknown>;
    expect(d['PatientID']).toBe(src['PatientID']);
    expect(d['StudyInstanceUID']).toBe(src['StudyInstanceUID']);
    expect(d['SeriesInstanceUID']).not.toBe(src['SeriesInstanceUID']);
    expect(String(d['SeriesInstanceUID'])).toMatch(/^2\.25\.\d+$/);
    expect(d['ImageType']).toEqual(['DERIVED', 'SECONDARY']);
    expect(d['Modality']).toBe('CT');
  });
  it('falls back to InstanceNumber without positions; rejects mixed series', () => {
    const rng = new Rng(1);
    const vol: Volume = { data: tensor([3, 4, 4], rng.uniform(48, 0, 100)), spacing: [1, 1, 1], affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], meta: {} };
    const a = writeDicomSeries(vol);
    const b = writeDicomSeries(vol);
    expectCode(() => readDicomSeries([...a, ...b]), 'INVALID_ARGUMENT');
    const uid = (readDicom(b[0]!.bytes).meta['dicom'] as Record<string, unknown>)['SeriesInstanceUID'] as string;
    expect(readDicomSeries([...a, ...b], { seriesUid: uid }).data.dims).toEqual([3, 4, 4]);
    // RAS input: LPS affine has x, y negated
    const r = readDicomSeries(a);
    expect(r.affine[0]![0]).toBeCloseTo(-1, 6);
    expect(r.affine[1]![1]).toBeCloseTo(-1, 6);
    expect(r.affine[2]![2]).toBeCloseTo(1, 6);
  });
  it('integer data inside int16 is stored exactly with slope 1', () => {
    const vol: Volume = { data: tensor([2, 2, 3], [-1024, 0, 5, 7, 3071, -3, 1, 2, 3, 4, 5, 6], 'int32'), spacing: [1, 1, 1], affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], meta: { space: 'LPS' } };
    const back = readDicomSeries(writeDicomSeries(vol, { modality: 'MR' }));
    expect(back.data.dtype).toBe('int32');
    expect([...back.data.data]).toEqual([...vol.data.data]);
  });
  it('DS strings fit 16 characters; UIDs are 2.25 decimal and unique', () => {
    for (const x of [Math.PI * 1e-9, -123456.789012345, 1e20, 0.1 + 0.2]) {
      expect(formatDS(x).length).toBeLessThanOrEqual(16);
      expect(Math.abs(Number(formatDS(x)) - x)).toBeLessThanOrEqual(Math.abs(x) * 1e-9);
    }
    const u = new Set(Array.from({ length: 50 }, newUid));
    expect(u.size).toBe(50);
    for (const x of u) expect(x.length).toBeLessThanOrEqual(64);
  });
});
