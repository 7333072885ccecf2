/**
 * Orthogonal Daubechies wavelets: filters, the multi-level 2D DWT with periodic boundary as a
 * LinearOperator (forward = analysis W, adjoint = synthesis Wᵀ = W⁻¹), and the wavelet-ℓ1 prior.
 *
 * Filters. `daubechies(N)` is the scaling (low-pass reconstruction) filter h of dbN, length 2N, with
 * N vanishing moments, built by spectral factorisation: |H(ω)|² = 2 cos^{2N}(ω/2) P(sin²(ω/2)),
 * P(y) = Σ_{k<N} C(N−1+k, k) yᵏ; each root y_j of P gives the roots z of z² − (2 − 4y_j)z + 1, and the
 * minimum-phase choice |z| < 1 gives H(z) ∝ (1 + z⁻¹)ᴺ Π_j (1 − z_j z⁻¹), normalised to Σh = √2.
 * This equals PyWavelets' `rec_lo` of 'dbN' (db1 = Haar). The high-pass filter is the quadrature
 * mirror g[k] = (−1)ᵏ h[L−1−k].
 *
 * One level along an axis of even length M (periodic):
 *   a[m] = Σ_k h[k] x[(2m + k) mod M],   d[m] = Σ_k g[k] x[(2m + k) mod M],
 * an orthogonal map (the rows are the 2-shifts of h and g). In 2D the four bands are packed in place
 * (Mallat layout): [[LL, LH], [HL, HH]] with L/H the (row, column) filters, and the next level
 * transforms the LL quadrant. So the operator is square (outShape = inShape) and W Wᵀ = Wᵀ W = I.
 * (Coefficients differ from PyWavelets' 'periodization' mode by a circular shift per band.)
 *
 * Shapes: x [..., H, W] (real) or [..., H, W, 2] with `complex: true` (re and im transformed alike);
 * H and W must be divisible by 2^levels.
 *
 * @example
 *   const Wop = dwt2([1, 1, 256, 256], { wavelet: 'db4', levels: 4 });
 *   const c = Wop.forward(x);  // same shape, packed bands
 *   const x2 = Wop.adjoint(c); // = x
 */
import { MedreconError } from '../core/errors.js';
import { tensor } from '../core/tensor.js';
import { type LinearOperator, linearOperator } from '../physics/operator.js';
import { cabs } from '../ir/composite.js';
import { type Sym, abs, add, concat, constant, conv, convTranspose, mul, pad, reshape, sliceAxis, sum, transpose } from '../ir/sym.js';
import { type Prior, type Scalar, checkWeight, smul, softThreshold } from './prior.js';

/** 'haar' or 'db1' … 'db10'. */
export type WaveletName = 'haar' | `db${number}`;

// ------------------------------------------------------------------ filters

type C = [number, number];
const cadd = (a: C, b: C): C => [a[0] + b[0], a[1] + b[1]];
const csub = (a: C, b: C): C => [a[0] - b[0], a[1] - b[1]];
const cmulc = (a: C, b: C): C => [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
const cdiv = (a: C, b: C): C => {
  const d = b[0] * b[0] + b[1] * b[1];
  return [(a[0] * b[0] + a[1] * b[1]) / d, (a[1] * b[0] - a[0] * b[1]) / d];
};
const cabsc = (a: C): number => Math.hypot(a[0], a[1]);
const csqrt = (a: C): C => {
  const r = cabsc(a);
  const re = Math.sqrt((r + a[0]) / 2);
  const im = Math.sqrt(Math.max(0, (r - a[0]) / 2)) * (a[1] < 0 ? -1 : 1);
  return [re, im];
};

/** Evaluate Σ c_k zᵏ (real coefficients, ascending) at complex z. */
function polyval(c: readonly number[], z: C): C {
  let acc: C = [0, 0];
  for (let k = c.length - 1; k >= 0; k--) acc = cadd(cmulc(acc, z), [c[k]!, 0]);
  return acc;
}
function polyder(c: readonly number[]): number[] {
  return c.slice(1).map((v, k) => v * (k + 1));
}

/** Roots of a real polynomial (ascending coefficients) by Durand–Kerner, polished by Newton. */
function polyRoots(c: readonly number[]): C[] {
  const n = c.length - 1;
  if (n < 1) return [];
  const lead = c[n]!;
  const m = c.map((v) => v / lead);
  let z: C[] = Array.from({ length: n }, (_, k) => {
    const r = 1 + Math.max(...m.slice(0, n).map(Math.abs));
    const th = (2 * Math.PI * k) / n + 0.4;
    return [r * 0.5 * Math.cos(th), r * 0.5 * Math.sin(th)] as C;
  });
  for (let it = 0; it < 2000; it++) {
    let move = 0;
    const nz = z.map((zi, i) => {
      let den: C = [1, 0];
      z.forEach((zj, j) => {
        if (j !== i) den = cmulc(den, csub(zi, zj));
      });
      const step = cdiv(polyval(m, zi), den);
      move = Math.max(move, cabsc(step));
      return csub(zi, step);
    });
    z = nz;
    if (move < 1e-15) break;
  }
  const d = polyder(m);
  return z.map((zi) => {
    let r = zi;
    for (let k = 0; k < 3; k++) {
      const dv = polyval(d, r);
      if (cabsc(dv) === 0) break;
      r = csub(r, cdiv(polyval(m, r), dv));
    }
    return r;
  });
}

function binom(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

const filterCache = new Map<number, Float64Array>();

/**
 * The dbN scaling filter h (length 2N, Σh = √2, Σh² = 1), = PyWavelets `pywt.Wavelet('dbN').rec_lo`.
 * @example daubechies(2) // [0.48296…, 0.83651…, 0.22414…, −0.12940…]
 */
export function daubechies(N: number): Float64Array {
  if (!Number.isInteger(N) || N < 1 || N > 10) throw new MedreconError('INVALID_ARGUMENT', `daubechies: order must be an integer in [1, 10], got ${N}`);
  const hit = filterCache.get(N);
  if (hit) return hit.slice();
  // P(y) = Σ_{k<N} C(N−1+k, k) y^k
  const P = Array.from({ length: N }, (_, k) => binom(N - 1 + k, k));
  const yroots = polyRoots(P);
  // polynomial in w = z⁻¹, ascending: start with (1 + w)^N
  let poly: C[] = [[1, 0]];
  const mulBy = (f: C[]): void => {
    const out: C[] = Array.from({ length: poly.length + f.length - 1 }, () => [0, 0] as C);
    poly.forEach((a, i) => f.forEach((b, j) => (out[i + j] = cadd(out[i + j]!, cmulc(a, b)))));
    poly = out;
  };
  for (let k = 0; k < N; k++) mulBy([[1, 0], [1, 0]]);
  for (const y of yroots) {
    const bq = csub([2, 0], [4 * y[0], 4 * y[1]]); // z² − b z + 1 = 0
    const disc = csqrt(csub(cmulc(bq, bq), [4, 0]));
    const z1 = cmulc(cadd(bq, disc), [0.5, 0]);
    const z2 = cmulc(csub(bq, disc), [0.5, 0]);
    const zr = cabsc(z1) < cabsc(z2) ? z1 : z2;
    mulBy([[1, 0], [-zr[0], -zr[1]]]);
  }
  const h = new Float64Array(poly.length);
  let s = 0;
  poly.forEach((c, i) => {
    h[i] = c[0];
    s += c[0];
  });
  for (let i = 0; i < h.length; i++) h[i] = (h[i]! * Math.SQRT2) / s;
  filterCache.set(N, h);
  return h.slice();
}

/** Scaling filter of a named wavelet ('haar' = 'db1'). */
export function waveletFilter(name: WaveletName): Float64Array {
  if (name === 'haar') return daubechies(1);
  const m = /^db(\d+)$/.exec(name);
  if (!m) throw new MedreconError('INVALID_ARGUMENT', `wavelet: unknown wavelet '${String(name)}' (known: haar, db1 … db10)`);
  return daubechies(Number(m[1]));
}

/** Quadrature-mirror high-pass filter g[k] = (−1)ᵏ h[L−1−k]. */
export function highPass(h: Float64Array): Float64Array {
  const L = h.length;
  return Float64Array.from({ length: L }, (_, k) => (k % 2 === 0 ? 1 : -1) * h[L - 1 - k]!);
}

// ------------------------------------------------------------------ the 2D DWT

export interface Dwt2Options {
  /** Wavelet (default 'db4'). */
  readonly wavelet?: WaveletName;
  /** Decomposition levels (default: as many as the size allows, at most 4). */
  readonly levels?: number;
  /** Trailing (re, im) axis. */
  readonly complex?: boolean;
}

/** Periodic extension of x [B, 1, H, W] by `e` entries at the end of `axis` (wrapping as often as needed). */
function wrapExtend(x: Sym, axis: number, e: number): Sym {
  if (e === 0) return x;
  const n = x.shape[axis]!;
  const parts: Sym[] = [x];
  let left = e;
  while (left > 0) {
    const k = Math.min(n, left);
    parts.push(sliceAxis(x, axis, 0, k));
    left -= k;
  }
  return concat(parts, axis);
}

/** Fold a periodically extended axis back (adjoint of wrapExtend): x[0:n] + Σ wrapped tails. */
function wrapFold(x: Sym, axis: number, n: number): Sym {
  const total = x.shape[axis]!;
  let out = sliceAxis(x, axis, 0, n);
  for (let s = n; s < total; s += n) {
    const k = Math.min(n, total - s);
    const tail = sliceAxis(x, axis, s, s + k);
    const padded = k === n ? tail : pad(tail, x.shape.map((_, i) => (i === axis ? [0, n - k] : [0, 0]) as [number, number]));
    out = add(out, padded);
  }
  return out;
}

function bandWeights(h: Float64Array): Sym {
  const g = highPass(h);
  const L = h.length;
  const data = new Float32Array(4 * L * L);
  const rows = [h, h, g, g];
  const cols = [h, g, h, g];
  for (let c = 0; c < 4; c++) for (let i = 0; i < L; i++) for (let j = 0; j < L; j++) data[(c * L + i) * L + j] = rows[c]![i]! * cols[c]![j]!;
  return constant(tensor([4, 1, L, L], data));
}

/** One analysis level on x [B, 1, H, W] → packed [B, 1, H, W]. */
function analysis1(x: Sym, w: Sym, L: number): Sym {
  const [, , H, W] = x.shape as [number, number, number, number];
  const ext = wrapExtend(wrapExtend(x, 2, L - 2), 3, L - 2);
  const c = conv(ext, w, { stride: 2 }); // [B, 4, H/2, W/2]
  const band = (k: number) => sliceAxis(c, 1, k, k + 1);
  const top = concat([band(0), band(1)], 3);
  const bottom = concat([band(2), band(3)], 3);
  const out = concat([top, bottom], 2);
  if (out.shape[2] !== H || out.shape[3] !== W) throw new MedreconError('INTERNAL', 'dwt2: band sizes');
  return out;
}

/** One synthesis level (adjoint = inverse of analysis1). */
function synthesis1(c: Sym, w: Sym, L: number): Sym {
  const [, , H, W] = c.shape as [number, number, number, number];
  const h2 = H / 2;
  const w2 = W / 2;
  const q = (i: number, j: number) => sliceAxis(sliceAxis(c, 2, i * h2, (i + 1) * h2), 3, j * w2, (j + 1) * w2);
  const bands = concat([q(0, 0), q(0, 1), q(1, 0), q(1, 1)], 1); // [B, 4, H/2, W/2]
  const ext = convTranspose(bands, w, { stride: 2 }); // [B, 1, H + L − 2, W + L − 2]
  return wrapFold(wrapFold(ext, 2, H), 3, W);
}

/** Replace the top-left [h, w] block of x [B, 1, H, W] by f(block). */
function onCorner(x: Sym, h: number, w: number, f: (b: Sym) => Sym): Sym {
  const [, , H, W] = x.shape as [number, number, number, number];
  const corner = sliceAxis(sliceAxis(x, 2, 0, h), 3, 0, w);
  let row = f(corner);
  if (w < W) row = concat([row, sliceAxis(sliceAxis(x, 2, 0, h), 3, w, W)], 3);
  return h < H ? concat([row, sliceAxis(x, 2, h, H)], 2) : row;
}

function maxLevels(H: number, W: number): number {
  let l = 0;
  while (H % 2 ** (l + 1) === 0 && W % 2 ** (l + 1) === 0) l++;
  return l;
}

interface Layout {
  readonly H: number;
  readonly W: number;
  readonly levels: number;
  toBatch(x: Sym): Sym;
  fromBatch(x: Sym): Sym;
}

function layoutOf(shape: readonly number[], opts: Dwt2Options, where: string): Layout {
  const r = shape.length;
  const cplx = opts.complex === true;
  if (cplx && shape[r - 1] !== 2) throw new MedreconError('SHAPE_MISMATCH', `${where}: complex images need a trailing axis of 2, got [${shape.join(', ')}]`);
  const hAxis = cplx ? r - 3 : r - 2;
  if (hAxis < 0) throw new MedreconError('SHAPE_MISMATCH', `${where}: need at least 2 image axes, got [${shape.join(', ')}]`);
  const H = shape[hAxis]!;
  const W = shape[hAxis + 1]!;
  const lmax = maxLevels(H, W);
  const levels = opts.levels ?? Math.min(4, lmax);
  if (!Number.isInteger(levels) || levels < 1 || levels > lmax) {
    throw new MedreconError('INVALID_ARGUMENT', `${where}: levels must be in [1, ${lmax}] for a ${H}×${W} image (H and W divisible by 2^levels), got ${String(levels)}`);
  }
  const lead = shape.slice(0, hAxis);
  const B = lead.reduce((a, b) => a * b, 1) * (cplx ? 2 : 1);
  return {
    H,
    W,
    levels,
    toBatch(x) {
      const y = cplx ? transpose(x, [r - 1, ...Array.from({ length: r - 1 }, (_, i) => i)]) : x;
      return reshape(y, [B, 1, H, W]);
    },
    fromBatch(y) {
      if (!cplx) return reshape(y, shape);
      const t = reshape(y, [2, ...shape.slice(0, r - 1)]);
      return transpose(t, [...Array.from({ length: r - 1 }, (_, i) => i + 1), 0]);
    },
  };
}

/**
 * The multi-level orthogonal 2D DWT as a square LinearOperator (see the module comment).
 * @example const Wop = dwt2([1, 1, 64, 64], { wavelet: 'db2', levels: 3 });
 */
export function dwt2(shape: readonly number[], opts: Dwt2Options = {}): LinearOperator {
  const wname = opts.wavelet ?? 'db4';
  const h = waveletFilter(wname);
  const L = h.length;
  const lay = layoutOf(shape, opts, 'dwt2');
  const fwd = (x: Sym): Sym => {
    const w = bandWeights(h);
    let c = lay.toBatch(x);
    for (let l = 0; l < lay.levels; l++) {
      const hh = lay.H >> l;
      const ww = lay.W >> l;
      c = onCorner(c, hh, ww, (b) => analysis1(b, w, L));
    }
    return lay.fromBatch(c);
  };
  const adj = (y: Sym): Sym => {
    const w = bandWeights(h);
    let x = lay.toBatch(y);
    for (let l = lay.levels - 1; l >= 0; l--) {
      const hh = lay.H >> l;
      const ww = lay.W >> l;
      x = onCorner(x, hh, ww, (b) => synthesis1(b, w, L));
    }
    return lay.fromBatch(x);
  };
  return linearOperator(`dwt2(${wname},${lay.levels})`, shape, shape, fwd, adj);
}

/**
 * The 0/1 mask [H, W] of detail coefficients in the packed layout (for complex data it applies to |z|):
 * 0 on the coarsest approximation band (LL at the last level), 1 elsewhere.
 */
export function detailMask(shape: readonly number[], opts: Dwt2Options = {}): Sym {
  const lay = layoutOf(shape, opts, 'detailMask');
  const { H, W, levels } = lay;
  const hh = H >> levels;
  const ww = W >> levels;
  const m = new Float32Array(H * W).fill(1);
  for (let i = 0; i < hh; i++) for (let j = 0; j < ww; j++) m[i * W + j] = 0;
  return constant(tensor([H, W], m));
}

export interface WaveletPriorOptions extends Dwt2Options {
  /** Also threshold the approximation band (default false). */
  readonly thresholdApprox?: boolean;
}

/**
 * g(x) = λ Σ |(Wx)_i| over the detail coefficients (complex: Σ |z_i|); for orthogonal W,
 * prox_{τg}(v) = Wᵀ S_{τλ·mask}(W v) exactly (soft-thresholding, approximation band kept unless
 * `thresholdApprox`). The operator is built from the shape of its first argument.
 * @example fista(ex, { physics: A, y, prior: waveletPrior(0.01, { wavelet: 'db4', levels: 4 }) })
 */
export function waveletPrior(lambda: Scalar, opts: WaveletPriorOptions = {}): Prior {
  checkWeight('waveletPrior', lambda);
  const ops = new Map<string, { W: LinearOperator; mask: Sym | null }>();
  const get = (shape: readonly number[]) => {
    const key = shape.join(',');
    let e = ops.get(key);
    if (!e) {
      e = { W: dwt2(shape, opts), mask: opts.thresholdApprox ? null : detailMask(shape, opts) };
      ops.set(key, e);
    }
    return e;
  };
  return {
    name: `wavelet-l1(${opts.wavelet ?? 'db4'})`,
    value(x) {
      const { W, mask } = get(x.shape);
      const c = W.forward(x);
      const a = opts.complex ? cabs(c, 0) : abs(c);
      return mul(sum(mask ? mul(a, mask) : a), lambda);
    },
    prox(v, tau) {
      const { W, mask } = get(v.shape);
      const t = smul(tau, lambda);
      const thr = mask ? mul(mask, t) : t;
      return W.adjoint(softThreshold(W.forward(v), thr, { complex: opts.complex }));
    },
  };
}
