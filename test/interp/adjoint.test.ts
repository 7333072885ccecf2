/**
 * Structural identities that pin the interpreter's conv/convTranspose, gather/scatterAdd and dft
 * against each other in float64, over every relevant OP_CASES configuration:
 *   ⟨conv(x, w), y⟩ = ⟨x, convT(y, w)⟩ (PyTorch's convTranspose is the adjoint of conv),
 *   ⟨gather(x, i), u⟩ = ⟨x, scatterAdd(i, u)⟩,
 *   ⟨F x, y⟩ = ⟨x, F⁻ y⟩ with F⁻ the unnormalised inverse, and F⁻(F x) = N x.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { sizeOf } from '../../src/core/tensor.js';
import type { Node } from '../../src/ir/node.js';
import type { ConvAttrs, OpAttrs } from '../../src/ir/ops.js';
import * as S from '../../src/ir/sym.js';
import type { Sym } from '../../src/ir/sym.js';
import { spec, trace } from '../../src/ir/trace.js';
import { type RawTensor, evaluateRaw, toRaw } from '../../src/interp/index.js';
import { OP_CASES, caseInputs } from '../opcases.js';

const rng = new Rng(99);
const rand = (dims: readonly number[]): RawTensor => ({ dims: [...dims], dtype: 'float32', data: Float64Array.from(rng.normal(sizeOf(dims))) });
const dot = (a: RawTensor, b: RawTensor) => {
  expect(a.dims).toEqual(b.dims);
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i]! * b.data[i]!;
  return s;
};
function run1(fn: (...xs: Sym[]) => Sym, feeds: RawTensor[]): RawTensor {
  const t = trace((...xs: Sym[]) => fn(...xs), feeds.map((f) => spec(f.dims, f.dtype)));
  return evaluateRaw([t.outputs[0]!.node], feeds)[0]!;
}
function findNode<K extends 'conv' | 'convTranspose' | 'gather'>(fn: (...xs: Sym[]) => Sym, specs: Parameters<typeof trace>[1], op: K): Node<K> {
  const t = trace((...xs: Sym[]) => fn(...xs), specs);
  let n: Node = t.outputs[0]!.node;
  while (n.op !== op) n = n.inputs[0]!;
  return n as Node<K>;
}
const expectClose = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-11 * (1 + Math.abs(a) + Math.abs(b)));

describe('conv and convTranspose are adjoint', () => {
  for (const c of OP_CASES.conv) {
    it(c.name, () => {
      const n = findNode(c.fn, c.specs, 'conv');
      const a: ConvAttrs = n.attrs;
      const [xs, ws] = [n.inputs[0]!.shape, n.inputs[1]!.shape];
      const nd = xs.length - 2;
      const outputPadding = Array.from({ length: nd }, (_, i) => xs[2 + i]! - ((n.shape[2 + i]! - 1) * a.strides[i]! + a.dilations[i]! * (ws[2 + i]! - 1) + 1 - a.pads[i]! - a.pads[i + nd]!));
      const [x, w] = caseInputs(c, 2).map(toRaw);
      const y = rand(n.shape);
      const lhs = dot(run1((p, q) => S.conv(p!, q!, { stride: a.strides, padding: a.pads, dilation: a.dilations, groups: a.groups }), [x!, w!]), y);
      const back = run1((p, q) => S.convTranspose(p!, q!, { stride: a.strides, padding: a.pads, dilation: a.dilations, groups: a.groups, outputPadding }), [y, w!]);
      expectClose(lhs, dot(x!, back));
    });
  }
  for (const c of OP_CASES.convTranspose) {
    it(c.name, () => {
      const n = findNode(c.fn, c.specs, 'convTranspose');
      const a: OpAttrs['convTranspose'] = n.attrs;
      const xs = n.inputs[0]!.shape;
      const [x, w] = caseInputs(c, 2).map(toRaw);
      const y = rand(n.shape);
      const lhs = dot(run1((p, q) => S.convTranspose(p!, q!, { stride: a.strides, padding: a.pads, dilation: a.dilations, groups: a.groups, outputPadding: a.outputPadding }), [x!, w!]), y);
      // conv of y may be longer than x when outputPadding ≥ stride; the extra outputs are not in the pair
      const back = run1((p, q) => S.slice(S.conv(p!, q!, { stride: a.strides, padding: a.pads, dilation: a.dilations, groups: a.groups }), xs.map((d) => [0, d] as const)), [y, w!]);
      expectClose(lhs, dot(x!, back));
    });
  }
});

describe('gather and scatterAdd are adjoint', () => {
  for (const c of OP_CASES.gather) {
    if (c.specs[0]!.dtype !== 'float32') continue;
    it(c.name, () => {
      const n = findNode(c.fn, c.specs, 'gather');
      const [x, i] = caseInputs(c, 4).map(toRaw);
      const u = rand(n.shape);
      const lhs = dot(run1(c.fn, [x!, i!]), u);
      const back = run1((p, q) => S.scatterAdd(p!, q!, n.attrs.axis, x!.dims), [i!, u]);
      expectClose(lhs, dot(x!, back));
    });
  }
});

describe('dft', () => {
  for (const N of [1, 2, 3, 5, 8, 12, 15, 16, 20, 64]) {
    it(`N=${N}: forward and inverse are adjoint, inverse(forward(x)) = N·x`, () => {
      const x = rand([2, N, 3, 2]);
      const y = rand([2, N, 3, 2]);
      const fx = run1((v) => S.dft(v, 1), [x]);
      const iy = run1((v) => S.dft(v, 1, true), [y]);
      expectClose(dot(fx, y), dot(x, iy));
      const back = run1((v) => S.dft(v, 1, true), [fx]);
      for (let k = 0; k < x.data.length; k++) expect(Math.abs(back.data[k]! - N * x.data[k]!)).toBeLessThan(1e-12 * N);
    });
  }
});
