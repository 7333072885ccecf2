/**
 * Multiply-accumulate count of a traced graph, walking its IR nodes:
 *   conv:           N·O·(C/g)·∏k·∏out_spatial
 *   convTranspose:  N·C·(O/g)·∏k·∏in_spatial
 *   matmul:         batch·m·k·n
 * Everything else (element-wise, norms, reductions) counts 0, as thop does. Matmuls with a constant
 * operand (the resampling matrices of resizeBilinear) are reported apart in `resampleMacs` and
 * are not in `macs` (thop does not count interpolation either).
 * @example countMacs(trace(fn, [spec([1,3,64,64])]).outputs)
 */
import { type Node, topoSort } from '../../ir/node.js';
import type { Sym } from '../../ir/sym.js';

const prod = (a: readonly number[]) => a.reduce((x, y) => x * y, 1);

export function countMacs(outputs: readonly Sym[]): { macs: number; convMacs: number; matmulMacs: number; resampleMacs: number } {
  let convMacs = 0;
  let matmulMacs = 0;
  let resampleMacs = 0;
  for (const n of topoSort(outputs.map((s) => s.node)) as Node[]) {
    if (n.op === 'conv') {
      const w = n.inputs[1]!.shape;
      convMacs += n.shape[0]! * w[0]! * w[1]! * prod(w.slice(2)) * prod(n.shape.slice(2));
    } else if (n.op === 'convTranspose') {
      const x = n.inputs[0]!.shape;
      const w = n.inputs[1]!.shape;
      convMacs += x[0]! * x[1]! * w[1]! * prod(w.slice(2)) * prod(x.slice(2));
    } else if (n.op === 'matmul') {
      const [a, b] = n.inputs as [Node, Node];
      const k = a.shape[a.shape.length - 1]!;
      const m = prod(n.shape) * k;
      if (a.op === 'const' || b.op === 'const') resampleMacs += m;
      else matmulMacs += m;
    }
  }
  return { macs: convMacs + matmulMacs, convMacs, matmulMacs, resampleMacs };
}
