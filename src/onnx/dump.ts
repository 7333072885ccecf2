/**
 * Readable text dumps of an IR graph (one line per node: `%id = op{attrs} : dtype[shape] (inputs)`)
 * and of a lowered ONNX graph (one line per ONNX node: `outputs = OpType{attrs}(inputs)`).
 *
 * @example
 *   console.log(dumpGraph(trace((x: Sym) => x.exp().sum(), [spec([2, 3])])));
 *   // IR graph: 1 input, 1 output, 3 nodes
 *   //   %12 = input{name: in_0} : float32[2, 3]
 *   //   %13 = exp : float32[2, 3] (%12)
 *   //   %14 = reduceSum{axes: [0, 1], keepdims: false} : float32[] (%13)
 *   //   output 0 <- %14
 */
import { shapeStr } from '../core/tensor.js';
import { type Node, topoSort } from '../ir/node.js';
import type { Traced } from '../ir/trace.js';
import type { Lowered } from './lower.js';
import type { AttrValue, GraphDef } from './proto.js';

const PREVIEW = 6;

function preview(data: ArrayLike<number>): string {
  const n = data.length;
  const vs = Array.from({ length: Math.min(n, PREVIEW) }, (_, i) => {
    const v = data[i]!;
    return Number.isInteger(v) ? String(v) : v.toPrecision(4);
  });
  return `[${vs.join(', ')}${n > PREVIEW ? `, … (${n})` : ''}]`;
}

function irAttrs(n: Node): string {
  if (n.op === 'const') {
    const v = (n as Node<'const'>).attrs.value;
    return `{value: ${preview(v.data)}}`;
  }
  const entries = Object.entries(n.attrs as object);
  if (!entries.length) return '';
  return `{${entries.map(([k, v]) => `${k}: ${JSON.stringify(v)?.replace(/,/g, ', ')}`).join(', ')}}`;
}

/** IR dump of a traced function. */
export function dumpIr(t: Traced): string {
  const order = topoSort([...t.inputs.map((x) => x.node), ...t.outputs.map((o) => o.node)]);
  const lines = [`IR graph: ${t.inputs.length} input${t.inputs.length === 1 ? '' : 's'}, ${t.outputs.length} output${t.outputs.length === 1 ? '' : 's'}, ${order.length} nodes`];
  for (const n of order) {
    const ins = n.inputs.length ? ` (${n.inputs.map((i) => `%${i.id}`).join(', ')})` : '';
    lines.push(`  %${n.id} = ${n.op}${irAttrs(n)} : ${n.dtype}${shapeStr(n.shape)}${ins}`);
  }
  t.outputs.forEach((o, i) => lines.push(`  output ${t.outputPaths[i] || i} <- %${o.node.id}`));
  return lines.join('\n');
}

function attrStr(v: AttrValue): string {
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string') return String(v);
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  if ('f' in v) return String(v.f);
  if ('floats' in v) return `[${v.floats.join(', ')}]`;
  if ('strings' in v) return `[${v.strings.join(', ')}]`;
  return `tensor${shapeStr((v as { tensor: { dims: readonly number[] } }).tensor.dims)}`;
}

const ELEM: Record<number, string> = { 1: 'float32', 6: 'int32', 7: 'int64', 9: 'bool', 2: 'uint8' };

/** ONNX dump of a lowered graph. */
export function dumpOnnx(g: GraphDef): string {
  const lines = [`ONNX graph '${g.name}': ${g.nodes.length} nodes, ${g.initializers.length} initializers`];
  for (const v of g.inputs) lines.push(`  input  ${v.name} : ${ELEM[v.elemType] ?? v.elemType}${shapeStr(v.dims)}`);
  for (const t of g.initializers) {
    const data = t.data instanceof BigInt64Array ? Array.from(t.data, (b) => Number(b)) : t.data;
    lines.push(`  init   ${t.name} : ${ELEM[t.dataType ?? 0] ?? (t.data instanceof BigInt64Array ? 'int64' : t.data.constructor.name)}${shapeStr(t.dims)} = ${preview(data)}`);
  }
  for (const n of g.nodes) {
    const attrs = n.attrs && Object.keys(n.attrs).length ? `{${Object.entries(n.attrs).map(([k, v]) => `${k}: ${attrStr(v)}`).join(', ')}}` : '';
    lines.push(`  ${n.outputs.join(', ')} = ${n.opType}${attrs}(${n.inputs.join(', ')})`);
  }
  for (const v of g.outputs) lines.push(`  output ${v.name} : ${ELEM[v.elemType] ?? v.elemType}${shapeStr(v.dims)}`);
  return lines.join('\n');
}

function isTraced(x: object): x is Traced {
  return 'outputs' in x && 'inputs' in x && 'outDef' in x;
}

/**
 * Dump a traced graph (IR), a lowered one (ONNX), or both (`{ traced, lowered }`).
 */
export function dumpGraph(g: Traced | Lowered | { readonly traced: Traced; readonly lowered?: Lowered }): string {
  if (isTraced(g)) return dumpIr(g);
  if ('graph' in g) return dumpOnnx(g.graph);
  const parts = [dumpIr(g.traced)];
  if (g.lowered) parts.push(dumpOnnx(g.lowered.graph));
  return parts.join('\n');
}
