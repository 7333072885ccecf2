import { describe, expect, it } from 'vitest';
import { expandDft } from '../../src/onnx/dft-expand.js';
import { input } from '../../src/ir/sym.js';
import { topoSort } from '../../src/ir/node.js';
import { tensor } from '../../src/core/tensor.js';
import { evaluate } from '../../src/interp/index.js';
import { miniEvaluate } from './mini-eval.js';

/** Direct float64 DFT along `axis` of a [..., 2] array (exact angle reduction). */
function directDft(x: Float64Array, dims: readonly number[], axis: number, inverse: boolean): Float64Array {
  const n = dims[axis]!;
  const outer = dims.slice(0, axis).reduce((p, d) => p * d, 1);
  const inner = dims.slice(axis + 1).reduce((p, d) => p * d, 1) / 2; // complex elements after axis
  const y = new Float64Array(x.length);
  const sgn = inverse ? 1 : -1;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      for (let k = 0; k < n; k++) {
        let re = 0;
        let im = 0;
        for (let t = 0; t < n; t++) {
          const th = (2 * Math.PI * ((k * t) % n)) / n;
          const c = Math.cos(th);
          const s = sgn * Math.sin(th);
          const p = ((o * n + t) * inner + i) * 2;
          re += x[p]! * c - x[p + 1]! * s;
          im += x[p]! * s + x[p + 1]! * c;
        }
        const q = ((o * n + k) * inner + i) * 2;
        y[q] = re;
        y[q + 1] = im;
      }
    }
  }
  return y;
}

function rand(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = Math.fround(s / 2 ** 32 - 0.5);
  }
  return out;
}

function relErr(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 16, 20, 25, 64, 100, 320, 368];

describe('expandDft', () => {
  it('factored plan: 2 MatMuls, at most 2 Transposes, and agrees with the float64 mini evaluator on a 3-D axis', () => {
    const dims = [3, 320, 2, 2];
    const x = input(0, 'x', dims);
    const y = expandDft(x, 1, false);
    const nodes = topoSort([y.node]);
    expect(nodes.filter((m) => m.op === 'matmul').length).toBe(2);
    expect(nodes.filter((m) => m.op === 'transpose').length).toBeLessThanOrEqual(2);
    const xv = rand(x.size, 99);
    const [got] = miniEvaluate([y.node], new Map([[0, xv]]));
    expect(relErr(got!, directDft(xv, dims, 1, false))).toBeLessThan(1e-5);
  });
  it('rejects the complex axis', () => {
    expect(() => expandDft(input(0, 'x', [4, 2]), 1, false)).toThrow(/SHAPE_MISMATCH/);
  });
  it('negative axis and a size-1 axis', () => {
    const x = input(0, 'x', [1, 6, 2]);
    expect(expandDft(x, 0, false)).toBe(x);
    const y = expandDft(x, -2, true);
    const xv = rand(x.size, 5);
    const [got] = evaluate([y.node], [tensor([1, 6, 2], Float32Array.from(xv))]);
    expect(relErr(Float64Array.from(got!.data), directDft(xv, [1, 6, 2], 1, true))).toBeLessThan(1e-5);
  });
  for (const n of SIZES) {
    for (const inverse of [false, true]) {
      it(`N=${n} ${inverse ? 'inverse' : 'forward'} on the last axis and on a middle axis`, () => {
        const cases: { dims: number[]; axis: number }[] = [
          { dims: [2, n, 2], axis: 1 },
          { dims: [n, 3, 2], axis: 0 },
        ];
        for (const { dims, axis } of cases) {
          const x = input(0, 'x', dims);
          const y = expandDft(x, axis, inverse);
          expect(y.shape).toEqual(dims);
          const xv = rand(x.size, n * 7 + (inverse ? 1 : 0) + axis);
          const [got] = evaluate([y.node], [tensor(dims, Float32Array.from(xv))]);
          const want = directDft(xv, dims, axis, inverse);
          expect(relErr(Float64Array.from(got!.data), want)).toBeLessThan(1e-5);
          const nodes = topoSort([y.node]);
          expect(nodes.some((m) => m.op === 'dft')).toBe(false);
          expect(nodes.length).toBeLessThanOrEqual(16);
        }
      });
    }
  }
});
