/**
 * Tracing: call a function of symbolic trees on fresh input placeholders and collect its outputs.
 *
 * A traced function takes positional arguments, each a tree (nested arrays/objects) of `Sym`,
 * and returns a tree of `Sym`. `specs[i]` gives the shape tree of argument i with `TensorSpec`
 * leaves. Input placeholders are numbered in flattening order.
 *
 * @example
 *   const t = trace((p, x) => p.w.matmul(x), [{ w: spec([4, 3]) }, spec([3, 2])]);
 */
import { MedreconError } from '../core/errors.js';
import type { DType, HostTensor } from '../core/tensor.js';
import { type Tree, type TreeDef, flattenTree, unflattenTree } from '../core/tree.js';
import { type Sym, input, isSym } from './sym.js';

export interface TensorSpec {
  readonly dims: readonly number[];
  readonly dtype: DType;
}

export function spec(dims: readonly number[], dtype: DType = 'float32'): TensorSpec {
  return { dims: [...dims], dtype };
}

export function isTensorSpec(x: unknown): x is TensorSpec {
  return typeof x === 'object' && x !== null && Array.isArray((x as TensorSpec).dims) && typeof (x as TensorSpec).dtype === 'string' && !('data' in x);
}

/** Spec of a host tensor (or of anything with dims and dtype). */
export function specOf(t: { readonly dims: readonly number[]; readonly dtype: DType } | HostTensor): TensorSpec {
  return { dims: [...t.dims], dtype: t.dtype };
}

export type SymFn = (...args: any[]) => Tree<Sym>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Traced {
  /** Flat input placeholders, in index order. */
  readonly inputs: Sym[];
  readonly inputSpecs: TensorSpec[];
  /** Dotted paths of the inputs ("0.w", "1"), used as ONNX input names. */
  readonly inputPaths: string[];
  readonly argDefs: TreeDef[];
  readonly outputs: Sym[];
  readonly outputPaths: string[];
  readonly outDef: TreeDef;
}

export function sanitizeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_]/g, '_');
}

/** Make the placeholder trees for `specs` (numbered from `firstIndex`). */
export function placeholders(specs: readonly Tree<TensorSpec>[], firstIndex = 0) {
  const inputs: Sym[] = [];
  const inputSpecs: TensorSpec[] = [];
  const inputPaths: string[] = [];
  const argDefs: TreeDef[] = [];
  const args = specs.map((s, argi) => {
    const { leaves, def, paths } = flattenTree(s, isTensorSpec);
    argDefs.push(def);
    const syms = leaves.map((l, j) => {
      const path = paths[j] ? `${argi}.${paths[j]}` : `${argi}`;
      const x = input(firstIndex + inputs.length, `in_${sanitizeName(path)}`, l.dims, l.dtype);
      inputs.push(x);
      inputSpecs.push(l);
      inputPaths.push(path);
      return x;
    });
    return unflattenTree(def, syms);
  });
  return { args, inputs, inputSpecs, inputPaths, argDefs };
}

export function trace(fn: SymFn, specs: readonly Tree<TensorSpec>[]): Traced {
  const { args, inputs, inputSpecs, inputPaths, argDefs } = placeholders(specs);
  const out = fn(...args);
  let flat;
  try {
    flat = flattenTree(out, isSym);
  } catch (e) {
    throw new MedreconError('INVALID_ARGUMENT', `trace: the function must return a tree of Sym (${(e as Error).message})`);
  }
  return { inputs, inputSpecs, inputPaths, argDefs, outputs: flat.leaves, outputPaths: flat.paths, outDef: flat.def };
}
