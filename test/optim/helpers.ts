/** Shared helpers for the optim tests: seeded random tensors and small host-side linear algebra. */
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import { Rng } from '../../src/core/rng.js';
import type { Executor } from '../../src/ir/executor.js';
import { type Sym, spec } from '../../src/ir/index.js';
import { constant, matmul, transpose } from '../../src/ir/sym.js';
import { type LinearOperator, linearOperator } from '../../src/physics/operator.js';

export function randn(dims: readonly number[], seed: number, std = 1): HostTensor<'float32'> {
  const n = dims.reduce((a, b) => a * b, 1);
  return tensor(dims, new Rng(seed).normal(n, 0, std));
}

/** Evaluate a function of host tensors to host tensors (one compile + run). */
export async function evalHost(ex: Executor, fn: (...xs: Sym[]) => Sym, ...xs: HostTensor[]): Promise<HostTensor> {
  const f = ex.compile(fn, xs.map((x) => spec(x.dims)));
  return (await f.runHost(...xs)) as HostTensor;
}

export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    e += (a[i]! - b[i]!) ** 2;
    n += b[i]! ** 2;
  }
  return Math.sqrt(e / n);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Solve the dense n×n system M x = r (Gaussian elimination with partial pivoting, float64). */
export function solveDense(M: Float64Array, r: Float64Array, n: number): Float64Array {
  const A = Float64Array.from(M);
  const b = Float64Array.from(r);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let i = c + 1; i < n; i++) if (Math.abs(A[i * n + c]!) > Math.abs(A[p * n + c]!)) p = i;
    if (p !== c) {
      for (let j = 0; j < n; j++) [A[c * n + j], A[p * n + j]] = [A[p * n + j]!, A[c * n + j]!];
      [b[c], b[p]] = [b[p]!, b[c]!];
    }
    for (let i = c + 1; i < n; i++) {
      const f = A[i * n + c]! / A[c * n + c]!;
      for (let j = c; j < n; j++) A[i * n + j] = A[i * n + j]! - f * A[c * n + j]!;
      b[i] = b[i]! - f * b[c]!;
    }
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let j = i + 1; j < n; j++) s -= A[i * n + j]! * x[j]!;
    x[i] = s / A[i * n + i]!;
  }
  return x;
}

/** Dense m×n matrix operator x [n] → M x [m] (float32 entries). */
export function matOp(M: Float32Array, m: number, n: number): LinearOperator {
  const c = constant(tensor([m, n], M));
  return linearOperator('matrix', [n], [m], (x) => matmul(c, x), (y) => matmul(transpose(c), y));
}

/** Random m×n matrix with singular values spread in [smin, smax] (U diag(s) Vᵀ, U, V orthonormal by Gram–Schmidt). */
export function conditioned(m: number, n: number, smin: number, smax: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const orth = (k: number, d: number): Float64Array[] => {
    const vs: Float64Array[] = [];
    while (vs.length < k) {
      const v = Float64Array.from(rng.normal(d));
      for (const u of vs) {
        let p = 0;
        for (let i = 0; i < d; i++) p += u[i]! * v[i]!;
        for (let i = 0; i < d; i++) v[i] = v[i]! - p * u[i]!;
      }
      const nv = Math.hypot(...v);
      vs.push(v.map((a) => a / nv));
    }
    return vs;
  };
  const k = Math.min(m, n);
  const U = orth(k, m);
  const V = orth(k, n);
  const M = new Float32Array(m * n);
  for (let j = 0; j < k; j++) {
    const s = smin * (smax / smin) ** (j / Math.max(1, k - 1));
    for (let a = 0; a < m; a++) for (let b = 0; b < n; b++) M[a * n + b] = M[a * n + b]! + s * U[j]![a]! * V[j]![b]!;
  }
  return M;
}

