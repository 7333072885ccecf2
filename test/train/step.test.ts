import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import type { Tree } from '../../src/core/tree.js';
import { valueAndGrad } from '../../src/autodiff/index.js';
import { interpret } from '../../src/interp/index.js';
import { type Sym, matmul } from '../../src/ir/sym.js';
import { spec } from '../../src/ir/trace.js';
import { createRuntime } from '../../src/node/index.js';
import type { RunArg, RuntimeTensor } from '../../src/runtime/index.js';
import { type DncnnParams, dncnn, initDncnn } from '../../src/nn/index.js';
import { adam, loadCheckpoint, makeTrainStep, saveCheckpoint, sgd, specTree, treeToHost } from '../../src/train/index.js';

type Params = { w: HostTensor; b: HostTensor };
type Batch = { x: HostTensor; y: HostTensor };

const loss = (p: Tree<Sym>, batch: Tree<Sym>): Sym => {
  const { w, b } = p as { w: Sym; b: Sym };
  const { x, y } = batch as { x: Sym; y: Sym };
  return matmul(x, w).add(b).sub(y).square().mean();
};

function problem(seed: number): { p0: Params; batch: Batch } {
  const rng = new Rng(seed);
  const x = rng.normalTensor([32, 3]);
  const wTrue = [1.5, -2, 0.5];
  const y = tensor([32], Array.from({ length: 32 }, (_, i) => wTrue.reduce((s, w, j) => s + w * x.data[i * 3 + j]!, 0.3)));
  return { p0: { w: tensor([3]), b: tensor([], [0]) }, batch: { x, y } };
}

describe('makeTrainStep (compiled in ORT)', () => {
  const rt = createRuntime({ threads: 1 });
  const { p0, batch } = problem(1);
  const specs = { params: specTree(p0), batch: specTree(batch) };

  it('one step changes the parameters; a few steps reduce the loss', async () => {
    const ts = makeTrainStep(rt, loss, sgd({ lr: 0.1, momentum: 0.5 }), specs);
    let params: RunArg = p0;
    let state: RunArg = ts.init(p0);
    const losses: number[] = [];
    for (let k = 0; k < 15; k++) {
      const r = await ts.step(params, state, batch);
      if (k === 0) {
        const w1 = ((await treeToHost(r.params)) as Params).w;
        expect(Math.max(...w1.data.map(Math.abs))).toBeGreaterThan(0.05);
      }
      params = r.params;
      state = r.state;
      losses.push((await r.loss.toHost()).data[0]!);
    }
    expect(losses[0]).toBeGreaterThan(1);
    expect(losses[14]!).toBeLessThan(losses[0]! / 20);
    const st = (await treeToHost(state)) as { step: HostTensor };
    expect(st.step.data[0]).toBe(15);
  });

  it('agrees with the interpreter on the same step (adam, lr input)', async () => {
    const opt = adam({ lr: 0.05 });
    const ts = makeTrainStep(rt, loss, opt, specs);
    const s0 = opt.init(p0);
    const r = await ts.step(p0, s0, batch, 0.02);
    const got = (await treeToHost(r.params)) as Params;
    const ref = interpret((p: Tree<Sym>, s: Tree<Sym>, b: Tree<Sym>, lr: Sym) => {
      const [l, g] = valueAndGrad((q: Tree<Sym>) => loss(q, b), 0)(p) as [Sym, Tree<Sym>];
      return { ...opt.update(p, g, s, lr), l };
    }, [p0, s0, batch, tensor([], [0.02])]) as { params: Params; l: HostTensor };
    for (let i = 0; i < 3; i++) expect(got.w.data[i]).toBeCloseTo(ref.params.w.data[i]!, 5);
    expect((await r.loss.toHost()).data[0]).toBeCloseTo(ref.l.data[0]!, 4);
    // the first adam step moves every weight by ≈ lr
    for (let i = 0; i < 3; i++) expect(Math.abs(got.w.data[i]!)).toBeCloseTo(0.02, 4);
  });

  it('a DnCNN adam step in ORT matches the interpreter (conv gradients end to end)', async () => {
    const rng = new Rng(11);
    const p = initDncnn(rng, { channels: 1, width: 3, depth: 3, lastGain: 1 });
    const b = { noisy: rng.normalTensor([2, 1, 7, 6]), clean: rng.normalTensor([2, 1, 7, 6]) };
    const dl = (q: Tree<Sym>, bb: Tree<Sym>): Sym => {
      const { noisy, clean } = bb as { noisy: Sym; clean: Sym };
      return dncnn(q as DncnnParams<Sym>, noisy).sub(clean).square().mean();
    };
    const opt = sgd({ lr: 0.5 });
    const ts = makeTrainStep(rt, dl, opt, { params: specTree(p), batch: specTree(b) });
    const got = (await treeToHost((await ts.step(p, opt.init(p), b)).params)) as DncnnParams<HostTensor>;
    const ref = interpret((q: Tree<Sym>, s: Tree<Sym>, bb: Tree<Sym>) => {
      const [, g] = valueAndGrad((qq: Tree<Sym>) => dl(qq, bb), 0)(q) as [Sym, Tree<Sym>];
      return opt.update(q, g, s).params;
    }, [p, opt.init(p), b]) as DncnnParams<HostTensor>;
    let moved = 0;
    got.layers.forEach((l, i) => {
      l.w.data.forEach((v, j) => {
        expect(v).toBeCloseTo(ref.layers[i]!.w.data[j]!, 4);
        moved = Math.max(moved, Math.abs(v - p.layers[i]!.w.data[j]!));
      });
    });
    expect(moved).toBeGreaterThan(1e-3);
  });

  it('rejects a non-scalar loss', () => {
    expect(() => makeTrainStep(rt, (p) => (p as { w: Sym }).w, sgd({ lr: 1 }), specs)).toThrow(/scalar/);
  });

  it('checkpoint round-trip: resuming gives the same trajectory', async () => {
    const opt = adam({ lr: 0.05 });
    const ts = makeTrainStep(rt, loss, opt, specs);
    const rng = new Rng(7);
    const noisyBatch = (r: Rng): Batch => {
      const n = r.normal(32);
      return { x: batch.x, y: tensor([32], batch.y.data.map((v, i) => v + 0.1 * n[i]!)) };
    };
    let params: RunArg = p0;
    let state: RunArg = opt.init(p0);
    for (let k = 0; k < 3; k++) ({ params, state } = await ts.step(params, state, noisyBatch(rng)));
    const ck = await saveCheckpoint({ params: params as Tree<RuntimeTensor>, state: state as Tree<RuntimeTensor>, optimizer: opt, rng, step: 3, config: { note: 'test' } });
    // continue the original
    let pa = params;
    let sa = state;
    for (let k = 0; k < 2; k++) ({ params: pa, state: sa } = await ts.step(pa, sa, noisyBatch(rng)));
    // resume from the checkpoint
    const back = loadCheckpoint(ck.safetensors, ck.configJson);
    expect(back.step).toBe(3);
    expect(back.config).toEqual({ note: 'test' });
    expect(back.optimizer?.kind).toBe('adam');
    let pb: RunArg = back.params;
    let sb: RunArg = back.state!;
    for (let k = 0; k < 2; k++) ({ params: pb, state: sb } = await ts.step(pb, sb, noisyBatch(back.rng!)));
    const A = (await treeToHost(pa)) as Params;
    const B = (await treeToHost(pb)) as Params;
    expect([...B.w.data]).toEqual([...A.w.data]);
    expect([...B.b.data]).toEqual([...A.b.data]);
  });
});

describe('specTree', () => {
  it('gives shapes and dtypes', () => {
    expect(specTree({ a: tensor([2, 3]), b: [tensor([1], [1], 'int32')] })).toEqual({ a: spec([2, 3]), b: [spec([1], 'int32')] });
  });
});
