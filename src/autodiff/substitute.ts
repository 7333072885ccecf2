/**
 * Graph rewriting: rebuild the graph of `outputs` with some nodes replaced.
 *
 * Every node that (transitively) depends on a replaced node is rebuilt with `makeNode` (so shape
 * inference and hash-consing apply); every other node is reused as is.
 *
 * @example
 *   const [y2] = substitute([y.node], new Map([[x.node.id, x2]])); // y with x2 in place of x
 */
import { MedreconError } from '../core/errors.js';
import { shapeStr } from '../core/tensor.js';
import { type Node, makeNode, topoSort } from '../ir/node.js';
import type { OpName } from '../ir/ops.js';
import { Sym } from '../ir/sym.js';

export function substitute(outputs: readonly Node[], mapping: ReadonlyMap<number, Sym>): Sym[] {
  const done = new Map<number, Node>();
  for (const n of topoSort(outputs)) {
    const rep = mapping.get(n.id);
    if (rep) {
      if (shapeStr(rep.shape) !== shapeStr(n.shape) || rep.dtype !== n.dtype) {
        throw new MedreconError('SHAPE_MISMATCH', `substitute: replacement ${rep.dtype}${shapeStr(rep.shape)} for node ${n.op} of ${n.dtype}${shapeStr(n.shape)}`, {
          shapes: [[...rep.shape], [...n.shape]],
        });
      }
      done.set(n.id, rep.node);
      continue;
    }
    const ins = n.inputs.map((i) => done.get(i.id)!);
    if (ins.every((i, k) => i === n.inputs[k])) done.set(n.id, n);
    else done.set(n.id, makeNode(n.op as OpName, ins, n.attrs as never));
  }
  return outputs.map((o) => new Sym(done.get(o.id)!));
}

/** Ids of the nodes of `outputs`' graph that depend on any node in `sources` (sources included). */
export function dependents(outputs: readonly Node[], sources: ReadonlySet<number>): Set<number> {
  const dep = new Set<number>();
  for (const n of topoSort(outputs)) if (sources.has(n.id) || n.inputs.some((i) => dep.has(i.id))) dep.add(n.id);
  return dep;
}
