/**
 * magnitudeDenoiser (phase-preserving use of a magnitude denoiser on complex 2-channel images) and
 * affineDenoiser (a denoiser used in other units), checked against their definitions.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { tensor } from '../../src/core/tensor.js';
import { psnr } from '../../src/metrics/image.js';
import { createRuntime } from '../../src/node/index.js';
import type { Sym } from '../../src/ir/index.js';
import { loadMriSlices } from '../../src/io/fixtures.js';
import { affineDenoiser, magnitudeDenoiser, tvDenoiser } from '../../src/optim/denoisers.js';
import { evalHost, maxAbsDiff } from './helpers.js';

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
