/**
 * Indexing and spectral kernels: gather (np.take / ONNX Gather), scatterAdd (its transpose), dft.
 *
 * @example
 *   gatherRaw(x, idx, 0, outShape)   // x [5,4], idx [[0,4,4],[1,-1,2]] → [2,3,4]; -1 means 4
 *   dftRaw(x, 0, false)              // x [N,2]: y_k = Σ_n x_n e^{−2πi kn/N}
 */
import { MedreconError } from '../core/errors.js';
import { sizeOf } from '../core/tensor.js';
import { type RawTensor, raw } from './raw.js';

/** Index values as integers in [0, n), accepting -n..-1 like ONNX; INVALID_ARGUMENT otherwise. */
function normIndices(op: string, idx: RawTensor, n: number): Int32Array {
  const out = new Int32Array(idx.data.length);
  for (let j = 0; j < out.length; j++) {
    const v = idx.data[j]!;
    if (!Number.isInteger(v) || v < -n || v >= n) {
      throw new MedreconError('INVALID_ARGUMENT', `${op}: index ${v} (position ${j}) out of range for an axis of size ${n}`, { op, index: v, size: n });
    }
    out[j] = v < 0 ? v + n : v;
  }
  return out;
}

/** out[pre, j..., post] = x[pre, idx[j...], post] (out shape = x.dims[:axis] + idx.dims + x.dims[axis+1:]). */
export function gatherRaw(X: RawTensor, I: RawTensor, axis: number): RawTensor {
  const n = X.dims[axis]!;
  const idx = normIndices('gather', I, n);
  const pre = sizeOf(X.dims.slice(0, axis));
  const post = sizeOf(X.dims.slice(axis + 1));
  const J = idx.length;
  const x = X.data;
  const y = new Float64Array(pre * J * post);
  for (let p = 0; p < pre; p++) {
    for (let j = 0; j < J; j++) {
      const src = (p * n + idx[j]!) * post;
      const dst = (p * J + j) * post;
      for (let q = 0; q < post; q++) y[dst + q] = x[src + q]!;
    }
  }
  return raw([...X.dims.slice(0, axis), ...I.dims, ...X.dims.slice(axis + 1)], X.dtype, y);
}

/** out = zeros(shape); out[pre, idx[j...], post] += upd[pre, j..., post] (duplicates accumulate). */
export function scatterAddRaw(I: RawTensor, U: RawTensor, axis: number, shape: readonly number[]): RawTensor {
  const n = shape[axis]!;
  const idx = normIndices('scatterAdd', I, n);
  const pre = sizeOf(shape.slice(0, axis));
  const post = sizeOf(shape.slice(axis + 1));
  const J = idx.length;
  const u = U.data;
  const y = new Float64Array(sizeOf(shape));
  for (let p = 0; p < pre; p++) {
    for (let j = 0; j < J; j++) {
      const dst = (p * n + idx[j]!) * post;
      const src = (p * J + j) * post;
      for (let q = 0; q < post; q++) y[dst + q] += u[src + q]!;
    }
  }
  return raw(shape, 'float32', y);
}

/**
 * cos and sin of 2π·m/N for m = 0..N−1, exact at multiples of a quarter turn: the angle is reduced
 * to a quadrant q and a remainder r (4m = qN + r), evaluated as (π/2)·r/N and rotated by q.
 */
export function twiddles(N: number): { cos: Float64Array; sin: Float64Array } {
  const c = new Float64Array(N);
  const s = new Float64Array(N);
  for (let m = 0; m < N; m++) {
    const q = Math.floor((4 * m) / N);
    const r = 4 * m - q * N;
    const a = (Math.PI / 2) * (r / N);
    const ca = r === 0 ? 1 : Math.cos(a);
    const sa = r === 0 ? 0 : Math.sin(a);
    switch (q) {
      case 0: c[m] = ca; s[m] = sa; break;
      case 1: c[m] = -sa; s[m] = ca; break;
      case 2: c[m] = -ca; s[m] = -sa; break;
      default: c[m] = sa; s[m] = -ca; break;
    }
    c[m]! += 0; // −0 → +0
    s[m]! += 0;
  }
  return { cos: c, sin: s };
}

/**
 * Unnormalised complex DFT along `axis` of x [..., 2] by the direct O(N²) sum in float64:
 * y_k = Σ_n x_n · exp(∓2πi·((k·n) mod N)/N), − forward, + inverse (no scaling either way).
 */
export function dftRaw(X: RawTensor, axis: number, inverse: boolean): RawTensor {
  const dims = X.dims;
  const N = dims[axis]!;
  const pre = sizeOf(dims.slice(0, axis));
  const post = sizeOf(dims.slice(axis + 1, -1)); // complex elements between consecutive n
  const { cos, sin } = twiddles(N);
  const sg = inverse ? 1 : -1;
  const x = X.data;
  const y = new Float64Array(x.length);
  const re = new Float64Array(N);
  const im = new Float64Array(N);
  for (let p = 0; p < pre; p++) {
    for (let q = 0; q < post; q++) {
      const base = p * N * post * 2 + q * 2;
      for (let n = 0; n < N; n++) {
        re[n] = x[base + n * post * 2]!;
        im[n] = x[base + n * post * 2 + 1]!;
      }
      for (let k = 0; k < N; k++) {
        let sr = 0;
        let si = 0;
        let m = 0;
        for (let n = 0; n < N; n++) {
          const c = cos[m]!;
          const s = sg * sin[m]!;
          // (re + i·im)(c + i·s)
          sr += re[n]! * c - im[n]! * s;
          si += re[n]! * s + im[n]! * c;
          m += k;
          if (m >= N) m -= N;
        }
        y[base + k * post * 2] = sr;
        y[base + k * post * 2 + 1] = si;
      }
    }
  }
  return raw(dims, 'float32', y);
}
