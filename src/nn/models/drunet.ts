/**
 * A DRUNet-like σ-conditional denoiser (Zhang et al. 2021, "Plug-and-Play Image Restoration with
 * Deep Denoiser Prior"), bias-free, without normalisation — the workhorse of plug-and-play:
 *
 *   m = σ / r  (r = width of the data range), broadcast to a constant channel [N, 1, H, W]
 *   h₀ = head([x; m])                                         3×3 conv, C+1 → w₀
 *   for level l = 0 … L−2:  s_l = h_l;  h_{l+1} = down_l(B_l(h_l))      B: blocksPerLevel residual blocks,
 *                                                                         down: 2×2 stride-2 conv w_l → w_{l+1}
 *   h = B_body(h_{L−1})
 *   for l = L−2 … 0:        h = B'_l(up_l(h + h_{l+1}))           up: 2×2 stride-2 transposed conv w_{l+1} → w_l
 *   y = tail(h + h₀)                                          3×3 conv, w₀ → C
 *
 * A residual block is R(h) = h + conv₂(relu(conv₁(h))) (3×3, w → w). The network predicts the clean
 * image directly (as DRUNet does) unless configured otherwise. H and W must be divisible by
 * 2^(L−1), L = widths.length.
 *
 * Output parametrisations (config): plain (x̂ = F), `residual` (x̂ = x + F), and
 * `preconditioning: 'edm'` (Karras et al. 2022, "Elucidating the Design Space of Diffusion-Based
 * Generative Models", §5): with s = σ/r and σ_d = `sigmaData`,
 *   x̂ = c_skip·x + c_out·F(c_in·x, c_noise),  c_skip = σ_d²/(s² + σ_d²),  c_out = s·σ_d/√(s² + σ_d²),
 *   c_in = 1/√(s² + σ_d²),  and the noise map carries c_noise = ln(max(s, 10⁻⁴))/4 instead of s.
 * At s → 0 the denoiser is exactly the identity, and any error of F is scaled by c_out ∝ s — the
 * network cannot damage a nearly clean image, which is what plug-and-play's late iterations need.
 *
 * @example
 *   const p = initDrunet(new Rng(0), { channels: 1, widths: [16, 32, 64, 128], blocksPerLevel: 2 });
 *   const y = drunet(p, noisy, 0.05);          // inside a traced function, noisy: Sym [N, 1, H, W]
 *   const d = drunetDenoiser(p, { dataRange: 'unit' });   // d.denoise(x, sigma)
 */
import { MedreconError, checkOptions } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import type { HostTensor } from '../../core/tensor.js';
import { type Sym, add, concat, convTranspose, expand, full, isSym, maximum, mul, reciprocal, relu, reshape } from '../../ir/sym.js';
import type { DataRange, Denoiser } from '../denoiser.js';
import { type Conv2dParams, conv2d, initConv2d } from '../layers.js';
import { kaimingNormal } from '../params.js';

export type DrunetConfig = {
  /** Image channels C (1 magnitude, 2 complex re/im). */
  readonly channels: number;
  /** Feature widths per level, e.g. [16, 32, 64, 128] (L = widths.length levels). */
  readonly widths: readonly number[];
  /** Residual blocks per level (and in the body), ≥ 0 (DRUNet: 4). */
  readonly blocksPerLevel: number;
  /** Std gain of each block's second conv (default 0.1, so untrained blocks are near the identity). */
  readonly blockGain?: number;
  /**
   * Predict the residual: y = x + tail(…) instead of y = tail(…) (default false, as DRUNet). With a
   * short training budget this removes the error floor at low σ (the identity is free).
   */
  readonly residual?: boolean;
  /** 'edm': Karras et al.'s preconditioning (see the file header); excludes `residual`. */
  readonly preconditioning?: 'none' | 'edm';
  /** σ_d of the 'edm' preconditioning, in normalised units (default 0.25, about the std of [0, 1] images). */
  readonly sigmaData?: number;
};

/** c_out of the 'edm' preconditioning for s = σ/r (Sym [N] or number); the trainer's loss weight is 1/c_out². */
export function edmOutputScale(s: Sym, sigmaData: number): Sym {
  return s.mul(sigmaData).div(s.square().add(sigmaData * sigmaData).sqrt());
}

export type DrunetBlockParams<T> = { readonly conv1: Conv2dParams<T>; readonly conv2: Conv2dParams<T> };
export type DrunetParams<T> = {
  readonly head: Conv2dParams<T>;
  readonly downs: readonly { readonly blocks: readonly DrunetBlockParams<T>[]; readonly down: Conv2dParams<T> }[];
  readonly body: readonly DrunetBlockParams<T>[];
  /** Ordered from the deepest level up: ups[0] maps w_{L−1} → w_{L−2}. */
  readonly ups: readonly { readonly up: { readonly w: T }; readonly blocks: readonly DrunetBlockParams<T>[] }[];
  readonly tail: Conv2dParams<T>;
};

function validate(who: string, cfg: DrunetConfig): void {
  checkOptions(who, cfg, ['channels', 'widths', 'blocksPerLevel', 'blockGain', 'residual', 'preconditioning', 'sigmaData']);
  if (cfg.preconditioning !== undefined && cfg.preconditioning !== 'none' && cfg.preconditioning !== 'edm') {
    throw new MedreconError('INVALID_ARGUMENT', `${who}: preconditioning must be 'none' or 'edm', got ${String(cfg.preconditioning)}`);
  }
  if (cfg.preconditioning === 'edm' && cfg.residual) throw new MedreconError('INVALID_ARGUMENT', `${who}: residual and preconditioning 'edm' exclude each other`);
  if (cfg.sigmaData !== undefined && !(cfg.sigmaData > 0 && Number.isFinite(cfg.sigmaData))) throw new MedreconError('INVALID_ARGUMENT', `${who}: sigmaData must be > 0, got ${cfg.sigmaData}`);
  if (!Number.isInteger(cfg.channels) || cfg.channels < 1) throw new MedreconError('INVALID_ARGUMENT', `${who}: channels must be a positive integer, got ${cfg.channels}`);
  if (!Array.isArray(cfg.widths) || cfg.widths.length < 1 || cfg.widths.some((w) => !Number.isInteger(w) || w < 1)) {
    throw new MedreconError('INVALID_ARGUMENT', `${who}: widths must be a non-empty list of positive integers, got [${String(cfg.widths)}]`);
  }
  if (!Number.isInteger(cfg.blocksPerLevel) || cfg.blocksPerLevel < 0) throw new MedreconError('INVALID_ARGUMENT', `${who}: blocksPerLevel must be an integer ≥ 0, got ${cfg.blocksPerLevel}`);
}

const bias = { bias: false } as const;

export function initDrunet(rng: Rng, cfg: DrunetConfig): DrunetParams<HostTensor> {
  validate('initDrunet', cfg);
  const { channels: C, widths: ws, blocksPerLevel: B } = cfg;
  const g2 = cfg.blockGain ?? 0.1;
  const blocks = (k: number, w: number) => Array.from({ length: B }, (_, b) => ({
    conv1: initConv2d(rng.fork(k * 100 + 2 * b), w, w, 3, bias),
    conv2: initConv2d(rng.fork(k * 100 + 2 * b + 1), w, w, 3, { ...bias, gain: g2 }),
  }));
  const L = ws.length;
  const downs = Array.from({ length: L - 1 }, (_, l) => ({
    blocks: blocks(10 + l, ws[l]!),
    down: initConv2d(rng.fork(30 + l), ws[l]!, ws[l + 1]!, 2, { ...bias, gain: 1 }),
  }));
  const ups = Array.from({ length: L - 1 }, (_, j) => {
    const l = L - 2 - j;
    return { up: { w: kaimingNormal(rng.fork(50 + j), [ws[l + 1]!, ws[l]!, 2, 2], 1) }, blocks: blocks(60 + j, ws[l]!) };
  });
  return {
    head: initConv2d(rng.fork(1), C + 1, ws[0]!, 3, { ...bias, gain: 1 }),
    downs,
    body: blocks(2, ws[L - 1]!),
    ups,
    tail: initConv2d(rng.fork(3), ws[0]!, C, 3, { ...bias, gain: 1 }),
  };
}

function block(p: DrunetBlockParams<Sym>, h: Sym): Sym {
  return add(h, conv2d(p.conv2, relu(conv2d(p.conv1, h))));
}

/** The noise-level map [N, 1, H, W] from σ: a number, a scalar Sym, or a Sym [N]. */
export function noiseLevelMap(sigma: Sym | number, N: number, H: number, W: number): Sym {
  if (!isSym(sigma)) {
    if (!Number.isFinite(sigma)) throw new MedreconError('INVALID_ARGUMENT', `drunet: sigma must be finite, got ${sigma}`);
    return full([N, 1, H, W], sigma);
  }
  if (sigma.rank === 0) return expand(reshape(sigma, [1, 1, 1, 1]), [N, 1, H, W]);
  if (sigma.rank === 1 && sigma.shape[0] === N) return expand(reshape(sigma, [N, 1, 1, 1]), [N, 1, H, W]);
  throw new MedreconError('SHAPE_MISMATCH', `drunet: sigma must be a number, a scalar or [${N}], got [${sigma.shape.join(', ')}]`);
}

/**
 * Forward pass: x [N, C, H, W], σ (number, scalar Sym or Sym [N], already in the network's
 * normalised units — see `drunetDenoiser` for the data-range scaling) → x̂ [N, C, H, W].
 */
export function drunet(p: DrunetParams<Sym>, x: Sym, sigma: Sym | number, opts: DrunetForwardOptions = {}): Sym {
  const L = p.downs.length + 1;
  const C = p.tail.w.shape[0]!;
  const [N, Cx, H, W] = x.shape as [number, number, number, number];
  if (x.rank !== 4 || Cx !== C) throw new MedreconError('SHAPE_MISMATCH', `drunet: expected x [N, ${C}, H, W], got [${x.shape.join(', ')}]`);
  const f = 2 ** (L - 1);
  if (H % f || W % f) throw new MedreconError('SHAPE_MISMATCH', `drunet: H, W (${H}×${W}) must be divisible by ${f}`);
  if (opts.preconditioning === 'edm') return edmForward(p, x, sigma, opts.sigmaData ?? 0.25);
  return core(p, x, noiseLevelMap(sigma, N, H, W), opts.residual ?? false);
}

export type DrunetForwardOptions = { readonly residual?: boolean; readonly preconditioning?: 'none' | 'edm'; readonly sigmaData?: number };

/** The forward options a config implies. */
export function drunetForwardOptions(cfg: DrunetConfig): DrunetForwardOptions {
  return { residual: cfg.residual ?? false, preconditioning: cfg.preconditioning ?? 'none', sigmaData: cfg.sigmaData ?? 0.25 };
}

function edmForward(p: DrunetParams<Sym>, x: Sym, sigma: Sym | number, sd: number): Sym {
  const [N, , H, W] = x.shape as [number, number, number, number];
  const s = noiseLevelMap(sigma, N, 1, 1); // [N, 1, 1, 1]
  const v = s.square().add(sd * sd);
  const cSkip = reciprocal(v).mul(sd * sd);
  const cOut = edmOutputScale(s, sd);
  const cIn = reciprocal(v.sqrt());
  const cNoise = expand(maximum(s, 1e-4).log().mul(0.25), [N, 1, H, W]);
  const F = core(p, x.mul(cIn), cNoise, false);
  return x.mul(cSkip).add(F.mul(cOut));
}

function core(p: DrunetParams<Sym>, x: Sym, map: Sym, residual: boolean): Sym {
  let h = conv2d(p.head, concat([x, map], 1));
  const skips: Sym[] = [h];
  p.downs.forEach((d) => {
    for (const b of d.blocks) h = block(b, h);
    h = conv2d(d.down, h, { stride: 2, padding: 0 });
    skips.push(h);
  });
  for (const b of p.body) h = block(b, h);
  p.ups.forEach((u) => {
    h = convTranspose(add(h, skips.pop()!), u.up.w, { stride: 2 });
    for (const b of u.blocks) h = block(b, h);
  });
  const y = conv2d(p.tail, add(h, skips.pop()!));
  return residual ? add(x, y) : y;
}

/** Width r of a data range ('unit' → 1, 'signed' → 2, {min, max} → max − min). */
export function dataRangeWidth(r: DataRange): number {
  if (r === 'unit') return 1;
  if (r === 'signed') return 2;
  const w = r.max - r.min;
  if (!(w > 0)) throw new MedreconError('INVALID_ARGUMENT', `dataRangeWidth: max must exceed min, got [${r.min}, ${r.max}]`);
  return w;
}

/**
 * The `Denoiser` view of DRUNet parameters: denoise(x, σ) = drunet(p, x, σ / r), where σ is in the
 * data's units and r is the width of `dataRange` (so the network always sees σ relative to [0, 1]).
 * @example drunetDenoiser(p, { dataRange: 'unit' }).denoise(x, 0.05)
 */
export function drunetDenoiser(params: DrunetParams<Sym>, opts: { readonly dataRange: DataRange; readonly name?: string } & DrunetForwardOptions): Denoiser {
  checkOptions('drunetDenoiser', opts, ['dataRange', 'name', 'residual', 'preconditioning', 'sigmaData']);
  const r = dataRangeWidth(opts.dataRange);
  return {
    name: opts.name ?? 'drunet',
    dataRange: opts.dataRange,
    denoise: (x, sigma) => drunet(params, x, r === 1 ? sigma : isSym(sigma) ? mul(sigma, 1 / r) : sigma / r, opts),
  };
}
