/**
 * Raw tensors of the reference interpreter and the strided-copy helpers its kernels share.
 *
 * A `RawTensor` holds every dtype in a `Float64Array`: float32 graphs are computed in float64
 * (rounded to float32 only by `fromRaw`), int32 and bool values are stored exactly (bools as 0/1).
 *
 * @example
 *   const r = toRaw(tensor([2], [1.5, -2]));   // { dims: [2], dtype: 'float32', data: Float64Array[1.5, -2] }
 *   fromRaw(r).data;                            // Float32Array [1.5, -2]
 */
import { MedreconError } from '../core/errors.js';
import { type DType, type HostTensor, allocData, shapeStr, sizeOf, stridesOf } from '../core/tensor.js';

export interface RawTensor {
  dims: number[];
  dtype: DType;
  data: Float64Array;
}

/** Make a raw tensor (checks that the data length matches the dims). */
export function raw(dims: readonly number[], dtype: DType, data: Float64Array): RawTensor {
  if (data.length !== sizeOf(dims)) {
    throw new MedreconError('INTERNAL', `raw tensor: ${data.length} values for dims ${shapeStr(dims)}`);
  }
  return { dims: [...dims], dtype, data };
}

/** Host tensor → raw (exact: float32, int32 and 0/1 bools are all representable in float64). */
export function toRaw(t: HostTensor): RawTensor {
  const d = new Float64Array(t.data.length);
  const s = t.data;
  if (t.dtype === 'bool') for (let i = 0; i < s.length; i++) d[i] = s[i] ? 1 : 0;
  else for (let i = 0; i < s.length; i++) d[i] = s[i]!;
  return raw(t.dims, t.dtype, d);
}

/**
 * Raw → host tensor: float32 rounds to nearest, int32 wraps modulo 2^32 (values are already
 * integers), bool is `value !== 0`.
 */
export function fromRaw(t: RawTensor): HostTensor {
  const n = t.data.length;
  const s = t.data;
  const out = allocData(t.dtype, n);
  if (t.dtype === 'float32') (out as Float32Array).set(s);
  else if (t.dtype === 'int32') for (let i = 0; i < n; i++) out[i] = s[i]! | 0;
  else for (let i = 0; i < n; i++) out[i] = s[i] !== 0 ? 1 : 0;
  return { dtype: t.dtype, dims: [...t.dims], data: out } as HostTensor;
}

/** Offset marking "outside the source" in axis offset tables (any sum containing it is negative). */
export const OUTSIDE = -(2 ** 30);

/**
 * Generic strided gather: out[i_0, ..., i_{r-1}] = src[Σ_a offs[a][i_a]], or `fill` when any
 * offs[a][i_a] is `OUTSIDE`. Every movement op (transpose, expand, slice, pad, flip) and the
 * broadcasts of elementwise ops are one call with the right per-axis offset tables.
 */
export function axisGather(src: Float64Array, outShape: readonly number[], offs: readonly Int32Array[], fill = 0): Float64Array {
  const r = outShape.length;
  const n = sizeOf(outShape);
  const out = new Float64Array(n);
  if (n === 0) return out;
  if (r === 0) {
    out[0] = src[0]!;
    return out;
  }
  const last = offs[r - 1]!;
  const inner = outShape[r - 1]!;
  const idx = new Array<number>(r - 1).fill(0);
  let o = 0;
  for (;;) {
    let base = 0;
    for (let a = 0; a < r - 1; a++) base += offs[a]![idx[a]!]!;
    if (base < 0) {
      for (let j = 0; j < inner; j++) out[o++] = fill;
    } else {
      for (let j = 0; j < inner; j++) {
        const q = last[j]!;
        out[o++] = q < 0 ? fill : src[base + q]!;
      }
    }
    let a = r - 2;
    while (a >= 0) {
      if (++idx[a]! < outShape[a]!) break;
      idx[a] = 0;
      a--;
    }
    if (a < 0) break;
  }
  return out;
}

/** Offset table i ↦ i·stride for i < n. */
export function linearOffsets(n: number, stride: number): Int32Array {
  const t = new Int32Array(n);
  for (let i = 0; i < n; i++) t[i] = i * stride;
  return t;
}

/** Offset tables that broadcast a tensor of `inShape` to `outShape` (NumPy rules, already checked). */
export function broadcastOffsets(inShape: readonly number[], outShape: readonly number[]): Int32Array[] {
  const R = outShape.length;
  const k = R - inShape.length;
  const st = stridesOf(inShape);
  return outShape.map((d, a) => {
    const ia = a - k;
    if (ia < 0 || inShape[ia] === 1) return new Int32Array(d);
    return linearOffsets(d, st[ia]!);
  });
}

/** The data of `t` broadcast to `outShape` (returns `t.data` itself when no broadcast is needed). */
export function broadcastData(t: RawTensor, outShape: readonly number[]): Float64Array {
  if (shapeStr(t.dims) === shapeStr(outShape)) return t.data;
  if (t.data.length === 1) return new Float64Array(sizeOf(outShape)).fill(t.data[0]!);
  return axisGather(t.data, outShape, broadcastOffsets(t.dims, outShape));
}
