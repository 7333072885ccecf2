/**
 * Host tensors: a dtype, dims and a flat row-major (C-order) typed array.
 *
 * dtypes: `float32` (all numeric work), `int32` (indices), `bool` (masks; stored as 0/1 bytes).
 * The reference interpreter computes float32 graphs in float64 internally and rounds on output.
 */
import { MedreconError } from './errors.js';

export type DType = 'float32' | 'int32' | 'bool';
export const DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

export type TypedArrayFor<D extends DType> = D extends 'float32' ? Float32Array : D extends 'int32' ? Int32Array : Uint8Array;
export type AnyTypedArray = Float32Array | Int32Array | Uint8Array;

export interface HostTensor<D extends DType = DType> {
  readonly dtype: D;
  readonly dims: readonly number[];
  readonly data: TypedArrayFor<D>;
}

export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

export function checkDims(dims: readonly number[], where = 'tensor'): void {
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) {
      throw new MedreconError('INVALID_ARGUMENT', `${where}: dims must be non-negative integers, got [${dims.join(', ')}]`);
    }
  }
}

export function allocData<D extends DType>(dtype: D, n: number): TypedArrayFor<D> {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n) as TypedArrayFor<D>;
    case 'int32':
      return new Int32Array(n) as TypedArrayFor<D>;
    case 'bool':
      return new Uint8Array(n) as TypedArrayFor<D>;
  }
  throw new MedreconError('INVALID_ARGUMENT', `unknown dtype '${String(dtype)}'`);
}

/** Make a host tensor; `data` may be a typed array of the right kind, a number[] or omitted (zeros). */
export function tensor<D extends DType = 'float32'>(
  dims: readonly number[],
  data?: ArrayLike<number> | TypedArrayFor<D>,
  dtype: D = 'float32' as D,
): HostTensor<D> {
  checkDims(dims);
  const n = sizeOf(dims);
  let arr: TypedArrayFor<D>;
  if (data === undefined) arr = allocData(dtype, n);
  else if (
    (dtype === 'float32' && data instanceof Float32Array) ||
    (dtype === 'int32' && data instanceof Int32Array) ||
    (dtype === 'bool' && data instanceof Uint8Array)
  ) {
    arr = data as TypedArrayFor<D>;
  } else {
    arr = allocData(dtype, n);
    (arr as AnyTypedArray).set(data as ArrayLike<number>);
  }
  if (arr.length !== n) {
    throw new MedreconError('SHAPE_MISMATCH', `tensor: data has ${arr.length} elements but dims [${dims.join(', ')}] need ${n}`);
  }
  return { dtype, dims: [...dims], data: arr };
}

export function zeros(dims: readonly number[]): HostTensor<'float32'> {
  return tensor(dims);
}

export function scalar(v: number): HostTensor<'float32'> {
  return tensor([], [v]);
}

export function shapeStr(dims: readonly number[]): string {
  return `[${dims.join(', ')}]`;
}

/** Row-major strides of `dims`. */
export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i]!;
  }
  return s;
}

/** First index of a NaN or ±Inf in a float tensor, or -1. */
export function firstNonFinite(t: HostTensor): number {
  if (t.dtype !== 'float32') return -1;
  const d = t.data as Float32Array;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return i;
  return -1;
}

/**
 * Throw `NON_FINITE_INPUT` when a float tensor holds NaN or ±Inf (algorithms call this on the
 * measurements they are given, so a bad input never turns silently into a NaN image).
 */
export function assertFinite(t: HostTensor, what: string): void {
  const k = firstNonFinite(t);
  if (k >= 0) {
    throw new MedreconError('NON_FINITE_INPUT', `${what}: non-finite value ${t.data[k]} at flat index ${k} of ${shapeStr(t.dims)}`, { what, index: k });
  }
}
