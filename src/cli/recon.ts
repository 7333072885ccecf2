/**
 * `medrecon recon --modality mri|ct|pet --method M <measurements> --out <file>`: measurements →
 * image with the physics and solvers of the library (see ./engine.ts for the maths of each method).
 */
import { type Denoiser, type HostTensor, tensor, FBP_FILTERS, type FbpFilter, modelDenoiser, selfEnsemble } from '../index.js';
import { createRuntime, loadShippedModel } from '../node/index.js';
import { computeMetrics, type MetricValues } from './metrics.js';
import {
  CT_DEFAULTS,
  CT_PNP_DEFAULTS,
  CT_METHODS,
  ctGeometry,
  anglesFor,
  countsToLineIntegrals,
  MRI_DEFAULTS,
  MRI_METHODS,
  mriDims,
  PET_DEFAULTS,
  PET_METHODS,
  reconCt,
  reconMri,
  reconPet,
  sizeForDetectors,
  type SolveResult,
} from './engine.js';
import { type CliIo, choice, COMMON_HELP, extOf, num, outFormat, parse, Progress, readArray, str, UsageError, writeArray } from './common.js';
import { MedreconError } from '../index.js';

export const METHODS = { mri: MRI_METHODS, ct: CT_METHODS, pet: PET_METHODS } as const;

export const RECON_HELP = `Usage: medrecon recon --modality mri|ct|pet --method M <measurements> --out <file> [options]

Reconstruct an image from measurements.

Array conventions (files: .npy, .npz, .h5, .nii/.nii.gz, .cfl, DICOM):
  MRI k-space [H, W, 2] (single coil) or [coils, H, W, 2], complex as a trailing (re, im) axis,
      centred orthonormal 2-D FFT; or a fastMRI .h5 file [slices, (coils,) H, W] (every slice).
      Mask [W] (phase-encode lines) or [H, W], 1 = sampled (default: the non-zero pattern of the
      k-space). Coil maps [coils, H, W, 2] (default for multi-coil: ESPIRiT from the centre lines).
  CT  sinogram [views, detectors] of line integrals (or raw counts with --i0 I0), parallel beam,
      detector pitch = pixel size; angles in radians from --angles FILE, or --views N --arc DEG
      (default: one view per sinogram row over 180°). Image [N, N] in 1/mm, N = --size or
      ⌊(detectors − 1)/√2⌋.
  PET counts [views, detectors] (views over 180°), optional --attenuation FILE (μ-map [N, N], 1/mm).

Methods (λ is relative: data scaled so the image max is ≈ 1, operator norm 1):
  mri: zero-filled | cg-sense | tv (PDHG) | wavelet (FISTA, db4) | pnp-tv (PnP-FISTA, TV denoiser)
       | pnp-net (PnP-PGD, network denoiser --denoiser, default the shipped mri-drunet)
       defaults: cg-sense ${MRI_DEFAULTS['cg-sense'].iterations} it; tv λ ${MRI_DEFAULTS.tv.lambda}, ${MRI_DEFAULTS.tv.iterations} it; wavelet λ ${MRI_DEFAULTS.wavelet.lambda}, ${MRI_DEFAULTS.wavelet.iterations} it; pnp-tv λ ${MRI_DEFAULTS['pnp-tv'].lambda}, ${MRI_DEFAULTS['pnp-tv'].iterations} it;
       pnp-net λ ${MRI_DEFAULTS['pnp-net'].lambda} (final σ), ${MRI_DEFAULTS['pnp-net'].iterations} it
  ct:  fbp | tv (PDHG, image ≥ 0; λ ${CT_DEFAULTS.lambda}, ${CT_DEFAULTS.iterations} it)
       | pnp-net (PnP-PGD, HU denoiser --denoiser, default ct-drunet; λ = final σ in HU, ${CT_PNP_DEFAULTS.lambda}; ${CT_PNP_DEFAULTS.iterations} it)
  pet: mlem (${PET_DEFAULTS.mlem} it) | osem (${PET_DEFAULTS.osem} it × ${PET_DEFAULTS.subsets} subsets)

Options:
  --mask FILE          MRI sampling mask          --maps FILE        MRI coil maps
  --angles FILE        CT angles (radians)        --views N --arc DEG
  --filter F           FBP filter: ${FBP_FILTERS.join(', ')} (default ramp)
  --i0 I0              CT input is raw counts with blank-scan I0
  --pixel-size MM      CT/PET pixel size (default 1)   --size N   CT/PET image size
  --attenuation FILE   PET μ-map                  --subsets N        OSEM subsets
  --lambda L           regularisation weight      --iterations N     iterations
  --denoiser NAME      pnp-net: a shipped model (mri-drunet, ct-drunet in weights/) or a saved model (.json)
  --ensemble K         pnp-net: geometric self-ensemble of the denoiser over K ∈ {1, 2, 4, 8} flips/turns
                       (K× the cost per iteration; default 1)
  --reference FILE     ground truth: adds PSNR/SSIM/NMSE (fastMRI conventions) to the report
  --out FILE           output: .npy .npz .nii .nii.gz .png .h5 .cfl, or a folder 'DIR/' (DICOM)
  --format dicom       write a DICOM series into --out (a folder)
  --source DIR         DICOM output: carry patient/study identifiers over from this series

Examples:
  medrecon recon --modality mri --method cg-sense ksp.npy --mask mask.npy --out recon.nii.gz
  medrecon recon --modality mri --method tv file1000001.h5 --out recon.npy --reference ref.npy --json
  medrecon recon --modality ct --method fbp sino.npy --views 60 --arc 180 --filter hann --out ct.png
  medrecon recon --modality pet --method osem counts.npy --subsets 8 --attenuation mu.npy --out pet/

${COMMON_HELP}`;

export interface ReconReport {
  readonly modality: string;
  readonly method: string;
  readonly input: string;
  readonly out?: string;
  readonly shape: readonly number[];
  readonly iterations: number;
  readonly nfe: number;
  readonly timeMs: number;
  readonly notes?: readonly string[];
  readonly metrics?: MetricValues;
}

export async function runRecon(args: readonly string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse(
    args,
    {
      modality: { type: 'string', short: 'm' },
      method: { type: 'string' },
      out: { type: 'string', short: 'o' },
      format: { type: 'string' },
      mask: { type: 'string' },
      maps: { type: 'string' },
      'coil-maps': { type: 'string' },
      angles: { type: 'string' },
      views: { type: 'string' },
      arc: { type: 'string' },
      filter: { type: 'string' },
      i0: { type: 'string' },
      'pixel-size': { type: 'string' },
      size: { type: 'string' },
      attenuation: { type: 'string' },
      subsets: { type: 'string' },
      lambda: { type: 'string' },
      iterations: { type: 'string' },
      reference: { type: 'string' },
      source: { type: 'string' },
      denoiser: { type: 'string' },
      ensemble: { type: 'string' },
    },
    1,
  );
  if (v.help) {
    io.out(RECON_HELP + '\n');
    return 0;
  }
  const modality = choice(v['modality'], 'modality', ['mri', 'ct', 'pet'] as const);
  if (!modality) throw new UsageError('recon: --modality mri|ct|pet is required');
  const method = choice(v['method'], 'method', METHODS[modality] as readonly string[]) ?? METHODS[modality][0];
  const input = positionals[0];
  if (input === undefined) throw new UsageError('recon: missing <measurements> file');
  const iterations = num(v['iterations'], 'iterations', { int: true, min: 1 });
  const lambda = num(v['lambda'], 'lambda', { min: 0 });
  const pixelSize = num(v['pixel-size'], 'pixel-size', { min: Number.MIN_VALUE }) ?? 1;
  const size = num(v['size'], 'size', { int: true, min: 1 });
  const views = num(v['views'], 'views', { int: true, min: 1 });
  const arc = num(v['arc'], 'arc', { min: Number.MIN_VALUE, max: 360 }) ?? 180;
  const i0 = num(v['i0'], 'i0', { min: Number.MIN_VALUE });
  const subsets = num(v['subsets'], 'subsets', { int: true, min: 1 });
  const filter = choice(v['filter'], 'filter', FBP_FILTERS as readonly FbpFilter[]);
  const format = choice(v['format'], 'format', ['dicom'] as const);
  const out = str(v['out']);
  if (out !== undefined) outFormat(out, format); // usage errors before any work
  if (format && out === undefined) throw new UsageError('recon: --format dicom needs --out DIR');
  const dicomSource = str(v['source']);
  const denoiserName = str(v['denoiser']);
  if (denoiserName !== undefined && method !== 'pnp-net') throw new UsageError('recon: --denoiser applies to --method pnp-net');
  const ensemble = num(v.ensemble, 'ensemble', { int: true, min: 1 });
  if (ensemble !== undefined && method !== 'pnp-net') throw new UsageError('recon: --ensemble applies to --method pnp-net');
  if (ensemble !== undefined && ![1, 2, 4, 8].includes(ensemble)) throw new UsageError(`recon: --ensemble must be 1, 2, 4 or 8, got ${ensemble}`);
  const net = method === 'pnp-net' ? modelDenoiser(loadShippedModel(denoiserName ?? (modality === 'ct' ? 'ct-drunet' : 'mri-drunet'))) : undefined;
  const denoiser: Denoiser | undefined = net && ensemble ? selfEnsemble(net, ensemble as 1 | 2 | 4 | 8) : net;
  if (dicomSource !== undefined && (out === undefined || outFormat(out, format) !== 'dicom')) throw new UsageError('recon: --source applies to DICOM output (--out DIR/ or --format dicom)');

  const ex = createRuntime();
  const t0 = performance.now();
  let bar: Progress | undefined;
  const onStep = (base: number, total: number) => (done: number) => {
    bar ??= new Progress(io, v.quiet, `recon ${method}`, total);
    bar.update(base + done);
  };
  let img: HostTensor<'float32'>;
  let last: SolveResult;
  let its = 0;
  let nfe = 0;
  const notes = new Set<string>();
  try {
    if (modality === 'mri') {
      const k = await readArray(input);
      const isVolume = extOf(input) === '.h5' || (k.dims.length === 5 && k.dims[4] === 2);
      const nS = isVolume ? k.dims[0]! : 1;
      const sliceDims = isVolume ? k.dims.slice(1) : k.dims;
      const { H, W } = mriDims(tensor(sliceDims, k.data.subarray(0, k.data.length / nS)));
      const mask = str(v['mask']) !== undefined ? await readArray(str(v['mask'])!) : undefined;
      const mapsPath = str(v['maps']) ?? str(v['coil-maps']);
      const maps = mapsPath !== undefined ? await readArray(mapsPath) : undefined;
      const per = k.data.length / nS;
      const it = iterations ?? MRI_DEFAULTS[method as keyof typeof MRI_DEFAULTS].iterations;
      const out3 = new Float32Array(nS * H * W);
      for (let s = 0; s < nS; s++) {
        last = await reconMri(
          ex,
          { kspace: tensor(sliceDims, k.data.subarray(s * per, (s + 1) * per)), ...(mask ? { mask } : {}), ...(maps ? { maps } : {}) },
          { method: method as (typeof MRI_METHODS)[number], ...(lambda !== undefined ? { lambda } : {}), ...(iterations !== undefined ? { iterations } : {}), onStep: onStep(s * it, nS * it), ...(denoiser ? { denoiser } : {}) },
        );
        out3.set(last.image.data, s * H * W);
        its = last.iterations;
        nfe += last.nfe;
        last.notes.forEach((n) => notes.add(n));
      }
      img = isVolume ? tensor([nS, H, W], out3) : tensor([H, W], out3);
    } else {
      let y = await readArray(input);
      while (y.dims.length > 2 && y.dims[0] === 1) y = tensor(y.dims.slice(1), y.data);
      if (y.dims.length !== 2) throw new MedreconError('SHAPE_MISMATCH', `recon ${modality}: measurements must be [views, detectors], got [${y.dims.join(', ')}]`);
      const [V, D] = y.dims as [number, number];
      let angles: ArrayLike<number>;
      const anglesPath = str(v['angles']);
      if (anglesPath !== undefined) {
        angles = (await readArray(anglesPath)).data;
        if (angles.length !== V) throw new MedreconError('SHAPE_MISMATCH', `recon ${modality}: ${angles.length} angles for a sinogram of ${V} views`);
      } else {
        if (views !== undefined && views !== V) throw new MedreconError('SHAPE_MISMATCH', `recon ${modality}: --views ${views} but the sinogram has ${V} views (rows)`);
        angles = anglesFor(V, arc);
      }
      const N = size ?? sizeForDetectors(D);
      if (modality === 'ct') {
        if (i0 !== undefined) y = countsToLineIntegrals(y, i0);
        const g = ctGeometry({ imageSize: [N, N], angles, pixelSize, nDetectors: D });
        const it = iterations ?? (method === 'pnp-net' ? CT_PNP_DEFAULTS.iterations : CT_DEFAULTS.iterations);
        last = await reconCt(ex, y, g, { method: method as 'fbp' | 'tv' | 'pnp-net', ...(filter ? { filter } : {}), ...(lambda !== undefined ? { lambda } : {}), iterations: it, onStep: onStep(0, it), ...(denoiser ? { denoiser } : {}) });
      } else {
        const attPath = str(v['attenuation']);
        const attenuation = attPath !== undefined ? await readArray(attPath) : undefined;
        last = await reconPet(ex, y, {
          method: method as 'mlem' | 'osem',
          imageSize: [N, N],
          pixelSize,
          angles,
          ...(attenuation ? { attenuation: attenuation.dims.length > 2 ? tensor(attenuation.dims.filter((d, i) => !(d === 1 && i < attenuation.dims.length - 2)), attenuation.data) : attenuation } : {}),
          ...(iterations !== undefined ? { iterations } : {}),
          ...(subsets !== undefined ? { subsets } : {}),
          onStep: onStep(0, iterations ?? (method === 'mlem' ? PET_DEFAULTS.mlem : PET_DEFAULTS.osem)),
        });
      }
      img = last.image;
      its = last.iterations;
    }
  } finally {
    (bar as Progress | undefined)?.stop();
  }
  const timeMs = performance.now() - t0;
  if (out !== undefined) await writeArray(out, img, { ...(format ? { format } : {}), modality: modality === 'mri' ? 'MR' : modality === 'ct' ? 'CT' : 'PT', pixelSize, ...(dicomSource !== undefined ? { dicomSource } : {}) });
  const refPath = str(v['reference']);
  const metrics = refPath !== undefined ? computeMetrics(await readArray(refPath, { dataset: 'reconstruction_rss' }), img) : undefined;
  const report: ReconReport = {
    modality,
    method,
    input,
    ...(out !== undefined ? { out } : {}),
    shape: img.dims,
    iterations: its,
    nfe,
    timeMs,
    ...(notes.size ? { notes: [...notes] } : {}),
    ...(metrics ? { metrics } : {}),
  };
  if (v.json) io.out(JSON.stringify(report) + '\n');
  else {
    io.out(`${modality} ${method}: [${img.dims.join(', ')}], ${its} iterations, ${timeMs.toFixed(0)} ms${out !== undefined ? ` → ${out}` : ''}${notes.size ? ` (${[...notes].join('; ')})` : ''}\n`);
    if (metrics) io.out(`PSNR ${metrics.psnr.toFixed(2)} dB  SSIM ${metrics.ssim.toFixed(4)}  NMSE ${metrics.nmse.toExponential(3)}\n`);
  }
  return 0;
}
