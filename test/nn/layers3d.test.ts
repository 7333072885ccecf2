import { describe, expect, it } from 'vitest';
import { grad } from '../../src/autodiff/index.js';
import { Rng } from '../../src/core/rng.js';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import { type Tree, flattenTree } from '../../src/core/tree.js';
import { createInterpExecutor, evaluateRaw, toRaw } from '../../src/interp/index.js';
import { withNodeScope } from '../../src/ir/node.js';
import { type Sym, constant, mul, sum } from '../../src/ir/sym.js';
import { type SymFn, type TensorSpec, spec, specOf, trace } from '../../src/ir/trace.js';
import { initNorm } from '../../src/nn/layers.js';
import {
  type Conv3dParams, type ResBlock3dOptions, type ResBlock3dParams, avgPool3d, conv3d, convTranspose3d, downsampleNearest3d, downsampleTrilinear3d, film3d,
  groupNorm3d, initConv3d, initConvTranspose3d, initFilm3d, initResBlock3d, instanceNorm3d, pixelShuffle3d, pixelUnshuffle3d, resBlock3d, resizeTrilinear,
  upsampleNearest3d, upsampleTrilinear3d,
} from '../../src/nn/layers3d.js';
import { type Dncnn3dParams, dncnn3d, initDncnn3d } from '../../src/nn/models/dncnn3d.js';
import { createRuntime } from '../../src/node/index.js';
import { isHostTensor } from '../../src/runtime/index.js';
import { checkProbes, specTree } from './models/helpers.js';

const shapeOf = (fn: SymFn, specs: readonly Tree<TensorSpec>[]): number[] =>
  withNodeScope(() => [...trace(fn, specs).outputs[0]!.shape]);

/** Direct 3-D cross-correlation, PyTorch semantics, pads [bd, bh, bw] on both sides. */
function directConv3d(x: HostTensor, w: HostTensor, s: number[], p: number[], dl: number[], g: number): { dims: number[]; data: Float64Array } {
  const [N, C, D, H, W] = x.dims as number[] as [number, number, number, number, number];
  const [O, Cg, kd, kh, kw] = w.dims as number[] as [number, number, number, number, number];
  const k = [kd, kh, kw];
  const inSp = [D, H, W];
  const o = inSp.map((n, i) => Math.floor((n + 2 * p[i]! - dl[i]! * (k[i]! - 1) - 1) / s[i]!) + 1) as [number, number, number];
  const y = new Float64Array(N * O * o[0] * o[1] * o[2]);
  const Og = O / g;
  let q = 0;
  for (let n = 0; n < N; n++) for (let oc = 0; oc < O; oc++) for (let a = 0; a < o[0]; a++) for (let b = 0; b < o[1]; b++) for (let c = 0; c < o[2]; c++) {
    let acc = 0;
    const grp = Math.floor(oc / Og);
    for (let ci = 0; ci < Cg; ci++) for (let i = 0; i < kd; i++) for (let j = 0; j < kh; j++) for (let l = 0; l < kw; l++) {
      const z = a * s[0]! + i * dl[0]! - p[0]!;
      const u = b * s[1]! + j * dl[1]! - p[1]!;
      const v = c * s[2]! + l * dl[2]! - p[2]!;
      if (z < 0 || z >= D || u < 0 || u >= H || v < 0 || v >= W) continue;
      const cin = grp * Cg + ci;
      acc += x.data[(((n * C + cin) * D + z) * H + u) * W + v]! * w.data[((((oc * Cg + ci) * kd + i) * kh + j) * kw) + l]!;
    }
    y[q++] = acc;
  }
  return { dims: [N, O, ...o], data: y };
}

/** Direct transposed 3-D convolution (scatter form), no padding, groups 1: w [C, O, k...]. */
function directConvT3d(x: HostTensor, w: HostTensor, s: number): { dims: number[]; data: Float64Array } {
  const [N, C, D, H, W] = x.dims as number[] as [number, number, number, number, number];
  const [, O, kd, kh, kw] = w.dims as number[] as [number, number, number, number, number];
  const o = [(D - 1) * s + kd, (H - 1) * s + kh, (W - 1) * s + kw] as [number, number, number];
  const y = new Float64Array(N * O * o[0] * o[1] * o[2]);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let a = 0; a < D; a++) for (let b = 0; b < H; b++) for (let e = 0; e < W; e++) {
    const xv = x.data[(((n * C + c) * D + a) * H + b) * W + e]!;
    for (let oc = 0; oc < O; oc++) for (let i = 0; i < kd; i++) for (let j = 0; j < kh; j++) for (let l = 0; l < kw; l++) {
      y[(((n * O + oc) * o[0] + a * s + i) * o[1] + b * s + j) * o[2] + e * s + l]! += xv * w.data[((((c * O + oc) * kd + i) * kh + j) * kw) + l]!;
    }
  }
  return { dims: [N, O, ...o], data: y };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};
const maxAbs = (a: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};

describe('3-D layers: output shapes', () => {
  const p = (i: number, o: number, k = 3, g = 1) => specTree(initConv3d(new Rng(0), i, o, k, { groups: g }));
  it.each([[1, [4, 6, 8]], [3, [5, 7, 9]], [2, [2, 2, 2]]] as const)('batch %i, volume %j', (N, [D, H, W]) => {
    const x = spec([N, 4, D, H, W]);
    expect(shapeOf((q: Conv3dParams<Sym>, v: Sym) => conv3d(q, v), [p(4, 6), x])).toEqual([N, 6, D, H, W]);
    expect(shapeOf((q: Conv3dParams<Sym>, v: Sym) => conv3d(q, v, { stride: 2, padding: 1 }), [p(4, 6), x]))
      .toEqual([N, 6, Math.ceil(D / 2), Math.ceil(H / 2), Math.ceil(W / 2)]);
    expect(shapeOf((q: Conv3dParams<Sym>, v: Sym) => conv3d(q, v, { dilation: 2, groups: 2 }), [p(4, 2, 3, 2), x])).toEqual([N, 2, D, H, W]);
    expect(shapeOf((q: Conv3dParams<Sym>, v: Sym) => conv3d(q, v, { padding: 0 }), [p(4, 2, 1), x])).toEqual([N, 2, D, H, W]);
    expect(shapeOf((q: Conv3dParams<Sym>, v: Sym) => convTranspose3d(q, v), [specTree(initConvTranspose3d(new Rng(1), 4, 3)), x])).toEqual([N, 3, 2 * D, 2 * H, 2 * W]);
    expect(shapeOf((v: Sym) => avgPool3d(v), [x])).toEqual([N, 4, D >> 1, H >> 1, W >> 1]);
    expect(shapeOf((v: Sym) => upsampleNearest3d(v), [x])).toEqual([N, 4, 2 * D, 2 * H, 2 * W]);
    expect(shapeOf((v: Sym) => upsampleTrilinear3d(v), [x])).toEqual([N, 4, 2 * D, 2 * H, 2 * W]);
    expect(shapeOf((v: Sym) => downsampleNearest3d(v), [x])).toEqual([N, 4, D >> 1, H >> 1, W >> 1]);
    expect(shapeOf((v: Sym) => downsampleTrilinear3d(v), [x])).toEqual([N, 4, D >> 1, H >> 1, W >> 1]);
    expect(shapeOf((v: Sym) => resizeTrilinear(v, [3, 5, 7]), [x])).toEqual([N, 4, 3, 5, 7]);
    const rb = specTree(initResBlock3d(new Rng(2), 4, 8, { tembDim: 5 }));
    expect(shapeOf((q: ResBlock3dParams<Sym>, v: Sym, t: Sym) => resBlock3d(q, v, t), [rb, x, spec([N, 5])])).toEqual([N, 8, D, H, W]);
    const dn = specTree(initDncnn3d(new Rng(3), { channels: 4, width: 6, depth: 3 }));
    expect(shapeOf((q: Dncnn3dParams<Sym>, v: Sym) => dncnn3d(q, v), [dn, x])).toEqual([N, 4, D, H, W]);
    if (D % 2 === 0 && H % 2 === 0 && W % 2 === 0) {
      expect(shapeOf((v: Sym) => pixelUnshuffle3d(v), [x])).toEqual([N, 32, D / 2, H / 2, W / 2]);
    }
    expect(shapeOf((v: Sym) => pixelShuffle3d(v), [spec([N, 16, D, H, W])])).toEqual([N, 2, 2 * D, 2 * H, 2 * W]);
  });
  it('rejects 4-D inputs and mismatched σ usage', () => {
    const x = spec([1, 4, 8, 8]);
    expect(() => shapeOf((q: Conv3dParams<Sym>, v: Sym) => conv3d(q, v), [p(4, 2), x])).toThrow(/volume/);
    expect(() => shapeOf((v: Sym) => upsampleTrilinear3d(v), [x])).toThrow(/volume/);
    expect(() => shapeOf((v: Sym) => pixelUnshuffle3d(v), [spec([1, 1, 3, 4, 4])])).toThrow(/divisible/);
    const dn = specTree(initDncnn3d(new Rng(3), { channels: 1, width: 4, depth: 2, sigmaInput: true }));
    expect(() => shapeOf((q: Dncnn3dParams<Sym>, v: Sym) => dncnn3d(q, v), [dn, spec([1, 1, 4, 4, 4])])).toThrow(/sigma/);
    const rb = specTree(initResBlock3d(new Rng(2), 4, 4, { tembDim: 5 }));
    expect(() => shapeOf((q: ResBlock3dParams<Sym>, v: Sym) => resBlock3d(q, v), [rb, spec([1, 4, 4, 4, 4])])).toThrow(/temb/);
  });
});

describe('3-D layers: exact semantics (interpreter)', () => {
  const ex = createInterpExecutor();
  const rng = new Rng(21);
  it.each([
    ['same padding', [1, 1, 1], [1, 1, 1], [1, 1, 1], 1],
    ['stride 2, pad 1', [2, 2, 2], [1, 1, 1], [1, 1, 1], 1],
    ['dilation 2, groups 2, mixed stride', [1, 2, 1], [2, 0, 1], [2, 1, 1], 2],
  ] as const)('conv3d equals a direct 3-D convolution (%s)', async (_n, s, pd, dl, g) => {
    const x = rng.normalTensor([2, 4, 5, 6, 7]);
    const w = rng.normalTensor([6, 4 / g, 3, 3, 3]);
    const b = rng.normalTensor([6]);
    const ref = directConv3d(x, w, [...s], [...pd], [...dl], g);
    const f = ex.compile((q: Conv3dParams<Sym>, v: Sym) => conv3d(q, v, { stride: [...s], padding: [...pd], dilation: [...dl], groups: g }), [specTree({ w, b }), specOf(x)]);
    const y = (await f.runHost({ w, b }, x)) as HostTensor;
    expect(y.dims).toEqual(ref.dims);
    const per = ref.data.length / 12; // 2 batches × 6 channels
    const withBias = ref.data.map((v, i) => v + b.data[Math.floor(i / per) % 6]!);
    expect(maxAbsDiff(y.data, withBias)).toBeLessThan(1e-5 * Math.max(1, maxAbs(withBias)));
  });
  it('convTranspose3d (kernel 3, stride 2) equals a direct scatter', async () => {
    const x = rng.normalTensor([1, 3, 2, 3, 4]);
    const w = rng.normalTensor([3, 2, 3, 3, 3]);
    const ref = directConvT3d(x, w, 2);
    const f = ex.compile((q: Conv3dParams<Sym>, v: Sym) => convTranspose3d(q, v), [specTree({ w }), specOf(x)]);
    const y = (await f.runHost({ w }, x)) as HostTensor;
    expect(y.dims).toEqual(ref.dims);
    expect(maxAbsDiff(y.data, ref.data)).toBeLessThan(1e-5 * Math.max(1, maxAbs(ref.data)));
  });
  it('trilinear ×2 of a linear ramp is exact in the interior (align_corners false) and everywhere (true)', async () => {
    const [D, H, W] = [3, 4, 5];
    const ramp = (d: number, h: number, w: number) => 0.5 * d - 0.25 * h + 0.125 * w + 1;
    const x = tensor([1, 1, D, H, W], Array.from({ length: D * H * W }, (_, i) => ramp(Math.floor(i / (H * W)), Math.floor(i / W) % H, i % W)));
    for (const ac of [false, true]) {
      const y = (await ex.compile((v: Sym) => upsampleTrilinear3d(v, 2, { alignCorners: ac }), [specOf(x)]).runHost(x)) as HostTensor;
      expect(y.dims).toEqual([1, 1, 2 * D, 2 * H, 2 * W]);
      const src = (o: number, n: number) => (ac ? (o * (n - 1)) / (2 * n - 1) : (o + 0.5) / 2 - 0.5);
      let checked = 0;
      for (let a = 0; a < 2 * D; a++) for (let b = 0; b < 2 * H; b++) for (let c = 0; c < 2 * W; c++) {
        const interior = [[a, D], [b, H], [c, W]].every(([o, n]) => ac || (o! >= 1 && o! <= 2 * n! - 2));
        if (!interior) continue;
        expect(y.data[(a * 2 * H + b) * 2 * W + c]).toBeCloseTo(ramp(src(a, D), src(b, H), src(c, W)), 5);
        checked++;
      }
      expect(checked).toBe(ac ? 8 * D * H * W : (2 * D - 2) * (2 * H - 2) * (2 * W - 2));
      // the clamped border is not the ramp's extrapolation (so the interior restriction is real)
      if (!ac) expect(Math.abs(y.data[0]! - ramp(-0.25, -0.25, -0.25))).toBeGreaterThan(1e-3);
    }
  });
  it('×½ resampling: trilinear = 2×2×2 mean = avgPool3d; nearest keeps even voxels; nearest ×2 repeats', async () => {
    const x = rng.normalTensor([2, 3, 4, 6, 2]);
    const run = async (fn: (v: Sym) => Sym) => (await ex.compile(fn, [specOf(x)]).runHost(x)) as HostTensor;
    const tri = await run((v) => downsampleTrilinear3d(v));
    const avg = await run((v) => avgPool3d(v));
    expect(maxAbsDiff(tri.data, avg.data)).toBeLessThan(1e-6);
    const at = (d: number, h: number, w: number, nc: number) => x.data[((nc * 4 + d) * 6 + h) * 2 + w]!;
    let m = 0;
    for (let nc = 0; nc < 6; nc++) for (let d = 0; d < 2; d++) for (let h = 0; h < 3; h++) {
      let s = 0;
      for (let i = 0; i < 8; i++) s += at(2 * d + (i >> 2), 2 * h + ((i >> 1) & 1), i & 1, nc);
      m = Math.max(m, Math.abs(avg.data[(nc * 2 + d) * 3 + h]! - s / 8));
    }
    expect(m).toBeLessThan(1e-6);
    const nd = await run((v) => downsampleNearest3d(v));
    expect(nd.dims).toEqual([2, 3, 2, 3, 1]);
    for (let nc = 0; nc < 6; nc++) for (let d = 0; d < 2; d++) for (let h = 0; h < 3; h++) expect(nd.data[(nc * 2 + d) * 3 + h]).toBe(at(2 * d, 2 * h, 0, nc));
    const nu = await run((v) => upsampleNearest3d(v));
    for (let i = 0; i < nu.data.length; i += 37) {
      const w = i % 4; const h = Math.floor(i / 4) % 12; const d = Math.floor(i / 48) % 8; const nc = Math.floor(i / 384);
      expect(nu.data[i]).toBe(at(d >> 1, h >> 1, w >> 1, nc));
    }
  });
  it('pixelUnshuffle3d channel order (c p1 p2 p3) and pixelShuffle3d inverts it', async () => {
    const x = tensor([1, 2, 2, 2, 2], Array.from({ length: 16 }, (_, i) => i));
    const u = (await ex.compile((v: Sym) => pixelUnshuffle3d(v), [specOf(x)]).runHost(x)) as HostTensor;
    expect(u.dims).toEqual([1, 16, 1, 1, 1]);
    expect([...u.data]).toEqual([...x.data]); // one 2×2×2 block per channel: (c, i, j, k) order = memory order
    const y = rng.normalTensor([2, 3, 4, 2, 6]);
    const back = (await ex.compile((v: Sym) => pixelShuffle3d(pixelUnshuffle3d(v)), [specOf(y)]).runHost(y)) as HostTensor;
    expect([...back.data]).toEqual([...y.data]);
    const u2 = (await ex.compile((v: Sym) => pixelUnshuffle3d(v), [specOf(y)]).runHost(y)) as HostTensor;
    // channel (c·2 + i)·4 + j·2 + k at (d, h, w) = y[c, 2d+i, 2h+j, 2w+k]
    const [c, i, j, k, d, h, w] = [2, 1, 0, 1, 1, 0, 2];
    expect(u2.data[((((1 * 24 + (c * 2 + i) * 4 + j * 2 + k) * 2 + d) * 1 + h) * 3) + w]).toBe(y.data[(((1 * 3 + c) * 4 + 2 * d + i) * 2 + 2 * h + j) * 6 + 2 * w + k]);
  });
  it('FiLM on volumes: x·(1 + scale) + shift per (n, c); instance norm zero mean, unit variance per (n, c)', async () => {
    const x = rng.normalTensor([2, 2, 2, 3, 2]);
    const p = { w: tensor([1, 4], [1, 2, 3, 4]), b: tensor([4], [0, 0, 0, 0]) };
    const te = tensor([2, 1], [1, -1]);
    const y = (await ex.compile((q: { w: Sym; b: Sym }, v: Sym, t: Sym) => film3d(q, v, t), [specTree(p), specOf(x), specOf(te)]).runHost(p, x, te)) as HostTensor;
    const silu = (v: number) => v / (1 + Math.exp(-v));
    for (let i = 0; i < x.data.length; i++) {
      const n = Math.floor(i / 24); const c = Math.floor(i / 12) % 2; const s = silu(te.data[n]!);
      expect(y.data[i]).toBeCloseTo(x.data[i]! * (1 + (c + 1) * s) + (c + 3) * s, 5);
    }
    const z = (await ex.compile((v: Sym) => instanceNorm3d(v), [specOf(x)]).runHost(x)) as HostTensor;
    for (let nc = 0; nc < 4; nc++) {
      const seg = [...z.data.slice(nc * 12, nc * 12 + 12)];
      const mu = seg.reduce((a, v) => a + v, 0) / 12;
      expect(mu).toBeCloseTo(0, 5);
      expect(seg.reduce((a, v) => a + (v - mu) ** 2, 0) / 12).toBeCloseTo(1, 3);
    }
  });
});

describe('3-D layers: ONNX Runtime = float64 interpreter', () => {
  const rt = createRuntime({ threads: 1 });
  const ex = createInterpExecutor();
  const rng = new Rng(5);
  const x = rng.normalTensor([2, 4, 4, 6, 5]);
  const temb = rng.normalTensor([2, 3]);
  const conv = initConv3d(rng.fork(1), 4, 6, 3);
  (conv as { b: HostTensor }).b.data.set([0.1, -0.2, 0.3, 0, 0.5, -0.4]);
  const convG = initConv3d(rng.fork(2), 4, 4, 3, { groups: 2 });
  const convT = initConvTranspose3d(rng.fork(3), 4, 3);
  const convT3 = initConvTranspose3d(rng.fork(4), 4, 2, 3);
  const norm = { g: rng.normalTensor([4], 1, 0.2), b: rng.normalTensor([4], 0, 0.2) };
  const filmP = { w: rng.normalTensor([3, 8], 0, 0.5), b: rng.normalTensor([8], 0, 0.1) };
  const rb = initResBlock3d(rng.fork(5), 4, 8, { tembDim: 3 });
  (rb.film!.w as HostTensor).data.set(rng.normalTensor([3, 16], 0, 0.5).data);
  const rbI = initResBlock3d(rng.fork(6), 4, 4, { norm: 'instance', act: 'relu' } as ResBlock3dOptions);
  const dn = initDncnn3d(rng.fork(7), { channels: 4, width: 5, depth: 3, sigmaInput: true });
  const sigma = tensor([2], [0.05, 0.2]);
  type Case = [string, SymFn, Tree<HostTensor>[]];
  const cases: Case[] = [
    ['conv3d (same, bias)', (q: Conv3dParams<Sym>, v: Sym) => conv3d(q, v), [conv, x]],
    ['conv3d (stride 2, pad 1)', (q: Conv3dParams<Sym>, v: Sym) => conv3d(q, v, { stride: 2, padding: 1 }), [conv, x]],
    ['conv3d (groups 2, dilation 2)', (q: Conv3dParams<Sym>, v: Sym) => conv3d(q, v, { dilation: 2, groups: 2 }), [convG, x]],
    ['convTranspose3d (k 2, s 2)', (q: Conv3dParams<Sym>, v: Sym) => convTranspose3d(q, v), [convT, x]],
    ['convTranspose3d (k 3, s 2, pad 1, outPad 1)', (q: Conv3dParams<Sym>, v: Sym) => convTranspose3d(q, v, { padding: 1, outputPadding: 1 }), [convT3, x]],
    ['groupNorm3d', (q: { g: Sym; b: Sym }, v: Sym) => groupNorm3d(q, v, 2), [norm, x]],
    ['instanceNorm3d (affine)', (q: { g: Sym; b: Sym }, v: Sym) => instanceNorm3d(v, q), [norm, x]],
    ['film3d', (q: { w: Sym; b: Sym }, v: Sym, t: Sym) => film3d(q, v, t), [filmP, x, temb]],
    ['avgPool3d (k 3, s 2, pad 1)', (v: Sym) => avgPool3d(v, 3, { stride: 2, padding: 1 }), [x]],
    ['upsampleNearest3d', (v: Sym) => upsampleNearest3d(v), [x]],
    ['downsampleNearest3d', (v: Sym) => downsampleNearest3d(v), [x]],
    ['upsampleTrilinear3d', (v: Sym) => upsampleTrilinear3d(v), [x]],
    ['downsampleTrilinear3d', (v: Sym) => downsampleTrilinear3d(v), [x]],
    ['resizeTrilinear (align corners)', (v: Sym) => resizeTrilinear(v, [7, 3, 9], { alignCorners: true }), [x]],
    ['pixelUnshuffle3d', (v: Sym) => pixelUnshuffle3d(v), [rng.normalTensor([2, 3, 4, 6, 2])]],
    ['pixelShuffle3d', (v: Sym) => pixelShuffle3d(v), [rng.normalTensor([1, 16, 2, 3, 2])]],
    ['resBlock3d (group norm, FiLM, skip conv)', (q: ResBlock3dParams<Sym>, v: Sym, t: Sym) => resBlock3d(q, v, t), [rb, x, temb]],
    ['resBlock3d (instance norm, relu)', (q: ResBlock3dParams<Sym>, v: Sym) => resBlock3d(q, v, undefined, { norm: 'instance', act: 'relu' }), [rbI, x]],
    ['dncnn3d (σ input)', (q: Dncnn3dParams<Sym>, v: Sym, s: Sym) => dncnn3d(q, v, s), [dn, x, sigma]],
  ];
  it.each(cases)('%s', async (_name, fn, args) => {
    const specs = args.map((a) => specTree(a));
    const a = (await rt.compile(fn, specs).runHost(...args)) as HostTensor;
    const b = (await ex.compile(fn, specs).runHost(...args)) as HostTensor;
    expect(a.dims).toEqual(b.dims);
    expect(maxAbs(b.data)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(a.data, b.data)).toBeLessThan(2e-5 * Math.max(1, maxAbs(b.data)));
  });
});

// a tiny 3-D network: FiLM residual block (group norm, skip conv) → stride-2 conv → transposed-conv
// up-sampling → trilinear ×2 / ×½ → grouped conv; loss = ⟨y, wOut⟩
type Tiny<T> = { rb: ResBlock3dParams<T>; down: Conv3dParams<T>; up: Conv3dParams<T>; head: Conv3dParams<T> };
const tinyNet = (p: Tiny<Sym>, x: Sym, t: Sym): Sym => {
  let h = resBlock3d(p.rb, x, t, { groups: 2 });
  h = conv3d(p.down, h, { stride: 2, padding: 1 });
  h = convTranspose3d(p.up, h);
  h = downsampleTrilinear3d(upsampleTrilinear3d(h));
  return conv3d(p.head, h, { groups: 2 });
};

describe('3-D gradients', () => {
  const rng = new Rng(17);
  const p: Tiny<HostTensor> = {
    rb: initResBlock3d(rng.fork(0), 2, 4, { tembDim: 3 }),
    down: initConv3d(rng.fork(1), 4, 4, 3),
    up: initConvTranspose3d(rng.fork(2), 4, 4),
    head: initConv3d(rng.fork(3), 4, 2, 3, { groups: 2 }),
  };
  (p.rb.film!.w as HostTensor).data.set(rng.normalTensor([3, 8], 0, 0.3).data);
  (p.rb.norm1 as { g: HostTensor }).g.data.set(rng.normalTensor([4], 1, 0.2).data);
  (p.up as { b: HostTensor }).b.data.set(rng.normalTensor([4], 0, 0.1).data);
  const x = rng.normalTensor([2, 2, 4, 4, 4]);
  const t = rng.normalTensor([2, 3]);
  const wOut = rng.normalTensor([2, 2, 4, 4, 4]);
  const loss = (pp: Tiny<Sym>, xx: Sym, tt: Sym) => sum(mul(tinyNet(pp, xx, tt), constant(wOut)));
  const args = [p, x, t] as Tree<HostTensor>[];

  it('tiny 3-D block: gradient = central finite differences (float64 interpreter)', async () => {
    const ex = createInterpExecutor();
    const [gp, gx] = (await ex.compile(grad(loss, [0, 1]), args.map((a) => specTree(a))).runHost(...args)) as [Tiny<HostTensor>, HostTensor];
    // the loss in float64: trace once, evaluate raw (no float32 rounding of the value)
    const tr = withNodeScope(() => trace(loss, args.map((a) => specTree(a))));
    const feeds = () => args.flatMap((a) => flattenTree(a, isHostTensor).leaves).map(toRaw);
    const L = () => evaluateRaw(tr.outputs.map((o) => o.node), feeds())[0]!.data[0]!;
    const probes: [HostTensor, HostTensor, number][] = [
      [p.rb.conv1.w, gp.rb.conv1.w, 7],
      [p.rb.conv2.w, gp.rb.conv2.w, 40],
      [p.rb.skip!.w, gp.rb.skip!.w, 3],
      [p.rb.film!.w, gp.rb.film!.w, 5],
      [(p.rb.norm1 as { g: HostTensor }).g, (gp.rb.norm1 as { g: HostTensor }).g, 1],
      [p.down.w, gp.down.w, 100],
      [p.up.w, gp.up.w, 11],
      [(p.up as { b: HostTensor }).b, (gp.up as { b: HostTensor }).b, 2],
      [p.head.w, gp.head.w, 20],
      [x, gx, 37],
    ];
    // eps a power of two: w ± eps is exact in float32 for |w| < 2^14·eps
    checkProbes(L, probes, 2 ** -10, 1e-6, 1e-4);
  });

  it('compiled gradient on ONNX Runtime = interpreter', async () => {
    const rt = createRuntime({ threads: 1 });
    const ex = createInterpExecutor();
    const g = grad(loss, [0, 1]);
    const specs = args.map((a) => specTree(a));
    const [ga, gxa] = (await rt.compile(g, specs).runHost(...args)) as [Tree<HostTensor>, HostTensor];
    const [gb, gxb] = (await ex.compile(g, specs).runHost(...args)) as [Tree<HostTensor>, HostTensor];
    const la = flatLeaves(ga);
    const lb = flatLeaves(gb);
    expect(la.length).toBe(lb.length);
    la.forEach((a, i) => expect(maxAbsDiff(a.data, lb[i]!.data)).toBeLessThan(1e-4 * Math.max(1, maxAbs(lb[i]!.data))));
    expect(maxAbsDiff(gxa.data, gxb.data)).toBeLessThan(1e-4 * Math.max(1, maxAbs(gxb.data)));
  });
});

function flatLeaves(t: Tree<HostTensor>): HostTensor[] {
  return flattenTree(t, isHostTensor).leaves;
}

describe('dncnn3d', () => {
  it('is close to the identity at init and σ changes the output', async () => {
    const ex = createInterpExecutor();
    const rng = new Rng(9);
    const p = initDncnn3d(rng, { channels: 1, width: 4, depth: 3, sigmaInput: true });
    const x = rng.normalTensor([1, 1, 4, 4, 4]);
    const f = ex.compile((q: Dncnn3dParams<Sym>, v: Sym, s: Sym) => dncnn3d(q, v, s), [specTree(p), specOf(x), spec([1])]);
    const y1 = (await f.runHost(p, x, tensor([1], [0.1]))) as HostTensor;
    const y2 = (await f.runHost(p, x, tensor([1], [0.5]))) as HostTensor;
    const d = maxAbsDiff(y1.data, x.data);
    expect(d).toBeGreaterThan(0);
    expect(d).toBeLessThan(0.5 * maxAbs(x.data));
    expect(maxAbsDiff(y1.data, y2.data)).toBeGreaterThan(1e-5);
  });
  it('initNorm-based group norm params are accepted by resBlock3d', () => {
    const p = initResBlock3d(new Rng(1), 8, 8);
    expect((p.norm1 as { g: HostTensor }).g.dims).toEqual(initNorm(8).g.dims);
    expect(p.skip).toBeUndefined();
    expect(p.film).toBeUndefined();
    expect(initFilm3d(4, 8).w.dims).toEqual([4, 16]);
  });
});
