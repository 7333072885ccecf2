/**
 * Hash-consed immutable IR nodes with static shape and dtype inference.
 *
 * `makeNode` is the single constructor: it validates inputs (raising `SHAPE_MISMATCH` /
 * `DTYPE_MISMATCH` that name the op and the shapes), infers the output shape and dtype, and
 * returns an existing identical node when one was already built in the current scope.
 */
import { MedreconError } from '../core/errors.js';
import { hashBytes, hashString } from '../core/hash.js';
import { type DType, type HostTensor, shapeStr, sizeOf } from '../core/tensor.js';
import { OP_GROUP, type OpAttrs, type OpName } from './ops.js';

export interface Node<K extends OpName = OpName> {
  readonly id: number;
  readonly op: K;
  readonly inputs: readonly Node[];
  readonly attrs: OpAttrs[K];
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Structural hash: equal for structurally identical subgraphs across scopes (ids not included). */
  readonly hash: string;
}

let nextId = 1;
let table = new Map<string, Node>();

/** Run `fn` with a fresh hash-consing table (used by compile so traces do not accumulate). */
export function withNodeScope<T>(fn: () => T): T {
  const saved = table;
  table = new Map();
  try {
    return fn();
  } finally {
    table = saved;
  }
}

/** Drop the global hash-consing table (nodes stay valid; later identical nodes are not shared). */
export function resetNodeTable(): void {
  table = new Map();
}

function attrsKey(op: OpName, attrs: object): string {
  if (op === 'const') {
    const v = (attrs as OpAttrs['const']).value;
    const d = v.data;
    return `${v.dtype}${shapeStr(v.dims)}#${hashBytes(new Uint8Array(d.buffer, d.byteOffset, d.byteLength))}`;
  }
  return JSON.stringify(attrs);
}

const shapeErr = (op: string, msg: string, ...shapes: (readonly number[])[]) =>
  new MedreconError('SHAPE_MISMATCH', `${op}: ${msg}; shapes ${shapes.map(shapeStr).join(' and ')}`, {
    op,
    shapes: shapes.map((s) => [...s]),
  });
const dtypeErr = (op: string, msg: string, ...dtypes: DType[]) =>
  new MedreconError('DTYPE_MISMATCH', `${op}: ${msg}; dtypes ${dtypes.join(' and ')}`, { op, dtypes });

/** NumPy broadcast of several shapes. */
export function broadcastShapes(op: string, ...shapes: (readonly number[])[]): number[] {
  const r = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    let d = 1;
    for (const s of shapes) {
      const k = s.length - r + i;
      const v = k >= 0 ? s[k]! : 1;
      if (v === 1) continue;
      if (d !== 1 && d !== v) throw shapeErr(op, `cannot broadcast (axis ${i - r})`, ...shapes);
      d = v;
    }
    out.push(d);
  }
  return out;
}

const FLOAT_ONLY = new Set<OpName>([
  'exp', 'log', 'sqrt', 'reciprocal', 'sin', 'cos', 'tanh', 'sigmoid', 'softplus', 'relu', 'erf', 'floor',
  'div', 'pow', 'reduceMean', 'matmul', 'conv', 'convTranspose', 'avgPool', 'dft',
]);

function infer(op: OpName, inputs: readonly Node[], attrs: object): { shape: number[]; dtype: DType } {
  const group = OP_GROUP[op];
  const x = inputs[0];
  if (FLOAT_ONLY.has(op)) {
    for (const i of inputs) if (i.dtype !== 'float32' && !(op === 'gather' && i !== x)) throw dtypeErr(op, 'needs float32 inputs', ...inputs.map((n) => n.dtype));
  }
  switch (group) {
    case 'source': {
      if (op === 'const') {
        const v = (attrs as OpAttrs['const']).value;
        if (v.data.length !== sizeOf(v.dims)) throw shapeErr(op, `data length ${v.data.length} does not match dims`, v.dims);
        return { shape: [...v.dims], dtype: v.dtype };
      }
      throw new MedreconError('INTERNAL', 'input nodes are made by makeInput');
    }
    case 'unary': {
      if (x!.dtype === 'bool') throw dtypeErr(op, 'not defined on bool', x!.dtype);
      return { shape: [...x!.shape], dtype: x!.dtype };
    }
    case 'binary': {
      const [a, b] = inputs as [Node, Node];
      if (a.dtype !== b.dtype) throw dtypeErr(op, 'operands must have the same dtype', a.dtype, b.dtype);
      if (a.dtype === 'bool') throw dtypeErr(op, 'not defined on bool', a.dtype, b.dtype);
      const shape = broadcastShapes(op, a.shape, b.shape);
      return { shape, dtype: ['eq', 'lt', 'le', 'gt', 'ge'].includes(op) ? 'bool' : a.dtype };
    }
    case 'ternary': {
      const [c, a, b] = inputs as [Node, Node, Node];
      if (c.dtype !== 'bool') throw dtypeErr(op, 'condition must be bool', c.dtype);
      if (a.dtype !== b.dtype) throw dtypeErr(op, 'branches must have the same dtype', a.dtype, b.dtype);
      return { shape: broadcastShapes(op, c.shape, a.shape, b.shape), dtype: a.dtype };
    }
    case 'reduce': {
      const { axes, keepdims } = attrs as OpAttrs['reduceSum'];
      if (x!.dtype === 'bool') throw dtypeErr(op, 'not defined on bool', x!.dtype);
      for (const a of axes) if (a < 0 || a >= x!.shape.length) throw shapeErr(op, `axis ${a} out of range`, x!.shape);
      if (op === 'reduceMax' || op === 'reduceMin') for (const a of axes) if (x!.shape[a] === 0) throw shapeErr(op, 'reduction over an empty axis', x!.shape);
      const shape: number[] = [];
      x!.shape.forEach((d, i) => {
        if (!axes.includes(i)) shape.push(d);
        else if (keepdims) shape.push(1);
      });
      return { shape, dtype: x!.dtype };
    }
    case 'movement':
      return inferMovement(op, inputs, attrs);
    case 'contraction': {
      const [a, b] = inputs as [Node, Node];
      if (a.shape.length < 2 || b.shape.length < 2) throw shapeErr(op, 'operands must have rank >= 2', a.shape, b.shape);
      const [m, k1] = a.shape.slice(-2) as [number, number];
      const [k2, n] = b.shape.slice(-2) as [number, number];
      if (k1 !== k2) throw shapeErr(op, `inner dimensions differ (${k1} vs ${k2})`, a.shape, b.shape);
      const batch = broadcastShapes(op, a.shape.slice(0, -2), b.shape.slice(0, -2));
      return { shape: [...batch, m, n], dtype: 'float32' };
    }
    case 'convolution':
      return inferConv(op, inputs, attrs);
    case 'indexing': {
      if (op === 'gather') {
        const [d, idx] = inputs as [Node, Node];
        const { axis } = attrs as OpAttrs['gather'];
        if (idx.dtype !== 'int32') throw dtypeErr(op, 'indices must be int32', idx.dtype);
        if (axis < 0 || axis >= d.shape.length) throw shapeErr(op, `axis ${axis} out of range`, d.shape);
        return { shape: [...d.shape.slice(0, axis), ...idx.shape, ...d.shape.slice(axis + 1)], dtype: d.dtype };
      }
      const [idx, upd] = inputs as [Node, Node];
      const { axis, shape } = attrs as OpAttrs['scatterAdd'];
      if (idx.dtype !== 'int32') throw dtypeErr(op, 'indices must be int32', idx.dtype);
      if (upd.dtype !== 'float32') throw dtypeErr(op, 'updates must be float32', upd.dtype);
      if (axis < 0 || axis >= shape.length) throw shapeErr(op, `axis ${axis} out of range`, shape);
      const want = [...shape.slice(0, axis), ...idx.shape, ...shape.slice(axis + 1)];
      if (shapeStr(want) !== shapeStr(upd.shape)) throw shapeErr(op, `updates must have shape ${shapeStr(want)}`, upd.shape, idx.shape);
      return { shape: [...shape], dtype: 'float32' };
    }
    case 'cast':
      return { shape: [...x!.shape], dtype: (attrs as OpAttrs['cast']).to };
    case 'spectral': {
      const { axis } = attrs as OpAttrs['dft'];
      const r = x!.shape.length;
      if (r < 2 || x!.shape[r - 1] !== 2) throw shapeErr(op, 'needs a complex tensor with a trailing axis of size 2', x!.shape);
      if (axis < 0 || axis >= r - 1) throw shapeErr(op, `axis ${axis} must be a non-complex axis`, x!.shape);
      return { shape: [...x!.shape], dtype: 'float32' };
    }
  }
}

function inferMovement(op: OpName, inputs: readonly Node[], attrs: object): { shape: number[]; dtype: DType } {
  const x = inputs[0]!;
  const r = x.shape.length;
  switch (op) {
    case 'reshape': {
      const { shape } = attrs as OpAttrs['reshape'];
      if (sizeOf(shape) !== sizeOf(x.shape)) throw shapeErr(op, `cannot reshape ${sizeOf(x.shape)} elements to ${shapeStr(shape)}`, x.shape, shape);
      return { shape: [...shape], dtype: x.dtype };
    }
    case 'transpose': {
      const { perm } = attrs as OpAttrs['transpose'];
      const ok = perm.length === r && [...perm].sort((a, b) => a - b).every((p, i) => p === i);
      if (!ok) throw shapeErr(op, `perm [${perm.join(', ')}] is not a permutation of the axes`, x.shape);
      return { shape: perm.map((p) => x.shape[p]!), dtype: x.dtype };
    }
    case 'expand': {
      const { shape } = attrs as OpAttrs['expand'];
      const b = broadcastShapes(op, x.shape, shape);
      if (shapeStr(b) !== shapeStr(shape)) throw shapeErr(op, `cannot expand to ${shapeStr(shape)}`, x.shape, shape);
      return { shape: [...shape], dtype: x.dtype };
    }
    case 'slice': {
      const { starts, steps, sizes } = attrs as OpAttrs['slice'];
      if (starts.length !== r || steps.length !== r || sizes.length !== r) throw shapeErr(op, 'needs one start/step/size per axis', x.shape);
      for (let i = 0; i < r; i++) {
        const d = x.shape[i]!;
        const s = starts[i]!;
        const st = steps[i]!;
        const n = sizes[i]!;
        if (st === 0 || !Number.isInteger(st)) throw shapeErr(op, `step must be a non-zero integer on axis ${i}`, x.shape);
        if (n < 0) throw shapeErr(op, `negative size on axis ${i}`, x.shape);
        if (n > 0) {
          const last = s + (n - 1) * st;
          if (s < 0 || s >= d || last < 0 || last >= d) throw shapeErr(op, `axis ${i}: indices ${s}..${last} (step ${st}) out of range [0, ${d})`, x.shape);
        }
      }
      return { shape: [...sizes], dtype: x.dtype };
    }
    case 'pad': {
      const { pads, mode } = attrs as OpAttrs['pad'];
      if (pads.length !== 2 * r) throw shapeErr(op, `needs ${2 * r} pads, got ${pads.length}`, x.shape);
      const shape = x.shape.map((d, i) => {
        const b = pads[i]!;
        const e = pads[i + r]!;
        if (b < 0 || e < 0) throw shapeErr(op, 'pads must be non-negative', x.shape);
        if (mode === 'reflect' && (b >= d || e >= d) && b + e > 0) throw shapeErr(op, `reflect pad ${b}/${e} must be smaller than the axis size ${d}`, x.shape);
        if (mode === 'edge' && d === 0 && b + e > 0) throw shapeErr(op, 'edge pad of an empty axis', x.shape);
        return d + b + e;
      });
      return { shape, dtype: x.dtype };
    }
    case 'concat': {
      const { axis } = attrs as OpAttrs['concat'];
      if (axis < 0 || axis >= r) throw shapeErr(op, `axis ${axis} out of range`, x.shape);
      let total = 0;
      for (const n of inputs) {
        if (n.dtype !== x.dtype) throw dtypeErr(op, 'all inputs must have the same dtype', x.dtype, n.dtype);
        if (n.shape.length !== r || n.shape.some((d, i) => i !== axis && d !== x.shape[i])) throw shapeErr(op, `shapes differ off axis ${axis}`, x.shape, n.shape);
        total += n.shape[axis]!;
      }
      const shape = [...x.shape];
      shape[axis] = total;
      return { shape, dtype: x.dtype };
    }
    case 'flip': {
      const { axes } = attrs as OpAttrs['flip'];
      for (const a of axes) if (a < 0 || a >= r) throw shapeErr(op, `axis ${a} out of range`, x.shape);
      return { shape: [...x.shape], dtype: x.dtype };
    }
  }
  throw new MedreconError('INTERNAL', `inferMovement: ${op}`);
}

function inferConv(op: OpName, inputs: readonly Node[], attrs: object): { shape: number[]; dtype: DType } {
  const x = inputs[0]!;
  const r = x.shape.length;
  const nd = r - 2;
  if (nd < 1 || nd > 3) throw shapeErr(op, 'input must be [N, C, d1(, d2(, d3))]', x.shape);
  if (op === 'avgPool') {
    const { kernel, strides, pads } = attrs as OpAttrs['avgPool'];
    if (kernel.length !== nd || strides.length !== nd || pads.length !== 2 * nd) throw shapeErr(op, `needs ${nd} kernel/stride sizes and ${2 * nd} pads`, x.shape);
    const sp = x.shape.slice(2).map((d, i) => {
      if (pads[i]! >= kernel[i]! || pads[i + nd]! >= kernel[i]!) throw shapeErr(op, 'pads must be smaller than the kernel', x.shape, kernel);
      const o = Math.floor((d + pads[i]! + pads[i + nd]! - kernel[i]!) / strides[i]!) + 1;
      if (o < 1) throw shapeErr(op, `kernel larger than padded input on spatial axis ${i}`, x.shape, kernel);
      return o;
    });
    return { shape: [x.shape[0]!, x.shape[1]!, ...sp], dtype: 'float32' };
  }
  const w = inputs[1]!;
  const { strides, pads, dilations, groups } = attrs as OpAttrs['conv'];
  if (w.shape.length !== r) throw shapeErr(op, 'weight rank must equal input rank', x.shape, w.shape);
  if (strides.length !== nd || dilations.length !== nd || pads.length !== 2 * nd) throw shapeErr(op, `needs ${nd} strides/dilations and ${2 * nd} pads`, x.shape, w.shape);
  if (!Number.isInteger(groups) || groups < 1) throw shapeErr(op, `groups must be a positive integer, got ${groups}`, x.shape, w.shape);
  const C = x.shape[1]!;
  const k = w.shape.slice(2);
  let O: number;
  if (op === 'conv') {
    if (C % groups !== 0 || w.shape[0]! % groups !== 0) throw shapeErr(op, `channels not divisible by groups=${groups}`, x.shape, w.shape);
    if (w.shape[1]! * groups !== C) throw shapeErr(op, `weight in-channels ${w.shape[1]} x groups ${groups} != input channels ${C}`, x.shape, w.shape);
    O = w.shape[0]!;
    const sp = x.shape.slice(2).map((d, i) => {
      const o = Math.floor((d + pads[i]! + pads[i + nd]! - dilations[i]! * (k[i]! - 1) - 1) / strides[i]!) + 1;
      if (o < 1) throw shapeErr(op, `kernel larger than padded input on spatial axis ${i}`, x.shape, w.shape);
      return o;
    });
    return { shape: [x.shape[0]!, O, ...sp], dtype: 'float32' };
  }
  const { outputPadding } = attrs as OpAttrs['convTranspose'];
  if (w.shape[0] !== C) throw shapeErr(op, `weight dim 0 (${w.shape[0]}) must equal input channels ${C}`, x.shape, w.shape);
  if (C % groups !== 0) throw shapeErr(op, `channels not divisible by groups=${groups}`, x.shape, w.shape);
  if (outputPadding.length !== nd) throw shapeErr(op, `needs ${nd} outputPadding values`, x.shape, w.shape);
  O = w.shape[1]! * groups;
  const sp = x.shape.slice(2).map((d, i) => {
    if (outputPadding[i]! >= Math.max(strides[i]!, dilations[i]!) || outputPadding[i]! < 0) throw shapeErr(op, 'outputPadding must be in [0, max(stride, dilation))', x.shape, w.shape);
    const o = strides[i]! * (d - 1) + outputPadding[i]! + dilations[i]! * (k[i]! - 1) + 1 - pads[i]! - pads[i + nd]!;
    if (o < 1) throw shapeErr(op, `non-positive output size on spatial axis ${i}`, x.shape, w.shape);
    return o;
  });
  return { shape: [x.shape[0]!, O, ...sp], dtype: 'float32' };
}

/** Build (or reuse) a node. Attributes must already be canonical (non-negative axes etc.). */
export function makeNode<K extends OpName>(op: K, inputs: readonly Node[], attrs: OpAttrs[K]): Node<K> {
  const ak = attrsKey(op, attrs);
  const key = `${op}|${ak}|${inputs.map((i) => i.id).join(',')}`;
  const hit = table.get(key);
  if (hit) return hit as Node<K>;
  const { shape, dtype } = infer(op, inputs, attrs);
  const node: Node<K> = {
    id: nextId++,
    op,
    inputs,
    attrs,
    shape,
    dtype,
    hash: hashString(`${op}|${ak}|${dtype}${shapeStr(shape)}|${inputs.map((i) => i.hash).join(',')}`),
  };
  table.set(key, node);
  return node;
}

/** A graph argument placeholder. */
export function makeInput(index: number, name: string, dims: readonly number[], dtype: DType): Node<'input'> {
  const attrs = { index, name };
  const key = `input|${index}|${name}|${dtype}${shapeStr(dims)}`;
  const hit = table.get(key);
  if (hit) return hit as Node<'input'>;
  const node: Node<'input'> = { id: nextId++, op: 'input', inputs: [], attrs, shape: [...dims], dtype, hash: hashString(key) };
  table.set(key, node);
  return node;
}

/** Topological order (inputs before users) of all nodes reachable from `outputs`. */
export function topoSort(outputs: readonly Node[]): Node[] {
  const visited = new Set<number>();
  const order: Node[] = [];
  for (const o of outputs) {
    if (visited.has(o.id)) continue;
    visited.add(o.id);
    const stack: [Node, number][] = [[o, 0]];
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const n = top[0];
      if (top[1] < n.inputs.length) {
        const c = n.inputs[top[1]++]!;
        if (!visited.has(c.id)) {
          visited.add(c.id);
          stack.push([c, 0]);
        }
      } else {
        stack.pop();
        order.push(n);
      }
    }
  }
  return order;
}

export function isConst(n: Node): n is Node<'const'> {
  return n.op === 'const';
}

export type { HostTensor };
