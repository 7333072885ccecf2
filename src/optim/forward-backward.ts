/**
 * Forward–backward splitting for min_x F(x) = f(x) + g(x), f(x) = ½‖Ax − y‖² — the engine behind
 * `pgd` (ISTA) and `fista` (Beck & Teboulle 2009, "A fast iterative shrinkage-thresholding algorithm
 * for linear inverse problems", with their backtracking rule).
 *
 * Iteration k (β_k = 0 for PGD; β_k = (t_{k−1} − 1)/t_k, t_k = (1 + √(1 + 4t²_{k−1}))/2 for FISTA):
 *   v   = x_k + β_k (x_k − x_{k−1})                         (extrapolation)
 *   ∇f(v) = Aᴴ(Av − y),  Av = (1 + β)Ax_k − βAx_{k−1}      (A applied once per iteration: Ax is carried)
 *   p   = prox_{g/L}(v − ∇f(v)/L)
 *   accept p when f(p) ≤ Q_L(p, v) = f(v) + ⟨p − v, ∇f(v)⟩ + (L/2)‖p − v‖²,  else L ← ηL and retry.
 * With a known Lipschitz constant and backtracking off, p is always accepted (step 1/L).
 *
 * One compiled graph per iteration computes v, ∇f(v), p, f(p), Q, F(p) and the relative change; a
 * rejected trial reruns only the prox part (a second compiled graph) with the larger L.
 * The check f(p) ≤ Q carries a relative slack of 1e-5·(|f(v)| + |f(p)|) against float32 rounding.
 */
import { MedreconError, checkOptions } from '../core/errors.js';
import type { DeviceTensor, Executor } from '../ir/executor.js';
import { type Sym, add, div, mul, sub, sum } from '../ir/sym.js';
import { spec } from '../ir/trace.js';
import type { LinearOperator } from '../physics/operator.js';
import { ITER_OPTION_KEYS, IterationLoop, type IterOptions, type TensorArg, positive, readScalar } from './loop.js';
import { type Prior, zeroPrior } from './prior.js';
import { checkProblem, dispose, halfSq, lipschitz, onDevice, relChange, scalarT } from './problem.js';
import type { ReconResult } from './types.js';

export interface ForwardBackwardOptions extends IterOptions {
  /** The forward operator A. */
  readonly physics: LinearOperator;
  /** Measurements y (shape A.outShape). */
  readonly y: TensorArg;
  /** The prior g (default: g = 0, i.e. least squares). */
  readonly prior?: Prior;
  /** Initial guess (default 0). */
  readonly x0?: TensorArg;
  /** Lipschitz constant L of ∇f (≥ ‖A‖²); default: estimated by power iteration. */
  readonly lipschitz?: number;
  /** Backtracking line search (default true: L grows by `eta` until the sufficient-decrease test holds). */
  readonly backtracking?: boolean;
  /** Backtracking factor η > 1 (default 2). */
  readonly eta?: number;
}

export const FB_OPTION_KEYS = [...ITER_OPTION_KEYS, 'physics', 'y', 'prior', 'x0', 'lipschitz', 'backtracking', 'eta'] as const;

type Trial = { p: Sym; Ap: Sym; fp: Sym; viol: Sym; obj: Sym; rel: Sym };
type DevTrial = { [K in keyof Trial]: DeviceTensor };

/** Shared driver of PGD (`accelerated = false`) and FISTA. */
export async function forwardBackward(ex: Executor, opts: ForwardBackwardOptions, accelerated: boolean, method: string): Promise<ReconResult> {
  checkOptions(method, opts, FB_OPTION_KEYS);
  const A = opts.physics;
  checkProblem(method, A, opts.y, opts.x0);
  const prior = opts.prior ?? zeroPrior();
  const loop = new IterationLoop(method, opts, { maxIter: 100 });
  const eta = positive(method, 'eta', opts.eta ?? 2);
  if (!(eta > 1)) throw new MedreconError('INVALID_ARGUMENT', `${method}: eta must be > 1, got ${eta}`);
  const backtracking = opts.backtracking ?? true;
  let L = opts.lipschitz !== undefined ? positive(method, 'lipschitz', opts.lipschitz) : await lipschitz(ex, A);

  const xs = spec(A.inShape);
  const ys = spec(A.outShape);
  const sc = spec([]);

  const trial = (v: Sym, g: Sym, fv: Sym, Lv: Sym, b: Sym, x: Sym): Trial => {
    const tau = div(1, Lv);
    const p = prior.prox(sub(v, mul(g, tau)), tau);
    const Ap = A.forward(p);
    const fp = halfSq(sub(Ap, b));
    const d = sub(p, v);
    const q = add(add(fv, sum(mul(d, g))), mul(mul(sum(mul(d, d)), Lv), 0.5));
    const obj = prior.value ? add(fp, prior.value(p)) : fp;
    return { p, Ap, fp, viol: sub(fp, q), obj, rel: relChange(p, x) };
  };
  const stepFn = (x: Sym, xPrev: Sym, Ax: Sym, AxPrev: Sym, beta: Sym, Lv: Sym, b: Sym) => {
    const v = add(x, mul(sub(x, xPrev), beta));
    const Av = add(Ax, mul(sub(Ax, AxPrev), beta));
    const r = sub(Av, b);
    const fv = halfSq(r);
    const g = A.adjoint(r);
    return { v, g, fv, ...trial(v, g, fv, Lv, b, x) };
  };
  const step = ex.compile(stepFn, [xs, xs, ys, ys, sc, sc, ys]);
  const retry = ex.compile(trial, [xs, xs, sc, sc, ys, xs]);
  const init = ex.compile((x: Sym) => ({ x: add(x, 0), Ax: A.forward(x) }), [xs]);

  const b = onDevice(ex, opts.y);
  const x0 = opts.x0 ?? scalarZeros(A.inShape);
  const s0 = (await init.run(x0)) as { x: DeviceTensor; Ax: DeviceTensor };
  let x = s0.x;
  let Ax = s0.Ax;
  let xPrev = x;
  let AxPrev = Ax;
  let t = 1;
  let objective = Number.NaN;
  for (let k = 1; ; k++) {
    let beta = 0;
    if (accelerated && k > 1) {
      const tn = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
      beta = (t - 1) / tn;
      t = tn;
    }
    const o = (await step.run(x, xPrev, Ax, AxPrev, scalarT(beta), scalarT(L), b)) as DevTrial & { v: DeviceTensor; g: DeviceTensor; fv: DeviceTensor };
    let tr: DevTrial = o;
    if (backtracking) {
      const fv = Math.abs(await readScalar(o.fv));
      for (let n = 0; ; n++) {
        const viol = await readScalar(tr.viol);
        const fp = Math.abs(await readScalar(tr.fp));
        if (!Number.isFinite(viol)) throw new MedreconError('INVALID_ARGUMENT', `${method}: non-finite objective at iteration ${k} (NaN/Inf in y, x0 or the operator?)`);
        if (viol <= 1e-5 * (fv + fp)) break;
        if (n > 60) throw new MedreconError('INVALID_ARGUMENT', `${method}: backtracking did not find a step (L = ${L})`);
        L *= eta;
        const next = (await retry.run(o.v, o.g, o.fv, scalarT(L), b, x)) as DevTrial;
        if (tr !== o) disposeTrial(tr);
        tr = next;
      }
    }
    if (tr !== o) disposeTrial(o);
    for (const u of [o.v, o.g, o.fv]) u.dispose();
    if (xPrev !== x) {
      dispose(xPrev, opts.x0);
      AxPrev.dispose();
    }
    xPrev = x;
    AxPrev = Ax;
    x = tr.p;
    Ax = tr.Ap;
    objective = await readScalar(tr.obj);
    const rel = await readScalar(tr.rel);
    for (const u of [tr.fp, tr.viol, tr.obj, tr.rel]) u.dispose();
    const cur = x;
    if (await loop.step(k, objective, rel, () => cur.toHost())) break;
  }
  const image = await x.toHost();
  return loop.result(image, objective);
}

function disposeTrial(t: DevTrial): void {
  for (const u of Object.values(t)) u.dispose();
}

function scalarZeros(shape: readonly number[]) {
  return { dtype: 'float32' as const, dims: [...shape], data: new Float32Array(shape.reduce((a, b) => a * b, 1)) };
}
