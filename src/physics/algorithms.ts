/**
 * Host-side algorithms over `LinearOperator`s, written against the `Executor` contract (they loop
 * in TypeScript over one compiled graph per step; state stays on the executor):
 *
 * - `dotTest(ex, A, seed)`: ⟨A x, y⟩ vs ⟨x, Aᴴ y⟩ for random x, y ~ N(0, 1) (real inner product
 *   Σ a·b; for complex data = Re⟨a, b⟩); `adjointCheck` runs several seeds, `linearityCheck` tests
 *   A(αx + βz) = αAx + βAz.
 * - `opNorm(ex, A, opts)`: ‖A‖₂ = √λmax(AᴴA) by power iteration; `powerIteration` for any
 *   self-adjoint PSD map.
 * - `cg(ex, applyA, b, opts)`: conjugate gradients for A x = b (A self-adjoint PSD), `pinvCG` for
 *   argmin ‖Ax − y‖² + λ‖x‖², `proxL2` for argmin ½‖Ax − y‖² + (ρ/2)‖x − z‖².
 *
 * CG, in detail:
 * Conjugate gradients for A x = b with A self-adjoint and positive (semi)definite — the normal
 * equations of SENSE (AᴴA + λI) x = Aᴴy, the x-update of ADMM/HQS, a Tikhonov pseudo-inverse.
 *
 * The inner product is the real one, ⟨a, b⟩ = Σ a·b over all entries; complex data with a trailing
 * axis of 2 works unchanged (Σ a·b = Re⟨a, b⟩, under which a Hermitian A is self-adjoint).
 *
 * Iteration (Hestenes–Stiefel), state (x, r, p, ρ = ⟨r, r⟩):
 *   q = A p;  α = ρ / ⟨p, q⟩;  x' = x + α p;  r' = r − α q;  ρ' = ⟨r', r'⟩;  p' = r' + (ρ'/ρ) p.
 * One compiled graph maps (x, r, p, ρ) → (x', r', p', ρ'); the state stays on the executor and only
 * the scalar ρ' is copied back (every `checkEvery` iterations). It stops when
 * √ρ / ‖b‖ ≤ tol (relative residual), after `maxIter` iterations, or when `onIteration` returns
 * `'stop'`. α and β are guarded (0 when ⟨p, q⟩ or ρ vanish), so an exactly converged or
 * semidefinite-but-consistent system leaves x unchanged instead of producing NaN.
 *
 * @example
 *   // (AᴴA + 0.01 I) x = Aᴴ y on any executor
 *   const { x, iterations, residual } = await cg(ex, (v) => A.adjoint(A.forward(v)).add(v.mul(0.01)), Ahy, { maxIter: 50, tol: 1e-6 });
 *   const img = await x.toHost();
 */
import { MedreconError, checkOptions } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { type HostTensor, shapeStr } from '../core/tensor.js';
import type { DeviceTensor, Executor } from '../ir/executor.js';
import { type Sym, add, div, gt, maximum, mul, sqrt, sub, sum, where } from '../ir/sym.js';
import { spec, specOf } from '../ir/trace.js';
import type { LinearOperator } from './operator.js';

/** Per-iteration report passed to `onIteration`. */
export interface CgIteration {
  /** Iterations done so far (1-based). */
  readonly iteration: number;
  /** Relative residual ‖b − A x‖ / ‖b‖ (the recursively updated residual); NaN on iterations where it was not read back. */
  readonly residual: number;
  /** The current iterate (owned by cg: copy it with `toHost()` before returning if you need it later). */
  readonly x: DeviceTensor;
  readonly elapsedMs: number;
}

export interface CgOptions {
  /** Initial guess (default 0). Not disposed by cg. */
  x0?: HostTensor | DeviceTensor;
  /** Maximum number of iterations (default 100). */
  maxIter?: number;
  /** Stop when ‖r‖ / ‖b‖ ≤ tol (default 1e-6; 0 runs all `maxIter`). */
  tol?: number;
  /** Read the residual back every k iterations (default 1). Larger k saves a device sync per iteration on GPUs. */
  checkEvery?: number;
  /** Called after each iteration whose residual was read; return `'stop'` to stop. */
  onIteration?: (it: CgIteration) => void | 'stop' | Promise<void | 'stop'>;
}
const CG_KEYS = ['x0', 'maxIter', 'tol', 'checkEvery', 'onIteration'] as const;

export interface CgResult {
  /** The solution, on the executor. */
  readonly x: DeviceTensor;
  readonly iterations: number;
  /** Final relative residual ‖r‖ / ‖b‖ (last value read back). */
  readonly residual: number;
  /** Relative residual after each read-back, index 0 = initial residual. */
  readonly residuals: readonly number[];
  readonly converged: boolean;
  readonly stoppedBy: 'maxIter' | 'tolerance' | 'callback';
  readonly wallMs: number;
}

/** ⟨a, b⟩ = Σ a·b over all entries (a scalar). */
export function dotReal(a: Sym, b: Sym): Sym {
  return sum(mul(a, b));
}

/** CG state (x, r, p, ρ = ⟨r, r⟩) as graph values. */
export type CgState = { x: Sym; r: Sym; p: Sym; rs: Sym };
type CgDevState = { x: DeviceTensor; r: DeviceTensor; p: DeviceTensor; rs: DeviceTensor };

/** The CG step as a pure graph function (exported for callers that fuse it into bigger graphs). */
export function cgStep(applyA: (x: Sym) => Sym, s: CgState): CgState {
  const q = applyA(s.p);
  const pq = dotReal(s.p, q);
  const alpha = where(gt(pq, 0), div(s.rs, where(gt(pq, 0), pq, 1)), 0);
  const x = add(s.x, mul(s.p, alpha));
  const r = sub(s.r, mul(q, alpha));
  const rs = dotReal(r, r);
  const beta = where(gt(s.rs, 0), div(rs, where(gt(s.rs, 0), s.rs, 1)), 0);
  const p = add(r, mul(s.p, beta));
  return { x, r, p, rs };
}

function checkPositiveInt(v: number, name: string): void {
  if (!Number.isInteger(v) || v < 0) throw new MedreconError('INVALID_ARGUMENT', `cg: ${name} must be a non-negative integer, got ${v}`);
}

async function scalarOf(t: DeviceTensor): Promise<number> {
  return (await t.toHost()).data[0]!;
}

/**
 * Solve A x = b by conjugate gradients (see the module comment). `applyA` must be linear,
 * self-adjoint and positive semidefinite for the real inner product; shapes of x and b agree.
 * Returns the solution as a device tensor plus iteration counts and the residual history.
 *
 * @example
 *   const r = await cg(ex, (x) => x.mul(4), tensor([3], [4, 8, 12]), { maxIter: 5 }); // x = [1, 2, 3]
 */
export async function cg(executor: Executor, applyA: (x: Sym) => Sym, b: HostTensor | DeviceTensor, opts: CgOptions = {}): Promise<CgResult> {
  checkOptions('cg', opts, CG_KEYS);
  const maxIter = opts.maxIter ?? 100;
  const tol = opts.tol ?? 1e-6;
  const every = opts.checkEvery ?? 1;
  checkPositiveInt(maxIter, 'maxIter');
  if (!(every >= 1) || !Number.isInteger(every)) throw new MedreconError('INVALID_ARGUMENT', `cg: checkEvery must be a positive integer, got ${every}`);
  if (!(tol >= 0) || !Number.isFinite(tol)) throw new MedreconError('INVALID_ARGUMENT', `cg: tol must be finite and ≥ 0, got ${tol}`);
  if (b.dtype !== 'float32') throw new MedreconError('DTYPE_MISMATCH', `cg: b must be float32, got ${b.dtype}`);
  const bs = specOf(b);
  if (opts.x0 && shapeStr(opts.x0.dims) !== shapeStr(b.dims)) {
    throw new MedreconError('SHAPE_MISMATCH', `cg: x0 ${shapeStr(opts.x0.dims)} and b ${shapeStr(b.dims)} differ`);
  }
  const t0 = performance.now();

  // Initial state: r = b − A x0 (or b), p = r, ρ = ⟨r, r⟩, and ‖b‖².
  let state: CgDevState;
  let bb: number;
  if (opts.x0) {
    const init = executor.compile((x0: Sym, bv: Sym) => {
      const r = sub(bv, applyA(x0));
      return { x: add(x0, 0), r, p: add(r, 0), rs: dotReal(r, r), bb: dotReal(bv, bv) };
    }, [bs, bs]);
    const o = (await init.run(opts.x0, b)) as unknown as CgDevState & { bb: DeviceTensor };
    bb = await scalarOf(o.bb);
    o.bb.dispose();
    state = { x: o.x, r: o.r, p: o.p, rs: o.rs };
  } else {
    const init = executor.compile((bv: Sym) => {
      const rs = dotReal(bv, bv);
      return { x: mul(bv, 0), r: add(bv, 0), p: add(bv, 0), rs };
    }, [bs]);
    state = (await init.run(b)) as unknown as CgDevState;
    bb = await scalarOf(state.rs);
  }
  const bnorm = Math.sqrt(bb);
  let rel = bnorm > 0 ? Math.sqrt(await scalarOf(state.rs)) / bnorm : 0;
  const residuals = [rel];
  if (!Number.isFinite(rel)) throw new MedreconError('INVALID_ARGUMENT', 'cg: the initial residual is not finite (NaN/Inf in b, x0 or A)');
  if (bnorm === 0 && !opts.x0) {
    // b = 0: x = 0 is the solution.
    state.r.dispose();
    state.p.dispose();
    state.rs.dispose();
    return { x: state.x, iterations: 0, residual: 0, residuals, converged: true, stoppedBy: 'tolerance', wallMs: performance.now() - t0 };
  }

  const stepFn = (s: CgState) => cgStep(applyA, s);
  const step = executor.compile(stepFn, [{ x: bs, r: bs, p: bs, rs: spec([]) }]);
  let it = 0;
  let stoppedBy: CgResult['stoppedBy'] = 'maxIter';
  const done = (r: number) => (bnorm > 0 ? r <= tol : r === 0);
  if (done(rel)) stoppedBy = 'tolerance';
  while (stoppedBy === 'maxIter' && it < maxIter) {
    const next = (await step.run(state)) as unknown as CgDevState;
    state.x.dispose();
    state.r.dispose();
    state.p.dispose();
    state.rs.dispose();
    state = next;
    it++;
    if (it % every !== 0 && it !== maxIter) continue;
    const rs = await scalarOf(state.rs);
    rel = bnorm > 0 ? Math.sqrt(Math.max(rs, 0)) / bnorm : Math.sqrt(Math.max(rs, 0));
    residuals.push(rel);
    if (!Number.isFinite(rel)) throw new MedreconError('INVALID_ARGUMENT', `cg: residual became ${rel} at iteration ${it} (is A self-adjoint and positive semidefinite?)`);
    if (done(rel)) stoppedBy = 'tolerance';
    if (opts.onIteration) {
      const ans = await opts.onIteration({ iteration: it, residual: rel, x: state.x, elapsedMs: performance.now() - t0 });
      if (ans === 'stop' && stoppedBy === 'maxIter') stoppedBy = 'callback';
    }
  }
  state.r.dispose();
  state.p.dispose();
  state.rs.dispose();
  return { x: state.x, iterations: it, residual: rel, residuals, converged: done(rel), stoppedBy, wallMs: performance.now() - t0 };
}

export interface PinvCgOptions extends CgOptions {
  /** Tikhonov weight λ ≥ 0 (default 0). */
  lambda?: number;
}

/**
 * Regularised pseudo-inverse x = argmin ‖A x − y‖² + λ‖x‖², i.e. (AᴴA + λI) x = Aᴴy, by CG.
 * With λ = 0 and A injective this is the least-squares solution A⁺y; started from 0 it converges to
 * the minimum-norm least-squares solution otherwise.
 *
 * @example
 *   const { x } = await pinvCG(ex, senseOp, kspace, { lambda: 1e-3, maxIter: 30, tol: 1e-5 });
 */
export async function pinvCG(executor: Executor, A: LinearOperator, y: HostTensor | DeviceTensor, opts: PinvCgOptions = {}): Promise<CgResult> {
  checkOptions('pinvCG', opts, [...CG_KEYS, 'lambda']);
  const { lambda = 0, ...cgOpts } = opts;
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new MedreconError('INVALID_ARGUMENT', `pinvCG: lambda must be finite and ≥ 0, got ${lambda}`);
  if (shapeStr(y.dims) !== shapeStr(A.outShape)) throw new MedreconError('SHAPE_MISMATCH', `pinvCG: y ${shapeStr(y.dims)} does not match ${A.name}.outShape ${shapeStr(A.outShape)}`);
  const rhs = executor.compile((v: Sym) => A.adjoint(v), [specOf(y)]);
  const b = (await rhs.run(y)) as DeviceTensor;
  const apply = lambda > 0 ? (x: Sym) => add(A.adjoint(A.forward(x)), mul(x, lambda)) : (x: Sym) => A.adjoint(A.forward(x));
  try {
    return await cg(executor, apply, b, cgOpts);
  } finally {
    b.dispose();
  }
}

// ------------------------------------------------------------------ proximal step of a quadratic fidelity

export interface ProxL2Options extends CgOptions {}

/**
 * The normal equations of prox_{f/ρ}(z) for f(x) = ½‖Ax − y‖²:
 *   x* = argmin ½‖Ax − y‖² + (ρ/2)‖x − z‖²  ⇔  (AᴴA + ρI) x = Aᴴy + ρz.
 * Returns the pieces as graph builders, to fuse into a bigger compiled step or feed to `cg`.
 *
 * @example
 *   const { apply, rhs } = proxL2System(A, 0.5);
 *   // apply(x) = AᴴAx + 0.5x,  rhs(y, z) = Aᴴy + 0.5z
 */
export function proxL2System(A: LinearOperator, rho: number): { apply: (x: Sym) => Sym; rhs: (y: Sym, z: Sym) => Sym } {
  if (!(rho > 0) || !Number.isFinite(rho)) throw new MedreconError('INVALID_ARGUMENT', `proxL2: rho must be finite and > 0, got ${rho}`);
  return {
    apply: (x) => add(A.adjoint(A.forward(x)), mul(x, rho)),
    rhs: (y, z) => add(A.adjoint(y), mul(z, rho)),
  };
}

/**
 * prox of the quadratic data fidelity, solved by CG warm-started at z (unless `x0` is given):
 *   proxL2(A, y, z, ρ) = argmin_x ½‖Ax − y‖² + (ρ/2)‖x − z‖² = (AᴴA + ρI)⁻¹(Aᴴy + ρz).
 * The ADMM / HQS x-update. `maxIter` defaults to 20 here (an inexact inner solve is the norm).
 *
 * @example
 *   const { x } = await proxL2(ex, senseOp, kspace, zDev, 0.05, { maxIter: 10, tol: 1e-5 });
 */
export async function proxL2(executor: Executor, A: LinearOperator, y: HostTensor | DeviceTensor, z: HostTensor | DeviceTensor, rho: number, opts: ProxL2Options = {}): Promise<CgResult> {
  checkOptions('proxL2', opts, CG_KEYS);
  const sys = proxL2System(A, rho);
  if (shapeStr(y.dims) !== shapeStr(A.outShape)) throw new MedreconError('SHAPE_MISMATCH', `proxL2: y ${shapeStr(y.dims)} does not match ${A.name}.outShape ${shapeStr(A.outShape)}`);
  if (shapeStr(z.dims) !== shapeStr(A.inShape)) throw new MedreconError('SHAPE_MISMATCH', `proxL2: z ${shapeStr(z.dims)} does not match ${A.name}.inShape ${shapeStr(A.inShape)}`);
  const b = (await executor.compile(sys.rhs, [specOf(y), specOf(z)]).run(y, z)) as DeviceTensor;
  try {
    return await cg(executor, sys.apply, b, { maxIter: 20, x0: z, ...opts });
  } finally {
    b.dispose();
  }
}

// ------------------------------------------------------------------ dot test, linearity

export interface DotTestResult {
  /** ⟨A x, y⟩ */
  readonly lhs: number;
  /** ⟨x, Aᴴ y⟩ */
  readonly rhs: number;
  /** |lhs − rhs| / max(|lhs|, |rhs|) */
  readonly relError: number;
  /** |lhs − rhs| / (‖Ax‖·‖y‖): insensitive to cancellation in the inner products (what float32 rounding bounds). */
  readonly normalizedError: number;
}

/**
 * Dot test of an operator: for x ~ N(0, I) on inShape and y ~ N(0, I) on outShape (drawn from
 * `new Rng(seed)`), compare ⟨A x, y⟩ with ⟨x, Aᴴ y⟩ (real inner product). One compiled graph
 * computes both products and their difference, so on the float64 interpreter `relError` is at
 * rounding level (≈1e-15) for a correct adjoint; on ORT (float32) expect ≈1e-7…1e-5.
 *
 * @example
 *   const { relError } = await dotTest(createInterpExecutor(), blurOp(k, [32, 32]), 1); // < 1e-10
 */
export async function dotTest(executor: Executor, A: LinearOperator, seed = 0): Promise<DotTestResult> {
  const rng = new Rng(seed);
  const x = rng.fork(1).normalTensor(A.inShape);
  const y = rng.fork(2).normalTensor(A.outShape);
  const f = executor.compile((xv: Sym, yv: Sym) => {
    const ax = A.forward(xv);
    const lhs = sum(mul(ax, yv));
    const rhs = sum(mul(xv, A.adjoint(yv)));
    return { lhs, rhs, diff: sub(lhs, rhs), axyy: sqrt(mul(sum(mul(ax, ax)), sum(mul(yv, yv)))) };
  }, [specOf(x), specOf(y)]);
  const o = (await f.runHost(x, y)) as unknown as { lhs: HostTensor; rhs: HostTensor; diff: HostTensor; axyy: HostTensor };
  const lhs = o.lhs.data[0]!;
  const rhs = o.rhs.data[0]!;
  const diff = Math.abs(o.diff.data[0]!);
  const den = Math.max(Math.abs(lhs), Math.abs(rhs));
  const axyy = o.axyy.data[0]!;
  return { lhs, rhs, relError: den > 0 ? diff / den : diff, normalizedError: axyy > 0 ? diff / axyy : diff };
}

export interface AdjointCheck {
  readonly ok: boolean;
  readonly maxRelError: number;
  readonly maxNormalizedError: number;
  readonly trials: readonly DotTestResult[];
}

/**
 * Dot tests over `trials` seeds (seed, seed+1, …); `ok` when every normalizedError ≤ tol.
 * Default tol: 1e-10 (meant for the interpreter; pass ≈1e-5 for ORT/float32).
 * For use in other tests: `expect((await adjointCheck(ex, A)).ok).toBe(true)`.
 *
 * @example
 *   const c = await adjointCheck(ex, A, { trials: 3, tol: 1e-10 });
 */
export async function adjointCheck(executor: Executor, A: LinearOperator, opts: { trials?: number; seed?: number; tol?: number } = {}): Promise<AdjointCheck> {
  checkOptions('adjointCheck', opts, ['trials', 'seed', 'tol']);
  const { trials = 2, seed = 0, tol = 1e-10 } = opts;
  const res: DotTestResult[] = [];
  for (let i = 0; i < trials; i++) res.push(await dotTest(executor, A, seed + i));
  const maxRelError = Math.max(...res.map((r) => r.relError));
  const maxNormalizedError = Math.max(...res.map((r) => r.normalizedError));
  return { ok: maxNormalizedError <= tol && res.every((r) => Number.isFinite(r.lhs)), maxRelError, maxNormalizedError, trials: res };
}

/**
 * Linearity of the forward map: ‖A(αx + βz) − αAx − βAz‖ / (|α|‖Ax‖ + |β|‖Az‖) for random x, z
 * and α = 0.7, β = −1.3 (0 up to rounding for a linear operator). Catches forward maps that add
 * constants or clamp.
 *
 * @example
 *   expect(await linearityCheck(ex, A)).toBeLessThan(1e-12);
 */
export async function linearityCheck(executor: Executor, A: LinearOperator, seed = 0): Promise<number> {
  const rng = new Rng(seed);
  const x = rng.fork(3).normalTensor(A.inShape);
  const z = rng.fork(4).normalTensor(A.inShape);
  const a = 0.7, b = -1.3;
  const f = executor.compile((xv: Sym, zv: Sym) => {
    const ax = A.forward(xv);
    const az = A.forward(zv);
    const d = sub(A.forward(add(mul(xv, a), mul(zv, b))), add(mul(ax, a), mul(az, b)));
    return div(sqrt(sum(mul(d, d))), maximum(add(mul(sqrt(sum(mul(ax, ax))), Math.abs(a)), mul(sqrt(sum(mul(az, az))), Math.abs(b))), 1e-30));
  }, [specOf(x), specOf(z)]);
  return ((await f.runHost(x, z)) as HostTensor).data[0]!;
}

// ------------------------------------------------------------------ power iteration

export interface PowerIterationOptions {
  /** Maximum iterations (default 100). */
  iterations?: number;
  /** Stop when |λ_k − λ_{k−1}| ≤ tol·λ_k (default 1e-6). */
  tol?: number;
  /** Seed of the random start (default 0). */
  seed?: number;
  /** Read λ back every k iterations (default 1). */
  checkEvery?: number;
}
const PI_KEYS = ['iterations', 'tol', 'seed', 'checkEvery'] as const;

export interface PowerIterationResult {
  /** Largest eigenvalue estimate λ = ‖M v‖ for the unit iterate v. */
  readonly lambda: number;
  readonly iterations: number;
  readonly converged: boolean;
}

/**
 * Largest eigenvalue of a self-adjoint positive semidefinite map M (shape `shape`) by power
 * iteration: v ← M v / ‖M v‖, λ = ‖M v‖ (one compiled step; only λ is read back).
 *
 * @example
 *   const { lambda } = await powerIteration(ex, (x) => A.adjoint(A.forward(x)), A.inShape);  // ‖A‖²
 */
export async function powerIteration(executor: Executor, apply: (x: Sym) => Sym, shape: readonly number[], opts: PowerIterationOptions = {}): Promise<PowerIterationResult> {
  checkOptions('powerIteration', opts, PI_KEYS);
  const { iterations = 100, tol = 1e-6, seed = 0, checkEvery = 1 } = opts;
  if (!Number.isInteger(iterations) || iterations < 1) throw new MedreconError('INVALID_ARGUMENT', `powerIteration: iterations must be a positive integer, got ${iterations}`);
  if (!Number.isInteger(checkEvery) || checkEvery < 1) throw new MedreconError('INVALID_ARGUMENT', `powerIteration: checkEvery must be a positive integer, got ${checkEvery}`);
  if (!(tol >= 0)) throw new MedreconError('INVALID_ARGUMENT', `powerIteration: tol must be ≥ 0, got ${tol}`);
  const x0 = new Rng(seed).fork(5).normalTensor(shape);
  const s = specOf(x0);
  const init = executor.compile((x: Sym) => div(x, sqrt(sum(mul(x, x)))), [s]);
  const step = executor.compile((v: Sym) => {
    const w = apply(v);
    const n = sqrt(sum(mul(w, w)));
    return { v: div(w, where(gt(n, 0), n, 1)), lambda: n };
  }, [s]);
  let v = (await init.run(x0)) as DeviceTensor;
  let lambda = NaN;
  let prev = NaN;
  let it = 0;
  let converged = false;
  while (it < iterations) {
    const o = (await step.run(v)) as unknown as { v: DeviceTensor; lambda: DeviceTensor };
    v.dispose();
    v = o.v;
    it++;
    if (it % checkEvery === 0 || it === iterations) {
      lambda = (await o.lambda.toHost()).data[0]!;
      if (!Number.isFinite(lambda)) throw new MedreconError('INVALID_ARGUMENT', `powerIteration: λ became ${lambda} at iteration ${it}`);
      if (lambda === 0 || Math.abs(lambda - prev) <= tol * lambda) {
        converged = true;
        o.lambda.dispose();
        break;
      }
      prev = lambda;
    }
    o.lambda.dispose();
  }
  v.dispose();
  return { lambda, iterations: it, converged };
}

/**
 * Operator 2-norm ‖A‖ = √λmax(AᴴA) by power iteration on the normal operator (the Lipschitz
 * constant of ∇½‖Ax − y‖² is ‖A‖²). Returns `norm`, plus `lambda` = ‖A‖².
 *
 * @example
 *   const { norm } = await opNorm(ex, A, { iterations: 50, tol: 1e-6, seed: 0 });
 *   const stepSize = 1 / norm ** 2;
 */
export async function opNorm(executor: Executor, A: LinearOperator, opts: PowerIterationOptions = {}): Promise<PowerIterationResult & { norm: number }> {
  const r = await powerIteration(executor, (x) => A.adjoint(A.forward(x)), A.inShape, opts);
  return { ...r, norm: Math.sqrt(r.lambda) };
}
