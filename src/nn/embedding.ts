/**
 * Timestep / noise-level embeddings: sinusoidal features (DDPM "halves" layout and the cU-Net
 * authors' interleaved table) and the time MLP.
 *
 * @example
 *   const e = sinusoidalEmbedding(t, 256, 'interleaved');   // t: Sym [N] → [N, 256]
 */
import { MedreconError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { type HostTensor, tensor } from '../core/tensor.js';
import { gelu } from '../ir/composite.js';
import { type Sym, concat, constant, cos, mul, reshape, sin } from '../ir/sym.js';
import { type LinearParams, initLinear, linear } from './layers.js';

/**
 * Sinusoidal embedding of (possibly fractional) timesteps t [N] → [N, dim]:
 * - 'halves' (DDPM / lucidrains): [sin(t·ω_j) | cos(t·ω_j)], ω_j = P^(−j/(h−1)), h = dim/2;
 * - 'interleaved' (the cU-Net authors' table): e[2j] = sin(t·w_j), e[2j+1] = cos(t·w_j),
 *   w_j = P^(−2j/dim).
 * P = maxPeriod (10000). @example sinusoidalEmbedding(t, 256, 'interleaved')
 */
export function sinusoidalEmbedding(t: Sym, dim: number, layout: 'halves' | 'interleaved' = 'halves', maxPeriod = 10000): Sym {
  if (dim % 2 !== 0 || dim < 4) throw new MedreconError('INVALID_ARGUMENT', `sinusoidalEmbedding: dim must be even and ≥ 4, got ${dim}`);
  const h = dim / 2;
  const w = new Float32Array(h);
  for (let j = 0; j < h; j++) w[j] = layout === 'halves' ? Math.exp((-Math.log(maxPeriod) * j) / (h - 1)) : Math.pow(maxPeriod, (-2 * j) / dim);
  const arg = mul(reshape(t, [t.shape[0]!, 1]), constant(tensor([1, h], w)));
  const s = sin(arg);
  const c = cos(arg);
  if (layout === 'halves') return concat([s, c], 1);
  return reshape(concat([reshape(s, [t.shape[0]!, h, 1]), reshape(c, [t.shape[0]!, h, 1])], 2), [t.shape[0]!, dim]);
}

/** The authors' frozen table: row t = interleaved sinusoidal embedding of t, for t = 0..n−1. */
export function sinusoidalTable(n: number, dim: number, maxPeriod = 10000): HostTensor {
  const d = new Float32Array(n * dim);
  for (let t = 0; t < n; t++)
    for (let j = 0; j < dim / 2; j++) {
      const a = t * Math.pow(maxPeriod, (-2 * j) / dim);
      d[t * dim + 2 * j] = Math.sin(a);
      d[t * dim + 2 * j + 1] = Math.cos(a);
    }
  return tensor([n, dim], d);
}

/** Time MLP: Linear(d → e) → GELU → Linear(e → e). */
export type TimeMlpParams<T> = { readonly l1: LinearParams<T>; readonly l2: LinearParams<T> };
export function initTimeMlp(rng: Rng, d: number, e: number): TimeMlpParams<HostTensor> {
  return { l1: initLinear(rng.fork(0), d, e, { gain: 1 }), l2: initLinear(rng.fork(1), e, e, { gain: 1 }) };
}
export function timeMlp(p: TimeMlpParams<Sym>, emb: Sym): Sym {
  return linear(p.l2, gelu(linear(p.l1, emb)));
}

