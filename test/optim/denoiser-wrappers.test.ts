/**
 * magnitudeDenoiser (phase-preserving use of a magnitude denoiser on complex 2-channel images) and
 * affineDenoiser (a denoiser used in other units), checked against their definitions.
 */
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/core/tensor.js';
import { createInterpExecutor } from '../../src/interp/index.js';
import type { Sym } from '../../src/ir/index.js';
import { loadMriSlices } from '../../src/io/fixtures.js';
import { affineDenoiser, magnitudeDenoiser, tvDenoiser } from '../../src/optim/denoisers.js';
import { evalHost, maxAbsDiff } from './helpers.js';

const ex = createInterpExecutor();
const img = loadMriSlices('heldout');
const m = tensor([1, 1, 32, 32], Float32Array.from({ length: 1024 }, (_, i) => img.data[(40 + Math.floor(i / 32)) * 128 + 40 + (i % 32)]! + 0.05 * Math.sin(i)));

describe('magnitudeDenoiser', () => {
  it('on x = m·e^{iφ} (smooth φ) returns D(m)·e^{iφ}', async () => {
    const D = tvDenoiser();
    const phi = (i: number) => 0.8 * Math.sin((i % 32) / 10) + 0.3;
    const c = new Float32Array(2 * 1024);
    for (let i = 0; i < 1024; i++) {
      c[i] = m.data[i]! * Math.cos(phi(i));
      c[1024 + i] = m.data[i]! * Math.sin(phi(i));
    }
    const x = tensor([1, 2, 32, 32], c);
    const out = await evalHost(ex, (v: Sym) => magnitudeDenoiser(D).denoise(v, 0.05), x);
    const dm = await evalHost(ex, (v: Sym) => D.denoise(v, 0.05), m);
    const want = new Float32Array(2048);
    for (let i = 0; i < 1024; i++) {
      want[i] = dm.data[i]! * Math.cos(phi(i));
      want[1024 + i] = dm.data[i]! * Math.sin(phi(i));
    }
    expect(maxAbsDiff(out.data, tensor(x.dims, want).data)).toBeLessThan(1e-4);
    // and it differs from denoising re/im jointly as 2 channels (the wrapper matters)
    const joint = await evalHost(ex, (v: Sym) => D.denoise(v, 0.05), x);
    expect(maxAbsDiff(out.data, joint.data)).toBeGreaterThan(1e-3);
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
