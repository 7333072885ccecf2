/**
 * Elementwise kernels: unary, binary (NumPy broadcasting), where, cast.
 *
 * Float32 results are exact float64 values of the formula (rounding happens in `fromRaw`);
 * int32 results of add/sub/mul/neg/abs wrap modulo 2^32 like two's-complement hardware;
 * comparisons give 0/1.
 *
 * @example
 *   binaryRaw('add', toRaw(tensor([3, 1], [1, 2, 3])), toRaw(tensor([2], [10, 20])), [3, 2])
 *   // → [[11, 21], [12, 22], [13, 23]]
 */
import { MedreconError } from '../core/errors.js';
import type { DType } from '../core/tensor.js';
import { sizeOf } from '../core/tensor.js';
import { type RawTensor, broadcastData, raw } from './raw.js';
import { erf, sigmoid, softplus } from './special.js';

export type UnaryOp =
  | 'neg' | 'abs' | 'sign' | 'exp' | 'log' | 'sqrt' | 'reciprocal' | 'sin' | 'cos' | 'tanh' | 'sigmoid'
  | 'softplus' | 'relu' | 'erf' | 'floor' | 'stopGradient';
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'eq' | 'lt' | 'le' | 'gt' | 'ge';

/** y = f(x) elementwise (one tight loop per op, no per-element closure). */
export function unaryRaw(op: UnaryOp, x: RawTensor): RawTensor {
  const a = x.data;
  const n = a.length;
  if (op === 'stopGradient') return raw(x.dims, x.dtype, a);
  const y = new Float64Array(n);
  const isInt = x.dtype === 'int32';
  switch (op) {
    case 'neg':
      if (isInt) for (let i = 0; i < n; i++) y[i] = -a[i]! | 0;
      else for (let i = 0; i < n; i++) y[i] = -a[i]!;
      break;
    case 'abs':
      if (isInt) for (let i = 0; i < n; i++) y[i] = Math.abs(a[i]!) | 0;
      else for (let i = 0; i < n; i++) y[i] = Math.abs(a[i]!);
      break;
    case 'sign':
      for (let i = 0; i < n; i++) { const v = a[i]!; y[i] = v > 0 ? 1 : v < 0 ? -1 : v; }
      break;
    case 'exp': for (let i = 0; i < n; i++) y[i] = Math.exp(a[i]!); break;
    case 'log': for (let i = 0; i < n; i++) y[i] = Math.log(a[i]!); break;
    case 'sqrt': for (let i = 0; i < n; i++) y[i] = Math.sqrt(a[i]!); break;
    case 'reciprocal': for (let i = 0; i < n; i++) y[i] = 1 / a[i]!; break;
    case 'sin': for (let i = 0; i < n; i++) y[i] = Math.sin(a[i]!); break;
    case 'cos': for (let i = 0; i < n; i++) y[i] = Math.cos(a[i]!); break;
    case 'tanh': for (let i = 0; i < n; i++) y[i] = Math.tanh(a[i]!); break;
    case 'sigmoid': for (let i = 0; i < n; i++) y[i] = sigmoid(a[i]!); break;
    case 'softplus': for (let i = 0; i < n; i++) y[i] = softplus(a[i]!); break;
    case 'relu': for (let i = 0; i < n; i++) { const v = a[i]!; y[i] = v < 0 ? 0 : v; } break;
    case 'erf': for (let i = 0; i < n; i++) y[i] = erf(a[i]!); break;
    case 'floor': for (let i = 0; i < n; i++) y[i] = Math.floor(a[i]!); break;
    default:
      throw new MedreconError('INTERNAL', `unaryRaw: unknown op ${String(op)}`);
  }
  return raw(x.dims, x.dtype, y);
}

/** z = a ∘ b with NumPy broadcasting to `outShape` (the node's inferred shape). */
export function binaryRaw(op: BinaryOp, A: RawTensor, B: RawTensor, outShape: readonly number[]): RawTensor {
  const n = sizeOf(outShape);
  const a = broadcastData(A, outShape);
  const b = broadcastData(B, outShape);
  const y = new Float64Array(n);
  const isInt = A.dtype === 'int32';
  let dtype: DType = A.dtype;
  switch (op) {
    case 'add':
      if (isInt) for (let i = 0; i < n; i++) y[i] = (a[i]! + b[i]!) | 0;
      else for (let i = 0; i < n; i++) y[i] = a[i]! + b[i]!;
      break;
    case 'sub':
      if (isInt) for (let i = 0; i < n; i++) y[i] = (a[i]! - b[i]!) | 0;
      else for (let i = 0; i < n; i++) y[i] = a[i]! - b[i]!;
      break;
    case 'mul':
      if (isInt) for (let i = 0; i < n; i++) y[i] = Math.imul(a[i]!, b[i]!);
      else for (let i = 0; i < n; i++) y[i] = a[i]! * b[i]!;
      break;
    case 'div': for (let i = 0; i < n; i++) y[i] = a[i]! / b[i]!; break;
    case 'pow': for (let i = 0; i < n; i++) y[i] = Math.pow(a[i]!, b[i]!); break;
    case 'maximum': for (let i = 0; i < n; i++) y[i] = Math.max(a[i]!, b[i]!); break;
    case 'minimum': for (let i = 0; i < n; i++) y[i] = Math.min(a[i]!, b[i]!); break;
    case 'eq': dtype = 'bool'; for (let i = 0; i < n; i++) y[i] = a[i] === b[i] ? 1 : 0; break;
    case 'lt': dtype = 'bool'; for (let i = 0; i < n; i++) y[i] = a[i]! < b[i]! ? 1 : 0; break;
    case 'le': dtype = 'bool'; for (let i = 0; i < n; i++) y[i] = a[i]! <= b[i]! ? 1 : 0; break;
    case 'gt': dtype = 'bool'; for (let i = 0; i < n; i++) y[i] = a[i]! > b[i]! ? 1 : 0; break;
    case 'ge': dtype = 'bool'; for (let i = 0; i < n; i++) y[i] = a[i]! >= b[i]! ? 1 : 0; break;
    default:
      throw new MedreconError('INTERNAL', `binaryRaw: unknown op ${String(op)}`);
  }
  return raw(outShape, dtype, y);
}

/** out = cond ? a : b, all three broadcast to `outShape`. */
export function whereRaw(C: RawTensor, A: RawTensor, B: RawTensor, outShape: readonly number[]): RawTensor {
  const n = sizeOf(outShape);
  const c = broadcastData(C, outShape);
  const a = broadcastData(A, outShape);
  const b = broadcastData(B, outShape);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = c[i] !== 0 ? a[i]! : b[i]!;
  return raw(outShape, A.dtype, y);
}

/**
 * Cast like ONNX Cast: float → int32 truncates toward zero (then wraps modulo 2^32; NaN → 0),
 * anything → bool is `x ≠ 0` (NaN → true), int32 → float32 rounds to the nearest float32, bool → 0/1.
 */
export function castRaw(x: RawTensor, to: DType): RawTensor {
  const a = x.data;
  const n = a.length;
  if (x.dtype === to) return x;
  const y = new Float64Array(n);
  switch (to) {
    case 'int32':
      for (let i = 0; i < n; i++) y[i] = Math.trunc(a[i]!) | 0;
      break;
    case 'bool':
      for (let i = 0; i < n; i++) y[i] = a[i] !== 0 ? 1 : 0;
      break;
    case 'float32':
      for (let i = 0; i < n; i++) y[i] = Math.fround(a[i]!);
      break;
  }
  return raw(x.dims, to, y);
}
