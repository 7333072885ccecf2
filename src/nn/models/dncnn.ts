/**
 * A small DnCNN-style denoiser without σ conditioning (Zhang et al. 2017, without batch norm):
 *
 *   r = conv_D ∘ (relu ∘ conv_{D−1}) ∘ … ∘ (relu ∘ conv_1) (x),   x̂ = x − r
 *
 * conv_1: C → F, conv_2..conv_{D−1}: F → F, conv_D: F → C, all 3×3 'same' with bias. The network
 * predicts the noise (residual learning). The last layer starts small (gain `lastGain`, 0.1 by
 * default) so the untrained model is close to the identity.
 *
 * @example
 *   const p = initDncnn(new Rng(0), { channels: 1, width: 32, depth: 5 });
 *   const denoised = dncnn(p, noisy);   // inside a traced function, noisy: Sym [N, 1, H, W]
 */
import { MedreconError, checkOptions } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import type { HostTensor } from '../../core/tensor.js';
import { type Sym, relu, sub } from '../../ir/sym.js';
import { type Conv2dParams, conv2d, initConv2d } from '../layers.js';

export type DncnnConfig = {
  /** Image channels C. */
  readonly channels: number;
  /** Feature width F. */
  readonly width: number;
  /** Number of conv layers D (≥ 2). */
  readonly depth: number;
  /** Std gain of the last layer's He init (default 0.1). */
  readonly lastGain?: number;
};

export type DncnnParams<T> = { readonly layers: readonly Conv2dParams<T>[] };

export function initDncnn(rng: Rng, cfg: DncnnConfig): DncnnParams<HostTensor> {
  checkOptions('initDncnn', cfg, ['channels', 'width', 'depth', 'lastGain']);
  const { channels: C, width: F, depth: D } = cfg;
  for (const [k, v] of [['channels', C], ['width', F], ['depth', D]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new MedreconError('INVALID_ARGUMENT', `initDncnn: ${k} must be a positive integer, got ${v}`);
  }
  if (D < 2) throw new MedreconError('INVALID_ARGUMENT', `initDncnn: depth must be ≥ 2, got ${D}`);
  const layers: Conv2dParams<HostTensor>[] = [];
  for (let i = 0; i < D; i++) {
    const inCh = i === 0 ? C : F;
    const outCh = i === D - 1 ? C : F;
    layers.push(initConv2d(rng.fork(i), inCh, outCh, 3, i === D - 1 ? { gain: cfg.lastGain ?? 0.1 } : {}));
  }
  return { layers };
}

/** The predicted noise r(x) (before the residual subtraction). */
export function dncnnResidual(p: DncnnParams<Sym>, x: Sym): Sym {
  let h = x;
  p.layers.forEach((l, i) => {
    h = conv2d(l, h);
    if (i < p.layers.length - 1) h = relu(h);
  });
  return h;
}

/** x̂ = x − r(x). x: [N, C, H, W]. */
export function dncnn(p: DncnnParams<Sym>, x: Sym): Sym {
  return sub(x, dncnnResidual(p, x));
}
