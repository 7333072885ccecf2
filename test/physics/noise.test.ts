import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import { createInterpExecutor } from '../../src/interp/index.js';
import { spec } from '../../src/ir/trace.js';
import type { Sym } from '../../src/ir/sym.js';
import { createRuntime } from '../../src/node/index.js';
import {
  complexGaussianNoise, gaussianNoise, gaussianNoiseSym, logFactorial, noiseModel, poissonGaussianApproxSym, poissonGaussianNoise,
  poissonNoise, poissonSamples, ricianNoise, ricianNoiseSym, samplePoisson, standardNormal, transmissionNoise,
} from '../../src/physics/noise.js';

function moments(a: ArrayLike<number>): { mean: number; variance: number; m3: number } {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  const mean = s / a.length;
  let v = 0, m3 = 0;
  for (let i = 0; i < a.length; i++) { const d = a[i]! - mean; v += d * d; m3 += d * d * d; }
  return { mean, variance: v / (a.length - 1), m3: m3 / a.length };
}

describe('Poisson sampler', () => {
  it('logFactorial is exact across the table/Stirling switch', () => {
    let lf = 0;
    for (let k = 1; k <= 200; k++) {
      lf += Math.log(k);
      expect(Math.abs(logFactorial(k) - lf)).toBeLessThan(1e-11 * Math.max(1, lf));
    }
    expect(logFactorial(0)).toBe(0);
  });

  // mean λ, variance λ, third central moment λ — Knuth branch (λ < 10) and PTRS branch (λ ≥ 10)
  for (const lambda of [0.3, 3, 9.9, 10, 37.5, 1000, 1e5]) {
    it(`moments at λ = ${lambda}`, () => {
      const n = 60000;
      const rng = new Rng(Math.round(lambda * 10));
      const s = poissonSamples(new Float64Array(n).fill(lambda), rng);
      expect(s.every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
      const m = moments(s);
      // standard errors: mean √(λ/n), variance ≈ λ√(2/n) (+ excess-kurtosis term λ/√n)
      expect(Math.abs(m.mean - lambda)).toBeLessThan(5 * Math.sqrt(lambda / n));
      expect(Math.abs(m.variance - lambda)).toBeLessThan(5 * Math.sqrt((2 * lambda * lambda + lambda) / n));
      if (lambda <= 1000) expect(Math.abs(m.m3 - lambda)).toBeLessThan(6 * Math.sqrt((6 * lambda ** 3 + 9 * lambda * lambda + lambda) / n) + 0.02 * lambda);
    });
  }

  it('matches the pmf (chi-square) at λ = 4 and λ = 25', () => {
    for (const lambda of [4, 25]) {
      const n = 80000;
      const s = poissonSamples(new Float64Array(n).fill(lambda), new Rng(99));
      const lo = Math.max(0, Math.floor(lambda - 3 * Math.sqrt(lambda)));
      const hi = Math.ceil(lambda + 3 * Math.sqrt(lambda));
      const counts = new Float64Array(hi - lo + 1);
      for (const v of s) if (v >= lo && v <= hi) counts[v - lo]!++;
      let chi2 = 0;
      for (let k = lo; k <= hi; k++) {
        const p = Math.exp(-lambda + k * Math.log(lambda) - logFactorial(k));
        chi2 += (counts[k - lo]! - n * p) ** 2 / (n * p);
      }
      const dof = hi - lo + 1;
      expect(chi2).toBeLessThan(dof + 5 * Math.sqrt(2 * dof)); // far beyond the 99.9 % quantile otherwise
    }
  });

  it('λ = 0 gives 0, rejects bad λ, and is reproducible from the seed', () => {
    expect(samplePoisson(0, new Rng(1))).toBe(0);
    expect(() => samplePoisson(-1, new Rng(1))).toThrow(/INVALID_ARGUMENT/);
    expect(() => samplePoisson(NaN, new Rng(1))).toThrow(/INVALID_ARGUMENT/);
    const a = poissonSamples([1, 50, 500], new Rng(5));
    const b = poissonSamples([1, 50, 500], new Rng(5));
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});

describe('noise models', () => {
  const n = 40000;
  it('Gaussian: mean x, std σ; reproducible', () => {
    const x = tensor([n], new Float32Array(n).fill(0.5));
    const y = gaussianNoise(x, 0.2, new Rng(1));
    const m = moments(y.data);
    expect(m.mean).toBeCloseTo(0.5, 2);
    expect(Math.sqrt(m.variance)).toBeCloseTo(0.2, 2);
    expect(Array.from(gaussianNoise(x, 0.2, new Rng(1)).data)).toEqual(Array.from(y.data));
    expect(() => gaussianNoise(x, -1, new Rng(1))).toThrow(/INVALID_ARGUMENT/);
  });

  it('complex Gaussian: σ per component by default, σ of the complex value on request', () => {
    const x = tensor([n / 2, 2]);
    const comp = (t: HostTensor, c: number) => Float64Array.from({ length: n / 2 }, (_, i) => t.data[2 * i + c]!);
    const y1 = complexGaussianNoise(x, 0.1, new Rng(2));
    expect(Math.sqrt(moments(comp(y1, 0)).variance)).toBeCloseTo(0.1, 2);
    expect(Math.sqrt(moments(comp(y1, 1)).variance)).toBeCloseTo(0.1, 2);
    const y2 = complexGaussianNoise(x, 0.1, new Rng(2), { sigmaOf: 'complex' });
    let e2 = 0;
    for (let i = 0; i < n; i++) e2 += y2.data[i]! ** 2;
    expect(e2 / (n / 2)).toBeCloseTo(0.01, 3); // E|n|² = σ²
    expect(() => complexGaussianNoise(tensor([4, 3]), 0.1, new Rng(2))).toThrow(/SHAPE_MISMATCH/);
  });

  it('Poisson with gain: E y = x, Var y = g·x, values on the lattice g·ℕ', () => {
    const g = 0.05;
    const x = tensor([n], new Float32Array(n).fill(2));
    const y = poissonNoise(x, new Rng(3), { gain: g });
    const m = moments(y.data);
    expect(Math.abs(m.mean - 2)).toBeLessThan(5 * Math.sqrt((g * 2) / n));
    expect(m.variance).toBeCloseTo(g * 2, 2);
    for (let i = 0; i < 100; i++) expect(Math.abs(y.data[i]! / g - Math.round(y.data[i]! / g))).toBeLessThan(1e-3);
    expect(() => poissonNoise(tensor([2], [1, -0.1]), new Rng(1))).toThrow(/INVALID_ARGUMENT/);
    expect(poissonNoise(tensor([2], [0, -0.1]), new Rng(1), { clip: true }).data[1]).toBe(0);
  });

  it('Poisson–Gaussian: Var y = g·x + σ²', () => {
    const x = tensor([n], new Float32Array(n).fill(1));
    const y = poissonGaussianNoise(x, new Rng(4), { gain: 0.1, sigma: 0.2 });
    const m = moments(y.data);
    expect(m.mean).toBeCloseTo(1, 2);
    expect(m.variance).toBeCloseTo(0.1 + 0.04, 2);
  });

  it('Rician: Rayleigh mean σ√(π/2) at x = 0; E y² = x² + 2σ²; complex input', () => {
    const s = 0.3;
    const y0 = ricianNoise(tensor([n]), s, new Rng(5));
    expect(moments(y0.data).mean).toBeCloseTo(s * Math.sqrt(Math.PI / 2), 2);
    const y1 = ricianNoise(tensor([n], new Float32Array(n).fill(1)), s, new Rng(6));
    let e2 = 0;
    for (const v of y1.data) e2 += v * v;
    expect(e2 / n).toBeCloseTo(1 + 2 * s * s, 2);
    const zc = tensor([n / 2, 2], Float32Array.from({ length: n }, (_, i) => (i % 2 ? 0.6 : 0.8)));
    const yc = ricianNoise(zc, s, new Rng(7), { complex: true });
    expect(yc.dims).toEqual([n / 2]);
    let e2c = 0;
    for (const v of yc.data) e2c += v * v;
    expect(e2c / (n / 2)).toBeCloseTo(1 + 2 * s * s, 1);
  });

  it('transmission CT: counts ~ Poisson(I0 e^{−p}), p̂ → p at high dose, floor at ε', () => {
    const p = tensor([n], new Float32Array(n).fill(2));
    const I0 = 1e4;
    const { counts, sinogram } = transmissionNoise(p, new Rng(8), { I0 });
    const lam = I0 * Math.exp(-2);
    const mc = moments(counts.data);
    expect(Math.abs(mc.mean - lam)).toBeLessThan(5 * Math.sqrt(lam / n));
    expect(mc.variance / lam).toBeCloseTo(1, 1);
    expect(moments(sinogram.data).mean).toBeCloseTo(2, 2);
    for (let i = 0; i < 50; i++) expect(sinogram.data[i]).toBeCloseTo(-Math.log(counts.data[i]! / I0), 4);
    // photon starvation: counts 0 → p̂ = log(I0/ε)
    const starved = transmissionNoise(tensor([100], new Float32Array(100).fill(30)), new Rng(9), { I0: 100 });
    for (const v of starved.sinogram.data) expect(v).toBeCloseTo(Math.log(100), 5);
    const withRead = transmissionNoise(p, new Rng(8), { I0, readNoise: 10 });
    expect(Math.abs(moments(withRead.counts.data).variance / (lam + 100) - 1)).toBeLessThan(0.05);
    expect(() => transmissionNoise(p, new Rng(1), { I0: 0 })).toThrow(/INVALID_ARGUMENT/);
  });

  it('noiseModel objects sample like the functions', () => {
    const x = new Rng(1).uniformTensor([64]);
    expect(Array.from(noiseModel({ kind: 'gaussian', sigma: 0.1 }).sample(x, new Rng(3)).data)).toEqual(Array.from(gaussianNoise(x, 0.1, new Rng(3)).data));
    expect(Array.from(noiseModel({ kind: 'poisson', gain: 0.1 }).sample(x, new Rng(3)).data)).toEqual(Array.from(poissonNoise(x, new Rng(3), { gain: 0.1 }).data));
    expect(() => noiseModel({ kind: 'gaussian', sigma: 0.1, foo: 1 } as never)).toThrow(/UNKNOWN_OPTION/);
  });
});

describe('graph variants (noise fed as an input)', () => {
  it('gaussianNoiseSym / ricianNoiseSym equal the host models with the same draws (interpreter and ORT)', async () => {
    const x = new Rng(1).uniformTensor([4, 8]);
    const nz = standardNormal([4, 8], new Rng(2));
    const host = gaussianNoise(x, 0.1, new Rng(2));
    const nr = standardNormal([4, 8, 2], new Rng(3));
    const hostR = ricianNoise(x, 0.2, new Rng(3));
    for (const ex of [createInterpExecutor(), createRuntime({ threads: 1 })]) {
      const g = (await ex.compile((a: Sym, b: Sym) => gaussianNoiseSym(a, b, 0.1), [spec([4, 8]), spec([4, 8])]).runHost(x, nz)) as HostTensor;
      for (let i = 0; i < 32; i++) expect(g.data[i]).toBeCloseTo(host.data[i]!, 6);
      const r = (await ex.compile((a: Sym, b: Sym) => ricianNoiseSym(a, b, 0.2), [spec([4, 8]), spec([4, 8, 2])]).runHost(x, nr)) as HostTensor;
      for (let i = 0; i < 32; i++) expect(r.data[i]).toBeCloseTo(hostR.data[i]!, 5);
    }
  });
  it('poissonGaussianApproxSym has the Poisson–Gaussian variance', async () => {
    const m = 20000;
    const x = tensor([m], new Float32Array(m).fill(4));
    const nz = standardNormal([m], new Rng(4));
    const y = (await createInterpExecutor().compile((a: Sym, b: Sym) => poissonGaussianApproxSym(a, b, 0.5, 0.3), [spec([m]), spec([m])]).runHost(x, nz)) as HostTensor;
    expect(moments(y.data).variance).toBeCloseTo(0.5 * 4 + 0.09, 1);
  });
});
