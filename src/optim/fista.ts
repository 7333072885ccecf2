/**
 * FISTA (Beck & Teboulle 2009) for min_x ½‖Ax − y‖² + g(x), with backtracking:
 *
 *   v_k     = x_k + ((t_{k−1} − 1)/t_k)(x_k − x_{k−1}),   t_k = (1 + √(1 + 4t²_{k−1}))/2, t_0 = 1
 *   x_{k+1} = prox_{g/L}(v_k − Aᴴ(Av_k − y)/L)      (L ← ηL until f(x_{k+1}) ≤ Q_L(x_{k+1}, v_k))
 *
 * F(x_k) − F* = O(1/k²). A is applied once per iteration (Av is formed from the carried Ax_k and
 * Ax_{k−1}); one compiled graph per iteration; see ./forward-backward.ts.
 *
 * @example
 *   const { image, info } = await fista(ex, { physics: A, y, prior: tvPrior(0.01), maxIter: 100 });
 *   console.log(info.iterations, info.objective, info.wallMs);
 */
import type { Executor } from '../ir/executor.js';
import { type ForwardBackwardOptions, forwardBackward } from './forward-backward.js';
import type { ReconResult } from './types.js';

export type FistaOptions = ForwardBackwardOptions;

/** FISTA with backtracking (see the module comment). */
export function fista(executor: Executor, opts: FistaOptions): Promise<ReconResult> {
  return forwardBackward(executor, opts, true, 'fista');
}
