import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import { type HostTensor, tensor } from '../../../src/core/tensor.js';
import { interpret } from '../../../src/interp/index.js';
import type { Sym } from '../../../src/ir/sym.js';
import { spec, trace } from '../../../src/ir/trace.js';
import { type CunetConfig, type CunetParams, countCunetParams, cunet, initCunet, odeIntegrate } from '../../../src/nn/models/cunet.js';
import { countMacs } from '../../../src/nn/models/macs.js';
import { countParams } from '../../../src/nn/params.js';
import { specTree } from './helpers.js';

const paper: CunetConfig = { channels: 3, nf: 16, timeConditioning: 'none' };

describe('cU-Net: the paper configuration (nf = 16, attention at enc4 and dec1)', () => {
  it('has exactly 8,811,875 parameters as the authors count them (FiLM off, frozen 1000×256 table counted)', () => {
    const p = initCunet(new Rng(0), paper);
    expect(countCunetParams(p, paper)).toBe(8_811_875);
    expect(countCunetParams(p, paper, { includeFrozenTable: false })).toBe(8_555_875);
    expect(countCunetParams(initCunet(new Rng(0), { ...paper, attention: [] }), paper)).toBe(8_548_707);
    expect(countCunetParams(initCunet(new Rng(0), { ...paper, attention: ['enc2', 'enc4', 'mid', 'dec1', 'dec3'] }), paper)).toBe(9_140_835);
    // FiLM in every one of the 9 ODE blocks adds Σ_c (256·2c + 2c) = 514·Σc, Σc = 1472.
    const film: CunetConfig = { channels: 3, nf: 16 };
    expect(countCunetParams(initCunet(new Rng(0), film), film)).toBe(8_811_875 + 514 * 1472);
  });
  it('costs ≈ 2.83 G multiply-accumulates per 1×3×64×64 forward (RK4, 4 stages per block)', () => {
    const p = initCunet(new Rng(0), paper);
    const tr = trace((pp: CunetParams<Sym>, x: Sym, t: Sym) => cunet(pp, x, t, paper), [specTree(p), spec([1, 3, 64, 64]), spec([1])]);
    const m = countMacs(tr.outputs);
    // Measured: 2,824,929,280 MACs = 9 blocks·4 stages·75,497,472 (ODE convs) + 84,279,296 (1×1 convs)
    // + 3,866,624 (g_φ) + 18,874,368 (2 attention blocks incl. 2·524,288 for QKᵀ and AV).
    expect(m.macs).toBe(2_824_929_280);
    // thop's figure is 2,830,983,168; we agree within 0.25 %.
    expect(Math.abs(m.macs / 2_830_983_168 - 1)).toBeLessThan(0.0025);
    expect(m.resampleMacs).toBeGreaterThan(0);
  });
});

describe('cU-Net: small configurations', () => {
  const small: CunetConfig = { channels: 1, nf: 4, attention: ['enc2', 'dec1'], attnHeads: 2, attnDimHead: 4, levels: 2, solver: 'euler', timeEmbDim: 8 };
  it.each([
    [1, 32, { solver: 'midpoint' as const }],
    [2, 32, { odeForm: 'secondOrder' as const, norm: 'group' as const }],
    [1, 64, { steps: 2, timeMlp: true }],
    [2, 64, {}],
  ])('batch %i, %i² → same shape', (N, S, extra) => {
    const cfg = { ...small, ...extra, nf: 8 };
    const p = initCunet(new Rng(1), cfg);
    const tr = trace((pp: CunetParams<Sym>, x: Sym, t: Sym) => cunet(pp, x, t, cfg), [specTree(p), spec([N, 1, S, S]), spec([N])]);
    expect(tr.outputs[0]!.shape).toEqual([N, 1, S, S]);
  });
  it('FiLM reaches every ODE block: each block\'s FiLM weight changes the output, and t matters', () => {
    const cfg = { ...small, levels: 1, attention: [] };
    const rng = new Rng(2);
    const p = initCunet(rng, cfg);
    const x = rng.normalTensor([1, 1, 4, 4]);
    const f = (pp: CunetParams<Sym>, xx: Sym, t: Sym) => cunet(pp, xx, t, cfg);
    const base = interpret(f as never, [p, x, tensor([1], [5])] as never) as HostTensor;
    const blocks = [p.enc[0]!.ode, p.mid.ode, p.dec[0]!.ode];
    for (const b of blocks) {
      const w = b.film!.w as HostTensor;
      const saved = w.data.slice();
      w.data.fill(0.3);
      const y = interpret(f as never, [p, x, tensor([1], [5])] as never) as HostTensor;
      const y2 = interpret(f as never, [p, x, tensor([1], [70])] as never) as HostTensor;
      w.data.set(saved);
      expect(Math.max(...y.data.map((v, i) => Math.abs(v - base.data[i]!)))).toBeGreaterThan(1e-5);
      expect(Math.max(...y.data.map((v, i) => Math.abs(v - y2.data[i]!)))).toBeGreaterThan(1e-5);
    }
    expect(countParams(p)).toBeGreaterThan(0);
  });
  it('fixed-step solvers: RK4 (3/8 rule) on dh/ds = −h matches e^{−1}', () => {
    const x = tensor([1], [1]);
    const sol = (s: 'euler' | 'midpoint' | 'rk4', n: number) => (interpret(((h: Sym) => odeIntegrate((z) => z.neg(), h, s, n)) as never, [x] as never) as HostTensor).data[0]!;
    expect(sol('euler', 1)).toBeCloseTo(0, 6);
    expect(sol('midpoint', 1)).toBeCloseTo(0.5, 6);
    expect(sol('rk4', 1)).toBeCloseTo(1 - 1 + 1 / 2 - 1 / 6 + 1 / 24, 6);
    expect(Math.abs(sol('rk4', 4) - Math.exp(-1))).toBeLessThan(2e-5);
    expect(Math.abs(sol('rk4', 8) - Math.exp(-1))).toBeLessThan(2e-6); // 4th order: error ÷ 16
  });
  it('rejects sizes not divisible by 2^levels', () => {
    const cfg = { ...small };
    const p = initCunet(new Rng(1), cfg);
    expect(() => trace((pp: CunetParams<Sym>, x: Sym, t: Sym) => cunet(pp, x, t, cfg), [specTree(p), spec([1, 1, 30, 30]), spec([1])])).toThrow(/divisible/);
  });
});
