import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import type { Tree } from '../../src/core/tree.js';
import { grad } from '../../src/autodiff/index.js';
import { interpret } from '../../src/interp/index.js';
import type { Sym } from '../../src/ir/sym.js';
import {
  type DncnnParams, conv2d, countParams, dncnn, fans, initConv2d, initDncnn, kaimingNormal, kaimingUniform, linear,
  xavierNormal, xavierUniform,
} from '../../src/nn/index.js';

const std = (d: Float32Array) => {
  const m = d.reduce((a, b) => a + b, 0) / d.length;
  return Math.sqrt(d.reduce((a, b) => a + (b - m) ** 2, 0) / d.length);
};

describe('initialisers', () => {
  const rng = new Rng(0);
  it('fans for conv and dense weights', () => {
    expect(fans([8, 4, 3, 3])).toEqual({ fanIn: 36, fanOut: 72 });
    expect(fans([10, 20])).toEqual({ fanIn: 10, fanOut: 20 });
  });
  it('have the documented standard deviations', () => {
    const d = [64, 32, 3, 3];
    expect(std(kaimingNormal(rng, d).data)).toBeCloseTo(Math.sqrt(2 / 288), 2);
    expect(std(kaimingUniform(rng, d).data)).toBeCloseTo(Math.sqrt(2 / 288), 2); // U(−b,b): b/√3
    expect(std(xavierNormal(rng, d).data)).toBeCloseTo(Math.sqrt(2 / (288 + 576)), 2);
    const u = xavierUniform(rng, d).data;
    const b = Math.sqrt(6 / (288 + 576));
    expect(Math.max(...u)).toBeLessThanOrEqual(b);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-b);
  });
  it('are reproducible from the seed', () => {
    expect([...initDncnn(new Rng(5), { channels: 1, width: 4, depth: 3 }).layers[1]!.w.data]).toEqual([
      ...initDncnn(new Rng(5), { channels: 1, width: 4, depth: 3 }).layers[1]!.w.data,
    ]);
  });
});

describe('layers', () => {
  it("conv2d = direct 'same' cross-correlation + bias", () => {
    const rng = new Rng(1);
    const x = rng.normalTensor([2, 2, 5, 6]);
    const p = { w: rng.normalTensor([3, 2, 3, 3]), b: tensor([3], [0.5, -1, 2]) };
    const y = interpret((pp: { w: Sym; b: Sym }, xx: Sym) => conv2d(pp, xx), [p, x]) as HostTensor;
    expect(y.dims).toEqual([2, 3, 5, 6]);
    const X = (n: number, c: number, i: number, j: number) => (i < 0 || j < 0 || i >= 5 || j >= 6 ? 0 : x.data[((n * 2 + c) * 5 + i) * 6 + j]!);
    for (let n = 0; n < 2; n++)
      for (let o = 0; o < 3; o++)
        for (let i = 0; i < 5; i++)
          for (let j = 0; j < 6; j++) {
            let s = p.b.data[o]!;
            for (let c = 0; c < 2; c++) for (let u = 0; u < 3; u++) for (let v = 0; v < 3; v++) s += p.w.data[((o * 2 + c) * 3 + u) * 3 + v]! * X(n, c, i + u - 1, j + v - 1);
            expect(y.data[((n * 3 + o) * 5 + i) * 6 + j]).toBeCloseTo(s, 4);
          }
  });
  it('linear = x @ w + b', () => {
    const y = interpret((p: { w: Sym; b: Sym }, x: Sym) => linear(p, x), [{ w: tensor([2, 1], [2, 3]), b: tensor([1], [1]) }, tensor([1, 2], [1, 1])]) as HostTensor;
    expect([...y.data]).toEqual([6]);
  });
  it('initConv2d without bias', () => {
    expect('b' in initConv2d(new Rng(0), 1, 2, 3, { bias: false })).toBe(false);
  });
});

describe('dncnn', () => {
  it('maps [N,C,H,W] to itself; zero last layer gives the identity', () => {
    const rng = new Rng(2);
    const p = initDncnn(rng, { channels: 1, width: 4, depth: 3 });
    expect(p.layers.map((l) => l.w.dims)).toEqual([[4, 1, 3, 3], [4, 4, 3, 3], [1, 4, 3, 3]]);
    expect(countParams(p)).toBe(4 * 9 + 4 + 16 * 9 + 4 + 4 * 9 + 1);
    const x = rng.normalTensor([2, 1, 6, 6]);
    const y = interpret((pp: DncnnParams<Sym>, xx: Sym) => dncnn(pp, xx), [p, x]) as HostTensor;
    expect(y.dims).toEqual([2, 1, 6, 6]);
    expect(Math.max(...y.data.map((v, i) => Math.abs(v - x.data[i]!)))).toBeGreaterThan(1e-4);
    const last = p.layers[2]!;
    const pz = { layers: [p.layers[0]!, p.layers[1]!, { w: tensor(last.w.dims), b: tensor([1]) }] };
    const yz = interpret((pp: DncnnParams<Sym>, xx: Sym) => dncnn(pp, xx), [pz, x]) as HostTensor;
    expect([...yz.data]).toEqual([...x.data]);
  });
  it('gradients reach every parameter', () => {
    const rng = new Rng(3);
    const p = initDncnn(rng, { channels: 1, width: 3, depth: 3, lastGain: 1 });
    const x = rng.normalTensor([1, 1, 5, 5]);
    const gt = rng.normalTensor([1, 1, 5, 5]);
    const g = interpret(grad((pp: DncnnParams<Sym>, xx: Sym, t: Sym) => dncnn(pp, xx).sub(t).square().mean()), [p, x, gt]) as Tree<HostTensor>;
    const gl = (g as unknown as DncnnParams<HostTensor>).layers;
    for (const l of gl) {
      expect(Math.max(...l.w.data.map(Math.abs))).toBeGreaterThan(0);
      expect('b' in l && Math.max(...l.b.data.map(Math.abs))).toBeGreaterThan(0);
    }
  });
  it('rejects bad configs', () => {
    expect(() => initDncnn(new Rng(0), { channels: 1, width: 4, depth: 1 })).toThrow(/depth/);
    expect(() => initDncnn(new Rng(0), { channels: 1, width: 4, depth: 3, extra: 1 } as never)).toThrow(/UNKNOWN_OPTION/);
  });
});
