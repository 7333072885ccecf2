/**
 * Per-slice and per-volume metrics with the fastMRI conventions (fastmri/evaluate.py), on the host
 * in float64:
 *
 * - a volume is [..., H, W]: the last two axes are the image, all leading axes are slices
 *   ([S, H, W], [S, 1, H, W] and [H, W] all work);
 * - data range R = max(ground truth) over the whole VOLUME (not per slice, not max − min), for
 *   PSNR, SSIM and every per-slice value;
 * - PSNR = 10·log10(R² / MSE) with the MSE over the whole volume (not the mean of slice PSNRs);
 * - SSIM = mean over slices of the 2-D SSIM (7×7 uniform window, k1 = 0.01, k2 = 0.03, sample
 *   covariance, windows fully inside the image) — skimage `structural_similarity(gt[s], x[s],
 *   data_range=gt.max())`;
 * - NMSE = ‖gt − x‖² / ‖gt‖² over the volume.
 *
 * Complex input: a reconstruction with one more axis than the ground truth and a trailing 2 is
 * reduced to its magnitude |x| first (computed in float64, rounded to float32), as fastMRI
 * evaluates magnitude images; with `{ complex: true }` both gt and x are complex [..., 2] and both
 * are reduced. Metrics are never computed on real/imaginary parts.
 *
 * Checked against skimage 0.19.3 reference values (test/metrics/fixtures, scripts/metrics-reference.py).
 *
 * @example
 *   const m = evaluateVolume(gtVolume, recon);   // { psnr, ssim, nmse, mse, dataRange, perSlice }
 *   console.log(m.psnr.toFixed(2), m.ssim.toFixed(4), m.perSlice.ssim);
 */
import { MedreconError, checkOptions } from '../core/errors.js';
import { type HostTensor, shapeStr, tensor } from '../core/tensor.js';
import { mse, nmse, psnr, ssimPerSlice } from './image.js';

/**
 * |z| of a complex tensor [..., 2] → [...] (float64 hypot, rounded to float32).
 * @example magnitude(tensor([1, 2], [3, 4])).data[0] // 5
 */
export function magnitude(z: HostTensor): HostTensor<'float32'> {
  if (z.dtype !== 'float32') throw new MedreconError('DTYPE_MISMATCH', `magnitude: expects float32, got ${z.dtype}`);
  if (z.dims.length < 1 || z.dims[z.dims.length - 1] !== 2) throw new MedreconError('SHAPE_MISMATCH', `magnitude: needs a complex tensor [..., 2], got ${shapeStr(z.dims)}`);
  const n = z.data.length / 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.hypot(z.data[2 * i]!, z.data[2 * i + 1]!);
  return tensor(z.dims.slice(0, -1), out);
}

export interface VolumeMetricOptions {
  /** Data range R (default max(gt) of the volume). */
  dataRange?: number;
  /** Both gt and x are complex [..., 2]: compare magnitudes (default false; a complex x against a real gt is detected from the shapes). */
  complex?: boolean;
}

export interface VolumeMetrics {
  readonly psnr: number;
  readonly ssim: number;
  readonly nmse: number;
  readonly mse: number;
  /** The data range used (max(gt) unless given). */
  readonly dataRange: number;
  /** Per-slice values (same data range R), one per 2-D image. */
  readonly perSlice: { readonly psnr: number[]; readonly ssim: number[]; readonly nmse: number[] };
}

function prepare(gt: HostTensor, x: HostTensor, opts: VolumeMetricOptions, where: string): [HostTensor, HostTensor] {
  checkOptions(where, opts, ['dataRange', 'complex']);
  if (opts.complex) return [magnitude(gt), magnitude(x)];
  if (x.dims.length === gt.dims.length + 1 && x.dims[x.dims.length - 1] === 2 && gt.dims.every((d, i) => d === x.dims[i])) return [gt, magnitude(x)];
  return [gt, x];
}

function maxOf(t: HostTensor): number {
  let m = -Infinity;
  for (let i = 0; i < t.data.length; i++) if (t.data[i]! > m) m = t.data[i]!;
  return m;
}

function slicesOf(t: HostTensor, where: string): HostTensor[] {
  if (t.dims.length < 2) throw new MedreconError('SHAPE_MISMATCH', `${where}: needs at least [H, W], got ${shapeStr(t.dims)}`);
  const H = t.dims[t.dims.length - 2]!;
  const W = t.dims[t.dims.length - 1]!;
  const n = H * W;
  const S = t.data.length / n;
  const out: HostTensor[] = [];
  for (let s = 0; s < S; s++) out.push(tensor([H, W], (t.data as Float32Array).subarray(s * n, (s + 1) * n)));
  return out;
}

/**
 * PSNR of each slice, all with the volume data range R = max(gt) (unless given).
 * @example psnrPerSlice(gt, rec) // number[] of length S
 */
export function psnrPerSlice(gt: HostTensor, x: HostTensor, opts: VolumeMetricOptions = {}): number[] {
  const [g, r] = prepare(gt, x, opts, 'psnrPerSlice');
  const R = opts.dataRange ?? maxOf(g);
  mse(g, r); // shape and dtype checks
  const gs = slicesOf(g, 'psnrPerSlice');
  const rs = slicesOf(r, 'psnrPerSlice');
  return gs.map((s, i) => psnr(s, rs[i]!, R));
}

/**
 * NMSE of each slice, ‖gt_s − x_s‖² / ‖gt_s‖².
 * @example nmsePerSlice(gt, rec)
 */
export function nmsePerSlice(gt: HostTensor, x: HostTensor, opts: VolumeMetricOptions = {}): number[] {
  const [g, r] = prepare(gt, x, opts, 'nmsePerSlice');
  mse(g, r);
  const rs = slicesOf(r, 'nmsePerSlice');
  return slicesOf(g, 'nmsePerSlice').map((s, i) => nmse(s, rs[i]!));
}

/**
 * All fastMRI metrics of a volume (see the module comment), plus per-slice values.
 * @example
 *   const { psnr, ssim, nmse, perSlice } = evaluateVolume(gt, rec);
 */
export function evaluateVolume(gt: HostTensor, x: HostTensor, opts: VolumeMetricOptions = {}): VolumeMetrics {
  const [g, r] = prepare(gt, x, opts, 'evaluateVolume');
  const R = opts.dataRange ?? maxOf(g);
  if (!(R > 0) || !Number.isFinite(R)) throw new MedreconError('INVALID_ARGUMENT', `evaluateVolume: data range must be positive and finite, got ${R} (max of the ground truth)`);
  const ss = ssimPerSlice(g, r, R);
  let ssum = 0;
  for (const v of ss) ssum += v;
  const gs = slicesOf(g, 'evaluateVolume');
  const rs = slicesOf(r, 'evaluateVolume');
  return {
    psnr: psnr(g, r, R),
    ssim: ssum / ss.length,
    nmse: nmse(g, r),
    mse: mse(g, r),
    dataRange: R,
    perSlice: {
      psnr: gs.map((s, i) => psnr(s, rs[i]!, R)),
      ssim: ss,
      nmse: gs.map((s, i) => nmse(s, rs[i]!)),
    },
  };
}
