/**
 * The computations of the Node/browser agreement test, written once and run on both sides: the
 * page (test/browser/page.ts) runs them on onnxruntime-web ('wasm'), the Node test runs them on
 * onnxruntime-node ('cpu') and compares. Everything here must stay browser-safe (it is bundled for
 * the page and type-checked by tsconfig.web.json): no Node imports.
 *
 * Results are plain JSON-able data: float32 values travel as their uint32 bit patterns where the
 * comparison is bitwise (the Rng draws), as numbers otherwise.
 *
 * @example
 *   const r = await graphCases(createRuntime());   // { outputs: { 'conv.sum': {dims, data}, ... } }
 */
import { valueAndGrad } from '../../src/autodiff/index.js';
import { Rng } from '../../src/core/rng.js';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import { type Tree, flattenTree } from '../../src/core/tree.js';
import { type Sym, add, conv, dft, gather, max, mean, mul, relu, reshape, spec, sub, sum } from '../../src/ir/index.js';
import { type DncnnParams, dncnn, initDncnn } from '../../src/nn/models/dncnn.js';
import type { Runtime, RuntimeTensor } from '../../src/runtime/index.js';
import { adam, makeTrainStep, specTree } from '../../src/train/index.js';

/** float32 values → their IEEE bit patterns (exact transport, −0 and NaN payloads included). */
export function bitsOf(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

export interface RngDraws {
  /** bits of `new Rng(42).normal(1000)`, then `.uniform(1000)` from the same generator. */
  readonly normal: number[];
  readonly uniform: number[];
  /** `.permutation(100)`, continuing the same generator. */
  readonly permutation: number[];
  /** bits of `new Rng(42).fork(3).normal(100)`. */
  readonly forkNormal: number[];
}

export function rngDraws(): RngDraws {
  const rng = new Rng(42);
  const normal = bitsOf(rng.normal(1000));
  const uniform = bitsOf(rng.uniform(1000));
  const permutation = Array.from(rng.permutation(100));
  const forkNormal = bitsOf(new Rng(42).fork(3).normal(100));
  return { normal, uniform, permutation, forkNormal };
}

export interface PlainTensor {
  readonly dims: number[];
  readonly data: number[];
}

/** Flatten an output tree of host tensors into `prefix.path → {dims, data}`. */
function plain(prefix: string, t: Tree<HostTensor>, into: Record<string, PlainTensor>): void {
  const { leaves, paths } = flattenTree(t, (x): x is HostTensor => typeof x === 'object' && x !== null && 'data' in x && 'dims' in x);
  leaves.forEach((l, i) => {
    into[paths[i] ? `${prefix}.${paths[i]}` : prefix] = { dims: [...l.dims], data: Array.from(l.data) };
  });
}

/**
 * conv 2D (padding 1) → relu → view as complex → DFT along the height axis → gather along the
 * width axis → reductions. x [1,2,8,8], w [4,2,3,3], idx [3] (int32).
 */
export function convDftGraph(x: Sym, w: Sym, idx: Sym): Record<string, Sym> {
  const h = relu(conv(x, w, { padding: 1 })); // [1,4,8,8]
  const c = reshape(h, [1, 4, 8, 4, 2]); // complex (re, im) pairs along the width
  const f = dft(c, 2); // DFT along the height: [1,4,8,4,2]
  const g = gather(f, idx, 3); // [1,4,8,3,2]
  return { relu: h, sum: sum(g, [1]), max: max(f, [2, 3]), mean: mean(g) };
}

type ConvParams = { w: Sym; b: Sym };
/** MSE of a one-layer conv model: mean((conv(x, w, pad 1) + b − t)²). */
export function convMse(p: ConvParams, x: Sym, t: Sym): Sym {
  const d = sub(add(conv(x, p.w, { padding: 1 }), p.b), t);
  return mean(mul(d, d));
}

export interface GraphResults {
  readonly outputs: Record<string, PlainTensor>;
  /** The same conv/DFT graph fed twice without awaiting in between (checks the run queue). */
  readonly concurrentEqual: boolean;
}

/** Compile and run the conv/DFT graph (both DFT lowerings) and the conv-MSE value-and-gradient. */
export async function graphCases(rt: Runtime): Promise<GraphResults> {
  const rng = new Rng(7);
  const x = rng.normalTensor([1, 2, 8, 8]);
  const w = rng.normalTensor([4, 2, 3, 3], 0, 0.3);
  const idx = tensor([3], [3, 0, 2], 'int32');
  const specs = [spec([1, 2, 8, 8]), spec([4, 2, 3, 3]), spec([3], 'int32')];
  const outputs: Record<string, PlainTensor> = {};

  const fExpand = rt.compile(convDftGraph, specs);
  plain('expand', await fExpand.runHost(x, w, idx), outputs);
  const fOnnx = rt.compile(convDftGraph, specs, { dft: 'onnx' });
  plain('onnx', await fOnnx.runHost(x, w, idx), outputs);

  const x2 = rng.normalTensor([1, 2, 8, 8]);
  const [a, b] = await Promise.all([fExpand.runHost(x, w, idx), fExpand.runHost(x2, w, idx)]);
  const [a1, b1] = [await fExpand.runHost(x, w, idx), await fExpand.runHost(x2, w, idx)];
  const same = (u: Tree<HostTensor>, v: Tree<HostTensor>) => {
    const lu = flattenTree(u, (q): q is HostTensor => typeof q === 'object' && q !== null && 'data' in q).leaves;
    const lv = flattenTree(v, (q): q is HostTensor => typeof q === 'object' && q !== null && 'data' in q).leaves;
    return lu.length === lv.length && lu.every((t, i) => t.data.length === lv[i]!.data.length && t.data.every((e, j) => Object.is(e, lv[i]!.data[j])));
  };
  const concurrentEqual = same(a, a1) && same(b, b1) && !same(a, b);

  const p = { w: rng.normalTensor([2, 1, 3, 3], 0, 0.5), b: rng.normalTensor([1, 2, 1, 1], 0, 0.1) };
  const xin = rng.normalTensor([2, 1, 6, 6]);
  const target = rng.normalTensor([2, 2, 6, 6]);
  const vg = rt.compile(valueAndGrad(convMse, 0), [{ w: spec([2, 1, 3, 3]), b: spec([1, 2, 1, 1]) }, spec([2, 1, 6, 6]), spec([2, 2, 6, 6])]);
  plain('mseGrad', await vg.runHost(p, xin, target), outputs);
  return { outputs, concurrentEqual };
}

/** Adam steps of a tiny DnCNN (1 → 8 → 8 → 1 channels, 3 layers) on 2 noisy 16×16 images. */
export async function trainCase(rt: Runtime, steps = 5): Promise<number[]> {
  const rng = new Rng(11);
  const params = initDncnn(rng.fork(0), { channels: 1, width: 8, depth: 3 });
  const clean = rng.fork(1).uniformTensor([2, 1, 16, 16]);
  const noise = rng.fork(2).normal(2 * 16 * 16, 0, 0.2);
  const noisy = tensor([2, 1, 16, 16], clean.data.map((v, i) => v + noise[i]!));
  const loss = (p: Tree<Sym>, batch: Tree<Sym>) => {
    const bt = batch as { noisy: Sym; clean: Sym };
    const d = sub(dncnn(p as DncnnParams<Sym>, bt.noisy), bt.clean);
    return mean(mul(d, d));
  };
  const opt = adam({ lr: 1e-2 });
  const ts = makeTrainStep(rt, loss, opt, { params: specTree(params), batch: { noisy: spec([2, 1, 16, 16]), clean: spec([2, 1, 16, 16]) } });
  let p: Tree<HostTensor | RuntimeTensor> = params;
  let s: Tree<HostTensor | RuntimeTensor> = ts.init(params);
  const batch = { noisy, clean };
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const r = await ts.step(p, s, batch);
    losses.push((await r.loss.toHost()).data[0]!);
    r.loss.dispose();
    p = r.params;
    s = r.state;
  }
  return losses;
}

/** What the page posts on `window.__results`. */
export interface PageResults {
  readonly devices: string[];
  readonly cudaError: string | null;
  readonly rng: RngDraws;
  readonly graph: GraphResults;
  readonly losses: number[];
  readonly timings: Record<string, number>;
}
