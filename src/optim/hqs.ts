/**
 * Half-quadratic splitting for min_x ½‖Ax − y‖² + g(x): alternately minimise
 * ½‖Ax − y‖² + (μ/2)‖x − z‖² + g(z) over x and z, with μ_k increasing (a schedule):
 *
 *   x_{k+1} = (AᴴA + μ_k I)⁻¹(Aᴴy + μ_k z_k)     (CG warm-started, or a closed form)
 *   z_{k+1} = prox_{g/μ_k}(x_{k+1})
 *
 * With μ_k → ∞ the iterates approach a minimiser; for a fixed μ they converge to the minimiser of
 * the relaxed problem. The image is z; objective ½‖Az − y‖² + g(z). See ./splitting.ts.
 *
 * @example
 *   const { image } = await hqs(ex, { physics: A, y, prior: waveletPrior(0.01), mu: logSchedule(0.01, 10, 30) });
 */
import { checkOptions } from '../core/errors.js';
import type { Executor } from '../ir/executor.js';
import { div } from '../ir/sym.js';
import { zeroPrior } from './prior.js';
import { checkSchedule, type Schedule } from './problem.js';
import { SPLITTING_OPTION_KEYS, type SplittingOptions, splitting } from './splitting.js';
import type { ReconResult } from './types.js';

export interface HqsOptions extends SplittingOptions {
  /** Penalty μ_k > 0: a constant (default 1) or a schedule (list / function of the iteration). */
  readonly mu?: Schedule;
}

export const HQS_OPTION_KEYS = [...SPLITTING_OPTION_KEYS, 'mu'] as const;

/** Half-quadratic splitting (see the module comment). */
export async function hqs(executor: Executor, opts: HqsOptions): Promise<ReconResult> {
  checkOptions('hqs', opts, HQS_OPTION_KEYS);
  checkOptions('hqs cg', opts.cg, ['maxIter', 'tol']);
  const prior = opts.prior ?? zeroPrior();
  const mu = checkSchedule(opts.mu ?? 1, 'hqs: mu');
  return splitting(executor, {
    method: 'hqs',
    physics: opts.physics,
    y: opts.y,
    x0: opts.x0,
    zStep: (v, m) => prior.prox(v, div(1, m)),
    value: prior.value?.bind(prior),
    objective: opts.objective ?? true,
    rho: mu,
    dual: false,
    normalSolve: opts.normalSolve,
    cg: opts.cg,
    iter: opts,
    defaultMaxIter: Array.isArray(mu) ? mu.length : 50,
    nfePerIter: 0,
  });
}
