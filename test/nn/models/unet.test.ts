import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import type { Sym } from '../../../src/ir/sym.js';
import { spec, trace } from '../../../src/ir/trace.js';
import { countMacs } from '../../../src/nn/models/macs.js';
import { type UnetConfig, type UnetParams, initUnet, unet } from '../../../src/nn/models/unet.js';
import { countParams } from '../../../src/nn/params.js';
import { specTree } from './helpers.js';

describe('baseline DDPM U-Net', () => {
  it('reference configuration (dim 64, mults 1,2,4,8) has 35,710,339 parameters, and its MACs at 64²', () => {
    const cfg: UnetConfig = { channels: 3, dim: 64 };
    const p = initUnet(new Rng(0), cfg);
    expect(countParams(p)).toBe(35_710_339);
    const tr = trace((pp: UnetParams<Sym>, x: Sym, t: Sym) => unet(pp, x, t, cfg), [specTree(p), spec([1, 3, 64, 64]), spec([1])]);
    const m = countMacs(tr.outputs);
    // Measured: convs 7,203,192,832 + matmuls 93,372,416 (attention and time MLP) = 7,296,565,248.
    // thop reports 7,206,256,640 (it counts modules: convs and Linear layers, not attention einsums).
    expect(m.convMacs).toBe(7_203_192_832);
    expect(m.macs).toBe(7_296_565_248);
    expect(Math.abs(m.convMacs / 7_206_256_640 - 1)).toBeLessThan(0.001);
  });
  it('full attention everywhere / ddpm blocks change the count as the formulas say', () => {
    // every level linear → +256 + 512 (linear attention has an extra RMSNorm g over C)
    const lin = initUnet(new Rng(0), { channels: 3, dim: 8, fullAttn: [false, false, false, false] });
    const ref = initUnet(new Rng(0), { channels: 3, dim: 8 });
    expect(countParams(lin) - countParams(ref)).toBe(32 + 64);
    // ddpm blocks: time Linear T→o (not 2o), norm1 over the input channels
    const dd = initUnet(new Rng(0), { channels: 3, dim: 8, block: 'ddpm' });
    expect(countParams(dd)).toBeLessThan(countParams(ref));
  });
  it.each([
    [1, 32, {}],
    [2, 32, { block: 'ddpm' as const }],
    [1, 64, { dimMults: [1, 2] }],
    [2, 64, {}],
  ])('batch %i, %i² (dim 8) → same shape', (N, S, extra) => {
    const cfg: UnetConfig = { channels: 2, dim: 8, groups: 4, attnHeads: 2, attnDimHead: 4, ...extra };
    const p = initUnet(new Rng(1), cfg);
    const tr = trace((pp: UnetParams<Sym>, x: Sym, t: Sym) => unet(pp, x, t, cfg), [specTree(p), spec([N, 2, S, S]), spec([N])]);
    expect(tr.outputs[0]!.shape).toEqual([N, 2, S, S]);
  });
});
