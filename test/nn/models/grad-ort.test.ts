import { describe, expect, it } from 'vitest';
import { grad } from '../../../src/autodiff/index.js';
import { Rng } from '../../../src/core/rng.js';
import { type HostTensor, tensor } from '../../../src/core/tensor.js';
import type { Tree } from '../../../src/core/tree.js';
import { interpret } from '../../../src/interp/index.js';
import { type Sym, constant, mul, sum } from '../../../src/ir/sym.js';
import { spec } from '../../../src/ir/trace.js';
import { type CunetConfig, type CunetParams, cunet, initCunet } from '../../../src/nn/models/cunet.js';
import { type UnetConfig, type UnetParams, initUnet, unet } from '../../../src/nn/models/unet.js';
import { createRuntime } from '../../../src/node/index.js';
import { checkProbes, specTree } from './helpers.js';

const tiny: CunetConfig = {
  channels: 1, nf: 2, levels: 1, attention: ['mid'], attnHeads: 1, attnDimHead: 2, timeEmbDim: 4, norm: 'group', solver: 'midpoint',
};

describe('cU-Net gradient against central finite differences (interpreter)', () => {
  it.each([['augmented' as const], ['secondOrder' as const]])('%s form', (odeForm) => {
    const cfg = { ...tiny, odeForm };
    const rng = new Rng(11);
    const p = initCunet(rng, cfg);
    // make FiLM non-zero so its gradient path is exercised
    for (const b of [p.enc[0]!.ode, p.mid.ode, p.dec[0]!.ode]) (b.film!.w as HostTensor).data.set(rng.normalTensor(b.film!.w.dims as number[]).data.map((v) => 0.3 * v));
    const x = rng.normalTensor([1, 1, 4, 4]);
    const t = tensor([1], [7]);
    const wOut = rng.normalTensor([1, 1, 4, 4]);
    const loss = (pp: CunetParams<Sym>, xx: Sym, tt: Sym) => sum(mul(cunet(pp, xx, tt, cfg), constant(wOut)));
    const g = interpret(grad(loss, 0) as never, [p, x, t] as never) as unknown as CunetParams<HostTensor>;
    const L = () => (interpret(loss as never, [p, x, t] as never) as HostTensor).data[0]!;
    const probes: [HostTensor, HostTensor, number][] = [
      [p.init.conv1.w, g.init.conv1.w, 3],
      [p.enc[0]!.ode.conv1.w, g.enc[0]!.ode.conv1.w, 5],
      [p.enc[0]!.ode.film!.w, g.enc[0]!.ode.film!.w, 2],
      [p.mid.attn!.qkv.w, g.mid.attn!.qkv.w, 4],
      [p.dec[0]!.ode.conv2.w, g.dec[0]!.ode.conv2.w, 1],
      [p.head.w, g.head.w, 0],
    ];
    checkProbes(L, probes);
  });
});

describe('compiled on ONNX Runtime = interpreter', () => {
  const rt = createRuntime({ threads: 1 });
  const close = (a: HostTensor, b: HostTensor) => {
    expect(a.dims).toEqual(b.dims);
    let m = 0;
    let s = 0;
    for (let i = 0; i < a.data.length; i++) { m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!)); s = Math.max(s, Math.abs(b.data[i]!)); }
    expect(m).toBeLessThan(1e-4 * Math.max(1, s));
  };
  it('small cU-Net (nf 4, 16², RK4, attention)', async () => {
    const cfg: CunetConfig = { channels: 2, nf: 4, levels: 2, attention: ['enc2', 'dec1'], attnHeads: 2, attnDimHead: 4, timeEmbDim: 8 };
    const rng = new Rng(4);
    const p = initCunet(rng, cfg);
    const x = rng.normalTensor([2, 2, 16, 16]);
    const t = tensor([2], [3, 500]);
    const fn = (pp: CunetParams<Sym>, xx: Sym, tt: Sym) => cunet(pp, xx, tt, cfg);
    const f = rt.compile(fn, [specTree(p), spec([2, 2, 16, 16]), spec([2])]);
    close((await f.runHost(p as Tree<HostTensor>, x, t)) as HostTensor, interpret(fn as never, [p, x, t] as never) as HostTensor);
  });
  it('small U-Net (dim 8, 16²)', async () => {
    const cfg: UnetConfig = { channels: 1, dim: 8, dimMults: [1, 2, 4], groups: 4, attnHeads: 2, attnDimHead: 4 };
    const rng = new Rng(5);
    const p = initUnet(rng, cfg);
    const x = rng.normalTensor([1, 1, 16, 16]);
    const t = tensor([1], [42]);
    const fn = (pp: UnetParams<Sym>, xx: Sym, tt: Sym) => unet(pp, xx, tt, cfg);
    const f = rt.compile(fn, [specTree(p), spec([1, 1, 16, 16]), spec([1])]);
    close((await f.runHost(p as Tree<HostTensor>, x, t)) as HostTensor, interpret(fn as never, [p, x, t] as never) as HostTensor);
  });
});
