import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { tensor } from '../../src/core/tensor.js';
import { mse, nmse, psnr, ssim } from '../../src/metrics/index.js';

describe('metrics', () => {
  it('mse, nmse and psnr on known values', () => {
    const gt = tensor([4], [0, 1, 1, 0]);
    const x = tensor([4], [0, 1, 0.9, 0.1]);
    expect(mse(gt, x)).toBeCloseTo(0.005, 8);
    expect(nmse(gt, x)).toBeCloseTo(0.02 / 2, 8);
    expect(psnr(gt, x)).toBeCloseTo(10 * Math.log10(1 / 0.005), 5); // ≈ 23.0103
    expect(psnr(gt, x, 2)).toBeCloseTo(10 * Math.log10(4 / 0.005), 5);
    // data range defaults to max(gt), not max - min
    const gt2 = tensor([2], [2, 4]);
    const x2 = tensor([2], [2, 3]);
    expect(psnr(gt2, x2)).toBeCloseTo(10 * Math.log10(16 / 0.5), 6);
    expect(psnr(gt, gt)).toBe(Infinity);
    expect(nmse(gt, gt)).toBe(0);
  });
  it('rejects mismatched shapes', () => {
    expect(() => mse(tensor([2]), tensor([3]))).toThrow(/SHAPE_MISMATCH/);
  });
  it('ssim: 1 for identical images, closed form for constants, lower with noise', () => {
    const rng = new Rng(2);
    const img = rng.uniformTensor([2, 16, 16]);
    expect(ssim(img, img)).toBeCloseTo(1, 12);
    // constants a, b: variances vanish → (2ab + C1) / (a² + b² + C1)
    const a = tensor([8, 8], new Float32Array(64).fill(0.5));
    const b = tensor([8, 8], new Float32Array(64).fill(0.25));
    const C1 = (0.01 * 1) ** 2;
    expect(ssim(a, b, 1)).toBeCloseTo((2 * 0.5 * 0.25 + C1) / (0.25 + 0.0625 + C1), 10);
    const nz = rng.normal(img.data.length);
    const noisy = tensor(img.dims, img.data.map((v, i) => v + 0.2 * nz[i]!));
    const s = ssim(img, noisy);
    expect(s).toBeLessThan(0.9);
    expect(s).toBeGreaterThan(0);
  });
  it('ssim matches a direct per-window computation', () => {
    const rng = new Rng(4);
    const g = rng.uniformTensor([9, 10]);
    const x = tensor([9, 10], g.data.map((v) => v * 0.8 + 0.05));
    const R = Math.max(...g.data);
    const C1 = (0.01 * R) ** 2;
    const C2 = (0.03 * R) ** 2;
    let acc = 0;
    let n = 0;
    for (let i = 0; i + 7 <= 9; i++)
      for (let j = 0; j + 7 <= 10; j++) {
        const A: number[] = [];
        const B: number[] = [];
        for (let u = 0; u < 7; u++) for (let v = 0; v < 7; v++) {
          A.push(g.data[(i + u) * 10 + j + v]!);
          B.push(x.data[(i + u) * 10 + j + v]!);
        }
        const ma = A.reduce((s, q) => s + q, 0) / 49;
        const mb = B.reduce((s, q) => s + q, 0) / 49;
        let va = 0, vb = 0, cab = 0;
        for (let k = 0; k < 49; k++) {
          va += (A[k]! - ma) ** 2;
          vb += (B[k]! - mb) ** 2;
          cab += (A[k]! - ma) * (B[k]! - mb);
        }
        va /= 48; vb /= 48; cab /= 48;
        acc += ((2 * ma * mb + C1) * (2 * cab + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
        n++;
      }
    expect(ssim(g, x)).toBeCloseTo(acc / n, 10);
  });
});
