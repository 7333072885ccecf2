/**
 * The shared image-volume type of the file codecs (NIfTI, DICOM).
 *
 * Conventions (every reader and writer follows them):
 * - `data` is a C-order HostTensor, `float32` or `int32`, holding values AFTER rescale
 *   (`value = slope · stored + intercept`). Dims are `[z, y, x]` for a 3D volume and `[t, z, y, x]`
 *   for 4D (x, the in-file fastest axis — NIfTI's i / DICOM's column — is last). A single 2D image is
 *   `[1, y, x]`. Colour DICOM (RGB) adds a trailing axis of 3: `[z, y, x, 3]`.
 * - `spacing` has one entry per axis of `data`, in the same order: `[dz, dy, dx]` (mm) or
 *   `[dt, dz, dy, dx]` (dt in the file's time unit).
 * - `affine` is a 4×4 row-major matrix mapping the voxel index column vector `[i, j, k, 1]` to world mm,
 *   where i indexes x (last axis), j indexes y, k indexes z — i.e. the NIfTI convention
 *   `world = affine · [i, j, k, 1]ᵀ`. The world frame is named by `meta.space`:
 *   `'RAS'` (NIfTI: +x Right, +y Anterior, +z Superior) or `'LPS'` (DICOM patient coordinates).
 *   Convert with `affineToSpace`; writers convert on their own.
 * - `meta` carries format-specific fields (documented by each reader) and is JSON-compatible.
 *
 * @example
 *   const v = readNifti(bytes);           // v.data.dims = [nz, ny, nx]
 *   const world = applyAffine(v.affine, [0, 0, 0]); // centre of the first voxel in mm
 */
import type { HostTensor } from '../core/tensor.js';

export type WorldSpace = 'RAS' | 'LPS';

export interface Volume {
  readonly data: HostTensor<'float32' | 'int32'>;
  /** mm per voxel step, one per axis of `data` in the same order. */
  readonly spacing: number[];
  /** 4×4 voxel (i=x, j=y, k=z) → world (mm) matrix, row-major; frame is `meta.space`. */
  readonly affine: number[][];
  readonly meta: Record<string, unknown>;
}

/** The 4×4 identity. */
export function identityAffine(): number[][] {
  return [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ];
}

/** `affine · [i, j, k, 1]ᵀ` → `[x, y, z]` world mm. */
export function applyAffine(affine: readonly (readonly number[])[], ijk: readonly number[]): [number, number, number] {
  const out: [number, number, number] = [0, 0, 0];
  for (let r = 0; r < 3; r++) {
    const row = affine[r]!;
    out[r] = row[0]! * ijk[0]! + row[1]! * ijk[1]! + row[2]! * ijk[2]! + row[3]!;
  }
  return out;
}

/**
 * Re-express an affine in another world frame. RAS ↔ LPS negates the first two world axes:
 * `A_out = diag(-1, -1, 1, 1) · A_in` (the map is its own inverse).
 *
 * @example affineToSpace(dicomVol.affine, 'LPS', 'RAS')
 */
export function affineToSpace(affine: readonly (readonly number[])[], from: WorldSpace, to: WorldSpace): number[][] {
  const out = affine.map((r) => [...r]);
  if (from !== to) for (let r = 0; r < 2; r++) for (let c = 0; c < 4; c++) out[r]![c] = -out[r]![c]! || 0;
  return out;
}

/** The world space a volume's affine is in (`meta.space`, default 'RAS'). */
export function spaceOf(v: Volume): WorldSpace {
  return v.meta['space'] === 'LPS' ? 'LPS' : 'RAS';
}
