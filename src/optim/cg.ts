/**
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
import { type HostTensor, shapeStr } from '../core/tensor.js';
import type { DeviceTensor, Executor } from '../ir/executor.js';
import { type Sym, add, div, gt, mul, sub, sum, where } from '../ir/sym.js';
import { spec, specOf } from '../ir/trace.js';
import type { LinearOperator } from '../physics/operator.js';

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
