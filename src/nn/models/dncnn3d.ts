/**
 * A small DnCNN-style denoiser for volumes (Zhang et al. 2017 in 3-D, without batch norm):
 *
 *   r = conv_L ∘ (relu ∘ conv_{L−1}) ∘ … ∘ (relu ∘ conv_1) ([x; σ-map]),   x̂ = x − r
 *
 * x [N, C, D, H, W]. conv_1: C (+1 with `sigmaInput`) → F, conv_2..conv_{L−1}: F → F, conv_L: F → C,
 * all 3×3×3 'same' with bias. With `sigmaInput` the noise level σ (number, scalar Sym or Sym [N],
 * in the network's units) enters as a constant extra channel, as in FFDNet/DRUNet. The last layer
 * starts small (gain `lastGain`, 0.1 by default), so the untrained model is close to the identity.
 *
 * @example
 *   const p = initDncnn3d(new Rng(0), { channels: 1, width: 16, depth: 4 });
 *   const denoised = dncnn3d(p, noisy);   // inside a traced function, noisy: Sym [N, 1, D, H, W]
 */
import { MedreconError, checkOptions } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import type { HostTensor } from '../../core/tensor.js';
import { type Sym, concat, expand, full, isSym, relu, reshape, sub } from '../../ir/sym.js';
import { type Conv3dParams, check5d, conv3d, initConv3d } from '../layers3d.js';

export type Dncnn3dConfig = {
  /** Volume channels C. */
  readonly channels: number;
  /** Feature width F. */
  readonly width: number;
  /** Number of conv layers L (≥ 2). */
  readonly depth: number;
  /** Std gain of the last layer's He init (default 0.1). */
  readonly lastGain?: number;
  /** Take σ as an extra input channel (default false). */
  readonly sigmaInput?: boolean;
};

export type Dncnn3dParams<T> = { readonly layers: readonly Conv3dParams<T>[] };

export function initDncnn3d(rng: Rng, cfg: Dncnn3dConfig): Dncnn3dParams<HostTensor> {
  checkOptions('initDncnn3d', cfg, ['channels', 'width', 'depth', 'lastGain', 'sigmaInput']);
  const { channels: C, width: F, depth: L } = cfg;
  for (const [k, v] of [['channels', C], ['width', F], ['depth', L]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new MedreconError('INVALID_ARGUMENT', `initDncnn3d: ${k} must be a positive integer, got ${v}`);
  }
  if (L < 2) throw new MedreconError('INVALID_ARGUMENT', `initDncnn3d: depth must be ≥ 2, got ${L}`);
  const layers: Conv3dParams<HostTensor>[] = [];
  for (let i = 0; i < L; i++) {
    const inCh = i === 0 ? C + (cfg.sigmaInput ? 1 : 0) : F;
    const outCh = i === L - 1 ? C : F;
    layers.push(initConv3d(rng.fork(i), inCh, outCh, 3, i === L - 1 ? { gain: cfg.lastGain ?? 0.1 } : {}));
  }
  return { layers };
}

/** The σ map [N, 1, D, H, W] from a number, a scalar Sym or a Sym [N]. */
function sigmaMap(sigma: Sym | number, N: number, D: number, H: number, W: number): Sym {
  const shape = [N, 1, D, H, W];
  if (!isSym(sigma)) {
    if (!Number.isFinite(sigma)) throw new MedreconError('INVALID_ARGUMENT', `dncnn3d: sigma must be finite, got ${sigma}`);
    return full(shape, sigma);
  }
  if (sigma.rank === 0) return expand(reshape(sigma, [1, 1, 1, 1, 1]), shape);
  if (sigma.rank === 1 && sigma.shape[0] === N) return expand(reshape(sigma, [N, 1, 1, 1, 1]), shape);
  throw new MedreconError('SHAPE_MISMATCH', `dncnn3d: sigma must be a number, a scalar or [${N}], got [${sigma.shape.join(', ')}]`);
}

/** The predicted noise r(x) (before the residual subtraction). σ is required iff the model was built with `sigmaInput`. */
export function dncnn3dResidual(p: Dncnn3dParams<Sym>, x: Sym, sigma?: Sym | number): Sym {
  const [N, C, D, H, W] = check5d(x, 'dncnn3d');
  const first = p.layers[0]!.w.shape[1]!;
  const Cout = p.layers[p.layers.length - 1]!.w.shape[0]!;
  if (Cout !== C || (first !== C && first !== C + 1)) {
    throw new MedreconError('SHAPE_MISMATCH', `dncnn3d: model is for ${Cout} channels, got x [${x.shape.join(', ')}]`);
  }
  const wantsSigma = first === C + 1;
  if (wantsSigma && sigma === undefined) throw new MedreconError('INVALID_ARGUMENT', 'dncnn3d: this model takes σ as input (sigmaInput); pass sigma');
  if (!wantsSigma && sigma !== undefined) throw new MedreconError('INVALID_ARGUMENT', 'dncnn3d: sigma given but the model was built without sigmaInput');
  let h = wantsSigma ? concat([x, sigmaMap(sigma!, N, D, H, W)], 1) : x;
  p.layers.forEach((l, i) => {
    h = conv3d(l, h);
    if (i < p.layers.length - 1) h = relu(h);
  });
  return h;
}

/** x̂ = x − r(x[, σ]). x: [N, C, D, H, W]. */
export function dncnn3d(p: Dncnn3dParams<Sym>, x: Sym, sigma?: Sym | number): Sym {
  return sub(x, dncnn3dResidual(p, x, sigma));
}
