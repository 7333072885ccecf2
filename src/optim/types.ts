/**
 * Shared result types of reconstruction algorithms.
 *
 * A `Reconstructor` maps measurements to an image: `(y, physics, options) → { image, info }`, where
 * `info` carries the iteration (or NFE) count, wall time, the final objective when defined, why it
 * stopped, and — when asked — the per-iteration trace.
 */
import type { HostTensor } from '../core/tensor.js';

export interface IterationRecord {
  readonly iteration: number;
  /** Objective value when the algorithm defines one (NaN otherwise). */
  readonly objective: number;
  /** Relative change ‖x_k − x_{k−1}‖ / ‖x_k‖ (NaN when not computed). */
  readonly relChange: number;
  readonly elapsedMs: number;
}

export interface ReconInfo {
  readonly method: string;
  readonly iterations: number;
  /** Network evaluations (learned priors / diffusion); 0 for classical methods. */
  readonly nfe: number;
  readonly wallMs: number;
  readonly objective: number;
  readonly stoppedBy: 'maxIter' | 'tolerance' | 'callback';
  readonly trace?: readonly IterationRecord[];
}

export interface ReconResult {
  readonly image: HostTensor;
  readonly info: ReconInfo;
}
