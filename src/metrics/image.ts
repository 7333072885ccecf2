/**
 * Image-quality metrics with the fastMRI conventions, computed on the host in float64.
 *
 * - mse(gt, x)  = mean((gt − x)²)
 * - nmse(gt, x) = ‖gt − x‖² / ‖gt‖²
 * - psnr(gt, x, R) = 10 · log10(R² / mse), R = max(gt) by default (fastMRI: the volume's maximum)
 * - ssim(gt, x, R): mean SSIM over 7×7 uniform windows lying fully inside each 2-D image (the last
 *   two axes; leading axes are slices, averaged), k1 = 0.01, k2 = 0.03, sample covariance
 *   (N/(N−1)), as `skimage.metrics.structural_similarity(..., win_size=7, data_range=R)` and
 *   fastMRI's `ssim`, with R = max(gt) by default; `ssimPerSlice` returns the per-image values.
 *   Per-volume evaluation (per-slice tables, complex → magnitude) is in ./volume.ts.
 *
 * @example
 *   psnr(tensor([4], [0, 1, 1, 0]), tensor([4], [0, 1, 0.9, 0.1])); // 10·log10(1 / 0.005) ≈ 23.01
 */
import { MedreconError, checkOptions } from '../core/errors.js';
import type { HostTensor } from '../core/tensor.js';

function checkPair(gt: HostTensor, x: HostTensor, where: string): void {
  if (gt.dtype !== 'float32' || x.dtype !== 'float32') throw new MedreconError('DTYPE_MISMATCH', `${where}: expects float32 tensors`);
  if (gt.dims.length !== x.dims.length || gt.dims.some((d, i) => d !== x.dims[i])) {
    throw new MedreconError('SHAPE_MISMATCH', `${where}: shapes [${gt.dims.join(', ')}] and [${x.dims.join(', ')}] differ`);
  }
  if (gt.data.length === 0) throw new MedreconError('INVALID_ARGUMENT', `${where}: empty tensors`);
}

function sqErr(gt: HostTensor, x: HostTensor): number {
  let s = 0;
  for (let i = 0; i < gt.data.length; i++) {
    const d = gt.data[i]! - x.data[i]!;
    s += d * d;
  }
  return s;
}

function maxOf(t: HostTensor): number {
  let m = -Infinity;
  for (let i = 0; i < t.data.length; i++) if (t.data[i]! > m) m = t.data[i]!;
  return m;
}

/** Mean squared error. */
export function mse(gt: HostTensor, x: HostTensor): number {
  checkPair(gt, x, 'mse');
  return sqErr(gt, x) / gt.data.length;
}

/** Normalised MSE ‖gt − x‖² / ‖gt‖² (Infinity when gt is all zeros and x is not). */
export function nmse(gt: HostTensor, x: HostTensor): number {
  checkPair(gt, x, 'nmse');
  let n = 0;
  for (let i = 0; i < gt.data.length; i++) n += gt.data[i]! * gt.data[i]!;
  const e = sqErr(gt, x);
  return e === 0 ? 0 : e / n;
}

/** Peak signal-to-noise ratio in dB; `dataRange` defaults to max(gt). Infinity when x equals gt. */
export function psnr(gt: HostTensor, x: HostTensor, dataRange?: number): number {
  checkPair(gt, x, 'psnr');
  const r = dataRange ?? maxOf(gt);
  if (!(r > 0) || !Number.isFinite(r)) throw new MedreconError('INVALID_ARGUMENT', `psnr: data range must be positive and finite, got ${r}`);
  const m = sqErr(gt, x) / gt.data.length;
  return 10 * Math.log10((r * r) / m);
}

/** Structural similarity (see the module comment); images are the last two axes, ≥ 7×7. */
export function ssim(gt: HostTensor, x: HostTensor, dataRange?: number, opts: SsimOptions = {}): number {
  const per = ssimSlices(gt, x, dataRange, opts, 'ssim');
  let t = 0;
  for (const v of per) t += v;
  return t / per.length;
}

export interface SsimOptions {
  /** Odd window size (default 7). */
  winSize?: number;
  k1?: number;
  k2?: number;
}

/**
 * SSIM of each 2-D image (last two axes; leading axes flattened into slices), all with the same
 * data range R (default max(gt) over the whole tensor — the fastMRI volume convention).
 * @example ssimPerSlice(gtVolume, recVolume) // [S] values; their mean is ssim(gtVolume, recVolume)
 */
export function ssimPerSlice(gt: HostTensor, x: HostTensor, dataRange?: number, opts: SsimOptions = {}): number[] {
  return ssimSlices(gt, x, dataRange, opts, 'ssimPerSlice');
}

function ssimSlices(gt: HostTensor, x: HostTensor, dataRange: number | undefined, opts: SsimOptions, where: string): number[] {
  checkPair(gt, x, where);
  checkOptions(where, opts, ['winSize', 'k1', 'k2']);
  const win = opts.winSize ?? 7;
  const k1 = opts.k1 ?? 0.01;
  const k2 = opts.k2 ?? 0.03;
  if (gt.dims.length < 2) throw new MedreconError('SHAPE_MISMATCH', `${where}: needs at least 2 dims`);
  const H = gt.dims[gt.dims.length - 2]!;
  const W = gt.dims[gt.dims.length - 1]!;
  if (H < win || W < win || win % 2 !== 1) throw new MedreconError('INVALID_ARGUMENT', `${where}: image ${H}×${W} smaller than the odd window ${win}`);
  const r = dataRange ?? maxOf(gt);
  if (!(r > 0) || !Number.isFinite(r)) throw new MedreconError('INVALID_ARGUMENT', `${where}: data range must be positive and finite, got ${r}`);
  const C1 = (k1 * r) ** 2;
  const C2 = (k2 * r) ** 2;
  const np = win * win;
  const covNorm = np / (np - 1);
  const slices = gt.data.length / (H * W);
  // Summed-area tables of a, b, a², b², ab for one slice.
  const S = (H + 1) * (W + 1);
  const tabs = [new Float64Array(S), new Float64Array(S), new Float64Array(S), new Float64Array(S), new Float64Array(S)];
  const out: number[] = [];
  for (let s = 0; s < slices; s++) {
    const o = s * H * W;
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        const a = gt.data[o + i * W + j]!;
        const b = x.data[o + i * W + j]!;
        const v = [a, b, a * a, b * b, a * b];
        const k = (i + 1) * (W + 1) + j + 1;
        for (let t = 0; t < 5; t++) {
          const T = tabs[t]!;
          T[k] = v[t]! + T[k - 1]! + T[k - (W + 1)]! - T[k - (W + 1) - 1]!;
        }
      }
    }
    let acc = 0;
    const box = (T: Float64Array, i: number, j: number) =>
      T[(i + win) * (W + 1) + j + win]! - T[i * (W + 1) + j + win]! - T[(i + win) * (W + 1) + j]! + T[i * (W + 1) + j]!;
    for (let i = 0; i + win <= H; i++) {
      for (let j = 0; j + win <= W; j++) {
        const ux = box(tabs[0]!, i, j) / np;
        const uy = box(tabs[1]!, i, j) / np;
        const vx = covNorm * (box(tabs[2]!, i, j) / np - ux * ux);
        const vy = covNorm * (box(tabs[3]!, i, j) / np - uy * uy);
        const vxy = covNorm * (box(tabs[4]!, i, j) / np - ux * uy);
        acc += ((2 * ux * uy + C1) * (2 * vxy + C2)) / ((ux * ux + uy * uy + C1) * (vx + vy + C2));
      }
    }
    out.push(acc / ((H - win + 1) * (W - win + 1)));
  }
  return out;
}
