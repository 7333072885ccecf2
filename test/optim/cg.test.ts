import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import { createInterpExecutor } from '../../src/interp/index.js';
import { cmul, cconj, fftc, ifftc } from '../../src/ir/composite.js';
import { type Sym, add, constant, matmul, mul, reshape } from '../../src/ir/sym.js';
import { createRuntime } from '../../src/node/index.js';
import { cg, pinvCG } from '../../src/optim/cg.js';
import { fromForward, linearOperator } from '../../src/physics/operator.js';

/** A random SPD matrix M = GᵀG + δI (n×n) as a host array, row-major. */
function spd(n: number, seed: number, delta = 0.5): Float64Array {
  const g = new Rng(seed).normal(n * n);
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += g[k * n + i]! * g[k * n + j]!;
    m[i * n + j] = s + (i === j ? delta : 0);
  }
  return m;
}

/** Solve M x = b by Gaussian elimination (float64 reference). */
function solve(m: Float64Array, b: ArrayLike<number>, n: number): Float64Array {
  const a = Float64Array.from(m);
  const x = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]!) > Math.abs(a[p * n + c]!)) p = r;
    for (let k = 0; k < n; k++) [a[c * n + k], a[p * n + k]] = [a[p * n + k]!, a[c * n + k]!];
    [x[c], x[p]] = [x[p]!, x[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c]! / a[c * n + c]!;
      for (let k = c; k < n; k++) a[r * n + k]! -= f * a[c * n + k]!;
      x[r]! -= f * x[c]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r]!;
    for (let k = r + 1; k < n; k++) s -= a[r * n + k]! * x[k]!;
    x[r] = s / a[r * n + r]!;
  }
  return x;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('cg', () => {
  const n = 12;
  const M = spd(n, 1);
  const Mt = tensor([n, n], M);
  const applyM = (x: Sym) => reshape(matmul(constant(Mt), reshape(x, [n, 1])), [n]);
  const b = new Rng(2).normalTensor([n]);
  const xRef = solve(Float64Array.from(Mt.data), b.data, n);

  it('solves an SPD system to its exact solution in ≤ n iterations (interpreter, float64)', async () => {
    const r = await cg(createInterpExecutor(), applyM, b, { maxIter: 3 * n, tol: 1e-12 });
    expect(r.converged).toBe(true);
    expect(r.stoppedBy).toBe('tolerance');
    expect(r.iterations).toBeLessThanOrEqual(n + 2);
    const x = await r.x.toHost();
    expect(maxAbsDiff(x.data, xRef)).toBeLessThan(1e-5 * Math.max(...xRef.map(Math.abs)));
    // residual history is monotone-ish and ends below tol
    expect(r.residuals[0]).toBeCloseTo(1, 12);
    expect(r.residual).toBeLessThanOrEqual(1e-12);
  });

  it('respects x0, maxIter and the callback stop', async () => {
    const ex = createInterpExecutor();
    const x0 = tensor([n], xRef);
    const r0 = await cg(ex, applyM, b, { x0, maxIter: 50, tol: 1e-6 });
    expect(r0.iterations).toBeLessThanOrEqual(1); // x0 is (float32-rounded) the solution
    const r1 = await cg(ex, applyM, b, { maxIter: 3, tol: 0 });
    expect(r1.iterations).toBe(3);
    expect(r1.stoppedBy).toBe('maxIter');
    const seen: number[] = [];
    const r2 = await cg(ex, applyM, b, { maxIter: 50, tol: 0, onIteration: (it) => { seen.push(it.residual); return it.iteration === 4 ? 'stop' : undefined; } });
    expect(r2.iterations).toBe(4);
    expect(r2.stoppedBy).toBe('callback');
    expect(seen.length).toBe(4);
    const r3 = await cg(ex, applyM, b, { maxIter: 7, tol: 0, checkEvery: 3 });
    expect(r3.residuals.length).toBe(1 + 3); // reads after 3, 6, 7
  });

  it('returns 0 for b = 0 and rejects bad options', async () => {
    const ex = createInterpExecutor();
    const r = await cg(ex, applyM, tensor([n]), {});
    expect(r.iterations).toBe(0);
    expect(Array.from((await r.x.toHost()).data)).toEqual(new Array(n).fill(0));
    await expect(cg(ex, applyM, b, { maxIter: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(cg(ex, applyM, b, { foo: 1 } as never)).rejects.toMatchObject({ code: 'UNKNOWN_OPTION' });
    await expect(cg(ex, applyM, b, { x0: tensor([3]) })).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
  });

  it('works on complex data (trailing 2) with a Hermitian operator, on ORT in float32', async () => {
    // A = Fᴴ diag(w) F + 0.1 I on a 16×16 complex image, w > 0: Hermitian PD.
    const H = 16;
    const rng = new Rng(3);
    const w = tensor([H, H, 1], rng.uniform(H * H, 0.2, 2));
    const apply = (x: Sym) => add(ifftc(mul(fftc(x, [0, 1]), constant(w)), [0, 1]), mul(x, 0.1));
    const xTrue = rng.normalTensor([H, H, 2]);
    const ex = createInterpExecutor();
    const bT = (await ex.compile(apply, [{ dims: [H, H, 2], dtype: 'float32' }]).runHost(xTrue)) as HostTensor;
    const rt = createRuntime({ threads: 1 });
    const r = await cg(rt, apply, bT, { maxIter: 100, tol: 1e-5 });
    expect(r.converged).toBe(true);
    expect(maxAbsDiff((await r.x.toHost()).data, xTrue.data)).toBeLessThan(1e-3);
  });
});

describe('pinvCG', () => {
  it('gives the Tikhonov solution (AᵀA + λI)⁻¹Aᵀy for a tall matrix', async () => {
    const m = 9, n = 5, lambda = 0.3;
    const rng = new Rng(4);
    const G = rng.normalTensor([m, n]);
    const A = fromForward('mat', [n], [m], (x) => reshape(matmul(constant(G), reshape(x, [n, 1])), [m]));
    const y = rng.normalTensor([m]);
    const r = await pinvCG(createInterpExecutor(), A, y, { lambda, maxIter: 50, tol: 1e-12 });
    // reference via normal equations
    const N = new Float64Array(n * n);
    const rhs = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) { let s = 0; for (let k = 0; k < m; k++) s += G.data[k * n + i]! * G.data[k * n + j]!; N[i * n + j] = s + (i === j ? lambda : 0); }
      let s = 0; for (let k = 0; k < m; k++) s += G.data[k * n + i]! * y.data[k]!; rhs[i] = s;
    }
    const ref = solve(N, rhs, n);
    expect(maxAbsDiff((await r.x.toHost()).data, ref)).toBeLessThan(1e-6);
  });

  it('inverts a complex diagonal operator given with a closed-form adjoint', async () => {
    const rng = new Rng(5);
    const d = rng.normalTensor([6, 2]);
    const A = linearOperator('cdiag', [6, 2], [6, 2], (x) => cmul(x, constant(d)), (y) => cmul(y, cconj(constant(d))));
    const x = rng.normalTensor([6, 2]);
    const y = (await createInterpExecutor().compile((v: Sym) => A.forward(v), [{ dims: [6, 2], dtype: 'float32' }]).runHost(x)) as HostTensor;
    const r = await pinvCG(createInterpExecutor(), A, y, { maxIter: 20, tol: 1e-12 });
    expect(maxAbsDiff((await r.x.toHost()).data, x.data)).toBeLessThan(1e-5);
  });
});
