/**
 * Gradient clipping by global norm, as a graph function over a tree (PyTorch `clip_grad_norm_`):
 *
 *   n = √(Σ_leaves Σ g²),   c = min(1, maxNorm / (n + eps)),   g ← c · g
 *
 * The returned `norm` is the norm *before* clipping (log it).
 *
 * @example
 *   // inside a traced train step, after valueAndGrad:
 *   const { grads: g, norm } = clipByGlobalNorm(grads, 1.0);
 *   const r = optimizer.update(params, g, state, lr);
 */
import { MedreconError } from '../core/errors.js';
import { type Tree, flattenTree } from '../core/tree.js';
import { type Sym, add, div, isSym, minimum, mul, sqrt, sum } from '../ir/sym.js';
import { mapSyms } from '../nn/params.js';
import type { Optimizer } from './optimizers.js';

/** √(Σ g²) over every leaf of the tree (a float32 scalar). */
export function globalNorm(tree: Tree<Sym>): Sym {
  const { leaves } = flattenTree(tree, isSym);
  if (leaves.length === 0) throw new MedreconError('INVALID_ARGUMENT', 'globalNorm: the tree has no leaves');
  return sqrt(leaves.map((g) => sum(mul(g, g))).reduce((a, b) => add(a, b)));
}

/** Scale the whole tree so that its global norm is at most `maxNorm` (see the module comment). */
export function clipByGlobalNorm(grads: Tree<Sym>, maxNorm: number | Sym, eps = 1e-6): { readonly grads: Tree<Sym>; readonly norm: Sym } {
  if (typeof maxNorm === 'number' && !(maxNorm > 0)) throw new MedreconError('INVALID_ARGUMENT', `clipByGlobalNorm: maxNorm must be > 0, got ${maxNorm}`);
  const norm = globalNorm(grads);
  const c = minimum(div(maxNorm, add(norm, eps)), 1);
  return { grads: mapSyms((g) => mul(g, c), grads), norm };
}

/**
 * An optimiser that clips the gradient tree to global norm `maxNorm` before `inner.update` (same
 * state, so it drops into `makeTrainStep`). @example makeTrainStep(rt, loss, withClipping(adam({ lr: 1e-3 }), 1), specs)
 */
export function withClipping(inner: Optimizer, maxNorm: number): Optimizer {
  if (!(maxNorm > 0)) throw new MedreconError('INVALID_ARGUMENT', `withClipping: maxNorm must be > 0, got ${maxNorm}`);
  return {
    kind: inner.kind,
    lr: inner.lr,
    options: { ...inner.options, clipNorm: maxNorm },
    init: (p) => inner.init(p),
    initSpecs: (p) => inner.initSpecs(p),
    update: (params, grads, state, lr) => inner.update(params, clipByGlobalNorm(grads, maxNorm).grads, state, lr),
  };
}
