/**
 * CT transmission noise (Beer–Lambert): for line integrals p (dimensionless),
 *   counts_i ~ Poisson(I0 · e^{−p_i}),   p̂_i = −log(max(counts_i, ε) / I0),   ε = 1 count,
 * optionally with additive electronic noise. This is `transmissionNoise` of ../noise.ts (seeded with
 * our Philox `Rng`; Poisson sampling by Knuth's method for λ < 10 and Hörmann's PTRS rejection for
 * λ ≥ 10, exact for every mean) with a CT-specific name and a sinogram-shape check.
 *
 * @example
 *   const { sinogram, counts } = noisySinogram(p, new Rng(7), { I0: 1e5 });
 */
import { MedreconError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import type { HostTensor } from '../../core/tensor.js';
import { type TransmissionOptions, transmissionNoise } from '../noise.js';


/**
 * Noisy sinogram [V, n_det] from noiseless line integrals p (see the module comment).
 * @example noisySinogram(A_x, rng.fork(1), { I0: 1e5 }).sinogram
 */
export function noisySinogram(p: HostTensor, rng: Rng, opts: TransmissionOptions): { counts: HostTensor<'float32'>; sinogram: HostTensor<'float32'> } {
  if (p.dims.length !== 2) throw new MedreconError('SHAPE_MISMATCH', `noisySinogram: expected a sinogram [views, bins], got [${p.dims.join(', ')}]`);
  return transmissionNoise(p, rng, opts);
}
