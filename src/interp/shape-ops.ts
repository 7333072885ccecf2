/**
 * Reductions and movement kernels (reshape, transpose, expand, slice, pad, concat, flip).
 * All movement ops except concat are one `axisGather` with per-axis offset tables.
 *
 * @example
 *   reduceRaw('reduceSum', x, [1], false)   // x [2,3] → row sums, shape [2]
 *   padRaw(x, [2, 3], 'reflect', 0)          // x [5] → NumPy reflect: [x2 x1 | x0..x4 | x3 x2 x1]
 */
import { stridesOf, sizeOf } from '../core/tensor.js';
import { OUTSIDE, type RawTensor, axisGather, broadcastOffsets, linearOffsets, raw } from './raw.js';

export type ReduceOp = 'reduceSum' | 'reduceMean' | 'reduceMax' | 'reduceMin';

/**
 * Reduce over `axes` (sorted, non-negative): y[kept] = ⊕_{reduced} x. Mean divides the sum by the
 * number of reduced elements; int32 sums wrap modulo 2^32.
 */
export function reduceRaw(op: ReduceOp, x: RawTensor, axes: readonly number[], keepdims: boolean): RawTensor {
  const r = x.dims.length;
  const st = stridesOf(x.dims);
  const kept: number[] = [];
  const red: number[] = [];
  for (let a = 0; a < r; a++) (axes.includes(a) ? red : kept).push(a);
  const order = [...kept, ...red];
  const permShape = order.map((a) => x.dims[a]!);
  // Move the reduced axes last, then reduce contiguous blocks.
  const src = order.every((a, i) => a === i) ? x.data : axisGather(x.data, permShape, order.map((a) => linearOffsets(x.dims[a]!, st[a]!)));
  const m = sizeOf(red.map((a) => x.dims[a]!));
  const nOut = sizeOf(kept.map((a) => x.dims[a]!));
  const y = new Float64Array(nOut);
  for (let o = 0; o < nOut; o++) {
    const b = o * m;
    let acc: number;
    switch (op) {
      case 'reduceSum':
      case 'reduceMean':
        acc = 0;
        for (let j = 0; j < m; j++) acc += src[b + j]!;
        if (op === 'reduceMean') acc /= m;
        else if (x.dtype === 'int32') acc = acc | 0;
        break;
      case 'reduceMax':
        acc = src[b]!;
        for (let j = 1; j < m; j++) { const v = src[b + j]!; if (v > acc || Number.isNaN(v)) acc = v; if (Number.isNaN(acc)) break; }
        break;
      case 'reduceMin':
        acc = src[b]!;
        for (let j = 1; j < m; j++) { const v = src[b + j]!; if (v < acc || Number.isNaN(v)) acc = v; if (Number.isNaN(acc)) break; }
        break;
    }
    y[o] = acc;
  }
  const dims: number[] = [];
  for (let a = 0; a < r; a++) {
    if (!axes.includes(a)) dims.push(x.dims[a]!);
    else if (keepdims) dims.push(1);
  }
  return raw(dims, x.dtype, y);
}

/** Reshape: same data, new dims (row-major order unchanged). */
export function reshapeRaw(x: RawTensor, shape: readonly number[]): RawTensor {
  return raw(shape, x.dtype, x.data);
}

/** y[i_0..] = x[i_{perm⁻¹}], i.e. y.dims[a] = x.dims[perm[a]]. */
export function transposeRaw(x: RawTensor, perm: readonly number[]): RawTensor {
  const st = stridesOf(x.dims);
  const shape = perm.map((p) => x.dims[p]!);
  return raw(shape, x.dtype, axisGather(x.data, shape, perm.map((p) => linearOffsets(x.dims[p]!, st[p]!))));
}

/** NumPy broadcast_to(x, shape). */
export function expandRaw(x: RawTensor, shape: readonly number[]): RawTensor {
  return raw(shape, x.dtype, axisGather(x.data, shape, broadcastOffsets(x.dims, shape)));
}

/** y[i] = x[starts + i·steps] per axis, i < sizes. */
export function sliceRaw(x: RawTensor, starts: readonly number[], steps: readonly number[], sizes: readonly number[]): RawTensor {
  const st = stridesOf(x.dims);
  const offs = sizes.map((n, a) => {
    const t = new Int32Array(n);
    for (let i = 0; i < n; i++) t[i] = (starts[a]! + i * steps[a]!) * st[a]!;
    return t;
  });
  return raw(sizes, x.dtype, axisGather(x.data, sizes, offs));
}

/** Source index of padded position `i - before` on an axis of size d, or -1 for the constant. */
function padIndex(j: number, d: number, mode: 'constant' | 'reflect' | 'edge'): number {
  if (j >= 0 && j < d) return j;
  switch (mode) {
    case 'constant':
      return -1;
    case 'edge':
      return j < 0 ? 0 : d - 1;
    case 'reflect': {
      if (d === 1) return 0;
      const p = 2 * (d - 1);
      let k = ((j % p) + p) % p;
      if (k >= d) k = p - k;
      return k;
    }
  }
}

/**
 * Pad with `pads` = [before_0.., after_0..]: 'constant' fills `value`, 'reflect' mirrors without
 * repeating the edge (NumPy 'reflect'), 'edge' repeats the border value.
 */
export function padRaw(x: RawTensor, pads: readonly number[], mode: 'constant' | 'reflect' | 'edge', value: number): RawTensor {
  const r = x.dims.length;
  const st = stridesOf(x.dims);
  const shape = x.dims.map((d, a) => d + pads[a]! + pads[a + r]!);
  const offs = shape.map((n, a) => {
    const t = new Int32Array(n);
    const d = x.dims[a]!;
    for (let i = 0; i < n; i++) {
      const k = padIndex(i - pads[a]!, d, mode);
      t[i] = k < 0 ? OUTSIDE : k * st[a]!;
    }
    return t;
  });
  return raw(shape, x.dtype, axisGather(x.data, shape, offs, value));
}

/** Concatenate along `axis` (shapes agree off the axis). */
export function concatRaw(xs: readonly RawTensor[], axis: number, outShape: readonly number[]): RawTensor {
  const outer = sizeOf(outShape.slice(0, axis));
  const inner = sizeOf(outShape.slice(axis + 1));
  const y = new Float64Array(sizeOf(outShape));
  const rowOut = outShape[axis]! * inner;
  let off = 0;
  for (const x of xs) {
    const blk = x.dims[axis]! * inner;
    for (let o = 0; o < outer; o++) y.set(x.data.subarray(o * blk, (o + 1) * blk), o * rowOut + off);
    off += blk;
  }
  return raw(outShape, xs[0]!.dtype, y);
}

/** Reverse the order along each of `axes`. */
export function flipRaw(x: RawTensor, axes: readonly number[]): RawTensor {
  const st = stridesOf(x.dims);
  const offs = x.dims.map((d, a) => {
    if (!axes.includes(a)) return linearOffsets(d, st[a]!);
    const t = new Int32Array(d);
    for (let i = 0; i < d; i++) t[i] = (d - 1 - i) * st[a]!;
    return t;
  });
  return raw(x.dims, x.dtype, axisGather(x.data, x.dims, offs));
}
