import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import { type HostTensor, tensor } from '../../../src/core/tensor.js';
import { createInterpExecutor } from '../../../src/interp/index.js';
import type { Sym } from '../../../src/ir/sym.js';
import { spec, specOf } from '../../../src/ir/trace.js';
import { createRuntime } from '../../../src/node/index.js';
import { dotTest } from '../../../src/physics/algorithms.js';
import { ctProjector, diskImage, fullArc, parallelBeam } from '../../../src/physics/ct/index.js';
import { petOperator, poissonLogLikelihood, poissonLogLikelihoodHost } from '../../../src/physics/pet/index.js';

const interp = createInterpExecutor();
const ort = createRuntime({ threads: 1 });
const g = parallelBeam({ imageSize: [14, 14], pixelSize: 2, angles: fullArc(10) });
const V = 10, D = g.nDetectors;

function model() {
  const mu = diskImage(g, [{ cx: 0, cy: 0, r: 12, value: 0.01 }]);
  const norm = tensor([V, D], new Rng(1).uniform(V * D, 0.8, 1.2));
  const bg = tensor([V, D], new Rng(2).uniform(V * D, 0, 0.5));
  return { mu, norm, bg, pet: petOperator({ geometry: g, attenuation: mu, normalization: norm, background: bg }) };
}

describe('PET emission model', () => {
  it('attenuation factors are exp(−P μ) with the same projector; factors = n·a', async () => {
    const { mu, norm, pet } = model();
    const P = ctProjector(g);
    const li = (await interp.compile((x: Sym) => P.forward(x), [specOf(mu)]).runHost(mu)) as HostTensor;
    for (let i = 0; i < V * D; i++) {
      expect(pet.attenuationFactors.data[i]).toBeCloseTo(Math.exp(-li.data[i]!), 6);
      expect(pet.factors.data[i]).toBeCloseTo(Math.exp(-li.data[i]!) * norm.data[i]!, 6);
    }
    expect(Math.min(...pet.attenuationFactors.data)).toBeLessThan(0.9); // the μ-map attenuates
  });

  it('A = diag(n a) P has an exact adjoint; ȳ = A x + b', async () => {
    const { pet, bg } = model();
    expect((await dotTest(interp, pet.A, 4)).relError).toBeLessThan(1e-10);
    expect((await dotTest(ort, pet.A, 4)).normalizedError).toBeLessThan(1e-5);
    const x = new Rng(3).uniformTensor([14, 14]);
    const f = interp.compile((v: Sym) => ({ ybar: pet.mean(v), ax: pet.A.forward(v) }), [specOf(x)]);
    const o = (await f.runHost(x)) as unknown as { ybar: HostTensor; ax: HostTensor };
    for (let i = 0; i < V * D; i++) expect(Math.abs(o.ybar.data[i]! - o.ax.data[i]! - bg.data[i]!)).toBeLessThan(1e-6 * (1 + Math.abs(o.ybar.data[i]!)));
  });

  it('sensitivity image equals Aᵀ 1 = Pᵀ(n a)', async () => {
    const { pet } = model();
    const s = pet.sensitivity();
    const ones = tensor([V, D], new Float32Array(V * D).fill(1));
    const ref = (await interp.compile((y: Sym) => pet.A.adjoint(y), [specOf(ones)]).runHost(ones)) as HostTensor;
    for (let i = 0; i < s.data.length; i++) expect(s.data[i]).toBeCloseTo(ref.data[i]!, 5);
    expect(Math.min(...s.data)).toBeGreaterThan(0);
  });

  it('subset(views) selects rows of the model', async () => {
    const { pet } = model();
    const sub = pet.subset([1, 4, 7]);
    const x = new Rng(4).uniformTensor([14, 14]);
    const full = (await interp.compile((v: Sym) => pet.mean(v), [specOf(x)]).runHost(x)) as HostTensor;
    const part = (await interp.compile((v: Sym) => sub.mean(v), [specOf(x)]).runHost(x)) as HostTensor;
    [1, 4, 7].forEach((v, s) => {
      for (let k = 0; k < D; k++) expect(part.data[s * D + k]).toBeCloseTo(full.data[v * D + k]!, 5);
    });
  });

  it('Poisson log-likelihood: graph = host; y = 0 terms give −ȳ', async () => {
    const y = tensor([2, 3], [0, 1, 4, 2, 0, 7]);
    const yb = tensor([2, 3], [0.5, 2, 3, 1e-3, 0, 6]);
    const host = poissonLogLikelihoodHost(y.data, yb.data);
    let ref = 0;
    for (let i = 0; i < 6; i++) ref += (y.data[i]! > 0 ? y.data[i]! * Math.log(yb.data[i]!) : 0) - yb.data[i]!;
    expect(host).toBeCloseTo(ref, 10);
    const f = interp.compile((a: Sym, b: Sym) => poissonLogLikelihood(a, b), [spec([2, 3]), spec([2, 3])]);
    expect(((await f.runHost(y, yb)) as HostTensor).data[0]).toBeCloseTo(host, 6);
  });

  it('validates inputs', () => {
    expect(() => petOperator({ geometry: g, background: tensor([V, D + 1]) })).toThrow(/background must be/);
    expect(() => petOperator({ geometry: g, normalization: tensor([V, D], new Float32Array(V * D).fill(-1)) })).toThrow(/≥ 0/);
    expect(() => petOperator({ geometry: g, attenuation: tensor([3, 3]) })).toThrow(/attenuation must be/);
    expect(() => petOperator({ geometry: g, extra: 1 } as never)).toThrow(/unknown option/);
  });
});
