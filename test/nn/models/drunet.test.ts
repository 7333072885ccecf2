import { describe, expect, it } from 'vitest';
import { grad } from '../../../src/autodiff/index.js';
import { Rng } from '../../../src/core/rng.js';
import { type HostTensor, tensor } from '../../../src/core/tensor.js';
import type { Tree } from '../../../src/core/tree.js';
import { interpret } from '../../../src/interp/index.js';
import { type Sym, constant, full, mul, sum } from '../../../src/ir/sym.js';
import { spec, trace } from '../../../src/ir/trace.js';
import { type DrunetConfig, type DrunetParams, dataRangeWidth, drunet, drunetDenoiser, initDrunet } from '../../../src/nn/models/drunet.js';
import { countParams } from '../../../src/nn/params.js';
import { modelEntry } from '../../../src/nn/registry.js';
import { createRuntime } from '../../../src/node/index.js';
import { checkProbes, specTree } from './helpers.js';

const small: DrunetConfig = { channels: 1, widths: [4, 8, 16], blocksPerLevel: 1 };

describe('DRUNet', () => {
  it('counts parameters as the layout says (bias-free)', () => {
    const cfg: DrunetConfig = { channels: 2, widths: [4, 8], blocksPerLevel: 2 };
    // head 3·4·9 + (encoder + decoder at w 4)·2 blocks·2 convs·(4²·9) + down 4·8·4 + body 2·2·8²·9 + up 8·4·4 + tail 4·2·9
    const expected = 3 * 4 * 9 + 2 * 2 * 2 * 16 * 9 + 4 * 8 * 4 + 2 * 2 * 64 * 9 + 8 * 4 * 4 + 4 * 2 * 9;
    expect(countParams(initDrunet(new Rng(0), cfg))).toBe(expected);
  });
  it.each([[1, 32, 'number'], [2, 32, 'vector'], [1, 48, 'vector'], [2, 48, 'number']] as const)('batch %i, %i², σ as %s → same shape', (N, S, kind) => {
    const p = initDrunet(new Rng(1), small);
    const specs = [specTree(p), spec([N, 1, S, S]), spec([N])];
    const tr = trace((pp: DrunetParams<Sym>, x: Sym, s: Sym) => drunet(pp, x, kind === 'number' ? 0.1 : s), specs);
    expect(tr.outputs[0]!.shape).toEqual([N, 1, S, S]);
  });
  it('rejects sizes the depth does not allow and mismatched σ', () => {
    const p = initDrunet(new Rng(1), small);
    expect(() => trace((pp: DrunetParams<Sym>, x: Sym) => drunet(pp, x, 0.1), [specTree(p), spec([1, 1, 30, 32])])).toThrow(/divisible/);
    expect(() => trace((pp: DrunetParams<Sym>, x: Sym, s: Sym) => drunet(pp, x, s), [specTree(p), spec([2, 1, 8, 8]), spec([3])])).toThrow(/sigma/);
    expect(() => initDrunet(new Rng(0), { ...small, widths: [] })).toThrow(/widths/);
  });
  it('the output depends on σ, per batch item, and σ as number equals σ as [N]', () => {
    const rng = new Rng(2);
    const p = initDrunet(rng, small);
    const x = rng.normalTensor([2, 1, 8, 8]);
    const f = (pp: DrunetParams<Sym>, xx: Sym, s: Sym) => drunet(pp, xx, s);
    const a = interpret(f as never, [p, x, tensor([2], [0.1, 0.1])] as never) as HostTensor;
    const b = interpret(f as never, [p, x, tensor([2], [0.1, 0.5])] as never) as HostTensor;
    const c = interpret(((pp: DrunetParams<Sym>, xx: Sym) => drunet(pp, xx, 0.1)) as never, [p, x] as never) as HostTensor;
    const n = 64;
    let d0 = 0;
    let d1 = 0;
    let dc = 0;
    for (let i = 0; i < n; i++) { d0 = Math.max(d0, Math.abs(a.data[i]! - b.data[i]!)); d1 = Math.max(d1, Math.abs(a.data[n + i]! - b.data[n + i]!)); }
    for (let i = 0; i < 2 * n; i++) dc = Math.max(dc, Math.abs(a.data[i]! - c.data[i]!));
    expect(d0).toBe(0);
    expect(d1).toBeGreaterThan(1e-3);
    expect(dc).toBeLessThan(1e-6);
  });
  it('drunetDenoiser scales σ by the data-range width', () => {
    expect(dataRangeWidth('unit')).toBe(1);
    expect(dataRangeWidth('signed')).toBe(2);
    expect(dataRangeWidth({ min: -1000, max: 3000 })).toBe(4000);
    const rng = new Rng(3);
    const p = initDrunet(rng, small);
    const x = rng.normalTensor([1, 1, 8, 8]);
    const viaDen = interpret(((pp: DrunetParams<Sym>, xx: Sym) => drunetDenoiser(pp, { dataRange: 'signed' }).denoise(xx, 0.4)) as never, [p, x] as never) as HostTensor;
    const direct = interpret(((pp: DrunetParams<Sym>, xx: Sym) => drunet(pp, xx, 0.2)) as never, [p, x] as never) as HostTensor;
    expect(Array.from(viaDen.data)).toEqual(Array.from(direct.data));
    expect(drunetDenoiser(p as never, { dataRange: 'unit' }).name).toBe('drunet');
  });
  it('residual: y = x + (the direct output), through drunet, the denoiser view and the registry', () => {
    const rng = new Rng(4);
    const p = initDrunet(rng, small);
    const x = rng.normalTensor([1, 1, 8, 8]);
    const run = (f: (pp: DrunetParams<Sym>, xx: Sym) => Sym) => interpret(f as never, [p, x] as never) as HostTensor;
    const direct = run((pp, xx) => drunet(pp, xx, 0.1));
    const res = run((pp, xx) => drunet(pp, xx, 0.1, { residual: true }));
    const viaDen = run((pp, xx) => drunetDenoiser(pp, { dataRange: 'unit', residual: true }).denoise(xx, 0.1));
    const viaReg = run((pp, xx) => modelEntry('drunet').apply(pp as never, xx, full([1], 0.1), { ...small, residual: true }));
    for (let i = 0; i < x.data.length; i++) {
      expect(res.data[i]).toBeCloseTo(x.data[i]! + direct.data[i]!, 5);
      expect(viaDen.data[i]).toBe(res.data[i]);
      expect(viaReg.data[i]).toBe(res.data[i]);
    }
  });
  it("preconditioning 'edm': D = c_skip·x + c_out·F(c_in·x, ln(s)/4), the identity at σ = 0, errors scaled by c_out", () => {
    const rng = new Rng(5);
    const cfg: DrunetConfig = { ...small, preconditioning: 'edm', sigmaData: 0.3, blockGain: 1 };
    const p = initDrunet(rng, cfg);
    const x = rng.normalTensor([2, 1, 8, 8]);
    const run = (f: (pp: DrunetParams<Sym>, xx: Sym) => Sym) => interpret(f as never, [p, x] as never) as HostTensor;
    const sd = 0.3;
    for (const s of [0.01, 0.2]) {
      const v = s * s + sd * sd;
      const edm = run((pp, xx) => drunet(pp, xx, s, { preconditioning: 'edm', sigmaData: sd }));
      // F evaluated by hand: the plain network on c_in·x with the noise map ln(s)/4
      const F = run((pp, xx) => drunet(pp, mul(xx, 1 / Math.sqrt(v)), Math.log(s) / 4));
      for (let i = 0; i < x.data.length; i++) {
        expect(edm.data[i]).toBeCloseTo((sd * sd / v) * x.data[i]! + (s * sd / Math.sqrt(v)) * F.data[i]!, 5);
      }
      // same through the denoiser view (data range 'signed' → s = σ/2) and the registry
      const viaDen = run((pp, xx) => drunetDenoiser(pp, { dataRange: 'signed', preconditioning: 'edm', sigmaData: sd }).denoise(xx, 2 * s));
      const viaReg = run((pp, xx) => modelEntry('drunet').apply(pp as never, xx, full([2], s), cfg));
      for (let i = 0; i < x.data.length; i++) {
        expect(viaDen.data[i]).toBeCloseTo(edm.data[i]!, 6);
        expect(viaReg.data[i]).toBeCloseTo(edm.data[i]!, 6);
      }
    }
    const id = run((pp, xx) => drunet(pp, xx, 0, { preconditioning: 'edm', sigmaData: sd }));
    expect(Array.from(id.data)).toEqual(Array.from(x.data));
    // |D − x| shrinks with σ: an untrained network cannot damage a nearly clean image
    const dev = (s: number) => {
      const y = run((pp, xx) => drunet(pp, xx, s, { preconditioning: 'edm', sigmaData: sd }));
      return Math.max(...Array.from(y.data, (v, i) => Math.abs(v - x.data[i]!)));
    };
    expect(dev(1e-3)).toBeLessThan(dev(1e-1) / 20);
    expect(() => initDrunet(rng, { ...small, preconditioning: 'edm', residual: true })).toThrow(/exclude/);
    expect(() => initDrunet(rng, { ...small, preconditioning: 'bogus' as never })).toThrow(/preconditioning/);
    expect(() => initDrunet(rng, { ...small, sigmaData: 0 })).toThrow(/sigmaData/);
  });
  it('compiled on ONNX Runtime = interpreter (tiny config)', async () => {
    const rt = createRuntime({ threads: 1 });
    const cfg: DrunetConfig = { channels: 2, widths: [4, 8], blocksPerLevel: 1, blockGain: 1 };
    const rng = new Rng(4);
    const p = initDrunet(rng, cfg);
    const x = rng.normalTensor([2, 2, 8, 8]);
    const s = tensor([2], [0.05, 0.3]);
    const fn = (pp: DrunetParams<Sym>, xx: Sym, ss: Sym) => drunet(pp, xx, ss);
    const f = rt.compile(fn, [specTree(p), spec([2, 2, 8, 8]), spec([2])]);
    const a = (await f.runHost(p as Tree<HostTensor>, x, s)) as HostTensor;
    const b = interpret(fn as never, [p, x, s] as never) as HostTensor;
    expect(a.dims).toEqual(b.dims);
    let m = 0;
    let sc = 0;
    for (let i = 0; i < a.data.length; i++) { m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!)); sc = Math.max(sc, Math.abs(b.data[i]!)); }
    expect(sc).toBeGreaterThan(1e-3);
    expect(m).toBeLessThan(1e-4 * Math.max(1, sc));
  });
  it('gradient matches central finite differences (interpreter), including the transposed conv and σ', () => {
    const cfg: DrunetConfig = { channels: 1, widths: [2, 4], blocksPerLevel: 1, blockGain: 1 };
    const rng = new Rng(5);
    const p = initDrunet(rng, cfg);
    const x = rng.normalTensor([1, 1, 4, 4]);
    const sg = tensor([1], [0.3]);
    const wOut = rng.normalTensor([1, 1, 4, 4]);
    const loss = (pp: DrunetParams<Sym>, xx: Sym, ss: Sym) => sum(mul(drunet(pp, xx, ss), constant(wOut)));
    const g = interpret(grad(loss, [0, 2]) as never, [p, x, sg] as never) as unknown as [DrunetParams<HostTensor>, HostTensor];
    const L = () => (interpret(loss as never, [p, x, sg] as never) as HostTensor).data[0]!;
    const probes: [HostTensor, HostTensor, number][] = [
      [p.head.w, g[0].head.w, 10], [p.downs[0]!.down.w, g[0].downs[0]!.down.w, 3], [p.body[0]!.conv1.w, g[0].body[0]!.conv1.w, 7],
      [p.ups[0]!.up.w, g[0].ups[0]!.up.w, 5], [p.tail.w, g[0].tail.w, 2], [sg, g[1], 0],
    ];
    checkProbes(L, probes);
  });
});
