/**
 * Baseline DDPM U-Net, laid out as lucidrains' `denoising_diffusion_pytorch.Unet` (v1.8.x), the
 * 35.7 M-parameter baseline of the cU-Net paper's notebook (methods.md §1.3.5):
 *
 *   temb = Linear(4d→4d)(GELU(Linear(d→4d)(sin/cos_d(t))))               (d = dim)
 *   x = Conv7×7(C→dim) =: r
 *   per level (dim_in → dim_out, dims = [dim, dim·m₁, …]):
 *     x = R(x) → push; x = R(x); x = A(x) → push; x = down(x)            (last level: Conv3×3, no resampling)
 *   mid: x = R(x); x = FullAttn(x); x = R(x)
 *   per level, reversed: x = R(concat(x, pop)); x = R(concat(x, pop)); x = A(x); x = up(x)
 *   y = Conv1×1(R(concat(x, r)))
 * R: residual block ('lucidrains' post-norm FiLM or 'ddpm' pre-norm additive time), GroupNorm(groups);
 * A: linear attention, full softmax attention at the levels flagged in `fullAttn` (default: the last);
 * down: pixel-unshuffle 2×2 + Conv1×1; up: nearest ×2 + Conv3×3. All attention is residual.
 *
 * @example
 *   const cfg = { channels: 3, dim: 64, dimMults: [1, 2, 4, 8] };   // 35,710,339 parameters
 *   const p = initUnet(new Rng(0), cfg);
 *   const y = unet(p, x, t, cfg);                                  // x [N, 3, H, W], H, W divisible by 8
 */
import { MedreconError, checkOptions } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import type { HostTensor } from '../../core/tensor.js';
import { type Sym, concat } from '../../ir/sym.js';
import { type TimeMlpParams, initTimeMlp, sinusoidalEmbedding, timeMlp } from '../embedding.js';
import {
  type AttentionParams, type Conv2dParams, type LinearAttentionParams, type ResBlockKind, type ResBlockParams,
  attentionBlock, conv2d, initAttention, initConv2d, initLinearAttention, initResBlock, initUpsample, linearAttentionBlock,
  pixelUnshuffle, resBlock, upsample,
} from '../layers.js';

export type UnetConfig = {
  readonly channels: number;
  readonly outChannels?: number;
  /** Base width (64 in the reference). */
  readonly dim: number;
  /** Width multipliers per level (default [1, 2, 4, 8]). */
  readonly dimMults?: readonly number[];
  /** GroupNorm groups in the residual blocks (default 8). */
  readonly groups?: number;
  readonly attnHeads?: number;
  readonly attnDimHead?: number;
  /** Per level: full softmax attention (true) or linear attention (false). Default: only the last level. */
  readonly fullAttn?: readonly boolean[];
  /** Residual-block flavour (default 'lucidrains', which gives the reference count). */
  readonly block?: ResBlockKind;
};
type Resolved = Required<UnetConfig>;

export function resolveUnetConfig(cfg: UnetConfig): Resolved {
  checkOptions('unet', cfg, ['channels', 'outChannels', 'dim', 'dimMults', 'groups', 'attnHeads', 'attnDimHead', 'fullAttn', 'block']);
  const mults = cfg.dimMults ?? [1, 2, 4, 8];
  const r: Resolved = {
    channels: cfg.channels, outChannels: cfg.outChannels ?? cfg.channels, dim: cfg.dim, dimMults: mults, groups: cfg.groups ?? 8,
    attnHeads: cfg.attnHeads ?? 4, attnDimHead: cfg.attnDimHead ?? 32, fullAttn: cfg.fullAttn ?? mults.map((_, i) => i === mults.length - 1),
    block: cfg.block ?? 'lucidrains',
  };
  for (const k of ['channels', 'outChannels', 'dim', 'groups', 'attnHeads', 'attnDimHead'] as const) {
    if (!Number.isInteger(r[k]) || r[k] < 1) throw new MedreconError('INVALID_ARGUMENT', `unet: ${k} must be a positive integer, got ${r[k]}`);
  }
  if (mults.length < 1 || r.fullAttn.length !== mults.length) throw new MedreconError('INVALID_ARGUMENT', `unet: fullAttn needs one flag per level (${mults.length})`);
  if (r.dim % 2 || r.dim < 4) throw new MedreconError('INVALID_ARGUMENT', `unet: dim must be even and ≥ 4, got ${r.dim}`);
  return r;
}

type Attn<T> = AttentionParams<T> | LinearAttentionParams<T>;
export type UnetParams<T> = {
  readonly time: TimeMlpParams<T>;
  readonly initConv: Conv2dParams<T>;
  readonly downs: readonly { readonly b1: ResBlockParams<T>; readonly b2: ResBlockParams<T>; readonly attn: Attn<T>; readonly down: Conv2dParams<T> }[];
  readonly mid: { readonly b1: ResBlockParams<T>; readonly attn: AttentionParams<T>; readonly b2: ResBlockParams<T> };
  readonly ups: readonly { readonly b1: ResBlockParams<T>; readonly b2: ResBlockParams<T>; readonly attn: Attn<T>; readonly up: Conv2dParams<T> }[];
  readonly final: ResBlockParams<T>;
  readonly finalConv: Conv2dParams<T>;
};

export function initUnet(rng: Rng, cfg: UnetConfig): UnetParams<HostTensor> {
  const r = resolveUnetConfig(cfg);
  const dims = [r.dim, ...r.dimMults.map((m) => r.dim * m)];
  const L = r.dimMults.length;
  const T = 4 * r.dim;
  const rb = (k: number, i: number, o: number) => initResBlock(rng.fork(k), i, o, T, r.block);
  const at = (k: number, c: number, full: boolean) => (full ? initAttention : initLinearAttention)(rng.fork(k), c, r.attnHeads, r.attnDimHead);
  const downs = Array.from({ length: L }, (_, i) => {
    const [a, b] = [dims[i]!, dims[i + 1]!];
    return {
      b1: rb(100 + 4 * i, a, a), b2: rb(101 + 4 * i, a, a), attn: at(102 + 4 * i, a, r.fullAttn[i]!),
      down: i < L - 1 ? initConv2d(rng.fork(103 + 4 * i), 4 * a, b, 1, { gain: 1 }) : initConv2d(rng.fork(103 + 4 * i), a, b, 3, { gain: 1 }),
    };
  });
  const m = dims[L]!;
  const ups = Array.from({ length: L }, (_, j) => {
    const i = L - 1 - j;
    const [a, b] = [dims[i]!, dims[i + 1]!];
    return {
      b1: rb(300 + 4 * j, b + a, b), b2: rb(301 + 4 * j, b + a, b), attn: at(302 + 4 * j, b, r.fullAttn[i]!),
      up: i > 0 ? initUpsample(rng.fork(303 + 4 * j), b, a) : initConv2d(rng.fork(303 + 4 * j), b, a, 3, { gain: 1 }),
    };
  });
  return {
    time: initTimeMlp(rng.fork(1), r.dim, T),
    initConv: initConv2d(rng.fork(2), r.channels, r.dim, 7, { gain: 1 }),
    downs,
    mid: { b1: rb(200, m, m), attn: initAttention(rng.fork(201), m, r.attnHeads, r.attnDimHead), b2: rb(202, m, m) },
    ups,
    final: rb(3, 2 * r.dim, r.dim),
    finalConv: initConv2d(rng.fork(4), r.dim, r.outChannels, 1, { gain: 1 }),
  };
}

/** U-Net forward: x [N, C, H, W] (H, W divisible by 2^(levels−1)), t [N] → [N, outC, H, W]. */
export function unet(p: UnetParams<Sym>, x: Sym, t: Sym, cfg: UnetConfig): Sym {
  const r = resolveUnetConfig(cfg);
  const L = r.dimMults.length;
  const [N, C, H, W] = x.shape as [number, number, number, number];
  if (x.rank !== 4 || C !== r.channels) throw new MedreconError('SHAPE_MISMATCH', `unet: expected x [N, ${r.channels}, H, W], got [${x.shape.join(', ')}]`);
  const f = 2 ** (L - 1);
  if (H % f || W % f) throw new MedreconError('SHAPE_MISMATCH', `unet: H, W (${H}×${W}) must be divisible by ${f}`);
  if (t.rank !== 1 || t.shape[0] !== N) throw new MedreconError('SHAPE_MISMATCH', `unet: t must be [${N}], got [${t.shape.join(', ')}]`);
  const temb = timeMlp(p.time, sinusoidalEmbedding(t, r.dim, 'halves'));
  const R = (q: ResBlockParams<Sym>, h: Sym) => resBlock(q, h, temb, r.block, r.groups);
  const A = (q: Attn<Sym>, h: Sym) => ('outNorm' in q ? linearAttentionBlock(q, h, r.attnHeads) : attentionBlock(q, h, r.attnHeads));
  let h = conv2d(p.initConv, x);
  const res = h;
  const stack: Sym[] = [];
  p.downs.forEach((d, i) => {
    h = R(d.b1, h);
    stack.push(h);
    h = A(d.attn, R(d.b2, h));
    stack.push(h);
    h = i < L - 1 ? conv2d(d.down, pixelUnshuffle(h, 2)) : conv2d(d.down, h);
  });
  h = R(p.mid.b2, attentionBlock(p.mid.attn, R(p.mid.b1, h), r.attnHeads));
  p.ups.forEach((u, j) => {
    h = R(u.b1, concat([h, stack.pop()!], 1));
    h = A(u.attn, R(u.b2, concat([h, stack.pop()!], 1)));
    h = j < L - 1 ? upsample(u.up, h) : conv2d(u.up, h);
  });
  return conv2d(p.finalConv, R(p.final, concat([h, res], 1)));
}
