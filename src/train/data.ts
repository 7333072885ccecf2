/**
 * Host-side data pipeline for image training: random crops with flips, and additive Gaussian noise
 * drawn from the seeded Rng (reproducible in Node and the browser).
 *
 * @example
 *   const clean = randomCrops(rng, train, 8, 64, { flips: true });   // [8, C, 64, 64]
 *   const noisy = addGaussianNoise(rng, clean, 0.1);                 // y = x + 0.1·n, n ~ N(0, 1)
 */
import { MedreconError, checkOptions } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { type HostTensor, tensor } from '../core/tensor.js';

/**
 * `batch` crops of size × size from images [N, C, H, W]: image, top-left corner and (with `flips`)
 * horizontal/vertical flips drawn uniformly.
 */
export function randomCrops(rng: Rng, images: HostTensor, batch: number, size: number, opts: { flips?: boolean } = {}): HostTensor<'float32'> {
  checkOptions('randomCrops', opts, ['flips']);
  if (images.dtype !== 'float32' || images.dims.length !== 4) throw new MedreconError('SHAPE_MISMATCH', `randomCrops: images must be float32 [N, C, H, W], got ${images.dtype} [${images.dims.join(', ')}]`);
  const [N, C, H, W] = images.dims as [number, number, number, number];
  if (!Number.isInteger(size) || size < 1 || size > H || size > W) throw new MedreconError('INVALID_ARGUMENT', `randomCrops: size ${size} does not fit ${H}×${W}`);
  if (!Number.isInteger(batch) || batch < 1) throw new MedreconError('INVALID_ARGUMENT', `randomCrops: batch must be a positive integer`);
  const out = new Float32Array(batch * C * size * size);
  const src = images.data as Float32Array;
  for (let b = 0; b < batch; b++) {
    const n = rng.int(N);
    const y0 = rng.int(H - size + 1);
    const x0 = rng.int(W - size + 1);
    const fh = opts.flips ? rng.int(2) === 1 : false;
    const fv = opts.flips ? rng.int(2) === 1 : false;
    for (let c = 0; c < C; c++) {
      const so = (n * C + c) * H * W;
      const oo = (b * C + c) * size * size;
      for (let i = 0; i < size; i++) {
        const si = y0 + (fv ? size - 1 - i : i);
        for (let j = 0; j < size; j++) out[oo + i * size + j] = src[so + si * W + x0 + (fh ? size - 1 - j : j)]!;
      }
    }
  }
  return tensor([batch, C, size, size], out);
}

/** x + σ·n with n ~ N(0, 1) from `rng` (σ in the units of x). */
export function addGaussianNoise(rng: Rng, x: HostTensor, sigma: number): HostTensor<'float32'> {
  if (!(sigma >= 0)) throw new MedreconError('INVALID_ARGUMENT', `addGaussianNoise: sigma must be ≥ 0, got ${sigma}`);
  const n = rng.normal(x.data.length);
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = x.data[i]! + sigma * n[i]!;
  return tensor(x.dims, out);
}

/** Rows [start, start + count) of a batch tensor [N, ...]. */
export function sliceBatch(x: HostTensor<'float32'>, start: number, count: number): HostTensor<'float32'> {
  const per = x.data.length / x.dims[0]!;
  if (start < 0 || count < 0 || start + count > x.dims[0]!) throw new MedreconError('INVALID_ARGUMENT', `sliceBatch: [${start}, ${start + count}) out of range for ${x.dims[0]}`);
  return tensor([count, ...x.dims.slice(1)], x.data.slice(start * per, (start + count) * per));
}
