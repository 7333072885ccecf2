/**
 * Diffusion training objectives and parameterisation conversions, as graph functions.
 *
 * With a_t = √ᾱ_t and b_t = √(1 − ᾱ_t) (per batch item, broadcast over [N, C, ...]):
 *
 *   x_t = a x₀ + b ε                 (forward process, `qSample`)
 *   v   = a ε − b x₀                 (Salimans & Ho 2022)
 *   x₀  = (x_t − b ε)/a = a x_t − b v
 *   ε   = (x_t − a x₀)/b = b x_t + a v
 *
 * `t` is a Sym [N] of step indices (0-based, see schedules.ts), int32 or float32 holding integers.
 * The model is called as model(x_t, t) with t as float32 [N] (what `unet`/`cunet` take).
 *
 *   epsLoss = mean((model(x_t, t) − ε)²),   vLoss = mean((model(x_t, t) − v)²)
 *
 * @example
 *   const s = linearSchedule();
 *   // inside a traced loss, x0 [N, C, H, W], t int32 [N], eps [N, C, H, W]:
 *   const loss = epsLoss((xt, tt) => unet(p, xt, tt, cfg), x0, t, eps, s);
 */
import { MedreconError } from '../core/errors.js';
import { tensor } from '../core/tensor.js';
import { type Sym, cast, constant, gather, mean, reshape, sqrt, sub } from '../ir/sym.js';
import type { DiffusionSchedule } from './schedules.js';

/** A diffusion network: prediction (ε, v or x₀) from x_t [N, C, ...] and t float32 [N]. */
export type DiffusionModel = (xt: Sym, t: Sym) => Sym;

function checkT(who: string, t: Sym, N: number): void {
  if (t.rank !== 1 || t.shape[0] !== N) throw new MedreconError('SHAPE_MISMATCH', `${who}: t must be [${N}], got [${t.shape.join(', ')}]`);
  if (t.dtype === 'bool') throw new MedreconError('INVALID_ARGUMENT', `${who}: t must be int32 or float32`);
}

/** ᾱ_t gathered from the schedule's table: t [N] → float32 [N]. */
export function alphaBarAt(schedule: DiffusionSchedule, t: Sym): Sym {
  if (t.rank !== 1) throw new MedreconError('SHAPE_MISMATCH', `alphaBarAt: t must be rank 1, got [${t.shape.join(', ')}]`);
  const table = constant(tensor([schedule.T], Float32Array.from(schedule.alphaBars)));
  return gather(table, t.dtype === 'int32' ? t : cast(t, 'int32'), 0);
}

/** a_t = √ᾱ_t and b_t = √(1 − ᾱ_t), each reshaped to [N, 1, …, 1] for a rank-`rank` batch. */
export function coefficients(schedule: DiffusionSchedule, t: Sym, rank: number): { readonly a: Sym; readonly b: Sym } {
  const ab = alphaBarAt(schedule, t);
  const shape = [t.shape[0]!, ...Array<number>(rank - 1).fill(1)];
  return { a: reshape(sqrt(ab), shape), b: reshape(sqrt(sub(1, ab)), shape) };
}

/** x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε. */
export function qSample(x0: Sym, t: Sym, eps: Sym, schedule: DiffusionSchedule): Sym {
  checkT('qSample', t, x0.shape[0]!);
  const { a, b } = coefficients(schedule, t, x0.rank);
  return a.mul(x0).add(b.mul(eps));
}

/** v = √ᾱ_t ε − √(1 − ᾱ_t) x₀. */
export function vFromX0Eps(x0: Sym, eps: Sym, t: Sym, schedule: DiffusionSchedule): Sym {
  const { a, b } = coefficients(schedule, t, x0.rank);
  return a.mul(eps).sub(b.mul(x0));
}
/** x₀ = (x_t − √(1 − ᾱ_t) ε)/√ᾱ_t. */
export function x0FromEps(xt: Sym, eps: Sym, t: Sym, schedule: DiffusionSchedule): Sym {
  const { a, b } = coefficients(schedule, t, xt.rank);
  return xt.sub(b.mul(eps)).div(a);
}
/** ε = (x_t − √ᾱ_t x₀)/√(1 − ᾱ_t). */
export function epsFromX0(xt: Sym, x0: Sym, t: Sym, schedule: DiffusionSchedule): Sym {
  const { a, b } = coefficients(schedule, t, xt.rank);
  return xt.sub(a.mul(x0)).div(b);
}
/** x₀ = √ᾱ_t x_t − √(1 − ᾱ_t) v. */
export function x0FromV(xt: Sym, v: Sym, t: Sym, schedule: DiffusionSchedule): Sym {
  const { a, b } = coefficients(schedule, t, xt.rank);
  return a.mul(xt).sub(b.mul(v));
}
/** ε = √(1 − ᾱ_t) x_t + √ᾱ_t v. */
export function epsFromV(xt: Sym, v: Sym, t: Sym, schedule: DiffusionSchedule): Sym {
  const { a, b } = coefficients(schedule, t, xt.rank);
  return b.mul(xt).add(a.mul(v));
}

function tFloat(t: Sym): Sym {
  return t.dtype === 'float32' ? t : cast(t, 'float32');
}

/** ε-prediction loss mean((model(x_t, t) − ε)²) with x_t = qSample(x₀, t, ε). */
export function epsLoss(model: DiffusionModel, x0: Sym, t: Sym, eps: Sym, schedule: DiffusionSchedule): Sym {
  const xt = qSample(x0, t, eps, schedule);
  return mean(model(xt, tFloat(t)).sub(eps).square());
}

/** v-prediction loss mean((model(x_t, t) − v)²), v = √ᾱ ε − √(1 − ᾱ) x₀. */
export function vLoss(model: DiffusionModel, x0: Sym, t: Sym, eps: Sym, schedule: DiffusionSchedule): Sym {
  const xt = qSample(x0, t, eps, schedule);
  return mean(model(xt, tFloat(t)).sub(vFromX0Eps(x0, eps, t, schedule)).square());
}
