/**
 * Priors g(x) for composite problems min_x f(x) + g(x), given by their proximal operator
 *
 *   prox_{τg}(v) = argmin_x ½‖x − v‖² + τ g(x)
 *
 * and (when cheap) their value g(x), both as graph builders over Sym so a solver compiles them into
 * its iteration graph. `tau` may be a number or a scalar Sym (a step size fed per iteration).
 *
 * Simple priors here: zero, ℓ1 (soft-thresholding, real or complex), non-negativity and box
 * constraints, and a scaled prior. TV and wavelet priors live in ./tv.ts and ./wavelet.ts.
 *
 * @example
 *   const g = l1Prior(0.1);
 *   const p = g.prox(v, 0.5);      // soft-threshold at 0.05
 */
import { MedreconError } from '../core/errors.js';
import { cabs } from '../ir/composite.js';
import { type Sym, abs, maximum, minimum, mul, relu, sub, sum, unsqueeze, div, scalarConst, full } from '../ir/sym.js';

export type Scalar = Sym | number;

export interface Prior {
  readonly name: string;
  /** g(x) as a scalar Sym; absent when g has no cheap value (an indicator is 0 on its set). */
  value?(x: Sym): Sym;
  /** prox_{τg}(v) = argmin_x ½‖x − v‖² + τ g(x). */
  prox(v: Sym, tau: Scalar): Sym;
}

/** a·b for numbers or Syms (numbers folded). */
export function smul(a: Scalar, b: Scalar): Scalar {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  if (typeof a === 'number') return mul(b as Sym, a);
  return mul(a, b);
}

/** Check a number-valued weight. */
export function checkWeight(where: string, v: Scalar): void {
  if (typeof v === 'number' && !(Number.isFinite(v) && v >= 0)) throw new MedreconError('INVALID_ARGUMENT', `${where}: weight must be a non-negative finite number, got ${v}`);
}

/**
 * Soft-thresholding S_t(v) = sign(v)·max(|v| − t, 0) = v − clip(v, −t, t) (elementwise; `t` ≥ 0,
 * broadcast against v). With `complex: true`, v is [..., 2] and the magnitude is the complex
 * modulus: S_t(z) = z·max(0, 1 − t/|z|).
 * @example softThreshold(v, 0.1)
 */
export function softThreshold(v: Sym, t: Scalar, opts: { complex?: boolean } = {}): Sym {
  if (opts.complex) {
    const m = cabs(v, 0); // |z|
    const tt = typeof t === 'number' ? full([], t, v.dtype) : t;
    // shrink = max(0, 1 − t/|z|) written without dividing by 0: relu(|z| − t) / max(|z|, tiny)
    const shrink = div(relu(sub(m, tt)), maximum(m, 1e-30));
    return mul(v, unsqueeze(shrink, -1));
  }
  const tt = typeof t === 'number' ? scalarConst(t, v.dtype) : t;
  return sub(v, minimum(maximum(v, mul(tt, -1)), tt));
}

/** g = 0: prox is the identity. */
export function zeroPrior(): Prior {
  return { name: 'zero', value: (x) => mul(sum(x), 0), prox: (v) => v };
}

/**
 * g(x) = λ‖x‖₁ (complex: λ Σ|z|), prox = soft-thresholding at τλ.
 * @example fista(ex, { physics: A, y, prior: l1Prior(0.05) })
 */
export function l1Prior(lambda: Scalar, opts: { complex?: boolean } = {}): Prior {
  checkWeight('l1Prior', lambda);
  return {
    name: 'l1',
    value: (x) => (opts.complex ? mul(sum(cabs(x, 0)), lambda) : mul(sum(abs(x)), lambda)),
    prox: (v, tau) => softThreshold(v, smul(tau, lambda), opts),
  };
}

/** Indicator of the box lo ≤ x ≤ hi (either bound may be ±Infinity); prox = projection (clip). */
export function boxPrior(lo: number, hi: number): Prior {
  if (!(lo <= hi)) throw new MedreconError('INVALID_ARGUMENT', `boxPrior: need lo ≤ hi, got [${lo}, ${hi}]`);
  return {
    name: `box[${lo},${hi}]`,
    value: (x) => mul(sum(x), 0),
    prox: (v) => {
      let y = v;
      if (lo > -Infinity) y = maximum(y, lo);
      if (hi < Infinity) y = minimum(y, hi);
      return y;
    },
  };
}

/** Indicator of x ≥ 0; prox = max(v, 0). */
export function nonnegPrior(): Prior {
  return { ...boxPrior(0, Infinity), name: 'nonneg' };
}

/** α·g for a prior g: prox_{τ α g} = g.prox(·, τα). */
export function scalePrior(g: Prior, alpha: number): Prior {
  checkWeight('scalePrior', alpha);
  const v = g.value;
  return {
    name: `${alpha}·${g.name}`,
    ...(v ? { value: (x: Sym) => mul(v(x), alpha) } : {}),
    prox: (x, tau) => g.prox(x, smul(tau, alpha)),
  };
}
