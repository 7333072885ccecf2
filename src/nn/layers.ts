/**
 * Layers as pure functions of (params, x) over Sym; each comes with an `init*` that builds the
 * host parameter tree.
 *
 * - conv2d({w, b}, x): y = w ⋆ x + b (cross-correlation, 'same' padding by default), x [N, C, H, W],
 *   w [O, C, k, k], b [O].
 * - linear({w, b}, x): y = x @ w + b, w [in, out].
 *
 * @example
 *   const p = initConv2d(rng, 1, 16, 3);
 *   const y = conv2d(p, x);                    // [N, 16, H, W]
 */
import type { Rng } from '../core/rng.js';
import type { HostTensor } from '../core/tensor.js';
import { MedreconError } from '../core/errors.js';
import { tensor } from '../core/tensor.js';
import { gelu, groupNorm, instanceNorm, leakyRelu, scaledDotProductAttention, silu, softmax, upsampleNearest } from '../ir/composite.js';
import {
  type ConvOptions, type Sym, add, avgPool, concat, conv, constant, cos, matmul, maximum, mul, relu, reshape, sin, sliceAxis, softplus, sqrt, sum, transpose,
} from '../ir/sym.js';
import { kaimingNormal, zerosInit } from './params.js';

/** `{ w, b }` or `{ w }` (a type alias, not an interface, so it is assignable to `Tree<T>`). */
export type Conv2dParams<T> = { readonly w: T; readonly b: T } | { readonly w: T };
export type LinearParams<T> = { readonly w: T; readonly b: T } | { readonly w: T };

const biasOf = <T>(p: { readonly w: T; readonly b: T } | { readonly w: T }): T | undefined => ('b' in p ? p.b : undefined);

/** 2-D convolution with bias; `opts.padding` defaults to 'same' (stride 1). */
export function conv2d(p: Conv2dParams<Sym>, x: Sym, opts: ConvOptions = {}): Sym {
  const y = conv(x, p.w, { padding: 'same', ...opts });
  const b = biasOf(p);
  return b ? add(y, reshape(b, [1, b.shape[0]!, 1, 1])) : y;
}

/** He-normal weights (gain `gain`, √2 for ReLU), zero bias. */
export function initConv2d(rng: Rng, inCh: number, outCh: number, k = 3, opts: { bias?: boolean; gain?: number } = {}): Conv2dParams<HostTensor> {
  const w = kaimingNormal(rng, [outCh, inCh, k, k], opts.gain ?? Math.SQRT2);
  return opts.bias === false ? { w } : { w, b: zerosInit([outCh]) };
}

/** Dense layer y = x @ w + b. */
export function linear(p: LinearParams<Sym>, x: Sym): Sym {
  const y = matmul(x, p.w);
  const b = biasOf(p);
  return b ? add(y, b) : y;
}

export function initLinear(rng: Rng, inF: number, outF: number, opts: { bias?: boolean; gain?: number } = {}): LinearParams<HostTensor> {
  const w = kaimingNormal(rng, [inF, outF], opts.gain ?? Math.SQRT2);
  return opts.bias === false ? { w } : { w, b: zerosInit([outF]) };
}

// ==================================================================== norms, embeddings, blocks
//
// Every layer below is a pure function of (params, x) over Sym, with an `init*` building the host
// tree. Images are NCHW; time/noise embeddings are [N, D].


/** Point-wise activations selectable by name. */
export type ActivationName = 'softplus' | 'relu' | 'silu' | 'leakyRelu' | 'gelu' | 'sine';

/** act(x) for a named activation (leakyRelu slope 0.01; sine = sin(x)). @example activation('silu', x) */
export function activation(name: ActivationName, x: Sym): Sym {
  switch (name) {
    case 'softplus': return softplus(x);
    case 'relu': return relu(x);
    case 'silu': return silu(x);
    case 'leakyRelu': return leakyRelu(x, 0.01);
    case 'gelu': return gelu(x);
    case 'sine': return sin(x);
    default: throw new MedreconError('INVALID_ARGUMENT', `activation: unknown activation '${String(name)}'`);
  }
}

/** Affine norm parameters: per-channel weight g and bias b, both [C]. */
export type NormParams<T> = { readonly g: T; readonly b: T };

/** g = 1, b = 0 over C channels. */
export function initNorm(C: number): NormParams<HostTensor> {
  return { g: tensor([C], new Float32Array(C).fill(1)), b: zerosInit([C]) };
}

/**
 * GroupNorm layer: y = (x − μ_g)/√(σ²_g + eps) · g[c] + b[c], statistics per (sample, group) over
 * the group's channels and all positions (PyTorch nn.GroupNorm). @example groupNormLayer(p, x, 8)
 */
export function groupNormLayer(p: NormParams<Sym>, x: Sym, groups: number, eps = 1e-5): Sym {
  return groupNorm(x, groups, eps, p.g, p.b);
}

/** RMS norm over channels (lucidrains): y = x/max(‖x[:, ·, i, j]‖₂, 1e-12) · g[c] · √C. g: [C]. */
export function rmsNorm2d(p: { readonly g: Sym }, x: Sym): Sym {
  const C = x.shape[1]!;
  const n = sqrt(sum(mul(x, x), [1], true));
  const y = x.div(maximum(n, 1e-12));
  return mul(y, mul(reshape(p.g, [1, C, ...x.shape.slice(2).map(() => 1)]), Math.sqrt(C)));
}

/** Norm choice of the cU-Net ODE functions. 'instance' has no parameters; 'group' is affine. */
export type NormKind = 'instance' | 'group' | 'none';

export function initNormKind(kind: NormKind, C: number): NormParams<HostTensor> | Record<string, never> {
  return kind === 'group' ? initNorm(C) : {};
}
/** Apply the norm `kind` (instance: per-channel, no affine; group: GroupNorm(groups) affine). */
export function applyNorm(kind: NormKind, p: NormParams<Sym> | Record<string, never>, x: Sym, groups = 8): Sym {
  if (kind === 'none') return x;
  if (kind === 'instance') return instanceNorm(x, 1e-5);
  const q = p as NormParams<Sym>;
  return groupNorm(x, Math.min(groups, x.shape[1]!), 1e-5, q.g, q.b);
}

/**
 * FiLM: (scale, shift) = split(Linear(SiLU(temb))), y = x·(1 + scale) + shift, per channel.
 * p.w: [D, 2C]. Zero-initialised, so an untrained FiLM is the identity.
 * @example film(p, h, temb)   // h [N, C, H, W], temb [N, D]
 */
export function film(p: LinearParams<Sym>, x: Sym, temb: Sym): Sym {
  const C = x.shape[1]!;
  const N = temb.shape[0]!;
  const ss = linear(p, silu(temb));
  const ones = x.shape.slice(2).map(() => 1);
  const scale = reshape(sliceAxis(ss, 1, 0, C), [N, C, ...ones]);
  const shift = reshape(sliceAxis(ss, 1, C, 2 * C), [N, C, ...ones]);
  return add(mul(x, add(scale, 1)), shift);
}
export function initFilm(D: number, C: number): LinearParams<HostTensor> {
  return { w: zerosInit([D, 2 * C]), b: zerosInit([2 * C]) };
}

/** Split [N, heads·d, H, W] into [N, heads, H·W, d]. */
function toHeads(x: Sym, heads: number): Sym {
  const [N, HD, H, W] = x.shape as [number, number, number, number];
  return transpose(reshape(x, [N, heads, HD / heads, H * W]), [0, 1, 3, 2]);
}

/**
 * Multi-head spatial self-attention block (residual): n = RMSNorm(x); q,k,v = split(Conv1×1(n)) into
 * `heads` heads of `dimHead` over the H·W positions; a = softmax(q kᵀ/√d) v; y = x + Conv1×1(a).
 * qkv conv has no bias; params: g [C], qkv [3·h·d, C, 1, 1], out {w [C, h·d, 1, 1], b [C]}.
 * @example attentionBlock(p, x, 4)   // x [N, C, H, W]
 */
export type AttentionParams<T> = { readonly norm: { readonly g: T }; readonly qkv: Conv2dParams<T>; readonly out: Conv2dParams<T> };
export function initAttention(rng: Rng, C: number, heads = 4, dimHead = 32): AttentionParams<HostTensor> {
  const hd = heads * dimHead;
  return {
    norm: { g: tensor([C], new Float32Array(C).fill(1)) },
    qkv: initConv2d(rng.fork(0), C, 3 * hd, 1, { bias: false, gain: 1 }),
    out: initConv2d(rng.fork(1), hd, C, 1, { gain: 1 }),
  };
}
export function attentionBlock(p: AttentionParams<Sym>, x: Sym, heads = 4): Sym {
  const [N, , H, W] = x.shape as [number, number, number, number];
  const qkv = conv2d(p.qkv, rmsNorm2d(p.norm, x));
  const hd = qkv.shape[1]! / 3;
  const [q, k, v] = [0, 1, 2].map((i) => toHeads(sliceAxis(qkv, 1, i * hd, (i + 1) * hd), heads)) as [Sym, Sym, Sym];
  const a = scaledDotProductAttention(q, k, v); // [N, h, HW, d]
  const y = reshape(transpose(a, [0, 1, 3, 2]), [N, hd, H, W]);
  return add(x, conv2d(p.out, y));
}

/**
 * Linear attention (lucidrains, residual): q softmaxed over the head dim, k over positions,
 * ctx = k vᵀ [d×e], o = ctxᵀ (q/√d); y = x + RMSNorm(Conv1×1(o)).
 */
export type LinearAttentionParams<T> = AttentionParams<T> & { readonly outNorm: { readonly g: T } };
export function initLinearAttention(rng: Rng, C: number, heads = 4, dimHead = 32): LinearAttentionParams<HostTensor> {
  return { ...initAttention(rng, C, heads, dimHead), outNorm: { g: tensor([C], new Float32Array(C).fill(1)) } };
}
export function linearAttentionBlock(p: LinearAttentionParams<Sym>, x: Sym, heads = 4): Sym {
  const [N, , H, W] = x.shape as [number, number, number, number];
  const qkv = conv2d(p.qkv, rmsNorm2d(p.norm, x));
  const hd = qkv.shape[1]! / 3;
  const d = hd / heads;
  const [q, k, v] = [0, 1, 2].map((i) => reshape(sliceAxis(qkv, 1, i * hd, (i + 1) * hd), [N, heads, d, H * W])) as [Sym, Sym, Sym];
  const qs = mul(softmax(q, 2), 1 / Math.sqrt(d));
  const ks = softmax(k, 3);
  const ctx = matmul(ks, transpose(v, [0, 1, 3, 2])); // [N,h,d,e]
  const o = matmul(transpose(ctx, [0, 1, 3, 2]), qs); // [N,h,e,n]
  return add(x, rmsNorm2d(p.outNorm, conv2d(p.out, reshape(o, [N, hd, H, W]))));
}

/** Residual-block flavour: 'ddpm' (Ho et al.: pre-norm, additive time) or 'lucidrains' (post-norm, FiLM time). */
export type ResBlockKind = 'ddpm' | 'lucidrains';
export type ResBlockParams<T> = {
  readonly time: LinearParams<T>;
  readonly conv1: Conv2dParams<T>;
  readonly norm1: NormParams<T>;
  readonly conv2: Conv2dParams<T>;
  readonly norm2: NormParams<T>;
  readonly skip?: Conv2dParams<T>;
};
/**
 * Residual block, in → out channels, conditioned on temb [N, D]:
 * - 'ddpm':       h = conv1(SiLU(GN(x))) + Linear(SiLU(temb)); h = conv2(SiLU(GN(h))) (dropout p=0); y = skip(x) + h
 *   (norm1 over `in`, conv2 zero-init);
 * - 'lucidrains': h = SiLU(FiLM(GN(conv1(x)))), FiLM from Linear(SiLU(temb)) → [scale|shift];
 *   h = SiLU(GN(conv2(h))); y = skip(x) + h.
 * skip is a 1×1 conv when in ≠ out, else the identity. GN has `groups` groups.
 * @example resBlock(p, x, temb, 'ddpm', 8)
 */
export function initResBlock(rng: Rng, inCh: number, outCh: number, D: number, kind: ResBlockKind = 'ddpm'): ResBlockParams<HostTensor> {
  const p = {
    time: initLinear(rng.fork(0), D, kind === 'ddpm' ? outCh : 2 * outCh, { gain: 1 }),
    conv1: initConv2d(rng.fork(1), inCh, outCh, 3),
    norm1: initNorm(kind === 'ddpm' ? inCh : outCh),
    conv2: kind === 'ddpm' ? { w: zerosInit([outCh, outCh, 3, 3]), b: zerosInit([outCh]) } : initConv2d(rng.fork(2), outCh, outCh, 3),
    norm2: initNorm(outCh),
  };
  return inCh !== outCh ? { ...p, skip: initConv2d(rng.fork(3), inCh, outCh, 1, { gain: 1 }) } : p;
}
export function resBlock(p: ResBlockParams<Sym>, x: Sym, temb: Sym, kind: ResBlockKind = 'ddpm', groups = 8): Sym {
  const skip = p.skip ? conv2d(p.skip, x) : x;
  let h: Sym;
  if (kind === 'ddpm') {
    h = conv2d(p.conv1, silu(groupNormLayer(p.norm1, x, groups)));
    const t = linear(p.time, silu(temb));
    h = add(h, reshape(t, [t.shape[0]!, t.shape[1]!, 1, 1]));
    h = conv2d(p.conv2, silu(groupNormLayer(p.norm2, h, groups)));
  } else {
    h = silu(film(p.time, groupNormLayer(p.norm1, conv2d(p.conv1, x), groups), temb));
    h = silu(groupNormLayer(p.norm2, conv2d(p.conv2, h), groups));
  }
  return add(skip, h);
}

/** Down-sampling by 2: 'conv' = 3×3 stride-2 conv (pad 1); 'avgpool' = 2×2 average (params ignored); 'unshuffle' = space-to-depth 2×2 then 1×1 conv (lucidrains). */
export type DownKind = 'conv' | 'avgpool' | 'unshuffle';
export function initDownsample(rng: Rng, inCh: number, outCh: number, kind: DownKind): Conv2dParams<HostTensor> | Record<string, never> {
  if (kind === 'avgpool') return {};
  return kind === 'conv' ? initConv2d(rng, inCh, outCh, 3, { gain: 1 }) : initConv2d(rng, 4 * inCh, outCh, 1, { gain: 1 });
}
export function downsample(p: Conv2dParams<Sym> | Record<string, never>, x: Sym, kind: DownKind): Sym {
  if (kind === 'avgpool') return avgPool(x, 2, { stride: 2 });
  const q = p as Conv2dParams<Sym>;
  if (kind === 'conv') return conv2d(q, x, { stride: 2, padding: 1 });
  return conv2d(q, pixelUnshuffle(x, 2));
}

/** Space-to-depth: [N, C, H, W] → [N, C·r², H/r, W/r], channel index (c·r + i)·r + j (einops '(c p1 p2)'). */
export function pixelUnshuffle(x: Sym, r: number): Sym {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  if (H % r || W % r) throw new MedreconError('SHAPE_MISMATCH', `pixelUnshuffle: ${H}×${W} not divisible by ${r}`);
  const y = transpose(reshape(x, [N, C, H / r, r, W / r, r]), [0, 1, 3, 5, 2, 4]);
  return reshape(y, [N, C * r * r, H / r, W / r]);
}

/** Up-sampling by 2: nearest ×2 then 3×3 conv (in → out). */
export function upsample(p: Conv2dParams<Sym>, x: Sym): Sym {
  return conv2d(p, upsampleNearest(x, 2));
}
export function initUpsample(rng: Rng, inCh: number, outCh: number): Conv2dParams<HostTensor> {
  return initConv2d(rng, inCh, outCh, 3, { gain: 1 });
}
