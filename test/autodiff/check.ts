/**
 * Float64 gradient / adjoint checks on the reference interpreter (helpers for the autodiff and
 * composite tests).
 *
 * gradcheck: with a fixed random r, L(x) = Σ f(x) ⊙ r. The analytic gradient is backward([f], [r])
 * evaluated by the interpreter; it is compared with central differences
 * (L(x + h eⱼ) − L(x − h eⱼ)) / 2h, h = 1e-6, on every coordinate of small inputs and on 30 random
 * coordinates of larger ones. Feeds are float64 (RawTensor), so FD error is ~1e-9.
 */
import { Rng } from '../../src/core/rng.js';
import type { HostTensor } from '../../src/core/tensor.js';
import { sizeOf } from '../../src/core/tensor.js';
import { backwardWith, VJP_RULES, type VjpTable } from '../../src/autodiff/index.js';
import { evaluateRaw } from '../../src/interp/index.js';
import { type RawTensor, toRaw } from '../../src/interp/raw.js';
import { type Sym, input } from '../../src/ir/sym.js';

export function randRaw(dims: readonly number[], seed: number, scale = 1): RawTensor {
  const rng = new Rng(seed);
  const n = sizeOf(dims);
  const d = new Float64Array(n);
  const a = rng.normal(n);
  const b = rng.uniform(n);
  // float64 values that are not float32-representable (exercise the float64 path)
  for (let i = 0; i < n; i++) d[i] = scale * (a[i]! + 1e-9 * b[i]!);
  return { dims: [...dims], dtype: 'float32', data: d };
}

export const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

export interface GradcheckResult {
  ok: boolean;
  worst: number;
  failures: string[];
  checked: number;
}

/**
 * Finite-difference gradcheck of `fn` at `inputs` (host tensors, used as float64 raw feeds)
 * on the inputs with diff[i] = true. Tolerance: |an − fd| ≤ tol·(1 + |an|).
 */
export function gradcheck(
  fn: (...xs: Sym[]) => Sym,
  inputs: readonly (HostTensor | RawTensor)[],
  diff: readonly boolean[],
  o: { seed?: number; rules?: VjpTable; tol?: number; h?: number; maxCoords?: number } = {},
): GradcheckResult {
  const h = o.h ?? 1e-6;
  const tol = o.tol ?? 1e-6;
  const feeds: RawTensor[] = inputs.map((t) => (t.data instanceof Float64Array ? { ...(t as RawTensor), data: new Float64Array(t.data) } : toRaw(t as HostTensor)));
  const xs = feeds.map((t, i) => input(i, `x${i}`, t.dims, t.dtype));
  const y = fn(...xs);
  const r = randRaw(y.shape, (o.seed ?? 7) + 1000);
  const rSym = input(xs.length, 'r', y.shape);
  const idx = diff.map((d, i) => (d ? i : -1)).filter((i) => i >= 0);
  const grads = backwardWith(o.rules ?? VJP_RULES, [y], [rSym], idx.map((i) => xs[i]!));
  const an = evaluateRaw(grads.map((g) => g.node), [...feeds, r]);
  const L = () => dot(evaluateRaw([y.node], feeds)[0]!.data, r.data);
  const rng = new Rng((o.seed ?? 7) + 99);
  const failures: string[] = [];
  let worst = 0;
  let checked = 0;
  idx.forEach((i, k) => {
    const x = feeds[i]!.data;
    const n = x.length;
    const maxC = o.maxCoords ?? 30;
    const coords = n <= maxC ? Array.from({ length: n }, (_, j) => j) : Array.from(rng.permutation(n)).slice(0, maxC);
    for (const j of coords) {
      const x0 = x[j]!;
      x[j] = x0 + h;
      const lp = L();
      x[j] = x0 - h;
      const lm = L();
      x[j] = x0;
      const fd = (lp - lm) / (2 * h);
      const a = an[k]!.data[j]!;
      const err = Math.abs(a - fd) / (1 + Math.abs(a));
      worst = Math.max(worst, err);
      checked++;
      if (!(err <= tol)) failures.push(`input ${i} coord ${j}: analytic ${a} vs fd ${fd}`);
    }
  });
  return { ok: failures.length === 0, worst, failures: failures.slice(0, 5), checked };
}

/** ⟨A x, y⟩ and ⟨x, Aᵀ y⟩ for float64 random x, y (A, At built on input placeholders). */
export function dotTest(A: (x: Sym) => Sym, At: (y: Sym) => Sym, xDims: readonly number[], seed = 1): { lhs: number; rhs: number; rel: number } {
  const xIn = input(0, 'x', xDims);
  const ax = A(xIn);
  const yIn = input(0, 'y', ax.shape);
  const aty = At(yIn);
  const x = randRaw(xDims, seed);
  const y = randRaw(ax.shape, seed + 1);
  const Ax = evaluateRaw([ax.node], [x])[0]!;
  const Aty = evaluateRaw([aty.node], [y])[0]!;
  const lhs = dot(Ax.data, y.data);
  const rhs = dot(x.data, Aty.data);
  return { lhs, rhs, rel: Math.abs(lhs - rhs) / Math.max(Math.abs(lhs), Math.abs(rhs), 1e-300) };
}
