/**
 * Proximal gradient descent (ISTA / forward–backward) for min_x ½‖Ax − y‖² + g(x):
 *
 *   x_{k+1} = prox_{g/L}(x_k − Aᴴ(Ax_k − y)/L),
 *
 * with L ≥ ‖A‖² estimated by power iteration (or given), and the Beck–Teboulle backtracking rule
 * (L ← ηL until f(x_{k+1}) ≤ f(x_k) + ⟨x_{k+1} − x_k, ∇f(x_k)⟩ + (L/2)‖x_{k+1} − x_k‖²). F(x_k) is
 * non-increasing; F(x_k) − F* = O(1/k). One compiled graph per iteration; see ./forward-backward.ts.
 *
 * @example
 *   const { image, info } = await pgd(ex, { physics: A, y, prior: l1Prior(0.05), maxIter: 200, tol: 1e-6 });
 */
import type { Executor } from '../ir/executor.js';
import { type ForwardBackwardOptions, forwardBackward } from './forward-backward.js';
import type { ReconResult } from './types.js';

export type PgdOptions = ForwardBackwardOptions;

/** Proximal gradient descent (see the module comment). */
export function pgd(executor: Executor, opts: PgdOptions): Promise<ReconResult> {
  return forwardBackward(executor, opts, false, 'pgd');
}
