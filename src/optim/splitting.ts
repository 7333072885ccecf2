/**
 * The shared driver of the splitting methods (ADMM, HQS and their plug-and-play versions) for
 * min_x ½‖Ax − y‖² + g(x):
 *
 *   x_{k+1} = argmin_x ½‖Ax − y‖² + (ρ_k/2)‖x − (z_k − u_k)‖²  =  (AᴴA + ρ_k I)⁻¹(Aᴴy + ρ_k(z_k − u_k))
 *   z_{k+1} = Z(x_{k+1} + u_k)            (prox_{g/ρ_k}, or a denoiser D(·, σ_k))
 *   u_{k+1} = u_k + x_{k+1} − z_{k+1}     (ADMM, scaled dual; HQS keeps u = 0)
 *
 * The x-update ("data step") is either a closed-form `normalSolve(rhs, ρ)` graph — then the whole
 * iteration is ONE compiled graph — or conjugate gradients (`cgStep` from ./cg.ts, ρ fed as a graph
 * input so nothing is recompiled when ρ changes) warm-started at the previous x, with `cg.maxIter`
 * inner iterations (default 10) and relative-residual tolerance `cg.tol` (default 1e-6; 0 = no
 * read-back), then one z/u-update graph.
 *
 * Closed forms exist when AᴴA is diagonal in a unitary basis (denoising, single-coil Cartesian MRI
 * A = M F, circular blur): see `unitaryDiagonalSolve`.
 *
 * @example
 *   // single-coil Cartesian MRI: AᴴA = Fᴴ M F  ⇒  (AᴴA + ρI)⁻¹ r = Fᴴ (F r ⊘ (M + ρ))
 *   const solve = unitaryDiagonalSolve((x) => fftc(x, [-3, -2]), (k) => ifftc(k, [-3, -2]), maskSym);
 */
import { MedreconError } from '../core/errors.js';
import type { DeviceTensor, Executor } from '../ir/executor.js';
import { type Sym, add, div, mul, sub } from '../ir/sym.js';
import { spec } from '../ir/trace.js';
import type { LinearOperator } from '../physics/operator.js';
import { type CgState, cgStep, dotReal } from './cg.js';
import { ITER_OPTION_KEYS, IterationLoop, type IterOptions, type TensorArg, positive, positiveInt, readScalar } from './loop.js';
import type { Prior } from './prior.js';
import { type Schedule, checkProblem, dispose, halfSq, onDevice, relChange, scalarT, scheduleAt } from './problem.js';
import type { ReconResult } from './types.js';

/** A closed-form solver of (AᴴA + ρI) x = rhs, as a graph (`rho` a scalar Sym). */
export type NormalSolve = (rhs: Sym, rho: Sym) => Sym;

/** Inner conjugate-gradient settings of the data step. */
export interface InnerCgOptions {
  /** CG iterations per outer iteration (default 10). */
  readonly maxIter?: number;
  /** Relative residual tolerance (default 1e-6). */
  readonly tol?: number;
}

/**
 * Closed-form data step when AᴴA = Uᴴ diag(d) U with U unitary:
 *   (AᴴA + ρI)⁻¹ r = Uᴴ( (U r) ⊘ (d + ρ) ),
 * `d` broadcast against U r (for complex U r [..., 2], give d without the trailing axis as [..., 1]).
 * @example unitaryDiagonalSolve((x) => fftc(x, [-3, -2]), (k) => ifftc(k, [-3, -2]), mask) // M F
 */
export function unitaryDiagonalSolve(U: (x: Sym) => Sym, Uh: (k: Sym) => Sym, d: Sym | number): NormalSolve {
  return (rhs, rho) => Uh(div(U(rhs), add(rho, d)));
}

/** The options ADMM and HQS share: the problem ½‖Ax − y‖² + g(x) and the data-step solver. */
export interface SplittingOptions extends IterOptions {
  readonly physics: LinearOperator;
  readonly y: TensorArg;
  /** g (default 0). */
  readonly prior?: Prior;
  /** Initial z (default Aᴴy). */
  readonly x0?: TensorArg;
  /** Closed-form solver of (AᴴA + ρI)x = rhs; default: conjugate gradients. */
  readonly normalSolve?: NormalSolve;
  /** Inner CG settings (default { maxIter: 10, tol: 1e-6 }). */
  readonly cg?: InnerCgOptions;
  /** Compute the objective each iteration (one more A; default true). */
  readonly objective?: boolean;
}

export const SPLITTING_OPTION_KEYS = [...ITER_OPTION_KEYS, 'physics', 'y', 'prior', 'x0', 'normalSolve', 'cg', 'objective'] as const;

export interface SplittingSpec {
  readonly method: string;
  readonly physics: LinearOperator;
  readonly y: TensorArg;
  readonly x0?: TensorArg;
  /** z-update Z(v; ρ, σ) as a graph (ρ, σ scalar Syms fed per iteration). */
  readonly zStep: (v: Sym, rho: Sym, sigma: Sym) => Sym;
  /** g(z) for the reported objective ½‖Az − y‖² + g(z) (omitted: objective not computed, NaN). */
  readonly value?: (z: Sym) => Sym;
  /** Report the objective (needs one more A per iteration; default true when `value` is given). */
  readonly objective: boolean;
  readonly rho: Schedule;
  readonly sigma?: Schedule;
  readonly dual: boolean;
  readonly normalSolve?: NormalSolve;
  readonly cg?: InnerCgOptions;
  readonly iter: IterOptions;
  readonly defaultMaxIter: number;
  /** Denoiser evaluations per iteration (for info.nfe). */
  readonly nfePerIter: number;
}

type Out = { x: DeviceTensor; z: DeviceTensor; u: DeviceTensor; rel: DeviceTensor; obj?: DeviceTensor };

/** Run ADMM (dual = true) or HQS (dual = false); see the module comment. */
export async function splitting(ex: Executor, s: SplittingSpec): Promise<ReconResult> {
  const A = s.physics;
  checkProblem(s.method, A, s.y, s.x0);
  const loop = new IterationLoop(s.method, s.iter, { maxIter: s.defaultMaxIter });
  const cgIter = positiveInt(s.method, 'cg.maxIter', s.cg?.maxIter ?? 10);
  const cgTol = positive(s.method, 'cg.tol', s.cg?.tol ?? 1e-6, true);
  if (s.normalSolve !== undefined && typeof s.normalSolve !== 'function') throw new MedreconError('INVALID_ARGUMENT', `${s.method}: normalSolve must be a function (rhs, rho) → x`);
  const xs = spec(A.inShape);
  const ys = spec(A.outShape);
  const sc = spec([]);
  const b = onDevice(ex, s.y);

  // z/u update after an x-update: shared by both data-step kinds.
  const zu = (x: Sym, z: Sym, u: Sym, rho: Sym, sigma: Sym, bv: Sym) => {
    const zn = s.zStep(s.dual ? add(x, u) : x, rho, sigma);
    const un = s.dual ? add(u, sub(x, zn)) : mul(u, 0);
    const out: Record<string, Sym> = { z: zn, u: un, rel: relChange(zn, z) };
    if (s.objective) {
      const f = halfSq(sub(A.forward(zn), bv));
      out.obj = s.value ? add(f, s.value(zn)) : f;
    }
    return out;
  };
  const init = ex.compile((bv: Sym) => {
    const Ahy = A.adjoint(bv);
    return { Ahy, z0: add(Ahy, 0), u0: mul(Ahy, 0) };
  }, [ys]);
  const i0 = (await init.run(b)) as { Ahy: DeviceTensor; z0: DeviceTensor; u0: DeviceTensor };
  const Ahy = i0.Ahy;
  let z: DeviceTensor = i0.z0;
  if (s.x0) {
    z.dispose();
    z = (await ex.compile((x: Sym) => add(x, 0), [xs]).run(s.x0)) as DeviceTensor;
  }
  let u: DeviceTensor = i0.u0;
  let x: DeviceTensor | undefined;

  const solve = s.normalSolve;
  const fused = solve
    ? ex.compile((z: Sym, u: Sym, Ahy: Sym, rho: Sym, sigma: Sym, bv: Sym) => {
        const rhs = add(Ahy, mul(s.dual ? sub(z, u) : z, rho));
        const x = solve(rhs, rho);
        return { x, ...zu(x, z, u, rho, sigma, bv) };
      }, [xs, xs, xs, sc, sc, ys])
    : undefined;
  // Inner CG on (AᴴA + ρI)x = Aᴴy + ρ(z − u), warm-started at the previous x; ρ is a graph input so
  // the init and step graphs are compiled once for the whole run (cgStep from ./cg.ts).
  const normal = (v: Sym, rho: Sym) => add(A.adjoint(A.forward(v)), mul(v, rho));
  const cgInit = ex.compile((x0: Sym, z: Sym, u: Sym, Ahy: Sym, rho: Sym) => {
    const rhs = add(Ahy, mul(s.dual ? sub(z, u) : z, rho));
    const r = sub(rhs, normal(x0, rho));
    return { st: { x: add(x0, 0), r, p: add(r, 0), rs: dotReal(r, r) }, bb: dotReal(rhs, rhs) };
  }, [xs, xs, xs, xs, sc]);
  const cgStepG = ex.compile((st: CgState, rho: Sym) => cgStep((v) => normal(v, rho), st), [{ x: xs, r: xs, p: xs, rs: sc }, sc]);
  type DevCg = { x: DeviceTensor; r: DeviceTensor; p: DeviceTensor; rs: DeviceTensor };
  const innerCg = async (x0: DeviceTensor, z: DeviceTensor, u: DeviceTensor, rhoT: ReturnType<typeof scalarT>): Promise<DeviceTensor> => {
    const o = (await cgInit.run(x0, z, u, Ahy, rhoT)) as unknown as { st: DevCg; bb: DeviceTensor };
    let st = o.st;
    const bb = cgTol > 0 ? await readScalar(o.bb) : 0;
    o.bb.dispose();
    for (let i = 0; i < cgIter; i++) {
      if (cgTol > 0 && (await readScalar(st.rs)) <= cgTol * cgTol * bb) break;
      const n = (await cgStepG.run(st, rhoT)) as unknown as DevCg;
      for (const t of Object.values(st)) t.dispose();
      st = n;
    }
    st.r.dispose();
    st.p.dispose();
    st.rs.dispose();
    return st.x;
  };
  const zuG = ex.compile(zu, [xs, xs, xs, sc, sc, ys]);

  let objective = Number.NaN;
  for (let k = 1; ; k++) {
    const rho = scheduleAt(s.rho, k - 1, `${s.method}: rho`);
    if (!(rho > 0)) throw new MedreconError('INVALID_ARGUMENT', `${s.method}: rho must be positive, got ${rho} at iteration ${k}`);
    const sigma = s.sigma === undefined ? 0 : scheduleAt(s.sigma, k - 1, `${s.method}: sigma`);
    let o: Out;
    if (fused) {
      o = (await fused.run(z, u, Ahy, scalarT(rho), scalarT(sigma), b)) as Out;
    } else {
      const xn = await innerCg(x ?? z, z, u, scalarT(rho));
      o = { x: xn, ...((await zuG.run(xn, z, u, scalarT(rho), scalarT(sigma), b)) as Omit<Out, 'x'>) };
    }
    loop.addNfe(s.nfePerIter);
    dispose(x);
    dispose(z);
    dispose(u);
    x = o.x;
    z = o.z;
    u = o.u;
    const rel = await readScalar(o.rel);
    objective = await readScalar(o.obj);
    o.rel.dispose();
    o.obj?.dispose();
    if (!Number.isFinite(rel)) throw new MedreconError('INVALID_ARGUMENT', `${s.method}: the iterate became non-finite at iteration ${k}`);
    const cur = z;
    if (await loop.step(k, objective, rel, () => cur.toHost())) break;
  }
  const image = await z.toHost();
  dispose(x);
  dispose(u);
  Ahy.dispose();
  return loop.result(image, objective);
}
