import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import { createInterpExecutor } from '../../src/interp/index.js';
import { createRuntime } from '../../src/node/index.js';
import { linearOperator } from '../../src/physics/operator.js';
import { fista } from '../../src/optim/fista.js';
import { pgd } from '../../src/optim/pgd.js';
import { l1Prior } from '../../src/optim/prior.js';
import { tvPrior, tvProx } from '../../src/optim/tv.js';
import { conditioned, evalHost, matOp, maxAbsDiff, solveDense } from './helpers.js';
import type { IterationRecord } from '../../src/optim/types.js';

const ex = createInterpExecutor();

function normalSolution(M: Float32Array, m: number, n: number, y: Float32Array): Float64Array {
  const AtA = new Float64Array(n * n);
  const Aty = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < m; a++) Aty[i] = Aty[i]! + M[a * n + i]! * y[a]!;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let a = 0; a < m; a++) s += M[a * n + i]! * M[a * n + j]!;
      AtA[i * n + j] = s;
    }
  }
  return solveDense(AtA, Aty, n);
}

describe('PGD and FISTA', () => {
  const m = 30;
  const n = 20;
  const M = conditioned(m, n, 0.5, 2, 11);
  const A = matOp(M, m, n);
  const y = tensor([m], new Rng(12).normal(m));

  it('least squares (g = 0): both converge to the normal-equation solution (float64 interpreter)', async () => {
    const xs = normalSolution(M, m, n, y.data as Float32Array);
    const rf = await fista(ex, { physics: A, y, maxIter: 400, tol: 1e-10 });
    const rp = await pgd(ex, { physics: A, y, maxIter: 400, tol: 1e-10 });
    expect(maxAbsDiff(rf.image.data, xs)).toBeLessThan(2e-6);
    expect(maxAbsDiff(rp.image.data, xs)).toBeLessThan(2e-6);
    expect(rf.info.method).toBe('fista');
    expect(rf.info.stoppedBy).toBe('tolerance');
    expect(rf.info.iterations).toBeLessThan(400);
  });

  it('ℓ1 with an orthogonal A = sQ has the soft-threshold solution soft(Qᵀy/s, λ/s²)', async () => {
    const Q = conditioned(n, n, 1, 1, 13); // orthogonal
    const s = 1.5;
    const Ms = Q.map((v) => v * s);
    const As = matOp(Ms, n, n);
    const yy = tensor([n], new Rng(14).normal(n, 0, 2));
    const lam = 0.8;
    const qty = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let a = 0; a < n; a++) qty[i] = qty[i]! + Ms[a * n + i]! * yy.data[a]! / (s * s);
    const want = Array.from(qty, (v) => Math.sign(v) * Math.max(Math.abs(v) - lam / (s * s), 0));
    expect(want.filter((v) => v === 0).length).toBeGreaterThan(2); // the threshold is active somewhere
    const r = await fista(ex, { physics: As, y: yy, prior: l1Prior(lam), maxIter: 200, tol: 1e-12 });
    expect(maxAbsDiff(r.image.data, want)).toBeLessThan(1e-6);
  });

  it('objective decreases monotonically for PGD; FISTA beats PGD after 30 iterations (ill-conditioned ℓ1)', async () => {
    const M2 = conditioned(m, n, 0.05, 2, 15);
    const A2 = matOp(M2, m, n);
    const tr = (r: { info: { trace?: readonly IterationRecord[] } }) => r.info.trace!.map((t) => t.objective);
    const rp = await pgd(ex, { physics: A2, y, prior: l1Prior(0.1), maxIter: 30, trace: true });
    const rf = await fista(ex, { physics: A2, y, prior: l1Prior(0.1), maxIter: 30, trace: true });
    const op = tr(rp);
    for (let i = 1; i < op.length; i++) expect(op[i]!).toBeLessThanOrEqual(op[i - 1]! * (1 + 1e-7));
    expect(op[0]!).toBeGreaterThan(op[29]!);
    expect(rf.info.objective).toBeLessThan(rp.info.objective);
    // reference optimum by many FISTA iterations: FISTA's gap is much smaller than PGD's
    const ref = await fista(ex, { physics: A2, y, prior: l1Prior(0.1), maxIter: 3000, tol: 1e-13 });
    const fStar = ref.info.objective;
    expect(rf.info.objective - fStar).toBeLessThan(0.5 * (rp.info.objective - fStar));
  });

  it('backtracking recovers from an underestimated Lipschitz constant; callback and onIteration', async () => {
    const seen: number[] = [];
    let images = 0;
    const r = await fista(ex, {
      physics: A, y, lipschitz: 0.01, maxIter: 50,
      callback: (rec) => rec.iteration >= 7,
      onIteration: async (rec, get) => { seen.push(rec.iteration); if (rec.iteration === 3) { const h = await get(); images += h.data.length; } },
    });
    expect(r.info.stoppedBy).toBe('callback');
    expect(r.info.iterations).toBe(7);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(images).toBe(n);
    expect(Number.isFinite(r.info.objective)).toBe(true);
    expect(r.info.wallMs).toBeGreaterThan(0);
  });

  it('rejects unknown options and mismatched shapes', async () => {
    await expect(fista(ex, { physics: A, y, maxiter: 3 } as never)).rejects.toMatchObject({ code: 'UNKNOWN_OPTION' });
    await expect(pgd(ex, { physics: A, y: tensor([n], new Float32Array(n)) })).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
    await expect(fista(ex, { physics: A, y, maxIter: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('TV denoising with A = I: FISTA (ORT) reaches the prox after one step with L = 1', async () => {
    const rt = createRuntime({ threads: 1 });
    const b = tensor([1, 1, 16, 16], new Rng(16).uniform(256)) as HostTensor;
    const I = linearOperator('id', [1, 1, 16, 16], [1, 1, 16, 16], (x) => x, (x) => x);
    const r = await fista(rt, { physics: I, y: b, prior: tvPrior(0.1), lipschitz: 1, backtracking: false, maxIter: 1 });
    const ref = await evalHost(rt, (x) => tvProx(x, 0.1), b);
    expect(maxAbsDiff(r.image.data, ref.data)).toBeLessThan(1e-5);
  });
});
