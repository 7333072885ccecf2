/**
 * Conjugate gradients for A x = b (A self-adjoint positive semidefinite, real inner product Σ a·b,
 * complex data as a trailing axis of 2) and the CG-based pseudo-inverse / quadratic prox.
 *
 * The implementation lives in `src/physics/algorithms.ts` (the LinearOperator contract's `pinv`
 * and `proxL2` need it, and physics may not import optim); this module is the solver-side door.
 * One compiled graph per iteration maps (x, r, p, ρ) → (x', r', p', ρ'); only the scalar residual
 * is read back (every `checkEvery` iterations).
 *
 * @example
 *   const { x, iterations, residual } = await cg(ex, (v) => A.adjoint(A.forward(v)).add(v.mul(0.01)), Ahy, { maxIter: 50, tol: 1e-6 });
 *   const { x: xTik } = await pinvCG(ex, A, y, { lambda: 1e-3, maxIter: 30 });
 *   const { x: xProx } = await proxL2(ex, A, y, z, 0.5, { maxIter: 10 });
 */
export {
  type CgIteration, type CgOptions, type CgResult, type CgState, type PinvCgOptions, type ProxL2Options,
  cg, cgStep, dotReal, pinvCG, proxL2, proxL2System,
} from '../physics/algorithms.js';
