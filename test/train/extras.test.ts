import { describe, expect, it } from 'vitest';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import type { Tree } from '../../src/core/tree.js';
import { interpret } from '../../src/interp/index.js';
import type { Sym } from '../../src/ir/sym.js';
import { spec } from '../../src/ir/trace.js';
import { createRuntime } from '../../src/node/index.js';
import { Rng } from '../../src/core/rng.js';
import { mul, sum } from '../../src/ir/sym.js';
import { type DrunetParams, drunet, initDrunet } from '../../src/nn/models/drunet.js';
import type { RunArg } from '../../src/runtime/index.js';
import { clipByGlobalNorm, globalNorm, withClipping } from '../../src/train/clip.js';
import { emaDecay, emaUpdate, withEma } from '../../src/train/ema.js';
import { adam, makeTrainStep, sgd, specTree, treeToHost } from '../../src/train/index.js';
import { linearWarmup, warmupCosine } from '../../src/train/schedule.js';

type G = { a: HostTensor; b: { c: HostTensor } };
const grads: G = { a: tensor([2], [3, 4]), b: { c: tensor([1, 1], [12]) } }; // global norm 13

describe('gradient clipping by global norm', () => {
  const clip = (m: number) => interpret(((g: Tree<Sym>) => clipByGlobalNorm(g, m)) as never, [grads] as never) as unknown as { grads: G; norm: HostTensor };
  it('norm = √(3² + 4² + 12²) = 13; scales by maxNorm/13 when above, leaves it alone when below', () => {
    const r = clip(6.5);
    expect(r.norm.data[0]).toBeCloseTo(13, 5);
    expect(Array.from(r.grads.a.data)).toEqual([expect.closeTo(1.5, 5), expect.closeTo(2, 5)]);
    expect(r.grads.b.c.data[0]).toBeCloseTo(6, 5);
    expect(r.grads.b.c.dims).toEqual([1, 1]);
    const s = clip(20);
    expect(Array.from(s.grads.a.data)).toEqual([3, 4]);
    expect(s.grads.b.c.data[0]).toBe(12);
  });
  it('runs compiled on ONNX Runtime with maxNorm as an input', async () => {
    const rt = createRuntime({ threads: 1 });
    const f = rt.compile((g: Tree<Sym>, m: Sym) => clipByGlobalNorm(g, m), [{ a: spec([2]), b: { c: spec([1, 1]) } }, spec([])]);
    const r = (await f.runHost(grads as Tree<HostTensor>, tensor([], [2.6]))) as unknown as { grads: G; norm: HostTensor };
    expect(r.norm.data[0]).toBeCloseTo(13, 5);
    expect(r.grads.a.data[1]).toBeCloseTo(0.8, 5);
  });
  it('validates', () => {
    expect(() => interpret(((g: Tree<Sym>) => clipByGlobalNorm(g, 0)) as never, [grads] as never)).toThrow(/maxNorm/);
    expect(() => interpret(((g: Tree<Sym>) => globalNorm(g)) as never, [{}] as never)).toThrow(/no leaves/);
  });
});

describe('EMA of a parameter tree', () => {
  it('e ← d e + (1 − d) p, with d a number or a scalar input', () => {
    const e = { w: tensor([2], [1, 2]), v: [tensor([], [10])] };
    const p = { w: tensor([2], [3, 6]), v: [tensor([], [0])] };
    type T = { w: HostTensor; v: HostTensor[] };
    const r = interpret(((a: Tree<Sym>, b: Tree<Sym>) => emaUpdate(a, b, 0.75)) as never, [e, p] as never) as unknown as T;
    expect(Array.from(r.w.data)).toEqual([1.5, 3]);
    expect(r.v[0]!.data[0]).toBe(7.5);
    const s = interpret(((a: Tree<Sym>, b: Tree<Sym>, d: Sym) => emaUpdate(a, b, d)) as never, [e, p, tensor([], [0.5])] as never) as unknown as T;
    expect(Array.from(s.w.data)).toEqual([2, 4]);
    expect(s.v[0]!.data[0]).toBe(5);
    expect(() => interpret(((a: Tree<Sym>, b: Tree<Sym>) => emaUpdate(a, b, 1.5)) as never, [e, p] as never)).toThrow(/decay/);
    expect(() => interpret(((a: Tree<Sym>, b: Tree<Sym>) => emaUpdate(a, b, 0.5)) as never, [e, { w: p.w }] as never)).toThrow(/structure/);
  });
  it('decay warm-up min(d, (1 + k)/(10 + k))', () => {
    expect(emaDecay(0, 0.999)).toBeCloseTo(0.1, 12);
    expect(emaDecay(10, 0.999)).toBeCloseTo(11 / 20, 12);
    expect(emaDecay(1e6, 0.999)).toBe(0.999);
  });
});

describe('learning-rate schedules', () => {
  it('linear warm-up then cosine decay (hand-computed)', () => {
    const lr = warmupCosine({ baseLr: 1, warmupSteps: 4, totalSteps: 12 });
    expect([0, 1, 2, 3].map(lr)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(lr(4)).toBe(1);
    expect(lr(6)).toBeCloseTo(0.5 * (1 + Math.SQRT1_2), 12); // cos(π/4)
    expect(lr(8)).toBeCloseTo(0.5, 12);
    expect(lr(12)).toBe(0);
    expect(lr(100)).toBe(0);
    const m = warmupCosine({ baseLr: 1e-3, totalSteps: 10, minLr: 1e-4 });
    expect(m(0)).toBeCloseTo(1e-3, 15);
    expect(m(5)).toBeCloseTo(1e-4 + 0.5 * 9e-4, 15);
    expect(m(10)).toBe(1e-4);
    for (let k = 1; k < 10; k++) expect(m(k)).toBeLessThan(m(k - 1));
  });
  it('linear warm-up and validation', () => {
    const w = linearWarmup(1e-3, 10);
    expect(w(4)).toBeCloseTo(5e-4, 15);
    expect(w(50)).toBe(1e-3);
    expect(() => warmupCosine({ baseLr: 1, warmupSteps: 5, totalSteps: 5 })).toThrow(/totalSteps/);
    expect(() => warmupCosine({ baseLr: 1, totalSteps: 5, minLr: 2 })).toThrow(/minLr/);
    expect(() => warmupCosine({ baseLr: 1, totalSteps: 5 })(-1)).toThrow(/step/);
  });
});

describe('in makeTrainStep: withClipping, withEma, LR schedule', () => {
  const rt = createRuntime({ threads: 1 });
  it('a clipped SGD step moves p by −lr·g·maxNorm/‖g‖ (hand-computed), and the EMA follows', async () => {
    // loss = Σ p·w  ⇒  g = w = [3, 4], ‖g‖ = 5; maxNorm 1 ⇒ step −lr·[0.6, 0.8]
    const p0 = { p: tensor([2], [1, 1]) };
    const batch = { w: tensor([2], [3, 4]) };
    const lossFn = (p: Tree<Sym>, b: Tree<Sym>) => sum(mul((p as { p: Sym }).p, (b as { w: Sym }).w));
    const opt = withEma(withClipping(sgd({ lr: 0.5 }), 1), 0.9);
    const ts = makeTrainStep(rt, lossFn, opt, { params: specTree(p0), batch: specTree(batch) });
    const r = await ts.step(p0, ts.init(p0), batch);
    const p1 = ((await treeToHost(r.params)) as { p: HostTensor }).p;
    expect(Array.from(p1.data)).toEqual([expect.closeTo(0.7, 5), expect.closeTo(0.6, 5)]);
    const st = (await treeToHost(r.state)) as { ema: { p: HostTensor } };
    // ema = 0.9·1 + 0.1·p1
    expect(Array.from(st.ema.p.data)).toEqual([expect.closeTo(0.97, 5), expect.closeTo(0.96, 5)]);
    expect((await r.loss.toHost()).data[0]).toBeCloseTo(7, 5);
  });
  it('a tiny DRUNet denoiser trains: loss falls over a few Adam steps with warm-up + cosine LR', async () => {
    const rng = new Rng(9);
    const p0 = initDrunet(rng, { channels: 1, widths: [4, 8], blocksPerLevel: 1 });
    const clean = rng.uniformTensor([2, 1, 8, 8]);
    const noise = rng.normalTensor([2, 1, 8, 8], 0, 0.1);
    const noisy = tensor([2, 1, 8, 8], clean.data.map((v, i) => v + noise.data[i]!));
    const batch = { clean, noisy, sigma: tensor([2], [0.1, 0.1]) };
    const lossFn = (p: Tree<Sym>, b: Tree<Sym>) => {
      const q = b as { clean: Sym; noisy: Sym; sigma: Sym };
      return drunet(p as DrunetParams<Sym>, q.noisy, q.sigma).sub(q.clean).square().mean();
    };
    const ts = makeTrainStep(rt, lossFn, withEma(withClipping(adam({ lr: 1e-2 }), 1), 0.5), { params: specTree(p0), batch: specTree(batch) });
    const lr = warmupCosine({ baseLr: 1e-2, warmupSteps: 2, totalSteps: 12 });
    let params: RunArg = p0;
    let state: RunArg = ts.init(p0);
    const losses: number[] = [];
    for (let k = 0; k < 12; k++) {
      const r = await ts.step(params, state, batch, lr(k));
      params = r.params;
      state = r.state;
      losses.push((await r.loss.toHost()).data[0]!);
    }
    expect(losses[11]!).toBeLessThan(0.5 * losses[0]!);
  });
});
