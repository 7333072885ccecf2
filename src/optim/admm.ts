/**
 * ADMM (scaled form) for min_x ½‖Ax − y‖² + g(x), split as x = z:
 *
 *   x_{k+1} = (AᴴA + ρI)⁻¹(Aᴴy + ρ(z_k − u_k))     (CG warm-started at x_k, or a closed form)
 *   z_{k+1} = prox_{g/ρ}(x_{k+1} + u_k)
 *   u_{k+1} = u_k + x_{k+1} − z_{k+1}
 *
 * Converges for any ρ > 0 (convex g); the returned image is z. The reported objective is
 * ½‖Az − y‖² + g(z); the relative change is ‖z_{k+1} − z_k‖/‖z_{k+1}‖. z starts at x0 (default Aᴴy),
 * u at 0. With `normalSolve` one iteration is one compiled graph; see ./splitting.ts.
 *
 * @example
 *   const { image } = await admm(ex, { physics: A, y, prior: tvPrior(0.01), rho: 0.1, maxIter: 50, cg: { maxIter: 5 } });
 */
import { checkOptions } from '../core/errors.js';
import type { Executor } from '../ir/executor.js';
import { div } from '../ir/sym.js';
import { zeroPrior } from './prior.js';
import { checkSchedule, type Schedule } from './problem.js';
import { SPLITTING_OPTION_KEYS, type SplittingOptions, splitting } from './splitting.js';
import type { ReconResult } from './types.js';

export interface AdmmOptions extends SplittingOptions {
  /** Penalty ρ > 0: a constant (default 1) or a schedule over iterations. */
  readonly rho?: Schedule;
}

export const ADMM_OPTION_KEYS = [...SPLITTING_OPTION_KEYS, 'rho'] as const;

/** ADMM (see the module comment). */
export async function admm(executor: Executor, opts: AdmmOptions): Promise<ReconResult> {
  checkOptions('admm', opts, ADMM_OPTION_KEYS);
  checkOptions('admm cg', opts.cg, ['maxIter', 'tol']);
  const prior = opts.prior ?? zeroPrior();
  return splitting(executor, {
    method: 'admm',
    physics: opts.physics,
    y: opts.y,
    x0: opts.x0,
    zStep: (v, rho) => prior.prox(v, div(1, rho)),
    value: prior.value?.bind(prior),
    objective: opts.objective ?? true,
    rho: checkSchedule(opts.rho ?? 1, 'admm: rho'),
    dual: true,
    normalSolve: opts.normalSolve,
    cg: opts.cg,
    iter: opts,
    defaultMaxIter: 100,
    nfePerIter: 0,
  });
}
