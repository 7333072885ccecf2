/**
 * `medrecon demo`: reconstruct the bundled cases (data/fixtures) with the library's methods, print
 * method / PSNR / SSIM / time, and write one comparison PNG montage per modality.
 *
 * Cases (all 128 × 128):
 * - MRI: held-out Colin27 T1 slice with a smooth phase, 8 simulated coils, fastMRI random mask
 *   (4×, centre fraction 0.08, seed 0), complex Gaussian noise σ = 0.005; ESPIRiT maps from the
 *   centre lines; zero-filled (RSS), CG-SENSE, TV (PDHG), wavelet ℓ1 (FISTA), PnP-TV.
 * - CT: the pydicom CT_small slice as μ (1/mm, 2 mm pixels), 60 parallel-beam views over 180°,
 *   Beer–Lambert counts at I0 = 1e5; FBP (ramp), TV (PDHG).
 * - PET: a held-out brain slice as activity, water μ-map on its support, 120 views, 1e6 counts;
 *   MLEM (40 it), OSEM (5 it × 8 subsets).
 * Metrics: fastMRI conventions against the noiseless truth (data range = max of the truth).
 */
import { type HostTensor, encodePng, modelDenoiser, montage, tensor } from '../index.js';
import { createRuntime, loadCtSlice, loadMriSlices, loadShippedModel } from '../node/index.js';
import { computeMetrics } from './metrics.js';
import {
  CT_DEFAULTS,
  CT_PNP_DEFAULTS,
  estimateMaps,
  huToMu,
  MRI_DEFAULTS,
  type MriMethod,
  PET_DEFAULTS,
  reconCt,
  reconMri,
  reconPet,
  type SolveResult,
  simulateCt,
  simulateMri,
  simulatePet,
  waterMuMap,
} from './engine.js';
import { type CliIo, COMMON_HELP, num, parse, Progress, str, table, UsageError } from './common.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEMO_HELP = `Usage: medrecon demo [--out-dir DIR] [--only mri,ct,pet] [--json]

Reconstruct the bundled MRI, CT and PET cases (data/fixtures, 128 × 128) and print a table of
method, PSNR, SSIM and time (fastMRI metric conventions), and write a comparison PNG per modality.

  MRI  held-out T1 slice, 8 simulated coils, 4× fastMRI random mask, noise σ = 0.005:
       zero-filled, CG-SENSE, TV, wavelet, PnP-TV, PnP-net (shipped mri-drunet; ESPIRiT coil maps)
  CT   CT_small slice, 60 views, I0 = 1e5: FBP, TV, PnP-net (shipped ct-drunet)
  PET  brain-slice phantom, 1e6 counts, water attenuation: MLEM, OSEM

Options:
  --out-dir DIR       where the PNG montages go (default medrecon-demo/)
  --only LIST         modalities to run (default mri,ct,pet)
  --acceleration R    MRI undersampling (default 4)
  --slice N           held-out MRI slice (0–7, default 0)

Examples:
  medrecon demo
  medrecon demo --only mri --acceleration 8 --json

${COMMON_HELP}`;

interface Row {
  readonly modality: string;
  readonly case: string;
  readonly method: string;
  readonly psnr: number | null;
  readonly ssim: number | null;
  readonly timeMs: number;
  readonly iterations: number;
}

const MODS = ['mri', 'ct', 'pet'] as const;

export async function runDemo(args: readonly string[], io: CliIo): Promise<number> {
  const { values: v } = parse(
    args,
    { 'out-dir': { type: 'string' }, only: { type: 'string' }, acceleration: { type: 'string' }, slice: { type: 'string' }, quick: { type: 'boolean', default: false } },
    0,
  );
  if (v.help) {
    io.out(DEMO_HELP + '\n');
    return 0;
  }
  const acc = num(v['acceleration'], 'acceleration', { min: 1 }) ?? 4;
  const sliceIdx = num(v['slice'], 'slice', { int: true, min: 0, max: 7 }) ?? 0;
  const outDir = str(v['out-dir']) ?? 'medrecon-demo';
  const only = (str(v['only']) ?? MODS.join(',')).split(',').map((s) => s.trim());
  for (const m of only) if (!(MODS as readonly string[]).includes(m)) throw new UsageError(`--only: unknown modality '${m}' (mri, ct, pet)`);
  const quick = Boolean(v['quick']); // hidden: tiny iteration counts for tests
  const q = (n: number, small: number) => (quick ? small : n);

  const ex = createRuntime();
  const rows: Row[] = [];
  const pngs: string[] = [];
  // progress in iteration units over all rows
  const plan: number[] = [];
  const mriIts: Record<MriMethod, number> = {
    'zero-filled': 0,
    'cg-sense': q(MRI_DEFAULTS['cg-sense'].iterations, 3),
    tv: q(MRI_DEFAULTS.tv.iterations, 5),
    wavelet: q(MRI_DEFAULTS.wavelet.iterations, 5),
    'pnp-tv': q(MRI_DEFAULTS['pnp-tv'].iterations, 3),
    'pnp-net': q(MRI_DEFAULTS['pnp-net'].iterations, 2),
  };
  // The shipped denoisers (weights/), as Denoisers in their data units.
  const mriNet = modelDenoiser(loadShippedModel('mri-drunet'));
  const ctNet = modelDenoiser(loadShippedModel('ct-drunet'));
  const ctIts = q(CT_DEFAULTS.iterations, 5);
  const petIts = { mlem: q(PET_DEFAULTS.mlem, 3), osem: q(PET_DEFAULTS.osem, 1) };
  if (only.includes('mri')) plan.push(1, ...Object.values(mriIts).map((n) => Math.max(1, n)));
  if (only.includes('ct')) plan.push(1, 1, ctIts, q(CT_PNP_DEFAULTS.iterations, 2));
  if (only.includes('pet')) plan.push(1, petIts.mlem, petIts.osem);
  const total = plan.reduce((a, b) => a + b, 0);
  const bar = new Progress(io, v.quiet, 'demo', total);
  let base = 0;
  const advance = (n: number) => {
    base += n;
    bar.update(base);
  };
  const stepper = (n: number) => (done: number) => bar.update(base + Math.min(done, n));

  const writeMontage = (name: string, ref: HostTensor, images: HostTensor[], labels: string[]) => {
    let max = 0;
    for (const x of ref.data) max = Math.max(max, x as number);
    mkdirSync(outDir, { recursive: true });
    const p = join(outDir, name);
    writeFileSync(p, encodePng(montage([ref, ...images], { labels: ['TRUTH', ...labels.map((l) => l.toUpperCase())], columns: Math.min(images.length + 1, 4), window: { min: 0, max } })));
    pngs.push(p);
  };
  const row = (modality: string, c: string, method: string, ref: HostTensor<'float32'>, r: SolveResult, ms: number) => {
    const m = computeMetrics(ref, r.image);
    rows.push({ modality, case: c, method, psnr: m.psnr, ssim: m.ssim, timeMs: ms, iterations: r.iterations });
  };

  try {
    if (only.includes('mri')) {
      const all = loadMriSlices('heldout');
      const [, , H, W] = all.dims as [number, number, number, number];
      const truth = tensor([H, W], all.data.slice(sliceIdx * H * W, (sliceIdx + 1) * H * W));
      const sim = await simulateMri(ex, truth, { coils: 8, acceleration: acc, centerFraction: 0.08, maskType: 'random', seed: 0, noise: 0.005, phase: true });
      const t0 = performance.now();
      const maps = estimateMaps(sim.kspace, sim.mask);
      const mapsMs = performance.now() - t0;
      advance(1);
      const c = `MRI 8 coils ×${acc}`;
      const images: HostTensor[] = [];
      const labels: string[] = [];
      for (const method of Object.keys(mriIts) as MriMethod[]) {
        const t = performance.now();
        const r = await reconMri(ex, { kspace: sim.kspace, mask: sim.mask, maps }, { method, iterations: mriIts[method] || undefined, onStep: stepper(mriIts[method]), ...(method === 'pnp-net' ? { denoiser: mriNet } : {}) });
        row('mri', c, method, truth, r, performance.now() - t + (method === 'zero-filled' ? 0 : mapsMs));
        images.push(r.image);
        labels.push(method);
        advance(Math.max(1, mriIts[method]));
      }
      writeMontage('mri.png', truth, images, labels);
    }
    if (only.includes('ct')) {
      const { hu } = loadCtSlice();
      const [, , H, W] = hu.dims as [number, number, number, number];
      const mu = huToMu(tensor([H, W], hu.data));
      const sim = await simulateCt(ex, mu, { views: 60, arcDeg: 180, pixelSize: 2, i0: 1e5, seed: 0 });
      advance(1);
      const c = 'CT 60 views I0=1e5';
      const images: HostTensor[] = [];
      for (const method of ['fbp', 'tv', 'pnp-net'] as const) {
        const t = performance.now();
        const its = method === 'fbp' ? 1 : method === 'tv' ? ctIts : q(CT_PNP_DEFAULTS.iterations, 2);
        const r = await reconCt(ex, sim.sinogram, sim.geometry, { method, iterations: its, onStep: stepper(its), ...(method === 'pnp-net' ? { denoiser: ctNet } : {}) });
        row('ct', c, method, mu, r, performance.now() - t);
        images.push(r.image);
        advance(its);
      }
      writeMontage('ct.png', mu, images, ['fbp', 'tv', 'pnp-net']);
    }
    if (only.includes('pet')) {
      const all = loadMriSlices('heldout');
      const [, , H, W] = all.dims as [number, number, number, number];
      const s = (sliceIdx + 1) % 8;
      const act = tensor([H, W], all.data.slice(s * H * W, (s + 1) * H * W));
      const mu = waterMuMap(act);
      const sim = await simulatePet(ex, act, { views: 120, counts: 1e6, pixelSize: 2, attenuation: mu, seed: 0 });
      advance(1);
      const c = 'PET 1e6 counts';
      const images: HostTensor[] = [];
      for (const method of ['mlem', 'osem'] as const) {
        const t = performance.now();
        const its = petIts[method];
        const r = await reconPet(ex, sim.counts, { method, iterations: its, subsets: PET_DEFAULTS.subsets, attenuation: mu, pixelSize: 2, imageSize: [H, W], onStep: stepper(its) });
        row('pet', c, method === 'osem' ? `osem (${PET_DEFAULTS.subsets} subsets)` : method, sim.activity, r, performance.now() - t);
        images.push(r.image);
        advance(its);
      }
      writeMontage('pet.png', sim.activity, images, ['mlem', 'osem']);
    }
  } finally {
    bar.stop();
  }

  if (v.json) {
    io.out(JSON.stringify({ rows, png: pngs }) + '\n');
    return 0;
  }
  const fmt = (x: number | null, d: number) => (x === null ? '—' : x.toFixed(d));
  io.out(
    table([
      ['case', 'method', 'iters', 'PSNR dB', 'SSIM', 'time s'],
      ...rows.map((r) => [r.case, r.method, String(r.iterations), fmt(r.psnr, 2), fmt(r.ssim, 4), (r.timeMs / 1000).toFixed(2)]),
    ]),
  );
  io.out(`comparison PNGs: ${pngs.join(', ')}\n`);
  return 0;
}
