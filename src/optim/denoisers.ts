/**
 * Classical denoisers implementing the `Denoiser` contract (src/nn/denoiser.ts), usable anywhere a
 * network denoiser is (plug-and-play, benchmarks):
 *
 * - `tvDenoiser`: D(x, σ) = prox_{λ(σ)·TV}(x) (FGP, ./tv.ts), λ(σ) = scale·σ^power.
 *   power = 1 (default, scale 0.85 — tuned for PSNR on the brain MRI fixtures at σ ∈ [0.02, 0.1])
 *   is the usual "weight ∝ noise level" rule; power = 2 with scale w makes D the exact MAP / prox
 *   denoiser of the prior exp(−w·TV) (D_σ = prox_{σ²·wTV}), the scaling under which PnP-HQS/ADMM
 *   with σ_k = √(λ/ρ_k) is exactly HQS/ADMM on ½‖Ax − y‖² + λw·TV(x).
 * - `waveletDenoiser`: D(x, σ) = Wᵀ S_{t}(W x), soft-thresholding of the detail coefficients of an
 *   orthogonal Daubechies DWT (./wavelet.ts) at t = scale·σ (default scale 1.4, tuned like TV's), with optional
 *   cycle spinning (average over `cycleSpins` diagonal circular shifts).
 *
 * Layout: x is [N, C, H, W] (2D) or [N, C, D, H, W] (3D TV). Channels are treated jointly by default
 * (vectorial TV; group soft-thresholding across channels), so a complex image stored as C = 2
 * (re, im) channels is denoised as a complex field (TV of the complex image, thresholding of complex
 * magnitudes). σ may be a number, a scalar Sym, or a Sym [N] (one level per batch item).
 * Data range: any (declared 'unit' by default; the maths is scale-covariant: D(αx, ασ) = αD(x, σ)
 * for power = 1).
 *
 * @example
 *   const D = tvDenoiser();                       // λ = 0.85·σ
 *   const xhat = D.denoise(noisy, 0.05);
 *   const W = waveletDenoiser({ wavelet: 'db4', levels: 3, cycleSpins: 4 });
 */
import { MedreconError, checkOptions } from '../core/errors.js';
import { roll } from '../ir/composite.js';
import { type Sym, add, concat, constant, conv, div, flip, isSym, maximum, mul, pow, relu, reshape, sliceAxis, sqrt, sub, sum, transpose } from '../ir/sym.js';
import { tensor } from '../core/tensor.js';
import type { DataRange, Denoiser } from '../nn/denoiser.js';
import { type Scalar } from './prior.js';
import { tvProx } from './tv.js';
import { type WaveletName, detailMask, dwt2 } from './wavelet.js';

/** σ as a Scalar broadcastable to x [N, ...]: numbers pass, [N] Syms become [N, 1, …, 1]. */
function sigmaFor(x: Sym, sigma: Sym | number, where: string): Scalar {
  if (typeof sigma === 'number') {
    if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new MedreconError('INVALID_ARGUMENT', `${where}: sigma must be a finite number ≥ 0, got ${sigma}`);
    return sigma;
  }
  if (!isSym(sigma)) throw new MedreconError('INVALID_ARGUMENT', `${where}: sigma must be a number or a Sym`);
  if (sigma.rank === 0) return sigma;
  if (sigma.rank === 1 && sigma.shape[0] === x.shape[0]) return reshape(sigma, [x.shape[0]!, ...x.shape.slice(1).map(() => 1)]);
  throw new MedreconError('SHAPE_MISMATCH', `${where}: sigma must be a scalar or [N] with N = ${x.shape[0]}, got [${sigma.shape.join(', ')}]`);
}

function scaled(s: Scalar, scale: number, power: number): Scalar {
  if (typeof s === 'number') return scale * s ** power;
  return mul(power === 1 ? s : pow(s, power), scale);
}

export interface TvDenoiserOptions {
  /** λ = scale·σ^power (default scale 0.85, power 1). */
  readonly scale?: number;
  readonly power?: 1 | 2;
  /** FGP iterations (default 50). */
  readonly iterations?: number;
  /** 2 for [N, C, H, W], 3 for [N, C, D, H, W] (default: from the rank). */
  readonly ndim?: 2 | 3;
  /** Channels jointly in the isotropic norm (default true). */
  readonly jointChannels?: boolean;
  readonly dataRange?: DataRange;
}

/**
 * TV denoiser D(x, σ) = prox_{scale·σ^power·TV}(x) (see the module comment).
 * @example const D = tvDenoiser({ scale: 0.5 }); D.denoise(x, 0.1)
 */
export function tvDenoiser(opts: TvDenoiserOptions = {}): Denoiser {
  checkOptions('tvDenoiser', opts, ['scale', 'power', 'iterations', 'ndim', 'jointChannels', 'dataRange']);
  const scale = opts.scale ?? 0.85;
  const power = opts.power ?? 1;
  if (!(scale >= 0) || !Number.isFinite(scale)) throw new MedreconError('INVALID_ARGUMENT', `tvDenoiser: scale must be ≥ 0, got ${scale}`);
  if (power !== 1 && power !== 2) throw new MedreconError('INVALID_ARGUMENT', `tvDenoiser: power must be 1 or 2, got ${String(power)}`);
  return {
    name: 'tv',
    dataRange: opts.dataRange ?? 'unit',
    denoise(x, sigma) {
      const ndim = opts.ndim ?? (x.rank === 5 ? 3 : 2);
      if (x.rank !== ndim + 2) throw new MedreconError('SHAPE_MISMATCH', `tvDenoiser: expected [N, C, ${ndim === 3 ? 'D, ' : ''}H, W], got [${x.shape.join(', ')}]`);
      const lam = scaled(sigmaFor(x, sigma, 'tvDenoiser'), scale, power);
      return tvProx(x, lam, { ndim, groupAxes: opts.jointChannels === false ? [] : [1], iterations: opts.iterations ?? 50 });
    },
  };
}

export interface WaveletDenoiserOptions {
  readonly wavelet?: WaveletName;
  /** DWT levels (default: up to 4, as the size allows). */
  readonly levels?: number;
  /** Threshold t = scale·σ (default 1.4). */
  readonly scale?: number;
  /** Also threshold the approximation band (default false). */
  readonly thresholdApprox?: boolean;
  /** Group soft-thresholding across channels (default true). */
  readonly jointChannels?: boolean;
  /** Average over this many diagonal circular shifts (0,0), (1,1), … (default 1 = no spinning). */
  readonly cycleSpins?: number;
  readonly dataRange?: DataRange;
}

/**
 * Wavelet soft-threshold denoiser D(x, σ) = Wᵀ S_{scale·σ}(W x) on [N, C, H, W].
 * @example waveletDenoiser({ wavelet: 'db4', levels: 4 }).denoise(x, 0.05)
 */
export function waveletDenoiser(opts: WaveletDenoiserOptions = {}): Denoiser {
  checkOptions('waveletDenoiser', opts, ['wavelet', 'levels', 'scale', 'thresholdApprox', 'jointChannels', 'cycleSpins', 'dataRange']);
  const scale = opts.scale ?? 1.4;
  const spins = opts.cycleSpins ?? 1;
  if (!(scale >= 0) || !Number.isFinite(scale)) throw new MedreconError('INVALID_ARGUMENT', `waveletDenoiser: scale must be ≥ 0, got ${scale}`);
  if (!Number.isInteger(spins) || spins < 1) throw new MedreconError('INVALID_ARGUMENT', `waveletDenoiser: cycleSpins must be a positive integer, got ${spins}`);
  const dopts = { wavelet: opts.wavelet ?? ('db4' as const), ...(opts.levels !== undefined ? { levels: opts.levels } : {}) };
  return {
    name: `wavelet(${dopts.wavelet})`,
    dataRange: opts.dataRange ?? 'unit',
    denoise(x, sigma) {
      if (x.rank !== 4) throw new MedreconError('SHAPE_MISMATCH', `waveletDenoiser: expected [N, C, H, W], got [${x.shape.join(', ')}]`);
      const W = dwt2(x.shape, dopts);
      const mask = opts.thresholdApprox ? 1 : detailMask(x.shape, dopts);
      const t = mul(mask, scaled(sigmaFor(x, sigma, 'waveletDenoiser'), scale, 1) as Sym | number);
      const joint = opts.jointChannels !== false;
      const one = (v: Sym): Sym => {
        const c = W.forward(v);
        const mag = joint ? sqrt(sum(mul(c, c), 1, true)) : sqrt(mul(c, c));
        const shrink = div(relu(sub(mag, t)), maximum(mag, 1e-30));
        return W.adjoint(mul(c, shrink));
      };
      if (spins === 1) return one(x);
      let acc: Sym | undefined;
      for (let s = 0; s < spins; s++) {
        const sh = (v: Sym, d: number) => roll(roll(v, d, 2), d, 3);
        const r = sh(one(sh(x, s)), -s);
        acc = acc ? add(acc, r) : r;
      }
      return mul(acc!, 1 / spins);
    },
  };
}

/**
 * A real, 1-channel denoiser (e.g. one trained on magnitude images) applied to complex images stored
 * as 2 channels (re, im) whose phase varies smoothly, without the Rician bias of denoising |x|:
 *
 *   p = b / √(|b|² + δ²),  b = G ∗ x          (smooth phase from a Gaussian blur, std `phaseBlur` px)
 *   r = Re(x · p̄)                              (the demodulated real image: signal + Gaussian noise)
 *   D'(x, σ) = D(r, σ) · p                      (the imaginary residue, noise only, is dropped)
 *
 * δ (data units, default 1e-3) keeps p → 0 in the background where the phase is undefined. Real
 * inputs with C = 1 go straight through.
 * @example pnp(ex, { physics: A, y, denoiser: magnitudeDenoiser(modelDenoiser(loadShippedModel('mri-drunet'))), sigma })
 */
export function magnitudeDenoiser(d: Denoiser, opts: { readonly delta?: number; readonly phaseBlur?: number } = {}): Denoiser {
  checkOptions('magnitudeDenoiser', opts, ['delta', 'phaseBlur']);
  const delta = opts.delta ?? 1e-3;
  const sd = opts.phaseBlur ?? 3;
  if (!(delta > 0 && Number.isFinite(delta))) throw new MedreconError('INVALID_ARGUMENT', `magnitudeDenoiser: delta must be > 0, got ${delta}`);
  if (!(sd > 0 && sd <= 32)) throw new MedreconError('INVALID_ARGUMENT', `magnitudeDenoiser: phaseBlur must be in (0, 32], got ${sd}`);
  const R = Math.ceil(2.5 * sd);
  const g = Array.from({ length: 2 * R + 1 }, (_, i) => Math.exp(-((i - R) ** 2) / (2 * sd * sd)));
  const gs = g.reduce((a, b) => a + b, 0);
  const k1 = g.map((v) => v / gs);
  return {
    name: `magnitude(${d.name})`,
    dataRange: d.dataRange,
    denoise(x, sigma) {
      if (x.rank !== 4 || (x.shape[1] !== 1 && x.shape[1] !== 2)) throw new MedreconError('SHAPE_MISMATCH', `magnitudeDenoiser: expected [N, 1 or 2, H, W], got [${x.shape.join(', ')}]`);
      if (x.shape[1] === 1) return d.denoise(x, sigma);
      const [N, , H, W] = x.shape as [number, number, number, number];
      // Separable Gaussian blur of both channels (zero padding).
      const flat = reshape(x, [N * 2, 1, H, W]);
      const kr = constant(tensor([1, 1, 2 * R + 1, 1], k1));
      const kc = constant(tensor([1, 1, 1, 2 * R + 1], k1));
      const b = reshape(conv(conv(flat, kr, { padding: [R, 0] }), kc, { padding: [0, R] }), [N, 2, H, W]);
      const p = div(b, sqrt(add(sum(mul(b, b), 1, true), delta * delta)));
      const r = sum(mul(x, p), 1, true); // Re(x p̄) = x_re p_re + x_im p_im
      return mul(d.denoise(r, sigma), p);
    },
  };
}

/**
 * A denoiser used in other units: with u = a·x + b the denoiser's units (a ≠ 0),
 * D'(x, σ) = (D(a·x + b, |a|·σ) − b) / a. E.g. a CT denoiser trained in HU serving a reconstruction
 * in attenuation μ (1/mm): HU = 1000·μ/μ_water − 1000, so a = 1000/μ_water, b = −1000.
 * @example affineDenoiser(ctDenoiser, 1000 / 0.0192, -1000).denoise(mu, 0.001)
 */
export function affineDenoiser(d: Denoiser, a: number, b: number): Denoiser {
  if (!Number.isFinite(a) || a === 0 || !Number.isFinite(b)) throw new MedreconError('INVALID_ARGUMENT', `affineDenoiser: need finite a ≠ 0 and b, got a = ${a}, b = ${b}`);
  return {
    name: `affine(${d.name})`,
    dataRange: 'unit',
    denoise: (x, sigma) => mul(sub(d.denoise(add(mul(x, a), b), isSym(sigma) ? mul(sigma, Math.abs(a)) : sigma * Math.abs(a)), b), 1 / a),
  };
}

/** The 8 elements of the dihedral group on the last two axes, in the order `selfEnsemble` uses them. */
const DIHEDRAL: readonly { readonly t: boolean; readonly f: readonly number[] }[] = [
  { t: false, f: [] }, { t: false, f: [-2, -1] }, { t: true, f: [] }, { t: true, f: [-2, -1] },
  { t: false, f: [-1] }, { t: false, f: [-2] }, { t: true, f: [-1] }, { t: true, f: [-2] },
];

/**
 * Geometric self-ensemble ("×8" in the denoising literature): the average of D over K of the 8
 * flips / transposes g of the image plane, D'(x, σ) = (1/K) Σ_g g⁻¹(D(g(x), σ)). K = 2 uses
 * {identity, 180° turn}, K = 4 adds both transposes, K = 8 all of them. For a denoiser that is not
 * exactly equivariant (any trained network) this averages out part of its error — on the shipped
 * networks about +0.4–0.6 dB (bench/results/denoisers.json) — at K× the cost. Square images are
 * denoised in one batch of K·N; transposed copies of non-square images need D to accept W × H.
 * @example selfEnsemble(modelDenoiser(loadShippedModel('mri-drunet')), 8).denoise(x, 0.05)
 */
export function selfEnsemble(d: Denoiser, k: 1 | 2 | 4 | 8 = 8): Denoiser {
  if (![1, 2, 4, 8].includes(k)) throw new MedreconError('INVALID_ARGUMENT', `selfEnsemble: K must be 1, 2, 4 or 8, got ${String(k)}`);
  if (k === 1) return d;
  const gs = DIHEDRAL.slice(0, k);
  const fwd = (x: Sym, g: (typeof gs)[number]) => {
    const y = g.f.length ? flip(x, g.f) : x;
    return g.t ? swapLast(y) : y;
  };
  const inv = (x: Sym, g: (typeof gs)[number]) => {
    const y = g.t ? swapLast(x) : x;
    return g.f.length ? flip(y, g.f) : y;
  };
  return {
    name: `ensemble${k}(${d.name})`,
    dataRange: d.dataRange,
    denoise: (x, sigma) => {
      if (x.rank < 3) throw new MedreconError('SHAPE_MISMATCH', `selfEnsemble: expected [N, C, H, W], got [${x.shape.join(', ')}]`);
      const N = x.shape[0]!;
      const square = x.shape.at(-1) === x.shape.at(-2);
      if (square) {
        const s = isSym(sigma) && sigma.rank === 1 ? concat(gs.map(() => sigma), 0) : sigma;
        const out = d.denoise(concat(gs.map((g) => fwd(x, g)), 0), s);
        return mul(gs.map((g, i) => inv(sliceAxis(out, 0, i * N, (i + 1) * N), g)).reduce((a, b) => add(a, b)), 1 / k);
      }
      return mul(gs.map((g) => inv(d.denoise(fwd(x, g), sigma), g)).reduce((a, b) => add(a, b)), 1 / k);
    },
  };
}

function swapLast(x: Sym): Sym {
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  perm[x.rank - 1] = x.rank - 2;
  perm[x.rank - 2] = x.rank - 1;
  return transpose(x, perm);
}
