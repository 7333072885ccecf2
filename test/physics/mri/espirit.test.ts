import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import { type HostTensor, tensor } from '../../../src/core/tensor.js';
import { spec } from '../../../src/ir/index.js';
import type { Sym } from '../../../src/ir/sym.js';
import { loadMriSlices } from '../../../src/io/fixtures.js';
import { createRuntime } from '../../../src/node/index.js';
import { coilCombine, ifftcLast, senseOp } from '../../../src/physics/mri/cartesian.js';
import { simulateCoilMaps, withSmoothPhase } from '../../../src/physics/mri/coils.js';
import { espirit, symmetricEigen } from '../../../src/physics/mri/espirit.js';

const rt = createRuntime({ threads: 1 });

describe('symmetricEigen', () => {
  it('diagonalises a random symmetric matrix', () => {
    const n = 30;
    const g = new Rng(4).normal(n * n);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = g[i * n + j]! + g[j * n + i]!;
    const v = Float64Array.from(a);
    const d = symmetricEigen(v, n);
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += a[i * n + j]! * v[j * n + k]!;
        expect(Math.abs(s - d[k]! * v[i * n + k]!)).toBeLessThan(1e-10);
      }
    }
    for (let k = 1; k < n; k++) expect(d[k]!).toBeGreaterThanOrEqual(d[k - 1]!);
  });
});

describe('ESPIRiT', () => {
  const cases = [
    { C: 8, H: 128, calibSize: 24, kernelSize: 6 }, // fewer columns (288) than patches (361): 𝒜ᴴ𝒜 path
    { C: 12, H: 64, calibSize: 20, kernelSize: 5 }, // more columns (300) than patches (256): 𝒜𝒜ᴴ path
  ];
  it.each(cases)('recovers simulated maps on a real brain slice with smooth phase, and SENSE combination restores the image (%o)', async ({ C, H, calibSize, kernelSize }) => {
    const W = H;
    const slice = loadMriSlices('heldout');
    const img = new Float32Array(H * W);
    const step = 128 / H;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) img[y * W + x] = slice.data[y * step * 128 + x * step]!;
    const x = withSmoothPhase(img, [H, W]);
    const trueMaps = simulateCoilMaps({ coils: C, shape: [H, W] });
    const A = senseOp({ maps: trueMaps });
    const k = (await rt.compile((v: Sym) => A.forward(v), [spec([H, W, 2])]).runHost(x)) as HostTensor;
    const t0 = performance.now();
    const { maps, eigenvalues, numKernels } = espirit(k, { calibSize, kernelSize, thresh: 0.02, crop: 0.9 });
    const ms = performance.now() - t0;
    expect(numKernels).toBeGreaterThan(0);
    expect(numKernels).toBeLessThan(C * 36);
    // per-pixel normalised correlation |⟨S_est, S_true⟩| / (‖S_est‖‖S_true‖) inside the object
    let mx = 0;
    for (const v of img) mx = Math.max(mx, v);
    const n = H * W;
    let inObj = 0;
    let good = 0;
    let sumCorr = 0;
    let eigIn = 0;
    for (let p = 0; p < n; p++) {
      if (img[p]! < 0.1 * mx) continue;
      inObj++;
      let ir = 0;
      let ii = 0;
      let ne = 0;
      let nt = 0;
      for (let c = 0; c < C; c++) {
        const o = 2 * (c * n + p);
        const [er, ei, tr, ti] = [maps.data[o]!, maps.data[o + 1]!, trueMaps.data[o]!, trueMaps.data[o + 1]!];
        ir += er * tr + ei * ti;
        ii += er * ti - ei * tr;
        ne += er * er + ei * ei;
        nt += tr * tr + ti * ti;
      }
      const corr = Math.hypot(ir, ii) / Math.sqrt(ne * nt + 1e-30);
      sumCorr += corr;
      if (corr > 0.95) good++;
      eigIn += eigenvalues.data[p]!;
    }
    expect(good / inObj).toBeGreaterThan(0.97);
    expect(sumCorr / inObj).toBeGreaterThan(0.98);
    expect(eigIn / inObj).toBeGreaterThan(0.95);
    // SENSE-combined image with the estimated maps ≈ |x| in the object (maps carry no object phase)
    const comb = (await rt.compile((v: Sym) => coilCombine(ifftcLast(v, 2), maps), [spec([C, H, W, 2])]).runHost(k)) as HostTensor;
    let num = 0;
    let den = 0;
    for (let p = 0; p < n; p++) {
      if (img[p]! < 0.1 * mx) continue;
      const m = Math.hypot(comb.data[2 * p]!, comb.data[2 * p + 1]!);
      num += (m - img[p]!) ** 2;
      den += img[p]! ** 2;
    }
    expect(num / den).toBeLessThan(0.01);
    console.log(`espirit ${H}² × ${C}: ${ms.toFixed(0)} ms, kernels ${numKernels}, mean corr ${(sumCorr / inObj).toFixed(4)}, good ${(good / inObj).toFixed(4)}, NMSE ${(num / den).toExponential(2)}`);
  }, 60000);
  it('rejects bad options', () => {
    const k = tensor([2, 16, 16, 2]);
    expect(() => espirit(k, { calibSize: 32 })).toThrow(/calibSize/);
    expect(() => espirit(k, { foo: 1 } as never)).toThrow(/unknown option/);
    expect(() => espirit(tensor([2, 16, 16]))).toThrow(/k-space/);
  });
});
