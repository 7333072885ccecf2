/**
 * `medrecon simulate --modality mri|ct|pet <image> --out <file>`: image → measurements, with the
 * library's physics (fastMRI masks, SENSE with simulated coil maps, parallel-beam CT with
 * Beer–Lambert noise, PET with attenuation and Poisson counts). See ./engine.ts for the maths.
 */
import { tensor } from '../index.js';
import { createRuntime } from '../node/index.js';
import { huToMu, type MaskType, simulateCt, simulateMri, simulatePet, waterMuMap } from './engine.js';
import { type CliIo, choice, COMMON_HELP, num, parse, readArray, squeezeLead, str, UsageError, writeArray, outFormat } from './common.js';

export const SIMULATE_HELP = `Usage: medrecon simulate --modality mri|ct|pet <image> --out <file> [options]

Simulate measurements from an image ([H, W] real; MRI also [H, W, 2] complex) and write the files
that 'medrecon recon' reads.

Array conventions:
  MRI k-space [H, W, 2] (1 coil) or [coils, H, W, 2], complex as a trailing (re, im) axis, centred
      orthonormal 2-D FFT, unsampled entries 0; mask [W] (1 = sampled phase-encode line, fastMRI
      RandomMaskFunc / EquiSpacedMaskFunc semantics, NumPy-exact for a seed); coil maps [coils, H, W, 2].
  CT  sinogram [views, detectors]: line integrals (or raw counts with --raw), parallel beam over
      --arc degrees, detector pitch = pixel size, ⌈√2·N⌉ + 1 detectors; angles [views] in radians.
  PET counts [views, detectors] over 180°, y ~ Poisson(a ⊙ P(s·x)), s set by --counts.

MRI options:
  --acceleration R      undersampling factor (default 4)
  --center-fraction F   fully sampled centre fraction (default 0.08)
  --mask-type T         random | equispaced (default random)
  --coils N             coils (default 1; > 1: simulated birdcage maps, SENSE)
  --noise S             complex Gaussian noise std per component (image units; default 0)
  --phase               give a real image a smooth phase (as real MRI has)
  --mask-out FILE       write the mask [W]        --maps-out FILE   write the coil maps
CT options:
  --views N (default 180)   --arc DEG (default 180)   --pixel-size MM (default 1)
  --i0 I0               blank-scan counts: transmission noise (default: noiseless)
  --raw                 write the raw counts (needs --i0) instead of line integrals
  --hu                  the image is in Hounsfield units (μ = 0.0192/mm · (1 + HU/1000))
  --angles-out FILE     write the angles [views] (radians)
PET options:
  --views N (default 120)   --counts N total expected counts (default 1e6)   --pixel-size MM
  --attenuation FILE|water  μ-map [H, W] in 1/mm, or water (0.0096/mm) on the image support
  --attenuation-out FILE    write the μ-map        --truth-out FILE   write s·x (what MLEM estimates)
Common: --seed N (default 0)

Output: --out FILE (.npy, .npz, .h5 (MRI k-space in the fastMRI layout), .nii.gz, .cfl)

Examples:
  medrecon simulate --modality mri image.npy --coils 8 --acceleration 4 --noise 0.005 --out ksp.npy --mask-out mask.npy
  medrecon simulate --modality ct ct_hu.npy --hu --views 60 --i0 1e5 --out sino.npy
  medrecon simulate --modality pet brain.npy --counts 1e6 --attenuation water --attenuation-out mu.npy --out counts.npy

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
      phase: { type: 'boolean', default: false },
      'mask-out': { type: 'string' },
      'maps-out': { type: 'string' },
      views: { type: 'string' },
      arc: { type: 'string' },
      'pixel-size': { type: 'string' },
      i0: { type: 'string' },
      dose: { type: 'string' },
      raw: { type: 'boolean', default: false },
      hu: { type: 'boolean', default: false },
      'angles-out': { type: 'string' },
      counts: { type: 'string' },
      attenuation: { type: 'string' },
      'attenuation-out': { type: 'string' },
      'truth-out': { type: 'string' },
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
  outFormat(out);
  const seed = num(v['seed'], 'seed', { int: true, min: 0 }) ?? 0;
  const pixelSize = num(v['pixel-size'], 'pixel-size', { min: Number.MIN_VALUE }) ?? 1;
  let report: Record<string, unknown>;
  let line: string;

  if (modality === 'mri') {
    const acceleration = num(v['acceleration'], 'acceleration', { min: 1 }) ?? 4;
    const centerFraction = num(v['center-fraction'], 'center-fraction', { min: 0, max: 1 }) ?? 0.08;
    const maskType: MaskType = choice(v['mask-type'], 'mask-type', ['random', 'equispaced'] as const) ?? 'random';
    const noise = num(v['noise'], 'noise', { min: 0 }) ?? 0;
    const coils = num(v['coils'], 'coils', { int: true, min: 1 }) ?? 1;
    const img = squeezeLead(await readArray(input));
    const sim = await simulateMri(createRuntime(), img, { coils, acceleration, centerFraction, maskType, seed, noise, phase: Boolean(v['phase']) });
    await writeArray(out, out.toLowerCase().endsWith('.h5') ? tensor([1, ...sim.kspace.dims], sim.kspace.data) : sim.kspace);
    const maskOut = str(v['mask-out']);
    if (maskOut !== undefined) await writeArray(maskOut, sim.mask);
    const mapsOut = str(v['maps-out']);
    if (mapsOut !== undefined && sim.maps) await writeArray(mapsOut, sim.maps);
    const W = sim.mask.data.length;
    const lines = sim.mask.data.reduce((a, b) => a + b, 0);
    report = { modality, out, kspace: sim.kspace.dims, coils, lines, acceleration: W / lines, noise, seed, maskType };
    line = `wrote ${out}: k-space [${sim.kspace.dims.join(', ')}], ${lines}/${W} lines (×${(W / lines).toFixed(2)}), ${coils} coil${coils > 1 ? 's' : ''}, noise σ=${noise}`;
  } else if (modality === 'ct') {
    const views = num(v['views'], 'views', { int: true, min: 1 }) ?? 180;
    const arc = num(v['arc'], 'arc', { min: Number.MIN_VALUE, max: 360 }) ?? 180;
    const i0 = num(v['i0'] ?? v['dose'], v['i0'] !== undefined ? 'i0' : 'dose', { min: Number.MIN_VALUE }) ?? 0;
    if (v['raw'] && !(i0 > 0)) throw new UsageError('simulate: --raw needs --i0 I0');
    let img = squeezeLead(await readArray(input));
    if (v['hu']) img = huToMu(img);
    const sim = await simulateCt(createRuntime(), img, { views, arcDeg: arc, pixelSize, i0, seed });
    await writeArray(out, v['raw'] ? sim.counts! : sim.sinogram);
    const aOut = str(v['angles-out']);
    if (aOut !== undefined) await writeArray(aOut, tensor([views], Float32Array.from(sim.angles)));
    report = { modality, out, sinogram: sim.sinogram.dims, views, arc, i0: i0 || null, raw: Boolean(v['raw']), pixelSize, seed };
    line = `wrote ${out}: ${v['raw'] ? 'counts' : 'line integrals'} [${sim.sinogram.dims.join(', ')}], ${views} views over ${arc}°${i0 ? `, I0 = ${i0}` : ', noiseless'}`;
  } else {
    const views = num(v['views'], 'views', { int: true, min: 1 }) ?? 120;
    const counts = num(v['counts'], 'counts', { min: Number.MIN_VALUE }) ?? 1e6;
    const img = squeezeLead(await readArray(input));
    const att = str(v['attenuation']);
    const mu = att === undefined ? undefined : att === 'water' ? waterMuMap(img) : squeezeLead(await readArray(att));
    const sim = await simulatePet(createRuntime(), img, { views, counts, pixelSize, seed, ...(mu ? { attenuation: mu } : {}) });
    await writeArray(out, sim.counts);
    const muOut = str(v['attenuation-out']);
    if (muOut !== undefined && mu) await writeArray(muOut, mu);
    const tOut = str(v['truth-out']);
    if (tOut !== undefined) await writeArray(tOut, sim.activity);
    let total = 0;
    for (const c of sim.counts.data) total += c;
    report = { modality, out, counts: sim.counts.dims, views, total, scale: sim.scale, attenuation: att ?? null, pixelSize, seed };
    line = `wrote ${out}: counts [${sim.counts.dims.join(', ')}], ${total} in all, activity scale s = ${sim.scale.toPrecision(4)}${mu ? ', attenuated' : ''}`;
  }
  io.out(v.json ? JSON.stringify(report) + '\n' : line + '\n');
  return 0;
}
