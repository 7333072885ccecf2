import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import { createInterpExecutor } from '../../src/interp/index.js';
import { createRuntime } from '../../src/node/index.js';
import { poissonSamples } from '../../src/physics/noise.js';
import { diskImage, forwardHost, fullArc, parallelBeam } from '../../src/physics/ct/index.js';
import { petOperator } from '../../src/physics/pet/index.js';
import { mlem, osem, subsetViews } from '../../src/optim/em.js';

const interp = createInterpExecutor();
const ort = createRuntime({ threads: 1 });

function problem(n = 12, views = 12, scale = 50) {
  const g = parallelBeam({ imageSize: [n, n], pixelSize: 2, angles: fullArc(views) });
  const truth = diskImage(g, [{ cx: 2, cy: -1, r: 8, value: scale }, { cx: -4, cy: 4, r: 3, value: scale }]);
  const pet = petOperator({ geometry: g, attenuation: diskImage(g, [{ cx: 0, cy: 0, r: 10, value: 0.01 }]), background: tensor([views, g.nDetectors], new Float32Array(views * g.nDetectors).fill(0.2)) });
  const ax = forwardHost(pet.projector.tables, truth.data as Float32Array);
  const ybar = Float32Array.from(ax, (v, i) => v * pet.factors.data[i]! + 0.2);
  return { g, truth, pet, ybar: tensor([views, g.nDetectors], ybar) };
}

const nmse = (a: HostTensor, b: HostTensor) => {
  let e = 0, n = 0;
  for (let i = 0; i < a.data.length; i++) { e += (a.data[i]! - b.data[i]!) ** 2; n += b.data[i]! ** 2; }
  return e / n;
};

describe('MLEM / OSEM', () => {
  it('MLEM: the log-likelihood increases monotonically (float64 interpreter, noisy data)', async () => {
    const { pet, ybar } = problem();
    const y = tensor(ybar.dims, Float32Array.from(poissonSamples(ybar.data, new Rng(3))));
    const r = await mlem(interp, y, pet, { iterations: 25, trace: true });
    const L = r.info.trace!.map((t) => t.objective);
    expect(L.length).toBe(25);
    for (let k = 1; k < L.length; k++) expect(L[k]!).toBeGreaterThanOrEqual(L[k - 1]! - 1e-9 * Math.abs(L[k - 1]!));
    expect(L[L.length - 1]!).toBeGreaterThan(L[0]!);
    expect(r.info.method).toBe('mlem');
    expect(r.info.iterations).toBe(25);
    expect(r.info.objective).toBe(L[L.length - 1]);
    expect(Math.min(...r.image.data)).toBeGreaterThanOrEqual(0);
  });

  it('MLEM converges towards the true image on a noiseless problem (ORT)', async () => {
    const { pet, ybar, truth } = problem(12, 16);
    const errs: number[] = [];
    const r = await mlem(ort, ybar, pet, { iterations: 400, objective: false, onIteration: async (rec, get) => { if (rec.iteration % 100 === 0) errs.push(nmse(await get(), truth)); } });
    expect(errs.length).toBe(4);
    for (let k = 1; k < errs.length; k++) expect(errs[k]!).toBeLessThan(errs[k - 1]!);
    expect(nmse(r.image, truth)).toBeLessThan(0.01);
  });

  it('OSEM with one subset equals MLEM; more subsets raise the likelihood faster at first', async () => {
    const { pet, ybar } = problem();
    const a = await mlem(interp, ybar, pet, { iterations: 3 });
    const b = await osem(interp, ybar, pet, { subsets: 1, iterations: 3 });
    expect(Array.from(b.image.data)).toEqual(Array.from(a.image.data));
    expect(b.info.objective).toBe(a.info.objective);
    const m1 = await mlem(ort, ybar, pet, { iterations: 1 });
    const o4 = await osem(ort, ybar, pet, { subsets: 4, iterations: 1 });
    expect(o4.info.method).toBe('osem');
    expect(o4.info.objective).toBeGreaterThan(m1.info.objective);
    expect(Array.from(subsetViews(10, 4, 1))).toEqual([1, 5, 9]);
  });

  it('x0, callback stop and validation', async () => {
    const { pet, ybar } = problem();
    const x0 = tensor([12, 12], new Float32Array(144).fill(1));
    const r = await mlem(ort, ybar, pet, { iterations: 50, x0, callback: (rec) => rec.iteration === 3 });
    expect(r.info.iterations).toBe(3);
    expect(r.info.stoppedBy).toBe('callback');
    await expect(mlem(ort, tensor([2, 2]), pet)).rejects.toThrow(/y must be/);
    await expect(osem(ort, ybar, pet, { subsets: 100 })).rejects.toThrow(/exceeds/);
    await expect(mlem(ort, ybar, pet, { foo: 1 } as never)).rejects.toThrow(/unknown option/);
    const neg = tensor(ybar.dims, Float32Array.from(ybar.data, (v, i) => (i === 0 ? -1 : v)));
    await expect(mlem(ort, neg, pet)).rejects.toThrow(/≥ 0/);
  });
});
