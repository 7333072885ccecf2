/**
 * Plug-and-play reconstruction: any `Denoiser` (classical — `tvDenoiser`, `waveletDenoiser` — or a
 * network) replaces the proximal step of a splitting algorithm for y = Ax + noise. Textbook forms
 * (Venkatakrishnan et al. 2013; Zhang et al. DPIR 2021), with σ_k the denoiser level at iteration k:
 *
 *   'hqs'   x = (AᴴA + ρ_k I)⁻¹(Aᴴy + ρ_k z),           z = D(x, σ_k)
 *   'admm'  x = (AᴴA + ρ_k I)⁻¹(Aᴴy + ρ_k(z − u)),      z = D(x + u, σ_k),   u += x − z
 *   'pgd'   x = D(x − γAᴴ(Ax − y), σ_k)
 *   'fista' v = x_k + β_k(x_k − x_{k−1}),  x_{k+1} = D(v − γAᴴ(Av − y), σ_k)   (FISTA momentum)
 *
 * Penalty: `rho` (a schedule) or the DPIR rule ρ_k = λ·σ_n²/σ_k² from `noiseLevel` σ_n and `lambda`
 * (default 0.23): for a prox-denoiser D_σ = prox_{σ²R} this is HQS on ½‖Ax − y‖² + λσ_n² R(x).
 * Step γ (pgd/fista): `step`, default 1/L with L ≈ ‖A‖² by power iteration.
 * The data step is CG (`cg` settings) or a closed-form `normalSolve` (one graph per iteration).
 *
 * Layout: the denoiser gets [N, C, H, W] (or [N, C, D, H, W]); `layout: 'auto'` maps the operator's
 * image shape to it — [N, C, H, W] as is, complex [N, C, H, W, 2] → [N, 2C, H, W] (re/im as
 * channels), [H, W, 2] → [1, 2, H, W], [H, W] → [1, 1, H, W], [C, H, W] → [1, C, H, W],
 * [N, C, D, H, W, 2] → [N, 2C, D, H, W] — or give `{ toDenoiser, fromDenoiser }` yourself.
 * `dataScale` s: the denoiser sees x/s with level σ_k/s (σ is quoted in the units of x).
 *
 * The result's objective is NaN (PnP minimises no explicit objective); `info.nfe` counts denoiser
 * calls; the relative change is ‖z_{k+1} − z_k‖/‖z_{k+1}‖ (x for pgd/fista).
 *
 * @example
 *   const r = await pnp(ex, { physics: A, y, denoiser: tvDenoiser(), algorithm: 'hqs',
 *                             sigma: logSchedule(0.1, 0.01, 20), noiseLevel: 0.01 });
 */
import { MedreconError, checkOptions } from '../core/errors.js';
import type { DeviceTensor, Executor } from '../ir/executor.js';
import { type Sym, add, div, mul, reshape, sub, transpose } from '../ir/sym.js';
import { spec } from '../ir/trace.js';
import type { Denoiser } from '../nn/denoiser.js';
import type { LinearOperator } from '../physics/operator.js';
import { ITER_OPTION_KEYS, IterationLoop, type IterOptions, type TensorArg, positive, readScalar } from './loop.js';
import { type Schedule, checkProblem, checkSchedule, dispose, lipschitz, onDevice, relChange, scalarT, scheduleAt } from './problem.js';
import { type InnerCgOptions, type NormalSolve, splitting } from './splitting.js';
import type { ReconResult } from './types.js';

export type PnpAlgorithm = 'hqs' | 'admm' | 'pgd' | 'fista';

/** Maps the operator's image layout to the denoiser's [N, C, ...] and back. */
export interface DenoiserLayout {
  toDenoiser(x: Sym): Sym;
  fromDenoiser(d: Sym): Sym;
}

export interface PnpOptions extends IterOptions {
  readonly physics: LinearOperator;
  readonly y: TensorArg;
  readonly denoiser: Denoiser;
  /** Default 'hqs'. */
  readonly algorithm?: PnpAlgorithm;
  /** Denoiser level σ_k (units of x): a constant, a list (e.g. `logSchedule`) or a function of k. */
  readonly sigma: Schedule;
  /** Penalty ρ_k for hqs/admm (overrides the DPIR rule). */
  readonly rho?: Schedule;
  /** Measurement noise level σ_n for the DPIR rule ρ_k = λσ_n²/σ_k². */
  readonly noiseLevel?: number;
  /** λ of the DPIR rule (default 0.23). */
  readonly lambda?: number;
  /** Gradient step γ for pgd/fista (default 1/‖A‖²). */
  readonly step?: number;
  /** Initial image (default Aᴴy). */
  readonly x0?: TensorArg;
  readonly normalSolve?: NormalSolve;
  readonly cg?: InnerCgOptions;
  readonly layout?: 'auto' | DenoiserLayout;
  /** The denoiser sees x / dataScale and σ / dataScale (default 1). */
  readonly dataScale?: number;
}

export const PNP_OPTION_KEYS = [...ITER_OPTION_KEYS, 'physics', 'y', 'denoiser', 'algorithm', 'sigma', 'rho', 'noiseLevel', 'lambda', 'step', 'x0', 'normalSolve', 'cg', 'layout', 'dataScale'] as const;

/**
 * The 'auto' layout for an image shape (see the module comment).
 * @example autoLayout([1, 1, 64, 64, 2]).toDenoiser(x).shape // [1, 2, 64, 64]
 */
export function autoLayout(shape: readonly number[]): DenoiserLayout {
  const r = shape.length;
  const id: DenoiserLayout = { toDenoiser: (x) => x, fromDenoiser: (d) => d };
  const last = shape[r - 1];
  if (r === 4 || (r === 5 && last !== 2)) return id;
  if ((r === 5 || r === 6) && last === 2) {
    // [N, C, ...sp, 2] → [N, C, 2, ...sp] → [N, 2C, ...sp]
    const sp = shape.slice(2, r - 1);
    const perm = [0, 1, r - 1, ...sp.map((_, i) => 2 + i)];
    const inv = [0, 1, ...sp.map((_, i) => 3 + i), 2];
    const [N, C] = [shape[0]!, shape[1]!];
    return {
      toDenoiser: (x) => reshape(transpose(x, perm), [N, 2 * C, ...sp]),
      fromDenoiser: (d) => transpose(reshape(d, [N, C, 2, ...sp]), inv),
    };
  }
  if (r === 3 && last === 2) {
    const [H, W] = [shape[0]!, shape[1]!];
    return { toDenoiser: (x) => reshape(transpose(x, [2, 0, 1]), [1, 2, H, W]), fromDenoiser: (d) => transpose(reshape(d, [2, H, W]), [1, 2, 0]) };
  }
  if (r === 2 || r === 3) return { toDenoiser: (x) => reshape(x, [1, ...(r === 2 ? [1] : []), ...shape]), fromDenoiser: (d) => reshape(d, shape) };
  throw new MedreconError('UNSUPPORTED', `pnp: no automatic denoiser layout for images of shape [${shape.join(', ')}]; pass layout: { toDenoiser, fromDenoiser }`);
}

/** Plug-and-play reconstruction (see the module comment). */
export async function pnp(executor: Executor, opts: PnpOptions): Promise<ReconResult> {
  checkOptions('pnp', opts, PNP_OPTION_KEYS);
  checkOptions('pnp cg', opts.cg, ['maxIter', 'tol']);
  const A = opts.physics;
  checkProblem('pnp', A, opts.y, opts.x0);
  const D = opts.denoiser;
  if (!D || typeof D.denoise !== 'function') throw new MedreconError('INVALID_ARGUMENT', 'pnp: denoiser must implement Denoiser (denoise(x, sigma))');
  const algorithm = opts.algorithm ?? 'hqs';
  if (!['hqs', 'admm', 'pgd', 'fista'].includes(algorithm)) throw new MedreconError('INVALID_ARGUMENT', `pnp: algorithm must be 'hqs', 'admm', 'pgd' or 'fista', got '${String(algorithm)}'`);
  const sigma = checkSchedule(opts.sigma, 'pnp: sigma');
  const scale = positive('pnp', 'dataScale', opts.dataScale ?? 1);
  const lay = opts.layout === undefined || opts.layout === 'auto' ? autoLayout(A.inShape) : opts.layout;
  const den = (v: Sym, s: Sym): Sym => {
    const d = D.denoise(lay.toDenoiser(scale === 1 ? v : div(v, scale)), scale === 1 ? s : div(s, scale));
    const o = lay.fromDenoiser(d);
    return scale === 1 ? o : mul(o, scale);
  };
  const defaultMaxIter = Array.isArray(sigma) ? sigma.length : 30;

  if (algorithm === 'hqs' || algorithm === 'admm') {
    let rho: Schedule;
    if (opts.rho !== undefined) rho = checkSchedule(opts.rho, 'pnp: rho');
    else {
      if (opts.noiseLevel === undefined) throw new MedreconError('INVALID_ARGUMENT', `pnp: ${algorithm} needs rho (a schedule) or noiseLevel (for ρ_k = λσ_n²/σ_k²)`);
      const sn = positive('pnp', 'noiseLevel', opts.noiseLevel);
      const lam = positive('pnp', 'lambda', opts.lambda ?? 0.23);
      rho = (k: number) => (lam * sn * sn) / scheduleAt(sigma, k, 'pnp: sigma') ** 2;
    }
    return splitting(executor, {
      method: `pnp-${algorithm}`,
      physics: A,
      y: opts.y,
      x0: opts.x0,
      zStep: (v, _rho, s) => den(v, s),
      objective: false,
      rho,
      sigma,
      dual: algorithm === 'admm',
      normalSolve: opts.normalSolve,
      cg: opts.cg,
      iter: opts,
      defaultMaxIter,
      nfePerIter: 1,
    });
  }

  // pgd / fista
  const ex = executor;
  const loop = new IterationLoop(`pnp-${algorithm}`, opts, { maxIter: defaultMaxIter });
  const gamma = opts.step !== undefined ? positive('pnp', 'step', opts.step) : 1 / (await lipschitz(ex, A));
  const xs = spec(A.inShape);
  const sc = spec([]);
  const step = ex.compile((x: Sym, xPrev: Sym, beta: Sym, s: Sym, b: Sym) => {
    const v = add(x, mul(sub(x, xPrev), beta));
    const g = A.adjoint(sub(A.forward(v), b));
    const xn = den(sub(v, mul(g, gamma)), s);
    return { x: xn, rel: relChange(xn, x) };
  }, [xs, xs, sc, sc, spec(A.outShape)]);
  const b = onDevice(ex, opts.y);
  let x = opts.x0
    ? ((await ex.compile((v: Sym) => add(v, 0), [xs]).run(opts.x0)) as DeviceTensor)
    : ((await ex.compile((bv: Sym) => A.adjoint(bv), [spec(A.outShape)]).run(b)) as DeviceTensor);
  let xPrev = x;
  let t = 1;
  for (let k = 1; ; k++) {
    let beta = 0;
    if (algorithm === 'fista' && k > 1) {
      const tn = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
      beta = (t - 1) / tn;
      t = tn;
    }
    const s = scheduleAt(sigma, k - 1, 'pnp: sigma');
    const o = (await step.run(x, xPrev, scalarT(beta), scalarT(s), b)) as { x: DeviceTensor; rel: DeviceTensor };
    loop.addNfe(1);
    if (xPrev !== x) dispose(xPrev);
    xPrev = x;
    x = o.x;
    const rel = await readScalar(o.rel);
    o.rel.dispose();
    if (!Number.isFinite(rel)) throw new MedreconError('INVALID_ARGUMENT', `pnp: the iterate became non-finite at iteration ${k}`);
    const cur = x;
    if (await loop.step(k, Number.NaN, rel, () => cur.toHost())) break;
  }
  const image = await x.toHost();
  if (xPrev !== x) dispose(xPrev);
  dispose(x);
  return loop.result(image, Number.NaN);
}
