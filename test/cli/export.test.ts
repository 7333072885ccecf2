/**
 * `medrecon export`: in-process on a saved tiny model in a temp folder; the written ONNX file runs
 * in onnxruntime-node directly and matches the library's forward.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './helpers.js';
import { Rng } from '../../src/core/rng.js';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import type { Tree } from '../../src/core/tree.js';
import { interpret } from '../../src/interp/index.js';
import type { Sym } from '../../src/ir/sym.js';
import { type ModelConfig, modelEntry, saveModel } from '../../src/nn/registry.js';

const tmp = mkdtempSync(join(tmpdir(), 'medrecon-export-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));


const config: ModelConfig = { channels: 1, widths: [4, 8], blocksPerLevel: 1, blockGain: 1 };
let params: Tree<HostTensor>;
const MODEL = join(tmp, 'tiny.json');

beforeAll(() => {
  params = modelEntry('drunet').init(new Rng(5), config);
  const file = saveModel(params, { kind: 'drunet', config, role: 'denoiser', dataRange: 'signed', name: 'tiny' });
  writeFileSync(MODEL, file.configJson);
  writeFileSync(join(tmp, 'tiny.safetensors'), file.safetensors);
});

describe('medrecon export', () => {
  it('writes an ONNX file that ORT runs directly, equal to the library forward', async () => {
    const out = join(tmp, 'sub', 'tiny.onnx');
    const r = await run('export', MODEL, '--out', out, '--size', '8x12', '--batch', '2');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/wrote .*tiny\.onnx \([\d,]+ bytes\): drunet denoiser, ONNX opset 18/);
    expect(r.out).toMatch(/input\s+x\s+float32 \[2, 1, 8, 12\]/);
    expect(r.out).toMatch(/input\s+sigma\s+float32 \[2\]/);
    expect(r.out).toMatch(/output\s+y\s+float32 \[2, 1, 8, 12\]/);

    const s = await ort.InferenceSession.create(readFileSync(out));
    expect([s.inputNames, s.outputNames]).toEqual([['x', 'sigma'], ['y']]);
    const x = new Rng(6).normalTensor([2, 1, 8, 12]);
    const sigma = [0.2, 0.8];
    const y = (await s.run({ x: new ort.Tensor('float32', x.data, x.dims), sigma: new ort.Tensor('float32', Float32Array.from(sigma), [2]) }))['y']!;
    await s.release();
    // the library's forward on the interpreter for the 'signed' range: u = (x + 1)/2, σ/2, y = 2·f − 1
    const e = modelEntry('drunet');
    const ref = interpret(((p: Tree<Sym>, xx: Sym, ss: Sym) => e.apply(p, xx.add(1).mul(0.5), ss, config).mul(2).sub(1)) as never, [params, x, tensor([2], sigma.map((v) => v / 2))] as never) as HostTensor;
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < ref.data.length; i++) {
      diff = Math.max(diff, Math.abs((y.data as Float32Array)[i]! - ref.data[i]!));
      scale = Math.max(scale, Math.abs(ref.data[i]!));
    }
    expect(scale).toBeGreaterThan(1e-3);
    expect(diff).toBeLessThanOrEqual(1e-4);
  });

  it('--json, --height/--width, and the model given by its .safetensors path', async () => {
    const out = join(tmp, 'tiny2.onnx');
    const r = await run('export', join(tmp, 'tiny.safetensors'), '-o', out, '--height', '4', '--width', '6', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { out: string; bytes: number; kind: string; inputs: { name: string; dims: number[] }[]; outputs: { name: string; dims: number[] }[] };
    expect(j.kind).toBe('drunet');
    expect(j.bytes).toBe(readFileSync(out).length);
    expect(j.inputs.map((v) => [v.name, v.dims])).toEqual([['x', [1, 1, 4, 6]], ['sigma', [1]]]);
    expect(j.outputs.map((v) => [v.name, v.dims])).toEqual([['y', [1, 1, 4, 6]]]);
  });

  it('--help prints usage and examples', async () => {
    const r = await run('export', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: medrecon export');
    expect(r.out).toContain('Examples:');
  });

  it.each([
    [[]],
    [[MODEL]],
    [[MODEL, '--out', 'x.onnx', '--size', 'big']],
    [[MODEL, '--out', 'x.onnx', '--size', '8x8', '--height', '8']],
    [[MODEL, '--out', 'x.onnx', '--height', '8']],
    [[MODEL, '--out', 'x.onnx', '--batch', '0']],
    [[MODEL, '--out', 'x.onnx', '--width', '8', '--height', '8.5']],
    [[MODEL, 'extra', '--out', 'x.onnx']],
    [[MODEL, '--out', 'x.onnx', '--bogus']],
  ])('usage error %j → exit 2, one line', async (argv) => {
    const r = await run('export', ...(argv as string[]));
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('a size the model does not allow, or a missing file → exit 1 with the reason', async () => {
    const out = join(tmp, 'bad.onnx');
    const a = await run('export', MODEL, '--out', out, '--size', '5x8');
    expect(a.code).toBe(1);
    expect(a.err).toMatch(/SHAPE_MISMATCH.*divisible by 2/);
    expect(existsSync(out)).toBe(false);
    const b = await run('export', join(tmp, 'nope.json'), '--out', out);
    expect(b.code).toBe(1);
    expect(b.err).toMatch(/nope\.safetensors: no such file/);
  });
});
