/**
 * Exponential moving average of a parameter tree, as a graph function:
 *
 *   e ← d · e + (1 − d) · p        (per leaf; d = decay, a number or a scalar Sym input)
 *
 * plus the usual warm-up of the decay as a host function, d_k = min(decay, (1 + k)/(10 + k)) at
 * step k, so early averages are not dominated by the initialisation.
 *
 * @example
 *   const ema0 = cloneParams(params);                       // host copy, start of training
 *   // in a graph: const ema1 = emaUpdate(ema, params, d);  // d: spec([]) input fed emaDecay(step, 0.999)
 */
import { MedreconError } from '../core/errors.js';
import type { Tree } from '../core/tree.js';
import { type Sym, add, isSym, mul, sub } from '../ir/sym.js';
import { cloneParams, mapSyms } from '../nn/params.js';
import type { Optimizer } from './optimizers.js';

/** One EMA step over matching trees: e ← d e + (1 − d) p. */
export function emaUpdate(ema: Tree<Sym>, params: Tree<Sym>, decay: number | Sym): Tree<Sym> {
  if (typeof decay === 'number' && !(decay >= 0 && decay <= 1)) throw new MedreconError('INVALID_ARGUMENT', `emaUpdate: decay must be in [0, 1], got ${decay}`);
  if (isSym(decay) && decay.rank !== 0) throw new MedreconError('SHAPE_MISMATCH', `emaUpdate: decay must be a scalar, got [${decay.shape.join(', ')}]`);
  const oneMinus = typeof decay === 'number' ? 1 - decay : sub(1, decay);
  return mapSyms((e, p) => add(mul(e, decay), mul(p, oneMinus)), ema, params);
}

/** Warmed-up decay at step k (0-based): min(decay, (1 + k)/(10 + k)). @example emaDecay(0, 0.999) // 0.1 */
export function emaDecay(step: number, decay: number): number {
  if (!(step >= 0) || !Number.isFinite(step)) throw new MedreconError('INVALID_ARGUMENT', `emaDecay: step must be ≥ 0, got ${step}`);
  if (!(decay >= 0 && decay <= 1)) throw new MedreconError('INVALID_ARGUMENT', `emaDecay: decay must be in [0, 1], got ${decay}`);
  return Math.min(decay, (1 + step) / (10 + step));
}

/**
 * An optimiser whose state also carries an EMA of the parameters: state = { inner, ema }, and after
 * each inner step ema ← d·ema + (1 − d)·params' (the updated parameters). `init` starts the EMA at
 * the initial parameters. Read the averaged weights from `state.ema`.
 * @example const opt = withEma(adam({ lr: 1e-3 }), 0.999);   // makeTrainStep(rt, loss, opt, specs)
 */
export function withEma(inner: Optimizer, decay: number): Optimizer {
  if (!(decay >= 0 && decay <= 1)) throw new MedreconError('INVALID_ARGUMENT', `withEma: decay must be in [0, 1], got ${decay}`);
  return {
    kind: inner.kind,
    lr: inner.lr,
    options: { ...inner.options, emaDecay: decay },
    init: (p) => ({ inner: inner.init(p), ema: cloneParams(p) }),
    initSpecs: (p) => ({ inner: inner.initSpecs(p), ema: p }),
    update(params, grads, state, lr) {
      if (typeof state !== 'object' || state === null || isSym(state) || Array.isArray(state) || !('inner' in state) || !('ema' in state)) {
        throw new MedreconError('INVALID_ARGUMENT', 'withEma: state must be { inner, ema }');
      }
      const s = state as { readonly inner: Tree<Sym>; readonly ema: Tree<Sym> };
      const r = inner.update(params, grads, s.inner, lr);
      return { params: r.params, state: { inner: r.state, ema: emaUpdate(s.ema, r.params, decay) } };
    },
  };
}
