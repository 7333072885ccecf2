import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import { createInterpExecutor } from '../../src/interp/index.js';
import { cconj, cmul, fftc, ifftc } from '../../src/ir/composite.js';
import { type Sym, constant, mul } from '../../src/ir/sym.js';
import { createRuntime } from '../../src/node/index.js';
import { adjointCheck, dotTest, linearityCheck, opNorm, powerIteration, proxL2, proxL2System } from '../../src/physics/algorithms.js';
import { fromForward, linearOperator, normalOp } from '../../src/physics/operator.js';

const interp = createInterpExecutor();

/** Complex diagonal operator x ↦ d ⊙ x on [n, 2]; ‖A‖ = max |d|. */
function cdiag(d: HostTensor, wrongAdjoint = false) {
  const n = d.dims[0]!;
  return linearOperator('cdiag', [n, 2], [n, 2], (x) => cmul(x, constant(d)), (y) => (wrongAdjoint ? cmul(y, constant(d)) : cmul(y, cconj(constant(d)))));
}

describe('dotTest / adjointCheck / linearityCheck', () => {
  const d = new Rng(1).normalTensor([16, 2]);
  it('pass for a correct adjoint at float64 rounding level, fail for a wrong one', async () => {
    const good = await dotTest(interp, cdiag(d), 3);
    expect(good.relError).toBeLessThan(1e-12);
    expect(good.lhs).toBeCloseTo(good.rhs, 5);
    const bad = await adjointCheck(interp, cdiag(d, true));
    expect(bad.ok).toBe(false);
    expect(bad.maxRelError).toBeGreaterThan(1e-3);
    expect((await adjointCheck(interp, cdiag(d))).ok).toBe(true);
  });
  it('fromForward adjoints (linearTranspose) pass, on ORT to float32 precision', async () => {
    const A = fromForward('fft-mask', [8, 12, 2], [8, 12, 2], (x) => mul(fftc(x, [0, 1]), constant(tensor([8, 12, 1], new Rng(2).uniform(96)))));
    expect((await dotTest(interp, A, 1)).relError).toBeLessThan(1e-10);
    const o = await dotTest(createRuntime({ threads: 1 }), A, 1);
    expect(o.relError).toBeLessThan(1e-5);
  });
  it('linearityCheck catches an affine map', async () => {
    expect(await linearityCheck(interp, cdiag(d))).toBeLessThan(1e-14);
    const affine = linearOperator('affine', [4], [4], (x) => x.add(1), (y) => y);
    expect(await linearityCheck(interp, affine)).toBeGreaterThan(1e-3);
  });
});

describe('opNorm / powerIteration', () => {
  it('‖d⊙·‖ = max|d| (complex diagonal), ‖F‖ = 1 for the unitary FFT', async () => {
    const d = new Rng(3).normalTensor([20, 2]);
    let m = 0;
    for (let i = 0; i < 20; i++) m = Math.max(m, Math.hypot(d.data[2 * i]!, d.data[2 * i + 1]!));
    // make the top eigenvalue well separated so the test converges quickly
    d.data[0] = 2 * m;
    d.data[1] = 0;
    const r = await opNorm(interp, cdiag(d), { iterations: 200, tol: 1e-12 });
    expect(r.norm).toBeCloseTo(2 * m, 6); // λ comes back as float32
    expect(r.converged).toBe(true);
    const F = linearOperator('fftc', [6, 5, 2], [6, 5, 2], (x) => fftc(x, [0, 1]), (y) => ifftc(y, [0, 1]));
    const f = await opNorm(interp, F, { iterations: 10 });
    expect(f.norm).toBeCloseTo(1, 6);
    expect(f.iterations).toBeLessThanOrEqual(3);
  });
  it('powerIteration on a symmetric matrix map; rejects bad options', async () => {
    const lam = await powerIteration(interp, (x: Sym) => mul(x, constant(tensor([3], [1, 5, 2]))), [3], { iterations: 300, tol: 1e-13 });
    expect(lam.lambda).toBeCloseTo(5, 9);
    await expect(powerIteration(interp, (x) => x, [3], { iterations: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(powerIteration(interp, (x) => x, [3], { iters: 3 } as never)).rejects.toMatchObject({ code: 'UNKNOWN_OPTION' });
  });
});

describe('proxL2', () => {
  it('solves (AᴴA + ρI)x = Aᴴy + ρz (closed form for a complex diagonal A)', async () => {
    const rng = new Rng(4);
    const d = rng.normalTensor([10, 2]);
    const y = rng.normalTensor([10, 2]);
    const z = rng.normalTensor([10, 2]);
    const rho = 0.7;
    const r = await proxL2(interp, cdiag(d), y, z, rho, { tol: 1e-12, maxIter: 50 });
    const x = await r.x.toHost();
    for (let i = 0; i < 10; i++) {
      const [dr, di, yr, yi, zr, zi] = [d.data[2 * i]!, d.data[2 * i + 1]!, y.data[2 * i]!, y.data[2 * i + 1]!, z.data[2 * i]!, z.data[2 * i + 1]!];
      const den = dr * dr + di * di + rho;
      // conj(d)·y + ρz
      expect(x.data[2 * i]).toBeCloseTo((dr * yr + di * yi + rho * zr) / den, 5);
      expect(x.data[2 * i + 1]).toBeCloseTo((dr * yi - di * yr + rho * zi) / den, 5);
    }
    expect(() => proxL2System(cdiag(d), 0)).toThrow(/INVALID_ARGUMENT/);
    await expect(proxL2(interp, cdiag(d), z.dims.length ? tensor([3]) : y, z, 1)).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
  });
  it('normalOp of an operator is self-adjoint (dot test)', async () => {
    const d = new Rng(5).normalTensor([7, 2]);
    expect((await dotTest(interp, normalOp(cdiag(d)), 2)).relError).toBeLessThan(1e-12);
  });
});
