/**
 * Loaders for the committed fixtures in `data/fixtures/` (Node only: uses `node:fs`). See
 * data/fixtures/README.md for sources, slice indices, transforms and licences.
 *
 * - `loadMriSlices('train' | 'heldout')` → float32 [N, 1, 128, 128] in [0, 1] (uint8 / 255).
 * - `loadCtSlice()` → float32 [1, 1, 128, 128]: `unit` = clip((HU + 1024) / 4096, 0, 1) (the 12-bit
 *   CT range mapped to [0, 1]) and `hu` (raw Hounsfield units).
 *
 * @example
 *   const train = loadMriSlices('train'); // dims [20, 1, 128, 128]
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MedreconError } from '../core/errors.js';
import { type HostTensor, tensor } from '../core/tensor.js';
import { readNpy } from './npy.js';

/** The fixtures folder: `dir` if given, else the first `data/fixtures` found walking up from this module. */
export function fixturesDir(dir?: string): string {
  if (dir !== undefined) return resolve(dir);
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const c = join(d, 'data', 'fixtures');
    if (existsSync(join(c, 'mri_t1_train.npy'))) return c;
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  throw new MedreconError('INVALID_ARGUMENT', 'fixtures: could not find data/fixtures above ' + fileURLToPath(import.meta.url));
}

function load(name: string, dir?: string) {
  return readNpy(readFileSync(join(fixturesDir(dir), name)));
}

/** T1 MRI slices as float32 [N, 1, 128, 128] with values in [0, 1]. */
export function loadMriSlices(split: 'train' | 'heldout', dir?: string): HostTensor<'float32'> {
  if (split !== 'train' && split !== 'heldout') throw new MedreconError('INVALID_ARGUMENT', `loadMriSlices: split must be 'train' or 'heldout', got '${String(split)}'`);
  const a = load(split === 'train' ? 'mri_t1_train.npy' : 'mri_t1_heldout.npy', dir);
  if (a.descr !== '|u1' || a.shape.length !== 3) throw new MedreconError('CORRUPT_FILE', `fixtures: expected uint8 [N, H, W], got ${a.descr} (${a.shape.join(', ')})`);
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i]! / 255;
  const [n, h, w] = a.shape as [number, number, number];
  return tensor([n, 1, h, w], out);
}

/** The pydicom CT_small slice: `unit` = clip((HU + 1024) / 4096, 0, 1) and `hu`, both [1, 1, 128, 128]. */
export function loadCtSlice(dir?: string): { unit: HostTensor<'float32'>; hu: HostTensor<'float32'> } {
  const a = load('ct_small_hu.npy', dir);
  if (a.descr !== '<f4' || a.shape.length !== 2) throw new MedreconError('CORRUPT_FILE', `fixtures: expected float32 [H, W], got ${a.descr}`);
  const [h, w] = a.shape as [number, number];
  const hu = a.data as Float32Array;
  const unit = new Float32Array(hu.length);
  for (let i = 0; i < hu.length; i++) unit[i] = Math.min(1, Math.max(0, (hu[i]! + 1024) / 4096));
  return { unit: tensor([1, 1, h, w], unit), hu: tensor([1, 1, h, w], hu) };
}
