/**
 * Our fastMRI-style metrics against reference values computed once with scikit-image 0.19.3
 * (Debian python3-skimage) by scripts/metrics-reference.py; see test/metrics/fixtures/README.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import { npyToHost, readNpy } from '../../src/io/npy.js';
import { evaluateVolume, magnitude, nmsePerSlice, psnr, psnrPerSlice, ssim, ssimPerSlice } from '../../src/metrics/index.js';

const DIR = join(__dirname, 'fixtures');
interface RefCase {
  gtShape: number[]; recShape: number[]; complex: boolean; dataRange: number;
  mse: number; nmse: number; psnr: number; ssim: number; ssim_f32: number;
  perSlice: { psnr: number[]; ssim: number[]; nmse: number[] };
}
const ref = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as { versions: Record<string, string>; cases: Record<string, RefCase> };
const load = (f: string): HostTensor => npyToHost(readNpy(readFileSync(join(DIR, f))));
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('metrics vs skimage reference (fastMRI conventions)', () => {
  it('has the expected cases', () => {
    expect(Object.keys(ref.cases).sort()).toEqual(['complex_mag', 'ct_unit', 'mri_noise', 'odd_scaled', 'tiny_7x9']);
    expect(ref.versions['scikit-image']).toBe('0.19.3');
  });
  for (const [name, c] of Object.entries(ref.cases)) {
    it(name, () => {
      const gt = load(`${name}_gt.npy`);
      const rec = load(`${name}_rec.npy`);
      expect(gt.dims).toEqual(c.gtShape);
      expect(rec.dims).toEqual(c.recShape);
      const m = evaluateVolume(gt, rec);
      expect(m.dataRange).toBe(c.dataRange);
      for (const k of ['psnr', 'ssim', 'nmse', 'mse'] as const) expect(rel(m[k], c[k]), `${name}.${k}`).toBeLessThan(1e-6);
      for (const k of ['psnr', 'ssim', 'nmse'] as const) {
        expect(m.perSlice[k].length).toBe(c.gtShape[0]);
        m.perSlice[k].forEach((v, i) => expect(rel(v, c.perSlice[k][i]!), `${name}.perSlice.${k}[${i}]`).toBeLessThan(1e-6));
      }
      // the stand-alone functions agree with evaluateVolume
      const x = c.complex ? magnitude(rec) : rec;
      expect(rel(psnr(gt, x), c.psnr)).toBeLessThan(1e-6);
      expect(rel(ssim(gt, x), c.ssim)).toBeLessThan(1e-6);
      expect(psnrPerSlice(gt, rec)).toEqual(m.perSlice.psnr);
      expect(nmsePerSlice(gt, rec)).toEqual(m.perSlice.nmse);
      expect(ssimPerSlice(gt, x)).toEqual(m.perSlice.ssim);
    });
  }
});

describe('volume metric conventions', () => {
  it('data range is the volume max, not the slice max; PSNR uses the volume MSE', () => {
    const gt = tensor([2, 8, 8], Float32Array.from({ length: 128 }, (_, i) => (i < 64 ? 0.5 : 1) * ((i % 7) / 7 + 0.1)));
    const x = tensor([2, 8, 8], gt.data.map((v, i) => v + (i % 3 === 0 ? 1 : -0.5) * (i < 64 ? 0.01 : 0.1)));
    const m = evaluateVolume(gt, x);
    expect(m.dataRange).toBeCloseTo(Math.max(...gt.data), 12);
    const s0 = psnr(tensor([8, 8], gt.data.subarray(0, 64)), tensor([8, 8], x.data.subarray(0, 64)), m.dataRange);
    expect(m.perSlice.psnr[0]).toBeCloseTo(s0, 12);
    expect(m.psnr).not.toBeCloseTo((m.perSlice.psnr[0]! + m.perSlice.psnr[1]!) / 2, 3);
  });
  it('complex input: magnitude of x against a real gt; both complex with { complex: true }', () => {
    const g = tensor([1, 8, 8], Float32Array.from({ length: 64 }, (_, i) => 0.2 + (i % 5) / 5));
    // x = g·e^{iφ}: magnitude equals g → perfect scores
    const z = tensor([1, 8, 8, 2], Float32Array.from({ length: 128 }, (_, i) => g.data[i >> 1]! * (i % 2 ? Math.sin(i >> 1) : Math.cos(i >> 1))));
    const m = evaluateVolume(g, z);
    expect(m.nmse).toBeLessThan(1e-12);
    expect(evaluateVolume(g, tensor([1, 8, 8, 2], z.data.map((v) => v * 0.9))).nmse).toBeCloseTo(0.01, 6);
    expect(m.ssim).toBeCloseTo(1, 6);
    const m2 = evaluateVolume(z, z, { complex: true });
    expect(m2.psnr).toBe(Infinity);
    expect(magnitude(tensor([2], [3, 4])).data[0]).toBe(5);
  });
  it('rejects bad input', () => {
    expect(() => evaluateVolume(tensor([8, 8]), tensor([8, 8]))).toThrow(/INVALID_ARGUMENT/); // max(gt) = 0
    expect(() => evaluateVolume(tensor([8, 8], new Float32Array(64).fill(1)), tensor([8, 9]))).toThrow(/SHAPE_MISMATCH/);
    expect(() => evaluateVolume(tensor([8, 8]), tensor([8, 8]), { range: 1 } as never)).toThrow(/UNKNOWN_OPTION/);
    expect(() => ssim(tensor([6, 6], new Float32Array(36).fill(1)), tensor([6, 6]))).toThrow(/INVALID_ARGUMENT/);
  });
});
