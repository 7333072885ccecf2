/**
 * The symbolic tensor front-end. A `Sym` wraps an IR node; every function here builds nodes
 * synchronously (no computation happens). Numbers are promoted to scalar constants of the other
 * operand's dtype. Negative axes count from the end, as in NumPy.
 *
 * @example
 *   const f = (x: Sym, w: Sym) => relu(conv(x, w, { padding: 1 })).mean();
 */
import { MedreconError } from '../core/errors.js';
import { type DType, type HostTensor, shapeStr, sizeOf, tensor } from '../core/tensor.js';
import { type Node, makeInput, makeNode } from './node.js';
import type { OpAttrs, OpName } from './ops.js';

export type SymLike = Sym | number;

export class Sym {
  constructor(readonly node: Node) {}
  get shape(): readonly number[] { return this.node.shape; }
  get dtype(): DType { return this.node.dtype; }
  get rank(): number { return this.node.shape.length; }
  get size(): number { return sizeOf(this.node.shape); }
  toString(): string { return `Sym(${this.node.op}, ${this.dtype}${shapeStr(this.shape)})`; }

  add(o: SymLike): Sym { return add(this, o); }
  sub(o: SymLike): Sym { return sub(this, o); }
  mul(o: SymLike): Sym { return mul(this, o); }
  div(o: SymLike): Sym { return div(this, o); }
  pow(o: SymLike): Sym { return pow(this, o); }
  neg(): Sym { return neg(this); }
  abs(): Sym { return abs(this); }
  exp(): Sym { return exp(this); }
  log(): Sym { return log(this); }
  sqrt(): Sym { return sqrt(this); }
  square(): Sym { return mul(this, this); }
  relu(): Sym { return relu(this); }
  tanh(): Sym { return tanh(this); }
  sigmoid(): Sym { return sigmoid(this); }
  matmul(o: Sym): Sym { return matmul(this, o); }
  sum(axes?: number | readonly number[], keepdims = false): Sym { return sum(this, axes, keepdims); }
  mean(axes?: number | readonly number[], keepdims = false): Sym { return mean(this, axes, keepdims); }
  max(axes?: number | readonly number[], keepdims = false): Sym { return max(this, axes, keepdims); }
  min(axes?: number | readonly number[], keepdims = false): Sym { return min(this, axes, keepdims); }
  reshape(shape: readonly number[]): Sym { return reshape(this, shape); }
  transpose(perm?: readonly number[]): Sym { return transpose(this, perm); }
  expand(shape: readonly number[]): Sym { return expand(this, shape); }
  cast(to: DType): Sym { return cast(this, to); }
}

export function isSym(x: unknown): x is Sym {
  return x instanceof Sym;
}

const wrap = (n: Node): Sym => new Sym(n);
const node = <K extends OpName>(op: K, inputs: readonly Sym[], attrs: OpAttrs[K]): Sym =>
  wrap(makeNode(op, inputs.map((i) => i.node), attrs));

// ---------------------------------------------------------------- sources

/** A graph argument (used by tracing; users get these from `compile`/`trace`). */
export function input(index: number, name: string, dims: readonly number[], dtype: DType = 'float32'): Sym {
  return wrap(makeInput(index, name, dims, dtype));
}

/** A literal tensor embedded in the graph. */
export function constant(t: HostTensor): Sym {
  return node('const', [], { value: t });
}

/** A scalar constant. */
export function scalarConst(v: number, dtype: DType = 'float32'): Sym {
  return constant(tensor([], [v], dtype));
}

/** A tensor of `shape` filled with `v` (a broadcast scalar, so it costs no memory in the graph). */
export function full(shape: readonly number[], v: number, dtype: DType = 'float32'): Sym {
  return expand(scalarConst(v, dtype), shape);
}

export function zerosLike(x: Sym): Sym { return full(x.shape, 0, x.dtype); }
export function onesLike(x: Sym): Sym { return full(x.shape, 1, x.dtype); }

function lift(x: SymLike, like: Sym): Sym {
  if (typeof x === 'number') return scalarConst(x, like.dtype);
  return x;
}
function pair(a: SymLike, b: SymLike): [Sym, Sym] {
  if (typeof a === 'number' && typeof b === 'number') return [scalarConst(a), scalarConst(b)];
  if (typeof a === 'number') return [lift(a, b as Sym), b as Sym];
  if (typeof b === 'number') return [a, lift(b, a)];
  return [a, b];
}

// ---------------------------------------------------------------- elementwise
const unary = (op: OpName) => (x: Sym): Sym => node(op, [x], {} as never);
export const neg = unary('neg');
export const abs = unary('abs');
export const sign = unary('sign');
export const exp = unary('exp');
export const log = unary('log');
export const sqrt = unary('sqrt');
export const reciprocal = unary('reciprocal');
export const sin = unary('sin');
export const cos = unary('cos');
export const tanh = unary('tanh');
export const sigmoid = unary('sigmoid');
export const softplus = unary('softplus');
export const relu = unary('relu');
export const erf = unary('erf');
export const floor = unary('floor');
/** Identity in the forward pass; blocks gradients. */
export const stopGradient = unary('stopGradient');

const binary = (op: OpName) => (a: SymLike, b: SymLike): Sym => node(op, pair(a, b), {} as never);
export const add = binary('add');
export const sub = binary('sub');
export const mul = binary('mul');
export const div = binary('div');
/** x^y. Defined for x > 0, or any x when y is an integer constant. */
export const pow = binary('pow');
export const maximum = binary('maximum');
export const minimum = binary('minimum');
export const eq = binary('eq');
export const lt = binary('lt');
export const le = binary('le');
export const gt = binary('gt');
export const ge = binary('ge');

/** Elementwise `cond ? a : b` with broadcasting. */
export function where(cond: Sym, a: SymLike, b: SymLike): Sym {
  const [x, y] = pair(a, b);
  return node('where', [cond, x, y], {});
}

export function cast(x: Sym, to: DType): Sym {
  if (x.dtype === to) return x;
  return node('cast', [x], { to });
}

// ---------------------------------------------------------------- axes helpers
export function normAxis(axis: number, rank: number, op = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new MedreconError('SHAPE_MISMATCH', `${op}: axis ${axis} out of range for rank ${rank}`, { op, axis, rank });
  }
  return a;
}
function normAxes(axes: number | readonly number[] | undefined, rank: number, op: string): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = [...new Set(list.map((a) => normAxis(a, rank, op)))].sort((a, b) => a - b);
  return out;
}

// ---------------------------------------------------------------- reductions
const reducer = (op: 'reduceSum' | 'reduceMean' | 'reduceMax' | 'reduceMin') =>
  (x: Sym, axes?: number | readonly number[], keepdims = false): Sym => {
    const ax = normAxes(axes, x.rank, op);
    if (ax.length === 0) return x;
    return node(op, [x], { axes: ax, keepdims });
  };
export const sum = reducer('reduceSum');
export const mean = reducer('reduceMean');
export const max = reducer('reduceMax');
export const min = reducer('reduceMin');

// ---------------------------------------------------------------- movement
/** Reshape; one entry may be -1 (inferred). */
export function reshape(x: Sym, shape: readonly number[]): Sym {
  const s = [...shape];
  const neg1 = s.indexOf(-1);
  if (neg1 >= 0) {
    const rest = sizeOf(s.filter((_, i) => i !== neg1));
    if (rest === 0 || x.size % rest !== 0) {
      throw new MedreconError('SHAPE_MISMATCH', `reshape: cannot infer -1 reshaping ${shapeStr(x.shape)} to ${shapeStr(shape)}`, { op: 'reshape' });
    }
    s[neg1] = x.size / rest;
  }
  if (shapeStr(s) === shapeStr(x.shape)) return x;
  return node('reshape', [x], { shape: s });
}

/** Permute axes (reverses them when `perm` is omitted). */
export function transpose(x: Sym, perm?: readonly number[]): Sym {
  const p = perm ? perm.map((a) => (a < 0 ? a + x.rank : a)) : Array.from({ length: x.rank }, (_, i) => x.rank - 1 - i);
  if (p.every((v, i) => v === i) && p.length === x.rank) return x;
  return node('transpose', [x], { perm: p });
}

/** Broadcast to `shape` (NumPy rules; may add leading axes). */
export function expand(x: Sym, shape: readonly number[]): Sym {
  if (shapeStr(shape) === shapeStr(x.shape)) return x;
  return node('expand', [x], { shape: [...shape] });
}

export function unsqueeze(x: Sym, axis: number): Sym {
  const a = normAxis(axis, x.rank + 1, 'unsqueeze');
  const s = [...x.shape];
  s.splice(a, 0, 1);
  return reshape(x, s);
}
export function squeeze(x: Sym, axis: number): Sym {
  const a = normAxis(axis, x.rank, 'squeeze');
  if (x.shape[a] !== 1) throw new MedreconError('SHAPE_MISMATCH', `squeeze: axis ${axis} has size ${x.shape[a]}, not 1`, { op: 'squeeze' });
  return reshape(x, x.shape.filter((_, i) => i !== a));
}

/** Python-style slice spec for one axis: [start, end, step]; undefined entries take defaults. */
export type SliceSpec = readonly [start?: number, end?: number, step?: number] | null | undefined;

/**
 * Slice with Python semantics per axis (negative indices, clamping, negative steps).
 * @example slice(x, [null, [0, 10, 2]]) // every other of the first 10 columns
 */
export function slice(x: Sym, specs: readonly SliceSpec[]): Sym {
  const r = x.rank;
  if (specs.length > r) throw new MedreconError('SHAPE_MISMATCH', `slice: ${specs.length} specs for rank ${r}`, { op: 'slice' });
  const starts: number[] = [];
  const steps: number[] = [];
  const sizes: number[] = [];
  for (let i = 0; i < r; i++) {
    const d = x.shape[i]!;
    const sp = specs[i];
    const step = sp?.[2] ?? 1;
    if (step === 0 || !Number.isInteger(step)) throw new MedreconError('SHAPE_MISMATCH', `slice: step must be a non-zero integer on axis ${i}`, { op: 'slice' });
    let start: number;
    let end: number;
    if (step > 0) {
      start = sp?.[0] === undefined ? 0 : sp[0] < 0 ? Math.max(0, sp[0] + d) : Math.min(sp[0], d);
      end = sp?.[1] === undefined ? d : sp[1] < 0 ? Math.max(0, sp[1] + d) : Math.min(sp[1], d);
    } else {
      start = sp?.[0] === undefined ? d - 1 : sp[0] < 0 ? Math.max(-1, sp[0] + d) : Math.min(sp[0], d - 1);
      end = sp?.[1] === undefined ? -1 : sp[1] < 0 ? Math.max(-1, sp[1] + d) : Math.min(sp[1], d - 1);
    }
    const n = step > 0 ? Math.max(0, Math.ceil((end - start) / step)) : Math.max(0, Math.ceil((start - end) / -step));
    starts.push(n === 0 ? 0 : start);
    steps.push(step);
    sizes.push(n);
  }
  if (sizes.every((n, i) => n === x.shape[i] && steps[i] === 1)) return x;
  return node('slice', [x], { starts, steps, sizes });
}

/** Slice one axis: x[..., start:end:step, ...]. */
export function sliceAxis(x: Sym, axis: number, start?: number, end?: number, step?: number): Sym {
  const a = normAxis(axis, x.rank, 'slice');
  const specs: SliceSpec[] = Array.from({ length: x.rank }, () => null);
  specs[a] = [start, end, step];
  return slice(x, specs);
}

export type PadMode = 'constant' | 'reflect' | 'edge';
/** Pad with `[before, after]` per axis (leading axes may be omitted: pads apply to the last axes). */
export function pad(x: Sym, widths: readonly (readonly [number, number])[], mode: PadMode = 'constant', value = 0): Sym {
  if (widths.length > x.rank) throw new MedreconError('SHAPE_MISMATCH', `pad: ${widths.length} pad pairs for rank ${x.rank}`, { op: 'pad' });
  const full = [...Array.from({ length: x.rank - widths.length }, () => [0, 0] as const), ...widths];
  if (full.every(([b, e]) => b === 0 && e === 0)) return x;
  const pads = [...full.map((w) => w[0]), ...full.map((w) => w[1])];
  return node('pad', [x], { pads, mode, value });
}

export function concat(xs: readonly Sym[], axis: number): Sym {
  if (xs.length === 0) throw new MedreconError('INVALID_ARGUMENT', 'concat: needs at least one tensor');
  if (xs.length === 1) return xs[0]!;
  return node('concat', xs, { axis: normAxis(axis, xs[0]!.rank, 'concat') });
}

/** Stack along a new axis. */
export function stack(xs: readonly Sym[], axis = 0): Sym {
  if (xs.length === 0) throw new MedreconError('INVALID_ARGUMENT', 'stack: needs at least one tensor');
  const a = normAxis(axis, xs[0]!.rank + 1, 'stack');
  return concat(xs.map((x) => unsqueeze(x, a)), a);
}

export function flip(x: Sym, axes: number | readonly number[]): Sym {
  const ax = normAxes(axes, x.rank, 'flip');
  if (ax.length === 0) return x;
  return node('flip', [x], { axes: ax });
}

// ---------------------------------------------------------------- contraction
/** Batched matrix product with NumPy `matmul` semantics (rank-1 operands are promoted). */
export function matmul(a: Sym, b: Sym): Sym {
  const a1 = a.rank === 1;
  const b1 = b.rank === 1;
  const A = a1 ? reshape(a, [1, a.shape[0]!]) : a;
  const B = b1 ? reshape(b, [b.shape[0]!, 1]) : b;
  let y = node('matmul', [A, B], {});
  if (a1) y = squeeze(y, -2);
  if (b1) y = squeeze(y, -1);
  return y;
}

// ---------------------------------------------------------------- convolution
export interface ConvOptions {
  stride?: number | readonly number[];
  /** number (all sides), per-axis numbers, explicit [b..., e...] (length 2·nd), or 'same' (stride 1). */
  padding?: number | readonly number[] | 'same';
  dilation?: number | readonly number[];
  groups?: number;
}
function perAxis(v: number | readonly number[] | undefined, nd: number, dflt: number, what: string): number[] {
  if (v === undefined) return Array(nd).fill(dflt);
  if (typeof v === 'number') return Array(nd).fill(v);
  if (v.length !== nd) throw new MedreconError('INVALID_ARGUMENT', `${what}: expected ${nd} values, got ${v.length}`);
  return [...v];
}
function convPads(p: ConvOptions['padding'], nd: number, k: readonly number[], dil: readonly number[]): number[] {
  if (p === undefined) return Array(2 * nd).fill(0);
  if (p === 'same') {
    const tot = k.map((kk, i) => dil[i]! * (kk - 1));
    return [...tot.map((t) => Math.floor(t / 2)), ...tot.map((t) => t - Math.floor(t / 2))];
  }
  if (typeof p === 'number') return Array(2 * nd).fill(p);
  if (p.length === nd) return [...p, ...p];
  if (p.length === 2 * nd) return [...p];
  throw new MedreconError('INVALID_ARGUMENT', `padding: expected ${nd} or ${2 * nd} values, got ${p.length}`);
}

/** N-d cross-correlation (PyTorch `conv` semantics): x [N,C,...], w [O,C/groups,...k]. */
export function conv(x: Sym, w: Sym, opts: ConvOptions = {}): Sym {
  const nd = x.rank - 2;
  const dilations = perAxis(opts.dilation, nd, 1, 'conv dilation');
  return node('conv', [x, w], {
    strides: perAxis(opts.stride, nd, 1, 'conv stride'),
    pads: convPads(opts.padding, nd, w.shape.slice(2), dilations),
    dilations,
    groups: opts.groups ?? 1,
  });
}

/** Transposed convolution (PyTorch `conv_transpose` semantics): w [C, O/groups, ...k]. */
export function convTranspose(x: Sym, w: Sym, opts: Omit<ConvOptions, 'padding'> & { padding?: number | readonly number[]; outputPadding?: number | readonly number[] } = {}): Sym {
  const nd = x.rank - 2;
  const dilations = perAxis(opts.dilation, nd, 1, 'convTranspose dilation');
  return node('convTranspose', [x, w], {
    strides: perAxis(opts.stride, nd, 1, 'convTranspose stride'),
    pads: convPads(opts.padding, nd, w.shape.slice(2), dilations),
    dilations,
    groups: opts.groups ?? 1,
    outputPadding: perAxis(opts.outputPadding, nd, 0, 'convTranspose outputPadding'),
  });
}

/** Average pooling over the spatial axes of x [N,C,...]. */
export function avgPool(x: Sym, kernel: number | readonly number[], opts: { stride?: number | readonly number[]; padding?: number | readonly number[]; countIncludePad?: boolean } = {}): Sym {
  const nd = x.rank - 2;
  const k = perAxis(kernel, nd, 1, 'avgPool kernel');
  return node('avgPool', [x], {
    kernel: k,
    strides: opts.stride === undefined ? k : perAxis(opts.stride, nd, 1, 'avgPool stride'),
    pads: convPads(opts.padding, nd, k, Array(nd).fill(1)),
    countIncludePad: opts.countIncludePad ?? false,
  });
}

// ---------------------------------------------------------------- indexing
/** `np.take(x, idx, axis)`; idx is int32 and must be in range (checked by the interpreter). */
export function gather(x: Sym, idx: Sym, axis = 0): Sym {
  return node('gather', [x, idx], { axis: normAxis(axis, x.rank, 'gather') });
}

/** Transpose of `gather`: zeros(shape) with updates added at idx along `axis` (duplicates accumulate). */
export function scatterAdd(idx: Sym, updates: Sym, axis: number, shape: readonly number[]): Sym {
  return node('scatterAdd', [idx, updates], { axis: normAxis(axis, shape.length, 'scatterAdd'), shape: [...shape] });
}

// ---------------------------------------------------------------- spectral
/** Unnormalised complex DFT along `axis` of x [..., 2] (see ops.ts). */
export function dft(x: Sym, axis: number, inverse = false): Sym {
  const a = normAxis(axis, x.rank, 'dft');
  if (a === x.rank - 1) throw new MedreconError('SHAPE_MISMATCH', `dft: axis ${axis} is the complex (re, im) axis of ${shapeStr(x.shape)}`, { op: 'dft' });
  return node('dft', [x], { axis: a, inverse });
}
