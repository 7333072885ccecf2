/**
 * Composite ops built from IR primitives only, so their gradients are exact without extra rules.
 *
 * Activations: softmax, logSoftmax, logSumExp, silu, gelu, leakyRelu, elu.
 * Statistics/normalisation: meanVar, variance, layerNorm, groupNorm, instanceNorm.
 * Attention: scaledDotProductAttention.
 * Resampling (NCHW): resizeBilinear (PyTorch align_corners semantics), upsampleNearest.
 * Complex tensors (trailing (re, im) axis of size 2): complex, real, imag, cmul, cconj, cabs,
 * cabs2, cscale; shifts roll/fftshift/ifftshift; centered orthonormal FFT fftc / ifftc.
 *
 * @example
 *   const p = softmax(logits, -1);
 *   const k = fftc(img, [-3, -2]);    // img [..., H, W, 2]
 */
import { MedreconError } from '../core/errors.js';
import { tensor } from '../core/tensor.js';
import {
  type Sym, add, concat, constant, div, erf, exp, gt, log, matmul, max, mean, minimum, mul, normAxis, reshape,
  sigmoid, sliceAxis, sqrt, squeeze, stack, stopGradient, sub, sum, transpose, where, dft, unsqueeze, expand,
} from './sym.js';

type Axes = number | readonly number[];
const axesList = (axes: Axes, rank: number, op: string): number[] =>
  [...new Set((typeof axes === 'number' ? [axes] : axes).map((a) => normAxis(a, rank, op)))].sort((a, b) => a - b);

// ------------------------------------------------------------------ activations

/**
 * softmax(x)_i = exp(x_i − m) / Σ_j exp(x_j − m) along `axis`, m = max(x) (shift under stopGradient,
 * the value does not depend on it). @example softmax(logits, -1)
 */
export function softmax(x: Sym, axis = -1): Sym {
  const m = stopGradient(max(x, axis, true));
  const e = exp(sub(x, m));
  return div(e, sum(e, axis, true));
}

/** logSoftmax(x)_i = x_i − logΣ_j exp(x_j) (stable). @example logSoftmax(logits, 1) */
export function logSoftmax(x: Sym, axis = -1): Sym {
  const m = stopGradient(max(x, axis, true));
  const s = sub(x, m);
  return sub(s, log(sum(exp(s), axis, true)));
}

/** logSumExp(x) = m + log Σ exp(x − m), m = stopGradient(max x) (stable; gradient = softmax). */
export function logSumExp(x: Sym, axes: Axes = -1, keepdims = false): Sym {
  const ax = axesList(axes, x.rank, 'logSumExp');
  const m = stopGradient(max(x, ax, true));
  const r = add(log(sum(exp(sub(x, m)), ax, true)), m);
  return keepdims ? r : reshape(r, x.shape.filter((_, i) => !ax.includes(i)));
}

/** silu(x) = x·σ(x). */
export function silu(x: Sym): Sym {
  return mul(x, sigmoid(x));
}

/** gelu(x) = x/2 · (1 + erf(x/√2)) (exact erf form). */
export function gelu(x: Sym): Sym {
  return mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));
}

/** leakyRelu(x) = x for x > 0, slope·x otherwise. */
export function leakyRelu(x: Sym, slope = 0.01): Sym {
  return where(gt(x, 0), x, mul(x, slope));
}

/** elu(x) = x for x > 0, α(eˣ − 1) otherwise (the exp sees min(x, 0), so it never overflows). */
export function elu(x: Sym, alpha = 1): Sym {
  return where(gt(x, 0), x, mul(sub(exp(minimum(x, 0)), 1), alpha));
}

// ------------------------------------------------------------------ statistics and normalisation

/** [μ, σ²] over `axes` with σ² = mean((x − μ)²) (biased). */
export function meanVar(x: Sym, axes: Axes, keepdims = false): [Sym, Sym] {
  const ax = axesList(axes, x.rank, 'meanVar');
  const mu = mean(x, ax, true);
  const d = sub(x, mu);
  const v = mean(mul(d, d), ax, true);
  if (keepdims) return [mu, v];
  const s = x.shape.filter((_, i) => !ax.includes(i));
  return [reshape(mu, s), reshape(v, s)];
}

/** variance = Σ(x − μ)² / (n − correction) over `axes` (correction 0: biased, 1: unbiased). */
export function variance(x: Sym, axes: Axes, keepdims = false, correction = 0): Sym {
  const ax = axesList(axes, x.rank, 'variance');
  const n = ax.reduce((p, a) => p * x.shape[a]!, 1);
  const v = meanVar(x, ax, keepdims)[1];
  return correction === 0 ? v : mul(v, n / (n - correction));
}

/** Normalise over `axes`: (x − μ)/√(σ² + eps). */
function normalize(x: Sym, axes: readonly number[], eps: number): Sym {
  const [mu, v] = meanVar(x, axes, true);
  return div(sub(x, mu), sqrt(add(v, eps)));
}

/**
 * layerNorm(x) = (x − μ)/√(σ² + eps) over `axes` (default: the last), then ·weight + bias if given
 * (broadcast against x). @example layerNorm(x, -1, 1e-5, gamma, beta)
 */
export function layerNorm(x: Sym, axes: Axes = -1, eps = 1e-5, weight?: Sym, bias?: Sym): Sym {
  let y = normalize(x, axesList(axes, x.rank, 'layerNorm'), eps);
  if (weight) y = mul(y, weight);
  if (bias) y = add(y, bias);
  return y;
}

/** Per-channel affine of an NC... tensor: y·w[c] + b[c] for w, b of shape [C]. */
function channelAffine(y: Sym, weight?: Sym, bias?: Sym): Sym {
  const s = [y.shape[1]!, ...y.shape.slice(2).map(() => 1)];
  if (weight) y = mul(y, reshape(weight, s));
  if (bias) y = add(y, reshape(bias, s));
  return y;
}

/**
 * groupNorm of x [N, C, ...]: channels split into `groups` groups of C/groups; each (n, group) is
 * normalised over its channels and all spatial positions; then per-channel weight/bias [C].
 */
export function groupNorm(x: Sym, groups: number, eps = 1e-5, weight?: Sym, bias?: Sym): Sym {
  const [N, C] = x.shape as [number, number];
  if (x.rank < 2 || !Number.isInteger(groups) || groups < 1 || C % groups !== 0) {
    throw new MedreconError('INVALID_ARGUMENT', `groupNorm: ${C} channels are not divisible into ${groups} groups`, { channels: C, groups });
  }
  const xg = reshape(x, [N, groups, C / groups, ...x.shape.slice(2)]);
  const axes = Array.from({ length: xg.rank - 2 }, (_, i) => i + 2);
  return channelAffine(reshape(normalize(xg, axes, eps), x.shape), weight, bias);
}

/** instanceNorm of x [N, C, ...]: each (n, c) normalised over the spatial axes; = groupNorm(C groups). */
export function instanceNorm(x: Sym, eps = 1e-5, weight?: Sym, bias?: Sym): Sym {
  const axes = Array.from({ length: x.rank - 2 }, (_, i) => i + 2);
  return channelAffine(normalize(x, axes, eps), weight, bias);
}

// ------------------------------------------------------------------ attention

/**
 * Attention over [..., L, d]: softmax(q kᵀ · scale + M) v with scale = 1/√d by default, where the
 * optional bool `mask` (broadcastable to [..., Lq, Lk], true = attend) sets masked scores to −1e9.
 * @example scaledDotProductAttention(q, k, v) // q [B,H,Lq,d], k [B,H,Lk,d], v [B,H,Lk,dv]
 */
export function scaledDotProductAttention(q: Sym, k: Sym, v: Sym, mask?: Sym, scale?: number): Sym {
  const d = q.shape[q.rank - 1]!;
  const perm = k.shape.map((_, i) => i);
  [perm[k.rank - 2], perm[k.rank - 1]] = [perm[k.rank - 1]!, perm[k.rank - 2]!];
  let s = mul(matmul(q, transpose(k, perm)), scale ?? 1 / Math.sqrt(d));
  if (mask) s = where(mask, s, -1e9);
  return matmul(softmax(s, -1), v);
}

// ------------------------------------------------------------------ resampling

/** Row-stochastic [out, in] linear-interpolation matrix with PyTorch's coordinate mapping. */
export function linearInterpMatrix(inSize: number, outSize: number, alignCorners: boolean): Float32Array {
  const m = new Float32Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    let src: number;
    if (alignCorners) src = outSize > 1 ? (o * (inSize - 1)) / (outSize - 1) : 0;
    else src = Math.max(0, ((o + 0.5) * inSize) / outSize - 0.5);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const l = src - i0;
    m[o * inSize + i0]! += 1 - l;
    m[o * inSize + i1]! += l;
  }
  return m;
}

/**
 * Bilinear resize of x [..., H, W] (NCHW) to [outH, outW]: y = R_H · x · R_Wᵀ, with R the constant
 * interpolation matrices of PyTorch `interpolate(mode='bilinear', align_corners)` (default false:
 * src = (dst + ½)·in/out − ½, clamped at 0; true: src = dst·(in−1)/(out−1)). No antialiasing.
 * An axis whose size is unchanged is left alone (its matrix is the identity in both modes).
 * @example resizeBilinear(x, [64, 64])
 */
export function resizeBilinear(x: Sym, size: readonly [number, number], opts: { alignCorners?: boolean } = {}): Sym {
  if (x.rank < 2) throw new MedreconError('SHAPE_MISMATCH', `resizeBilinear: needs rank ≥ 2, got [${x.shape.join(', ')}]`);
  const [H, W] = x.shape.slice(-2) as [number, number];
  const [oh, ow] = size;
  const ac = opts.alignCorners ?? false;
  let y = x;
  if (ow !== W) y = matmul(y, constant(tensor([W, ow], transposeMat(linearInterpMatrix(W, ow, ac), ow, W))));
  if (oh !== H) y = matmul(constant(tensor([oh, H], linearInterpMatrix(H, oh, ac))), y);
  return y;
}
function transposeMat(m: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c]!;
  return t;
}

/** Nearest upsampling of x [N, C, ...spatial] by an integer factor per spatial axis (repeat). */
export function upsampleNearest(x: Sym, factor: number | readonly number[]): Sym {
  const nd = x.rank - 2;
  const f = typeof factor === 'number' ? Array(nd).fill(factor) : [...factor];
  if (f.length !== nd || f.some((v) => !Number.isInteger(v) || v < 1)) throw new MedreconError('INVALID_ARGUMENT', `upsampleNearest: bad factor ${JSON.stringify(factor)}`);
  let y = x;
  for (let i = 0; i < nd; i++) {
    const a = 2 + i;
    if (f[i] === 1) continue;
    const s = [...y.shape];
    const u = unsqueeze(y, a + 1);
    const e = [...u.shape];
    e[a + 1] = f[i]!;
    s[a] = s[a]! * f[i]!;
    y = reshape(expand(u, e), s);
  }
  return y;
}

// ------------------------------------------------------------------ complex helpers (trailing axis 2)

function checkComplex(z: Sym, op: string): void {
  if (z.rank < 1 || z.shape[z.rank - 1] !== 2) throw new MedreconError('SHAPE_MISMATCH', `${op}: needs a complex tensor [..., 2], got [${z.shape.join(', ')}]`);
}
/** complex(re, im) = stack([re, im], −1). */
export function complex(re: Sym, im: Sym): Sym {
  return stack([re, im], -1);
}
/** Re z. */
export function real(z: Sym): Sym {
  checkComplex(z, 'real');
  return squeeze(sliceAxis(z, -1, 0, 1), -1);
}
/** Im z. */
export function imag(z: Sym): Sym {
  checkComplex(z, 'imag');
  return squeeze(sliceAxis(z, -1, 1, 2), -1);
}
/** a·b = (ar br − ai bi, ar bi + ai br) (broadcasting). */
export function cmul(a: Sym, b: Sym): Sym {
  const [ar, ai, br, bi] = [real(a), imag(a), real(b), imag(b)];
  return complex(sub(mul(ar, br), mul(ai, bi)), add(mul(ar, bi), mul(ai, br)));
}
/** conj(z) = (re, −im). */
export function cconj(z: Sym): Sym {
  checkComplex(z, 'cconj');
  return mul(z, constant(tensor([2], [1, -1])));
}
/** |z|² = re² + im². */
export function cabs2(z: Sym): Sym {
  checkComplex(z, 'cabs2');
  return sum(mul(z, z), -1);
}
/** |z|_ε = √(re² + im² + ε) (ε > 0 keeps the gradient finite at 0; ε = 0 gives |z|). */
export function cabs(z: Sym, eps = 1e-12): Sym {
  return sqrt(add(cabs2(z), eps));
}
/** s·z for a real tensor s broadcast against z without its complex axis. */
export function cscale(z: Sym, s: Sym): Sym {
  checkComplex(z, 'cscale');
  return mul(z, unsqueeze(s, -1));
}

// ------------------------------------------------------------------ shifts and centered FFT

/** roll(x, shift, axis): y[i] = x[(i − shift) mod n] (NumPy np.roll), with slice + concat. */
export function roll(x: Sym, shift: number, axis: number): Sym {
  const a = normAxis(axis, x.rank, 'roll');
  const n = x.shape[a]!;
  const s = ((shift % n) + n) % n;
  if (s === 0) return x;
  return concat([sliceAxis(x, a, n - s, n), sliceAxis(x, a, 0, n - s)], a);
}
/** fftshift along axes = roll by ⌊n/2⌋ (moves frequency 0 to index ⌊n/2⌋). */
export function fftshift(x: Sym, axes: Axes): Sym {
  return axesList(axes, x.rank, 'fftshift').reduce((y, a) => roll(y, Math.floor(y.shape[a]! / 2), a), x);
}
/** ifftshift along axes = roll by −⌊n/2⌋ (inverse of fftshift; differs from it for odd n). */
export function ifftshift(x: Sym, axes: Axes): Sym {
  return axesList(axes, x.rank, 'ifftshift').reduce((y, a) => roll(y, -Math.floor(y.shape[a]! / 2), a), x);
}

function centered(x: Sym, axes: Axes, inverse: boolean, op: string): Sym {
  checkComplex(x, op);
  const ax = axesList(axes, x.rank, op);
  if (ax.includes(x.rank - 1)) throw new MedreconError('SHAPE_MISMATCH', `${op}: axis ${x.rank - 1} is the complex axis`);
  let y = ifftshift(x, ax);
  for (const a of ax) y = dft(y, a, inverse);
  y = fftshift(y, ax);
  const n = ax.reduce((p, a) => p * x.shape[a]!, 1);
  return mul(y, 1 / Math.sqrt(n));
}

/**
 * Centered orthonormal FFT over `axes` of a complex x [..., 2]:
 * fftc(x) = fftshift(DFT(ifftshift(x))) / √N, N = Π n_axis (fastMRI `fft2c`). Unitary: ifftc = fftcᴴ.
 * @example fftc(img, [-3, -2]) // img [N, C, H, W, 2]
 */
export function fftc(x: Sym, axes: Axes): Sym {
  return centered(x, axes, false, 'fftc');
}
/** ifftc(k) = fftshift(IDFT(ifftshift(k))) / √N: the inverse (and adjoint) of fftc. */
export function ifftc(k: Sym, axes: Axes): Sym {
  return centered(k, axes, true, 'ifftc');
}
