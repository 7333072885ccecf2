/**
 * The reference interpreter: one evaluator per op (the `EVAL` table, exhaustive over `OpName`)
 * and the drivers that run a graph in topological order over float64 raw tensors.
 *
 * It is the executable specification of src/ir/ops.ts: ONNX lowering is tested against it op by
 * op, and gradients are checked against its finite differences.
 *
 * @example
 *   const y = interpret((a: Sym, b: Sym) => a.matmul(b).relu(), [tensor([1, 2], [1, -1]), tensor([2, 1], [3, 4])]);
 *   // y: float32 [1, 1] = [[0]]  (relu(3 − 4))
 */
import { MedreconError } from '../core/errors.js';
import { type HostTensor, DTYPES, shapeStr, sizeOf } from '../core/tensor.js';
import { type Tree, flattenTree, unflattenTree } from '../core/tree.js';
import { type Node, topoSort, withNodeScope } from '../ir/node.js';
import type { OpName } from '../ir/ops.js';
import { type SymFn, specOf, trace } from '../ir/trace.js';
import { type BinaryOp, type UnaryOp, binaryRaw, castRaw, unaryRaw, whereRaw } from './elementwise.js';
import { dftRaw, gatherRaw, scatterAddRaw } from './index-ops.js';
import { avgPoolRaw, convRaw, convTransposeRaw, matmulRaw } from './linalg.js';
import { type RawTensor, fromRaw, raw, toRaw } from './raw.js';
import { type ReduceOp, concatRaw, expandRaw, flipRaw, padRaw, reduceRaw, reshapeRaw, sliceRaw, transposeRaw } from './shape-ops.js';

/** What an evaluator sees besides its node and argument values. */
export interface EvalContext {
  /** feeds[i] is the value of input index i (validated by the `input` evaluator). */
  readonly feeds: readonly RawTensor[];
}

/** Evaluates node `n` of op K given the values of its inputs (in order). Never mutates `args`. */
export type Evaluator<K extends OpName> = (n: Node<K>, args: readonly RawTensor[], ctx: EvalContext) => RawTensor;

const un = (op: UnaryOp): Evaluator<UnaryOp> => (_n, [x]) => unaryRaw(op, x!);
const bin = (op: BinaryOp): Evaluator<BinaryOp> => (n, [a, b]) => binaryRaw(op, a!, b!, n.shape);
const red = (op: ReduceOp): Evaluator<ReduceOp> => (n, [x]) => reduceRaw(op, x!, n.attrs.axes, n.attrs.keepdims);

/** Validate and return feed `index` for an input node. */
function feedFor(n: Node<'input'>, feeds: readonly RawTensor[]): RawTensor {
  const { index, name } = n.attrs;
  const f = feeds[index];
  if (f === undefined || f === null) {
    throw new MedreconError('MISSING_INPUT', `input ${index} ('${name}', ${n.dtype}${shapeStr(n.shape)}) was not fed (${feeds.length} feeds given)`, { index, name });
  }
  if (shapeStr(f.dims) !== shapeStr(n.shape)) {
    throw new MedreconError('SHAPE_MISMATCH', `input ${index} ('${name}'): expected dims ${shapeStr(n.shape)}, got ${shapeStr(f.dims)}`, { index, name, expected: [...n.shape], got: [...f.dims] });
  }
  if (f.dtype !== n.dtype) {
    throw new MedreconError('DTYPE_MISMATCH', `input ${index} ('${name}'): expected dtype ${n.dtype}, got ${f.dtype}`, { index, name, expected: n.dtype, got: f.dtype });
  }
  if (!(f.data instanceof Float64Array) || f.data.length !== sizeOf(f.dims)) {
    throw new MedreconError('SHAPE_MISMATCH', `input ${index} ('${name}'): data has ${f.data.length} values, dims ${shapeStr(f.dims)} need ${sizeOf(f.dims)}`, { index, name });
  }
  return f;
}

/** One evaluator per op; adding an op to ops.ts without a row here is a compile error. */
export const EVAL: { readonly [K in OpName]: Evaluator<K> } = {
  input: (n, _a, ctx) => feedFor(n, ctx.feeds),
  const: (n) => toRaw(n.attrs.value),
  neg: un('neg'), abs: un('abs'), sign: un('sign'), exp: un('exp'), log: un('log'), sqrt: un('sqrt'),
  reciprocal: un('reciprocal'), sin: un('sin'), cos: un('cos'), tanh: un('tanh'), sigmoid: un('sigmoid'),
  softplus: un('softplus'), relu: un('relu'), erf: un('erf'), floor: un('floor'), stopGradient: un('stopGradient'),
  add: bin('add'), sub: bin('sub'), mul: bin('mul'), div: bin('div'), pow: bin('pow'), maximum: bin('maximum'),
  minimum: bin('minimum'), eq: bin('eq'), lt: bin('lt'), le: bin('le'), gt: bin('gt'), ge: bin('ge'),
  where: (n, [c, a, b]) => whereRaw(c!, a!, b!, n.shape),
  reduceSum: red('reduceSum'), reduceMean: red('reduceMean'), reduceMax: red('reduceMax'), reduceMin: red('reduceMin'),
  reshape: (n, [x]) => reshapeRaw(x!, n.attrs.shape),
  transpose: (n, [x]) => transposeRaw(x!, n.attrs.perm),
  expand: (n, [x]) => expandRaw(x!, n.attrs.shape),
  slice: (n, [x]) => sliceRaw(x!, n.attrs.starts, n.attrs.steps, n.attrs.sizes),
  pad: (n, [x]) => padRaw(x!, n.attrs.pads, n.attrs.mode, n.attrs.value),
  concat: (n, xs) => concatRaw(xs, n.attrs.axis, n.shape),
  flip: (n, [x]) => flipRaw(x!, n.attrs.axes),
  matmul: (n, [a, b]) => matmulRaw(a!, b!, n.shape),
  conv: (n, [x, w]) => convRaw(x!, w!, n.attrs, n.shape),
  convTranspose: (n, [x, w]) => convTransposeRaw(x!, w!, n.attrs, n.shape),
  avgPool: (n, [x]) => avgPoolRaw(x!, n.attrs.kernel, n.attrs.strides, n.attrs.pads, n.attrs.countIncludePad, n.shape),
  gather: (n, [x, i]) => gatherRaw(x!, i!, n.attrs.axis),
  scatterAdd: (n, [i, u]) => scatterAddRaw(i!, u!, n.attrs.axis, n.attrs.shape),
  cast: (n, [x]) => castRaw(x!, n.attrs.to),
  dft: (n, [x]) => dftRaw(x!, n.attrs.axis, n.attrs.inverse),
};

/**
 * Evaluate `outputs` over raw float64 feeds (`feeds[i]` is input index i). Nodes run in
 * topological order; an intermediate is dropped as soon as its last user has run.
 * Raises MISSING_INPUT / SHAPE_MISMATCH / DTYPE_MISMATCH for bad feeds and INVALID_ARGUMENT for
 * out-of-range gather/scatterAdd indices. Returned data never aliases a feed.
 */
export function evaluateRaw(outputs: readonly Node[], feeds: readonly RawTensor[]): RawTensor[] {
  const order = topoSort(outputs);
  const uses = new Map<number, number>();
  for (const n of order) for (const i of n.inputs) uses.set(i.id, (uses.get(i.id) ?? 0) + 1);
  const pinned = new Set(outputs.map((o) => o.id));
  const vals = new Map<number, RawTensor>();
  const ctx: EvalContext = { feeds };
  for (const n of order) {
    const args = n.inputs.map((i) => vals.get(i.id)!);
    const v = (EVAL[n.op] as Evaluator<OpName>)(n, args, ctx);
    if (v.dtype !== n.dtype || shapeStr(v.dims) !== shapeStr(n.shape)) {
      throw new MedreconError('INTERNAL', `interp: ${n.op} produced ${v.dtype}${shapeStr(v.dims)}, node says ${n.dtype}${shapeStr(n.shape)}`);
    }
    vals.set(n.id, v);
    for (const i of n.inputs) {
      const left = uses.get(i.id)! - 1;
      uses.set(i.id, left);
      if (left === 0 && !pinned.has(i.id)) vals.delete(i.id);
    }
  }
  const feedData = new Set(feeds.map((f) => f?.data));
  return outputs.map((o) => {
    const v = vals.get(o.id)!;
    return feedData.has(v.data) ? raw(v.dims, v.dtype, v.data.slice()) : v;
  });
}

function checkHostFeed(t: HostTensor, i: number): void {
  if (t === undefined || t === null) return; // reported as MISSING_INPUT if the graph needs it
  if (!DTYPES.includes(t.dtype)) throw new MedreconError('DTYPE_MISMATCH', `feed ${i}: unknown dtype '${String(t.dtype)}'`);
  if (t.data.length !== sizeOf(t.dims)) {
    throw new MedreconError('SHAPE_MISMATCH', `feed ${i}: data has ${t.data.length} values, dims ${shapeStr(t.dims)} need ${sizeOf(t.dims)}`);
  }
}

/** Evaluate over host tensors: float32 outputs are rounded from the float64 computation. */
export function evaluate(outputs: readonly Node[], feeds: readonly HostTensor[]): HostTensor[] {
  feeds.forEach(checkHostFeed);
  const rawFeeds = feeds.map((f) => (f === undefined || f === null ? (f as unknown as RawTensor) : toRaw(f)));
  return evaluateRaw(outputs, rawFeeds).map(fromRaw);
}

function isHostTensor(x: unknown): x is HostTensor {
  return typeof x === 'object' && x !== null && Array.isArray((x as HostTensor).dims) && typeof (x as HostTensor).dtype === 'string' && ArrayBuffer.isView((x as HostTensor).data);
}

/**
 * Trace `fn` with the specs of `args` (trees of host tensors), evaluate it and return the output
 * tree. Traced in a private node scope, so repeated calls do not grow the hash-consing table.
 */
export function interpret(fn: SymFn, args: readonly Tree<HostTensor>[]): Tree<HostTensor> {
  const leaves: HostTensor[] = [];
  const specTrees = args.map((a) => {
    const f = flattenTree(a, isHostTensor);
    leaves.push(...f.leaves);
    return unflattenTree(f.def, f.leaves.map(specOf));
  });
  return withNodeScope(() => {
    const t = trace(fn, specTrees);
    const outs = evaluate(t.outputs.map((s) => s.node), leaves);
    return unflattenTree(t.outDef, outs);
  });
}
