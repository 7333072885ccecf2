/**
 * Parameter trees and initialisers.
 *
 * A parameter tree is a nested object/array whose leaves are `HostTensor` (on the host) or `Sym`
 * (inside a traced function); the same structure flattens in the same (sorted-key) order in both.
 *
 * Initialisers (fan conventions: a conv weight [O, I, ...k] has fanIn = I·∏k, fanOut = O·∏k; a
 * dense weight [in, out] (used as x @ W) has fanIn = in, fanOut = out):
 * - kaimingNormal:  N(0, (gain / √fanIn)²), gain = √2 (ReLU) by default
 * - kaimingUniform: U(−b, b), b = gain · √(3 / fanIn)
 * - xavierNormal:   N(0, gain² · 2 / (fanIn + fanOut))
 * - xavierUniform:  U(−b, b), b = gain · √(6 / (fanIn + fanOut))
 * - zerosInit:      all zeros
 *
 * @example
 *   const w = kaimingNormal(rng, [32, 1, 3, 3]);  // std √2/3
 */
import { MedreconError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { type HostTensor, sizeOf, tensor } from '../core/tensor.js';
import { type Tree, flattenTree, treeDefKey, unflattenTree } from '../core/tree.js';
import { type Sym, isSym } from '../ir/sym.js';
import { isHostTensor } from '../io/safetensors.js';

export type HostParams = Tree<HostTensor>;
export type SymParams = Tree<Sym>;


/** (fanIn, fanOut) of a weight shape (see the module comment). */
export function fans(dims: readonly number[]): { fanIn: number; fanOut: number } {
  if (dims.length < 2) throw new MedreconError('INVALID_ARGUMENT', `fans: weight needs rank ≥ 2, got [${dims.join(', ')}]`);
  if (dims.length === 2) return { fanIn: dims[0]!, fanOut: dims[1]! };
  const k = sizeOf(dims.slice(2));
  return { fanIn: dims[1]! * k, fanOut: dims[0]! * k };
}

export function kaimingNormal(rng: Rng, dims: readonly number[], gain = Math.SQRT2): HostTensor<'float32'> {
  return rng.normalTensor(dims, 0, gain / Math.sqrt(fans(dims).fanIn));
}
export function kaimingUniform(rng: Rng, dims: readonly number[], gain = Math.SQRT2): HostTensor<'float32'> {
  const b = gain * Math.sqrt(3 / fans(dims).fanIn);
  return rng.uniformTensor(dims, -b, b);
}
export function xavierNormal(rng: Rng, dims: readonly number[], gain = 1): HostTensor<'float32'> {
  const f = fans(dims);
  return rng.normalTensor(dims, 0, gain * Math.sqrt(2 / (f.fanIn + f.fanOut)));
}
export function xavierUniform(rng: Rng, dims: readonly number[], gain = 1): HostTensor<'float32'> {
  const f = fans(dims);
  const b = gain * Math.sqrt(6 / (f.fanIn + f.fanOut));
  return rng.uniformTensor(dims, -b, b);
}
export function zerosInit(dims: readonly number[]): HostTensor<'float32'> {
  return tensor(dims);
}

/** Number of scalars in a host parameter tree. */
export function countParams(params: HostParams): number {
  return flattenTree(params, isHostTensor).leaves.reduce((a, t) => a + t.data.length, 0);
}

/**
 * Map leaves of one or more trees with the same structure (checked) to a new tree.
 * @example mapTrees(isSym, (p, g) => p.sub(g.mul(lr)), params, grads)
 */
export function mapTrees<L, R>(isLeaf: (x: unknown) => x is L, fn: (...leaves: L[]) => R, ...trees: Tree<L>[]): Tree<R> {
  if (trees.length === 0) throw new MedreconError('INVALID_ARGUMENT', 'mapTrees: needs at least one tree');
  const flats = trees.map((t) => flattenTree(t, isLeaf));
  const key = treeDefKey(flats[0]!.def);
  flats.forEach((f, i) => {
    if (treeDefKey(f.def) !== key) throw new MedreconError('SHAPE_MISMATCH', `mapTrees: tree ${i} has a different structure than tree 0`);
  });
  const out = flats[0]!.leaves.map((_, j) => fn(...flats.map((f) => f.leaves[j]!)));
  return unflattenTree(flats[0]!.def, out);
}

/** `mapTrees` specialised to Sym leaves. */
export function mapSyms(fn: (...leaves: Sym[]) => Sym, ...trees: Tree<Sym>[]): Tree<Sym> {
  return mapTrees(isSym, fn, ...trees);
}

/** Deep copy of a host tree (fresh typed arrays). */
export function cloneParams(params: HostParams): HostParams {
  return mapTrees(isHostTensor, (t) => tensor(t.dims, t.data.slice(), t.dtype), params);
}
