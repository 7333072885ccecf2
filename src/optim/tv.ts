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
import { tensor } from '../core/tensor.js';
import {
  type Sym,
  add,
  concat,
  constant,
  conv,
  expand,
  reshape,
  transpose,
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

// ------------------------------------------------------------------ fast FGP (canonical layout, conv stencils)

interface Canon {
  readonly B: number;
  readonly G: number;
  readonly S: number[];
  toC(x: Sym): Sym; // [...shape] → [B, G, ...S]
  fromC(c: Sym): Sym;
  /** λ as a Scalar broadcastable to [B, 1, ...S]. */
  lambdaC(l: Scalar): Scalar;
}

function canonical(shape: readonly number[], ax: TvAxes): Canon {
  const r = shape.length;
  const group = ax.normAxes.slice(1).map((a) => a - 1);
  const batch = Array.from({ length: r }, (_, i) => i).filter((i) => !group.includes(i) && !ax.spatial.includes(i));
  const perm = [...batch, ...group, ...ax.spatial];
  const inv = perm.map((_, i) => perm.indexOf(i));
  const prod = (a: number[]) => a.reduce((p, i) => p * shape[i]!, 1);
  const B = prod(batch);
  const G = prod(group);
  const S = ax.spatial.map((i) => shape[i]!);
  const permShape = perm.map((i) => shape[i]!);
  const identityPerm = perm.every((v, i) => v === i);
  return {
    B,
    G,
    S,
    toC: (x) => reshape(identityPerm ? x : transpose(x, perm), [B, G, ...S]),
    fromC: (c) => (identityPerm ? reshape(c, shape) : transpose(reshape(c, permShape), inv)),
    lambdaC(l) {
      if (typeof l === 'number' || l.rank === 0) return l;
      if (l.rank > r) throw new MedreconError('SHAPE_MISMATCH', `tvProx: λ of shape [${l.shape.join(', ')}] does not broadcast to [${shape.join(', ')}]`);
      const lr = reshape(l, [...Array(r - l.rank).fill(1), ...l.shape]);
      lr.shape.forEach((d, i) => {
        if (d !== 1 && (d !== shape[i] || !batch.includes(i))) {
          throw new MedreconError('UNSUPPORTED', `tvProx: λ may vary only along batch axes (got [${l.shape.join(', ')}] for an image [${shape.join(', ')}])`);
        }
      });
      const full = expand(lr, shape.map((d, i) => (batch.includes(i) ? d : 1)));
      return reshape(transpose(full, perm), [B, 1, ...S.map(() => 1)]);
    },
  };
}

/** Forward differences of x [M, 1, ...S] as one conv: [M, nd, ...S], scaled by `scale`, zero at the far boundary. */
function gradConv(x: Sym, nd: number, S: readonly number[], scale: number): Sym {
  const k = Array(nd).fill(2);
  const w = new Float32Array(nd * 2 ** nd);
  const mask = new Float32Array(nd * S.reduce((a, b) => a * b, 1));
  const size = S.reduce((a, b) => a * b, 1);
  for (let d = 0; d < nd; d++) {
    // kernel index with all zeros = origin (−1), unit step along d (+1)
    let stride = 1;
    for (let e = nd - 1; e > d; e--) stride *= 2;
    w[d * 2 ** nd] = -scale;
    w[d * 2 ** nd + stride] = scale;
    // boundary mask: 0 where index_d = S_d − 1
    let st = 1;
    for (let e = nd - 1; e > d; e--) st *= S[e]!;
    for (let i = 0; i < size; i++) mask[d * size + i] = Math.floor(i / st) % S[d]! === S[d]! - 1 ? 0 : 1;
  }
  const y = conv(x, constant(tensor([nd, 1, ...k], w)), { padding: [...Array(nd).fill(0), ...Array(nd).fill(1)] });
  return mul(y, constant(tensor([nd, ...S], mask)));
}

/** div of p [M, nd, ...S] (far-boundary entries zero) as one conv: [M, 1, ...S]. */
function divConv(p: Sym, nd: number): Sym {
  const w = new Float32Array(nd * 2 ** nd);
  const last = 2 ** nd - 1; // kernel index (1, …, 1) = the point itself (after a pad of 1 before)
  for (let d = 0; d < nd; d++) {
    let stride = 1;
    for (let e = nd - 1; e > d; e--) stride *= 2;
    w[d * 2 ** nd + last] = 1;
    w[d * 2 ** nd + last - stride] = -1;
  }
  return conv(p, constant(tensor([1, nd, ...Array(nd).fill(2)], w)), { padding: [...Array(nd).fill(1), ...Array(nd).fill(0)] });
}

/**
 * FGP in the canonical layout: b [B, G, ...S], dual q [B, G·nd, ...S] (far-boundary entries 0).
 * Gradient and divergence are single conv stencils; ~14 graph ops per inner iteration.
 */
function fgpCanonical(b: Sym, lambda: Scalar, nd: number, K: number, q0?: Sym): { x: Sym; q: Sym } {
  const [B, G, ...S] = b.shape as number[];
  const L = 4 * nd;
  const M = B! * G!;
  const div = (p: Sym) => reshape(divConv(reshape(p, [M, nd, ...S]), nd), [B!, G!, ...S]);
  const grad = (u: Sym) => reshape(gradConv(reshape(u, [M, 1, ...S]), nd, S, 1 / L), [B!, G! * nd, ...S]);
  const project = (p: Sym) => {
    const m = sqrt(sum(mul(p, p), 1, true));
    const den = typeof lambda === 'number' && lambda > 0 ? maximum(m, lambda) : maximum(maximum(m, lambda), 1e-30);
    return mul(p, divide(lambda, den));
  };
  let q: Sym | undefined = q0;
  let r: Sym | undefined = q0;
  let t = 1;
  for (let k = 0; k < K; k++) {
    const g = grad(r ? add(b, div(r)) : b);
    const qn = project(r ? add(r, g) : g);
    const tn = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
    const beta = (t - 1) / tn;
    r = q && beta !== 0 ? add(qn, mul(sub(qn, q), beta)) : qn; // (not (1+β)qn − βq: float32 β's must not bias the fixed point
    q = qn;
    t = tn;
  }
  return { x: add(b, div(q!)), q: q! };
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
  const c = canonical(b.shape, ax);
  const nd = ax.ndim;
  // stacked dual [nd, ...shape] ↔ canonical [B, G·nd, ...S] (direction innermost within the group)
  const toCq = (q: Sym) => reshape(transpose(reshape(stack(Array.from({ length: nd }, (_, d) => c.toC(squeeze(sliceAxis(q, 0, d, d + 1), 0))), 2), [c.B, c.G, nd, ...c.S]), [0, 1, 2, ...c.S.map((_, i) => 3 + i)]), [c.B, c.G * nd, ...c.S]);
  const fromCq = (q: Sym) => {
    const q5 = reshape(q, [c.B, c.G, nd, ...c.S]);
    return stack(Array.from({ length: nd }, (_, d) => c.fromC(squeeze(sliceAxis(q5, 2, d, d + 1), 2))), 0);
  };
  if (opts.q0 && opts.q0.shape.join(',') !== [nd, ...b.shape].join(',')) throw new MedreconError('SHAPE_MISMATCH', `tvProx: q0 must have shape [${[nd, ...b.shape].join(', ')}], got [${opts.q0.shape.join(', ')}]`);
  const out = fgpCanonical(c.toC(b), c.lambdaC(lambda), nd, K, opts.q0 ? toCq(opts.q0) : undefined);
  return { x: c.fromC(out.x), q: fromCq(out.q) };
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
