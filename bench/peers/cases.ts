/**
 * Evaluation cases shared by bench/physics.ts and bench/classical.ts (not part of the library):
 * real 256² slices from `npm run data:fetch` (.cache/meddata/sets), or the committed 128² fixtures
 * when the cache is missing (the scripts print which), and the physical conversions they use.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import { loadCtSlice, loadMriSlices } from '../../src/io/fixtures.js';
import { type NpyArray, readNpy } from '../../src/io/npy.js';

export interface Slice {
  /** [H, W] float32. */
  readonly image: HostTensor<'float32'>;
  /** Where it came from (printed and stored in the JSON). */
  readonly source: string;
}

export interface Cases {
  /** 'cache' (256² real slices) or 'fixtures' (128² fallback). */
  readonly from: 'cache' | 'fixtures';
  readonly size: number;
  /** Evaluation MRI slice in [0, 1] (brain T1). */
  readonly mri: Slice;
  /** A different MRI slice for tuning λ. */
  readonly mriTune: Slice;
  /** Evaluation CT slice in HU. */
  readonly ct: Slice;
  /** A different CT slice for tuning λ. */
  readonly ctTune: Slice;
  /** CT pixel size in mm. */
  readonly ctPixelMm: number;
  readonly note: string;
}

function sliceOf(a: NpyArray, i: number): HostTensor<'float32'> {
  const [, h, w] = a.shape as [number, number, number];
  return tensor([h, w], Float32Array.from(a.data.subarray(i * h * w, (i + 1) * h * w)));
}

/** Slice i of a [N, 1, H, W] tensor as [H, W]. */
function pick(t: HostTensor, i: number): HostTensor<'float32'> {
  const h = t.dims[2]!;
  const w = t.dims[3]!;
  return tensor([h, w], Float32Array.from((t.data as Float32Array).subarray(i * h * w, (i + 1) * h * w)));
}

/**
 * The benchmark slices. Cache: MRI = mri_test.npy slice 0 (dipy's coronal T1 brain slice), tuning =
 * mri_train.npy slice 84 (mricron ch2 axial, a different subject and orientation); CT = ct_test.npy
 * slice 6 (InVesalius Cranium head CT, HU), tuning = ct_train.npy slice 40 (same patient, ≥ 48
 * slices away); CT pixel 0.957 mm (the Cranium series spacing, main.plist).
 * Fallback: data/fixtures 128² MRI held-out slice 0 / train slice 0, and the 128² CT_small slice
 * (used for both; pixel 0.661 mm nominal).
 */
export function loadCases(root: string): Cases {
  const dir = join(root, '.cache/meddata/sets');
  const files = ['mri_test.npy', 'mri_train.npy', 'ct_test.npy', 'ct_train.npy'];
  if (files.every((f) => existsSync(join(dir, f)))) {
    const ld = (f: string) => readNpy(readFileSync(join(dir, f)));
    const mt = ld('mri_test.npy');
    const mr = ld('mri_train.npy');
    const ct = ld('ct_test.npy');
    const cr = ld('ct_train.npy');
    return {
      from: 'cache',
      size: 256,
      mri: { image: sliceOf(mt, 0), source: 'mri_test.npy[0] (dipy t1_coronal_slice, 256²)' },
      mriTune: { image: sliceOf(mr, 84), source: 'mri_train.npy[84] (mricron ch2 axial, 256²)' },
      ct: { image: sliceOf(ct, 6), source: 'ct_test.npy[6] (InVesalius Cranium head CT, HU, 256²)' },
      ctTune: { image: sliceOf(cr, 40), source: 'ct_train.npy[40] (InVesalius Cranium, HU, 256²)' },
      ctPixelMm: 0.957,
      note: 'real 256² slices from .cache/meddata/sets (npm run data:fetch)',
    };
  }
  const held = loadMriSlices('heldout');
  const train = loadMriSlices('train');
  const c = loadCtSlice();
  const hu = pick(c.hu, 0);
  return {
    from: 'fixtures',
    size: 128,
    mri: { image: pick(held, 0), source: 'data/fixtures mri_t1_heldout[0] (128²)' },
    mriTune: { image: pick(train, 0), source: 'data/fixtures mri_t1_train[0] (128²)' },
    ct: { image: hu, source: 'data/fixtures ct_small_hu (128²)' },
    ctTune: { image: hu, source: 'data/fixtures ct_small_hu (128², same slice: no second CT fixture)' },
    ctPixelMm: 0.661,
    note: 'FALLBACK: .cache/meddata/sets missing (run `npm run data:fetch`); using the 128² fixtures, so figures are not comparable with the 256² tables',
  };
}

/** μ = μ_water·(1 + HU/1000), clipped at 0 (1/mm); μ_water = 0.0192 /mm (≈ 70 keV). */
export const MU_WATER_70KEV = 0.0192;
export function huToMu(hu: HostTensor): HostTensor<'float32'> {
  const d = hu.data;
  const out = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = Math.max(0, MU_WATER_70KEV * (1 + d[i]! / 1000));
  return tensor([...hu.dims], out);
}

/** μ of water at 511 keV (1/mm). */
export const MU_WATER_511KEV = 0.0096;

/**
 * A 2D PET phantom from a brain slice img [H, W] in [0, 1]: activity ∝ intensity; μ-map = water at
 * 511 keV (0.0096 /mm) inside the head outline (pixels above 5 % of the max, filled row- and
 * column-wise between the first and last such pixel), 0 outside.
 */
export function petPhantom(img: HostTensor): { activity: HostTensor<'float32'>; mu: HostTensor<'float32'> } {
  const [H, W] = img.dims as [number, number];
  const d = img.data;
  let mx = 0;
  for (let i = 0; i < d.length; i++) mx = Math.max(mx, d[i]!);
  const on = (i: number, j: number) => d[i * W + j]! > 0.05 * mx;
  const rows = new Uint8Array(H * W);
  const cols = new Uint8Array(H * W);
  for (let i = 0; i < H; i++) {
    let a = -1;
    let b = -1;
    for (let j = 0; j < W; j++) if (on(i, j)) { if (a < 0) a = j; b = j; }
    for (let j = a; a >= 0 && j <= b; j++) rows[i * W + j] = 1;
  }
  for (let j = 0; j < W; j++) {
    let a = -1;
    let b = -1;
    for (let i = 0; i < H; i++) if (on(i, j)) { if (a < 0) a = i; b = i; }
    for (let i = a; a >= 0 && i <= b; i++) cols[i * W + j] = 1;
  }
  const mu = new Float32Array(H * W);
  for (let p = 0; p < H * W; p++) mu[p] = rows[p]! && cols[p]! ? MU_WATER_511KEV : 0;
  return { activity: tensor([H, W], Float32Array.from(d)), mu: tensor([H, W], mu) };
}
