/**
 * The iteration driver shared by the solvers of this folder: the stopping rule
 * `{ maxIter, tol, callback }`, per-iteration streaming `onIteration(record, getImage)`, the optional
 * trace, and the `ReconResult` bookkeeping (iterations, objective, wall time, why it stopped).
 *
 * Stopping: after iteration k the loop stops when k = maxIter, when the relative change
 * ‖x_k − x_{k−1}‖ / ‖x_k‖ ≤ tol (tol = 0 disables this test), or when `callback(record)` returns
 * `true` (checked in that order of precedence: callback, tolerance, maxIter).
 *
 * @example
 *   const loop = new IterationLoop('fista', opts, { maxIter: 100 });
 *   for (let k = 1; ; k++) {
 *     // ... one compiled step ...
 *     if (await loop.step(k, objective, relChange, () => x.toHost())) break;
 *   }
 *   return loop.result(await x.toHost());
 */
import { MedreconError } from '../core/errors.js';
import type { HostTensor } from '../core/tensor.js';
import type { DeviceTensor } from '../ir/executor.js';
import type { IterationRecord, ReconInfo, ReconResult } from './types.js';

/** A host tensor or a tensor already on the executor. */
export type TensorArg = HostTensor | DeviceTensor;

/**
 * Streams the state after each iteration. `getImage()` copies the current iterate to the host (only
 * call it when you need it: it costs a device → host copy). May be async; the loop awaits it.
 */
export type OnIteration = (record: IterationRecord, getImage: () => Promise<HostTensor>) => void | Promise<void>;

/** The stopping rule and streaming options every solver accepts. */
export interface IterOptions {
  /** Maximum number of (outer) iterations (a positive integer). */
  readonly maxIter?: number;
  /** Stop when the relative change ‖x_k − x_{k−1}‖/‖x_k‖ ≤ tol (0 = never; default 0). */
  readonly tol?: number;
  /** Called after each iteration with its record; return `true` to stop. */
  readonly callback?: (record: IterationRecord) => boolean | void;
  /** Streams each iteration's record and a lazy copy of the iterate. */
  readonly onIteration?: OnIteration;
  /** Keep every record in `info.trace` (default false). */
  readonly trace?: boolean;
}

export const ITER_OPTION_KEYS = ['maxIter', 'tol', 'callback', 'onIteration', 'trace'] as const;

/** Validate a positive finite number option. */
export function positive(where: string, name: string, v: unknown, allowZero = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new MedreconError('INVALID_ARGUMENT', `${where}: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} finite number, got ${String(v)}`, { [name]: v });
  }
  return v;
}

/** Validate a positive integer option. */
export function positiveInt(where: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new MedreconError('INVALID_ARGUMENT', `${where}: ${name} must be a positive integer, got ${String(v)}`, { [name]: v });
  }
  return v;
}

/** Runs the bookkeeping of an iterative solver (see the module comment). */
export class IterationLoop {
  readonly maxIter: number;
  readonly tol: number;
  private readonly t0 = performance.now();
  private readonly records: IterationRecord[] = [];
  private last: IterationRecord | undefined;
  private stoppedBy: ReconInfo['stoppedBy'] = 'maxIter';
  private nfe = 0;

  constructor(readonly method: string, private readonly opts: IterOptions, defaults: { maxIter: number }) {
    this.maxIter = positiveInt(method, 'maxIter', opts.maxIter ?? defaults.maxIter);
    this.tol = positive(method, 'tol', opts.tol ?? 0, true);
    if (opts.callback !== undefined && typeof opts.callback !== 'function') throw new MedreconError('INVALID_ARGUMENT', `${method}: callback must be a function`);
    if (opts.onIteration !== undefined && typeof opts.onIteration !== 'function') throw new MedreconError('INVALID_ARGUMENT', `${method}: onIteration must be a function`);
  }

  /** Count network (denoiser) evaluations for `info.nfe`. */
  addNfe(n = 1): void {
    this.nfe += n;
  }

  /** Milliseconds since the loop was created. */
  elapsed(): number {
    return performance.now() - this.t0;
  }

  /** Record iteration `k` (1-based); returns true when the loop must stop. */
  async step(k: number, objective: number, relChange: number, getImage: () => Promise<HostTensor>): Promise<boolean> {
    const rec: IterationRecord = { iteration: k, objective, relChange, elapsedMs: this.elapsed() };
    this.last = rec;
    if (this.opts.trace) this.records.push(rec);
    if (this.opts.onIteration) await this.opts.onIteration(rec, getImage);
    if (this.opts.callback?.(rec) === true) {
      this.stoppedBy = 'callback';
      return true;
    }
    if (this.tol > 0 && relChange <= this.tol) {
      this.stoppedBy = 'tolerance';
      return true;
    }
    if (k >= this.maxIter) {
      this.stoppedBy = 'maxIter';
      return true;
    }
    return false;
  }

  /** The result with `image`; `objective` overrides the last record's objective. */
  result(image: HostTensor, objective?: number): ReconResult {
    const info: ReconInfo = {
      method: this.method,
      iterations: this.last?.iteration ?? 0,
      nfe: this.nfe,
      wallMs: this.elapsed(),
      objective: objective ?? this.last?.objective ?? Number.NaN,
      stoppedBy: this.stoppedBy,
      ...(this.opts.trace ? { trace: this.records } : {}),
    };
    return { image, info };
  }
}

/** Read a scalar device tensor (or NaN when absent). */
export async function readScalar(t: DeviceTensor | undefined): Promise<number> {
  if (t === undefined) return Number.NaN;
  const h = await t.toHost();
  return h.data[0]!;
}

/** Dispose a device tensor unless it is one of `keep` (inputs owned by the caller). */
export function release(t: DeviceTensor | HostTensor | undefined, keep: readonly unknown[] = []): void {
  if (t === undefined || keep.includes(t)) return;
  if ('dispose' in t && typeof t.dispose === 'function') t.dispose();
}
