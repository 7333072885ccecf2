/**
 * Generic image-restoration operators (the "tasks" of the plug-and-play / diffusion papers), all
 * `LinearOperator`s over images whose last two axes are (H, W) — real `[..., H, W]`, or complex
 * `[..., H, W, 2]` with `{ complex: true }` (then the operator acts on re and im alike):
 *
 * - `denoisingOp(shape)`: y = x.
 * - `blurOp(k, shape, { boundary })`: y = k ⊛ x, a true 2-D convolution (kernel origin at index
 *   (⌊kh/2⌋, ⌊kw/2⌋)): y[i, j] = Σ_ab k[a, b] · x[i − a + ⌊kh/2⌋, j − b + ⌊kw/2⌋].
 *   'circular' (default): periodic x, computed as y = ifftc(fftc(x) ⊙ K) with the transfer
 *   function K = √N·fftc(k embedded at the image centre), precomputed on the host in float64;
 *   adjoint = the same with conj(K) (correlation with k). 'zero': x is 0 outside the image, direct
 *   convolution (adjoint = exact graph transpose).
 * - `downsampleOp(f, shape, { filter })`: super-resolution, y = (h ⊛ x)[f·i + c] — anti-alias filter
 *   then decimation by an integer factor f, circular boundary, output [..., H/f, W/f]. Output
 *   pixel i sits at the centre of input block i (position f·i + (f−1)/2: the align_corners=False /
 *   `imresize` convention). Filters (separable, normalised to sum 1, length L ≡ f mod 2 so the
 *   centre falls exactly there): 'box' (L = f: block means), 'bicubic' (Keys a = −0.5 stretched by
 *   f, L = 4f (+1 for odd f): MATLAB `imresize` antialiasing), 'gaussian' (σ = f/2 by default). Adjoint exact
 *   (graph transpose of the strided convolution).
 * - `maskOp(mask)`: inpainting, y = m ⊙ x (self-adjoint; y keeps the image shape, 0 where missing).
 *
 * Kernel makers (host, float32 [kh, kw], sum 1): `gaussianKernel`, `uniformKernel`, `motionKernel`;
 * `randomInpaintingMask(shape, keep, rng)` for inpainting.
 *
 * @example
 *   const A = blurOp(gaussianKernel(2), [1, 1, 128, 128]);       // circular Gaussian blur
 *   const S = downsampleOp(4, [1, 1, 128, 128], { filter: 'bicubic' }); // → [1, 1, 32, 32]
 *   const M = maskOp(randomInpaintingMask([128, 128], 0.3, new Rng(0)));
 */
import { MedreconError, checkOptions } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { type HostTensor, shapeStr, sizeOf, tensor } from '../core/tensor.js';
import { cconj, cmul, fftc, ifftc } from '../ir/composite.js';
import { type Sym, concat, constant, conv, mul, reshape, sliceAxis, squeeze, stack, transpose, unsqueeze, zerosLike } from '../ir/sym.js';
import { type LinearOperator, fromForward, linearOperator } from './operator.js';

export interface ImageOpOptions {
  /** Input is complex [..., H, W, 2] (default false: real [..., H, W]). */
  complex?: boolean;
}

function imageDims(shape: readonly number[], complex: boolean, where: string): { H: number; W: number; batch: number } {
  const r = shape.length;
  if (complex && shape[r - 1] !== 2) throw new MedreconError('SHAPE_MISMATCH', `${where}: complex images need a trailing axis of 2, got ${shapeStr(shape)}`);
  const k = complex ? r - 1 : r;
  if (k < 2) throw new MedreconError('SHAPE_MISMATCH', `${where}: needs at least [H, W]${complex ? '+[2]' : ''}, got ${shapeStr(shape)}`);
  const H = shape[k - 2]!;
  const W = shape[k - 1]!;
  if (!(H > 0 && W > 0)) throw new MedreconError('SHAPE_MISMATCH', `${where}: empty image ${shapeStr(shape)}`);
  return { H, W, batch: sizeOf(shape) / (H * W) };
}

/** [..., H, W] (or [..., H, W, 2]) → [B, 1, H, W] with complex parts folded into the batch. */
function toNCHW(x: Sym, complex: boolean, H: number, W: number): Sym {
  const y = complex ? transpose(reshape(x, [-1, H, W, 2]), [0, 3, 1, 2]) : x;
  return reshape(y, [-1, 1, H, W]);
}
function fromNCHW(y: Sym, complex: boolean, lead: readonly number[], h: number, w: number): Sym {
  if (!complex) return reshape(y, [...lead, h, w]);
  const z = transpose(reshape(y, [-1, 2, h, w]), [0, 2, 3, 1]);
  return reshape(z, [...lead, h, w, 2]);
}

// ------------------------------------------------------------------ denoising

/**
 * Denoising: the identity on `shape` (y = x + noise; the noise model is separate, see noise.ts).
 * @example const A = denoisingOp([1, 1, 64, 64]);
 */
export function denoisingOp(shape: readonly number[]): LinearOperator {
  return linearOperator('denoising', shape, shape, (x) => x, (y) => y);
}

// ------------------------------------------------------------------ kernels

function normalised(dims: [number, number], v: Float64Array, where: string): HostTensor<'float32'> {
  let s = 0;
  for (const a of v) s += a;
  if (!(s > 0)) throw new MedreconError('INVALID_ARGUMENT', `${where}: kernel sums to ${s}`);
  return tensor(dims, v.map((a) => a / s));
}

function checkSize(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1) throw new MedreconError('INVALID_ARGUMENT', `${what} must be a positive integer, got ${n}`);
}

/**
 * Gaussian kernel k[a, b] ∝ exp(−(a − cy)²/(2σy²) − (b − cx)²/(2σx²)), centred, sum 1.
 * `sigma` in pixels (one value or [σy, σx]); size defaults to 2⌈3σ⌉ + 1 per axis.
 * @example gaussianKernel(1.6)            // 11×11
 * @example gaussianKernel([2, 0.5], { size: [13, 5] })
 */
export function gaussianKernel(sigma: number | readonly [number, number], opts: { size?: number | readonly [number, number] } = {}): HostTensor<'float32'> {
  checkOptions('gaussianKernel', opts, ['size']);
  const [sy, sx] = typeof sigma === 'number' ? [sigma, sigma] : sigma;
  if (!(sy > 0 && sx > 0) || !Number.isFinite(sy) || !Number.isFinite(sx)) throw new MedreconError('INVALID_ARGUMENT', `gaussianKernel: sigma must be positive, got ${String(sigma)}`);
  const [h, w] = opts.size === undefined ? [2 * Math.ceil(3 * sy) + 1, 2 * Math.ceil(3 * sx) + 1] : typeof opts.size === 'number' ? [opts.size, opts.size] : opts.size;
  checkSize(h, 'gaussianKernel: size');
  checkSize(w, 'gaussianKernel: size');
  const v = new Float64Array(h * w);
  for (let a = 0; a < h; a++) for (let b = 0; b < w; b++) {
    const dy = a - (h - 1) / 2;
    const dx = b - (w - 1) / 2;
    v[a * w + b] = Math.exp(-(dy * dy) / (2 * sy * sy) - (dx * dx) / (2 * sx * sx));
  }
  return normalised([h, w], v, 'gaussianKernel');
}

/**
 * Uniform (box) kernel of size h×w, all entries 1/(h·w).
 * @example uniformKernel(9) // 9×9 box blur
 */
export function uniformKernel(size: number | readonly [number, number]): HostTensor<'float32'> {
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  checkSize(h, 'uniformKernel: size');
  checkSize(w, 'uniformKernel: size');
  return normalised([h, w], new Float64Array(h * w).fill(1), 'uniformKernel');
}

/**
 * Linear motion blur: a line segment of `length` pixels through the kernel centre at `angleDeg`
 * (counter-clockwise from the +x (column) axis, y pointing up = decreasing row), rasterised by
 * bilinear splatting of 8 samples per pixel of length, sum 1. Size defaults to the smallest odd
 * square that holds the segment.
 * @example motionKernel(9, 30)
 */
export function motionKernel(length: number, angleDeg: number, opts: { size?: number } = {}): HostTensor<'float32'> {
  checkOptions('motionKernel', opts, ['size']);
  if (!(length > 0) || !Number.isFinite(length)) throw new MedreconError('INVALID_ARGUMENT', `motionKernel: length must be positive, got ${length}`);
  if (!Number.isFinite(angleDeg)) throw new MedreconError('INVALID_ARGUMENT', `motionKernel: angle must be finite, got ${angleDeg}`);
  const n = opts.size ?? 2 * Math.ceil(length / 2) + 1;
  checkSize(n, 'motionKernel: size');
  const c = (n - 1) / 2;
  const th = (angleDeg * Math.PI) / 180;
  const ux = Math.cos(th);
  const uy = -Math.sin(th);
  const v = new Float64Array(n * n);
  const samples = Math.max(2, Math.ceil(8 * length) + 1);
  for (let s = 0; s < samples; s++) {
    const t = (s / (samples - 1) - 0.5) * (length - 1);
    const y = c + t * uy;
    const x = c + t * ux;
    const y0 = Math.floor(y), x0 = Math.floor(x);
    const fy = y - y0, fx = x - x0;
    for (const [yy, xx, wt] of [[y0, x0, (1 - fy) * (1 - fx)], [y0 + 1, x0, fy * (1 - fx)], [y0, x0 + 1, (1 - fy) * fx], [y0 + 1, x0 + 1, fy * fx]] as const) {
      if (yy >= 0 && yy < n && xx >= 0 && xx < n) v[yy * n + xx]! += wt;
    }
  }
  return normalised([n, n], v, 'motionKernel');
}

// ------------------------------------------------------------------ blur

/**
 * Centred transfer function of kernel k on an H×W grid, [H, W, 2] (float32 of a float64
 * computation): K[u', v'] = Σ_ab k[a, b] e^{−2πi(u·da/H + v·db/W)}, u = u' − ⌊H/2⌋, da = a − ⌊kh/2⌋
 * (likewise v, db). With it, ifftc(fftc(x) ⊙ K) = k ⊛ x (circular).
 * @example const K = blurTransfer(gaussianKernel(1), 64, 64);
 */
export function blurTransfer(k: HostTensor, H: number, W: number): HostTensor<'float32'> {
  if (k.dims.length !== 2) throw new MedreconError('SHAPE_MISMATCH', `blur kernel must be [kh, kw], got ${shapeStr(k.dims)}`);
  const [kh, kw] = k.dims as [number, number];
  if (kh > H || kw > W) throw new MedreconError('INVALID_ARGUMENT', `blur kernel ${kh}×${kw} larger than the image ${H}×${W}`);
  const ch = Math.floor(kh / 2), cw = Math.floor(kw / 2);
  // R[a][v] = Σ_b k[a,b] e^{−2πi v db / W}
  const Rre = new Float64Array(kh * W), Rim = new Float64Array(kh * W);
  for (let a = 0; a < kh; a++) for (let v = 0; v < W; v++) {
    let re = 0, im = 0;
    for (let b = 0; b < kw; b++) {
      const kv = k.data[a * kw + b]!;
      if (kv === 0) continue;
      const ph = (-2 * Math.PI * (((v - Math.floor(W / 2)) * (b - cw)) % W)) / W;
      re += kv * Math.cos(ph);
      im += kv * Math.sin(ph);
    }
    Rre[a * W + v] = re;
    Rim[a * W + v] = im;
  }
  const out = new Float32Array(H * W * 2);
  for (let u = 0; u < H; u++) {
    const uu = u - Math.floor(H / 2);
    for (let a = 0; a < kh; a++) {
      const ph = (-2 * Math.PI * ((uu * (a - ch)) % H)) / H;
      const c = Math.cos(ph), s = Math.sin(ph);
      for (let v = 0; v < W; v++) {
        const re = Rre[a * W + v]!, im = Rim[a * W + v]!;
        const o = (u * W + v) * 2;
        out[o] = out[o]! + (re * c - im * s);
        out[o + 1] = out[o + 1]! + (re * s + im * c);
      }
    }
  }
  return tensor([H, W, 2], out);
}

export interface BlurOptions extends ImageOpOptions {
  /** 'circular' (default, FFT) or 'zero' (zero padding, direct convolution). */
  boundary?: 'circular' | 'zero';
}

/**
 * Blur y = k ⊛ x over the last two image axes (see the module comment for the exact convention).
 * @example
 *   const A = blurOp(motionKernel(11, 45), [1, 1, 128, 128]);             // circular, by FFT
 *   const Az = blurOp(uniformKernel(5), [2, 64, 64], { boundary: 'zero' }); // zero boundary, direct
 */
export function blurOp(kernel: HostTensor, shape: readonly number[], opts: BlurOptions = {}): LinearOperator {
  checkOptions('blurOp', opts, ['boundary', 'complex']);
  const complex = opts.complex ?? false;
  const boundary = opts.boundary ?? 'circular';
  const { H, W } = imageDims(shape, complex, 'blurOp');
  if (kernel.dtype !== 'float32' || kernel.dims.length !== 2) throw new MedreconError('SHAPE_MISMATCH', `blurOp: kernel must be float32 [kh, kw], got ${kernel.dtype}${shapeStr(kernel.dims)}`);
  const [kh, kw] = kernel.dims as [number, number];
  if (boundary === 'circular') {
    const K = blurTransfer(kernel, H, W);
    const apply = (x: Sym, conj: boolean): Sym => {
      const z = complex ? x : stack([x, zerosLike(x)], -1);
      const Kc = conj ? cconj(constant(K)) : constant(K);
      const y = ifftc(cmul(fftc(z, [-3, -2]), Kc), [-3, -2]);
      return complex ? y : squeeze(sliceAxis(y, -1, 0, 1), -1);
    };
    return linearOperator(`blur(${kh}×${kw}, circular)`, shape, shape, (x) => apply(x, false), (y) => apply(y, true));
  }
  if (boundary !== 'zero') throw new MedreconError('INVALID_ARGUMENT', `blurOp: boundary must be 'circular' or 'zero', got '${String(boundary)}'`);
  // true convolution = cross-correlation with the flipped kernel; pads (kh−1−c) before, c after.
  const flipped = new Float32Array(kh * kw);
  for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) flipped[a * kw + b] = kernel.data[(kh - 1 - a) * kw + (kw - 1 - b)]!;
  const w = tensor([1, 1, kh, kw], flipped);
  const ch = Math.floor(kh / 2), cw = Math.floor(kw / 2);
  const lead = complex ? shape.slice(0, -3) : shape.slice(0, -2);
  return fromForward(`blur(${kh}×${kw}, zero)`, shape, shape, (x) => {
    const y = conv(toNCHW(x, complex, H, W), constant(w), { padding: [kh - 1 - ch, kw - 1 - cw, ch, cw] });
    return fromNCHW(y, complex, lead, H, W);
  });
}

// ------------------------------------------------------------------ downsampling

/** Keys cubic kernel with a = −0.5. */
function keys(t: number): number {
  const a = -0.5;
  const x = Math.abs(t);
  if (x <= 1) return (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1;
  if (x < 2) return a * x ** 3 - 5 * a * x ** 2 + 8 * a * x - 4 * a;
  return 0;
}

/**
 * 1-D anti-alias filter taps for decimation by f (sum 1, length ≡ f mod 2, symmetric about its
 * centre): 'box' (L = f), 'bicubic' (L = 4f, +1 for odd f, w(t/f) at t = j − (L−1)/2), 'gaussian' (σ, L ≥ 6σ + 1).
 * @example downsampleFilter(2, 'bicubic') // 8 taps
 */
export function downsampleFilter(f: number, filter: 'box' | 'bicubic' | 'gaussian', sigma = f / 2): Float64Array {
  checkSize(f, 'downsample factor');
  let L: number;
  let wfn: (t: number) => number;
  if (filter === 'box') {
    L = f;
    wfn = () => 1;
  } else if (filter === 'bicubic') {
    L = 4 * f + (f % 2); // odd f: one more (zero-weight) tap keeps L ≡ f mod 2
    wfn = (t) => keys(t / f);
  } else if (filter === 'gaussian') {
    if (!(sigma > 0) || !Number.isFinite(sigma)) throw new MedreconError('INVALID_ARGUMENT', `downsample: sigma must be positive, got ${sigma}`);
    L = 2 * Math.ceil(3 * sigma) + 1;
    if ((L - f) % 2 !== 0) L++;
    wfn = (t) => Math.exp(-(t * t) / (2 * sigma * sigma));
  } else {
    throw new MedreconError('INVALID_ARGUMENT', `downsample: filter must be 'box', 'bicubic' or 'gaussian', got '${String(filter)}'`);
  }
  const v = new Float64Array(L);
  let s = 0;
  for (let j = 0; j < L; j++) s += v[j] = wfn(j - (L - 1) / 2);
  for (let j = 0; j < L; j++) v[j]! /= s;
  return v;
}

/** Circular padding of axis `axis` by (before, after) (each ≤ the axis length). */
function padCircular(x: Sym, axis: number, before: number, after: number): Sym {
  const n = x.shape[axis]!;
  const parts: Sym[] = [];
  if (before > 0) parts.push(sliceAxis(x, axis, n - before, n));
  parts.push(x);
  if (after > 0) parts.push(sliceAxis(x, axis, 0, after));
  return parts.length === 1 ? x : concat(parts, axis);
}

export interface DownsampleOptions extends ImageOpOptions {
  /** Anti-alias filter (default 'bicubic'). */
  filter?: 'box' | 'bicubic' | 'gaussian';
  /** σ of the 'gaussian' filter in input pixels (default f/2). */
  sigma?: number;
}

/**
 * Super-resolution degradation: filter then decimate by an integer factor (circular boundary),
 * [..., H, W] → [..., H/f, W/f] (see the module comment for the filters and the sampling grid):
 *   y[i, j] = Σ_ab h[a] h[b] · x[(f·i + a − p) mod H, (f·j + b − p) mod W],  p = (L − f)/2.
 * @example
 *   const S = downsampleOp(2, [1, 1, 128, 128], { filter: 'box' }); // 2×2 block means
 */
export function downsampleOp(factor: number, shape: readonly number[], opts: DownsampleOptions = {}): LinearOperator {
  checkOptions('downsampleOp', opts, ['filter', 'sigma', 'complex']);
  checkSize(factor, 'downsampleOp: factor');
  const complex = opts.complex ?? false;
  const filter = opts.filter ?? 'bicubic';
  const { H, W } = imageDims(shape, complex, 'downsampleOp');
  if (H % factor !== 0 || W % factor !== 0) throw new MedreconError('INVALID_ARGUMENT', `downsampleOp: image ${H}×${W} is not divisible by the factor ${factor}`);
  const h = downsampleFilter(factor, filter, opts.sigma ?? factor / 2);
  const L = h.length;
  const pb = (L - factor) / 2;
  const pa = L - factor - pb;
  if (!Number.isInteger(pb)) throw new MedreconError('INTERNAL', `downsampleOp: filter length ${L} and factor ${factor} differ in parity`);
  if (pb > H || pb > W || pa > H || pa > W) throw new MedreconError('INVALID_ARGUMENT', `downsampleOp: filter of ${L} taps too long for a ${H}×${W} image`);
  const h32 = Float32Array.from(h);
  const wRow = tensor([1, 1, L, 1], h32);
  const wCol = tensor([1, 1, 1, L], h32);
  const lead = complex ? shape.slice(0, -3) : shape.slice(0, -2);
  const ho = H / factor, wo = W / factor;
  const outShape = complex ? [...lead, ho, wo, 2] : [...lead, ho, wo];
  return fromForward(`downsample(${factor}, ${filter})`, shape, outShape, (x) => {
    let z = toNCHW(x, complex, H, W);
    z = padCircular(padCircular(z, 2, pb, pa), 3, pb, pa);
    z = conv(z, constant(wRow), { stride: [factor, 1] });
    z = conv(z, constant(wCol), { stride: [1, factor] });
    return fromNCHW(z, complex, lead, ho, wo);
  });
}

// ------------------------------------------------------------------ inpainting

/**
 * Inpainting / masking: y = m ⊙ x, self-adjoint. `mask` (float32 or bool) is broadcast against the
 * image (NumPy rules, aligned at the right; for complex images, against the shape without its
 * trailing 2). The input shape is `opts.shape` or the mask's own shape (+[2] when complex).
 * @example
 *   const M = maskOp(randomInpaintingMask([64, 64], 0.5, new Rng(1)), { shape: [1, 1, 64, 64] });
 */
export function maskOp(mask: HostTensor, opts: ImageOpOptions & { shape?: readonly number[] } = {}): LinearOperator {
  checkOptions('maskOp', opts, ['complex', 'shape']);
  const complex = opts.complex ?? false;
  const m = mask.dtype === 'float32' ? (mask as HostTensor<'float32'>) : tensor(mask.dims, Float32Array.from(mask.data));
  const shape = opts.shape ?? (complex ? [...mask.dims, 2] : [...mask.dims]);
  const img = complex ? shape.slice(0, -1) : shape;
  if (complex && shape[shape.length - 1] !== 2) throw new MedreconError('SHAPE_MISMATCH', `maskOp: complex images need a trailing axis of 2, got ${shapeStr(shape)}`);
  if (m.dims.length > img.length || m.dims.some((d, i) => d !== 1 && d !== img[img.length - m.dims.length + i])) {
    throw new MedreconError('SHAPE_MISMATCH', `maskOp: mask ${shapeStr(m.dims)} does not broadcast to ${shapeStr(img)}`);
  }
  const apply = (x: Sym) => mul(x, complex ? unsqueeze(constant(m), -1) : constant(m));
  return linearOperator(`mask(${shapeStr(m.dims)})`, shape, shape, apply, apply);
}

/**
 * Random inpainting mask: each entry is 1 (kept) with probability `keep`, else 0.
 * @example randomInpaintingMask([128, 128], 0.3, new Rng(7)) // keep 30 % of the pixels
 */
export function randomInpaintingMask(shape: readonly number[], keep: number, rng: Rng): HostTensor<'float32'> {
  if (!(keep >= 0 && keep <= 1)) throw new MedreconError('INVALID_ARGUMENT', `randomInpaintingMask: keep must be in [0, 1], got ${keep}`);
  const u = rng.uniform(sizeOf(shape));
  return tensor(shape, u.map((v) => (v < keep ? 1 : 0)));
}
