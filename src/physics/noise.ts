/**
 * Noise models, kept apart from the operators (y = noise(A x)). All randomness comes from our
 * seeded `Rng` (Philox), so a seed gives the same noise in Node and in the browser. Host-side
 * functions take and return `HostTensor`s (float32; sampling maths in float64):
 *
 * - `gaussianNoise(x, σ, rng)`:            y = x + σ n,  n ~ N(0, 1).
 * - `complexGaussianNoise(x, σ, rng)`:     x [..., 2]; y = x + n with n complex Gaussian. Convention
 *   (`sigmaOf`): 'component' (default) — σ is the std of EACH of Re n and Im n (E|n|² = 2σ²), the
 *   usual MRI convention ("σ per channel", and what Rician σ means); 'complex' — σ is the std of
 *   the complex value (E|n|² = σ², each component σ/√2).
 * - `poissonNoise(x, rng, { gain })`:       y = gain · Poisson(x / gain)  (E y = x, Var y = gain·x).
 * - `poissonGaussianNoise(x, rng, { gain, sigma })`: y = gain · Poisson(x / gain) + σ n.
 * - `ricianNoise(x, σ, rng)`:              y = |x + σ(n₁ + i n₂)| (magnitude MRI; x real or complex
 *   [..., 2] with `{ complex: true }`); E y² = |x|² + 2σ².
 * - `transmissionNoise(p, rng, { I0 })`:    CT Beer–Lambert: counts ~ Poisson(I0 · e^{−p}) (+ optional
 *   electronic noise σₑ n), p̂ = −log(max(counts, ε) / I0), ε = 1 count by default.
 *
 * Poisson sampling (`samplePoisson`): Knuth's multiplication method for λ < 10, Hörmann's PTRS
 * (transformed rejection with squeeze, 1993) for λ ≥ 10 — exact for every λ, O(1) per sample.
 *
 * Graph variants (noise drawn on the host and FED as an input tensor, so a compiled sampler or
 * training step stays deterministic and provider-independent): `standardNormal(dims, rng)` draws n;
 * `gaussianNoiseSym(x, n, σ)`, `ricianNoiseSym(x, n, σ)`, `poissonGaussianApproxSym(x, n, gain, σ)`
 * build the noisy value in the graph.
 *
 * @example
 *   const rng = new Rng(0);
 *   const y = gaussianNoise(img, 0.05, rng);
 *   const { counts, sinogram } = transmissionNoise(p, rng.fork(1), { I0: 1e5 });
 *   const k = complexGaussianNoise(kspace, 0.01, rng.fork(2)); // σ per real/imag component
 */
import { MedreconError, checkOptions } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { type HostTensor, shapeStr, sizeOf, tensor } from '../core/tensor.js';
import { type Sym, add, maximum, mul, sliceAxis, sqrt, squeeze } from '../ir/sym.js';

// ------------------------------------------------------------------ checks

function checkFloat(x: HostTensor, where: string): Float32Array {
  if (x.dtype !== 'float32') throw new MedreconError('DTYPE_MISMATCH', `${where}: expects a float32 tensor, got ${x.dtype}`);
  return x.data as Float32Array;
}
function checkSigma(s: number, where: string, name = 'sigma'): void {
  if (!(s >= 0) || !Number.isFinite(s)) throw new MedreconError('INVALID_ARGUMENT', `${where}: ${name} must be finite and ≥ 0, got ${s}`);
}
function checkComplexDims(dims: readonly number[], where: string): void {
  if (dims.length < 1 || dims[dims.length - 1] !== 2) throw new MedreconError('SHAPE_MISMATCH', `${where}: needs a complex tensor [..., 2], got ${shapeStr(dims)}`);
}

// ------------------------------------------------------------------ Poisson sampler

const LOG_FACT = (() => {
  const t = new Float64Array(10);
  for (let k = 1; k < 10; k++) t[k] = t[k - 1]! + Math.log(k);
  return t;
})();
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** log(k!) for integer k ≥ 0 (table below 10, Stirling series with 4 terms above: error < 1e-14). */
export function logFactorial(k: number): number {
  if (k < 10) return LOG_FACT[k]!;
  const x = k + 1;
  const x2 = x * x;
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + (1 / 12 - (1 / 360 - (1 / 1260 - 1 / (1680 * x2)) / x2) / x2) / x;
}

/**
 * One Poisson(λ) sample, λ ≥ 0 finite: Knuth for λ < 10 (multiply uniforms until the product falls
 * below e^{−λ}), PTRS (Hörmann 1993) for λ ≥ 10.
 * @example samplePoisson(3.5, new Rng(1))
 */
export function samplePoisson(lambda: number, rng: Rng): number {
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new MedreconError('INVALID_ARGUMENT', `samplePoisson: λ must be finite and ≥ 0, got ${lambda}`);
  if (lambda === 0) return 0;
  if (lambda < 10) {
    const L = Math.exp(-lambda);
    let k = 0;
    let p = rng.nextUniform();
    while (p > L) {
      k++;
      p *= rng.nextUniform();
    }
    return k;
  }
  // PTRS
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const U = rng.nextUniform() - 0.5;
    const V = rng.nextUniform();
    const us = 0.5 - Math.abs(U);
    const k = Math.floor(((2 * a) / us + b) * U + lambda + 0.43);
    if (us >= 0.07 && V <= vr) return k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) return k;
  }
}

/**
 * Poisson samples for each mean in `lambda` (Float64Array of counts).
 * @example poissonSamples(new Float64Array([1, 100, 1e4]), rng)
 */
export function poissonSamples(lambda: ArrayLike<number>, rng: Rng): Float64Array {
  const out = new Float64Array(lambda.length);
  for (let i = 0; i < lambda.length; i++) out[i] = samplePoisson(lambda[i]!, rng);
  return out;
}

// ------------------------------------------------------------------ Gaussian

/**
 * y = x + σ n, n ~ N(0, 1) i.i.d. (σ in the units of x).
 * @example gaussianNoise(img, 0.1, new Rng(0))
 */
export function gaussianNoise(x: HostTensor, sigma: number, rng: Rng): HostTensor<'float32'> {
  const d = checkFloat(x, 'gaussianNoise');
  checkSigma(sigma, 'gaussianNoise');
  const n = rng.normal(d.length);
  const y = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++) y[i] = d[i]! + sigma * n[i]!;
  return tensor(x.dims, y);
}

export interface ComplexGaussianOptions {
  /** What σ measures: 'component' (default: std of Re n and of Im n) or 'complex' (std of n: E|n|² = σ²). */
  sigmaOf?: 'component' | 'complex';
}

/**
 * Complex Gaussian noise on x [..., 2] (see the module comment for the σ convention).
 * @example complexGaussianNoise(kspace, 0.02, rng)                          // Re, Im each N(0, 0.02²)
 * @example complexGaussianNoise(kspace, 0.02, rng, { sigmaOf: 'complex' }) // E|n|² = 0.02²
 */
export function complexGaussianNoise(x: HostTensor, sigma: number, rng: Rng, opts: ComplexGaussianOptions = {}): HostTensor<'float32'> {
  checkOptions('complexGaussianNoise', opts, ['sigmaOf']);
  checkComplexDims(x.dims, 'complexGaussianNoise');
  const sigmaOf = opts.sigmaOf ?? 'component';
  if (sigmaOf !== 'component' && sigmaOf !== 'complex') throw new MedreconError('INVALID_ARGUMENT', `complexGaussianNoise: sigmaOf must be 'component' or 'complex', got '${String(sigmaOf)}'`);
  return gaussianNoise(x, sigmaOf === 'component' ? sigma : sigma * Math.SQRT1_2, rng);
}

// ------------------------------------------------------------------ Poisson

export interface PoissonOptions {
  /** Gain g > 0: y = g · Poisson(x / g) (default 1, x in counts). */
  gain?: number;
  /** Treat negative x as 0 instead of rejecting it (default false). */
  clip?: boolean;
}

function poissonOf(d: Float32Array, gain: number, clip: boolean, rng: Rng, where: string): Float64Array {
  if (!(gain > 0) || !Number.isFinite(gain)) throw new MedreconError('INVALID_ARGUMENT', `${where}: gain must be finite and > 0, got ${gain}`);
  const out = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) {
    let v = d[i]!;
    if (!(v >= 0)) {
      if (clip && v < 0) v = 0;
      else throw new MedreconError('INVALID_ARGUMENT', `${where}: the mean must be ≥ 0 and finite, got ${v} at index ${i} (pass { clip: true } to clip negatives)`, { index: i });
    }
    if (!Number.isFinite(v)) throw new MedreconError('INVALID_ARGUMENT', `${where}: non-finite mean at index ${i}`, { index: i });
    out[i] = gain * samplePoisson(v / gain, rng);
  }
  return out;
}

/**
 * Poisson noise with gain g: y = g · Poisson(x / g), so E y = x and Var y = g·x (x ≥ 0).
 * Large g means few counts (strong noise); g = 1 means x is in counts.
 * @example poissonNoise(activity, rng, { gain: 0.01 })
 */
export function poissonNoise(x: HostTensor, rng: Rng, opts: PoissonOptions = {}): HostTensor<'float32'> {
  checkOptions('poissonNoise', opts, ['gain', 'clip']);
  const d = checkFloat(x, 'poissonNoise');
  return tensor(x.dims, Float32Array.from(poissonOf(d, opts.gain ?? 1, opts.clip ?? false, rng, 'poissonNoise')));
}

/**
 * Poisson–Gaussian noise: y = g · Poisson(x / g) + σ n (Var y = g·x + σ²).
 * @example poissonGaussianNoise(img, rng, { gain: 0.01, sigma: 0.02 })
 */
export function poissonGaussianNoise(x: HostTensor, rng: Rng, opts: PoissonOptions & { sigma?: number } = {}): HostTensor<'float32'> {
  checkOptions('poissonGaussianNoise', opts, ['gain', 'clip', 'sigma']);
  const d = checkFloat(x, 'poissonGaussianNoise');
  const sigma = opts.sigma ?? 0;
  checkSigma(sigma, 'poissonGaussianNoise');
  const p = poissonOf(d, opts.gain ?? 1, opts.clip ?? false, rng.fork(1), 'poissonGaussianNoise');
  const n = rng.fork(2).normal(d.length);
  return tensor(x.dims, Float32Array.from(p, (v, i) => v + sigma * n[i]!));
}

// ------------------------------------------------------------------ Rician

/**
 * Rician (magnitude) noise: y = |x + σ(n₁ + i n₂)|, n₁, n₂ ~ N(0, 1) (σ per component).
 * Real x is the real part (phase 0); with `{ complex: true }` x is [..., 2] and y drops the 2.
 * @example ricianNoise(magnitudeImage, 0.03, rng)
 */
export function ricianNoise(x: HostTensor, sigma: number, rng: Rng, opts: { complex?: boolean } = {}): HostTensor<'float32'> {
  checkOptions('ricianNoise', opts, ['complex']);
  const d = checkFloat(x, 'ricianNoise');
  checkSigma(sigma, 'ricianNoise');
  const complex = opts.complex ?? false;
  if (complex) checkComplexDims(x.dims, 'ricianNoise');
  const m = complex ? d.length / 2 : d.length;
  const n = rng.normal(2 * m);
  const y = new Float32Array(m);
  for (let i = 0; i < m; i++) {
    const re = (complex ? d[2 * i]! : d[i]!) + sigma * n[2 * i]!;
    const im = (complex ? d[2 * i + 1]! : 0) + sigma * n[2 * i + 1]!;
    y[i] = Math.hypot(re, im);
  }
  return tensor(complex ? x.dims.slice(0, -1) : x.dims, y);
}

// ------------------------------------------------------------------ CT transmission

export interface TransmissionOptions {
  /** Incident photons per detector bin (blank scan), > 0. */
  I0: number;
  /** Floor on the counts before the log (default 1 count). */
  eps?: number;
  /** Std of additive electronic (read-out) noise in counts (default 0). */
  readNoise?: number;
}

/**
 * Transmission (CT) noise on line integrals p (attenuation × length, dimensionless):
 *   counts ~ Poisson(I0 · e^{−p}) + σₑ n,   p̂ = −log(max(counts, ε) / I0).
 * Returns both the counts and the noisy line integrals ("sinogram").
 * @example const { sinogram } = transmissionNoise(p, new Rng(3), { I0: 1e5 });
 */
export function transmissionNoise(p: HostTensor, rng: Rng, opts: TransmissionOptions): { counts: HostTensor<'float32'>; sinogram: HostTensor<'float32'> } {
  checkOptions('transmissionNoise', opts, ['I0', 'eps', 'readNoise']);
  const d = checkFloat(p, 'transmissionNoise');
  const { I0, eps = 1, readNoise = 0 } = opts ?? ({} as TransmissionOptions);
  if (!(I0 > 0) || !Number.isFinite(I0)) throw new MedreconError('INVALID_ARGUMENT', `transmissionNoise: I0 must be finite and > 0, got ${I0}`);
  if (!(eps > 0) || !Number.isFinite(eps)) throw new MedreconError('INVALID_ARGUMENT', `transmissionNoise: eps must be finite and > 0, got ${eps}`);
  checkSigma(readNoise, 'transmissionNoise', 'readNoise');
  const pr = rng.fork(1);
  const nr = rng.fork(2);
  const counts = new Float32Array(d.length);
  const sino = new Float32Array(d.length);
  const noise = readNoise > 0 ? nr.normal(d.length) : undefined;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (!Number.isFinite(v)) throw new MedreconError('INVALID_ARGUMENT', `transmissionNoise: non-finite line integral at index ${i}`, { index: i });
    let c = samplePoisson(I0 * Math.exp(-v), pr);
    if (noise) c += readNoise * noise[i]!;
    counts[i] = c;
    sino[i] = -Math.log(Math.max(c, eps) / I0);
  }
  return { counts: tensor(p.dims, counts), sinogram: tensor(p.dims, sino) };
}

// ------------------------------------------------------------------ graph variants (noise fed as input)

/**
 * Standard normal noise to FEED to a compiled graph (dims as given; for Rician noise pass
 * [...x.dims, 2]).
 * @example const n = standardNormal([1, 1, 64, 64], rng.fork(step));
 */
export function standardNormal(dims: readonly number[], rng: Rng): HostTensor<'float32'> {
  return tensor(dims, rng.normal(sizeOf(dims)));
}

/**
 * In-graph Gaussian noise: x + σ·n with n ~ N(0, 1) fed (real or complex alike; for complex
 * data σ is then per component). `sigma` may be a Sym (e.g. a per-batch [B, 1, 1, 1] tensor).
 * @example ex.compile((x, n) => gaussianNoiseSym(x, n, 0.1), [spec(dims), spec(dims)])
 */
export function gaussianNoiseSym(x: Sym, n: Sym, sigma: number | Sym): Sym {
  return add(x, mul(n, sigma));
}

/**
 * In-graph Rician noise: |x + σ(n₀ + i n₁)| with n [...x.shape, 2] fed (x real magnitude).
 * @example ex.compile((x, n) => ricianNoiseSym(x, n, 0.05), [spec(dims), spec([...dims, 2])])
 */
export function ricianNoiseSym(x: Sym, n: Sym, sigma: number | Sym): Sym {
  const re = add(x, mul(squeeze(sliceAxis(n, -1, 0, 1), -1), sigma));
  const im = mul(squeeze(sliceAxis(n, -1, 1, 2), -1), sigma);
  return sqrt(add(mul(re, re), mul(im, im)));
}

/**
 * Gaussian approximation of Poisson–Gaussian noise, differentiable and feedable:
 *   y ≈ x + √(g · max(x, 0) + σ²) · n.
 * An approximation (not integer-valued; accurate for x/g ≳ 10): use the host `poissonNoise` for
 * exact sampling.
 * @example poissonGaussianApproxSym(x, n, 0.01, 0)
 */
export function poissonGaussianApproxSym(x: Sym, n: Sym, gain: number, sigma = 0): Sym {
  return add(x, mul(n, sqrt(add(mul(maximum(x, 0), gain), sigma * sigma))));
}

// ------------------------------------------------------------------ noise-model objects

/** A noise model as a value: name, parameters and a host sampler (for the reconstruction pipelines). */
export interface NoiseModel {
  readonly name: 'gaussian' | 'complexGaussian' | 'poisson' | 'poissonGaussian' | 'rician';
  readonly params: Readonly<Record<string, number | string>>;
  sample(x: HostTensor, rng: Rng): HostTensor<'float32'>;
}

/**
 * Noise-model objects for pipelines: `noiseModel({ kind: 'gaussian', sigma: 0.05 }).sample(x, rng)`.
 * @example const nm = noiseModel({ kind: 'poisson', gain: 0.02 }); const y = nm.sample(x, rng);
 */
export function noiseModel(
  spec:
    | { kind: 'gaussian'; sigma: number }
    | { kind: 'complexGaussian'; sigma: number; sigmaOf?: 'component' | 'complex' }
    | { kind: 'poisson'; gain?: number; clip?: boolean }
    | { kind: 'poissonGaussian'; gain?: number; sigma?: number; clip?: boolean }
    | { kind: 'rician'; sigma: number; complex?: boolean },
): NoiseModel {
  switch (spec.kind) {
    case 'gaussian':
      checkOptions('noiseModel', spec, ['kind', 'sigma']);
      checkSigma(spec.sigma, 'noiseModel');
      return { name: 'gaussian', params: { sigma: spec.sigma }, sample: (x, rng) => gaussianNoise(x, spec.sigma, rng) };
    case 'complexGaussian': {
      checkOptions('noiseModel', spec, ['kind', 'sigma', 'sigmaOf']);
      checkSigma(spec.sigma, 'noiseModel');
      const sigmaOf = spec.sigmaOf ?? 'component';
      return { name: 'complexGaussian', params: { sigma: spec.sigma, sigmaOf }, sample: (x, rng) => complexGaussianNoise(x, spec.sigma, rng, { sigmaOf }) };
    }
    case 'poisson': {
      checkOptions('noiseModel', spec, ['kind', 'gain', 'clip']);
      const o = { gain: spec.gain ?? 1, clip: spec.clip ?? false };
      return { name: 'poisson', params: { gain: o.gain }, sample: (x, rng) => poissonNoise(x, rng, o) };
    }
    case 'poissonGaussian': {
      checkOptions('noiseModel', spec, ['kind', 'gain', 'sigma', 'clip']);
      const o = { gain: spec.gain ?? 1, sigma: spec.sigma ?? 0, clip: spec.clip ?? false };
      return { name: 'poissonGaussian', params: { gain: o.gain, sigma: o.sigma }, sample: (x, rng) => poissonGaussianNoise(x, rng, o) };
    }
    case 'rician': {
      checkOptions('noiseModel', spec, ['kind', 'sigma', 'complex']);
      checkSigma(spec.sigma, 'noiseModel');
      const complex = spec.complex ?? false;
      return { name: 'rician', params: { sigma: spec.sigma }, sample: (x, rng) => ricianNoise(x, spec.sigma, rng, { complex }) };
    }
    default:
      throw new MedreconError('INVALID_ARGUMENT', `noiseModel: unknown kind '${String((spec as { kind: unknown }).kind)}'`);
  }
}
