/**
 * trainModel: both objectives on real slices (committed fixtures), augmentation, the data-range
 * normalisation, bit-identical resume, and typed errors.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import { flattenTree } from '../../src/core/tree.js';
import { spec } from '../../src/ir/trace.js';
import type { Sym } from '../../src/ir/sym.js';
import { loadMriSlices } from '../../src/io/fixtures.js';
import { isHostTensor } from '../../src/io/safetensors.js';
import { createRuntime } from '../../src/node/index.js';
import { type ModelConfig, modelEntry } from '../../src/nn/registry.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { augmentedCrops } from '../../src/train/augment.js';
import { type TrainModelOptions, trainModel } from '../../src/train/trainer.js';
import { modelDenoiser } from '../../src/diffusion/model-denoiser.js';
import type { ParamsFile } from '../../src/io/safetensors.js';

const rt = createRuntime({ threads: 2 });
const train = loadMriSlices('train');
const tiny: ModelConfig = { channels: 1, widths: [8, 16], blocksPerLevel: 1 };
const base: TrainModelOptions = {
  kind: 'drunet', config: tiny, objective: { kind: 'denoise', sigmaMin: 0.05, sigmaMax: 0.15 }, steps: 40, batch: 4, crop: 32,
  lr: 3e-3, warmupSteps: 2, seed: 7, augment: { flips: true, maxRotationDeg: 8, intensity: [0.8, 1.1] },
};
const leaves = (t: unknown) => flattenTree(t as never, isHostTensor).leaves as HostTensor[];
const same = (a: unknown, b: unknown) => {
  const la = leaves(a);
  const lb = leaves(b);
  return la.length === lb.length && la.every((x, i) => x.data.length === lb[i]!.data.length && x.data.every((v, j) => Object.is(v, lb[i]!.data[j])));
};
const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;

describe('augmentedCrops', () => {
  it('without rotation or scaling the crops are exact copies of image windows', () => {
    const img = tensor([2, 1, 10, 12], Float32Array.from({ length: 240 }, (_, i) => i));
    const c = augmentedCrops(new Rng(1), img, 6, 4, { flips: false });
    for (let b = 0; b < 6; b++) {
      const v = c.data.slice(b * 16, b * 16 + 16);
      const n = Math.floor(v[0]! / 120);
      const y0 = Math.floor((v[0]! - 120 * n) / 12);
      const x0 = v[0]! - 120 * n - 12 * y0;
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(v[i * 4 + j]).toBe(120 * n + 12 * (y0 + i) + x0 + j);
    }
  });
  it('intensity scaling stays in [a, b]·values, rotation interpolates, and a seed replays', () => {
    const img = tensor([1, 1, 32, 32], new Float32Array(1024).fill(2));
    const c = augmentedCrops(new Rng(2), img, 8, 16, { maxRotationDeg: 20, intensity: [0.5, 0.75] });
    const vals = new Set(Array.from({ length: 8 }, (_, b) => c.data[b * 256 + 37]!));
    for (const v of vals) expect(v >= 1 - 1e-6 && v <= 1.5 + 1e-6).toBe(true);
    expect(vals.size).toBeGreaterThan(1);
    const ramp = tensor([1, 1, 32, 32], Float32Array.from({ length: 1024 }, (_, i) => i % 32));
    const r1 = augmentedCrops(new Rng(3), ramp, 3, 8, { maxRotationDeg: 30 });
    const r2 = augmentedCrops(new Rng(3), ramp, 3, 8, { maxRotationDeg: 30 });
    expect(Array.from(r1.data)).toEqual(Array.from(r2.data));
    expect(r1.data.some((v) => !Number.isInteger(v))).toBe(true); // rotated: bilinear values between columns
  });
  it('zoom z samples every z pixels (box-averaged): a ramp steps by z per output pixel', () => {
    const ramp = tensor([1, 1, 64, 64], Float32Array.from({ length: 4096 }, (_, i) => i % 64));
    const c = augmentedCrops(new Rng(4), ramp, 2, 8, { flips: false, zoom: [2, 2] });
    for (let b = 0; b < 2; b++) for (let j = 1; j < 8; j++) expect(c.data[b * 64 + 3 * 8 + j]! - c.data[b * 64 + 3 * 8 + j - 1]!).toBeCloseTo(2, 4);
    expect(() => augmentedCrops(new Rng(0), ramp, 1, 8, { zoom: [0.5, 1] })).toThrow(/zoom/);
  });
  it('rejects bad options with typed errors', () => {
    const img = tensor([1, 1, 8, 8]);
    expect(() => augmentedCrops(new Rng(0), img, 1, 9)).toThrow(/does not fit/);
    expect(() => augmentedCrops(new Rng(0), img, 1, 4, { intensity: [0, 1] })).toThrow(/intensity/);
    expect(() => augmentedCrops(new Rng(0), img, 1, 4, { maxRotationDeg: -1 })).toThrow(/maxRotationDeg/);
  });
});

describe('trainModel: denoising objective', () => {
  it('one step changes the parameters; the loss falls over 40 steps; the EMA differs from the raw weights', async () => {
    const r = await trainModel(rt, train, base);
    const init = modelEntry('drunet').init(new Rng(7).fork(1), tiny);
    expect(same(init, r.rawParams)).toBe(false);
    expect(r.step).toBe(40);
    expect(r.losses).toHaveLength(40);
    expect(mean(r.losses.slice(-8))).toBeLessThan(0.6 * mean(r.losses.slice(0, 8)));
    expect(same(r.params, r.rawParams)).toBe(false);
    expect(r.meta).toMatchObject({ kind: 'drunet', role: 'denoiser', dataRange: 'unit' });
    expect(r.meta.training?.parameters).toBeGreaterThan(1000);
  });

  it('resuming from a mid-run checkpoint is bit-identical to the uninterrupted run', async () => {
    const o = { ...base, steps: 6, emaDecay: 0.9 };
    const cks: { step: number; file: ParamsFile }[] = [];
    const full = await trainModel(rt, train, { ...o, checkpointEvery: 3, onCheckpoint: (file, step) => void cks.push({ step, file }) });
    expect(cks.map((c) => c.step)).toEqual([3, 6]);
    const ck = loadCheckpoint(cks[0]!.file.safetensors, cks[0]!.file.configJson);
    expect(ck.step).toBe(3);
    const resumed = await trainModel(rt, train, { ...o, resume: ck });
    expect(resumed.stepsThisRun).toBe(3);
    expect(same(resumed.rawParams, full.rawParams)).toBe(true);
    expect(same(resumed.params, full.params)).toBe(true);
    expect(resumed.losses).toEqual(full.losses.slice(3));
    // and a resume with other options is refused
    await expect(trainModel(rt, train, { ...o, lr: 1e-2, resume: ck })).rejects.toThrow(/different training options/);
  });

  it('works in physical units: HU data with a data range behaves like the unit-range data', async () => {
    const hu = tensor(train.dims, Float32Array.from(train.data as Float32Array, (v) => -1000 + 2000 * v));
    const o = { ...base, steps: 3 };
    const a = await trainModel(rt, train, o);
    const b = await trainModel(rt, hu, { ...o, dataRange: { min: -1000, max: 1000, unit: 'HU' }, objective: { kind: 'denoise', sigmaMin: 100, sigmaMax: 300 } });
    for (let i = 0; i < 3; i++) expect(b.losses[i]).toBeCloseTo(a.losses[i]!, 4);
    // the Denoiser view maps HU in and out
    const d = modelDenoiser({ params: b.params, meta: b.meta });
    const du = modelDenoiser({ params: a.params, meta: a.meta });
    const x = tensor([1, 1, 32, 32], train.data.slice(0, 1024));
    const xh = tensor(x.dims, Float32Array.from(x.data as Float32Array, (v) => -1000 + 2000 * v));
    const yh = (await rt.compile((s: Sym) => d.denoise(s, 200), [spec(x.dims)]).runHost(xh)) as HostTensor;
    const yu = (await rt.compile((s: Sym) => du.denoise(s, 0.1), [spec(x.dims)]).runHost(x)) as HostTensor;
    let err = 0;
    for (let i = 0; i < yu.data.length; i++) err = Math.max(err, Math.abs((yh.data[i]! + 1000) / 2000 - yu.data[i]!));
    expect(err).toBeLessThan(1e-4);
  });
});

describe('trainModel: inverse-variance weighting', () => {
  it('with one σ for all images the weighted loss is the plain loss × ε²/(s² + ε²)', async () => {
    const o = { ...base, steps: 1, objective: { kind: 'denoise', sigmaMin: 0.05, sigmaMax: 0.05 } } as const;
    const plain = await trainModel(rt, train, o);
    const w = await trainModel(rt, train, { ...o, objective: { ...o.objective, weighting: 'inverse-variance' } });
    expect(w.losses[0]! / plain.losses[0]!).toBeCloseTo(1e-4 / (0.05 ** 2 + 1e-4), 5);
    await expect(trainModel(rt, train, { ...o, objective: { ...o.objective, weighting: 'l1' as never } })).rejects.toThrow(/weighting/);
  });
});

describe("trainModel: 'edm' weighting and log-uniform σ", () => {
  it('the edm loss is the plain loss / c_out² (c_out = sσ_d/√(s² + σ_d²)); log-uniform σ needs σ_min > 0', async () => {
    const o = { ...base, steps: 1, objective: { kind: 'denoise', sigmaMin: 0.05, sigmaMax: 0.05 } } as const;
    const plain = await trainModel(rt, train, o);
    const w = await trainModel(rt, train, { ...o, objective: { ...o.objective, weighting: 'edm' } });
    const sd = 0.25;
    const cOut2 = (0.05 * sd) ** 2 / (0.05 ** 2 + sd ** 2);
    expect(w.losses[0]! * cOut2 / plain.losses[0]!).toBeCloseTo(1, 4);
    // log-uniform over [σ, σ] is the same single σ
    const lu = await trainModel(rt, train, { ...o, objective: { ...o.objective, sigmaSampling: 'log-uniform' } });
    expect(lu.losses[0]! / plain.losses[0]!).toBeCloseTo(1, 5);
    await expect(trainModel(rt, train, { ...o, objective: { kind: 'denoise', sigmaMin: 0, sigmaMax: 0.1, sigmaSampling: 'log-uniform' } })).rejects.toThrow(/sigmaMin > 0/);
    await expect(trainModel(rt, train, { ...o, objective: { kind: 'denoise', sigmaMin: 0, sigmaMax: 0.1, weighting: 'edm' } })).rejects.toThrow(/sigmaMin > 0/);
    await expect(trainModel(rt, train, { ...o, objective: { ...o.objective, sigmaSampling: 'normal' as never } })).rejects.toThrow(/sigmaSampling/);
  });
  it("an EDM-preconditioned DRUNet trains with the edm weighting by default: loss near 1 at the start, falling", async () => {
    const res = await trainModel(rt, train, {
      ...base, config: { ...tiny, preconditioning: 'edm' } as ModelConfig, steps: 30,
      objective: { kind: 'denoise', sigmaMin: 0.005, sigmaMax: 0.2, sigmaSampling: 'log-uniform' },
    });
    expect(res.losses[0]!).toBeGreaterThan(0.2);
    expect(res.losses[0]!).toBeLessThan(5);
    expect(mean(res.losses.slice(-8))).toBeLessThan(0.8 * mean(res.losses.slice(0, 8)));
  });
});

describe('trainModel: diffusion objective', () => {
  for (const [kind, config, prediction] of [
    ['cunet', { channels: 1, nf: 4, levels: 2, attention: ['mid'], attnHeads: 1, attnDimHead: 8, timeEmbDim: 16, solver: 'euler', headGain: 0 }, 'eps'],
    ['unet', { channels: 1, dim: 8, dimMults: [1, 2], groups: 4, attnHeads: 1, attnDimHead: 8 }, 'v'],
  ] as const) {
    it(`${kind} (${prediction}) trains: finite loss near 1 at the start, falling`, async () => {
      const r = await trainModel(rt, train, {
        kind, config: config as ModelConfig, objective: { kind: 'diffusion', schedule: 'linear', prediction }, steps: 30, batch: 4, crop: 16, lr: 2e-3, seed: 3,
      });
      expect(r.meta.diffusion).toEqual({ schedule: 'linear', T: 1000, prediction });
      expect(r.losses.every(Number.isFinite)).toBe(true);
      if (kind === 'cunet') expect(r.losses[0]).toBeCloseTo(1, 0); // zero-initialised head: ε̂ = 0
      expect(mean(r.losses.slice(-6))).toBeLessThan(mean(r.losses.slice(0, 6)));
      // the one-step Denoiser view of a diffusion prior runs and keeps the shape
      const d = modelDenoiser({ params: r.params, meta: r.meta });
      const y = (await rt.compile((s: Sym) => d.denoise(s, 0.1), [spec([2, 1, 16, 16])]).runHost(tensor([2, 1, 16, 16], new Float32Array(512).fill(0.5)))) as HostTensor;
      expect(y.dims).toEqual([2, 1, 16, 16]);
      expect(y.data.every(Number.isFinite)).toBe(true);
    });
  }
});

describe('trainModel: typed errors', () => {
  it('rejects impossible options and bad data', async () => {
    await expect(trainModel(rt, train, { ...base, kind: 'cunet' })).rejects.toThrow(/cannot be trained with the denoise objective/);
    await expect(trainModel(rt, train, { ...base, crop: 31 })).rejects.toThrow(/multiple of 2/);
    await expect(trainModel(rt, train, { ...base, objective: { kind: 'denoise', sigmaMin: 0.2, sigmaMax: 0.1 } })).rejects.toThrow(/sigmaMin/);
    await expect(trainModel(rt, train, { ...base, steps: 0 })).rejects.toThrow(/steps/);
    const bad = tensor([1, 1, 32, 32], new Float32Array(1024).fill(Number.NaN));
    await expect(trainModel(rt, bad, base)).rejects.toMatchObject({ code: 'NON_FINITE_INPUT' });
    await expect(trainModel(rt, tensor([1, 2, 32, 32]), base)).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
    await expect(trainModel(rt, train, { ...base, bogus: 1 } as TrainModelOptions)).rejects.toMatchObject({ code: 'UNKNOWN_OPTION' });
  });
});
