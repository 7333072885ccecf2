/**
 * The closed op set of the medrecon IR.
 *
 * Every op is listed once in `OpAttrs` (its attributes) and once in `OP_GROUP`. Tables keyed by
 * `OpName` (`VJP_RULES` in autodiff, `LOWERINGS` in onnx, `EVAL` in interp) are typed as
 * `{ [K in OpName]: ... }`, so adding an op here without a rule everywhere is a compile error.
 *
 * Conventions
 * - All shapes are static and known while tracing. Layout NCHW / NCDHW.
 * - Binary ops broadcast with NumPy rules.
 * - Complex tensors carry a trailing axis of size 2 (re, im).
 *
 * Groups and semantics
 * - source:      `input` (a graph argument), `const` (a literal host tensor).
 * - unary:       elementwise y = f(x): neg, abs, sign, exp, log, sqrt, reciprocal, sin, cos, tanh,
 *                sigmoid = 1/(1+e^-x), softplus = log(1+e^x), relu = max(x,0), erf, floor,
 *                stopGradient (identity whose derivative is taken as 0).
 * - binary:      add, sub, mul, div, pow (x^y, x>0 where y non-integer), maximum, minimum
 *                (the gradient goes to the first argument on ties), comparisons eq/lt/le/gt/ge → bool.
 * - ternary:     where(cond: bool, a, b).
 * - reduce:      reduceSum/Mean/Max/Min over `axes` with `keepdims`.
 * - movement:    reshape, transpose(perm), expand(NumPy broadcast to shape), slice(per-axis start,
 *                step ≠ 0, size), pad(before/after per axis; constant value, reflect (no edge
 *                repeat, as NumPy 'reflect') or edge), concat(axis), flip(axes).
 * - contraction: matmul, batched with broadcasting over leading dims; both operands rank ≥ 2.
 * - convolution: conv (x [N,C,...], w [O,C/g,...k]), convTranspose (w [C,O/g,...k]) in 1–3 spatial
 *                dims, with strides, pads [b..., e...], dilations, groups (and outputPadding for the
 *                transposed form), avgPool (kernel, strides, pads, countIncludePad). No bias: add it.
 * - indexing:    gather(x, idx:int32, axis) with ONNX Gather semantics (out shape = x.shape[:axis] +
 *                idx.shape + x.shape[axis+1:]); scatterAdd(idx, updates, axis, shape) is its exact
 *                transpose: out = zeros(shape); out[..., idx[j], ...] += updates[..., j, ...].
 * - cast:        cast(to) between float32, int32 and bool.
 * - spectral:    dft(x, axis, inverse): unnormalised complex DFT along `axis` of a [..., 2] tensor,
 *                y_k = Σ_n x_n exp(∓2πi kn/N) (− forward, + inverse). Neither direction scales;
 *                normalisation is applied by the callers (e.g. orthonormal FFT = dft / √N).
 */
import type { DType, HostTensor } from '../core/tensor.js';

type NoAttrs = Record<string, never>;
export interface ReduceAttrs { readonly axes: readonly number[]; readonly keepdims: boolean }
export interface ConvAttrs {
  readonly strides: readonly number[];
  readonly pads: readonly number[]; // [begin_0, ..., begin_{n-1}, end_0, ..., end_{n-1}]
  readonly dilations: readonly number[];
  readonly groups: number;
}

export interface OpAttrs {
  // source
  input: { readonly index: number; readonly name: string };
  const: { readonly value: HostTensor };
  // unary
  neg: NoAttrs; abs: NoAttrs; sign: NoAttrs; exp: NoAttrs; log: NoAttrs; sqrt: NoAttrs;
  reciprocal: NoAttrs; sin: NoAttrs; cos: NoAttrs; tanh: NoAttrs; sigmoid: NoAttrs; softplus: NoAttrs;
  relu: NoAttrs; erf: NoAttrs; floor: NoAttrs; stopGradient: NoAttrs;
  // binary
  add: NoAttrs; sub: NoAttrs; mul: NoAttrs; div: NoAttrs; pow: NoAttrs; maximum: NoAttrs; minimum: NoAttrs;
  eq: NoAttrs; lt: NoAttrs; le: NoAttrs; gt: NoAttrs; ge: NoAttrs;
  // ternary
  where: NoAttrs;
  // reduce
  reduceSum: ReduceAttrs; reduceMean: ReduceAttrs; reduceMax: ReduceAttrs; reduceMin: ReduceAttrs;
  // movement
  reshape: { readonly shape: readonly number[] };
  transpose: { readonly perm: readonly number[] };
  expand: { readonly shape: readonly number[] };
  slice: { readonly starts: readonly number[]; readonly steps: readonly number[]; readonly sizes: readonly number[] };
  pad: { readonly pads: readonly number[]; readonly mode: 'constant' | 'reflect' | 'edge'; readonly value: number };
  concat: { readonly axis: number };
  flip: { readonly axes: readonly number[] };
  // contraction
  matmul: NoAttrs;
  // convolution
  conv: ConvAttrs;
  convTranspose: ConvAttrs & { readonly outputPadding: readonly number[] };
  avgPool: { readonly kernel: readonly number[]; readonly strides: readonly number[]; readonly pads: readonly number[]; readonly countIncludePad: boolean };
  // indexing
  gather: { readonly axis: number };
  scatterAdd: { readonly axis: number; readonly shape: readonly number[] };
  // cast
  cast: { readonly to: DType };
  // spectral
  dft: { readonly axis: number; readonly inverse: boolean };
}

export type OpName = keyof OpAttrs;

export type OpGroup =
  | 'source' | 'unary' | 'binary' | 'ternary' | 'reduce' | 'movement' | 'contraction' | 'convolution'
  | 'indexing' | 'cast' | 'spectral';

export const OP_GROUP: { readonly [K in OpName]: OpGroup } = {
  input: 'source', const: 'source',
  neg: 'unary', abs: 'unary', sign: 'unary', exp: 'unary', log: 'unary', sqrt: 'unary', reciprocal: 'unary',
  sin: 'unary', cos: 'unary', tanh: 'unary', sigmoid: 'unary', softplus: 'unary', relu: 'unary', erf: 'unary',
  floor: 'unary', stopGradient: 'unary',
  add: 'binary', sub: 'binary', mul: 'binary', div: 'binary', pow: 'binary', maximum: 'binary', minimum: 'binary',
  eq: 'binary', lt: 'binary', le: 'binary', gt: 'binary', ge: 'binary',
  where: 'ternary',
  reduceSum: 'reduce', reduceMean: 'reduce', reduceMax: 'reduce', reduceMin: 'reduce',
  reshape: 'movement', transpose: 'movement', expand: 'movement', slice: 'movement', pad: 'movement',
  concat: 'movement', flip: 'movement',
  matmul: 'contraction',
  conv: 'convolution', convTranspose: 'convolution', avgPool: 'convolution',
  gather: 'indexing', scatterAdd: 'indexing',
  cast: 'cast',
  dft: 'spectral',
};

export const OP_NAMES: readonly OpName[] = Object.keys(OP_GROUP) as OpName[];

export const UNARY_OPS = OP_NAMES.filter((o) => OP_GROUP[o] === 'unary');
export const BINARY_OPS = OP_NAMES.filter((o) => OP_GROUP[o] === 'binary');
export const COMPARISON_OPS: readonly OpName[] = ['eq', 'lt', 'le', 'gt', 'ge'];
