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
import { type ConvOptions, type Sym, add, conv, matmul, reshape } from '../ir/sym.js';
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
