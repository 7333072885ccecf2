/** Drivers: feed validation, trees in `interpret`, shared subgraphs, no aliasing of feeds, speed. */
import { describe, expect, it } from 'vitest';
import { type ErrorCode, isMedreconError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import type { OpName } from '../../src/ir/ops.js';
import { OP_NAMES } from '../../src/ir/ops.js';
import * as S from '../../src/ir/sym.js';
import type { Sym } from '../../src/ir/sym.js';
import { spec, trace } from '../../src/ir/trace.js';
import { EVAL, evaluate, evaluateRaw, fromRaw, interpret, toRaw } from '../../src/interp/index.js';

function codeOf(f: () => unknown): ErrorCode | 'none' | 'other' {
  try {
    f();
    return 'none';
  } catch (e) {
    return isMedreconError(e) ? e.code : 'other';
  }
}

describe('EVAL table', () => {
  it('has one evaluator per op', () => {
    for (const op of OP_NAMES) expect(typeof EVAL[op as OpName]).toBe('function');
    expect(Object.keys(EVAL).sort()).toEqual([...OP_NAMES].sort());
  });
});

describe('feed validation', () => {
  const t = trace((a: Sym, b: Sym) => S.add(a, S.cast(b, 'float32')), [spec([2, 3]), spec([3], 'int32')]);
  const outs = t.outputs.map((o) => o.node);
  const a = tensor([2, 3], [1, 2, 3, 4, 5, 6]);
  const b = tensor([3], [1, 2, 3], 'int32');

  it('evaluates good feeds', () => {
    const [y] = evaluate(outs, [a, b]);
    expect([...y!.data]).toEqual([2, 4, 6, 5, 7, 9]);
  });
  it('MISSING_INPUT when a needed feed is absent', () => {
    expect(codeOf(() => evaluate(outs, [a]))).toBe('MISSING_INPUT');
    expect(codeOf(() => evaluate(outs, []))).toBe('MISSING_INPUT');
    expect(codeOf(() => evaluateRaw(outs, [toRaw(a)]))).toBe('MISSING_INPUT');
  });
  it('SHAPE_MISMATCH for wrong dims or a wrong data length', () => {
    expect(codeOf(() => evaluate(outs, [tensor([3, 2], [1, 2, 3, 4, 5, 6]), b]))).toBe('SHAPE_MISMATCH');
    expect(codeOf(() => evaluate(outs, [a, tensor([4], [1, 2, 3, 4], 'int32')]))).toBe('SHAPE_MISMATCH');
    const bad = { dtype: 'float32', dims: [2, 3], data: new Float32Array(5) } as HostTensor;
    expect(codeOf(() => evaluate(outs, [bad, b]))).toBe('SHAPE_MISMATCH');
    expect(codeOf(() => evaluateRaw(outs, [{ dims: [2, 3], dtype: 'float32', data: new Float64Array(4) }, toRaw(b)]))).toBe('SHAPE_MISMATCH');
  });
  it('DTYPE_MISMATCH for a wrong dtype', () => {
    expect(codeOf(() => evaluate(outs, [a, tensor([3], [1, 2, 3])]))).toBe('DTYPE_MISMATCH');
  });
  it('extra feeds for inputs the outputs do not use are accepted', () => {
    const t2 = trace((p: Sym, _q: Sym) => S.neg(p), [spec([2]), spec([5])]);
    const [y] = evaluate([t2.outputs[0]!.node], [tensor([2], [1, -2]), tensor([5])]);
    expect([...y!.data]).toEqual([-1, 2]);
  });
});

describe('interpret', () => {
  it('takes and returns trees', () => {
    const out = interpret(
      (p: { w: Sym; b: Sym }, x: Sym) => ({ y: S.add(S.matmul(x, p.w), p.b), n: [S.sum(x)] }),
      [{ w: tensor([2, 1], [1, 2]), b: tensor([1], [0.5]) }, tensor([2, 2], [1, 1, 2, 3])],
    ) as { y: HostTensor; n: HostTensor[] };
    expect([...out.y.dims]).toEqual([2, 1]);
    expect([...out.y.data]).toEqual([3.5, 8.5]);
    expect([...out.n[0]!.data]).toEqual([7]);
  });
  it('computes in float64 and rounds float32 outputs only at the end', () => {
    // x = 1 + 2^-12: x² − 1 = 2^-11 + 2^-24 exactly in float64 (float32 arithmetic would give 2^-11)
    const y = interpret((x: Sym) => S.sub(S.mul(x, x), 1), [tensor([1], [1 + 2 ** -12])]) as HostTensor;
    expect(y.data[0]).toBe(2 ** -11 + 2 ** -24);
  });
  it('outputs never alias feeds and a shared subexpression is computed once per node', () => {
    const x = tensor([3], [1, 2, 3]);
    const rx = toRaw(x);
    const t = trace((a: Sym) => [a, S.reshape(a, [3, 1]), S.stopGradient(a)], [spec([3])]);
    const ys = evaluateRaw(t.outputs.map((o) => o.node), [rx]);
    for (const y of ys) expect(y.data).not.toBe(rx.data);
    ys[0]!.data[0] = 99;
    expect(rx.data[0]).toBe(1);
    expect([...fromRaw(ys[1]!).dims]).toEqual([3, 1]);
  });
});

describe('efficiency', () => {
  it('a small conv net forward (64×64, 8 channels, 3 layers) runs in well under a second', () => {
    const rng = new Rng(1);
    const x = rng.normalTensor([1, 8, 64, 64]);
    const ws = [0, 1, 2].map(() => rng.normalTensor([8, 8, 3, 3], 0, 0.1));
    const t0 = performance.now();
    const y = interpret((v: Sym, w: Sym[]) => w.reduce((h, wi) => S.relu(S.conv(h, wi, { padding: 1 })), v).mean(), [x, ws]) as HostTensor;
    const ms = performance.now() - t0;
    expect(Number.isFinite(y.data[0]!)).toBe(true);
    expect(ms).toBeLessThan(2000); // ~3×19 MFLOP; generous bound for a loaded machine
  });
});
