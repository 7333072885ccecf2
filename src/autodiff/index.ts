/**
 * Reverse-mode automatic differentiation on the IR, graph to graph.
 *
 * Everything here builds graphs (Sym) and runs nothing: the gradient of a traced function is
 * another traced function that can be compiled, evaluated by the interpreter, or differentiated
 * again. The per-op rules are the table `VJP_RULES` (rules.ts).
 *
 * - `backward(outputs, cts, wrt)`  Σ_k ctₖ·∂outₖ/∂w for each w in wrt (zeros where not reached).
 * - `vjp(f, ...x)`                 { out = f(x), pullback(ct) = ct·∂f/∂x }.
 * - `grad(f, argnums)`             ∇ of a scalar-valued f w.r.t. the chosen arguments.
 * - `valueAndGrad(f, argnums)`     [f(x), ∇f(x)].
 * - `jvp(f, x, t)`                 { out = f(x), tangentOut = ∂f/∂x·t } by transposing the (linear) pullback.
 * - `linearTranspose(A, spec)`     Aᵀ of a linear function A, as a function of the cotangent.
 *
 * @example
 *   const df = grad((x: Sym) => x.square().sum());          // df(x) = 2x
 *   const At = linearTranspose((x) => conv(x as Sym, w, { stride: 2 }), spec([1, 1, 8, 8]));
 */
import { MedreconError } from '../core/errors.js';
import { shapeStr } from '../core/tensor.js';
import { type Tree, type TreeDef, flattenTree, unflattenTree } from '../core/tree.js';
import { type Node, topoSort } from '../ir/node.js';
import { Sym, add, full, isSym } from '../ir/sym.js';
import { type SymFn, type TensorSpec, isTensorSpec, placeholders, spec } from '../ir/trace.js';
import { VJP_RULES, type VjpRule, type VjpTable } from './rules.js';
import { dependents, substitute } from './substitute.js';

export { VJP_RULES, unbroadcast, sliceTranspose, convWeightGrad } from './rules.js';
export type { VjpRule, VjpTable } from './rules.js';
export { substitute, dependents } from './substitute.js';

/**
 * Backward pass with an explicit rule table (used by tests to check that a wrong rule is caught).
 * Same contract as `backward`.
 */
export function backwardWith(rules: VjpTable, outputs: readonly Sym[], cotangents: readonly Sym[], wrt: readonly Sym[]): Sym[] {
  if (outputs.length !== cotangents.length) {
    throw new MedreconError('INVALID_ARGUMENT', `backward: ${outputs.length} outputs but ${cotangents.length} cotangents`);
  }
  outputs.forEach((o, i) => {
    const c = cotangents[i]!;
    if (shapeStr(o.shape) !== shapeStr(c.shape)) {
      throw new MedreconError('SHAPE_MISMATCH', `backward: cotangent ${i} has shape ${shapeStr(c.shape)}, output has ${shapeStr(o.shape)}`, {
        shapes: [[...c.shape], [...o.shape]],
      });
    }
  });
  const wrtIds = new Set(wrt.map((w) => w.node.id));
  const outNodes = outputs.map((o) => o.node);
  const order = topoSort(outNodes);
  const reach = dependents(outNodes, wrtIds);
  const cts = new Map<number, Sym>();
  const accum = (n: Node, g: Sym) => {
    if (shapeStr(g.shape) !== shapeStr(n.shape)) {
      throw new MedreconError('INTERNAL', `backward: rule produced a cotangent of shape ${shapeStr(g.shape)} for a ${n.op} input of shape ${shapeStr(n.shape)}`);
    }
    const prev = cts.get(n.id);
    cts.set(n.id, prev ? add(prev, g) : g);
  };
  outputs.forEach((o, i) => {
    if (reach.has(o.node.id) && o.dtype === 'float32') accum(o.node, cotangents[i]!.dtype === 'float32' ? cotangents[i]! : cotangents[i]!.cast('float32'));
  });
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k]!;
    if (!reach.has(n.id) || n.dtype !== 'float32' || n.inputs.length === 0) continue;
    const ct = cts.get(n.id);
    if (!ct) continue;
    const rule = rules[n.op] as VjpRule<typeof n.op>;
    const gs = rule(n, ct, n.inputs.map((i) => new Sym(i)), new Sym(n));
    n.inputs.forEach((inp, j) => {
      const g = gs[j];
      if (g && reach.has(inp.id) && inp.dtype === 'float32') accum(inp, g);
    });
  }
  return wrt.map((w) => cts.get(w.node.id) ?? full(w.shape, 0, w.dtype));
}

/**
 * Cotangents of `wrt`: for each w, Σ_k (∂outputs_k/∂w)ᵀ cotangents_k, built as a graph.
 * Walks the graph in reverse topological order through the nodes that depend on some w only;
 * nodes not reached get zeros. Gradients flow through float32 nodes only.
 *
 * @example const [gx] = backward([y], [onesLike(y)], [x]);
 */
export function backward(outputs: readonly Sym[], cotangents: readonly Sym[], wrt: readonly Sym[]): Sym[] {
  return backwardWith(VJP_RULES, outputs, cotangents, wrt);
}

const flatSyms = (t: Tree<Sym>, what: string) => {
  try {
    return flattenTree(t, isSym);
  } catch (e) {
    throw new MedreconError('INVALID_ARGUMENT', `${what}: expected a tree of Sym (${(e as Error).message})`);
  }
};

/**
 * Vector–Jacobian product: `out = fn(...primals)` and `pullback(ct)` = the cotangents of every
 * primal argument (trees shaped like the primals; zeros for leaves that do not reach the output).
 *
 * @example const { out, pullback } = vjp((x: Sym) => x.exp(), x); const [gx] = pullback(ct); // ct·eˣ
 */
export function vjp(fn: SymFn, ...primals: Tree<Sym>[]): { out: Tree<Sym>; pullback: (ct: Tree<Sym>) => Tree<Sym>[] } {
  const flats = primals.map((p) => flatSyms(p, 'vjp primals'));
  const out = fn(...primals);
  const fo = flatSyms(out, 'vjp output');
  const pullback = (ct: Tree<Sym>): Tree<Sym>[] => {
    const fc = flatSyms(ct, 'vjp cotangent');
    if (fc.leaves.length !== fo.leaves.length) {
      throw new MedreconError('SHAPE_MISMATCH', `vjp: cotangent has ${fc.leaves.length} leaves, output has ${fo.leaves.length}`);
    }
    const wrt = flats.flatMap((f) => f.leaves);
    const gs = backward(fo.leaves, fc.leaves, wrt);
    let i = 0;
    return flats.map((f) => unflattenTree(f.def, gs.slice(i, (i += f.leaves.length))));
  };
  return { out, pullback };
}

function gradImpl(fn: SymFn, argnums: number | number[], withValue: boolean): SymFn {
  const nums = typeof argnums === 'number' ? [argnums] : argnums;
  return (...args: Tree<Sym>[]) => {
    for (const k of nums) {
      if (!Number.isInteger(k) || k < 0 || k >= args.length) throw new MedreconError('INVALID_ARGUMENT', `grad: argnum ${k} out of range for ${args.length} arguments`);
    }
    const flats = nums.map((k) => flatSyms(args[k]!, `grad argument ${k}`));
    flats.forEach((f, j) =>
      f.leaves.forEach((l, i) => {
        if (l.dtype !== 'float32') {
          throw new MedreconError('NOT_DIFFERENTIABLE', `grad: argument ${nums[j]} leaf '${f.paths[i]}' is ${l.dtype}; gradients exist for float32 only`, { argnum: nums[j], path: f.paths[i] });
        }
      }),
    );
    const value = fn(...args);
    if (!isSym(value) || value.rank !== 0) {
      const shape = isSym(value) ? shapeStr(value.shape) : 'a tree';
      throw new MedreconError('SHAPE_MISMATCH', `grad: the function must return a scalar Sym (shape []), got ${shape}; use vjp for non-scalar outputs`);
    }
    if (value.dtype !== 'float32') throw new MedreconError('NOT_DIFFERENTIABLE', `grad: the function returns ${value.dtype}`);
    const wrt = flats.flatMap((f) => f.leaves);
    const gs = backward([value], [full([], 1)], wrt);
    let i = 0;
    const trees = flats.map((f) => unflattenTree(f.def, gs.slice(i, (i += f.leaves.length))));
    const g = typeof argnums === 'number' ? trees[0]! : trees;
    return withValue ? [value, g] : g;
  };
}

/**
 * Gradient of a scalar-valued function: `grad(f)(...args)` returns ∂f/∂args[argnums] as a tree
 * shaped like that argument (an array of trees when `argnums` is an array).
 * Raises SHAPE_MISMATCH if f's value is not a scalar, NOT_DIFFERENTIABLE for int/bool arguments.
 *
 * @example grad((x: Sym) => x.square().sum())(x) // 2x
 */
export function grad(fn: SymFn, argnums: number | number[] = 0): SymFn {
  return gradImpl(fn, argnums, false);
}

/** `[f(...args), grad(f, argnums)(...args)]` sharing one forward graph. */
export function valueAndGrad(fn: SymFn, argnums: number | number[] = 0): SymFn {
  return gradImpl(fn, argnums, true);
}

let nextPlaceholderBase = 1_000_000;
/** Fresh placeholder inputs with indices far above any caller's (never clash, also when nested). */
function freshPlaceholders(specs: readonly Tree<TensorSpec>[]) {
  let count = 0;
  for (const s of specs) count += flattenTree(s, isTensorSpec).leaves.length;
  const base = nextPlaceholderBase;
  nextPlaceholderBase += count + 1;
  return placeholders(specs, base);
}

const specTree = (def: TreeDef, leaves: readonly Sym[]): Tree<TensorSpec> => unflattenTree(def, leaves.map((l) => spec(l.shape, l.dtype)));

/**
 * The first forward op (in topological order) whose VJP rule makes the cotangent of one of its
 * primal-dependent inputs depend on the primal itself, i.e. the op that is not linear in x.
 */
function culprit(outputs: readonly Node[], primalIds: ReadonlySet<number>): string {
  const dep = dependents(outputs, primalIds);
  for (const n of topoSort(outputs)) {
    if (!dep.has(n.id) || n.inputs.length === 0 || n.dtype !== 'float32') continue;
    const ct = freshPlaceholders([spec(n.shape, n.dtype)]).inputs[0]!;
    const rule = VJP_RULES[n.op] as VjpRule<typeof n.op>;
    const gs = rule(n, ct, n.inputs.map((i) => new Sym(i)), new Sym(n));
    const used = gs.filter((g, j): g is Sym => g !== null && dep.has(n.inputs[j]!.id)).map((g) => g.node);
    const gDep = dependents(used, dep);
    if (used.some((g) => gDep.has(g.id))) return n.op;
  }
  return 'unknown';
}

/**
 * Forward-mode product: `tangentOut = J·t` where J = ∂fn/∂primals, exactly, by transposing the
 * pullback (which is linear in its cotangent u): J·t = ∂⟨pullback(u), t⟩/∂u.
 *
 * @example jvp((x: Sym) => x.sin(), [x], [t]).tangentOut // cos(x)·t
 */
export function jvp(fn: SymFn, primals: Tree<Sym>[], tangents: Tree<Sym>[]): { out: Tree<Sym>; tangentOut: Tree<Sym> } {
  if (primals.length !== tangents.length) throw new MedreconError('INVALID_ARGUMENT', `jvp: ${primals.length} primals but ${tangents.length} tangents`);
  const { out, pullback } = vjp(fn, ...primals);
  const fo = flatSyms(out, 'jvp output');
  const ph = freshPlaceholders([specTree(fo.def, fo.leaves)]);
  const gs = pullback(ph.args[0] as Tree<Sym>).flatMap((g) => flatSyms(g, 'jvp').leaves);
  const ts = tangents.flatMap((t, k) => {
    const f = flatSyms(t, 'jvp tangents');
    const p = flatSyms(primals[k]!, 'jvp primals');
    if (f.leaves.length !== p.leaves.length || f.leaves.some((l, i) => shapeStr(l.shape) !== shapeStr(p.leaves[i]!.shape))) {
      throw new MedreconError('SHAPE_MISMATCH', `jvp: tangent ${k} does not match the structure/shapes of primal ${k}`);
    }
    return f.leaves;
  });
  const pairs = gs.map((g, i) => [g, ts[i]!] as const).filter(([g]) => g.dtype === 'float32');
  let tOut = backward(pairs.map((p) => p[0]), pairs.map((p) => p[1]), ph.inputs);
  // Exact maths makes J·t independent of u; replace any structural leftover by zeros.
  const uIds = new Set(ph.inputs.map((u) => u.node.id));
  const dep = dependents(tOut.map((t) => t.node), uIds);
  if (tOut.some((t) => dep.has(t.node.id))) {
    tOut = substitute(tOut.map((t) => t.node), new Map(ph.inputs.map((u) => [u.node.id, full(u.shape, 0, u.dtype)])));
  }
  return { out, tangentOut: unflattenTree(fo.def, tOut) };
}

/**
 * Transpose of a linear function A (given by its input spec): returns ct ↦ Aᵀ ct, exact, as a
 * graph-building function usable inside other traced functions (and compiled).
 * A is traced once on fresh placeholders; raises NOT_LINEAR, naming the op, if the transposed
 * graph depends on A's input (i.e. A is not linear). An affine A (x ↦ Bx + c) is accepted and
 * transposed as its linear part B.
 *
 * @example
 *   const At = linearTranspose((x) => dft(x as Sym, 0), spec([8, 2]));
 *   At(y) // = dft(y, 0, inverse = true)
 */
export function linearTranspose(fn: (x: Tree<Sym>) => Tree<Sym>, inputSpec: Tree<TensorSpec>): (ct: Tree<Sym>) => Tree<Sym> {
  const xp = freshPlaceholders([inputSpec]);
  const out = fn(xp.args[0] as Tree<Sym>);
  const fo = flatSyms(out, 'linearTranspose output');
  const cp = freshPlaceholders([specTree(fo.def, fo.leaves)]);
  const grads = backward(fo.leaves, cp.inputs, xp.inputs);
  const gNodes = grads.map((g) => g.node);
  const gDep = dependents(gNodes, new Set(xp.inputs.map((x) => x.node.id)));
  if (grads.some((g) => gDep.has(g.node.id))) {
    const op = culprit(fo.leaves.map((l) => l.node), new Set(xp.inputs.map((x) => x.node.id)));
    throw new MedreconError('NOT_LINEAR', `linearTranspose: the function is not linear in its input (its transpose depends on the input through op '${op}')`, { op });
  }
  const xDef = flattenTree(inputSpec, isTensorSpec).def;
  return (ct: Tree<Sym>) => {
    const fc = flatSyms(ct, 'linearTranspose cotangent');
    if (fc.leaves.length !== cp.inputs.length) {
      throw new MedreconError('SHAPE_MISMATCH', `linearTranspose: cotangent has ${fc.leaves.length} leaves, the function's output has ${cp.inputs.length}`);
    }
    const mapping = new Map<number, Sym>();
    cp.inputs.forEach((p, i) => {
      const c = fc.leaves[i]!;
      if (shapeStr(c.shape) !== shapeStr(p.shape)) {
        throw new MedreconError('SHAPE_MISMATCH', `linearTranspose: cotangent leaf ${i} has shape ${shapeStr(c.shape)}, expected ${shapeStr(p.shape)}`, {
          shapes: [[...c.shape], [...p.shape]],
        });
      }
      mapping.set(p.node.id, c.dtype === p.dtype ? c : c.cast(p.dtype));
    });
    return unflattenTree(xDef, substitute(gNodes, mapping));
  };
}
