/**
 * Cartesian MRI forward models (2D and 3D, single- and multi-coil), as `LinearOperator`s over
 * complex tensors with a trailing (re, im) axis.
 *
 * Maths (F = centred orthonormal DFT over the image axes, fastMRI `fft2c`: F = P·DFT·P⁻¹/√N with
 * P = fftshift; M = real sampling mask; S_c = coil sensitivities):
 *   single coil   y = M ⊙ F x                     Aᴴ y = Fᴴ (M ⊙ y)
 *   SENSE         y_c = M ⊙ F (S_c ⊙ x)           Aᴴ y = Σ_c conj(S_c) ⊙ Fᴴ (M ⊙ y_c)
 * The adjoint is for the real inner product Σ a·b (= Re⟨a, b⟩), the convention of
 * ../operator.ts; the unmasked single-coil operator is unitary (‖A‖ = 1).
 *
 * Speed. For an even length n the centring shifts are a sign modulation:
 *   F₁ x = (−1)^{n/2} · s ⊙ DFT(s ⊙ x)/√n,  s_k = (−1)^k,
 * so the shifts cost nothing: s and (−1)^{n/2}/√N are folded into the mask constant (output side)
 * and into the coil maps (input side). Odd lengths fall back to explicit fftshift/ifftshift rolls.
 * Complex products with constant maps use y = x ⊙ A + flip(x) ⊙ B with A = (Re S, Re S),
 * B = (−Im S, Im S), so no re/im slicing happens on coil-sized data; the adjoint is
 * Σ_c A ⊙ z + flip(Σ_c B ⊙ z). Layouts: image [..., H, W, 2], coil data [C, H, W, 2] — the DFT
 * runs over the axes in place, no transposes are added around it.
 *
 * @example
 *   const mask = randomMask(256, { acceleration: 4, centerFraction: 0.08, seed: 0 });
 *   const A = senseOp({ maps, mask });                  // maps: HostTensor [8, 256, 256, 2]
 *   const step = ex.compile((x: Sym) => A.adjoint(A.forward(x)), [spec([256, 256, 2])]);
 */
import { MedreconError, checkOptions } from '../../core/errors.js';
import { type HostTensor, tensor } from '../../core/tensor.js';
import { cabs2, cconj, cmul, fftshift, ifftshift } from '../../ir/composite.js';
import { type Sym, add, constant, dft, flip, mul, sliceAxis, sqrt, sum } from '../../ir/sym.js';
import { type LinearOperator, linearOperator } from '../operator.js';

/** A sampling mask: values per line [W], per phase-encode plane [H, W], or a HostTensor of those dims. */
export type MaskLike = ArrayLike<number> | HostTensor;

const prod = (d: readonly number[]) => d.reduce((p, v) => p * v, 1);

/** The mask broadcast to the full image grid `dims` (it must match a suffix of dims). */
export function expandMask(mask: MaskLike, dims: readonly number[], where = 'mask'): Float64Array {
  const data: ArrayLike<number> = 'dims' in mask && 'data' in mask ? mask.data : mask;
  const mdims = 'dims' in mask && 'data' in mask ? [...mask.dims] : null;
  let k = -1;
  for (let j = 1; j <= dims.length; j++) if (prod(dims.slice(dims.length - j)) === data.length) { k = j; break; }
  if (k < 0 || (mdims && mdims.join(',') !== dims.slice(dims.length - k).join(','))) {
    throw new MedreconError('SHAPE_MISMATCH', `${where}: a mask of ${mdims ? `dims [${mdims.join(', ')}]` : `length ${data.length}`} does not match a trailing part of the image grid [${dims.join(', ')}]`);
  }
  const n = prod(dims);
  const m = data.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = Number(data[i % m]);
    if (!Number.isFinite(v)) throw new MedreconError('INVALID_ARGUMENT', `${where}: non-finite value at ${i % m}`);
    out[i] = v;
  }
  return out;
}

/** (−1)^{Σ n_i} over the even axes of `dims` (row-major), and the global factor Π (−1)^{N_i/2}/√N. */
function signs(dims: readonly number[]): { s: Float64Array; g: number } {
  const n = prod(dims);
  const s = new Float64Array(n);
  let g = 1 / Math.sqrt(n);
  for (const d of dims) if (d % 2 === 0 && (d / 2) % 2 === 1) g = -g;
  const idx = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < n; i++) {
    let par = 0;
    for (let a = 0; a < dims.length; a++) if (dims[a]! % 2 === 0) par += idx[a]!;
    s[i] = par % 2 === 0 ? 1 : -1;
    for (let a = dims.length - 1; a >= 0; a--) {
      if (++idx[a]! < dims[a]!) break;
      idx[a] = 0;
    }
  }
  return { s, g };
}

const f32 = (dims: readonly number[], a: ArrayLike<number>): Sym => constant(tensor(dims, Float32Array.from(a)));

/**
 * The unnormalised (I)DFT over the last `nd` image axes of x [..., *dims, 2], with explicit
 * ifftshift/fftshift only on odd-length axes (even axes are handled by the caller's signs).
 */
function rawCentered(x: Sym, nd: number, inverse: boolean): Sym {
  const r = x.rank;
  const axes = Array.from({ length: nd }, (_, i) => r - 1 - nd + i);
  const odd = axes.filter((a) => x.shape[a]! % 2 === 1);
  let y = odd.length ? ifftshift(x, odd) : x;
  for (const a of axes) y = dft(y, a, inverse);
  return odd.length ? fftshift(y, odd) : y;
}

/**
 * Centred orthonormal FFT over the last `nd` image axes of a complex x [..., *dims, 2]; equal to
 * `fftc(x, axes)` of ../../ir/composite.ts but with the shifts of even axes as sign modulations.
 * @example fftcLast(img, 2) // img [C, H, W, 2]
 */
export function fftcLast(x: Sym, nd: number, inverse = false): Sym {
  const dims = x.shape.slice(x.rank - 1 - nd, x.rank - 1);
  if (x.rank < nd + 1 || x.shape[x.rank - 1] !== 2) throw new MedreconError('SHAPE_MISMATCH', `fftcLast: needs [..., ${nd} image axes, 2], got [${x.shape.join(', ')}]`);
  const { s, g } = signs(dims);
  const sIn = f32([...dims, 1], s);
  const sOut = f32([...dims, 1], s.map((v) => v * g));
  const even = dims.some((d) => d % 2 === 0);
  const y = rawCentered(even ? mul(x, sIn) : x, nd, inverse);
  return mul(y, sOut);
}

/** Inverse (= adjoint) of `fftcLast`. */
export function ifftcLast(k: Sym, nd: number): Sym {
  return fftcLast(k, nd, true);
}

/** Constant-map complex product helpers: A = (Re S, Re S)·s, B = (−Im S, Im S)·s. */
function mapConstants(maps: HostTensor, dims: readonly number[], s: Float64Array): { A: Sym; B: Sym } {
  const C = maps.dims[0]!;
  const n = prod(dims);
  const A = new Float32Array(C * n * 2);
  const B = new Float32Array(C * n * 2);
  const d = maps.data;
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < n; i++) {
      const o = 2 * (c * n + i);
      const re = Number(d[o]) * s[i]!;
      const im = Number(d[o + 1]) * s[i]!;
      A[o] = re;
      A[o + 1] = re;
      B[o] = -im;
      B[o + 1] = im;
    }
  }
  return { A: constant(tensor([C, ...dims, 2], A)), B: constant(tensor([C, ...dims, 2], B)) };
}

function checkMaps(maps: { dims: readonly number[] } | Sym, dims: readonly number[], where: string): number {
  const md = 'shape' in maps ? maps.shape : maps.dims;
  if (md.length !== dims.length + 2 || md[md.length - 1] !== 2 || md.slice(1, -1).join(',') !== dims.join(',')) {
    throw new MedreconError('SHAPE_MISMATCH', `${where}: maps must be [coils, ${dims.join(', ')}, 2], got [${md.join(', ')}]`);
  }
  return md[0]!;
}

function checkDims(dims: readonly number[], where: string): void {
  if (dims.length < 1 || dims.some((d) => !Number.isInteger(d) || d < 1)) throw new MedreconError('INVALID_ARGUMENT', `${where}: bad image shape [${dims.join(', ')}]`);
}

/** Generic masked centred-FFT operator (single or multi-coil) over the image grid `dims`. */
function cartesianCore(name: string, dims: readonly number[], mask: MaskLike | undefined, maps: HostTensor | Sym | undefined, batch: readonly number[]): LinearOperator {
  checkDims(dims, name);
  const nd = dims.length;
  const { s, g } = signs(dims);
  const m = mask === undefined ? new Float64Array(prod(dims)).fill(1) : expandMask(mask, dims, name);
  const wOut = f32([...dims, 1], m.map((v, i) => v * s[i]! * g));
  const sIn = f32([...dims, 1], s);
  const img = [...batch, ...dims, 2];
  if (maps === undefined) {
    return linearOperator(name, img, img,
      (x) => mul(rawCentered(mul(x, sIn), nd, false), wOut),
      (y) => mul(rawCentered(mul(y, wOut), nd, true), sIn));
  }
  if (batch.length) throw new MedreconError('UNSUPPORTED', `${name}: batch dims are only supported without coil maps`);
  const C = checkMaps(maps, dims, name);
  let A: Sym;
  let B: Sym;
  if ('shape' in maps) {
    const re = sliceAxis(maps, -1, 0, 1);
    const im = sliceAxis(maps, -1, 1, 2);
    const sc = f32([...dims, 1], s);
    A = mul(mul(re, sc), f32([2], [1, 1])); // (Re S·s, Re S·s)
    B = mul(mul(im, sc), f32([2], [-1, 1])); // (−Im S·s, Im S·s)
  } else {
    ({ A, B } = mapConstants(maps, dims, s));
  }
  const out = [C, ...dims, 2];
  return linearOperator(name, img, out,
    (x) => mul(rawCentered(add(mul(x, A), mul(flip(x, -1), B)), nd, false), wOut),
    (y) => {
      const z = rawCentered(mul(y, wOut), nd, true);
      return add(sum(mul(z, A), 0), flip(sum(mul(z, B), 0), -1));
    });
}

export interface SingleCoilOptions {
  /** Image grid [H, W]. */
  shape: readonly [number, number];
  /** Sampling mask: [W] (lines along the last axis, broadcast over rows) or [H, W]; default: all ones. */
  mask?: MaskLike;
  /** Leading batch dims of x (default none): x [...batch, H, W, 2]. */
  batch?: readonly number[];
}

/**
 * Single-coil Cartesian MRI: x [...batch, H, W, 2] → y = M ⊙ fftc(x) [...batch, H, W, 2];
 * adjoint ifftc(M ⊙ y). Unitary when the mask is all ones.
 * @example singleCoilCartesian({ shape: [320, 320], mask: randomMask(320, { acceleration: 4, centerFraction: 0.08 }) })
 */
export function singleCoilCartesian(opts: SingleCoilOptions): LinearOperator {
  checkOptions('singleCoilCartesian', opts, ['shape', 'mask', 'batch']);
  return cartesianCore('singleCoilCartesian', opts.shape, opts.mask, undefined, opts.batch ?? []);
}

export interface SenseOptions {
  /** Coil sensitivities [coils, H, W, 2] (embedded as constants). */
  maps: HostTensor;
  /** Sampling mask [W] or [H, W] (default all ones). */
  mask?: MaskLike;
}

/**
 * Multi-coil SENSE: x [H, W, 2] → y_c = M ⊙ fftc(S_c ⊙ x), y [coils, H, W, 2];
 * adjoint Σ_c conj(S_c) ⊙ ifftc(M ⊙ y_c).
 * @example const A = senseOp({ maps, mask }); const xzf = A.adjoint(y);
 */
export function senseOp(opts: SenseOptions): LinearOperator {
  checkOptions('senseOp', opts, ['maps', 'mask']);
  const dims = opts.maps.dims.slice(1, -1);
  return cartesianCore('sense', dims, opts.mask, opts.maps, []);
}

/**
 * SENSE with the coil maps as a graph value (e.g. a compiled function's input), so new maps need no
 * recompilation. Same maths as `senseOp`.
 * @example ex.compile((x: Sym, maps: Sym) => senseOpWithMaps(maps, mask).forward(x), [spec([H, W, 2]), spec([C, H, W, 2])])
 */
export function senseOpWithMaps(maps: Sym, mask?: MaskLike): LinearOperator {
  if (maps.rank < 4) throw new MedreconError('SHAPE_MISMATCH', `senseOpWithMaps: maps must be [coils, H, W, 2], got [${maps.shape.join(', ')}]`);
  return cartesianCore('sense', maps.shape.slice(1, -1), mask, maps, []);
}

export interface Cartesian3dOptions {
  /** Volume grid [D, H, W]; D is the fully sampled readout axis. */
  shape: readonly [number, number, number];
  /** Mask over the two phase-encode axes [H, W] (or [W], or the full [D, H, W]); default all ones. */
  mask?: MaskLike;
  /** Coil maps [coils, D, H, W, 2] for the multi-coil model (omit for single coil). */
  maps?: HostTensor;
}

/**
 * 3D Cartesian MRI: x [D, H, W, 2] → y = M ⊙ fftc₃(x) (single coil) or y_c = M ⊙ fftc₃(S_c ⊙ x)
 * [coils, D, H, W, 2], with the mask broadcast over the readout axis D.
 * @example cartesian3d({ shape: [64, 96, 96], mask: poissonDiscMask([96, 96], { acceleration: 6 }) })
 */
export function cartesian3d(opts: Cartesian3dOptions): LinearOperator {
  checkOptions('cartesian3d', opts, ['shape', 'mask', 'maps']);
  if (opts.shape.length !== 3) throw new MedreconError('INVALID_ARGUMENT', `cartesian3d: shape must be [D, H, W], got [${opts.shape.join(', ')}]`);
  return cartesianCore(opts.maps ? 'sense3d' : 'cartesian3d', opts.shape, opts.mask, opts.maps, []);
}

/**
 * Root-sum-of-squares coil combination of coil images z [coils, ..., 2] (coil axis `coilAxis`):
 * rss = √(Σ_c |z_c|²), a real image without the coil and complex axes.
 * @example rss(ifftcLast(kspace, 2)) // kspace [C, H, W, 2] → [H, W]
 */
export function rss(z: Sym, coilAxis = 0): Sym {
  return sqrt(sum(cabs2(z), coilAxis));
}

/**
 * Sensitivity-weighted coil combination Σ_c conj(S_c) ⊙ z_c of coil images z [coils, ..., 2]
 * with maps [coils, ..., 2] (Sym or HostTensor).
 * @example coilCombine(ifftcLast(y, 2), maps)
 */
export function coilCombine(z: Sym, maps: Sym | HostTensor): Sym {
  const S = 'shape' in maps ? maps : constant(maps);
  return sum(cmul(cconj(S), z), 0);
}

/**
 * Zero-filled reconstruction of k-space y: single coil [H, W, 2] → |ifftc(y)| [H, W]; multi-coil
 * [C, H, W, 2] → rss of the coil images, or the complex coil combination [H, W, 2] when maps are
 * given. (The mask is already in y: unsampled entries are zero.)
 * @example zeroFilled(y, { coils: true }) // rss image
 */
export function zeroFilled(y: Sym, opts: { coils: boolean; maps?: Sym | HostTensor; ndim?: number }): Sym {
  checkOptions('zeroFilled', opts, ['coils', 'maps', 'ndim']);
  const z = ifftcLast(y, opts.ndim ?? 2);
  if (!opts.coils) return sqrt(cabs2(z));
  return opts.maps ? coilCombine(z, opts.maps) : rss(z, 0);
}
