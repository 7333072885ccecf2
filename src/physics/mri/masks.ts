/**
 * k-space sampling masks (host code, deterministic given a seed).
 *
 * Cartesian line masks (1D, along the phase-encode = last image axis, `Uint8Array` of length W
 * with 1 = acquired line), with the exact semantics of fastMRI's `fastmri/data/subsample.py`:
 * - `randomMask` (`RandomMaskFunc`): n_low = round(W·centerFraction) (Python round, half to even)
 *   centre lines from pad = ⌊(W − n_low + 1)/2⌋; every line is also kept where u_i < p,
 *   p = (W/R − n_low)/(W − n_low), u = RandomState(seed).uniform(size=W). Same seed → the same
 *   lines as fastMRI (MT19937 reproduced bit for bit, see ./mt19937.ts).
 * - `equispacedMask` (`EquiSpacedMaskFunc`): lines offset, offset + R, … with offset =
 *   randint(0, round(R)) unless given; plus the centre.
 * - `equispacedFractionMask` (`EquispacedMaskFractionFunc`, the old fastMRI `EquispacedMaskFunc`
 *   that produced the public multicoil masks): spacing R' = R(n_low − W)/(n_low·R − W), samples
 *   round(arange(offset, W − 1, R')), offset = randint(0, round(R')).
 * When several (centerFraction, acceleration) pairs are given, one is chosen with randint(len)
 * first, as fastMRI does (no draw is consumed when there is only one pair).
 *
 * Others (seeded with medrecon's Philox `Rng`):
 * - `gaussianMask1d`: centre lines plus lines drawn without replacement from a Gaussian density
 *   centred on k = 0, to a total of round(W/R) lines.
 * - `poissonDiscMask`: 2D variable-density Poisson-disc mask (as SigPy `mri.poisson` / BART
 *   `poisson`): Bridson dart throwing with a radius that grows linearly with |k| (elliptical for
 *   non-square grids), the slope bisected until the achieved acceleration is within `tol`;
 *   calibration box fully sampled; corners (|k| > 1 normalised) optionally cropped.
 *
 * `maskToTensor` broadcasts a line mask to [H, W]; `acceleration(mask)` = size / count.
 *
 * @example
 *   const m = randomMask(368, { acceleration: 4, centerFraction: 0.08, seed: 0 }); // Uint8Array(368)
 *   const p = poissonDiscMask([128, 128], { acceleration: 6, calib: [16, 16], seed: 1 });
 */
import { MedreconError, checkOptions } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { type HostTensor, tensor } from '../../core/tensor.js';
import { RandomState } from './mt19937.js';

/** Python 3 `round(x)` (half to even) and NumPy `around`. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

export interface LineMaskOptions {
  /** Acceleration R (one value, or one per centre fraction; fastMRI picks one pair at random). */
  acceleration: number | readonly number[];
  /** Fraction of the W lines kept fully sampled at the centre (same length as `acceleration`). */
  centerFraction: number | readonly number[];
  /** RandomState seed: an integer in [0, 2³²) or a sequence of them (fastMRI: tuple(map(ord, fname))). */
  seed?: number | readonly number[];
  /** Equispaced masks: the first line's offset (drawn when omitted). */
  offset?: number;
}
const LINE_KEYS = ['acceleration', 'centerFraction', 'seed', 'offset'];

interface Chosen { rs: RandomState; acc: number; nLow: number }

function choose(where: string, numCols: number, o: LineMaskOptions): Chosen {
  checkOptions(where, o, LINE_KEYS);
  if (!Number.isInteger(numCols) || numCols < 1) throw new MedreconError('INVALID_ARGUMENT', `${where}: numCols must be a positive integer, got ${numCols}`);
  const accs = typeof o.acceleration === 'number' ? [o.acceleration] : [...o.acceleration];
  const cfs = typeof o.centerFraction === 'number' ? [o.centerFraction] : [...o.centerFraction];
  if (accs.length === 0 || accs.length !== cfs.length) throw new MedreconError('INVALID_ARGUMENT', `${where}: acceleration and centerFraction need the same non-zero length`);
  for (const a of accs) if (!(a >= 1)) throw new MedreconError('INVALID_ARGUMENT', `${where}: acceleration must be ≥ 1, got ${a}`);
  for (const c of cfs) if (!(c >= 0 && c <= 1)) throw new MedreconError('INVALID_ARGUMENT', `${where}: centerFraction must be in [0, 1], got ${c}`);
  const rs = new RandomState(o.seed ?? 0);
  const k = rs.randint(0, accs.length);
  const nLow = roundHalfEven(numCols * cfs[k]!);
  return { rs, acc: accs[k]!, nLow };
}

/** The fully sampled centre block: lines [pad, pad + nLow), pad = ⌊(W − nLow + 1)/2⌋. */
export function centerLines(numCols: number, nLow: number): Uint8Array {
  const m = new Uint8Array(numCols);
  const pad = Math.floor((numCols - nLow + 1) / 2);
  for (let i = pad; i < pad + nLow; i++) m[i] = 1;
  return m;
}

/**
 * fastMRI `RandomMaskFunc` line mask of length `numCols` (1 = sampled). Expected line count W/R.
 * @example randomMask(320, { acceleration: 8, centerFraction: 0.04, seed: 1234 })
 */
export function randomMask(numCols: number, opts: LineMaskOptions): Uint8Array {
  const { rs, acc, nLow } = choose('randomMask', numCols, opts);
  const m = centerLines(numCols, nLow);
  const prob = (numCols / acc - nLow) / (numCols - nLow);
  for (let i = 0; i < numCols; i++) if (rs.randomSample() < prob) m[i] = 1;
  return m;
}

/**
 * fastMRI `EquiSpacedMaskFunc`: lines offset::R (R must be an integer) plus the centre.
 * @example equispacedMask(368, { acceleration: 4, centerFraction: 0.08, offset: 0 })
 */
export function equispacedMask(numCols: number, opts: LineMaskOptions): Uint8Array {
  const { rs, acc, nLow } = choose('equispacedMask', numCols, opts);
  if (!Number.isInteger(acc)) throw new MedreconError('INVALID_ARGUMENT', `equispacedMask: acceleration must be an integer, got ${acc}`);
  const offset = opts.offset ?? rs.randint(0, roundHalfEven(acc));
  const m = centerLines(numCols, nLow);
  for (let i = offset; i < numCols; i += acc) m[i] = 1;
  return m;
}

/**
 * fastMRI `EquispacedMaskFractionFunc`: spacing adjusted for the centre so the total is ≈ W/R.
 * @example equispacedFractionMask(368, { acceleration: 4, centerFraction: 0.08, seed: 0 })
 */
export function equispacedFractionMask(numCols: number, opts: LineMaskOptions): Uint8Array {
  const { rs, acc, nLow } = choose('equispacedFractionMask', numCols, opts);
  const adj = (acc * (nLow - numCols)) / (nLow * acc - numCols);
  const offset = opts.offset ?? rs.randint(0, roundHalfEven(adj));
  const m = centerLines(numCols, nLow);
  // np.arange(offset, W − 1, adj): length ⌈(stop − start)/step⌉, a[0] = start, a[1] = start + step,
  // a[i] = start + i·(a[1] − a[0]) (NumPy's fill), then np.around and uint cast.
  const len = Math.max(0, Math.ceil((numCols - 1 - offset) / adj));
  const a1 = offset + adj;
  const delta = a1 - offset;
  for (let i = 0; i < len; i++) {
    const v = i === 0 ? offset : i === 1 ? a1 : offset + i * delta;
    m[roundHalfEven(v)] = 1;
  }
  return m;
}

/**
 * Gaussian variable-density 1D line mask: the centre n_low = round(W·centerFraction) lines plus
 * lines drawn without replacement with probability ∝ exp(−(k/(σ·W))²/2), k the offset from the
 * centre line ⌊W/2⌋, until round(W/R) lines are kept. Seeded with medrecon's Philox `Rng`.
 * @example gaussianMask1d(256, { acceleration: 4, centerFraction: 0.08, sigma: 0.25, seed: 3 })
 */
export function gaussianMask1d(numCols: number, opts: { acceleration: number; centerFraction?: number; sigma?: number; seed?: number }): Uint8Array {
  checkOptions('gaussianMask1d', opts, ['acceleration', 'centerFraction', 'sigma', 'seed']);
  const { acceleration: R, centerFraction = 0.08, sigma = 0.25, seed = 0 } = opts;
  if (!(R >= 1)) throw new MedreconError('INVALID_ARGUMENT', `gaussianMask1d: acceleration must be ≥ 1, got ${R}`);
  if (!(sigma > 0)) throw new MedreconError('INVALID_ARGUMENT', `gaussianMask1d: sigma must be > 0, got ${sigma}`);
  const nLow = roundHalfEven(numCols * centerFraction);
  const m = centerLines(numCols, nLow);
  const target = Math.max(nLow, Math.round(numCols / R));
  const rng = new Rng(seed);
  const w = new Float64Array(numCols);
  const c = Math.floor(numCols / 2);
  for (let i = 0; i < numCols; i++) w[i] = m[i] ? 0 : Math.exp(-0.5 * ((i - c) / (sigma * numCols)) ** 2);
  let count = nLow;
  let total = w.reduce((s, v) => s + v, 0);
  while (count < target && total > 0) {
    let u = rng.nextUniform() * total;
    let pick = -1;
    for (let i = 0; i < numCols; i++) {
      if (w[i]! <= 0) continue;
      pick = i;
      u -= w[i]!;
      if (u < 0) break;
    }
    m[pick] = 1;
    total -= w[pick]!;
    w[pick] = 0;
    count++;
  }
  return m;
}

export interface PoissonDiscOptions {
  /** Target acceleration R = H·W / (sampled points). */
  acceleration: number;
  /** Fully sampled calibration box [ch, cw] at the centre (default [0, 0]). */
  calib?: readonly [number, number];
  /** Seed of the Philox `Rng` (default 0). */
  seed?: number;
  /** Zero the corners |k| > 1 (normalised radius), as SigPy's crop_corner (default true). */
  cropCorner?: boolean;
  /** Dart-throwing attempts per active point (default 30). */
  maxAttempts?: number;
  /** Stop when |R_achieved − R| < tol·R (default 0.02); at most 24 bisection steps. */
  tol?: number;
}

function bridson(H: number, W: number, rx: Float64Array, ry: Float64Array, maxAttempts: number, seed: number): Uint8Array {
  // Points live on the integer grid; a candidate at q is rejected if some accepted p has
  // ((qx−px)/rx(p))² + ((qy−py)/ry(p))² < 1 (radius of the existing point, as SigPy).
  const rng = new Rng(seed);
  const mask = new Uint8Array(H * W);
  const pts: number[] = [];
  const active: number[] = [];
  const rMaxX = Math.ceil(Math.max(...rx));
  const rMaxY = Math.ceil(Math.max(...ry));
  const start = Math.floor(H / 2) * W + Math.floor(W / 2);
  mask[start] = 1;
  pts.push(start);
  active.push(start);
  while (active.length > 0) {
    const ai = rng.int(active.length);
    const p = active[ai]!;
    const py = Math.floor(p / W);
    const px = p % W;
    let done = false;
    for (let t = 0; t < maxAttempts; t++) {
      const rad = (1 + rng.nextUniform()) ;
      const ang = 2 * Math.PI * rng.nextUniform();
      const qx = Math.round(px + rad * rx[p]! * Math.cos(ang));
      const qy = Math.round(py + rad * ry[p]! * Math.sin(ang));
      if (qx < 0 || qy < 0 || qx >= W || qy >= H) continue;
      const q = qy * W + qx;
      if (mask[q]) continue;
      let ok = true;
      for (let yy = Math.max(0, qy - rMaxY); yy <= Math.min(H - 1, qy + rMaxY) && ok; yy++) {
        for (let xx = Math.max(0, qx - rMaxX); xx <= Math.min(W - 1, qx + rMaxX); xx++) {
          const o = yy * W + xx;
          if (!mask[o]) continue;
          const dx = (qx - xx) / rx[o]!;
          const dy = (qy - yy) / ry[o]!;
          if (dx * dx + dy * dy < 1) { ok = false; break; }
        }
      }
      if (ok) {
        mask[q] = 1;
        pts.push(q);
        active.push(q);
        done = true;
        break;
      }
    }
    if (!done) {
      active[ai] = active[active.length - 1]!;
      active.pop();
    }
  }
  return mask;
}

/**
 * Variable-density Poisson-disc mask [H, W] (Uint8Array, row-major; 1 = sampled). The local
 * minimum distance between samples is r(k) = max(1, (1 + s·|k|)·n/max(H, W)) per axis, with
 * |k| the normalised distance from the calibration box; the slope s is bisected to hit R.
 * @example poissonDiscMask([128, 128], { acceleration: 5, calib: [12, 12], seed: 0 })
 */
export function poissonDiscMask(shape: readonly [number, number], opts: PoissonDiscOptions): Uint8Array {
  checkOptions('poissonDiscMask', opts, ['acceleration', 'calib', 'seed', 'cropCorner', 'maxAttempts', 'tol']);
  const [H, W] = shape;
  const { acceleration: R, calib = [0, 0], seed = 0, cropCorner = true, maxAttempts = 30, tol = 0.02 } = opts;
  if (!Number.isInteger(H) || !Number.isInteger(W) || H < 2 || W < 2) throw new MedreconError('INVALID_ARGUMENT', `poissonDiscMask: bad shape [${H}, ${W}]`);
  if (!(R >= 1)) throw new MedreconError('INVALID_ARGUMENT', `poissonDiscMask: acceleration must be ≥ 1, got ${R}`);
  const r = new Float64Array(H * W);
  let mx = 0;
  let my = 0;
  const ax = new Float64Array(W);
  const ay = new Float64Array(H);
  for (let x = 0; x < W; x++) { ax[x] = Math.max(Math.abs(x - W / 2) - calib[1] / 2, 0); mx = Math.max(mx, ax[x]!); }
  for (let y = 0; y < H; y++) { ay[y] = Math.max(Math.abs(y - H / 2) - calib[0] / 2, 0); my = Math.max(my, ay[y]!); }
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) r[y * W + x] = Math.hypot(ax[x]! / (mx || 1), ay[y]! / (my || 1));
  const big = Math.max(H, W);
  let lo = 0;
  let hi = big;
  let best: Uint8Array | null = null;
  let bestErr = Infinity;
  const rx = new Float64Array(H * W);
  const ry = new Float64Array(H * W);
  for (let it = 0; it < 24; it++) {
    const s = (lo + hi) / 2;
    for (let i = 0; i < H * W; i++) {
      rx[i] = Math.max(1, ((1 + r[i]! * s) * W) / big);
      ry[i] = Math.max(1, ((1 + r[i]! * s) * H) / big);
    }
    const m = bridson(H, W, rx, ry, maxAttempts, seed);
    const c0 = Math.floor(H / 2 - calib[0] / 2);
    const c1 = Math.floor(W / 2 - calib[1] / 2);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        if (cropCorner && r[i]! >= 1 && !(y >= c0 && y < c0 + calib[0] && x >= c1 && x < c1 + calib[1])) m[i] = 0;
        if (y >= c0 && y < c0 + calib[0] && x >= c1 && x < c1 + calib[1]) m[i] = 1;
      }
    }
    let n = 0;
    for (let i = 0; i < m.length; i++) n += m[i]!;
    const got = (H * W) / Math.max(n, 1);
    const err = Math.abs(got - R);
    if (err < bestErr) { bestErr = err; best = m; }
    if (err < tol * R) break;
    if (got < R) lo = s;
    else hi = s;
  }
  return best!;
}

/** Achieved acceleration of a 0/1 mask: size / count. */
export function acceleration(mask: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i]! ? 1 : 0;
  return mask.length / Math.max(n, 1);
}

/** A line mask [W] (or a 2D mask given with its shape) as a float32 HostTensor [H, W]. */
export function maskToTensor(mask: ArrayLike<number>, shape: readonly [number, number]): HostTensor<'float32'> {
  const [H, W] = shape;
  const out = new Float32Array(H * W);
  if (mask.length === W) {
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[y * W + x] = mask[x]! ? 1 : 0;
  } else if (mask.length === H * W) {
    for (let i = 0; i < H * W; i++) out[i] = mask[i]! ? 1 : 0;
  } else {
    throw new MedreconError('SHAPE_MISMATCH', `maskToTensor: mask of length ${mask.length} fits neither [${W}] nor [${H}, ${W}]`);
  }
  return tensor([H, W], out);
}
