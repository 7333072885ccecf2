/**
 * 3-D layers over volumes x [N, C, D, H, W] (NCDHW), as pure functions of explicit parameter trees,
 * each with an `init*` that builds the host tree. They mirror the 2-D layers of `layers.ts`.
 *
 * - conv3d({w, b}, x): y[n, o] = Σ_c w[o, c] ⋆ x[n, c] + b[o] (cross-correlation, PyTorch Conv3d);
 *   w [O, C/groups, kd, kh, kw]; padding 'same' by default (stride 1 convention, as conv2d).
 * - convTranspose3d({w, b}, x): the adjoint of a strided conv3d plus bias (PyTorch ConvTranspose3d);
 *   w [C, O/groups, kd, kh, kw]; default kernel 2, stride 2 → exact ×2 up-sampling.
 * - groupNorm3d / instanceNorm3d: (x − μ)/√(σ² + eps)·g[c] + b[c], statistics per (n, group) resp.
 *   (n, c) over the channels of the group and all D·H·W positions.
 * - film3d: y = x·(1 + scale[n, c]) + shift[n, c], (scale | shift) = Linear(SiLU(temb)).
 * - avgPool3d: mean over kd×kh×kw windows (default 2×2×2, stride = kernel).
 * - upsampleNearest3d / downsampleNearest3d: repeat each voxel f³ times / keep voxel (f·i, f·j, f·k).
 * - resizeTrilinear / upsampleTrilinear3d / downsampleTrilinear3d: separable linear interpolation
 *   with PyTorch `interpolate(mode='trilinear', align_corners)` coordinates (default false:
 *   src = (dst + ½)·in/out − ½, clamped at 0). No antialiasing: ×½ with align_corners false is the
 *   2×2×2 average.
 * - pixelUnshuffle3d / pixelShuffle3d: space-to-depth [N, C, D, H, W] ↔ [N, C·r³, D/r, H/r, W/r],
 *   channel index ((c·r + i)·r + j)·r + k (einops '(c p1 p2 p3)').
 * - resBlock3d: h = act(FiLM(norm1(conv1 x), temb)); h = act(norm2(conv2 h)); y = skip(x) + h.
 *
 * @example
 *   const p = initConv3d(rng, 1, 8, 3);
 *   const y = conv3d(p, x);                          // x [N, 1, D, H, W] → [N, 8, D, H, W]
 *   const u = upsampleTrilinear3d(y);                // [N, 8, 2D, 2H, 2W]
 */
import type { Rng } from '../core/rng.js';
import { MedreconError } from '../core/errors.js';
import { type HostTensor, tensor } from '../core/tensor.js';
import { groupNorm, instanceNorm, linearInterpMatrix, upsampleNearest } from '../ir/composite.js';
import { type ConvOptions, type Sym, add, avgPool, constant, conv, convTranspose, matmul, reshape, slice, transpose } from '../ir/sym.js';
import {
  type ActivationName, type Conv2dParams, type LinearParams, type NormKind, type NormParams, activation, applyNorm, film, initFilm, initNormKind,
} from './layers.js';
import { zerosInit } from './params.js';

/** `{ w, b }` or `{ w }` with w [O, C/groups, kd, kh, kw] (the same tree shape as Conv2dParams). */
export type Conv3dParams<T> = Conv2dParams<T>;
/** `{ w, b }` or `{ w }` with w [C, O/groups, kd, kh, kw], b [O]. */
export type ConvTranspose3dParams<T> = Conv2dParams<T>;
/** Kernel size: one number for a cube, or [kd, kh, kw]. */
export type Kernel3 = number | readonly [number, number, number];

const biasOf = <T>(p: { readonly w: T; readonly b: T } | { readonly w: T }): T | undefined => ('b' in p ? p.b : undefined);
const kernel3 = (k: Kernel3, who: string): [number, number, number] => {
  const kk: [number, number, number] = typeof k === 'number' ? [k, k, k] : [k[0], k[1], k[2]];
  if (kk.some((v) => !Number.isInteger(v) || v < 1)) throw new MedreconError('INVALID_ARGUMENT', `${who}: bad kernel size ${JSON.stringify(k)}`);
  return kk;
};
const positive = (v: number, what: string, who: string): void => {
  if (!Number.isInteger(v) || v < 1) throw new MedreconError('INVALID_ARGUMENT', `${who}: ${what} must be a positive integer, got ${v}`);
};

/** Throws SHAPE_MISMATCH unless x is [N, C, D, H, W]. */
export function check5d(x: Sym, who: string): [number, number, number, number, number] {
  if (x.rank !== 5) throw new MedreconError('SHAPE_MISMATCH', `${who}: expected a volume [N, C, D, H, W], got [${x.shape.join(', ')}]`);
  return x.shape as [number, number, number, number, number];
}
const biasAdd = (y: Sym, b: Sym | undefined): Sym => (b ? add(y, reshape(b, [1, b.shape[0]!, 1, 1, 1])) : y);

// ==================================================================== convolutions

/**
 * 3-D convolution with optional bias: y = conv(x, w) + b. `opts` as for conv2d (stride, padding —
 * number, per-axis [pd, ph, pw], explicit [bd, bh, bw, ed, eh, ew] or 'same' (default) —, dilation,
 * groups). @example conv3d(p, x, { stride: 2, padding: 1 })
 */
export function conv3d(p: Conv3dParams<Sym>, x: Sym, opts: ConvOptions = {}): Sym {
  check5d(x, 'conv3d');
  if (p.w.rank !== 5) throw new MedreconError('SHAPE_MISMATCH', `conv3d: weight must be [O, C/g, kd, kh, kw], got [${p.w.shape.join(', ')}]`);
  return biasAdd(conv(x, p.w, { padding: 'same', ...opts }), biasOf(p));
}

/**
 * He-normal weights [outCh, inCh/groups, kd, kh, kw] (std gain/√(inCh/groups·kd·kh·kw), gain √2
 * by default), zero bias [outCh] unless `bias: false`. @example initConv3d(rng, 1, 16, 3)
 */
export function initConv3d(rng: Rng, inCh: number, outCh: number, k: Kernel3 = 3, opts: { bias?: boolean; gain?: number; groups?: number } = {}): Conv3dParams<HostTensor> {
  const g = opts.groups ?? 1;
  positive(inCh, 'inCh', 'initConv3d');
  positive(outCh, 'outCh', 'initConv3d');
  positive(g, 'groups', 'initConv3d');
  if (inCh % g || outCh % g) throw new MedreconError('INVALID_ARGUMENT', `initConv3d: ${inCh} → ${outCh} channels are not divisible into ${g} groups`);
  const kk = kernel3(k, 'initConv3d');
  const fanIn = (inCh / g) * kk[0] * kk[1] * kk[2];
  const w = rng.normalTensor([outCh, inCh / g, ...kk], 0, (opts.gain ?? Math.SQRT2) / Math.sqrt(fanIn));
  return opts.bias === false ? { w } : { w, b: zerosInit([outCh]) };
}

export type ConvTranspose3dOptions = {
  /** default 2 */
  readonly stride?: number | readonly number[];
  /** default 0; number, per-axis or explicit [b..., e...] */
  readonly padding?: number | readonly number[];
  readonly outputPadding?: number | readonly number[];
  readonly dilation?: number | readonly number[];
  readonly groups?: number;
};

/**
 * Transposed 3-D convolution with optional bias (PyTorch ConvTranspose3d): output size per axis
 * (i − 1)·s − pb − pe + dl·(k − 1) + op + 1; stride 2, kernel 2, no padding doubles D, H, W.
 * @example convTranspose3d(initConvTranspose3d(rng, 16, 8), h)   // [N, 16, D, H, W] → [N, 8, 2D, 2H, 2W]
 */
export function convTranspose3d(p: ConvTranspose3dParams<Sym>, x: Sym, opts: ConvTranspose3dOptions = {}): Sym {
  check5d(x, 'convTranspose3d');
  if (p.w.rank !== 5) throw new MedreconError('SHAPE_MISMATCH', `convTranspose3d: weight must be [C, O/g, kd, kh, kw], got [${p.w.shape.join(', ')}]`);
  return biasAdd(convTranspose(x, p.w, { stride: 2, ...opts }), biasOf(p));
}

/**
 * Weights [inCh, outCh/groups, kd, kh, kw] ~ N(0, gain²/fanIn) with the effective fan-in of one
 * output voxel, fanIn = (inCh/groups)·kd·kh·kw/(sd·sh·sw) (= inCh/groups for kernel = stride),
 * zero bias [outCh] unless `bias: false`. Default kernel 2, stride 2, gain 1.
 */
export function initConvTranspose3d(
  rng: Rng, inCh: number, outCh: number, k: Kernel3 = 2, opts: { bias?: boolean; gain?: number; groups?: number; stride?: number } = {},
): ConvTranspose3dParams<HostTensor> {
  const g = opts.groups ?? 1;
  positive(inCh, 'inCh', 'initConvTranspose3d');
  positive(outCh, 'outCh', 'initConvTranspose3d');
  positive(g, 'groups', 'initConvTranspose3d');
  if (inCh % g || outCh % g) throw new MedreconError('INVALID_ARGUMENT', `initConvTranspose3d: ${inCh} → ${outCh} channels are not divisible into ${g} groups`);
  const kk = kernel3(k, 'initConvTranspose3d');
  const s = opts.stride ?? 2;
  const fanIn = Math.max(1, ((inCh / g) * kk[0] * kk[1] * kk[2]) / s ** 3);
  const w = rng.normalTensor([inCh, outCh / g, ...kk], 0, (opts.gain ?? 1) / Math.sqrt(fanIn));
  return opts.bias === false ? { w } : { w, b: zerosInit([outCh]) };
}

// ==================================================================== norms and FiLM

/** GroupNorm over [N, C, D, H, W]: statistics per (n, group) over C/groups channels and D·H·W. p from `initNorm(C)`. */
export function groupNorm3d(p: NormParams<Sym>, x: Sym, groups: number, eps = 1e-5): Sym {
  check5d(x, 'groupNorm3d');
  return groupNorm(x, groups, eps, p.g, p.b);
}

/** InstanceNorm over [N, C, D, H, W]: statistics per (n, c) over D·H·W; affine when `p` is given. */
export function instanceNorm3d(x: Sym, p?: NormParams<Sym>, eps = 1e-5): Sym {
  check5d(x, 'instanceNorm3d');
  return instanceNorm(x, eps, p?.g, p?.b);
}

/**
 * FiLM on a volume: (scale, shift) = split(Linear(SiLU(temb))), y = x·(1 + scale) + shift per
 * (n, c). p.w [Dt, 2C] (zero-initialised by `initFilm3d`, so an untrained FiLM is the identity).
 * @example film3d(p, h, temb)   // h [N, C, D, H, W], temb [N, Dt]
 */
export function film3d(p: LinearParams<Sym>, x: Sym, temb: Sym): Sym {
  const [N, C] = check5d(x, 'film3d');
  if (temb.rank !== 2 || temb.shape[0] !== N) throw new MedreconError('SHAPE_MISMATCH', `film3d: temb must be [${N}, Dt], got [${temb.shape.join(', ')}]`);
  if (p.w.shape[1] !== 2 * C) throw new MedreconError('SHAPE_MISMATCH', `film3d: weight [${p.w.shape.join(', ')}] does not give 2·${C} outputs`);
  return film(p, x, temb);
}
/** Zero FiLM parameters for Dt-dimensional embeddings and C channels. */
export function initFilm3d(Dt: number, C: number): LinearParams<HostTensor> {
  return initFilm(Dt, C);
}

// ==================================================================== pooling and resampling

/** Average pooling over D, H, W (default 2×2×2, stride = kernel, no padding). @example avgPool3d(x) */
export function avgPool3d(x: Sym, kernel: Kernel3 = 2, opts: { stride?: number | readonly number[]; padding?: number | readonly number[]; countIncludePad?: boolean } = {}): Sym {
  check5d(x, 'avgPool3d');
  return avgPool(x, kernel3(kernel, 'avgPool3d'), opts);
}

/** Nearest up-sampling by an integer factor per axis (each voxel repeated). @example upsampleNearest3d(x) // ×2 */
export function upsampleNearest3d(x: Sym, factor: number | readonly [number, number, number] = 2): Sym {
  check5d(x, 'upsampleNearest3d');
  return upsampleNearest(x, factor);
}

/**
 * Nearest down-sampling by an integer factor f (PyTorch 'nearest' at scale 1/f: src = f·dst):
 * y[.., i, j, k] = x[.., f·i, f·j, f·k], output ⌊D/f⌋ × ⌊H/f⌋ × ⌊W/f⌋.
 */
export function downsampleNearest3d(x: Sym, factor: number | readonly [number, number, number] = 2): Sym {
  const sp = check5d(x, 'downsampleNearest3d').slice(2);
  const f = kernel3(factor, 'downsampleNearest3d');
  if (sp.some((d, i) => d < f[i]!)) throw new MedreconError('SHAPE_MISMATCH', `downsampleNearest3d: volume ${sp.join('×')} smaller than factor ${f.join('×')}`);
  return slice(x, [null, null, ...sp.map((d, i) => [0, Math.floor(d / f[i]!) * f[i]!, f[i]!] as const)]);
}

/**
 * Trilinear resize of x [N, C, D, H, W] to [oD, oH, oW] as three constant interpolation matrices
 * (PyTorch `interpolate(mode='trilinear', align_corners)` coordinates; axes of unchanged size are
 * left alone): y = R_D ×_D R_H ×_H R_W ×_W x. @example resizeTrilinear(x, [32, 64, 64])
 */
export function resizeTrilinear(x: Sym, size: readonly [number, number, number], opts: { alignCorners?: boolean } = {}): Sym {
  const [N, C, D, H, W] = check5d(x, 'resizeTrilinear');
  const [oD, oH, oW] = size;
  if ([oD, oH, oW].some((v) => !Number.isInteger(v) || v < 1)) throw new MedreconError('INVALID_ARGUMENT', `resizeTrilinear: bad size ${JSON.stringify(size)}`);
  const ac = opts.alignCorners ?? false;
  const mat = (i: number, o: number) => constant(tensor([o, i], linearInterpMatrix(i, o, ac)));
  let y = x;
  if (oW !== W) {
    const m = linearInterpMatrix(W, oW, ac); // [oW, W] → its transpose [W, oW]
    const t = new Float32Array(W * oW);
    for (let o = 0; o < oW; o++) for (let i = 0; i < W; i++) t[i * oW + o] = m[o * W + i]!;
    y = matmul(y, constant(tensor([W, oW], t)));
  }
  if (oH !== H) y = matmul(mat(H, oH), y);
  if (oD !== D) y = reshape(matmul(mat(D, oD), reshape(y, [N, C, D, oH * oW])), [N, C, oD, oH, oW]);
  return y;
}

/** Trilinear ×f up-sampling (default ×2, align_corners false). */
export function upsampleTrilinear3d(x: Sym, factor = 2, opts: { alignCorners?: boolean } = {}): Sym {
  const [, , D, H, W] = check5d(x, 'upsampleTrilinear3d');
  positive(factor, 'factor', 'upsampleTrilinear3d');
  return resizeTrilinear(x, [D * factor, H * factor, W * factor], opts);
}

/** Trilinear ×½ down-sampling to ⌊D/2⌋ × ⌊H/2⌋ × ⌊W/2⌋ (align_corners false: on even sizes, the 2×2×2 mean). */
export function downsampleTrilinear3d(x: Sym, opts: { alignCorners?: boolean } = {}): Sym {
  const [, , D, H, W] = check5d(x, 'downsampleTrilinear3d');
  if (D < 2 || H < 2 || W < 2) throw new MedreconError('SHAPE_MISMATCH', `downsampleTrilinear3d: volume ${D}×${H}×${W} too small to halve`);
  return resizeTrilinear(x, [Math.floor(D / 2), Math.floor(H / 2), Math.floor(W / 2)], opts);
}

/** Space-to-depth: [N, C, D, H, W] → [N, C·r³, D/r, H/r, W/r], channel ((c·r + i)·r + j)·r + k. */
export function pixelUnshuffle3d(x: Sym, r = 2): Sym {
  const [N, C, D, H, W] = check5d(x, 'pixelUnshuffle3d');
  positive(r, 'r', 'pixelUnshuffle3d');
  if (D % r || H % r || W % r) throw new MedreconError('SHAPE_MISMATCH', `pixelUnshuffle3d: ${D}×${H}×${W} not divisible by ${r}`);
  const y = transpose(reshape(x, [N, C, D / r, r, H / r, r, W / r, r]), [0, 1, 3, 5, 7, 2, 4, 6]);
  return reshape(y, [N, C * r ** 3, D / r, H / r, W / r]);
}

/** Depth-to-space, the inverse of pixelUnshuffle3d: [N, C·r³, D, H, W] → [N, C, rD, rH, rW]. */
export function pixelShuffle3d(x: Sym, r = 2): Sym {
  const [N, Cr, D, H, W] = check5d(x, 'pixelShuffle3d');
  positive(r, 'r', 'pixelShuffle3d');
  if (Cr % r ** 3) throw new MedreconError('SHAPE_MISMATCH', `pixelShuffle3d: ${Cr} channels not divisible by ${r}³`);
  const C = Cr / r ** 3;
  const y = transpose(reshape(x, [N, C, r, r, r, D, H, W]), [0, 1, 5, 2, 6, 3, 7, 4]);
  return reshape(y, [N, C, D * r, H * r, W * r]);
}

// ==================================================================== residual block

/** Options shared by `initResBlock3d` and `resBlock3d` (pass the same values to both). */
export type ResBlock3dOptions = {
  /** 'group' (affine GroupNorm, default), 'instance' (no affine) or 'none'. */
  readonly norm?: NormKind;
  /** GroupNorm groups (default 8, capped at the channel count). */
  readonly groups?: number;
  /** default 'silu' */
  readonly act?: ActivationName;
};

export type ResBlock3dParams<T> = {
  readonly conv1: Conv3dParams<T>;
  readonly norm1: NormParams<T> | Record<string, never>;
  readonly conv2: Conv3dParams<T>;
  readonly norm2: NormParams<T> | Record<string, never>;
  readonly skip?: Conv3dParams<T>;
  readonly film?: LinearParams<T>;
};

/**
 * 3×3×3 convs (He init), norms per `opts.norm`, a 1×1×1 skip conv when inCh ≠ outCh, and a
 * zero-initialised FiLM when `tembDim` is given. @example initResBlock3d(rng, 8, 16, { tembDim: 32 })
 */
export function initResBlock3d(rng: Rng, inCh: number, outCh: number, opts: ResBlock3dOptions & { readonly tembDim?: number } = {}): ResBlock3dParams<HostTensor> {
  const kind = opts.norm ?? 'group';
  const p: ResBlock3dParams<HostTensor> = {
    conv1: initConv3d(rng.fork(0), inCh, outCh, 3),
    norm1: initNormKind(kind, outCh),
    conv2: initConv3d(rng.fork(1), outCh, outCh, 3),
    norm2: initNormKind(kind, outCh),
  };
  const skip = inCh !== outCh ? { skip: initConv3d(rng.fork(2), inCh, outCh, 1, { gain: 1 }) } : {};
  if (opts.tembDim !== undefined) positive(opts.tembDim, 'tembDim', 'initResBlock3d');
  const f = opts.tembDim !== undefined ? { film: initFilm3d(opts.tembDim, outCh) } : {};
  return { ...p, ...skip, ...f };
}

/**
 * Residual block on [N, C, D, H, W]: h = act(FiLM(norm1(conv1(x)), temb)) (FiLM only when p.film),
 * h = act(norm2(conv2(h))), y = skip(x) + h, skip a 1×1×1 conv or the identity.
 * @example resBlock3d(p, x, temb)   // temb [N, Dt] needed iff the block has FiLM
 */
export function resBlock3d(p: ResBlock3dParams<Sym>, x: Sym, temb?: Sym, opts: ResBlock3dOptions = {}): Sym {
  check5d(x, 'resBlock3d');
  const kind = opts.norm ?? 'group';
  const act = opts.act ?? 'silu';
  const groups = opts.groups ?? 8;
  if (p.film && !temb) throw new MedreconError('INVALID_ARGUMENT', 'resBlock3d: this block has FiLM parameters and needs temb');
  if (!p.film && temb) throw new MedreconError('INVALID_ARGUMENT', 'resBlock3d: temb given but the block has no FiLM parameters (init with tembDim)');
  let h = applyNorm(kind, p.norm1, conv3d(p.conv1, x), groups);
  if (p.film && temb) h = film3d(p.film, h, temb);
  h = activation(act, h);
  h = activation(act, applyNorm(kind, p.norm2, conv3d(p.conv2, h), groups));
  return add(p.skip ? conv3d(p.skip, x) : x, h);
}
