/**
 * magnitudeDenoiser (phase-preserving use of a magnitude denoiser on complex 2-channel images) and
 * affineDenoiser (a denoiser used in other units), checked against their definitions.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import { psnr } from '../../src/metrics/image.js';
import { createRuntime } from '../../src/node/index.js';
import { type Sym, spec } from '../../src/ir/index.js';
import { loadMriSlices } from '../../src/io/fixtures.js';
import { affineDenoiser, magnitudeDenoiser, selfEnsemble, tvDenoiser } from '../../src/optim/denoisers.js';
import type { Denoiser } from '../../src/nn/denoiser.js';
import { concat, isSym, mul, reshape, sliceAxis } from '../../src/ir/sym.js';
import { evalHost, maxAbsDiff, randn } from './helpers.js';

const ex = createRuntime({ threads: 2 });
const img = loadMriSlices('heldout');
const m = tensor([1, 1, 32, 32], Float32Array.from({ length: 1024 }, (_, i) => img.data[(40 + Math.floor(i / 32)) * 128 + 40 + (i % 32)]! + 0.05 * Math.sin(i)));

describe('magnitudeDenoiser', () => {
  it('on noisy m·e^{iφ} with smooth φ it matches denoising the real image m + n (no Rician bias)', async () => {
    const D = tvDenoiser();
    const H = 128;
    const g = tensor([1, 1, H, H], img.data.slice(0, H * H));
    const n = new Rng(3).normal(H * H);
    const y = tensor([1, 1, H, H], Float32Array.from(g.data, (v, i) => v + 0.05 * n[i]!));
    const phi = (i: number) => 0.6 * Math.sin((i % H) / 20) + 0.4 * Math.cos(Math.floor(i / H) / 25);
    const c = new Float32Array(2 * H * H);
    for (let i = 0; i < H * H; i++) {
      c[i] = y.data[i]! * Math.cos(phi(i));
      c[H * H + i] = y.data[i]! * Math.sin(phi(i));
    }
    const out = await evalHost(ex, (v: Sym) => magnitudeDenoiser(D).denoise(v, 0.05), tensor([1, 2, H, H], c));
    const ref = await evalHost(ex, (v: Sym) => D.denoise(v, 0.05), y);
    const mag = tensor([H, H], Float32Array.from({ length: H * H }, (_, i) => Math.hypot(out.data[i]!, out.data[H * H + i]!)));
    const pRef = psnr(tensor([H, H], g.data), tensor([H, H], ref.data));
    expect(psnr(tensor([H, H], g.data), mag)).toBeGreaterThan(pRef - 0.5);
    // the naive alternative, denoising |x|, is biased by the rectified noise: clearly worse
    const naive = await evalHost(ex, (v: Sym) => D.denoise(v, 0.05), tensor([1, 1, H, H], Float32Array.from(y.data, Math.abs)));
    expect(psnr(tensor([H, H], g.data), tensor([H, H], naive.data))).toBeLessThan(pRef - 1);
    // and the phase is kept where there is signal
    let worst = 0;
    for (let i = 0; i < H * H; i++) if (mag.data[i]! > 0.3) worst = Math.max(worst, Math.abs(Math.atan2(out.data[H * H + i]!, out.data[i]!) - Math.atan2(Math.sin(phi(i)), Math.cos(phi(i)))));
    expect(worst).toBeLessThan(0.1);
  });
  it('passes 1-channel images straight through and rejects other layouts', async () => {
    const D = tvDenoiser();
    const a = await evalHost(ex, (v: Sym) => magnitudeDenoiser(D).denoise(v, 0.05), m);
    const b = await evalHost(ex, (v: Sym) => D.denoise(v, 0.05), m);
    expect(maxAbsDiff(a.data, b.data)).toBe(0);
    await expect(evalHost(ex, (v: Sym) => magnitudeDenoiser(D).denoise(v, 0.05), tensor([1, 3, 8, 8]))).rejects.toThrow(/magnitudeDenoiser/);
  });
});

describe('affineDenoiser', () => {
  it('TV is shift- and scale-covariant, so the affine wrapper of TV is TV', async () => {
    const D = tvDenoiser();
    const a = await evalHost(ex, (v: Sym) => affineDenoiser(D, 1000 / 0.0192, -1000).denoise(v, 0.04), m);
    const b = await evalHost(ex, (v: Sym) => D.denoise(v, 0.04), m);
    expect(maxAbsDiff(a.data, b.data)).toBeLessThan(1e-4);
    expect(maxAbsDiff(a.data, m.data)).toBeGreaterThan(1e-3); // it did denoise
  });
  it('maps units: D′(x, σ) = (D(a x + b, |a| σ) − b)/a for a non-covariant D', async () => {
    const sq: import('../../src/nn/denoiser.js').Denoiser = { name: 'sq', dataRange: 'unit', denoise: (x, s) => x.mul(x).mul(typeof s === 'number' ? s : 1) };
    const out = await evalHost(ex, (v: Sym) => affineDenoiser(sq, 2, 3).denoise(v, 0.5), m);
    const want = tensor(m.dims, Float32Array.from(m.data, (v) => (((2 * v + 3) ** 2) * 1 - 3) / 2));
    expect(maxAbsDiff(out.data, want.data)).toBeLessThan(1e-4);
    expect(() => affineDenoiser(sq, 0, 1)).toThrow(/a ≠ 0/);
  });
});

describe('selfEnsemble', () => {
  // A deliberately non-equivariant "denoiser": x ↦ 2·x shifted down by one row (zero fill) + σ.
  const shifty: Denoiser = {
    name: 'shifty', dataRange: 'unit',
    denoise: (x, s) => {
      const H = x.shape[2]!;
      const down = concat([mul(sliceAxis(x, 2, 0, 1), 0), sliceAxis(x, 2, 0, H - 1)], 2);
      return mul(down, 2).add(s as number);
    },
  };
  /** The host reference: (1/K) Σ g⁻¹ D(g x) with g from the documented order. */
  function reference(x: Float32Array, N: number, H: number, W: number, K: number, s: number): Float32Array {
    const out = new Float32Array(x.length);
    const gs = [[0, 0, 0], [0, 1, 1], [1, 0, 0], [1, 1, 1], [0, 0, 1], [0, 1, 0], [1, 0, 1], [1, 1, 0]].slice(0, K); // [transpose, flipRows, flipCols]
    for (let n = 0; n < N; n++) {
      for (const [t, fr, fc] of gs) {
        // g(x): flips, then transpose; image of shape (h, w) after g
        const gx = (i: number, j: number) => { // value of g(x) at (i, j)
          let a = t ? j : i;
          let b = t ? i : j;
          if (fr) a = H - 1 - a;
          if (fc) b = W - 1 - b;
          return x[n * H * W + a * W + b]!;
        };
        const dg = (i: number, j: number) => (i === 0 ? 0 : 2 * gx(i - 1, j)) + s; // D applied to g(x)
        for (let a = 0; a < H; a++) {
          for (let b = 0; b < W; b++) {
            // g⁻¹: (a, b) of the original ← position in g-space
            let aa = a;
            let bb = b;
            if (fr) aa = H - 1 - aa;
            if (fc) bb = W - 1 - bb;
            const i = t ? bb : aa;
            const j = t ? aa : bb;
            out[n * H * W + a * W + b] += dg(i, j) / K;
          }
        }
      }
    }
    return out;
  }
  for (const [H, W] of [[6, 6], [4, 6]] as const) {
    for (const K of [1, 2, 4, 8] as const) {
      it(`K = ${K} on ${H}×${W} equals the average of the conjugated denoiser`, async () => {
        const x = randn([2, 1, H, W], 11);
        const got = await evalHost(ex, (v: Sym) => selfEnsemble(shifty, K).denoise(v, 0.1), x);
        expect(maxAbsDiff(got.data, reference(x.data as Float32Array, 2, H, W, K, 0.1))).toBeLessThan(1e-5);
      });
    }
  }
  it('leaves an equivariant denoiser unchanged, keeps σ per item, and rejects other K', async () => {
    const x = randn([2, 1, 8, 8], 12);
    // pointwise, hence exactly equivariant: x² − σ (σ a number or one per batch item)
    const D: Denoiser = {
      name: 'pointwise', dataRange: 'unit',
      denoise: (v, s) => mul(v, v).sub(isSym(s) ? reshape(s, [s.shape[0] ?? 1, 1, 1, 1]) : s),
    };
    const a = await evalHost(ex, (v: Sym) => selfEnsemble(D, 8).denoise(v, 0.1), x);
    const b = await evalHost(ex, (v: Sym) => D.denoise(v, 0.1), x);
    expect(maxAbsDiff(a.data, b.data)).toBeLessThan(1e-6);
    const s = tensor([2], [0.05, 0.2]);
    const f = ex.compile((v: Sym, ss: Sym) => selfEnsemble(D, 4).denoise(v, ss), [spec([2, 1, 8, 8]), spec([2])]);
    const g = ex.compile((v: Sym, ss: Sym) => D.denoise(v, ss), [spec([2, 1, 8, 8]), spec([2])]);
    expect(maxAbsDiff(((await f.runHost(x, s)) as HostTensor).data, ((await g.runHost(x, s)) as HostTensor).data)).toBeLessThan(1e-6);
    expect(() => selfEnsemble(D, 3 as never)).toThrow(/K must be/);
    expect(selfEnsemble(D, 8).name).toBe('ensemble8(pointwise)');
  });
});
