/**
 * Optimisers as pure graph functions over parameter trees.
 *
 * Each optimiser has `init(params)` → host state tree (zeros and `step = 0`, a float32 scalar, so
 * bias correction happens in the graph) and `update(params, grads, state, lr?)` → `{params, state}`
 * over Sym trees. `lr` may be a Sym scalar input (schedules without recompiling) or a number;
 * by default the optimiser's own `lr` constant is used. With t = step + 1 and g the gradient:
 *
 * - sgd:   g ← g + λp;  b ← μb + g;  d = nesterov ? g + μb : b;  p ← p − η·d   (PyTorch, dampening 0)
 * - adam:  g ← g + λp (L2);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
 *          p ← p − η · (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε)
 * - adamw: as adam without the L2 term, plus decoupled decay p ← p − ηλp (applied to the old p)
 *
 * State trees: `{ step }` plus `{ buf }` (sgd with μ > 0) or `{ m, v }` (adam/adamw), each shaped
 * like the parameters.
 *
 * @example
 *   const opt = adam({ lr: 1e-3 });
 *   let state = opt.init(params);
 *   // inside a traced function: const { params: p2, state: s2 } = opt.update(p, g, s, lr);
 */
import { MedreconError, checkOptions } from '../core/errors.js';
import { type HostTensor, tensor } from '../core/tensor.js';
import { type Tree, flattenTree, unflattenTree } from '../core/tree.js';
import { type Sym, add, div, isSym, mul, pow, scalarConst, sqrt, sub } from '../ir/sym.js';
import { type TensorSpec, isTensorSpec, spec } from '../ir/trace.js';
import { isHostTensor } from '../io/safetensors.js';
import { mapSyms } from '../nn/params.js';

export interface Optimizer {
  readonly kind: 'sgd' | 'adam' | 'adamw';
  /** The default learning rate (used when `update` gets no `lr`). */
  readonly lr: number;
  readonly options: Readonly<Record<string, number | boolean>>;
  /** Host state for these parameters. */
  init(params: Tree<HostTensor>): Tree<HostTensor>;
  /** Specs of the state for parameters with these specs (for compiling). */
  initSpecs(params: Tree<TensorSpec>): Tree<TensorSpec>;
  /** One step, as a graph. */
  update(params: Tree<Sym>, grads: Tree<Sym>, state: Tree<Sym>, lr?: Sym | number): { params: Tree<Sym>; state: Tree<Sym> };
}

type StateKeys = readonly string[];

function makeState<L, T>(params: Tree<L>, isLeaf: (x: unknown) => x is L, keys: StateKeys, zero: (l: L) => T, scalar: () => T): Tree<T> {
  const { leaves, def } = flattenTree(params, isLeaf);
  const st: Record<string, Tree<T>> = { step: scalar() };
  for (const k of keys) st[k] = unflattenTree(def, leaves.map(zero));
  return st;
}

function stateFns(keys: StateKeys) {
  return {
    init(params: Tree<HostTensor>): Tree<HostTensor> {
      return makeState(params, isHostTensor, keys, (t) => tensor(t.dims), () => tensor([], [0]));
    },
    initSpecs(params: Tree<TensorSpec>): Tree<TensorSpec> {
      return makeState(params, isTensorSpec, keys, (t) => spec(t.dims, 'float32'), () => spec([], 'float32'));
    },
  };
}

function getState(state: Tree<Sym>, keys: StateKeys, who: string): { step: Sym; parts: Record<string, Tree<Sym>> } {
  if (typeof state !== 'object' || state === null || Array.isArray(state) || isSym(state)) throw new MedreconError('INVALID_ARGUMENT', `${who}: state must be an object tree`);
  const s = state as Record<string, Tree<Sym>>;
  const step = s.step;
  if (!isSym(step) || step.rank !== 0) throw new MedreconError('INVALID_ARGUMENT', `${who}: state.step must be a scalar`);
  const parts: Record<string, Tree<Sym>> = {};
  for (const k of keys) {
    if (s[k] === undefined) throw new MedreconError('INVALID_ARGUMENT', `${who}: state.${k} is missing`);
    parts[k] = s[k]!;
  }
  return { step, parts };
}

function positive(who: string, name: string, v: number, allowZero = false): void {
  if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) throw new MedreconError('INVALID_ARGUMENT', `${who}: ${name} must be ${allowZero ? '≥ 0' : '> 0'}, got ${v}`);
}

function lrSym(lr: Sym | number | undefined, dflt: number): Sym {
  if (lr === undefined) return scalarConst(dflt);
  if (typeof lr === 'number') return scalarConst(lr);
  if (lr.rank !== 0 || lr.dtype !== 'float32') throw new MedreconError('SHAPE_MISMATCH', `optimizer: lr must be a float32 scalar, got ${lr.toString()}`);
  return lr;
}

/** Split a tree of {a, b} results into two trees. */
function unzip(n: number, fn: (...l: Sym[]) => Sym[], ...trees: Tree<Sym>[]): Tree<Sym>[] {
  const flats = trees.map((t) => flattenTree(t, isSym));
  const outs: Sym[][] = Array.from({ length: n }, () => []);
  flats[0]!.leaves.forEach((_, j) => fn(...flats.map((f) => f.leaves[j]!)).forEach((r, k) => outs[k]!.push(r)));
  return outs.map((o) => unflattenTree(flats[0]!.def, o));
}

export interface SgdOptions {
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/** Stochastic gradient descent with optional (Nesterov) momentum and L2 weight decay. */
export function sgd(opts: SgdOptions): Optimizer {
  checkOptions('sgd', opts, ['lr', 'momentum', 'nesterov', 'weightDecay']);
  const mu = opts.momentum ?? 0;
  const wd = opts.weightDecay ?? 0;
  const nesterov = opts.nesterov ?? false;
  positive('sgd', 'lr', opts.lr);
  positive('sgd', 'momentum', mu, true);
  positive('sgd', 'weightDecay', wd, true);
  if (nesterov && mu === 0) throw new MedreconError('INVALID_ARGUMENT', 'sgd: nesterov needs momentum > 0');
  const keys: StateKeys = mu > 0 ? ['buf'] : [];
  return {
    kind: 'sgd',
    lr: opts.lr,
    options: { lr: opts.lr, momentum: mu, nesterov, weightDecay: wd },
    ...stateFns(keys),
    update(params, grads, state, lr) {
      const { step, parts } = getState(state, keys, 'sgd');
      const eta = lrSym(lr, opts.lr);
      const decayed = wd > 0 ? mapSyms((p, g) => add(g, mul(p, wd)), params, grads) : grads;
      const newStep = add(step, 1);
      if (mu === 0) return { params: mapSyms((p, g) => sub(p, mul(g, eta)), params, decayed), state: { step: newStep } as Tree<Sym> };
      const [newP, newBuf] = unzip(2, (p, g, b) => {
        const nb = add(mul(b, mu), g);
        const d = nesterov ? add(g, mul(nb, mu)) : nb;
        return [sub(p, mul(d, eta)), nb];
      }, params, decayed, parts.buf!);
      return { params: newP!, state: { step: newStep, buf: newBuf! } };
    },
  };
}

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** adam: L2 penalty added to the gradient; adamw: decoupled decay rate. */
  weightDecay?: number;
}

function adamLike(kind: 'adam' | 'adamw', opts: AdamOptions): Optimizer {
  checkOptions(kind, opts, ['lr', 'beta1', 'beta2', 'eps', 'weightDecay']);
  const b1 = opts.beta1 ?? 0.9;
  const b2 = opts.beta2 ?? 0.999;
  const eps = opts.eps ?? 1e-8;
  const wd = opts.weightDecay ?? (kind === 'adamw' ? 0.01 : 0);
  positive(kind, 'lr', opts.lr);
  positive(kind, 'eps', eps, true);
  positive(kind, 'weightDecay', wd, true);
  for (const [n, b] of [['beta1', b1], ['beta2', b2]] as const) {
    if (!(b >= 0 && b < 1)) throw new MedreconError('INVALID_ARGUMENT', `${kind}: ${n} must be in [0, 1), got ${b}`);
  }
  const keys: StateKeys = ['m', 'v'];
  return {
    kind,
    lr: opts.lr,
    options: { lr: opts.lr, beta1: b1, beta2: b2, eps, weightDecay: wd },
    ...stateFns(keys),
    update(params, grads, state, lr) {
      const { step, parts } = getState(state, keys, kind);
      const eta = lrSym(lr, opts.lr);
      const t = add(step, 1);
      const bc1 = sub(1, pow(scalarConst(b1), t));
      const bc2 = sub(1, pow(scalarConst(b2), t));
      const stepSize = div(eta, bc1);
      const [newP, newM, newV] = unzip(3, (p, g0, m, v) => {
        const g = kind === 'adam' && wd > 0 ? add(g0, mul(p, wd)) : g0;
        const m2 = add(mul(m, b1), mul(g, 1 - b1));
        const v2 = add(mul(v, b2), mul(mul(g, g), 1 - b2));
        const denom = add(sqrt(div(v2, bc2)), eps);
        const base = kind === 'adamw' && wd > 0 ? sub(p, mul(p, mul(eta, wd))) : p;
        return [sub(base, div(mul(m2, stepSize), denom)), m2, v2];
      }, params, grads, parts.m!, parts.v!);
      return { params: newP!, state: { step: t, m: newM!, v: newV! } };
    },
  };
}

/** Adam (Kingma & Ba 2015) with bias correction in the graph; `weightDecay` is an L2 term. */
export function adam(opts: AdamOptions): Optimizer {
  return adamLike('adam', opts);
}

/** AdamW (Loshchilov & Hutter 2019): decoupled weight decay (default 0.01). */
export function adamw(opts: AdamOptions): Optimizer {
  return adamLike('adamw', opts);
}
