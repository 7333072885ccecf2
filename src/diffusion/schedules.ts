/**
 * Discrete diffusion noise schedules as pure host functions (Float64Array, T = 1000 by default).
 *
 * Index convention: arrays are 0-based, entry i is the paper's step t = i + 1, so `betas[0]` = β₁ and
 * `betas[T−1]` = β_T. From the betas:
 *
 *   ᾱ_i = Π_{j ≤ i} (1 − β_j),     σ_i = √((1 − ᾱ_i) / ᾱ_i)
 *
 * σ_i is the variance-exploding-equivalent noise level: x_t / √ᾱ_t = x₀ + σ_t ε, which is how a
 * σ-conditional denoiser (σ in the data's units) is matched to a diffusion step.
 *
 * - linear  (Ho et al. 2020):        β_i = β_start + (β_end − β_start) · i/(T−1), 1e-4 → 0.02;
 * - sigmoid (GeoDiff, Xu et al. 2022): β_i = β_start + (β_end − β_start) · sigmoid(−6 + 12 · i/(T−1));
 * - cosine  (Nichol & Dhariwal 2021): ᾱ(t) = f(t)/f(0), f(t) = cos²(π/2 · (t/T + s)/(1 + s)), s = 0.008,
 *   β_t = min(1 − ᾱ(t)/ᾱ(t−1), 0.999) for t = 1 … T, and ᾱ recomputed from the clipped betas.
 *
 * @example
 *   const s = linearSchedule();                 // T = 1000
 *   s.betas[0];                                 // 1e-4
 *   const t = timestepForSigma(s, 0.1);         // the step whose σ_t is nearest to 0.1
 */
import { MedreconError } from '../core/errors.js';

export type ScheduleKind = 'linear' | 'sigmoid' | 'cosine' | 'custom';

export interface DiffusionSchedule {
  readonly kind: ScheduleKind;
  /** Number of steps T. */
  readonly T: number;
  /** β_i, i = 0 … T−1. */
  readonly betas: Float64Array;
  /** ᾱ_i = Π_{j≤i} (1 − β_j), decreasing. */
  readonly alphaBars: Float64Array;
  /** σ_i = √((1 − ᾱ_i)/ᾱ_i), increasing. */
  readonly sigmas: Float64Array;
}

function checkT(who: string, T: number): void {
  if (!Number.isInteger(T) || T < 2) throw new MedreconError('INVALID_ARGUMENT', `${who}: T must be an integer ≥ 2, got ${T}`);
}

function checkRange(who: string, start: number, end: number): void {
  if (!(start > 0 && end >= start && end < 1)) throw new MedreconError('INVALID_ARGUMENT', `${who}: need 0 < betaStart ≤ betaEnd < 1, got ${start}, ${end}`);
}

/** ᾱ and σ from betas (each in (0, 1)). @example scheduleFromBetas(new Float64Array([0.1, 0.2])).alphaBars // [0.9, 0.72] */
export function scheduleFromBetas(betas: Float64Array, kind: ScheduleKind = 'custom'): DiffusionSchedule {
  checkT('scheduleFromBetas', betas.length);
  const T = betas.length;
  const alphaBars = new Float64Array(T);
  const sigmas = new Float64Array(T);
  let a = 1;
  for (let i = 0; i < T; i++) {
    const b = betas[i]!;
    if (!(b > 0 && b < 1)) throw new MedreconError('INVALID_ARGUMENT', `scheduleFromBetas: β_${i} = ${b} is not in (0, 1)`);
    a *= 1 - b;
    alphaBars[i] = a;
    sigmas[i] = Math.sqrt((1 - a) / a);
  }
  return { kind, T, betas, alphaBars, sigmas };
}

/** Linear β from betaStart to betaEnd (DDPM: 1e-4 → 0.02). */
export function linearBetas(T = 1000, betaStart = 1e-4, betaEnd = 0.02): Float64Array {
  checkT('linearBetas', T);
  checkRange('linearBetas', betaStart, betaEnd);
  return Float64Array.from({ length: T }, (_, i) => betaStart + (betaEnd - betaStart) * (i / (T - 1)));
}

/** Sigmoid β: betaStart + (betaEnd − betaStart)·sigmoid(linspace(−6, 6, T)). */
export function sigmoidBetas(T = 1000, betaStart = 1e-4, betaEnd = 0.02): Float64Array {
  checkT('sigmoidBetas', T);
  checkRange('sigmoidBetas', betaStart, betaEnd);
  return Float64Array.from({ length: T }, (_, i) => betaStart + (betaEnd - betaStart) / (1 + Math.exp(-(-6 + (12 * i) / (T - 1)))));
}

/** Cosine ᾱ (Nichol & Dhariwal), expressed as clipped betas (max 0.999). */
export function cosineBetas(T = 1000, s = 0.008, maxBeta = 0.999): Float64Array {
  checkT('cosineBetas', T);
  if (!(s >= 0)) throw new MedreconError('INVALID_ARGUMENT', `cosineBetas: s must be ≥ 0, got ${s}`);
  const f = (t: number) => Math.cos(((t / T + s) / (1 + s)) * (Math.PI / 2)) ** 2;
  return Float64Array.from({ length: T }, (_, i) => Math.min(1 - f(i + 1) / f(i), maxBeta));
}

export function linearSchedule(T = 1000, betaStart = 1e-4, betaEnd = 0.02): DiffusionSchedule {
  return scheduleFromBetas(linearBetas(T, betaStart, betaEnd), 'linear');
}
export function sigmoidSchedule(T = 1000, betaStart = 1e-4, betaEnd = 0.02): DiffusionSchedule {
  return scheduleFromBetas(sigmoidBetas(T, betaStart, betaEnd), 'sigmoid');
}
export function cosineSchedule(T = 1000, s = 0.008): DiffusionSchedule {
  return scheduleFromBetas(cosineBetas(T, s), 'cosine');
}

/** A schedule by name. @example makeSchedule('sigmoid', 1000) */
export function makeSchedule(kind: Exclude<ScheduleKind, 'custom'>, T = 1000): DiffusionSchedule {
  switch (kind) {
    case 'linear': return linearSchedule(T);
    case 'sigmoid': return sigmoidSchedule(T);
    case 'cosine': return cosineSchedule(T);
    default: throw new MedreconError('INVALID_ARGUMENT', `makeSchedule: unknown schedule '${String(kind)}'`);
  }
}

/**
 * σ at a (possibly fractional) step index t ∈ [0, T−1], linear in log σ between integer steps.
 * @example sigmaAt(s, 0) === s.sigmas[0]
 */
export function sigmaAt(s: DiffusionSchedule, t: number): number {
  if (!(t >= 0 && t <= s.T - 1)) throw new MedreconError('INVALID_ARGUMENT', `sigmaAt: t must be in [0, ${s.T - 1}], got ${t}`);
  const i = Math.min(Math.floor(t), s.T - 2);
  const w = t - i;
  return Math.exp((1 - w) * Math.log(s.sigmas[i]!) + w * Math.log(s.sigmas[i + 1]!));
}

/**
 * The step index for a noise level σ (σ_t increases with t): 'nearest' → the integer index whose
 * σ_t is nearest in log σ; 'continuous' → the fractional t with sigmaAt(s, t) = σ (clamped to [0, T−1]).
 * @example timestepForSigma(s, s.sigmas[500]) === 500
 */
export function timestepForSigma(s: DiffusionSchedule, sigma: number, mode: 'nearest' | 'continuous' = 'nearest'): number {
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new MedreconError('INVALID_ARGUMENT', `timestepForSigma: sigma must be positive and finite, got ${sigma}`);
  const sg = s.sigmas;
  if (sigma <= sg[0]!) return 0;
  if (sigma >= sg[s.T - 1]!) return s.T - 1;
  let lo = 0;
  let hi = s.T - 1; // sg[lo] < sigma ≤ sg[hi]
  while (hi - lo > 1) {
    const m = (lo + hi) >> 1;
    if (sg[m]! < sigma) lo = m; else hi = m;
  }
  const l = Math.log(sigma);
  const w = (l - Math.log(sg[lo]!)) / (Math.log(sg[hi]!) - Math.log(sg[lo]!));
  if (mode === 'continuous') return lo + w;
  return w < 0.5 ? lo : hi;
}
