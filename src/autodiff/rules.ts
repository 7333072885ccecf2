/**
 * Vector–Jacobian product rules: one row per op of the closed op set (`OpName`).
 *
 * A rule receives the forward node, the cotangent `ct` of its output (same shape as the output),
 * its inputs and its output as `Sym`, and returns one cotangent per input (`null` = no gradient
 * flows to that input: integer/bool inputs, `stopGradient`, comparisons, `floor`, `sign`, …).
 * Rules are written only with the Sym front-end, so the gradient graph is itself an ordinary
 * graph: traceable, compilable and differentiable again (second order works for smooth ops).
 *
 * Conventions (the "ties" of non-smooth ops):
 * - relu'(0) = 0, abs'(0) = sign(0) = 0.
 * - maximum / minimum: on ties the whole cotangent goes to the first argument (see ops.ts).
 * - reduceMax / reduceMin: the cotangent is split equally among all positions equal to the
 *   extremum (k ties each get ct/k), so the rule is symmetric in tied positions.
 * - pow: d/dy x^y = x^y·log x for x > 0 and 0 for x ≤ 0 (guarded with `where`).
 *
 * @example
 *   const ctX = VJP_RULES.exp(node, ct, [x], y); // [ct * y]
 */
import { MedreconError } from '../core/errors.js';
import { tensor, sizeOf } from '../core/tensor.js';
import type { Node } from '../ir/node.js';
import { makeNode } from '../ir/node.js';
import type { OpAttrs, OpName } from '../ir/ops.js';
import {
  Sym, add, constant, cos, div, eq, exp, expand, flip, ge, gt, le, log, matmul, mul, neg, pad, pow, reshape,
  scatterAdd, sigmoid, sign, sin, sub, sum, transpose, where, full, gather, cast, dft, concat,
} from '../ir/sym.js';

/** A VJP rule for op K: one cotangent (or null) per input. */
export type VjpRule<K extends OpName> = (node: Node<K>, ct: Sym, inputs: Sym[], out: Sym) => (Sym | null)[];
export type VjpTable = { readonly [K in OpName]: VjpRule<K> };

/** Build a node with exact (already canonical) attributes. */
function raw<K extends OpName>(op: K, inputs: readonly Sym[], attrs: OpAttrs[K]): Sym {
  return new Sym(makeNode(op, inputs.map((i) => i.node), attrs));
}

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Sum a cotangent of a broadcast result back to the operand's `shape`: sum over the leading axes
 * that broadcasting added and over the axes where `shape` has size 1, then reshape.
 * @example unbroadcast(ct, [1, 3]) // ct of shape [4, 3] → ct.sum(0, keepdims) of shape [1, 3]
 */
export function unbroadcast(ct: Sym, shape: readonly number[]): Sym {
  if (same(ct.shape, shape)) return ct;
  const lead = ct.rank - shape.length;
  if (lead < 0) throw new MedreconError('INTERNAL', `unbroadcast: cotangent ${ct.shape} has lower rank than ${shape}`);
  const axes: number[] = [];
  for (let i = 0; i < ct.rank; i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && ct.shape[i] !== 1) axes.push(i);
  }
  const s = axes.length ? sum(ct, axes, true) : ct;
  return reshape(s, shape);
}

/** Shape of a reduction output with keepdims = true. */
function keptShape(xShape: readonly number[], axes: readonly number[]): number[] {
  return xShape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** Slice with exact attrs (identity skipped). */
function sliceRaw(x: Sym, starts: readonly number[], steps: readonly number[], sizes: readonly number[]): Sym {
  if (sizes.every((n, i) => n === x.shape[i] && steps[i] === 1 && starts[i] === 0)) return x;
  return raw('slice', [x], { starts: [...starts], steps: [...steps], sizes: [...sizes] });
}
function sliceOne(x: Sym, axis: number, start: number, size: number): Sym {
  const starts = x.shape.map(() => 0);
  const sizes = [...x.shape];
  starts[axis] = start;
  sizes[axis] = size;
  return sliceRaw(x, starts, x.shape.map(() => 1), sizes);
}
function padOne(x: Sym, axis: number, before: number, after: number): Sym {
  const w = x.shape.map((): [number, number] => [0, 0]);
  w[axis] = [before, after];
  return pad(x, w);
}

/**
 * Transpose of `slice(x, starts, steps, sizes)`: scatter ct into zeros of `xShape`.
 * Negative steps become positive after a flip; a step k > 1 interleaves k−1 zeros (reshape/pad);
 * the offset is a constant pad. Exact.
 */
export function sliceTranspose(ct: Sym, xShape: readonly number[], starts: readonly number[], steps: readonly number[], sizes: readonly number[]): Sym {
  if (sizes.some((n) => n === 0)) return full(xShape, 0);
  const negAxes = steps.map((s, i) => (s < 0 ? i : -1)).filter((i) => i >= 0);
  let g = negAxes.length ? flip(ct, negAxes) : ct;
  for (let a = 0; a < xShape.length; a++) {
    const n = sizes[a]!;
    const d = xShape[a]!;
    const k = Math.abs(steps[a]!);
    const s0 = steps[a]! > 0 ? starts[a]! : starts[a]! + (n - 1) * steps[a]!;
    let span = n;
    if (k > 1 && n > 1) {
      const s1 = [...g.shape];
      s1.splice(a + 1, 0, 1);
      let u = reshape(g, s1);
      u = padOne(u, a + 1, 0, k - 1);
      const s2 = [...g.shape];
      s2[a] = n * k;
      u = reshape(u, s2);
      span = (n - 1) * k + 1;
      g = sliceOne(u, a, 0, span);
    }
    if (s0 !== 0 || d - s0 - span !== 0) g = padOne(g, a, s0, d - s0 - span);
  }
  return g;
}

/** Adjoint of a reflect/edge pad along one axis: fold the borders back onto the interior. */
function padFoldAxis(g: Sym, axis: number, d: number, b: number, e: number, mode: 'reflect' | 'edge'): Sym {
  if (b === 0 && e === 0) return g;
  let acc = sliceOne(g, axis, b, d);
  if (b > 0) {
    const part = sliceOne(g, axis, 0, b);
    if (mode === 'reflect') acc = add(acc, padOne(flip(part, axis), axis, 1, d - 1 - b));
    else acc = add(acc, padOne(sum(part, axis, true), axis, 0, d - 1));
  }
  if (e > 0) {
    const part = sliceOne(g, axis, b + d, e);
    if (mode === 'reflect') acc = add(acc, padOne(flip(part, axis), axis, d - 1 - e, 1));
    else acc = add(acc, padOne(sum(part, axis, true), axis, d - 1, 0));
  }
  return acc;
}

const swapLast = (x: Sym): Sym => {
  const p = x.shape.map((_, i) => i);
  const r = x.rank;
  [p[r - 2], p[r - 1]] = [p[r - 1]!, p[r - 2]!];
  return transpose(x, p);
};

/**
 * Weight gradient of `conv(x, w)` as one convolution with batch and channels swapped:
 * gw[o, c', κ] = Σ_{n,i} ct[n, o, i] · xpad[n, g(o)·Cg + c', i·s + κ·dl], i.e. a grouped conv of
 * x viewed as [Cg, g·N, ...] with ct viewed as weights [O, N, ...], stride = dl, dilation = s,
 * then cropped to the kernel size.
 */
/**
 * Weight gradient of an ungrouped conv as one batched MatMul against an im2col of the input:
 * gw[o, c, j] = Σ_{n,p} ct[n, o, p] · X[n, (c, j), p], where X[n, (c, j), p] is the input pixel
 * that kernel tap j meets at output position p. X is produced by a conv of every channel
 * (as its own image) with a one-hot kernel per tap — ORT's fastest way to build an im2col — so its
 * layout [N, C·K, P] makes the MatMul output [O, C·K] the weight layout directly. In ORT this is
 * about 2–3× faster than the batch/channel-swapped conv below (design.md §1).
 */
export function convWeightGradMatmul(x: Sym, ct: Sym, wShape: readonly number[], a: OpAttrs['conv']): Sym {
  const [N, C] = x.shape as [number, number];
  const O = ct.shape[1]!;
  const k = wShape.slice(2);
  const K = sizeOf(k);
  const P = sizeOf(ct.shape.slice(2));
  const onehot = new Float32Array(K * K);
  for (let t = 0; t < K; t++) onehot[t * K + t] = 1;
  const taps = constant(tensor([K, 1, ...k], onehot));
  let cols = raw('conv', [reshape(x, [N * C, 1, ...x.shape.slice(2)]), taps], {
    strides: [...a.strides], pads: [...a.pads], dilations: [...a.dilations], groups: 1,
  });
  // (as used by convTranspose's rule) the cotangent may cover only the leading output positions
  const want = [N * C, K, ...ct.shape.slice(2)];
  if (!same(cols.shape, want)) cols = sliceRaw(cols, want.map(() => 0), want.map(() => 1), want);
  const X = reshape(cols, [N, C * K, P]);
  // X · ctᵀ ([C·K, O]) runs faster in ORT than ct · Xᵀ (the transposed operand is the small one)
  let gwT = matmul(X, transpose(reshape(ct, [N, O, P]), [0, 2, 1]));
  if (N > 1) gwT = sum(gwT, 0);
  return reshape(transpose(reshape(gwT, [C * K, O]), [1, 0]), [O, C, ...k]);
}

export function convWeightGrad(x: Sym, ct: Sym, wShape: readonly number[], a: OpAttrs['conv']): Sym {
  if (a.groups === 1 && sizeOf(wShape.slice(2)) <= 27) return convWeightGradMatmul(x, ct, wShape, a);
  const [N, C] = x.shape as [number, number];
  const g = a.groups;
  const Cg = C / g;
  const O = ct.shape[1]!;
  const Og = O / g;
  const sp = x.shape.slice(2);
  const spAx = sp.map((_, i) => i + 3);
  let xv = reshape(x, [N, g, Cg, ...sp]);
  xv = transpose(xv, [2, 1, 0, ...spAx]);
  xv = reshape(xv, [Cg, g * N, ...sp]);
  const osp = ct.shape.slice(2);
  let cv = reshape(ct, [N, g, Og, ...osp]);
  cv = transpose(cv, [1, 2, 0, ...spAx]);
  cv = reshape(cv, [O, N, ...osp]);
  let gw = raw('conv', [xv, cv], { strides: [...a.dilations], pads: [...a.pads], dilations: [...a.strides], groups: g });
  // gw: [Cg, O, k'...] → [O, Cg, k'...] → crop to k
  gw = transpose(gw, [1, 0, ...sp.map((_, i) => i + 2)]);
  const k = wShape.slice(2);
  if (!same(gw.shape.slice(2), k)) sliceCheck(gw, k);
  gw = sliceRaw(gw, gw.shape.map(() => 0), gw.shape.map(() => 1), [O, Cg, ...k]);
  return gw;
}
function sliceCheck(gw: Sym, k: readonly number[]): void {
  if (gw.shape.slice(2).some((v, i) => v < k[i]!)) throw new MedreconError('INTERNAL', `convWeightGrad: kernel grad ${gw.shape} smaller than kernel ${k}`);
}

/** output padding that makes convTranspose(·) of an [.., o] tensor come back to size d. */
function outPadFor(d: readonly number[], o: readonly number[], k: readonly number[], a: OpAttrs['conv']): number[] {
  const nd = d.length;
  return d.map((di, i) => di - (a.strides[i]! * (o[i]! - 1) + a.dilations[i]! * (k[i]! - 1) + 1 - a.pads[i]! - a.pads[i + nd]!));
}

/** Number of window taps inside the unpadded input, per output position of one spatial axis. */
function poolCounts(d: number, o: number, k: number, s: number, pb: number): number[] {
  const c: number[] = [];
  for (let i = 0; i < o; i++) {
    let n = 0;
    for (let t = 0; t < k; t++) {
      const j = i * s + t - pb;
      if (j >= 0 && j < d) n++;
    }
    c.push(n);
  }
  return c;
}

const unaryRule = <K extends OpName>(f: (x: Sym, y: Sym, ct: Sym) => Sym | null): VjpRule<K> =>
  (_n, ct, [x], y) => [f(x!, y, ct)];
const nothing = <K extends OpName>(): VjpRule<K> => (n) => n.inputs.map(() => null);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

export const VJP_RULES: VjpTable = {
  input: () => [],
  const: () => [],

  neg: unaryRule((_x, _y, ct) => neg(ct)),
  abs: unaryRule((x, _y, ct) => mul(ct, sign(x))),
  sign: nothing(),
  exp: unaryRule((_x, y, ct) => mul(ct, y)),
  log: unaryRule((x, _y, ct) => div(ct, x)),
  sqrt: unaryRule((_x, y, ct) => div(mul(ct, 0.5), y)),
  reciprocal: unaryRule((_x, y, ct) => neg(mul(ct, mul(y, y)))),
  sin: unaryRule((x, _y, ct) => mul(ct, cos(x))),
  cos: unaryRule((x, _y, ct) => neg(mul(ct, sin(x)))),
  tanh: unaryRule((_x, y, ct) => mul(ct, sub(1, mul(y, y)))),
  sigmoid: unaryRule((_x, y, ct) => mul(ct, mul(y, sub(1, y)))),
  softplus: unaryRule((x, _y, ct) => mul(ct, sigmoid(x))),
  // from the output (y > 0 ⇔ x > 0), so the pre-activation need not be kept and Conv+Relu can fuse
  relu: unaryRule((_x, y, ct) => mul(ct, cast(gt(y, 0), 'float32'))),
  erf: unaryRule((x, _y, ct) => mul(ct, mul(exp(neg(mul(x, x))), TWO_OVER_SQRT_PI))),
  floor: nothing(),
  stopGradient: nothing(),

  add: (_n, ct, [a, b]) => [unbroadcast(ct, a!.shape), unbroadcast(ct, b!.shape)],
  sub: (_n, ct, [a, b]) => [unbroadcast(ct, a!.shape), unbroadcast(neg(ct), b!.shape)],
  mul: (_n, ct, [a, b]) => [unbroadcast(mul(ct, b!), a!.shape), unbroadcast(mul(ct, a!), b!.shape)],
  div: (_n, ct, [a, b]) => [unbroadcast(div(ct, b!), a!.shape), unbroadcast(neg(div(mul(ct, a!), mul(b!, b!))), b!.shape)],
  pow: (_n, ct, [x, y], out) => {
    const dx = mul(ct, mul(y!, pow(x!, sub(y!, 1))));
    const pos = gt(x!, 0);
    const safeX = where(pos, x!, 1);
    const dy = where(pos, mul(ct, mul(out, log(safeX))), 0);
    return [unbroadcast(dx, x!.shape), unbroadcast(dy, y!.shape)];
  },
  maximum: (_n, ct, [a, b]) => {
    const m = ge(a!, b!);
    return [unbroadcast(where(m, ct, 0), a!.shape), unbroadcast(where(m, 0, ct), b!.shape)];
  },
  minimum: (_n, ct, [a, b]) => {
    const m = le(a!, b!);
    return [unbroadcast(where(m, ct, 0), a!.shape), unbroadcast(where(m, 0, ct), b!.shape)];
  },
  eq: nothing(), lt: nothing(), le: nothing(), gt: nothing(), ge: nothing(),

  where: (_n, ct, [c, a, b]) => [null, unbroadcast(where(c!, ct, 0), a!.shape), unbroadcast(where(c!, 0, ct), b!.shape)],

  reduceSum: (n, ct, [x]) => [expand(reshape(ct, keptShape(x!.shape, n.attrs.axes)), x!.shape)],
  reduceMean: (n, ct, [x]) => {
    const cnt = n.attrs.axes.reduce((p, a) => p * x!.shape[a]!, 1);
    return [expand(reshape(div(ct, cnt), keptShape(x!.shape, n.attrs.axes)), x!.shape)];
  },
  reduceMax: (n, ct, [x], out) => [extremumGrad(n.attrs.axes, ct, x!, out)],
  reduceMin: (n, ct, [x], out) => [extremumGrad(n.attrs.axes, ct, x!, out)],

  reshape: (_n, ct, [x]) => [reshape(ct, x!.shape)],
  transpose: (n, ct) => {
    const inv: number[] = [];
    n.attrs.perm.forEach((p, i) => (inv[p] = i));
    return [transpose(ct, inv)];
  },
  expand: (_n, ct, [x]) => [unbroadcast(ct, x!.shape)],
  slice: (n, ct, [x]) => [sliceTranspose(ct, x!.shape, n.attrs.starts, n.attrs.steps, n.attrs.sizes)],
  pad: (n, ct, [x]) => {
    const r = x!.rank;
    const { pads, mode } = n.attrs;
    if (mode === 'constant') return [sliceRaw(ct, pads.slice(0, r), x!.shape.map(() => 1), x!.shape)];
    let g = ct;
    for (let a = 0; a < r; a++) g = padFoldAxis(g, a, x!.shape[a]!, pads[a]!, pads[a + r]!, mode);
    return [g];
  },
  concat: (n, ct, xs) => {
    let off = 0;
    return xs.map((x) => {
      const d = x.shape[n.attrs.axis]!;
      const s = sliceOne(ct, n.attrs.axis, off, d);
      off += d;
      return s;
    });
  },
  flip: (n, ct) => [flip(ct, n.attrs.axes)],

  matmul: (_n, ct, [a, b]) => [unbroadcast(matmul(ct, swapLast(b!)), a!.shape), unbroadcast(matmul(swapLast(a!), ct), b!.shape)],

  conv: (n, ct, [x, w]) => {
    const a = n.attrs;
    const sp = x!.shape.slice(2);
    const k = w!.shape.slice(2);
    const nd = sp.length;
    const span = k.map((kk, i) => a.dilations[i]! * (kk - 1));
    let gx: Sym;
    if (a.strides.every((s) => s === 1) && span.every((s, i) => a.pads[i]! <= s && a.pads[i + nd]! <= s)) {
      // stride 1: a plain conv with spatially flipped, in/out-swapped weights (faster in ORT than
      // ConvTranspose): gx = conv(ct, w̃, pads = dl·(k−1) − p), w̃[c, o, j] = w[o, c, K−1−j] per group.
      const [O, Cg] = w!.shape as [number, number];
      const g = a.groups;
      let wt = reshape(w!, [g, O / g, Cg, ...k]);
      wt = transpose(wt, [0, 2, 1, ...k.map((_, i) => i + 3)]);
      wt = flip(reshape(wt, [g * Cg, O / g, ...k]), k.map((_, i) => i + 2));
      const pads = [...span.map((s, i) => s - a.pads[i]!), ...span.map((s, i) => s - a.pads[i + nd]!)];
      gx = raw('conv', [ct, wt], { strides: [...a.strides], pads, dilations: [...a.dilations], groups: g });
    } else {
      const op = outPadFor(sp, ct.shape.slice(2), k, a);
      gx = raw('convTranspose', [ct, w!], { ...a, outputPadding: op });
    }
    return [gx, convWeightGrad(x!, ct, w!.shape, a)];
  },
  convTranspose: (n, ct, [x, w]) => {
    const { outputPadding: _op, ...a } = n.attrs;
    void _op;
    let gx = raw('conv', [ct, w!], a);
    if (!same(gx.shape, x!.shape)) gx = sliceRaw(gx, gx.shape.map(() => 0), gx.shape.map(() => 1), x!.shape);
    return [gx, convWeightGrad(ct, x!, w!.shape, a)];
  },
  avgPool: (n, ct, [x]) => {
    const { kernel, strides, pads, countIncludePad } = n.attrs;
    const [N, C] = x!.shape as [number, number];
    const sp = x!.shape.slice(2);
    const osp = ct.shape.slice(2);
    const nd = sp.length;
    // divide by the (integer, exactly representable) window counts
    let cnt: Sym;
    if (countIncludePad) cnt = full([], sizeOf(kernel));
    else {
      const per = sp.map((d, i) => poolCounts(d, osp[i]!, kernel[i]!, strides[i]!, pads[i]!));
      const c = new Float32Array(sizeOf(osp));
      c.forEach((_, j) => {
        let rem = j;
        let v = 1;
        for (let i = nd - 1; i >= 0; i--) {
          v *= per[i]![rem % osp[i]!]!;
          rem = Math.floor(rem / osp[i]!);
        }
        c[j] = v;
      });
      cnt = constant(tensor([1, 1, ...osp], c));
    }
    const scaled = div(ct, cnt);
    const attrs = { strides: [...strides], pads: [...pads], dilations: sp.map(() => 1), groups: 1 };
    const ones = constant(tensor([1, 1, ...kernel], new Float32Array(sizeOf(kernel)).fill(1)));
    const op = outPadFor(sp, osp, kernel, attrs);
    const g = raw('convTranspose', [reshape(scaled, [N * C, 1, ...osp]), ones], { ...attrs, outputPadding: op });
    return [reshape(g, x!.shape)];
  },

  gather: (n, ct, [x, idx]) => [scatterAdd(idx!, ct, n.attrs.axis, x!.shape), null],
  scatterAdd: (n, ct, [idx]) => [null, gather(ct, idx!, n.attrs.axis)],

  cast: (n, ct, [x]) => (x!.dtype === 'float32' && n.attrs.to === 'float32' ? [cast(ct, 'float32')] : [null]),

  dft: (n, ct) => [dft(ct, n.attrs.axis, !n.attrs.inverse)],
};

/** Equal split of ct among the positions equal to the extremum: ct · 1[x = m] / #ties. */
function extremumGrad(axes: readonly number[], ct: Sym, x: Sym, out: Sym): Sym {
  const ks = keptShape(x.shape, axes);
  const m = reshape(out, ks);
  const mask = cast(eq(x, m), 'float32');
  const cnt = sum(mask, axes as number[], true);
  return mul(expand(reshape(ct, ks), x.shape), div(mask, cnt));
}
