/**
 * Coil-sensitivity simulation (host code, for tests and benchmarks).
 *
 * Birdcage-like model (as SigPy `mri.birdcage_maps`): `coils` small loops equally spaced on a
 * circle of radius `radius` (in units of the half field of view) around the image centre; coil c at
 * p_c = radius·(cos θ_c, sin θ_c), θ_c = 2πc/coils, sees pixel r with
 *   S_c(r) = exp(i(φ_c(r) − θ_c)) / |r − p_c|,   φ_c(r) = atan2(x − p_cx, −(y − p_cy)),
 * i.e. a Biot–Savart-like 1/distance magnitude and a smoothly varying phase. With `normalize`
 * (default) maps are scaled so Σ_c |S_c|² = 1 at every pixel (the convention ESPIRiT produces).
 * Optionally a smooth global phase e^{iψ(r)} common to all coils is added (`phase`, radians of a
 * low-order polynomial), which ESPIRiT cannot see and tests must allow for.
 * Coordinates: x along W (last axis), y along H, both (index − n/2)/(n/2).
 *
 * @example
 *   const maps = simulateCoilMaps({ coils: 8, shape: [256, 256] }); // HostTensor [8, 256, 256, 2]
 */
import { MedreconError, checkOptions } from '../../core/errors.js';
import { type HostTensor, tensor } from '../../core/tensor.js';

export interface CoilMapOptions {
  /** Number of coils (≥ 1). */
  coils: number;
  /** Image grid [H, W]. */
  shape: readonly [number, number];
  /** Radius of the coil circle in half-FOV units (default 1.5; smaller = more localised maps). */
  radius?: number;
  /** Normalise so Σ_c |S_c|² = 1 per pixel (default true). */
  normalize?: boolean;
}

/** Simulated birdcage coil maps [coils, H, W, 2] (float32, complex as (re, im)). */
export function simulateCoilMaps(opts: CoilMapOptions): HostTensor<'float32'> {
  checkOptions('simulateCoilMaps', opts, ['coils', 'shape', 'radius', 'normalize']);
  const { coils: C, shape, radius = 1.5, normalize = true } = opts;
  const [H, W] = shape;
  if (!Number.isInteger(C) || C < 1) throw new MedreconError('INVALID_ARGUMENT', `simulateCoilMaps: coils must be a positive integer, got ${C}`);
  if (!Number.isInteger(H) || !Number.isInteger(W) || H < 1 || W < 1) throw new MedreconError('INVALID_ARGUMENT', `simulateCoilMaps: bad shape [${H}, ${W}]`);
  if (!(radius > 0)) throw new MedreconError('INVALID_ARGUMENT', `simulateCoilMaps: radius must be > 0, got ${radius}`);
  const n = H * W;
  const re = new Float64Array(C * n);
  const im = new Float64Array(C * n);
  for (let c = 0; c < C; c++) {
    const th = (2 * Math.PI * c) / C;
    const px = radius * Math.cos(th);
    const py = radius * Math.sin(th);
    for (let yi = 0; yi < H; yi++) {
      const y = (yi - H / 2) / (H / 2);
      for (let xi = 0; xi < W; xi++) {
        const x = (xi - W / 2) / (W / 2);
        const dx = x - px;
        const dy = y - py;
        const r = Math.max(Math.hypot(dx, dy), 1e-6);
        const phi = Math.atan2(dx, -dy) - th;
        const o = c * n + yi * W + xi;
        re[o] = Math.cos(phi) / r;
        im[o] = Math.sin(phi) / r;
      }
    }
  }
  if (normalize) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += re[c * n + i]! ** 2 + im[c * n + i]! ** 2;
      const k = 1 / Math.sqrt(s);
      for (let c = 0; c < C; c++) { re[c * n + i]! *= k; im[c * n + i]! *= k; }
    }
  }
  const out = new Float32Array(2 * C * n);
  for (let i = 0; i < C * n; i++) { out[2 * i] = re[i]!; out[2 * i + 1] = im[i]!; }
  return tensor([C, H, W, 2], out);
}

/**
 * A smooth phase image e^{iψ} with ψ(x, y) = a·x + b·y + c·x·y + d·(x² − y²) (radians; x, y in
 * [−1, 1) as above) applied to a real image [H, W] → complex [H, W, 2]. Used to make test objects
 * with the smooth phase of real MRI.
 * @example withSmoothPhase(img, [128, 128], [0.8, -0.5, 0.6, 0.4])
 */
export function withSmoothPhase(img: ArrayLike<number>, shape: readonly [number, number], coef: readonly [number, number, number, number] = [0.8, -0.5, 0.6, 0.4]): HostTensor<'float32'> {
  const [H, W] = shape;
  if (img.length !== H * W) throw new MedreconError('SHAPE_MISMATCH', `withSmoothPhase: image of ${img.length} values is not [${H}, ${W}]`);
  const out = new Float32Array(2 * H * W);
  const [a, b, c, d] = coef;
  for (let yi = 0; yi < H; yi++) {
    const y = (yi - H / 2) / (H / 2);
    for (let xi = 0; xi < W; xi++) {
      const x = (xi - W / 2) / (W / 2);
      const psi = a * x + b * y + c * x * y + d * (x * x - y * y);
      const v = Number(img[yi * W + xi]);
      out[2 * (yi * W + xi)] = v * Math.cos(psi);
      out[2 * (yi * W + xi) + 1] = v * Math.sin(psi);
    }
  }
  return tensor([H, W, 2], out);
}
