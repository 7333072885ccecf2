/**
 * Augmented random crops for image training (host side, seeded): each crop picks an image, a
 * rotation θ ~ U[−r, r] degrees (bilinear, about the crop centre, edge-clamped), optional
 * horizontal/vertical flips and a random multiple of 90°, and an intensity scale s ~ U[a, b]:
 *
 *   crop(i, j) = s · I(c + z·R(θ) · (j − S/2 + ½, i − S/2 + ½)),   c = crop centre in the image,
 *
 * with z the zoom-out factor (box-averaged over ⌈z⌉² sub-samples when z > 1)
 *
 * The centre is drawn so that the rotated square stays inside the image when it fits.
 * Draw order is fixed (image, θ, z, centre, flips, k90, s per crop), so a saved `Rng` state replays
 * the same batches exactly.
 *
 * @example
 *   const batch = augmentedCrops(rng, images, 8, 64, { flips: true, maxRotationDeg: 10, intensity: [0.9, 1.1] });
 */
import { MedreconError, checkOptions } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { type HostTensor, tensor } from '../core/tensor.js';

export interface AugmentOptions {
  /** Random horizontal and vertical flips (default true). */
  readonly flips?: boolean;
  /** Random rotation by a multiple of 90° (default false; only for square crops). */
  readonly rot90?: boolean;
  /** Small rotations θ ~ U[−r, r] degrees (default 0 = none). */
  readonly maxRotationDeg?: number;
  /** Intensity scale s ~ U[a, b] (default [1, 1] = none). */
  readonly intensity?: readonly [number, number];
  /**
   * Zoom out by z ~ log-U[a, b] (default [1, 1] = none): the crop samples the image every z pixels,
   * so anatomy appears z× smaller (for images whose field of view or resolution differ from the
   * training set's). For z > 1 each output pixel averages ⌈z⌉² bilinear samples (anti-aliasing).
   */
  readonly zoom?: readonly [number, number];
}

export const AUGMENT_KEYS = ['flips', 'rot90', 'maxRotationDeg', 'intensity', 'zoom'];

/** Validate augmentation options (INVALID_ARGUMENT with the reason). */
export function checkAugment(who: string, a: AugmentOptions): void {
  checkOptions(who, a, AUGMENT_KEYS);
  const r = a.maxRotationDeg ?? 0;
  if (!(r >= 0 && r <= 180)) throw new MedreconError('INVALID_ARGUMENT', `${who}: maxRotationDeg must be in [0, 180], got ${r}`);
  const [lo, hi] = a.intensity ?? [1, 1];
  if (!(lo > 0 && hi >= lo && Number.isFinite(hi))) throw new MedreconError('INVALID_ARGUMENT', `${who}: intensity must be [a, b] with 0 < a ≤ b, got [${lo}, ${hi}]`);
  const [z0, z1] = a.zoom ?? [1, 1];
  if (!(z0 >= 1 && z1 >= z0 && z1 <= 16)) throw new MedreconError('INVALID_ARGUMENT', `${who}: zoom must be [a, b] with 1 ≤ a ≤ b ≤ 16, got [${z0}, ${z1}]`);
}

/** `batch` augmented `size`×`size` crops of images [N, C, H, W] (see the module comment). */
export function augmentedCrops(rng: Rng, images: HostTensor, batch: number, size: number, opts: AugmentOptions = {}): HostTensor<'float32'> {
  checkAugment('augmentedCrops', opts);
  if (images.dtype !== 'float32' || images.dims.length !== 4) throw new MedreconError('SHAPE_MISMATCH', `augmentedCrops: images must be float32 [N, C, H, W], got ${images.dtype} [${images.dims.join(', ')}]`);
  const [N, C, H, W] = images.dims as [number, number, number, number];
  if (!Number.isInteger(size) || size < 1 || size > H || size > W) throw new MedreconError('INVALID_ARGUMENT', `augmentedCrops: crop ${size} does not fit ${H}×${W}`);
  if (!Number.isInteger(batch) || batch < 1) throw new MedreconError('INVALID_ARGUMENT', `augmentedCrops: batch must be a positive integer, got ${batch}`);
  const maxRot = ((opts.maxRotationDeg ?? 0) * Math.PI) / 180;
  const [sLo, sHi] = opts.intensity ?? [1, 1];
  const [zLo, zHi] = opts.zoom ?? [1, 1];
  const src = images.data as Float32Array;
  const out = new Float32Array(batch * C * size * size);
  const S2 = size / 2;
  for (let b = 0; b < batch; b++) {
    const n = rng.int(N);
    const th = maxRot > 0 ? (2 * rng.nextUniform() - 1) * maxRot : 0;
    const z = zHi > zLo ? Math.exp(Math.log(zLo) + (Math.log(zHi) - Math.log(zLo)) * rng.nextUniform()) : zLo;
    const c = z * Math.cos(th);
    const s = z * Math.sin(th);
    const sub = z > 1 ? Math.ceil(z) : 1; // sub-samples per axis (box anti-aliasing)
    // Half extent of the rotated (zoomed) square; centre range keeps it inside when possible.
    const half = S2 * (Math.abs(c) + Math.abs(s));
    const cy = pickCentre(rng, H, half);
    const cx = pickCentre(rng, W, half);
    const fh = opts.flips !== false ? rng.int(2) === 1 : false;
    const fv = opts.flips !== false ? rng.int(2) === 1 : false;
    const k90 = opts.rot90 ? rng.int(4) : 0;
    const scale = sHi > sLo ? sLo + (sHi - sLo) * rng.nextUniform() : sLo;
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        // Output (i, j) after flips and k·90° rotation maps to crop coordinates (u, v).
        let u = fv ? size - 1 - i : i;
        let v = fh ? size - 1 - j : j;
        for (let k = 0; k < k90; k++) {
          const t = u;
          u = v;
          v = size - 1 - t;
        }
        for (let ch = 0; ch < C; ch++) {
          const o = (n * C + ch) * H * W;
          let acc = 0;
          for (let a = 0; a < sub; a++) {
            for (let q = 0; q < sub; q++) {
              const dy = u - S2 + (a + 0.5) / sub;
              const dx = v - S2 + (q + 0.5) / sub;
              const y = cy + s * dx + c * dy - 0.5;
              const x = cx + c * dx - s * dy - 0.5;
              const y0 = Math.floor(y);
              const x0 = Math.floor(x);
              const wy = y - y0;
              const wx = x - x0;
              const ya = clamp(y0, H);
              const yb = clamp(y0 + 1, H);
              const xa = clamp(x0, W);
              const xb = clamp(x0 + 1, W);
              acc +=
                (1 - wy) * ((1 - wx) * src[o + ya * W + xa]! + wx * src[o + ya * W + xb]!) +
                wy * ((1 - wx) * src[o + yb * W + xa]! + wx * src[o + yb * W + xb]!);
            }
          }
          out[((b * C + ch) * size + i) * size + j] = (scale * acc) / (sub * sub);
        }
      }
    }
  }
  return tensor([batch, C, size, size], out);
}

function clamp(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

/** A centre coordinate (continuous, pixel edges at integers) keeping ±half inside [0, n] when possible. */
function pickCentre(rng: Rng, n: number, half: number): number {
  const lo = Math.min(half, n / 2);
  const hi = Math.max(n - half, n / 2);
  // Integer-aligned centres when unrotated keep crops on the pixel grid (no interpolation blur).
  const span = Math.floor(hi - lo);
  return lo + (span > 0 ? rng.int(span + 1) : 0);
}
