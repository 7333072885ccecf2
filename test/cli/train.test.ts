/**
 * `medrecon train` in-process: a tiny run on a temp .npy writes the model, checkpoint, JSONL log and
 * loss curve; --resume continues to the full step count; usage errors exit 2; the trained model
 * exports and loads back.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './helpers.js';
import { tensor } from '../../src/core/tensor.js';
import { loadMriSlices } from '../../src/io/fixtures.js';
import { writeNpy } from '../../src/io/npy.js';
import { listDevices } from '../../src/node/index.js';
import { loadModelFile } from '../../src/node/weights.js';

const tmp = mkdtempSync(join(tmpdir(), 'medrecon-train-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const data = join(tmp, 'slices.npy');
const s = loadMriSlices('train');
writeFileSync(data, writeNpy(tensor([8, 128, 128], s.data.slice(0, 8 * 128 * 128))));


const tinyArgs = ['--model', 'drunet', '--config', '{"widths":[4,8],"blocksPerLevel":1}', '--crop', '32', '--batch', '2', '--log-every', '2', '--checkpoint-every', '2', '--quiet'];

describe('medrecon train', () => {
  it('trains, writes model/checkpoint/log/loss curve, and resumes to the full step count', async () => {
    const out = join(tmp, 'run');
    const r = await run('train', ...tinyArgs, '--steps', '6', '--time-budget', '0', '--out', out, data, '--json');
    expect(r.code, r.err).toBe(0);
    const s1 = JSON.parse(r.out) as { step: number; finished: boolean };
    expect(s1.finished).toBe(false); // a zero budget stops before the first step
    expect(s1.step).toBe(0);
    const r2 = await run('train', '--resume', out, data, '--json', '--quiet');
    expect(r2.code, r2.err).toBe(0);
    const s2 = JSON.parse(r2.out) as { step: number; finished: boolean; stepsThisRun: number };
    expect(s2).toMatchObject({ step: 6, finished: true, stepsThisRun: 6 });
    for (const f of ['model.json', 'model.safetensors', 'checkpoint.json', 'checkpoint.safetensors', 'log.jsonl', 'loss.png']) expect(existsSync(join(out, f)), f).toBe(true);
    const log = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss: number });
    expect(log.map((l) => l.step)).toEqual([2, 4, 6]);
    expect(readFileSync(join(out, 'loss.png')).subarray(1, 4).toString()).toBe('PNG');
    const m = loadModelFile(join(out, 'model.json'));
    expect(m.meta).toMatchObject({ kind: 'drunet', role: 'denoiser', dataRange: 'unit' });
    expect(m.meta.training?.steps).toBe(6);
    const e = await run('export', join(out, 'model.json'), '--out', join(tmp, 'm.onnx'), '--size', '32x32');
    expect(e.code, e.err).toBe(0);
  });

  it('usage errors exit 2 with one line; data errors exit 1', async () => {
    const bad = [
      ['train', data, '--out', join(tmp, 'x')], // no --model
      ['train', '--model', 'resnet', data, '--out', join(tmp, 'x')],
      ['train', '--model', 'drunet', '--out', join(tmp, 'x')], // no images
      ['train', '--model', 'drunet', data], // no --out
      ['train', '--model', 'drunet', '--config', '[1', data, '--out', join(tmp, 'x')],
      ['train', '--model', 'drunet', '--sigma', '0.1', data, '--out', join(tmp, 'x'), '--schedule', 'linear'],
      ['train', '--model', 'cunet', '--sigma', '0,0.1', data, '--out', join(tmp, 'x')],
      ['train', '--model', 'drunet', '--steps', '-3', data, '--out', join(tmp, 'x')],
    ];
    for (const argv of bad) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    const hu = join(tmp, 'hu.npy');
    writeFileSync(hu, writeNpy(tensor([2, 32, 32], new Float32Array(2048).fill(500))));
    const r = await run('train', ...tinyArgs, '--steps', '1', hu, '--out', join(tmp, 'y'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--data-range/);
    if (!listDevices().includes('cuda')) {
      const rc = await run('train', ...tinyArgs, '--steps', '1', '--device', 'cuda', data, '--out', join(tmp, 'z'));
      expect(rc.code).toBe(1); // no CUDA provider: a one-line DEVICE_UNAVAILABLE error
      expect(rc.err.trim().split('\n')).toHaveLength(1);
      expect(rc.err).toMatch(/cuda/i);
    }
    const r2 = await run('train', '--resume', join(tmp, 'nothing'), data);
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/no checkpoint/);
  });

  it('--init fine-tunes from a saved model: its kind, config and data range, its weights as the start', async () => {
    const base = join(tmp, 'base');
    const hu = join(tmp, 'hu-range.npy');
    writeFileSync(hu, writeNpy(tensor([4, 64, 64], Float32Array.from(s.data.slice(0, 4 * 64 * 64), (v) => 2000 * v - 1000))));
    let r = await run('train', ...tinyArgs, '--steps', '4', '--data-range=-1024,1024,HU', '--sigma', '10,200', '--out', base, hu, '--quiet');
    expect(r.code, r.err).toBe(0);
    const ft = join(tmp, 'ft');
    // no --model / --config / --data-range: all from the init model; lr 1e-30 keeps the float32 weights
    r = await run('train', '--init', join(base, 'model.json'), '--sigma', '10,200', '--steps', '2', '--lr', '1e-30', '--ema', '0', '--crop', '32', '--batch', '2', '--quiet', '--out', ft, hu);
    expect(r.code, r.err).toBe(0);
    const a = loadModelFile(join(base, 'model.json'));
    const b = loadModelFile(join(ft, 'model.json'));
    expect(b.meta).toMatchObject({ kind: 'drunet', dataRange: a.meta.dataRange, config: a.meta.config });
    expect(b.meta.training?.init).toBe(join(base, 'model.json'));
    const la = JSON.stringify(Array.from((a.params as unknown as { tail: { w: { data: Float32Array } } }).tail.w.data));
    const lb = JSON.stringify(Array.from((b.params as unknown as { tail: { w: { data: Float32Array } } }).tail.w.data));
    expect(lb).toBe(la);
    // a mismatched kind or architecture is refused
    r = await run('train', '--init', join(base, 'model.json'), '--model', 'cunet', '--out', join(tmp, 'ft2'), hu);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is a drunet/);
    r = await run('train', '--init', join(base, 'model.json'), '--config', '{"widths":[8,16]}', '--steps', '1', '--out', join(tmp, 'ft3'), hu, '--quiet');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/init parameters do not fit/);
  });

  it('--help documents the options with examples', async () => {
    const r = await run('train', '--help');
    expect(r.code).toBe(0);
    for (const k of ['--model', '--sigma', '--schedule', '--resume', '--init', '--threads', '--sigma-sampling', '--time-budget', 'Examples']) expect(r.out).toContain(k);
  });
});
