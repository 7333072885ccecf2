/**
 * Known-value tests of every op group, on small inputs computed by hand (the arithmetic is in
 * the comments). Larger NumPy-derived checks are in numpy-ref.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { isMedreconError } from '../../src/core/errors.js';
import { type DType, type HostTensor, tensor } from '../../src/core/tensor.js';
import * as S from '../../src/ir/sym.js';
import type { Sym } from '../../src/ir/sym.js';
import { erf, interpret, twiddles } from '../../src/interp/index.js';

const f = (dims: number[], data: number[]) => tensor(dims, data);
const i32 = (dims: number[], data: number[]) => tensor(dims, data, 'int32');
const b8 = (dims: number[], data: number[]) => tensor(dims, data, 'bool');

/** Run a one-output Sym function on host tensors. */
function run(fn: (...xs: Sym[]) => Sym, ...args: HostTensor[]): HostTensor {
  return interpret((...xs: Sym[]) => fn(...xs), args) as HostTensor;
}

function expectT(t: HostTensor, dims: number[], data: number[], dtype: DType = 'float32', tol = 1e-6) {
  expect(t.dtype).toBe(dtype);
  expect([...t.dims]).toEqual(dims);
  expect(t.data.length).toBe(data.length);
  for (let i = 0; i < data.length; i++) {
    if (tol === 0) expect(t.data[i]).toBe(data[i]);
    else expect(Math.abs(t.data[i]! - data[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(data[i]!)));
  }
}

describe('unary', () => {
  const x = f([6], [-2, -0.5, 0, 0.25, 1, 4]);
  it('elementary functions', () => {
    expectT(run(S.neg, x), [6], [2, 0.5, 0, -0.25, -1, -4]);
    expectT(run(S.abs, x), [6], [2, 0.5, 0, 0.25, 1, 4]);
    expectT(run(S.sign, x), [6], [-1, -1, 0, 1, 1, 1]);
    expectT(run(S.relu, x), [6], [0, 0, 0, 0.25, 1, 4]);
    expectT(run(S.floor, f([4], [-1.5, -0.2, 0.7, 2])), [4], [-2, -1, 0, 2]);
    expectT(run(S.exp, f([2], [0, 1])), [2], [1, Math.E]);
    expectT(run(S.log, f([2], [1, Math.E])), [2], [0, 1]);
    expectT(run(S.sqrt, f([2], [4, 2.25])), [2], [2, 1.5]);
    expectT(run(S.reciprocal, f([2], [4, -0.5])), [2], [0.25, -2]);
    expectT(run(S.sin, f([2], [0, Math.PI / 2])), [2], [0, 1]);
    expectT(run(S.cos, f([2], [0, Math.PI])), [2], [1, -1]);
    expectT(run(S.tanh, f([2], [0, 100])), [2], [0, 1]);
    expectT(run(S.stopGradient, x), [6], [-2, -0.5, 0, 0.25, 1, 4]);
  });
  it('sigmoid and softplus are stable at large |x|', () => {
    expectT(run(S.sigmoid, f([4], [0, -1000, 1000, Math.log(3)])), [4], [0.5, 0, 1, 0.75]);
    // softplus(0) = ln 2; softplus(1000) = 1000; softplus(-1000) = e^-1000 ≈ 0; softplus(ln 3) = ln 4
    expectT(run(S.softplus, f([4], [0, 1000, -1000, Math.log(3)])), [4], [Math.LN2, 1000, 0, Math.log(4)]);
  });
  it('int32 neg/abs/sign stay int32', () => {
    expectT(run(S.neg, i32([3], [-3, 0, 7])), [3], [3, 0, -7], 'int32', 0);
    expectT(run(S.abs, i32([3], [-3, 0, 7])), [3], [3, 0, 7], 'int32', 0);
    expectT(run(S.sign, i32([3], [-3, 0, 7])), [3], [-1, 0, 1], 'int32', 0);
    // two's complement wrap: -(-2^31) = -2^31
    expectT(run(S.neg, i32([1], [-2147483648])), [1], [-2147483648], 'int32', 0);
  });
});

describe('erf (high accuracy)', () => {
  // Reference values from Python's math.erf (correctly rounded to ~1 ulp).
  const known: [number, number][] = [
    [0, 0], [1e-8, 1.1283791670955126e-8], [0.1, 0.1124629160182849], [0.5, 0.5204998778130465],
    [1, 0.8427007929497149], [1.5, 0.9661051464753108], [2, 0.9953222650189527], [2.5, 0.999593047982555],
    [2.9, 0.9999589021219005], [3, 0.9999779095030014], [3.5, 0.9999992569016276], [4, 0.9999999845827421],
    [5, 0.9999999999984626], [6, 1], [-0.7, -0.6778011938374184], [-3.2, -0.9999939742388483],
  ];
  it.each(known)('erf(%f)', (x, want) => {
    expect(Math.abs(erf(x) - want)).toBeLessThanOrEqual(1e-14 * Math.max(Math.abs(want), 1e-300) + 1e-300);
  });
  it('1 − erf matches erfc in the tail (math.erfc values) to 1e-12 absolute', () => {
    // math.erfc(3) = 2.209049699858544e-05, math.erfc(4) = 1.541725790028002e-08
    expect(Math.abs(1 - erf(3) - 2.209049699858544e-5)).toBeLessThan(1e-15);
    expect(Math.abs(1 - erf(4) - 1.541725790028002e-8)).toBeLessThan(1e-15);
  });
  it('is odd and NaN-preserving', () => {
    for (const x of [0.3, 1.7, 2.99, 3.01, 5.5, 9]) expect(erf(-x)).toBe(-erf(x));
    expect(Number.isNaN(erf(NaN))).toBe(true);
  });
});

describe('binary and where', () => {
  it('broadcasts [3,1] with [2]', () => {
    const a = f([3, 1], [1, 2, 3]);
    const b = f([2], [10, 20]);
    expectT(run(S.add, a, b), [3, 2], [11, 21, 12, 22, 13, 23]);
    expectT(run(S.sub, a, b), [3, 2], [-9, -19, -8, -18, -7, -17]);
    expectT(run(S.mul, a, b), [3, 2], [10, 20, 20, 40, 30, 60]);
    expectT(run(S.div, a, b), [3, 2], [0.1, 0.05, 0.2, 0.1, 0.3, 0.15]);
    expectT(run(S.sub, b, a), [3, 2], [9, 19, 8, 18, 7, 17]);
  });
  it('0-d operands', () => {
    expectT(run(S.mul, f([], [3]), f([2, 2], [1, 2, 3, 4])), [2, 2], [3, 6, 9, 12]);
    expectT(run(S.add, f([], [3]), f([], [4])), [], [7]);
  });
  it('pow, maximum, minimum', () => {
    expectT(run(S.pow, f([3], [4, 9, 2]), f([3], [0.5, -0.5, 10])), [3], [2, 1 / 3, 1024]);
    expectT(run((x) => S.pow(x, 3), f([2], [-2, 3])), [2], [-8, 27]);
    expectT(run(S.maximum, f([2, 2], [1, 5, -3, 0]), f([2], [2, 2])), [2, 2], [2, 5, 2, 2]);
    expectT(run(S.minimum, f([2, 2], [1, 5, -3, 0]), f([2], [2, 2])), [2, 2], [1, 2, -3, 0]);
  });
  it('comparisons give bool 0/1', () => {
    const a = f([4], [1, 2, 3, 4]);
    const b = f([1], [2]);
    expectT(run(S.eq, a, b), [4], [0, 1, 0, 0], 'bool', 0);
    expectT(run(S.lt, a, b), [4], [1, 0, 0, 0], 'bool', 0);
    expectT(run(S.le, a, b), [4], [1, 1, 0, 0], 'bool', 0);
    expectT(run(S.gt, a, b), [4], [0, 0, 1, 1], 'bool', 0);
    expectT(run(S.ge, a, b), [4], [0, 1, 1, 1], 'bool', 0);
    expectT(run(S.lt, i32([3], [-1, 0, 1]), i32([], [0])), [3], [1, 0, 0], 'bool', 0);
  });
  it('int32 arithmetic wraps modulo 2^32', () => {
    expectT(run(S.mul, i32([1], [65536]), i32([1], [65536])), [1], [0], 'int32', 0);
    expectT(run(S.add, i32([1], [2147483647]), i32([1], [1])), [1], [-2147483648], 'int32', 0);
    expectT(run(S.mul, i32([2], [-3, 7]), i32([2], [5, -6])), [2], [-15, -42], 'int32', 0);
  });
  it('where broadcasts all three operands', () => {
    const c = b8([2, 1], [1, 0]);
    const a = f([3], [1, 2, 3]);
    const b = f([], [-1]);
    expectT(run(S.where, c, a, b), [2, 3], [1, 2, 3, -1, -1, -1]);
    expectT(run(S.where, b8([3], [0, 1, 0]), i32([3], [1, 2, 3]), i32([1], [9])), [3], [9, 2, 9], 'int32', 0);
  });
});

describe('reductions', () => {
  const x = f([2, 3], [1, 5, 3, 4, 2, 6]);
  it('sum/mean/max/min over axes with keepdims', () => {
    expectT(run((v) => S.sum(v, 1), x), [2], [9, 12]);
    expectT(run((v) => S.sum(v, 0, true), x), [1, 3], [5, 7, 9]);
    expectT(run((v) => S.sum(v), x), [], [21]);
    expectT(run((v) => S.mean(v, 1, true), x), [2, 1], [3, 4]);
    expectT(run((v) => S.max(v, 1), x), [2], [5, 6]);
    expectT(run((v) => S.max(v, 0), x), [3], [4, 5, 6]);
    expectT(run((v) => S.min(v, [0, 1], true), x), [1, 1], [1]);
    expectT(run((v) => S.min(v, 1), x), [2], [1, 2]);
  });
  it('over non-adjacent axes', () => {
    // y[j] = Σ_{i,k} x[i,j,k] on [2,2,2] = 0..7: j=0: 0+1+4+5 = 10, j=1: 2+3+6+7 = 18
    const y = f([2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]);
    expectT(run((v) => S.sum(v, [0, 2]), y), [2], [10, 18]);
    expectT(run((v) => S.max(v, [0, 2], true), y), [1, 2, 1], [5, 7]);
  });
  it('int32 sums stay int32', () => {
    expectT(run((v) => S.sum(v, 0), i32([3, 2], [1, 2, 3, 4, 5, 6])), [2], [9, 12], 'int32', 0);
  });
});

describe('movement', () => {
  const x = f([2, 3], [0, 1, 2, 3, 4, 5]);
  it('reshape, transpose, expand', () => {
    expectT(run((v) => S.reshape(v, [3, 2]), x), [3, 2], [0, 1, 2, 3, 4, 5]);
    expectT(run((v) => S.transpose(v), x), [3, 2], [0, 3, 1, 4, 2, 5]);
    // [2,3,1] perm [2,0,1] → [1,2,3]
    expectT(run((v) => S.transpose(S.reshape(v, [2, 3, 1]), [2, 0, 1]), x), [1, 2, 3], [0, 1, 2, 3, 4, 5]);
    // [2,1,2] → perm [2,1,0] on 0..3 = [[[0,1]],[[2,3]]] → y[k,0,i] = x[i,0,k] = [0,2,1,3]
    expectT(run((v) => S.transpose(v, [2, 1, 0]), f([2, 1, 2], [0, 1, 2, 3])), [2, 1, 2], [0, 2, 1, 3]);
    expectT(run((v) => S.expand(v, [2, 2, 3]), f([2, 1], [7, 8])), [2, 2, 3], [7, 7, 7, 8, 8, 8, 7, 7, 7, 8, 8, 8]);
  });
  it('slice with steps, negative steps and clamping', () => {
    const v = f([6], [0, 1, 2, 3, 4, 5]);
    expectT(run((s) => S.slice(s, [[1, 5, 2]]), v), [2], [1, 3]);
    expectT(run((s) => S.slice(s, [[undefined, undefined, -1]]), v), [6], [5, 4, 3, 2, 1, 0]);
    expectT(run((s) => S.slice(s, [[4, 0, -2]]), v), [2], [4, 2]);
    expectT(run((s) => S.slice(s, [[-100, 100, 3]]), v), [2], [0, 3]);
    expectT(run((s) => S.slice(s, [[1, 2], [undefined, undefined, -2]]), x), [1, 2], [5, 3]);
  });
  it('pad: constant, NumPy reflect (no edge repeat), edge', () => {
    const v = f([3], [1, 2, 3]);
    expectT(run((s) => S.pad(s, [[2, 1]], 'constant', 9), v), [6], [9, 9, 1, 2, 3, 9]);
    expectT(run((s) => S.pad(s, [[2, 2]], 'reflect'), v), [7], [3, 2, 1, 2, 3, 2, 1]);
    expectT(run((s) => S.pad(s, [[2, 3]], 'edge'), v), [8], [1, 1, 1, 2, 3, 3, 3, 3]);
    // 2-D reflect: rows (1,0), cols (0,2) on [[0,1,2],[3,4,5]]
    expectT(run((s) => S.pad(s, [[1, 0], [0, 2]], 'reflect'), x), [3, 5], [3, 4, 5, 4, 3, 0, 1, 2, 1, 0, 3, 4, 5, 4, 3]);
    expectT(run((s) => S.pad(s, [[1, 0]], 'constant', -1), i32([2], [4, 5])), [3], [-1, 4, 5], 'int32', 0);
  });
  it('concat of three and flip of several axes', () => {
    const a = f([2, 1], [1, 2]);
    const b = f([2, 2], [3, 4, 5, 6]);
    const c = f([2, 1], [7, 8]);
    expectT(run((p, q, r) => S.concat([p!, q!, r!], 1), a, b, c), [2, 4], [1, 3, 4, 7, 2, 5, 6, 8]);
    expectT(run((p, q) => S.concat([p!, q!], 0), b, b), [4, 2], [3, 4, 5, 6, 3, 4, 5, 6]);
    expectT(run((s) => S.flip(s, [0, 1]), x), [2, 3], [5, 4, 3, 2, 1, 0]);
    expectT(run((s) => S.flip(s, 1), x), [2, 3], [2, 1, 0, 5, 4, 3]);
  });
});

describe('matmul', () => {
  it('2-D and batched with broadcasting', () => {
    const a = f([2, 2], [1, 2, 3, 4]);
    const b = f([2, 2], [5, 6, 7, 8]);
    expectT(run(S.matmul, a, b), [2, 2], [19, 22, 43, 50]);
    // batch [2] of a times shared b: second batch is 2·a
    const a2 = f([2, 2, 2], [1, 2, 3, 4, 2, 4, 6, 8]);
    expectT(run(S.matmul, a2, b), [2, 2, 2], [19, 22, 43, 50, 38, 44, 86, 100]);
    expectT(run(S.matmul, f([1, 3], [1, 2, 3]), f([3, 1], [4, 5, 6])), [1, 1], [32]);
  });
});

describe('convolution (PyTorch semantics)', () => {
  it('conv1d with stride and padding', () => {
    // padded x = [0,1,2,3,4,0], w = [1,0,-1], stride 2: positions 0 and 2 → 0−2 = −2, 2−4 = −2
    expectT(run((x, w) => S.conv(x!, w!, { stride: 2, padding: 1 }), f([1, 1, 4], [1, 2, 3, 4]), f([1, 1, 3], [1, 0, -1])), [1, 1, 2], [-2, -2]);
  });
  it('conv1d with dilation', () => {
    // w = [1,1] dilated by 3: y[i] = x[i] + x[i+3] → [1+4, 2+5]
    expectT(run((x, w) => S.conv(x!, w!, { dilation: 3 }), f([1, 1, 5], [1, 2, 3, 4, 5]), f([1, 1, 2], [1, 1])), [1, 1, 2], [5, 7]);
  });
  it('conv with groups (per-channel scale)', () => {
    const x = f([1, 2, 3], [1, 2, 3, 10, 20, 30]);
    const w = f([2, 1, 1], [2, 3]);
    expectT(run((a, b) => S.conv(a!, b!, { groups: 2 }), x, w), [1, 2, 3], [2, 4, 6, 30, 60, 90]);
  });
  it('conv2d multi-channel sum', () => {
    // x channels: ones and 2·ones on 2×2; w [1,2,2,2] = [[1,2],[3,4]] and [[1,1],[1,1]] → 10 + 2·4 = 18
    const x = f([1, 2, 2, 2], [1, 1, 1, 1, 2, 2, 2, 2]);
    const w = f([1, 2, 2, 2], [1, 2, 3, 4, 1, 1, 1, 1]);
    expectT(run((a, b) => S.conv(a!, b!), x, w), [1, 1, 1, 1], [18]);
    // with padding 1 the top-left output sees only x[0,0]·w[1,1]: 4·1 + 1·2 = 6
    const y = run((a, b) => S.conv(a!, b!, { padding: 1 }), x, w);
    expect([...y.dims]).toEqual([1, 1, 3, 3]);
    expect(y.data[0]).toBeCloseTo(6, 6);
  });
  it('convTranspose1d with stride, padding and outputPadding', () => {
    // x = [1,2], w = [1,2,3], stride 2: [1,2,3,0,0] + [0,0,2,4,6] = [1,2,5,4,6]
    const x = f([1, 1, 2], [1, 2]);
    const w = f([1, 1, 3], [1, 2, 3]);
    expectT(run((a, b) => S.convTranspose(a!, b!, { stride: 2 }), x, w), [1, 1, 5], [1, 2, 5, 4, 6]);
    // padding 1 crops one at each end
    expectT(run((a, b) => S.convTranspose(a!, b!, { stride: 2, padding: 1 }), x, w), [1, 1, 3], [2, 5, 4]);
    // outputPadding 1 extends the end by one (the uncropped signal is [1,2,5,4,6,0])
    expectT(run((a, b) => S.convTranspose(a!, b!, { stride: 2, padding: 1, outputPadding: 1 }), x, w), [1, 1, 4], [2, 5, 4, 6]);
  });
  it('convTranspose with groups and dilation', () => {
    // 2 groups, each one channel → one channel; w = [[1, 1]] per group, dilation 2:
    // group 0: x=[1,2] → [1,2,1,2]; group 1: x=[3,4] with w=[[2,0]] → [6,8,0,0]
    const x = f([1, 2, 2], [1, 2, 3, 4]);
    const w = f([2, 1, 2], [1, 1, 2, 0]);
    expectT(run((a, b) => S.convTranspose(a!, b!, { groups: 2, dilation: 2 }), x, w), [1, 2, 4], [1, 2, 1, 2, 6, 8, 0, 0]);
  });
  it('avgPool with and without countIncludePad', () => {
    const x = f([1, 1, 4], [1, 2, 3, 4]);
    expectT(run((a) => S.avgPool(a, 3, { stride: 1, padding: 1 }), x), [1, 1, 4], [1.5, 2, 3, 3.5]);
    expectT(run((a) => S.avgPool(a, 3, { stride: 1, padding: 1, countIncludePad: true }), x), [1, 1, 4], [1, 2, 3, 7 / 3]);
    // 2-D 2×2 pooling with default stride = kernel
    expectT(run((a) => S.avgPool(a, 2), f([1, 1, 2, 4], [1, 2, 3, 4, 5, 6, 7, 8])), [1, 1, 1, 2], [3.5, 5.5]);
  });
});

describe('indexing', () => {
  const x = f([3, 2], [1, 2, 3, 4, 5, 6]);
  it('gather = np.take along an axis, with a 2-D index, repeats and negatives', () => {
    expectT(run((a, i) => S.gather(a!, i!), x, i32([2, 2], [2, 0, 2, -3])), [2, 2, 2], [5, 6, 1, 2, 5, 6, 1, 2]);
    expectT(run((a, i) => S.gather(a!, i!, 1), x, i32([3], [1, 1, -2])), [3, 3], [2, 2, 1, 4, 4, 3, 6, 6, 5]);
    expectT(run((a, i) => S.gather(a!, i!, 1), x, i32([], [1])), [3], [2, 4, 6]);
  });
  it('scatterAdd accumulates duplicates', () => {
    expectT(run((i, u) => S.scatterAdd(i!, u!, 0, [3]), i32([4], [0, 2, 0, -1]), f([4], [1, 10, 100, 1000])), [3], [101, 0, 1010]);
    expectT(run((i, u) => S.scatterAdd(i!, u!, 1, [2, 3]), i32([2], [2, 2]), f([2, 2], [1, 2, 3, 4])), [2, 3], [0, 0, 3, 0, 0, 7]);
  });
  it('out-of-range indices raise INVALID_ARGUMENT', () => {
    for (const bad of [3, -4]) {
      let err: unknown;
      try { run((a, i) => S.gather(a!, i!), x, i32([1], [bad])); } catch (e) { err = e; }
      expect(isMedreconError(err, 'INVALID_ARGUMENT')).toBe(true);
      err = undefined;
      try { run((i, u) => S.scatterAdd(i!, u!, 0, [3]), i32([1], [bad]), f([1], [1])); } catch (e) { err = e; }
      expect(isMedreconError(err, 'INVALID_ARGUMENT')).toBe(true);
    }
  });
});

describe('cast', () => {
  it('float → int32 truncates toward zero; → bool is x ≠ 0; bool/int → float', () => {
    expectT(run((x) => S.cast(x, 'int32'), f([6], [-2.7, -0.5, 0, 0.5, 2.7, 3])), [6], [-2, 0, 0, 0, 2, 3], 'int32', 0);
    expectT(run((x) => S.cast(x, 'bool'), f([4], [0, 0.5, -1, NaN])), [4], [0, 1, 1, 1], 'bool', 0);
    expectT(run((x) => S.cast(x, 'float32'), i32([3], [-3, 0, 16777217])), [3], [-3, 0, 16777216], 'float32', 0);
    expectT(run((x) => S.cast(x, 'float32'), b8([2], [1, 0])), [2], [1, 0], 'float32', 0);
    expectT(run((x) => S.cast(x, 'int32'), b8([2], [0, 1])), [2], [0, 1], 'int32', 0);
    expectT(run((x) => S.cast(x, 'bool'), i32([3], [0, -2, 5])), [3], [0, 1, 1], 'bool', 0);
  });
});

describe('dft', () => {
  it('twiddles are exact at quarter turns', () => {
    const t = twiddles(4);
    expect([...t.cos]).toEqual([1, 0, -1, 0]);
    expect([...t.sin]).toEqual([0, 1, 0, -1]);
    const t8 = twiddles(8);
    expect(t8.cos[2]).toBe(0);
    expect(t8.sin[6]).toBe(-1);
    expect(Math.abs(t8.cos[1]! - Math.SQRT1_2)).toBeLessThan(1e-16);
  });
  it('unit impulses (N = 4): forward e^{-2πikn/N}, inverse e^{+2πikn/N}, no scaling', () => {
    const d0 = f([4, 2], [1, 0, 0, 0, 0, 0, 0, 0]);
    expectT(run((x) => S.dft(x, 0), d0), [4, 2], [1, 0, 1, 0, 1, 0, 1, 0], 'float32', 0);
    const d1 = f([4, 2], [0, 0, 1, 0, 0, 0, 0, 0]);
    // forward: e^{-iπk/2} = 1, −i, −1, i
    expectT(run((x) => S.dft(x, 0), d1), [4, 2], [1, 0, 0, -1, -1, 0, 0, 1], 'float32', 0);
    expectT(run((x) => S.dft(x, 0, true), d1), [4, 2], [1, 0, 0, 1, -1, 0, 0, -1], 'float32', 0);
  });
  it('N = 5 matches numpy.fft.fft([1,2,0,-1,0.5]) and ifft·5', () => {
    const x = f([5, 2], [1, 0, 2, 0, 0, 0, -1, 0, 0.5, 0]);
    // numpy: [2.5, 2.58155948-2.01437003j, -1.33155948+0.06937864j, -1.33155948-0.06937864j, 2.58155948+2.01437003j]
    expectT(run((v) => S.dft(v, 0), x), [5, 2], [2.5, 0, 2.58155948, -2.01437003, -1.33155948, 0.06937864, -1.33155948, -0.06937864, 2.58155948, 2.01437003], 'float32', 1e-7);
    expectT(run((v) => S.dft(v, 0, true), x), [5, 2], [2.5, 0, 2.58155948, 2.01437003, -1.33155948, -0.06937864, -1.33155948, 0.06937864, 2.58155948, -2.01437003], 'float32', 1e-7);
  });
  it('along a middle axis of [2,3,2]', () => {
    // each column along axis 1 is [a, a, a] → [3a, 0, 0]
    const x = f([2, 3, 2], [1, 2, 1, 2, 1, 2, 3, 0, 3, 0, 3, 0]);
    expectT(run((v) => S.dft(v, 1), x), [2, 3, 2], [3, 6, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0], 'float32', 1e-6);
  });
});
