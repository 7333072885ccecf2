import { describe, expect, it } from 'vitest';
import { expandDft } from '../../src/onnx/dft-expand.js';
import { input } from '../../src/ir/sym.js';
import { topoSort } from '../../src/ir/node.js';
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
          const [got] = miniEvaluate([y.node], new Map([[0, xv]]));
          const want = directDft(xv, dims, axis, inverse);
          expect(relErr(got!, want)).toBeLessThan(1e-5);
          expect(topoSort([y.node]).length).toBeLessThan(40);
        }
      });
    }
  }
});
