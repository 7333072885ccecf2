/**
 * `medrecon simulate --modality mri|ct|pet <image> --out <file>`: image → measurements.
 * Wired: MRI single-coil Cartesian (centered orthonormal FFT, line mask, complex Gaussian noise).
 * Not available yet: multi-coil MRI (coil maps), CT, PET (their physics is not in the public API).
 */
import { tensor } from '../index.js';
import { asImage } from './metrics.js';
import { lineMask, type MaskType, simulateMriSingleCoil } from './mri.js';
import { type CliIo, choice, COMMON_HELP, notAvailable, num, parse, readArray, str, UsageError, writeArray } from './common.js';

export const SIMULATE_HELP = `Usage: medrecon simulate --modality mri|ct|pet <image> --out <file> [options]

Simulate measurements from an image (.npy [H, W] real, or [H, W, 2] complex).

Array conventions:
  MRI k-space [H, W, 2] (single-coil) or [coils, H, W, 2], complex as a trailing (re, im) axis,
  centered orthonormal 2-D FFT; mask [W] along the phase-encode (last) axis.
  CT sinogram [views, detectors] (line integrals), angles in radians.  PET counts [views, detectors].

MRI options:
  --acceleration R      undersampling factor (default 4)
  --center-fraction F   fully sampled centre fraction (default 0.08)
  --mask-type T         random | equispaced (default random)
  --seed N              seed for the mask and the noise (default 0)
  --noise S             complex Gaussian noise std per component, in k-space units (default 0)
  --coils N             number of coils (only 1 is available yet)
  --mask-out FILE       also write the mask [W] (.npy)
CT/PET options (not available yet): --views N, --arc DEG, --dose I0, --counts N

Output: --out FILE (.npy, or .h5 for fastMRI-layout k-space)

Examples:
  medrecon simulate --modality mri image.npy --acceleration 4 --seed 1 --out ksp.npy --mask-out mask.npy
  medrecon simulate --modality mri image.npy --noise 0.01 --out ksp.h5

${COMMON_HELP}`;

export async function runSimulate(args: readonly string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse(
    args,
    {
      modality: { type: 'string', short: 'm' },
      out: { type: 'string', short: 'o' },
      acceleration: { type: 'string' },
      'center-fraction': { type: 'string' },
      'mask-type': { type: 'string' },
      seed: { type: 'string' },
      noise: { type: 'string' },
      coils: { type: 'string' },
      'mask-out': { type: 'string' },
      views: { type: 'string' },
      arc: { type: 'string' },
      dose: { type: 'string' },
      counts: { type: 'string' },
    },
    1,
  );
  if (v.help) {
    io.out(SIMULATE_HELP + '\n');
    return 0;
  }
  const modality = choice(v['modality'], 'modality', ['mri', 'ct', 'pet'] as const);
  if (!modality) throw new UsageError('simulate: --modality mri|ct|pet is required');
  const input = positionals[0];
  if (input === undefined) throw new UsageError('simulate: missing <image>');
  const out = str(v['out']);
  if (out === undefined) throw new UsageError('simulate: --out FILE is required');
  if (modality === 'ct') throw notAvailable('simulate --modality ct', 'the CT projectors (src/physics/ct) in the public API');
  if (modality === 'pet') throw notAvailable('simulate --modality pet', 'the PET projector (src/physics/pet) in the public API');
  const acceleration = num(v['acceleration'], 'acceleration', { min: 1 }) ?? 4;
  const centerFraction = num(v['center-fraction'], 'center-fraction', { min: 0, max: 1 }) ?? 0.08;
  const type: MaskType = choice(v['mask-type'], 'mask-type', ['random', 'equispaced'] as const) ?? 'random';
  const seed = num(v['seed'], 'seed', { int: true, min: 0 }) ?? 0;
  const noise = num(v['noise'], 'noise', { min: 0 }) ?? 0;
  const coils = num(v['coils'], 'coils', { int: true, min: 1 }) ?? 1;
  if (coils > 1) throw notAvailable('simulate --coils > 1', 'coil sensitivity maps (src/physics/mri) in the public API');
  const raw = await readArray(input);
  const complex = raw.dims[raw.dims.length - 1] === 2 && raw.dims.length >= 3;
  let img = asImage(raw, false);
  if (!complex && img.dims.length === 3 && img.dims[0] === 1) img = tensor(img.dims.slice(1), img.data);
  const W = img.dims[complex ? img.dims.length - 2 : img.dims.length - 1]!;
  const mask = lineMask(W, { acceleration, centerFraction, seed, type });
  const k = await simulateMriSingleCoil(img, mask, { noise, seed });
  await writeArray(out, out.toLowerCase().endsWith('.h5') ? tensor([1, ...k.dims], k.data) : k);
  const maskOut = str(v['mask-out']);
  if (maskOut !== undefined) await writeArray(maskOut, tensor([W], mask));
  const sampled = mask.reduce((a, b) => a + b, 0);
  const report = { modality, out, kspace: k.dims, lines: sampled, acceleration: W / sampled, noise, seed, maskType: type };
  io.out(v.json ? JSON.stringify(report) + '\n' : `wrote ${out}: k-space [${k.dims.join(', ')}], ${sampled}/${W} lines (×${(W / sampled).toFixed(2)}), noise σ=${noise}\n`);
  return 0;
}
