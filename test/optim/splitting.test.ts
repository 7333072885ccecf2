import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { tensor } from '../../src/core/tensor.js';
import { createInterpExecutor } from '../../src/interp/index.js';
import { div } from '../../src/ir/sym.js';
import { admm } from '../../src/optim/admm.js';
import { hqs } from '../../src/optim/hqs.js';
import { l1Prior } from '../../src/optim/prior.js';
import { logSchedule } from '../../src/optim/problem.js';
import { conditioned, matOp, maxAbsDiff, solveDense } from './helpers.js';

const ex = createInterpExecutor();

describe('ADMM and HQS', () => {
  const n = 16;
  const Q = conditioned(n, n, 1, 1, 21); // orthogonal
  const s = 1.5;
  const Ms = Q.map((v) => v * s);
  const A = matOp(Ms, n, n);
  const y = tensor([n], new Rng(22).normal(n, 0, 2));
  const lam = 0.8;
  const qty = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let a = 0; a < n; a++) qty[i] = qty[i]! + (Ms[a * n + i]! * y.data[a]!) / (s * s);
  const lasso = Array.from(qty, (v) => Math.sign(v) * Math.max(Math.abs(v) - lam / (s * s), 0));

  it('ADMM with CG data steps: least squares → normal equations; ℓ1 → soft-threshold solution', async () => {
    const m = 24;
    const M = conditioned(m, n, 0.5, 2, 23);
    const yy = tensor([m], new Rng(24).normal(m));
    const AtA = new Float64Array(n * n);
    const Aty = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < m; a++) Aty[i] = Aty[i]! + M[a * n + i]! * yy.data[a]!;
      for (let j = 0; j < n; j++) for (let a = 0; a < m; a++) AtA[i * n + j] = AtA[i * n + j]! + M[a * n + i]! * M[a * n + j]!;
    }
    const xs = solveDense(AtA, Aty, n);
    const r = await admm(ex, { physics: matOp(M, m, n), y: yy, rho: 1, maxIter: 60, cg: { maxIter: 20, tol: 1e-12 } });
    expect(maxAbsDiff(r.image.data, xs)).toBeLessThan(1e-5);
    const r1 = await admm(ex, { physics: A, y, prior: l1Prior(lam), rho: 2, maxIter: 200, tol: 1e-10, cg: { maxIter: 20, tol: 1e-12 }, trace: true });
    expect(maxAbsDiff(r1.image.data, lasso)).toBeLessThan(1e-5);
    const obj = r1.info.trace!.map((t) => t.objective);
    expect(obj[obj.length - 1]!).toBeLessThan(obj[0]!);
  });

  it('ADMM with a closed-form data step (AᴴA = s²I) gives the same solution', async () => {
    const r = await admm(ex, {
      physics: A, y, prior: l1Prior(lam), rho: 2, maxIter: 200, tol: 1e-10,
      normalSolve: (rhs, rho) => div(rhs, rho.add(s * s)),
    });
    expect(r.info.stoppedBy).toBe('tolerance');
    expect(maxAbsDiff(r.image.data, lasso)).toBeLessThan(1e-5);
  });

  it('HQS with fixed μ converges to the relaxed minimiser soft(q, λ(s²+μ)/(s²μ)); increasing μ moves it towards the ℓ1 solution', async () => {
    // relaxed problem ½‖Ax − y‖² + λ‖z‖₁ + (μ/2)‖x − z‖²; with A = sQ, eliminating x leaves
    // (s²μ/(2(s²+μ)))‖z − q‖² + λ‖z‖₁, q = Aᵀy/s², whose minimiser is a soft threshold.
    const mu = 0.5;
    const thr = (lam * (s * s + mu)) / (s * s * mu);
    const relaxed = Array.from(qty, (v) => Math.sign(v) * Math.max(Math.abs(v) - thr, 0));
    const fixed = await hqs(ex, { physics: A, y, prior: l1Prior(lam), mu, maxIter: 300, tol: 1e-10, cg: { maxIter: 20, tol: 1e-12 } });
    expect(fixed.info.stoppedBy).toBe('tolerance');
    expect(maxAbsDiff(fixed.image.data, relaxed)).toBeLessThan(1e-5);
    expect(maxAbsDiff(fixed.image.data, lasso)).toBeGreaterThan(0.1);
    const grow = await hqs(ex, { physics: A, y, prior: l1Prior(lam), mu: logSchedule(0.5, 1e3, 200), normalSolve: (rhs, m) => div(rhs, m.add(s * s)) });
    expect(grow.info.iterations).toBe(200);
    expect(maxAbsDiff(grow.image.data, lasso)).toBeLessThan(0.1 * maxAbsDiff(fixed.image.data, lasso));
    expect(grow.info.objective).toBeLessThan(fixed.info.objective);
  });

  it('validates options', async () => {
    await expect(admm(ex, { physics: A, y, rho: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(hqs(ex, { physics: A, y, mu: [] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(admm(ex, { physics: A, y, cg: { iters: 3 } } as never)).rejects.toMatchObject({ code: 'UNKNOWN_OPTION' });
  });
});
