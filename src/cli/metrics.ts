/**
 * `medrecon metrics <reference> <image>`: PSNR / SSIM / NMSE with the fastMRI conventions
 * (data range = max of the reference volume, 7×7 SSIM window, k1 = 0.01, k2 = 0.03).
 */
import { type HostTensor, nmse, psnr, ssim, tensor } from '../index.js';
import { type CliIo, COMMON_HELP, fmtShape, num, parse, readArray, str, UsageError } from './common.js';
import { MedreconError } from '../index.js';

export const METRICS_HELP = `Usage: medrecon metrics <reference> <image> [--data-range R] [--json]

Compare an image with its reference: PSNR (dB), SSIM and NMSE, fastMRI conventions:
PSNR and SSIM use data_range = max(reference) over the whole volume unless --data-range is
given; SSIM is the mean over 7×7 windows of each 2-D slice (last two axes), k1 = 0.01, k2 = 0.03;
NMSE = ‖ref − x‖² / ‖ref‖². Inputs: .npy or .h5 (fastMRI reconstruction_rss with --dataset).
Complex inputs [..., 2] are compared by magnitude. Leading singleton axes are ignored.

Options:
  --data-range R     PSNR/SSIM data range (default: max of the reference)
  --dataset NAME     HDF5 dataset to read (default reconstruction_rss for .h5)

Examples:
  medrecon metrics data/fixtures/mri_t1_heldout.npy recon.npy
  medrecon metrics ref.npy recon.npy --json

${COMMON_HELP}`;

/** Squeeze leading 1s; complex [..., 2] → magnitude when the other side is real. */
export function asImage(t: HostTensor<'float32'>, complexHint: boolean): HostTensor<'float32'> {
  let dims = [...t.dims];
  let data = t.data;
  if (complexHint && dims[dims.length - 1] === 2) {
    const n = data.length / 2;
    const m = new Float32Array(n);
    for (let i = 0; i < n; i++) m[i] = Math.hypot(data[2 * i]!, data[2 * i + 1]!);
    data = m;
    dims = dims.slice(0, -1);
  }
  while (dims.length > 2 && dims[0] === 1) dims.shift();
  return tensor(dims, data);
}

export interface MetricValues {
  readonly psnr: number;
  readonly ssim: number;
  readonly nmse: number;
  readonly dataRange: number;
}

/** The three metrics of `x` against `ref` (same shape after squeezing). */
export function computeMetrics(ref: HostTensor<'float32'>, x: HostTensor<'float32'>, dataRange?: number): MetricValues {
  const refC = ref.dims[ref.dims.length - 1] === 2 && x.dims[x.dims.length - 1] !== 2;
  const xC = x.dims[x.dims.length - 1] === 2 && ref.dims[ref.dims.length - 1] !== 2;
  const r = asImage(ref, refC);
  const y = asImage(x, xC);
  if (r.dims.length !== y.dims.length || r.dims.some((d, i) => d !== y.dims[i])) {
    throw new MedreconError('SHAPE_MISMATCH', `metrics: reference ${fmtShape(r.dims)} and image ${fmtShape(y.dims)} differ in shape`);
  }
  let max = -Infinity;
  for (let i = 0; i < r.data.length; i++) if (r.data[i]! > max) max = r.data[i]!;
  const R = dataRange ?? max;
  return { psnr: psnr(r, y, R), ssim: ssim(r, y, R), nmse: nmse(r, y), dataRange: R };
}

export async function runMetrics(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { 'data-range': { type: 'string' }, dataset: { type: 'string' } }, 2);
  if (values.help) {
    io.out(METRICS_HELP + '\n');
    return 0;
  }
  if (positionals.length < 2) throw new UsageError('metrics: needs <reference> and <image>');
  const dataRange = num(values['data-range'], 'data-range', { min: Number.MIN_VALUE });
  const ds = str(values['dataset']) ?? 'reconstruction_rss';
  const [refPath, imgPath] = positionals as [string, string];
  const readImg = (p: string) => readArray(p, { dataset: ds });
  const m = computeMetrics(await readImg(refPath), await readImg(imgPath), dataRange);
  if (values.json) io.out(JSON.stringify({ reference: refPath, image: imgPath, ...m }) + '\n');
  else io.out(`PSNR  ${m.psnr.toFixed(2)} dB\nSSIM  ${m.ssim.toFixed(4)}\nNMSE  ${m.nmse.toExponential(3)}\n(data range ${m.dataRange})\n`);
  return 0;
}
