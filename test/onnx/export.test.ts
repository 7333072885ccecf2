/**
 * Standalone ONNX export: the bytes run in onnxruntime-node directly (no medrecon runtime in the
 * way) and agree with the in-library forward compiled by `createRuntime`, parameters fed as inputs
 * there and embedded as initializers here.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { isMedreconError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import type { Tree } from '../../src/core/tree.js';
import { type Sym, constant } from '../../src/ir/sym.js';
import { type TensorSpec, spec, specOf } from '../../src/ir/trace.js';
import { mapTrees } from '../../src/nn/params.js';
import { type DiffusionMeta, type ModelConfig, type ModelKind, type SavedModelMeta, loadModel, modelEntry, saveModel } from '../../src/nn/registry.js';
import { createRuntime, isHostTensor } from '../../src/node/index.js';
import { exportModel, exportOnnx, modelSignature } from '../../src/onnx/export.js';
import { ONNX_OPSET } from '../../src/onnx/lower.js';

const specTree = (p: Tree<HostTensor>): Tree<TensorSpec> => mapTrees(isHostTensor, (l: HostTensor) => specOf(l), p) as Tree<TensorSpec>;
const DIFF: DiffusionMeta = { schedule: 'linear', T: 1000, prediction: 'eps' };

/** Top-level fields of a protobuf message: field number → list of (varint | bytes) values. */
function protoFields(b: Uint8Array): Map<number, (bigint | Uint8Array)[]> {
  const out = new Map<number, (bigint | Uint8Array)[]>();
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let s = 0n; ; s += 7n) {
      const c = b[i++]!;
      v |= BigInt(c & 0x7f) << s;
      if (!(c & 0x80)) return v;
    }
  };
  while (i < b.length) {
    const key = Number(varint());
    const f = key >> 3;
    let val: bigint | Uint8Array;
    if ((key & 7) === 0) val = varint();
    else if ((key & 7) === 2) {
      const n = Number(varint());
      val = b.subarray(i, i + n);
      i += n;
    } else if ((key & 7) === 5) {
      val = BigInt(new DataView(b.buffer, b.byteOffset + i, 4).getUint32(0, true));
      i += 4;
    } else throw new Error(`wire type ${key & 7}`);
    out.set(f, [...(out.get(f) ?? []), val]);
  }
  return out;
}
const utf8 = (b: bigint | Uint8Array) => new TextDecoder().decode(b as Uint8Array);

/** metadata_props (field 14) and doc_string (6) and opset_import (8) of a ModelProto. */
function modelInfo(bytes: Uint8Array): { metadata: Record<string, string>; doc: string; opset: number } {
  const top = protoFields(bytes);
  const metadata: Record<string, string> = {};
  for (const e of top.get(14) ?? []) {
    const f = protoFields(e as Uint8Array);
    metadata[utf8(f.get(1)![0]!)] = utf8(f.get(2)![0]!);
  }
  const op = protoFields(top.get(8)![0] as Uint8Array);
  return { metadata, doc: top.has(6) ? utf8(top.get(6)![0]!) : '', opset: Number(op.get(2)![0]) };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { diff: number; scale: number } {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return { diff, scale };
}

interface Case {
  readonly kind: ModelKind;
  readonly config: ModelConfig;
  readonly meta: Omit<SavedModelMeta, 'kind' | 'config' | 'role'>;
  readonly N: number;
  readonly H: number;
  readonly W: number;
  readonly cond: readonly number[];
}

const CASES: readonly Case[] = [
  // 'signed' data: σ in data units is halved inside the graph
  { kind: 'drunet', config: { channels: 1, widths: [4, 8], blocksPerLevel: 1, blockGain: 1 }, meta: { dataRange: 'signed', name: 'tiny-drunet' }, N: 2, H: 16, W: 12, cond: [0.1, 0.6] },
  { kind: 'dncnn', config: { channels: 2, width: 8, depth: 3, lastGain: 1 }, meta: { dataRange: { min: 0, max: 4 } }, N: 1, H: 10, W: 7, cond: [0.2] },
  { kind: 'cunet', config: { channels: 1, nf: 4, attention: ['enc2', 'dec1'], attnHeads: 2, attnDimHead: 4, levels: 2, solver: 'euler', timeEmbDim: 8 }, meta: { dataRange: 'unit', diffusion: DIFF }, N: 2, H: 8, W: 16, cond: [3, 700] },
  { kind: 'unet', config: { channels: 2, dim: 8, groups: 4, attnHeads: 2, attnDimHead: 4, dimMults: [1, 2] }, meta: { dataRange: 'unit', diffusion: { ...DIFF, prediction: 'v' } }, N: 1, H: 8, W: 8, cond: [250] },
];

describe('exportModel: standalone ONNX = in-library forward', () => {
  const rt = createRuntime({ threads: 1 });
  it.each(CASES)('$kind', async (c) => {
    const entry = modelEntry(c.kind);
    const rng = new Rng(11);
    const params = entry.init(rng, c.config);
    // through the saved format, as the CLI does
    const file = saveModel(params, { kind: c.kind, config: c.config, role: entry.role, ...c.meta });
    const model = loadModel(file.safetensors, file.configJson);
    const C = entry.channels(c.config);
    const bytes = exportModel(model, { batch: c.N, height: c.H, width: c.W });

    const x = rng.normalTensor([c.N, C, c.H, c.W]);
    const cond = tensor([c.N], c.cond);
    const condName = entry.role === 'denoiser' ? 'sigma' : 't';

    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(['x', condName]);
    expect(session.outputNames).toEqual(['y']);
    const shapes = (m: readonly ort.InferenceSession.ValueMetadata[]) => m.map((v) => (v.isTensor ? [...v.shape] : null));
    expect(shapes(session.inputMetadata)).toEqual([[c.N, C, c.H, c.W], [c.N]]);
    expect(shapes(session.outputMetadata)).toEqual([[c.N, C, c.H, c.W]]);
    const out = await session.run({ x: new ort.Tensor('float32', x.data, x.dims), [condName]: new ort.Tensor('float32', cond.data, cond.dims) });
    const y = out['y']!;
    expect(y.dims).toEqual([c.N, C, c.H, c.W]);
    await session.release();

    // the library's forward: denoisers through their Denoiser view in data units (u = (x − lo)/r,
    // y = lo + r·f(u, σ/r), written out here), diffusion networks raw; parameters as graph inputs.
    const dr = c.meta.dataRange;
    const r = dr === 'signed' ? 2 : typeof dr === 'object' ? dr.max - dr.min : 1;
    const lo = dr === 'signed' ? -1 : typeof dr === 'object' ? dr.min : 0;
    const f = rt.compile((p: Tree<Sym>, xx: Sym, cc: Sym) => {
      if (entry.role !== 'denoiser') return entry.apply(p, xx, cc, c.config);
      return entry.apply(p, xx.sub(lo).mul(1 / r), cc.mul(1 / r), c.config).mul(r).add(lo);
    }, [specTree(params), spec(x.dims), spec([c.N])]);
    const ref = (await f.runHost(params, x, cond)) as HostTensor;
    const { diff, scale } = maxAbsDiff(y.data as Float32Array, ref.data);
    expect(scale).toBeGreaterThan(1e-3); // not a vacuous comparison of zeros
    expect(diff).toBeLessThanOrEqual(1e-4);

    const info = modelInfo(bytes);
    expect(info.opset).toBe(ONNX_OPSET);
    expect(info.metadata['kind']).toBe(c.kind);
    expect(info.metadata['role']).toBe(entry.role);
    expect(JSON.parse(info.metadata['config']!)).toEqual(c.config);
    expect(JSON.parse(info.metadata['data_range']!)).toEqual(c.meta.dataRange);
    expect(info.metadata['medrecon_version']).toMatch(/^\d+\.\d+\.\d+/);
    if (entry.role === 'diffusion') expect(JSON.parse(info.metadata['diffusion']!)).toEqual(c.meta.diffusion);
    else expect(info.metadata['diffusion']).toBeUndefined();
    expect(info.doc).toContain(`input ${condName} float32[${c.N}]`);
  });

  it('x, σ and y are in data units: a model trained on [lo, lo + r] is the unit model mapped affinely', async () => {
    const entry = modelEntry('drunet');
    const config: ModelConfig = { channels: 1, widths: [4], blocksPerLevel: 1, blockGain: 1 };
    const params = entry.init(new Rng(3), config);
    const xu = new Rng(4).normalTensor([1, 1, 4, 4]);
    const run = async (dataRange: SavedModelMeta['dataRange'], lo: number, r: number, sigma: number) => {
      const bytes = exportModel({ params, meta: { kind: 'drunet', config, role: 'denoiser', dataRange } }, { height: 4, width: 4 });
      const s = await ort.InferenceSession.create(bytes);
      const x = Float32Array.from(xu.data as Float32Array, (v) => lo + r * v);
      const y = (await s.run({ x: new ort.Tensor('float32', x, [1, 1, 4, 4]), sigma: new ort.Tensor('float32', new Float32Array([sigma]), [1]) }))['y']!;
      await s.release();
      return Float32Array.from(y.data as Float32Array, (v) => (v - lo) / r); // back to unit units
    };
    const unit = await run('unit', 0, 1, 0.3);
    expect(maxAbsDiff(await run({ min: -10, max: 10 }, -10, 20, 6), unit).diff).toBeLessThan(1e-5); // 6 / 20 = 0.3
    expect(maxAbsDiff(await run({ min: -10, max: 10 }, -10, 20, 0.3), unit).diff).toBeGreaterThan(1e-4); // σ not rescaled
    expect(maxAbsDiff(await run('signed', 0, 1, 0.3), unit).diff).toBeGreaterThan(1e-4); // x not mapped
  });
});

describe('exportModel: sizes and arguments give typed errors', () => {
  const drunet = { kind: 'drunet' as const, config: { channels: 1, widths: [4, 8, 16], blocksPerLevel: 0 }, role: 'denoiser' as const, dataRange: 'unit' as const };
  const params = modelEntry('drunet').init(new Rng(0), drunet.config);
  const code = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (e) {
      return isMedreconError(e) ? e.code : `not a MedreconError: ${String(e)}`;
    }
    return undefined;
  };
  it.each([
    [{ height: 30, width: 32 }, 'SHAPE_MISMATCH'],
    [{ height: 32, width: 6 }, 'SHAPE_MISMATCH'],
    [{ height: 0, width: 32 }, 'INVALID_ARGUMENT'],
    [{ height: 32.5, width: 32 }, 'INVALID_ARGUMENT'],
    [{ height: 32, width: 32, batch: 0 }, 'INVALID_ARGUMENT'],
    [{ height: 32, width: 32, colour: true }, 'UNKNOWN_OPTION'],
  ])('%j → %s', (opts, want) => {
    expect(code(() => exportModel({ params, meta: drunet }, opts as never))).toBe(want);
  });
  it('names the size multiple and accepts a valid size', () => {
    expect(() => modelSignature(drunet, { height: 30, width: 32 })).toThrow(/divisible by 4/);
    expect(modelSignature(drunet, { height: 8, width: 12, batch: 3 }).inputs.map((v) => [v.name, v.dims])).toEqual([['x', [3, 1, 8, 12]], ['sigma', [3]]]);
    expect(code(() => modelSignature({ ...drunet, kind: 'resnet' as never }, { height: 8, width: 8 }))).toBe('INVALID_ARGUMENT');
  });
});

describe('exportOnnx', () => {
  it('captured host tensors become initializers; single input/output are named x and y', async () => {
    const w = tensor([3], [1, -2, 0.5]);
    const bytes = exportOnnx((x: Sym) => x.mul(constant(w)).add(1), [spec([2, 3])], { metadata: { note: 'hi' }, docString: 'scale and shift' });
    const s = await ort.InferenceSession.create(bytes);
    expect([s.inputNames, s.outputNames]).toEqual([['x'], ['y']]);
    const y = (await s.run({ x: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]) }))['y']!;
    expect(Array.from(y.data as Float32Array)).toEqual([2, -3, 2.5, 5, -9, 4]);
    const info = modelInfo(bytes);
    expect(info.metadata).toEqual({ note: 'hi' });
    expect(info.doc).toBe('scale and shift');
  });
  it('custom names for several inputs and outputs; bad names are rejected', async () => {
    const fn = (a: Sym, b: Sym) => ({ sum: a.add(b), prod: a.mul(b) });
    const bytes = exportOnnx(fn, [spec([2]), spec([2])], { inputNames: ['a', 'b'], outputNames: ['prod', 'sum'] });
    const s = await ort.InferenceSession.create(bytes);
    expect([s.inputNames, s.outputNames]).toEqual([['a', 'b'], ['prod', 'sum']]);
    const out = await s.run({ a: new ort.Tensor('float32', new Float32Array([2, 3]), [2]), b: new ort.Tensor('float32', new Float32Array([4, 5]), [2]) });
    // outputs flatten in key order (prod, sum)
    expect(Array.from(out['prod']!.data as Float32Array)).toEqual([8, 15]);
    expect(Array.from(out['sum']!.data as Float32Array)).toEqual([6, 8]);
    const err = (o: object) => {
      try {
        exportOnnx(fn, [spec([2]), spec([2])], o);
      } catch (e) {
        return isMedreconError(e) ? e.code : 'other';
      }
      return 'none';
    };
    expect(err({ inputNames: ['a'] })).toBe('INVALID_ARGUMENT');
    expect(err({ inputNames: ['a', 'a'] })).toBe('INVALID_ARGUMENT');
    expect(err({ inputNames: ['a', 'b'], outputNames: ['a', 'c'] })).toBe('INVALID_ARGUMENT');
    expect(err({ inputNames: ['a', '1x'] })).toBe('INVALID_ARGUMENT');
    expect(err({ metadata: { k: 1 } })).toBe('INVALID_ARGUMENT');
    expect(err({ opset: 17 })).toBe('UNKNOWN_OPTION');
  });
});
