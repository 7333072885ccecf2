/**
 * Shared pieces of the solvers for min_x ½‖Ax − y‖² + g(x): the problem description, option keys,
 * input checks, the schedule type, the Lipschitz estimate, and small graph helpers.
 *
 * @example
 *   const L = await lipschitz(ex, A);                  // ≈ ‖A‖² by power iteration
 *   const s = scheduleAt([0.1, 0.05, 0.02], 5);       // 0.02 (the last value is held)
 */
import { MedreconError } from '../core/errors.js';
import { type HostTensor, assertFinite, shapeStr, tensor } from '../core/tensor.js';
import type { DeviceTensor, Executor } from '../ir/executor.js';
import { type Sym, add, div, maximum, mul, sqrt, sub, sum } from '../ir/sym.js';
import { powerIteration } from '../physics/algorithms.js';
import type { LinearOperator } from '../physics/operator.js';
import type { TensorArg } from './loop.js';

/** A value per iteration: a constant, a list (the last value is held), or a function of k (0-based). */
export type Schedule = number | readonly number[] | ((k: number) => number);

/** The schedule's value at iteration k (0-based), validated finite. */
export function scheduleAt(s: Schedule, k: number, where = 'schedule'): number {
  const v = typeof s === 'number' ? s : typeof s === 'function' ? s(k) : s[Math.min(k, s.length - 1)];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new MedreconError('INVALID_ARGUMENT', `${where}: value at iteration ${k} is not a finite number (${String(v)})`);
  return v;
}

/** Check that a schedule is well formed (non-empty list, positive values where given as numbers). */
export function checkSchedule(s: unknown, where: string, positiveOnly = true): Schedule {
  const ok = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && (!positiveOnly || v > 0);
  if (typeof s === 'function') return s as Schedule;
  if (typeof s === 'number' && ok(s)) return s;
  if (Array.isArray(s) && s.length > 0 && s.every(ok)) return s as readonly number[];
  throw new MedreconError('INVALID_ARGUMENT', `${where}: expected a ${positiveOnly ? 'positive ' : ''}number, a non-empty list of them, or a function of the iteration`);
}

/**
 * n values spaced geometrically from `start` to `end` (DPIR's σ schedule): start·(end/start)^{k/(n−1)}.
 * @example logSchedule(0.2, 0.01, 8)
 */
export function logSchedule(start: number, end: number, n: number): number[] {
  if (!(start > 0 && end > 0) || !Number.isInteger(n) || n < 1) throw new MedreconError('INVALID_ARGUMENT', `logSchedule: need start, end > 0 and an integer n ≥ 1`);
  if (n === 1) return [start];
  return Array.from({ length: n }, (_, k) => start * (end / start) ** (k / (n - 1)));
}

/** A scalar host tensor. */
export function scalarT(v: number): HostTensor {
  return tensor([], [v]);
}

/** Check the measurement and initial guess shapes against the operator. */
export function checkProblem(where: string, A: LinearOperator, y: TensorArg, x0?: TensorArg): void {
  if (!A || typeof A.forward !== 'function' || typeof A.adjoint !== 'function') throw new MedreconError('INVALID_ARGUMENT', `${where}: physics must be a LinearOperator`);
  if (!y || !Array.isArray(y.dims)) throw new MedreconError('INVALID_ARGUMENT', `${where}: y must be a tensor`);
  if (shapeStr(y.dims) !== shapeStr(A.outShape)) throw new MedreconError('SHAPE_MISMATCH', `${where}: y ${shapeStr(y.dims)} does not match the operator's output ${shapeStr(A.outShape)}`);
  if (x0 !== undefined && shapeStr(x0.dims) !== shapeStr(A.inShape)) throw new MedreconError('SHAPE_MISMATCH', `${where}: x0 ${shapeStr(x0.dims)} does not match the operator's input ${shapeStr(A.inShape)}`);
}

/** ½‖r‖². */
export function halfSq(r: Sym): Sym {
  return mul(sum(mul(r, r)), 0.5);
}

/** ‖a − b‖ / max(‖a‖, tiny): the relative change of an iterate a from b. */
export function relChange(a: Sym, b: Sym): Sym {
  const d = sub(a, b);
  return div(sqrt(sum(mul(d, d))), maximum(sqrt(sum(mul(a, a))), 1e-30));
}

/** x + β (x − xPrev). */
export function extrapolate(x: Sym, xPrev: Sym, beta: Sym): Sym {
  return add(x, mul(sub(x, xPrev), beta));
}

/**
 * Lipschitz constant of ∇½‖Ax − y‖², i.e. ‖A‖² = λmax(AᴴA), by power iteration (with a 1 % safety
 * margin since power iteration approaches λmax from below).
 * @example const L = await lipschitz(ex, A);
 */
export async function lipschitz(ex: Executor, A: LinearOperator, opts: { iterations?: number; tol?: number; seed?: number } = {}): Promise<number> {
  const r = await powerIteration(ex, (x) => A.adjoint(A.forward(x)), A.inShape, { iterations: opts.iterations ?? 50, tol: opts.tol ?? 1e-4, seed: opts.seed ?? 0 });
  if (!(r.lambda > 0)) throw new MedreconError('INVALID_ARGUMENT', `lipschitz: ‖A‖² estimated as ${r.lambda} (is the operator zero?)`);
  return 1.01 * r.lambda;
}

/** Put a host tensor on the executor (device tensors pass through). */
export function onDevice(ex: Executor, t: TensorArg, what = 'input'): DeviceTensor {
  if (!('data' in t)) return t;
  assertFinite(t, what);
  return ex.tensor(t);
}

/** Dispose a tensor we created (never one the caller passed in). */
export function dispose(t: DeviceTensor | undefined, ...keep: (TensorArg | undefined)[]): void {
  if (t && !keep.includes(t)) t.dispose();
}
