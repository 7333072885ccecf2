/**
 * Lowering of the medrecon IR to ONNX (default domain, opset `ONNX_OPSET` = 18).
 *
 * `LOWERINGS` has one row per IR op (a missing op is a compile error). A row receives the lowering
 * context, the IR node and the ONNX value names of its inputs, and emits one or more ONNX nodes;
 * it returns the name of the value that holds the node's result. `want` is the name the caller
 * would like that value to have (the graph output name when the node is an output); rows that
 * emit a node use it, source rows and aliases (stopGradient) return another name and the driver
 * adds an `Identity` where a graph output needs one.
 *
 * Ops without a good ONNX counterpart are lowered by expansion: an IR subgraph built from
 * primitive ops (e.g. `expandDft`) is traced on placeholders standing for the already-lowered
 * inputs and its nodes are lowered recursively (`LowerCtx.expand`).
 *
 * Semantics notes
 * - slice: ONNX Slice with explicit ends; a negative-step slice that reaches index 0 uses the
 *   INT64 minimum as its end (an end of −1 would mean "the last element").
 * - flip: Slice with start −1, end INT64_MIN, step −1 on each flipped axis.
 * - scatterAdd(idx, upd, axis, shape): move `axis` to the front, flatten the index to [n, 1] int64,
 *   ScatterND(zeros, idx, upd, reduction='add') (duplicates accumulate), move the axis back. ORT runs
 *   it correctly only on one intra-op thread (`Lowered.needsSerialScatter`); ScatterElements with
 *   reduction='add' is exact on any thread count but measured 10–30× slower for row updates.
 * - dft: `'expand'` (default) lowers `expandDft`; `'onnx'` uses ONNX DFT (opset 17–19: `axis` is an
 *   attribute; ONNX's inverse divides by N, so the result is multiplied by N to stay unnormalised).
 *
 * @example
 *   const t = trace((x: Sym) => x.exp().sum(), [spec([2, 3])]);
 *   const { bytes, inputNames, outputNames } = lowerToOnnx(t);
 */
import { MedreconError, checkOptions } from '../core/errors.js';
import { hashBytes } from '../core/hash.js';
import type { DType, HostTensor } from '../core/tensor.js';
import { type Node, makeInput, topoSort, withNodeScope } from '../ir/node.js';
import type { OpAttrs, OpName } from '../ir/ops.js';
import { Sym } from '../ir/sym.js';
import { type Traced, sanitizeName } from '../ir/trace.js';
import { expandDft } from './dft-expand.js';
import { type AttrValue, DataType, type DataTypeCode, type GraphDef, type NodeDef, ONNX_OPSET, type TensorInit, type ValueInfo, encodeModel } from './proto.js';

export { ONNX_OPSET };

/** INT64 minimum: the "before index 0" end of a negative-step ONNX Slice. */
export const INT64_MIN = -(2n ** 63n);

export interface LowerOptions {
  /** How `dft` is lowered: `'expand'` (primitive IR ops, default) or `'onnx'` (ONNX DFT). */
  readonly dft?: 'onnx' | 'expand';
  /** Graph name written into the model. */
  readonly name?: string;
}
export const LOWER_OPTION_KEYS = ['dft', 'name'] as const;

/**
 * What a standalone model (`exportOnnx`) adds to the lowering: readable graph input/output names
 * and model-level text. Not compile options: the runtime never names its graphs' values.
 */
export interface ModelOptions {
  /** One name per flat traced input, in order (default `in_<path>`). */
  readonly inputNames?: readonly string[];
  /** One name per flat traced output, in order (default `out_<path>`). */
  readonly outputNames?: readonly string[];
  /** ModelProto.doc_string. */
  readonly docString?: string;
  /** ModelProto.metadata_props (string → string). */
  readonly metadata?: Readonly<Record<string, string>>;
}
export const MODEL_OPTION_KEYS = ['inputNames', 'outputNames', 'docString', 'metadata'] as const;

/** A value name an ONNX tool will take without quoting: a letter or '_' first, then [A-Za-z0-9_.:/-]. */
const VALUE_NAME = /^[A-Za-z_][A-Za-z0-9_.:/-]*$/;

function checkNames(what: 'inputNames' | 'outputNames', given: readonly string[] | undefined, count: number): void {
  if (given === undefined) return;
  if (!Array.isArray(given) || given.length !== count) {
    throw new MedreconError('INVALID_ARGUMENT', `lowerToOnnx: ${what} must list ${count} name${count === 1 ? '' : 's'} (one per flat ${what === 'inputNames' ? 'input' : 'output'}), got ${Array.isArray(given) ? given.length : typeof given}`, { expected: count });
  }
  for (const n of given) {
    if (typeof n !== 'string' || !VALUE_NAME.test(n)) throw new MedreconError('INVALID_ARGUMENT', `lowerToOnnx: ${what}: '${String(n)}' is not a valid value name (a letter or '_', then letters, digits, '_', '.', ':', '/', '-')`, { name: n });
  }
}

export interface Lowered {
  readonly bytes: Uint8Array;
  readonly inputNames: string[];
  readonly outputNames: string[];
  readonly nodeCount: number;
  /** The structured ONNX graph that `bytes` encodes (for dumps and tests). */
  readonly graph: GraphDef;
  /**
   * The graph has a ScatterND with reduction='add' (our scatterAdd, and the gradient of gather) whose
   * targets may repeat (indices that are not constants without repeats).
   * ONNX Runtime's CPU ScatterND splits the updates over intra-op threads without guarding
   * duplicate targets, so with more than one thread it loses updates at random (measured here with
   * ORT 1.30: 2 M duplicate-index updates, errors up to 1e3 run to run; also reported upstream as
   * microsoft/onnxruntime#18048). Runtimes run such graphs with one intra-op thread, which is exact
   * and, for this memory-bound op, no slower (bench/results/physics.json).
   */
  readonly needsSerialScatter: boolean;
}

/** ONNX element type of an IR dtype. */
export function onnxDataType(d: DType): DataTypeCode {
  return d === 'float32' ? DataType.FLOAT : d === 'int32' ? DataType.INT32 : DataType.BOOL;
}

/** What a lowering row can do. */
export interface LowerCtx {
  readonly options: Required<Omit<LowerOptions, 'name'>>;
  /** Emit one ONNX node; returns its output names (fresh ones when `outputs` is a count). */
  emit(opType: string, inputs: readonly string[], outputs: string | number, attrs?: Record<string, AttrValue>): string[];
  /** Emit a single-output node and return its output (named `out`, or fresh). */
  op(opType: string, inputs: readonly string[], attrs?: Record<string, AttrValue>, out?: string): string;
  /** Mark the graph as needing one intra-op thread (a ScatterND-add whose targets may repeat). */
  flagSerialScatter(): void;
  /** A fresh value name. */
  fresh(prefix?: string): string;
  /** A (deduplicated) int64 initializer. */
  i64(values: readonly (number | bigint)[], dims?: readonly number[]): string;
  /** A (deduplicated) initializer holding a host tensor; `key` identifies its content when known (e.g. a const node's hash). */
  constant(t: HostTensor, key?: string): string;
  /** A (deduplicated) scalar initializer. */
  scalar(v: number, dtype: DType): string;
  /**
   * Lower `node` by expansion: `build` receives one Sym per input of `node` (placeholders standing
   * for `ins`) and returns an IR subgraph made of other ops, which is lowered recursively.
   */
  expand(node: Node, ins: readonly string[], want: string, build: (...xs: Sym[]) => Sym): string;
}

export type Lowering<K extends OpName> = (ctx: LowerCtx, node: Node<K>, ins: readonly string[], want: string) => string;

const unary = (onnx: string): Lowering<OpName> => (ctx, _n, ins, want) => ctx.op(onnx, ins, {}, want);
const binary = unary;

function reduce<K extends 'reduceSum' | 'reduceMean' | 'reduceMax' | 'reduceMin'>(onnx: string): Lowering<K> {
  return (ctx, n, ins, want) => ctx.op(onnx, [ins[0]!, ctx.i64(n.attrs.axes)], { keepdims: n.attrs.keepdims ? 1 : 0 }, want);
}

/** ONNX Slice `ends` for a slice of `size` elements from `start` with `step` (see the header). */
export function sliceEnd(start: number, step: number, size: number): bigint {
  if (size === 0) return BigInt(start);
  const end = start + size * step;
  return end < 0 ? INT64_MIN : BigInt(end);
}

function convAttrs(a: OpAttrs['conv'], kernel: readonly number[]): Record<string, AttrValue> {
  return { kernel_shape: kernel, strides: a.strides, pads: a.pads, dilations: a.dilations, group: a.groups };
}

/**
 * ConvTranspose. ORT rejects output_padding ≥ stride (allowed by our semantics when the dilation
 * is larger). On such axes the output is full[pb : L − pe + op] of the unpadded result of length L,
 * and positions past L receive no contribution: lower with end pad pe − op (and no output padding),
 * then zero-pad the end by op − pe when that is positive.
 */
function lowerConvTranspose(ctx: LowerCtx, n: Node<'convTranspose'>, ins: readonly string[], want: string): string {
  const a = n.attrs;
  const nd = a.strides.length;
  const kernel = n.inputs[1]!.shape.slice(2);
  if (a.outputPadding.every((op, i) => op < a.strides[i]!)) {
    return ctx.op('ConvTranspose', ins, { ...convAttrs(a, kernel), output_padding: a.outputPadding }, want);
  }
  const pads = [...a.pads];
  const outPad = [...a.outputPadding];
  const extra = Array<number>(nd).fill(0);
  for (let i = 0; i < nd; i++) {
    if (outPad[i]! < a.strides[i]!) continue;
    const e = a.pads[nd + i]! - outPad[i]!;
    pads[nd + i] = Math.max(e, 0);
    extra[i] = Math.max(-e, 0);
    outPad[i] = 0;
  }
  const attrs = { ...convAttrs({ ...a, pads }, kernel), output_padding: outPad };
  if (extra.every((e) => e === 0)) return ctx.op('ConvTranspose', ins, attrs, want);
  const y = ctx.op('ConvTranspose', ins, attrs);
  return ctx.op('Pad', [y, ctx.i64([0, 0, ...Array<number>(nd).fill(0), 0, 0, ...extra]), ctx.scalar(0, 'float32')], { mode: 'constant' }, want);
}

/** Whether an index array has no repeated value. */
function uniqueValues(d: ArrayLike<number>): boolean {
  const seen = new Set<number>();
  for (let i = 0; i < d.length; i++) {
    if (seen.has(d[i]!)) return false;
    seen.add(d[i]!);
  }
  return true;
}

function lowerScatterAdd(ctx: LowerCtx, n: Node<'scatterAdd'>, ins: readonly string[], want: string): string {
  const { axis, shape } = n.attrs;
  const [idxNode, updNode] = n.inputs as [Node, Node];
  const k = idxNode.shape.length;
  const nIdx = idxNode.shape.reduce((p, d) => p * d, 1);
  const rest = [...shape.slice(0, axis), ...shape.slice(axis + 1)];
  // Layout with the scattered axis in front: [shape[axis], ...rest].
  const frontShape = [shape[axis]!, ...rest];
  const zerosFront = ctx.op('Expand', [ctx.scalar(0, 'float32'), ctx.i64(frontShape)]);
  let result: string;
  if (nIdx === 0 || rest.some((d) => d === 0)) {
    result = zerosFront;
  } else {
    // updates [...shape[:axis], ...idx.shape, ...shape[axis+1:]] → [...idx.shape, ...rest] → [nIdx, ...rest]
    const r = updNode.shape.length;
    const perm = [...Array.from({ length: k }, (_, i) => axis + i), ...Array.from({ length: axis }, (_, i) => i), ...Array.from({ length: r - axis - k }, (_, i) => axis + k + i)];
    let upd = ins[1]!;
    if (!perm.every((p, i) => p === i)) upd = ctx.op('Transpose', [upd], { perm });
    upd = ctx.op('Reshape', [upd, ctx.i64([nIdx, ...rest])]);
    let idx = ctx.op('Reshape', [ins[0]!, ctx.i64([nIdx, 1])]);
    idx = ctx.op('Cast', [idx], { to: DataType.INT64 });
    // Constant indices without repeats cannot race; anything else may (see Lowered.needsSerialScatter).
    if (!(idxNode.op === 'const' && uniqueValues((idxNode.attrs as { value: HostTensor }).value.data))) ctx.flagSerialScatter();
    result = ctx.op('ScatterND', [zerosFront, idx, upd], { reduction: 'add' });
  }
  if (axis === 0) return ctx.op('Identity', [result], {}, want);
  // [shape[axis], ...shape[:axis], ...shape[axis+1:]] → shape
  const back = Array.from({ length: shape.length }, (_, i) => (i < axis ? i + 1 : i === axis ? 0 : i));
  return ctx.op('Transpose', [result], { perm: back }, want);
}

function lowerDftOnnx(ctx: LowerCtx, n: Node<'dft'>, ins: readonly string[], want: string): string {
  const { axis, inverse } = n.attrs;
  const len = n.shape[axis]!;
  if (!inverse) return ctx.op('DFT', [ins[0]!], { axis, inverse: 0, onesided: 0 }, want);
  const y = ctx.op('DFT', [ins[0]!], { axis, inverse: 1, onesided: 0 });
  return ctx.op('Mul', [y, ctx.scalar(len, 'float32')], {}, want);
}

/** One lowering per IR op. */
export const LOWERINGS: { readonly [K in OpName]: Lowering<K> } = {
  // Sources are bound by the driver (graph inputs and initializers); these rows return the bound name.
  input: (_ctx, n) => n.attrs.name,
  const: (ctx, n) => ctx.constant(n.attrs.value, `node:${n.hash}`),

  neg: unary('Neg'),
  abs: unary('Abs'),
  sign: unary('Sign'),
  exp: unary('Exp'),
  log: unary('Log'),
  sqrt: unary('Sqrt'),
  reciprocal: unary('Reciprocal'),
  sin: unary('Sin'),
  cos: unary('Cos'),
  tanh: unary('Tanh'),
  sigmoid: unary('Sigmoid'),
  // ORT's Softplus is evaluated stably (x + log1p(e^-x) for x > 0): checked by the parity tests at |x| = 100.
  softplus: unary('Softplus'),
  relu: unary('Relu'),
  erf: unary('Erf'),
  floor: unary('Floor'),
  // Forward identity: alias the input (the driver adds an Identity if this is a graph output).
  stopGradient: (_ctx, _n, ins) => ins[0]!,

  add: binary('Add'),
  sub: binary('Sub'),
  mul: binary('Mul'),
  div: binary('Div'),
  pow: binary('Pow'),
  maximum: binary('Max'),
  minimum: binary('Min'),
  eq: binary('Equal'),
  lt: binary('Less'),
  le: binary('LessOrEqual'),
  gt: binary('Greater'),
  ge: binary('GreaterOrEqual'),

  // ORT has no bool Where kernel: c ? a : b = (c ∧ a) ∨ (¬c ∧ b) for bool branches.
  where: (ctx, n, ins, want) => {
    if (n.dtype !== 'bool') return ctx.op('Where', ins, {}, want);
    const [c, a, b] = ins as [string, string, string];
    return ctx.op('Or', [ctx.op('And', [c, a]), ctx.op('And', [ctx.op('Not', [c]), b])], {}, want);
  },

  reduceSum: reduce('ReduceSum'),
  reduceMean: reduce('ReduceMean'),
  reduceMax: reduce('ReduceMax'),
  reduceMin: reduce('ReduceMin'),

  reshape: (ctx, n, ins, want) =>
    ctx.op('Reshape', [ins[0]!, ctx.i64(n.attrs.shape)], n.attrs.shape.includes(0) ? { allowzero: 1 } : {}, want),
  transpose: (ctx, n, ins, want) => ctx.op('Transpose', ins, { perm: n.attrs.perm }, want),
  expand: (ctx, n, ins, want) => ctx.op('Expand', [ins[0]!, ctx.i64(n.attrs.shape)], {}, want),
  slice: (ctx, n, ins, want) => {
    const x = n.inputs[0]!;
    const { starts, steps, sizes } = n.attrs;
    const axes: number[] = [];
    const st: number[] = [];
    const en: bigint[] = [];
    const sp: number[] = [];
    for (let i = 0; i < sizes.length; i++) {
      if (steps[i] === 1 && starts[i] === 0 && sizes[i] === x.shape[i]) continue;
      axes.push(i);
      st.push(starts[i]!);
      en.push(sliceEnd(starts[i]!, steps[i]!, sizes[i]!));
      sp.push(steps[i]!);
    }
    if (axes.length === 0) return ctx.op('Identity', ins, {}, want);
    return ctx.op('Slice', [ins[0]!, ctx.i64(st), ctx.i64(en), ctx.i64(axes), ctx.i64(sp)], {}, want);
  },
  pad: (ctx, n, ins, want) => {
    const { pads, mode, value } = n.attrs;
    const inputs = [ins[0]!, ctx.i64(pads)];
    if (mode === 'constant') inputs.push(ctx.scalar(value, n.dtype));
    return ctx.op('Pad', inputs, { mode }, want);
  },
  concat: (ctx, n, ins, want) => ctx.op('Concat', ins, { axis: n.attrs.axis }, want),
  flip: (ctx, n, ins, want) => {
    const k = n.attrs.axes.length;
    const minus1 = Array<number>(k).fill(-1);
    return ctx.op('Slice', [ins[0]!, ctx.i64(minus1), ctx.i64(Array<bigint>(k).fill(INT64_MIN)), ctx.i64(n.attrs.axes), ctx.i64(minus1)], {}, want);
  },

  matmul: (ctx, _n, ins, want) => ctx.op('MatMul', ins, {}, want),

  conv: (ctx, n, ins, want) => ctx.op('Conv', ins, convAttrs(n.attrs, n.inputs[1]!.shape.slice(2)), want),
  convTranspose: lowerConvTranspose,
  avgPool: (ctx, n, ins, want) =>
    ctx.op('AveragePool', ins, { kernel_shape: n.attrs.kernel, strides: n.attrs.strides, pads: n.attrs.pads, count_include_pad: n.attrs.countIncludePad ? 1 : 0 }, want),

  gather: (ctx, n, ins, want) => ctx.op('Gather', ins, { axis: n.attrs.axis }, want),
  scatterAdd: lowerScatterAdd,

  cast: (ctx, n, ins, want) => ctx.op('Cast', ins, { to: onnxDataType(n.attrs.to) }, want),

  dft: (ctx, n, ins, want) => {
    if (ctx.options.dft === 'onnx') return lowerDftOnnx(ctx, n, ins, want);
    return ctx.expand(n, ins, want, (x) => expandDft(x, n.attrs.axis, n.attrs.inverse));
  },
};

// ------------------------------------------------------------------ driver

function tensorInit(name: string, t: HostTensor): TensorInit {
  return { name, dims: t.dims, data: t.data, dataType: onnxDataType(t.dtype) };
}

/** Content keys of constant tensors, memoised per tensor object (hashing 64 MB takes ~80 ms). */
const contentKeys = new WeakMap<HostTensor, string>();
function contentKey(t: HostTensor): string {
  let k = contentKeys.get(t);
  if (k === undefined) {
    const d = t.data;
    k = `${t.dtype}[${t.dims.join(',')}]:${d.length <= 8 ? Array.from(d).join(',') : hashBytes(new Uint8Array(d.buffer, d.byteOffset, d.byteLength))}`;
    contentKeys.set(t, k);
  }
  return k;
}

class Builder implements LowerCtx {
  readonly nodes: NodeDef[] = [];
  serialScatter = false;
  flagSerialScatter(): void {
    this.serialScatter = true;
  }
  readonly initializers: TensorInit[] = [];
  private readonly constNames = new Map<string, string>();
  private readonly used = new Set<string>();
  private counter = 0;
  private expandDepth = 0;

  constructor(readonly options: Required<Omit<LowerOptions, 'name'>>) {}

  reserve(name: string): string {
    let n = name;
    for (let k = 1; this.used.has(n); k++) n = `${name}_${k}`;
    this.used.add(n);
    return n;
  }
  fresh(prefix = 't'): string {
    return this.reserve(`${prefix}${this.counter++}`);
  }
  emit(opType: string, inputs: readonly string[], outputs: string | number, attrs: Record<string, AttrValue> = {}): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh()) : [outputs];
    this.nodes.push({ opType, inputs: [...inputs], outputs: outs, name: `n${this.nodes.length}_${opType}`, attrs });
    return outs;
  }
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, out?: string): string {
    return this.emit(opType, inputs, out ?? 1, attrs)[0]!;
  }
  private initializer(key: string, make: (name: string) => TensorInit): string {
    const hit = this.constNames.get(key);
    if (hit) return hit;
    const name = this.reserve(`c${this.constNames.size}`);
    this.initializers.push(make(name));
    this.constNames.set(key, name);
    return name;
  }
  i64(values: readonly (number | bigint)[], dims: readonly number[] = [values.length]): string {
    return this.initializer(`i64[${dims.join(',')}]:${values.join(',')}`, (name) => ({
      name,
      dims,
      data: BigInt64Array.from(values, (v) => BigInt(v)),
    }));
  }
  constant(t: HostTensor, key?: string): string {
    return this.initializer(key ?? contentKey(t), (name) => tensorInit(name, t));
  }
  scalar(v: number, dtype: DType): string {
    const data = dtype === 'float32' ? new Float32Array([v]) : dtype === 'int32' ? new Int32Array([v]) : new Uint8Array([v ? 1 : 0]);
    return this.constant({ dtype, dims: [], data } as HostTensor);
  }
  expand(node: Node, ins: readonly string[], want: string, build: (...xs: Sym[]) => Sym): string {
    if (this.expandDepth > 8) throw new MedreconError('INTERNAL', `lowering ${node.op}: expansion recursed too deeply`);
    this.expandDepth++;
    try {
      return withNodeScope(() => {
        const holders = node.inputs.map((x, i) => makeInput(-1 - i, `__expansion_${i}`, x.shape, x.dtype));
        const y = build(...holders.map((h) => new Sym(h))).node;
        if (y.dtype !== node.dtype || y.shape.join(',') !== node.shape.join(',')) {
          throw new MedreconError('INTERNAL', `lowering ${node.op} by expansion: got ${y.dtype}[${y.shape}], want ${node.dtype}[${node.shape}]`);
        }
        const names = new Map<number, string>();
        holders.forEach((h, i) => names.set(h.id, ins[i]!));
        for (const m of topoSort([y])) {
          if (names.has(m.id)) continue;
          if (m.op === 'input') throw new MedreconError('INTERNAL', `lowering ${node.op} by expansion: the subgraph uses a foreign input`);
          names.set(m.id, lowerNode(this, m, m.inputs.map((i) => names.get(i.id)!), m === y ? want : this.fresh('e')));
        }
        return names.get(y.id)!;
      });
    } finally {
      this.expandDepth--;
    }
  }
}

/**
 * Peephole: `add(conv(x, w), b)` where the conv result has no other use and `b` is a per-channel
 * bias (size O, broadcast along axis 1 of the output) becomes one ONNX Conv with bias input.
 */
function convBiasFusions(order: readonly Node[], outputs: readonly Node[]): { byAdd: Map<number, { conv: Node<'conv'>; bias: Node }>; skip: Set<number> } {
  const uses = new Map<number, number>();
  for (const n of order) for (const i of n.inputs) uses.set(i.id, (uses.get(i.id) ?? 0) + 1);
  for (const o of outputs) uses.set(o.id, (uses.get(o.id) ?? 0) + 1);
  const byAdd = new Map<number, { conv: Node<'conv'>; bias: Node }>();
  const skip = new Set<number>();
  for (const n of order) {
    if (n.op !== 'add' || n.dtype !== 'float32') continue;
    for (const [ci, bi] of [[0, 1], [1, 0]] as const) {
      const c = n.inputs[ci]!;
      const bias = n.inputs[bi]!;
      if (c.op !== 'conv' || uses.get(c.id) !== 1 || skip.has(c.id)) continue;
      const r = c.shape.length;
      const O = c.shape[1]!;
      // bias must broadcast only along the channel axis: right-aligned shape (…, O, 1, …, 1) with leading 1s
      const bs = bias.shape;
      if (bs.length > r || bs.length < r - 1) continue;
      const aligned = [...Array<number>(r - bs.length).fill(1), ...bs];
      if (aligned[1] !== O || aligned.some((d, i) => i !== 1 && d !== 1)) continue;
      if (n.shape.join(',') !== c.shape.join(',')) continue;
      byAdd.set(n.id, { conv: c as Node<'conv'>, bias });
      skip.add(c.id);
      break;
    }
  }
  return { byAdd, skip };
}

function lowerNode(ctx: LowerCtx, n: Node, ins: readonly string[], want: string): string {
  const rule = LOWERINGS[n.op] as Lowering<OpName>;
  return rule(ctx, n, ins, want);
}

function uniqueNames(raw: readonly string[], seen = new Set<string>()): string[] {
  return raw.map((r) => {
    let n = r;
    for (let k = 1; seen.has(n); k++) n = `${r}_${k}`;
    seen.add(n);
    return n;
  });
}

/**
 * Lower a traced function to ONNX ModelProto bytes. Graph inputs are the traced inputs in order
 * (unused ones included), graph outputs the traced outputs in order (`out_<path>`); `inputNames` /
 * `outputNames` replace those names (all distinct), `docString` / `metadata` go into the ModelProto.
 */
export function lowerToOnnx(traced: Traced, opts: LowerOptions & ModelOptions = {}): Lowered {
  checkOptions('lowerToOnnx', opts, [...LOWER_OPTION_KEYS, ...MODEL_OPTION_KEYS]);
  checkNames('inputNames', opts.inputNames, traced.inputs.length);
  checkNames('outputNames', opts.outputNames, traced.outputs.length);
  if (opts.inputNames || opts.outputNames) {
    const all = [...(opts.inputNames ?? []), ...(opts.outputNames ?? [])];
    const dup = all.find((n, i) => all.indexOf(n) !== i);
    if (dup !== undefined) throw new MedreconError('INVALID_ARGUMENT', `lowerToOnnx: the value name '${dup}' is given twice (input and output names must all differ)`, { name: dup });
  }
  const b = new Builder({ dft: opts.dft ?? 'expand' });
  const inputNames = uniqueNames(opts.inputNames ?? traced.inputs.map((x) => (x.node as Node<'input'>).attrs.name));
  inputNames.forEach((n) => b.reserve(n));
  const outputNames = uniqueNames(opts.outputNames ?? traced.outputs.map((_, i) => `out_${sanitizeName(traced.outputPaths[i] || String(i))}`), new Set(inputNames));
  outputNames.forEach((n) => b.reserve(n));

  const values = new Map<number, string>();
  traced.inputs.forEach((x, i) => values.set(x.node.id, inputNames[i]!));
  // A non-source output node computes straight into the first output slot that names it.
  const wantFor = new Map<number, string>();
  traced.outputs.forEach((o, i) => {
    if (!wantFor.has(o.node.id) && o.node.op !== 'input' && o.node.op !== 'const') wantFor.set(o.node.id, outputNames[i]!);
  });
  const order = topoSort(traced.outputs.map((o) => o.node));
  const fused = convBiasFusions(order, traced.outputs.map((o) => o.node));
  for (const n of order) {
    if (values.has(n.id) || fused.skip.has(n.id)) continue;
    if (n.op === 'input') {
      throw new MedreconError('INVALID_ARGUMENT', `lowerToOnnx: the graph uses input '${(n as Node<'input'>).attrs.name}' that is not an argument of the traced function`);
    }
    const want = wantFor.get(n.id) ?? b.reserve(`v${n.id}`);
    const f = fused.byAdd.get(n.id);
    if (f) {
      // Conv with its bias as ONNX's third input (lets ORT fuse a following activation too)
      const [x, w] = f.conv.inputs.map((i) => values.get(i.id)!) as [string, string];
      const bias = b.op('Reshape', [values.get(f.bias.id)!, b.i64([f.conv.shape[1]!])]);
      values.set(n.id, b.op('Conv', [x, w, bias], convAttrs(f.conv.attrs, f.conv.inputs[1]!.shape.slice(2)), want));
      continue;
    }
    values.set(n.id, lowerNode(b, n, n.inputs.map((i) => values.get(i.id)!), want));
  }
  traced.outputs.forEach((o, i) => {
    const v = values.get(o.node.id)!;
    if (v !== outputNames[i]) b.op('Identity', [v], {}, outputNames[i]);
  });

  const info = (name: string, s: { dims: readonly number[]; dtype: DType }): ValueInfo => ({ name, elemType: onnxDataType(s.dtype), dims: s.dims });
  const graph: GraphDef = {
    name: opts.name ?? 'medrecon',
    nodes: b.nodes,
    initializers: b.initializers,
    inputs: traced.inputSpecs.map((s, i) => info(inputNames[i]!, s)),
    outputs: traced.outputs.map((o, i) => info(outputNames[i]!, { dims: o.shape, dtype: o.dtype })),
  };
  const model = { graph, ...(opts.docString ? { docString: opts.docString } : {}), ...(opts.metadata ? { metadata: opts.metadata } : {}) };
  return { bytes: encodeModel(model), inputNames, outputNames, nodeCount: b.nodes.length, graph, needsSerialScatter: b.serialScatter };
}
