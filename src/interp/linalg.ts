/**
 * Contraction and convolution kernels: batched matmul, conv, convTranspose, avgPool
 * (PyTorch semantics). 1-D and 2-D convolutions run as 3-D ones with unit leading spatial axes.
 *
 * @example
 *   matmulRaw(a, b, [2, 4])   // a [2,3] @ b [3,4]
 *   convRaw(x, w, { strides: [1], pads: [1, 1], dilations: [1], groups: 1 }, [1, 4, 8])
 */
import type { ConvAttrs } from '../ir/ops.js';
import { sizeOf, stridesOf } from '../core/tensor.js';
import { type RawTensor, raw } from './raw.js';

/** Offsets of each batch entry of an operand with batch dims `inB` broadcast to `outB`, in units of `blk`. */
function batchOffsets(inB: readonly number[], outB: readonly number[], blk: number): Int32Array {
  const n = sizeOf(outB);
  const out = new Int32Array(n);
  const R = outB.length;
  const k = R - inB.length;
  const st = stridesOf(inB);
  const idx = new Array<number>(R).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let a = 0; a < R; a++) {
      const ia = a - k;
      if (ia >= 0 && inB[ia] !== 1) off += idx[a]! * st[ia]!;
    }
    out[i] = off * blk;
    for (let a = R - 1; a >= 0; a--) {
      if (++idx[a]! < outB[a]!) break;
      idx[a] = 0;
    }
  }
  return out;
}

/** C[..., i, j] = Σ_k A[..., i, k] B[..., k, j], batch dims broadcast (NumPy matmul, rank ≥ 2). */
export function matmulRaw(A: RawTensor, B: RawTensor, outShape: readonly number[]): RawTensor {
  const ra = A.dims.length;
  const rb = B.dims.length;
  const m = A.dims[ra - 2]!;
  const K = A.dims[ra - 1]!;
  const n = B.dims[rb - 1]!;
  const outB = outShape.slice(0, -2);
  const aOff = batchOffsets(A.dims.slice(0, -2), outB, m * K);
  const bOff = batchOffsets(B.dims.slice(0, -2), outB, K * n);
  const a = A.data;
  const b = B.data;
  const y = new Float64Array(sizeOf(outShape));
  for (let t = 0; t < aOff.length; t++) {
    const ao = aOff[t]!;
    const bo = bOff[t]!;
    const yo = t * m * n;
    for (let i = 0; i < m; i++) {
      const yr = yo + i * n;
      for (let k = 0; k < K; k++) {
        const av = a[ao + i * K + k]!;
        if (av === 0) continue;
        const br = bo + k * n;
        for (let j = 0; j < n; j++) y[yr + j] += av * b[br + j]!;
      }
    }
  }
  return raw(outShape, 'float32', y);
}

/** Spatial geometry padded to 3 axes (leading unit axes for 1-D / 2-D). */
interface Geo3 {
  inS: [number, number, number];
  outS: [number, number, number];
  k: [number, number, number];
  s: [number, number, number];
  d: [number, number, number];
  pb: [number, number, number];
}

function to3(v: readonly number[], fill: number): [number, number, number] {
  const p = [...Array<number>(3 - v.length).fill(fill), ...v];
  return [p[0]!, p[1]!, p[2]!];
}

function geo(inSp: readonly number[], outSp: readonly number[], k: readonly number[], s: readonly number[], d: readonly number[], pads: readonly number[]): Geo3 {
  const nd = inSp.length;
  return { inS: to3(inSp, 1), outS: to3(outSp, 1), k: to3(k, 1), s: to3(s, 1), d: to3(d, 1), pb: to3(pads.slice(0, nd), 0) };
}

/** Smallest o ≥ 0 with o·s + c ≥ 0, and largest o < oMax with o·s + c < lim (an empty range gives lo > hi). */
function validRange(c: number, s: number, lim: number, oMax: number): [number, number] {
  const lo = c >= 0 ? 0 : Math.ceil(-c / s);
  const hi = Math.min(oMax - 1, Math.floor((lim - 1 - c) / s));
  return [lo, hi];
}

/**
 * PyTorch conv (cross-correlation): x [N,C,...], w [O,C/g,...k],
 * y[n,o,p] = Σ_{c∈group(o)} Σ_k x[n, c, p·s − pad_begin + k·dil] · w[o, c − g·C/g, k] (zero outside).
 */
export function convRaw(X: RawTensor, W: RawTensor, at: ConvAttrs, outShape: readonly number[]): RawTensor {
  const [N, C] = X.dims as [number, number];
  const O = W.dims[0]!;
  const G = at.groups;
  const Cg = C / G;
  const Og = O / G;
  const g3 = geo(X.dims.slice(2), outShape.slice(2), W.dims.slice(2), at.strides, at.dilations, at.pads);
  const [ID, IH, IW] = g3.inS;
  const [OD, OH, OW] = g3.outS;
  const [KD, KH, KW] = g3.k;
  const [sD, sH, sW] = g3.s;
  const [dD, dH, dW] = g3.d;
  const [pD, pH, pW] = g3.pb;
  const x = X.data;
  const w = W.data;
  const y = new Float64Array(sizeOf(outShape));
  const inSz = ID * IH * IW;
  const outSz = OD * OH * OW;
  const kSz = KD * KH * KW;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const g = Math.floor(o / Og);
      const yb = (n * O + o) * outSz;
      for (let ci = 0; ci < Cg; ci++) {
        const xb = (n * C + g * Cg + ci) * inSz;
        const wb = (o * Cg + ci) * kSz;
        for (let kd = 0; kd < KD; kd++) {
          const [od0, od1] = validRange(kd * dD - pD, sD, ID, OD);
          for (let kh = 0; kh < KH; kh++) {
            const [oh0, oh1] = validRange(kh * dH - pH, sH, IH, OH);
            for (let kw = 0; kw < KW; kw++) {
              const wv = w[wb + (kd * KH + kh) * KW + kw]!;
              if (wv === 0) continue;
              const cw = kw * dW - pW;
              const [ow0, ow1] = validRange(cw, sW, IW, OW);
              if (ow0 > ow1) continue;
              for (let od = od0; od <= od1; od++) {
                const id = od * sD + kd * dD - pD;
                for (let oh = oh0; oh <= oh1; oh++) {
                  const ih = oh * sH + kh * dH - pH;
                  const yr = yb + (od * OH + oh) * OW;
                  const xr = xb + (id * IH + ih) * IW + cw;
                  for (let ow = ow0; ow <= ow1; ow++) y[yr + ow] += wv * x[xr + ow * sW]!;
                }
              }
            }
          }
        }
      }
    }
  }
  return raw(outShape, 'float32', y);
}

/**
 * PyTorch conv_transpose: x [N,C,...], w [C,O/g,...k] (the adjoint of conv with the same attrs):
 * y[n, g·O/g + o, i·s − pad_begin + k·dil] += x[n, c, i] · w[c, o, k] for c in group g,
 * positions outside [0, out) dropped (pads crop, outputPadding extends the end).
 */
export function convTransposeRaw(X: RawTensor, W: RawTensor, at: ConvAttrs, outShape: readonly number[]): RawTensor {
  const [N, C] = X.dims as [number, number];
  const G = at.groups;
  const Cg = C / G;
  const Og = W.dims[1]!;
  const O = Og * G;
  const g3 = geo(X.dims.slice(2), outShape.slice(2), W.dims.slice(2), at.strides, at.dilations, at.pads);
  const [ID, IH, IW] = g3.inS;
  const [OD, OH, OW] = g3.outS;
  const [KD, KH, KW] = g3.k;
  const [sD, sH, sW] = g3.s;
  const [dD, dH, dW] = g3.d;
  const [pD, pH, pW] = g3.pb;
  const x = X.data;
  const w = W.data;
  const y = new Float64Array(sizeOf(outShape));
  const inSz = ID * IH * IW;
  const outSz = OD * OH * OW;
  const kSz = KD * KH * KW;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const g = Math.floor(c / Cg);
      const xb = (n * C + c) * inSz;
      for (let oc = 0; oc < Og; oc++) {
        const yb = (n * O + g * Og + oc) * outSz;
        const wb = (c * Og + oc) * kSz;
        for (let kd = 0; kd < KD; kd++) {
          // input positions i with i·s + kd·dil − pad in [0, OD)
          const [id0, id1] = validRange(kd * dD - pD, sD, OD, ID);
          for (let kh = 0; kh < KH; kh++) {
            const [ih0, ih1] = validRange(kh * dH - pH, sH, OH, IH);
            for (let kw = 0; kw < KW; kw++) {
              const wv = w[wb + (kd * KH + kh) * KW + kw]!;
              if (wv === 0) continue;
              const cw = kw * dW - pW;
              const [iw0, iw1] = validRange(cw, sW, OW, IW);
              if (iw0 > iw1) continue;
              for (let id = id0; id <= id1; id++) {
                const od = id * sD + kd * dD - pD;
                for (let ih = ih0; ih <= ih1; ih++) {
                  const oh = ih * sH + kh * dH - pH;
                  const yr = yb + (od * OH + oh) * OW + cw;
                  const xr = xb + (id * IH + ih) * IW;
                  for (let iw = iw0; iw <= iw1; iw++) y[yr + iw * sW] += wv * x[xr + iw]!;
                }
              }
            }
          }
        }
      }
    }
  }
  return raw(outShape, 'float32', y);
}

/**
 * Average pooling (PyTorch avg_pool, floor mode): the mean of x over each window
 * [o·s − pad_begin, o·s − pad_begin + k) per spatial axis. With `countIncludePad` the divisor is
 * the full kernel size (windows never leave the padded input), otherwise the number of window
 * elements inside the unpadded input.
 */
export function avgPoolRaw(X: RawTensor, kernel: readonly number[], strides: readonly number[], pads: readonly number[], countIncludePad: boolean, outShape: readonly number[]): RawTensor {
  const [N, C] = X.dims as [number, number];
  const nd = kernel.length;
  const g3 = geo(X.dims.slice(2), outShape.slice(2), kernel, strides, Array<number>(nd).fill(1), pads);
  const [ID, IH, IW] = g3.inS;
  const [OD, OH, OW] = g3.outS;
  const [KD, KH, KW] = g3.k;
  const [sD, sH, sW] = g3.s;
  const [pD, pH, pW] = g3.pb;
  const x = X.data;
  const y = new Float64Array(sizeOf(outShape));
  const inSz = ID * IH * IW;
  const full = KD * KH * KW;
  let q = 0;
  for (let nc = 0; nc < N * C; nc++) {
    const xb = nc * inSz;
    for (let od = 0; od < OD; od++) {
      const d0 = Math.max(0, od * sD - pD);
      const d1 = Math.min(ID, od * sD - pD + KD);
      for (let oh = 0; oh < OH; oh++) {
        const h0 = Math.max(0, oh * sH - pH);
        const h1 = Math.min(IH, oh * sH - pH + KH);
        for (let ow = 0; ow < OW; ow++) {
          const w0 = Math.max(0, ow * sW - pW);
          const w1 = Math.min(IW, ow * sW - pW + KW);
          let s = 0;
          for (let id = d0; id < d1; id++) {
            for (let ih = h0; ih < h1; ih++) {
              const r = xb + (id * IH + ih) * IW;
              for (let iw = w0; iw < w1; iw++) s += x[r + iw]!;
            }
          }
          const cnt = countIncludePad ? full : Math.max(0, d1 - d0) * Math.max(0, h1 - h0) * Math.max(0, w1 - w0);
          y[q++] = cnt > 0 ? s / cnt : 0;
        }
      }
    }
  }
  return raw(outShape, 'float32', y);
}
