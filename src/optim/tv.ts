/**
 * Isotropic total variation in 2D and 3D, with an accurate proximal operator.
 *
 * Discretisation (Neumann boundary, forward differences) along each spatial axis a:
 *   (∇_a x)_i = x_{i+1} − x_i  for i < n−1,   0 at i = n−1,
 * and div = −∇ᴴ (so ⟨∇x, p⟩ = −⟨x, div p⟩ exactly). The gradient of x [...shape] is stacked on a new
 * leading axis: ∇x has shape [ndim, ...shape].
 *
 *   TV(x) = Σ_i ‖(∇x)_i‖₂,  the 2-norm taken jointly over the ndim directions and the "group" axes.
 *
 * Group axes: with `complex: true` the last axis (re, im) is not differenced but grouped, so
 * TV(z) = Σ_i √(Σ_a |∇_a z|²_i) is the TV of the complex field (re and im jointly, invariant to a
 * global phase); `groupAxes` adds further joint axes (e.g. the channel axis of [N, C, H, W] for
 * vectorial/colour TV). Every other axis (batch, channels by default) is treated independently.
 * Spatial axes are the last `ndim` axes (before the complex axis).
 *
 * Proximal operator prox_{λTV}(b) = argmin_x ½‖x − b‖² + λ TV(x), by FGP (Beck & Teboulle 2009,
 * "Fast gradient-based algorithms for constrained total variation image denoising and deblurring")
 * on the dual: with q = λp, x = b + div q and
 *
 *   min_{‖q_i‖ ≤ λ} ½‖b + div q‖²,
 *
 * a projected gradient step with step 1/L, L = 4·ndim ≥ ‖div‖², plus Nesterov momentum. The fixed
 * number of inner iterations is unrolled into the graph (small elementwise/slice ops). Accuracy is
 * checkable by the duality gap: P(x) − D(q) with P(x) = ½‖x − b‖² + λTV(x),
 * D(q) = ½‖b‖² − ½‖b + div q‖² (see `tvProxGap`).
 *
 * @example
 *   const x = tvProx(noisy, 0.1, { iterations: 50 });              // 2D, [N, C, H, W]
 *   const z = tvProx(cimg, 0.05, { complex: true });                // complex [N, C, H, W, 2]
 */
import { MedreconError } from '../core/errors.js';
import type { LinearOperator } from '../physics/operator.js';
import { linearOperator } from '../physics/operator.js';
import {
  type Sym,
  add,
  concat,
  full,
  maximum,
  mul,
  normAxis,
  pad,
  sliceAxis,
  sqrt,
  stack,
  sub,
  sum,
  div as divide,
  squeeze,
} from '../ir/sym.js';
import { type Prior, type Scalar, checkWeight, smul } from './prior.js';

export interface TvOptions {
  /** Number of differenced (spatial) axes: the last `ndim` axes before the complex axis (default 2). */
  readonly ndim?: 2 | 3;
  /** The last axis holds (re, im) of a complex image: grouped in the norm, not differenced. */
  readonly complex?: boolean;
  /** Further axes grouped jointly in the isotropic norm (e.g. [1] for vectorial TV over channels). */
  readonly groupAxes?: readonly number[];
}

export interface TvProxOptions extends TvOptions {
  /** FGP inner iterations unrolled in the graph (default 50). */
  readonly iterations?: number;
}

interface TvAxes {
  readonly spatial: number[];
  /** Group axes in the coordinates of ∇x (i.e. shifted by +1), plus the direction axis 0. */
  readonly normAxes: number[];
  readonly ndim: number;
}

function resolveAxes(shape: readonly number[], opts: TvOptions, where: string): TvAxes {
  const ndim = opts.ndim ?? 2;
  if (ndim !== 2 && ndim !== 3) throw new MedreconError('INVALID_ARGUMENT', `${where}: ndim must be 2 or 3, got ${String(ndim)}`);
  const r = shape.length;
  const end = opts.complex ? r - 1 : r;
  if (opts.complex && shape[r - 1] !== 2) throw new MedreconError('SHAPE_MISMATCH', `${where}: complex images need a trailing axis of 2, got [${shape.join(', ')}]`);
  if (end - ndim < 0) throw new MedreconError('SHAPE_MISMATCH', `${where}: a ${ndim}D TV needs rank ≥ ${ndim + (opts.complex ? 1 : 0)}, got [${shape.join(', ')}]`);
  const spatial = Array.from({ length: ndim }, (_, i) => end - ndim + i);
  const group = new Set<number>((opts.groupAxes ?? []).map((a) => normAxis(a, r, where)));
  if (opts.complex) group.add(r - 1);
  for (const g of group) if (spatial.includes(g)) throw new MedreconError('INVALID_ARGUMENT', `${where}: axis ${g} is both spatial and grouped`);
  return { spatial, normAxes: [0, ...[...group].sort((a, b) => a - b).map((a) => a + 1)], ndim };
}

/** Forward difference along axis a with a zero last entry (Neumann boundary). */
function diffAxis(x: Sym, a: number): Sym {
  const n = x.shape[a]!;
  if (n === 1) return mul(x, 0);
  const d = sub(sliceAxis(x, a, 1, n), sliceAxis(x, a, 0, n - 1));
  const zs = [...x.shape];
  zs[a] = 1;
  return concat([d, full(zs, 0, x.dtype)], a);
}

/** −(∇_a)ᴴ p: (div p)_0 = p_0, p_i − p_{i−1} inside, −p_{n−2} at the end. */
function divAxis(p: Sym, a: number): Sym {
  const n = p.shape[a]!;
  if (n === 1) return mul(p, 0);
  const pp = sliceAxis(p, a, 0, n - 1);
  const w = (b: number, e: number): [number, number][] => p.shape.map((_, i) => (i === a ? [b, e] : [0, 0]));
  return sub(pad(pp, w(0, 1)), pad(pp, w(1, 0)));
}

/**
 * The discrete gradient ∇x, shape [ndim, ...x.shape] (see the module comment).
 * @example tvGrad(x).shape // [2, N, C, H, W] for x [N, C, H, W]
 */
export function tvGrad(x: Sym, opts: TvOptions = {}): Sym {
  const { spatial } = resolveAxes(x.shape, opts, 'tvGrad');
  return stack(spatial.map((a) => diffAxis(x, a)), 0);
}

/**
 * The discrete divergence div p = −∇ᴴp of p [ndim, ...shape] → [...shape].
 * @example tvDiv(tvGrad(x)) // = −∇ᴴ∇x, a negative semi-definite Laplacian
 */
export function tvDiv(p: Sym, opts: TvOptions = {}): Sym {
  const shape = p.shape.slice(1);
  const { spatial, ndim } = resolveAxes(shape, opts, 'tvDiv');
  if (p.shape[0] !== ndim) throw new MedreconError('SHAPE_MISMATCH', `tvDiv: expected a leading axis of ${ndim}, got [${p.shape.join(', ')}]`);
  let out: Sym | undefined;
  spatial.forEach((a, d) => {
    const t = divAxis(squeeze(sliceAxis(p, 0, d, d + 1), 0), a);
    out = out ? add(out, t) : t;
  });
  return out!;
}

/** Pointwise isotropic magnitude ‖(p)_i‖ over the norm axes (keepdims, shape [1, ...]). */
function magnitude(p: Sym, ax: TvAxes): Sym {
  return sqrt(sum(mul(p, p), ax.normAxes, true));
}

/**
 * TV(x) = Σ_i ‖(∇x)_i‖₂ (scalar; sums over the batch too).
 * @example tvNorm(x, { ndim: 3 })
 */
export function tvNorm(x: Sym, opts: TvOptions = {}): Sym {
  const ax = resolveAxes(x.shape, opts, 'tvNorm');
  return sum(magnitude(tvGrad(x, opts), ax));
}

/** The gradient as a LinearOperator [...shape] → [ndim, ...shape] (adjoint = −div). */
export function tvOperator(shape: readonly number[], opts: TvOptions = {}): LinearOperator {
  const { ndim } = resolveAxes(shape, opts, 'tvOperator');
  return linearOperator('grad', shape, [ndim, ...shape], (x) => tvGrad(x, opts), (p) => mul(tvDiv(p, opts), -1));
}

/**
 * Projection of p [ndim, ...] onto {‖p_i‖ ≤ λ} pointwise: p·λ / max(‖p_i‖, λ).
 * `lambda` broadcasts against the image shape (e.g. [N, 1, 1, 1] for one weight per batch item).
 */
export function tvProject(p: Sym, lambda: Scalar, opts: TvOptions = {}): Sym {
  const ax = resolveAxes(p.shape.slice(1), opts, 'tvProject');
  const m = magnitude(p, ax);
  const den = maximum(maximum(m, lambda), 1e-30);
  return mul(p, divide(lambda, den));
}

function checkIters(where: string, k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new MedreconError('INVALID_ARGUMENT', `${where}: iterations must be a positive integer, got ${k}`);
  return k;
}

/**
 * FGP for prox_{λTV}(b), returning the primal x = b + div q and the dual field q (‖q_i‖ ≤ λ).
 * `q0` warm-starts the dual (shape [ndim, ...b.shape]).
 * @example const { x, q } = tvProxDual(b, 0.1, { iterations: 100 });
 */
export function tvProxDual(b: Sym, lambda: Scalar, opts: TvProxOptions & { q0?: Sym } = {}): { x: Sym; q: Sym } {
  checkWeight('tvProx', lambda);
  const ax = resolveAxes(b.shape, opts, 'tvProx');
  const K = checkIters('tvProx', opts.iterations ?? 50);
  const L = 4 * ax.ndim;
  let q: Sym | undefined = opts.q0; // current dual iterate q_k (undefined = 0)
  let r: Sym | undefined = opts.q0; // extrapolated point
  let t = 1;
  for (let k = 0; k < K; k++) {
    const g = tvGrad(r ? add(b, tvDiv(r, opts)) : b, opts);
    const qn = tvProject(r ? add(r, mul(g, 1 / L)) : mul(g, 1 / L), lambda, opts);
    const tn = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
    const beta = (t - 1) / tn;
    r = q && beta !== 0 ? add(qn, mul(sub(qn, q), beta)) : qn;
    q = qn;
    t = tn;
  }
  return { x: add(b, tvDiv(q!, opts)), q: q! };
}

/**
 * prox_{λTV}(b) = argmin_x ½‖x − b‖² + λ TV(x) (FGP, `iterations` unrolled; default 50).
 * `lambda` ≥ 0: a number, a scalar Sym, or a Sym broadcastable to b (per-batch weights).
 * @example const x = tvProx(noisy, 0.08);
 */
export function tvProx(b: Sym, lambda: Scalar, opts: TvProxOptions = {}): Sym {
  if (lambda === 0) return b;
  return tvProxDual(b, lambda, opts).x;
}

/**
 * Duality gap of prox_{λTV}(b) at the dual point q (‖q_i‖ ≤ λ): P(x) − D(q) ≥ 0 with x = b + div q,
 * P(x) = ½‖x − b‖² + λTV(x), D(q) = ½‖b‖² − ½‖x‖². Zero exactly at the solution.
 * @example tvProxGap(b, q, 0.1) // scalar Sym
 */
export function tvProxGap(b: Sym, q: Sym, lambda: number, opts: TvOptions = {}): Sym {
  const x = add(b, tvDiv(q, opts));
  const d = sub(x, b);
  const P = add(mul(sum(mul(d, d)), 0.5), mul(tvNorm(x, opts), lambda));
  const D = mul(sub(sum(mul(b, b)), sum(mul(x, x))), 0.5);
  return sub(P, D);
}

/**
 * g(x) = λ TV(x) as a Prior (prox by FGP with `iterations` inner steps).
 * @example fista(ex, { physics: A, y, prior: tvPrior(0.02, { complex: true }) })
 */
export function tvPrior(lambda: Scalar, opts: TvProxOptions = {}): Prior {
  checkWeight('tvPrior', lambda);
  checkIters('tvPrior', opts.iterations ?? 50);
  return {
    name: 'tv',
    value: (x) => mul(tvNorm(x, opts), lambda),
    prox: (v, tau) => tvProx(v, smul(tau, lambda), opts),
  };
}
