/**
 * Learning-rate schedules as host functions of the step k (0-based), feeding the train step's `lr`
 * input (a graph input, so nothing recompiles):
 *
 *   warm-up (k < W):     η_k = η · (k + 1)/W
 *   cosine  (W ≤ k < K): η_k = η_min + ½ (η − η_min)(1 + cos(π (k − W)/(K − W)))
 *   after   (k ≥ K):     η_k = η_min
 *
 * with η = baseLr, W = warmupSteps (0 for none), K = totalSteps.
 *
 * @example
 *   const lr = warmupCosine({ baseLr: 1e-3, warmupSteps: 100, totalSteps: 10_000 });
 *   for (let k = 0; k < 10_000; k++) await ts.step(p, s, batch, lr(k));
 */
import { MedreconError, checkOptions } from '../core/errors.js';

export interface WarmupCosineOptions {
  readonly baseLr: number;
  readonly warmupSteps?: number;
  readonly totalSteps: number;
  readonly minLr?: number;
}

/** Linear warm-up then cosine decay to `minLr` (see the module comment). */
export function warmupCosine(opts: WarmupCosineOptions): (step: number) => number {
  checkOptions('warmupCosine', opts, ['baseLr', 'warmupSteps', 'totalSteps', 'minLr']);
  const { baseLr, totalSteps } = opts;
  const W = opts.warmupSteps ?? 0;
  const minLr = opts.minLr ?? 0;
  if (!(baseLr > 0) || !Number.isFinite(baseLr)) throw new MedreconError('INVALID_ARGUMENT', `warmupCosine: baseLr must be > 0, got ${baseLr}`);
  if (!(minLr >= 0 && minLr <= baseLr)) throw new MedreconError('INVALID_ARGUMENT', `warmupCosine: minLr must be in [0, baseLr], got ${minLr}`);
  if (!Number.isInteger(W) || W < 0) throw new MedreconError('INVALID_ARGUMENT', `warmupCosine: warmupSteps must be an integer ≥ 0, got ${W}`);
  if (!Number.isInteger(totalSteps) || totalSteps <= W) throw new MedreconError('INVALID_ARGUMENT', `warmupCosine: totalSteps must be an integer > warmupSteps (${W}), got ${totalSteps}`);
  return (k: number) => {
    if (!Number.isInteger(k) || k < 0) throw new MedreconError('INVALID_ARGUMENT', `warmupCosine: step must be an integer ≥ 0, got ${k}`);
    if (k < W) return (baseLr * (k + 1)) / W;
    if (k >= totalSteps) return minLr;
    return minLr + 0.5 * (baseLr - minLr) * (1 + Math.cos((Math.PI * (k - W)) / (totalSteps - W)));
  };
}

/** Linear warm-up to `baseLr` over `warmupSteps`, then constant. @example linearWarmup(1e-3, 10)(4) // 5e-4 */
export function linearWarmup(baseLr: number, warmupSteps: number): (step: number) => number {
  if (!(baseLr > 0)) throw new MedreconError('INVALID_ARGUMENT', `linearWarmup: baseLr must be > 0, got ${baseLr}`);
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) throw new MedreconError('INVALID_ARGUMENT', `linearWarmup: warmupSteps must be an integer ≥ 0, got ${warmupSteps}`);
  return (k: number) => (k < warmupSteps ? (baseLr * (k + 1)) / warmupSteps : baseLr);
}
