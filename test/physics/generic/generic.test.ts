import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import { type HostTensor, tensor } from '../../../src/core/tensor.js';
import { createInterpExecutor } from '../../../src/interp/index.js';
import type { Executor } from '../../../src/ir/executor.js';
import type { Sym } from '../../../src/ir/sym.js';
import { specOf } from '../../../src/ir/trace.js';
import { createRuntime } from '../../../src/node/index.js';
import { adjointCheck, dotTest, linearityCheck, opNorm } from '../../../src/physics/algorithms.js';
import {
  blurOp, blurTransfer, denoisingOp, downsampleFilter, downsampleOp, gaussianKernel, maskOp, motionKernel, randomInpaintingMask, uniformKernel,
} from '../../../src/physics/generic.js';
import type { LinearOperator } from '../../../src/physics/operator.js';

const interp = createInterpExecutor();
const ort = createRuntime({ threads: 1 });

async function fwd(ex: Executor, A: LinearOperator, x: HostTensor): Promise<HostTensor> {
  return (await ex.compile((v: Sym) => A.forward(v), [specOf(x)]).runHost(x)) as HostTensor;
}
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

/** Host reference: true 2-D convolution, kernel origin at (⌊kh/2⌋, ⌊kw/2⌋), circular or zero boundary. */
function convRef(x: Float32Array, H: number, W: number, k: HostTensor, circular: boolean): Float64Array {
  const [kh, kw] = k.dims as [number, number];
  const ch = Math.floor(kh / 2), cw = Math.floor(kw / 2);
  const y = new Float64Array(H * W);
  for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
    let s = 0;
    for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) {
      let ii = i - a + ch, jj = j - b + cw;
      if (circular) { ii = ((ii % H) + H) % H; jj = ((jj % W) + W) % W; } else if (ii < 0 || ii >= H || jj < 0 || jj >= W) continue;
      s += k.data[a * kw + b]! * x[ii * W + jj]!;
    }
    y[i * W + j] = s;
  }
  return y;
}

const rng = new Rng(11);
const asym = tensor([3, 4], rng.uniform(12, 0, 1)); // asymmetric, even width: tests the origin convention

/** The operator registry of this module: every entry gets dot, linearity and norm checks. */
const registry: [string, LinearOperator][] = [
  ['denoising', denoisingOp([2, 5, 7])],
  ['blur circular, odd size', blurOp(asym, [2, 9, 11])],
  ['blur circular, Gaussian, complex', blurOp(gaussianKernel(1.2), [1, 10, 12, 2], { complex: true })],
  ['blur circular, motion', blurOp(motionKernel(5, 30), [12, 12])],
  ['blur zero', blurOp(asym, [2, 1, 9, 10], { boundary: 'zero' })],
  ['blur zero, complex', blurOp(uniformKernel(3), [7, 8, 2], { boundary: 'zero', complex: true })],
  ['downsample 2 box', downsampleOp(2, [2, 1, 8, 10], { filter: 'box' })],
  ['downsample 2 bicubic', downsampleOp(2, [1, 1, 12, 8], { filter: 'bicubic' })],
  ['downsample 3 gaussian', downsampleOp(3, [9, 12], { filter: 'gaussian' })],
  ['downsample 2 bicubic complex', downsampleOp(2, [8, 8, 2], { complex: true })],
  ['mask', maskOp(randomInpaintingMask([6, 7], 0.5, new Rng(3)), { shape: [2, 6, 7] })],
  ['mask complex', maskOp(randomInpaintingMask([6, 7], 0.5, new Rng(3)), { complex: true })],
];

describe('generic operators: dot test, linearity (interpreter, float64)', () => {
  for (const [name, A] of registry) {
    it(name, async () => {
      const c = await adjointCheck(interp, A, { trials: 2, seed: 1 });
      expect(c.maxRelError).toBeLessThan(1e-10);
      expect(c.ok).toBe(true);
      expect(await linearityCheck(interp, A, 2)).toBeLessThan(1e-12);
    });
  }
});

describe('generic operators: dot test on ORT (float32)', () => {
  it('every registry operator', async () => {
    for (const [name, A] of registry) {
      const d = await dotTest(ort, A, 5);
      expect(d.relError, name).toBeLessThan(1e-5);
    }
  });
  it('realistic size: blur and bicubic downsampling at 1×1×128×128', async () => {
    const B = blurOp(gaussianKernel(2), [1, 1, 128, 128]);
    const S = downsampleOp(4, [1, 1, 128, 128], { filter: 'bicubic' });
    for (const A of [B, S]) expect((await dotTest(ort, A, 1)).normalizedError).toBeLessThan(1e-5);
    // ORT agrees with the float64 interpreter
    const x = new Rng(9).uniformTensor([1, 1, 128, 128]);
    expect(maxAbs((await fwd(ort, B, x)).data, (await fwd(interp, B, x)).data)).toBeLessThan(1e-5);
  });
});

describe('blurOp', () => {
  it('circular blur equals the direct circular convolution (odd and even sizes, asymmetric kernel)', async () => {
    for (const [H, W] of [[9, 11], [8, 6]] as const) {
      const x = new Rng(H).uniformTensor([H, W]);
      const y = await fwd(interp, blurOp(asym, [H, W]), x);
      expect(maxAbs(y.data, convRef(x.data as Float32Array, H, W, asym, true))).toBeLessThan(1e-6);
    }
  });
  it('zero-boundary blur equals the direct zero-padded convolution', async () => {
    const x = new Rng(2).uniformTensor([9, 10]);
    const y = await fwd(interp, blurOp(asym, [9, 10], { boundary: 'zero' }), x);
    expect(maxAbs(y.data, convRef(x.data as Float32Array, 9, 10, asym, false))).toBeLessThan(1e-6);
  });
  it('complex blur acts on re and im separately', async () => {
    const k = gaussianKernel(1);
    const x = new Rng(4).normalTensor([8, 8, 2]);
    const y = await fwd(interp, blurOp(k, [8, 8, 2], { complex: true }), x);
    const re = Float32Array.from({ length: 64 }, (_, i) => x.data[2 * i]!);
    const yr = convRef(re, 8, 8, k, true);
    expect(maxAbs(Float64Array.from({ length: 64 }, (_, i) => y.data[2 * i]!), yr)).toBeLessThan(1e-6);
  });
  it('norm of a normalised non-negative kernel blur is 1 (DC gain); transfer at DC is Σk', async () => {
    const { norm } = await opNorm(interp, blurOp(gaussianKernel(1.5), [16, 16]), { iterations: 200, tol: 1e-10 });
    expect(norm).toBeCloseTo(1, 4);
    const K = blurTransfer(uniformKernel(3), 8, 8);
    expect(K.data[(4 * 8 + 4) * 2]).toBeCloseTo(1, 6);
    expect(K.data[(4 * 8 + 4) * 2 + 1]).toBeCloseTo(0, 6);
  });
  it('rejects bad input', () => {
    expect(() => blurOp(uniformKernel(9), [4, 4])).toThrow(/INVALID_ARGUMENT/);
    expect(() => blurOp(uniformKernel(3), [8, 8], { boundary: 'reflect' as 'zero' })).toThrow(/INVALID_ARGUMENT/);
    expect(() => blurOp(uniformKernel(3), [8, 8, 3], { complex: true })).toThrow(/SHAPE_MISMATCH/);
    expect(() => blurOp(uniformKernel(3), [8, 8], { pad: 1 } as never)).toThrow(/UNKNOWN_OPTION/);
  });
});

describe('kernels', () => {
  it('sum to 1 and have the documented sizes / symmetry', () => {
    const g = gaussianKernel(1.6);
    expect(g.dims).toEqual([11, 11]);
    expect(g.data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(g.data[0]).toBeCloseTo(g.data[120]!, 9);
    expect(gaussianKernel([2, 0.5], { size: [13, 5] }).dims).toEqual([13, 5]);
    const u = uniformKernel([2, 3]);
    expect(Array.from(u.data)).toEqual(new Array(6).fill(Math.fround(1 / 6)));
    const m = motionKernel(7, 0); // horizontal line through the centre row
    expect(m.dims).toEqual([9, 9]);
    let centreRow = 0;
    for (let j = 0; j < 9; j++) centreRow += m.data[4 * 9 + j]!;
    expect(centreRow).toBeCloseTo(1, 6);
    const m90 = motionKernel(7, 90); // vertical
    let centreCol = 0;
    for (let i = 0; i < 9; i++) centreCol += m90.data[i * 9 + 4]!;
    expect(centreCol).toBeCloseTo(1, 6);
    expect(() => gaussianKernel(0)).toThrow(/INVALID_ARGUMENT/);
  });
});

describe('downsampleOp', () => {
  it("'box' gives block means", async () => {
    const x = new Rng(5).uniformTensor([1, 1, 6, 8]);
    const y = await fwd(interp, downsampleOp(2, [1, 1, 6, 8], { filter: 'box' }), x);
    expect(y.dims).toEqual([1, 1, 3, 4]);
    const ref = new Float64Array(12);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) s += x.data[(2 * i + a) * 8 + 2 * j + b]!;
      ref[i * 4 + j] = s / 4;
    }
    expect(maxAbs(y.data, ref)).toBeLessThan(1e-6);
  });
  it('keeps constants and linear ramps centred on the block centres (bicubic, gaussian)', async () => {
    const H = 24;
    const c = tensor([H, H], new Float32Array(H * H).fill(0.7));
    for (const filter of ['bicubic', 'gaussian'] as const) {
      const S = downsampleOp(3, [H, H], { filter });
      expect(maxAbs((await fwd(interp, S, c)).data, new Float32Array(64).fill(0.7))).toBeLessThan(1e-6);
      // a periodic-safe test of the sampling grid: cos with period H is reproduced, phase preserved
      const x = tensor([H, H], Float32Array.from({ length: H * H }, (_, k) => Math.cos((2 * Math.PI * (k % H)) / H)));
      const y = await fwd(interp, S, x);
      // output j at input position 3j + 1 → value g·cos(2π(3j + 1)/H), with a gain g ≤ 1 for the filter
      const g = y.data[0]! / Math.cos((2 * Math.PI * 1) / H);
      expect(g).toBeGreaterThan(0.8);
      for (let j = 0; j < 8; j++) expect(y.data[j]).toBeCloseTo(g * Math.cos((2 * Math.PI * (3 * j + 1)) / H), 5);
    }
  });
  it('filters are normalised with the documented lengths', () => {
    expect(downsampleFilter(2, 'bicubic').length).toBe(8);
    expect(downsampleFilter(3, 'bicubic').length).toBe(13);
    expect(downsampleFilter(3, 'box').length).toBe(3);
    const gf = downsampleFilter(2, 'gaussian');
    expect(gf.length % 2).toBe(0);
    expect(gf.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
  it('rejects non-divisible sizes and unknown filters', () => {
    expect(() => downsampleOp(3, [8, 8])).toThrow(/INVALID_ARGUMENT/);
    expect(() => downsampleOp(2, [8, 8], { filter: 'lanczos' as 'box' })).toThrow(/INVALID_ARGUMENT/);
  });
});

describe('maskOp', () => {
  it('multiplies by the mask, broadcasting; randomInpaintingMask keeps about the asked fraction', async () => {
    const m = randomInpaintingMask([50, 40], 0.3, new Rng(1));
    const frac = m.data.reduce((a, b) => a + b, 0) / 2000;
    expect(Math.abs(frac - 0.3)).toBeLessThan(0.04);
    const x = new Rng(2).normalTensor([3, 50, 40]);
    const y = await fwd(interp, maskOp(m, { shape: [3, 50, 40] }), x);
    for (let i = 0; i < 6000; i += 97) expect(y.data[i]! + 0).toBe(m.data[i % 2000]! ? x.data[i] : 0);
    expect(() => maskOp(m, { shape: [3, 40, 50] })).toThrow(/SHAPE_MISMATCH/);
    const bm = maskOp(tensor([2, 2], [1, 0, 0, 1], 'bool'));
    expect(Array.from((await fwd(interp, bm, tensor([2, 2], [1, 2, 3, 4]))).data)).toEqual([1, 0, 0, 4]);
  });
});
