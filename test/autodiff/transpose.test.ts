/**
 * linearTranspose: dot tests ⟨A x, y⟩ = ⟨x, Aᵀ y⟩ in float64 (interpreter, random non-float32 data,
 * relative error < 1e-10), NOT_LINEAR detection, use of the transposed graph inside other graphs,
 * and the graph rewriter `substitute`.
 */
import { describe, expect, it } from 'vitest';
import { isMedreconError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { tensor } from '../../src/core/tensor.js';
import { linearTranspose, substitute, vjp, grad, valueAndGrad } from '../../src/autodiff/index.js';
import { evaluateRaw } from '../../src/interp/index.js';
import { cmul, fftc, ifftc, resizeBilinear } from '../../src/ir/composite.js';
import * as S from '../../src/ir/sym.js';
import type { Sym } from '../../src/ir/sym.js';
import { spec } from '../../src/ir/trace.js';
import { dot, dotTest, randRaw } from './check.js';

const constOf = (dims: number[], seed: number, dtype: 'float32' | 'int32' = 'float32', hi = 0): Sym => {
  const rng = new Rng(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  if (dtype === 'int32') return S.constant(tensor(dims, Array.from({ length: n }, () => rng.int(hi)), 'int32'));
  return S.constant(tensor(dims, rng.normal(n)));
};

const linearCases: [string, (x: Sym) => Sym, number[]][] = [
  ['conv strided', (x) => S.conv(x, constOf([4, 3, 3, 3], 1), { stride: 2, padding: 1 }), [2, 3, 9, 8]],
  ['conv grouped + dilated, asymmetric pads', (x) => S.conv(x, constOf([6, 2, 3, 2], 2), { groups: 2, dilation: [2, 3], padding: [1, 0, 2, 1] }), [1, 4, 9, 10]],
  ['conv 1-D stride 3 (uncovered tail)', (x) => S.conv(x, constOf([2, 1, 2], 3), { stride: 3 }), [1, 1, 11]],
  ['conv 3-D', (x) => S.conv(x, constOf([2, 2, 2, 3, 2], 4), { stride: [1, 2, 1], padding: 1 }), [1, 2, 4, 5, 3]],
  ['convTranspose stride 2 outPad 1 groups 2', (x) => S.convTranspose(x, constOf([4, 3, 3, 3], 5), { stride: 2, padding: 1, outputPadding: 1, groups: 2 }), [1, 4, 4, 5]],
  ['convTranspose dilation 3 stride 2 outPad 2', (x) => S.convTranspose(x, constOf([2, 2, 3], 6), { stride: 2, dilation: 3, outputPadding: 2 }), [2, 2, 5]],
  ['dft forward', (x) => S.dft(x, 1), [3, 7, 2]],
  ['dft inverse', (x) => S.dft(x, 0, true), [12, 2, 2]],
  ['fftc 2-D odd×even', (x) => fftc(x, [-3, -2]), [2, 5, 6, 2]],
  ['ifftc 2-D odd×odd', (x) => ifftc(x, [0, 1]), [7, 3, 2]],
  ['gather with repeats', (x) => S.gather(x, constOf([3, 4], 7, 'int32', 5), 1), [2, 5, 3]],
  ['scatterAdd with repeats', (x) => S.scatterAdd(constOf([6], 8, 'int32', 3), x, 0, [3, 2]), [6, 2]],
  ['slice with steps ±', (x) => S.slice(x, [[1, 9, 3], [undefined, undefined, -2]]), [10, 7]],
  ['pad reflect', (x) => S.pad(x, [[2, 3], [1, 2]], 'reflect'), [2, 4, 5]],
  ['pad edge', (x) => S.pad(x, [[3, 1], [0, 2]], 'edge'), [3, 4]],
  ['avgPool exclude pad', (x) => S.avgPool(x, 3, { stride: 2, padding: 1 }), [1, 2, 7, 6]],
  ['avgPool include pad', (x) => S.avgPool(x, [2, 3], { stride: [1, 2], padding: [1, 1], countIncludePad: true }), [2, 1, 5, 6]],
  ['resizeBilinear up', (x) => resizeBilinear(x, [7, 9]), [1, 2, 4, 5]],
  ['resizeBilinear down, alignCorners', (x) => resizeBilinear(x, [3, 2], { alignCorners: true }), [1, 1, 6, 5]],
  ['matmul by a constant + reduce + expand', (x) => S.expand(S.sum(S.matmul(constOf([3, 4], 9), x), 0, true), [2, 3, 2]), [4, 2]],
  [
    'MRI forward: mask ∘ fftc ∘ coil multiply',
    (x) => {
      const coils = constOf([3, 6, 5, 2], 10); // [coil, H, W, (re, im)]
      const mask = S.constant(tensor([1, 1, 5, 1], [1, 0, 1, 1, 0]));
      return S.mul(fftc(cmul(S.unsqueeze(x, 0), coils), [1, 2]), mask);
    },
    [6, 5, 2],
  ],
];

describe('linearTranspose dot tests (float64)', () => {
  it.each(linearCases)('%s', (_name, A, dims) => {
    const At = linearTranspose((x) => A(x as Sym), spec(dims));
    const { lhs, rhs, rel } = dotTest(A, (y) => At(y) as Sym, dims, 3);
    expect(Math.abs(lhs)).toBeGreaterThan(1e-3);
    expect(rel, `${lhs} vs ${rhs}`).toBeLessThan(1e-10);
  });

  it('fftc is unitary: its transpose is ifftc', () => {
    const dims = [5, 4, 2];
    const At = linearTranspose((x) => fftc(x as Sym, [0, 1]), spec(dims));
    const y = S.input(0, 'y', dims);
    const [a, b] = evaluateRaw([(At(y) as Sym).node, ifftc(y, [0, 1]).node], [randRaw(dims, 4)]);
    a!.data.forEach((v, i) => expect(Math.abs(v - b!.data[i]!)).toBeLessThan(1e-12));
  });

  it('trees in and out, and use inside another graph (normal operator AᵀA)', () => {
    const w = constOf([3, 4], 11);
    const A = (p: { a: Sym; b: Sym }) => [S.matmul(w, p.a), S.add(S.sum(p.b, 1), S.sum(p.a, 0))];
    const At = linearTranspose((t) => A(t as { a: Sym; b: Sym }), { a: spec([4, 2]), b: spec([2, 5]) });
    const a = S.input(0, 'a', [4, 2]);
    const b = S.input(1, 'b', [2, 5]);
    const back = At(A({ a, b })) as { a: Sym; b: Sym };
    expect(back.a.shape).toEqual([4, 2]);
    expect(back.b.shape).toEqual([2, 5]);
    const feeds = [randRaw([4, 2], 1), randRaw([2, 5], 2)];
    const [ra, rb, y0, y1] = evaluateRaw([back.a.node, back.b.node, ...A({ a, b }).map((s) => s.node)], feeds);
    // ⟨AᵀA x, x⟩ = ‖A x‖²
    const lhs = dot(ra!.data, feeds[0]!.data) + dot(rb!.data, feeds[1]!.data);
    const rhs = dot(y0!.data, y0!.data) + dot(y1!.data, y1!.data);
    expect(Math.abs(lhs - rhs) / rhs).toBeLessThan(1e-12);
    // the transposed graph only depends on the caller's inputs
    const ins = new Set<number>();
    const visit = (n: Sym['node']): void => {
      if (n.op === 'input') ins.add((n.attrs as { index: number }).index);
      n.inputs.forEach(visit);
    };
    visit(back.a.node);
    expect([...ins].sort()).toEqual([0, 1]);
  });

  it('raises NOT_LINEAR naming the op, for nonlinear functions', () => {
    const tryT = (f: (x: Sym) => Sym): string => {
      try {
        linearTranspose((x) => f(x as Sym), spec([3]));
      } catch (e) {
        if (isMedreconError(e, 'NOT_LINEAR')) return String(e.details.op);
        throw e;
      }
      return 'linear';
    };
    expect(tryT((x) => S.exp(x))).toBe('exp');
    expect(tryT((x) => S.mul(x, x))).toBe('mul');
    expect(tryT((x) => S.mul(S.sin(x), 2))).toBe('sin');
    expect(tryT((x) => S.mul(x, 2))).toBe('linear');
  });

  it('rejects a cotangent of the wrong shape', () => {
    const At = linearTranspose((x) => S.mul(x as Sym, 2), spec([3]));
    expect(() => At(S.input(0, 'y', [4]))).toThrow(/SHAPE_MISMATCH/);
  });
});

describe('substitute', () => {
  it('rebuilds only the dependent part and keeps the rest', () => {
    const x = S.input(0, 'x', [3]);
    const c = S.exp(S.constant(tensor([3], [1, 2, 3])));
    const y = S.add(S.mul(x, c), 1);
    const z = S.input(1, 'z', [3]);
    const [y2] = substitute([y.node], new Map([[x.node.id, z]]));
    expect(y2!.node.inputs[0]!.inputs[1]).toBe(c.node);
    const [r] = evaluateRaw([y2!.node], [randRaw([3], 1), { dims: [3], dtype: 'float32', data: new Float64Array([1, 1, 1]) }]);
    expect(Array.from(r!.data).map((v) => +v.toFixed(6))).toEqual([1, 2, 3].map((k) => +(Math.exp(k) + 1).toFixed(6)));
    expect(() => substitute([y.node], new Map([[x.node.id, S.input(2, 'w', [4])]]))).toThrow(/SHAPE_MISMATCH/);
  });
});

describe('driver errors and trees', () => {
  it('grad of a non-scalar is SHAPE_MISMATCH; grad w.r.t. an int input is NOT_DIFFERENTIABLE', () => {
    const x = S.input(0, 'x', [3]);
    expect(() => grad((v: Sym) => S.exp(v))(x)).toThrow(/SHAPE_MISMATCH/);
    const k = S.input(1, 'k', [3], 'int32');
    expect(() => grad((v: Sym, i: Sym) => S.sum(S.mul(v, S.cast(i, 'float32'))), 1)(x, k)).toThrow(/NOT_DIFFERENTIABLE/);
  });
  it('grad / valueAndGrad over parameter trees and several argnums', () => {
    const f = (p: { w: Sym; b: Sym }, x: Sym) => S.sum(S.mul(S.add(S.matmul(p.w, x), p.b), S.add(S.matmul(p.w, x), p.b)));
    const w = S.input(0, 'w', [2, 3]);
    const b = S.input(1, 'b', [2, 1]);
    const x = S.input(2, 'x', [3, 1]);
    const [val, [gp, gx]] = valueAndGrad(f, [0, 1])({ w, b }, x) as [Sym, [{ w: Sym; b: Sym }, Sym]];
    const feeds = [randRaw([2, 3], 1), randRaw([2, 1], 2), randRaw([3, 1], 3)];
    const [v, gw, gb, gxv, res] = evaluateRaw([val.node, gp.w.node, gp.b.node, gx.node, S.add(S.matmul(w, x), b).node], feeds);
    // f = ‖r‖², r = Wx + b: ∂f/∂W = 2 r xᵀ, ∂f/∂b = 2r, ∂f/∂x = 2 Wᵀ r
    const r = res!.data;
    expect(v!.data[0]).toBeCloseTo(dot(r, r), 12);
    for (let i = 0; i < 2; i++) {
      expect(gb!.data[i]).toBeCloseTo(2 * r[i]!, 12);
      for (let j = 0; j < 3; j++) expect(gw!.data[i * 3 + j]).toBeCloseTo(2 * r[i]! * feeds[2]!.data[j]!, 12);
    }
    for (let j = 0; j < 3; j++) expect(gxv!.data[j]).toBeCloseTo(2 * (feeds[0]!.data[j]! * r[0]! + feeds[0]!.data[3 + j]! * r[1]!), 12);
  });
  it('vjp gives zeros for unreached primals', () => {
    const x = S.input(0, 'x', [2]);
    const y = S.input(1, 'y', [3]);
    const { pullback } = vjp((a: Sym, _b: Sym) => S.mul(a, 3), x, y);
    const [ga, gb] = pullback(S.input(2, 'c', [2])) as Sym[];
    const [ra, rb] = evaluateRaw([ga!.node, gb!.node], [randRaw([2], 1), randRaw([3], 2), { dims: [2], dtype: 'float32', data: new Float64Array([1, 2]) }]);
    expect(Array.from(ra!.data)).toEqual([3, 6]);
    expect(Array.from(rb!.data)).toEqual([0, 0, 0]);
  });
});
