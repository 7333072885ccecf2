/**
 * The `Denoiser` contract shared by networks, classical priors (TV prox, wavelet shrinkage),
 * plug-and-play and diffusion: x̂ = D(x, σ).
 *
 * - `x`: [N, C, ...spatial] in the units given by `dataRange` (complex MRI images: C = 2, re/im).
 * - `sigma`: the noise standard deviation in the same units as `x` — a number, a scalar Sym, or a
 *   Sym of shape [N] (one level per batch item).
 * - `dataRange`: 'unit' = [0, 1], 'signed' = [−1, 1], or an explicit physical range. Callers
 *   rescale their data into it (and σ with it); a denoiser never guesses.
 *
 * @example
 *   const identity: Denoiser = { name: 'identity', dataRange: 'unit', denoise: (x) => x };
 */
import type { Sym } from '../ir/sym.js';

export type DataRange = 'unit' | 'signed' | { readonly min: number; readonly max: number; readonly unit?: string };

export interface Denoiser {
  readonly name: string;
  readonly dataRange: DataRange;
  denoise(x: Sym, sigma: Sym | number): Sym;
}
