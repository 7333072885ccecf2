/**
 * `medrecon recon --modality mri|ct|pet --method M <measurements> --out <file>`.
 * Wired: MRI `zero-filled` (|F⁻¹ y|, RSS over coils; per slice for fastMRI .h5 input).
 * Every other method/modality reports "not available yet" until its physics/solver is public.
 */
import { type HostTensor, tensor } from '../index.js';
import { computeMetrics, type MetricValues } from './metrics.js';
import { zeroFilled } from './mri.js';
import { type CliIo, choice, COMMON_HELP, extOf, notAvailable, num, parse, Progress, readArray, str, UsageError, writeArray } from './common.js';

export const METHODS = {
  mri: ['zero-filled', 'cg-sense', 'tv', 'wavelet', 'pnp', 'diffusion'],
  ct: ['fbp', 'sirt', 'tv', 'pnp', 'diffusion'],
  pet: ['mlem', 'osem', 'pnp'],
} as const;
export const WIRED: Readonly<Record<string, readonly string[]>> = { mri: ['zero-filled'], ct: [], pet: [] };

export const RECON_HELP = `Usage: medrecon recon --modality mri|ct|pet --method M <measurements> --out <file> [options]

Reconstruct an image from measurements.

Array conventions:
  MRI k-space [H, W, 2] or [coils, H, W, 2] (.npy; complex as a trailing re/im axis), or a fastMRI
      .h5 file [slices, (coils,) H, W] complex64; centered orthonormal 2-D FFT; mask [W] or [H, W];
      coil maps [coils, H, W, 2] (estimated when omitted).
  CT  sinogram [views, detectors] of line integrals, or raw counts with --i0; angles in radians
      (--angles FILE or --views N --arc 180).
  PET counts [views, detectors], optional --attenuation FILE.

Methods (available now: mri zero-filled):
  mri: ${METHODS.mri.join(', ')}
  ct:  ${METHODS.ct.join(', ')}
  pet: ${METHODS.pet.join(', ')}

Options:
  --mask FILE          sampling mask (MRI)        --coil-maps FILE   coil maps (MRI)
  --angles FILE        projection angles (CT)     --views N --arc DEG
  --i0 I0              CT blank-scan counts       --attenuation FILE (PET)
  --iterations N       iterations for iterative methods
  --reference FILE     ground truth: adds PSNR/SSIM/NMSE to the report
  --out FILE           output image: .npy (others when their writers land: .nii.gz, .png, .h5, DICOM folder)

Examples:
  medrecon recon --modality mri --method zero-filled ksp.npy --out recon.npy
  medrecon recon --modality mri --method zero-filled file1000001.h5 --out recon.npy --reference ref.npy --json

${COMMON_HELP}`;

export interface ReconReport {
  readonly modality: string;
  readonly method: string;
  readonly input: string;
  readonly out?: string;
  readonly shape: readonly number[];
  readonly iterations: number;
  readonly timeMs: number;
  readonly metrics?: MetricValues;
}

export async function runRecon(args: readonly string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse(
    args,
    {
      modality: { type: 'string', short: 'm' },
      method: { type: 'string' },
      out: { type: 'string', short: 'o' },
      mask: { type: 'string' },
      'coil-maps': { type: 'string' },
      angles: { type: 'string' },
      views: { type: 'string' },
      arc: { type: 'string' },
      i0: { type: 'string' },
      attenuation: { type: 'string' },
      iterations: { type: 'string' },
      reference: { type: 'string' },
    },
    1,
  );
  if (v.help) {
    io.out(RECON_HELP + '\n');
    return 0;
  }
  const modality = choice(v['modality'], 'modality', ['mri', 'ct', 'pet'] as const);
  if (!modality) throw new UsageError('recon: --modality mri|ct|pet is required');
  const method = choice(v['method'], 'method', METHODS[modality]) ?? (modality === 'mri' ? 'zero-filled' : modality === 'ct' ? 'fbp' : 'mlem');
  const input = positionals[0];
  if (input === undefined) throw new UsageError('recon: missing <measurements> file');
  num(v['iterations'], 'iterations', { int: true, min: 1 });
  const out = str(v['out']);
  if (!WIRED[modality]!.includes(method)) {
    throw notAvailable(`recon --modality ${modality} --method ${method}`, modality === 'mri' ? 'the MRI operators and solvers in the public API' : `the ${modality.toUpperCase()} physics in the public API`);
  }
  const t0 = performance.now();
  const k = await readArray(input);
  const slices: HostTensor<'float32'>[] = [];
  const isVolume = extOf(input) === '.h5' || (k.dims.length === 5 && k.dims[4] === 2);
  const nSlices = isVolume ? k.dims[0]! : 1;
  const per = isVolume ? k.data.length / nSlices : k.data.length;
  const sliceDims = isVolume ? k.dims.slice(1) : k.dims;
  const bar = new Progress(io, v.quiet || nSlices < 4, `recon ${method}`, nSlices);
  try {
    for (let s = 0; s < nSlices; s++) {
      slices.push(await zeroFilled(tensor(sliceDims, k.data.subarray(s * per, (s + 1) * per))));
      bar.update(s + 1);
    }
  } finally {
    bar.stop();
  }
  const [H, W] = slices[0]!.dims as [number, number];
  const img = isVolume ? tensor([nSlices, H, W], concat(slices)) : slices[0]!;
  const timeMs = performance.now() - t0;
  if (out !== undefined) await writeArray(out, img);
  const refPath = str(v['reference']);
  const metrics = refPath !== undefined ? computeMetrics(await readArray(refPath, { dataset: 'reconstruction_rss' }), img) : undefined;
  const report: ReconReport = { modality, method, input, ...(out !== undefined ? { out } : {}), shape: img.dims, iterations: 0, timeMs, ...(metrics ? { metrics } : {}) };
  if (v.json) io.out(JSON.stringify(report) + '\n');
  else {
    io.out(`${modality} ${method}: [${img.dims.join(', ')}] in ${timeMs.toFixed(0)} ms${out !== undefined ? ` → ${out}` : ''}\n`);
    if (metrics) io.out(`PSNR ${metrics.psnr.toFixed(2)} dB  SSIM ${metrics.ssim.toFixed(4)}  NMSE ${metrics.nmse.toExponential(3)}\n`);
  }
  return 0;
}

function concat(parts: readonly HostTensor<'float32'>[]): Float32Array {
  const n = parts.reduce((a, p) => a + p.data.length, 0);
  const out = new Float32Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p.data, o);
    o += p.data.length;
  }
  return out;
}
