/**
 * A small float64 evaluator for the IR ops the DFT expansion uses (input, const, reshape, transpose,
 * matmul, slice, concat, add, sub, mul, neg). Used until/alongside the reference interpreter.
 */
import type { Node } from '../../src/ir/node.js';
import { topoSort } from '../../src/ir/node.js';

interface Arr { dims: number[]; data: Float64Array }

const strides = (d: readonly number[]) => {
  const s = new Array<number>(d.length).fill(1);
  for (let i = d.length - 2; i >= 0; i--) s[i] = s[i + 1]! * d[i + 1]!;
  return s;
};
const size = (d: readonly number[]) => d.reduce((p, v) => p * v, 1);

function forEachIndex(dims: readonly number[], f: (idx: number[], flat: number) => void): void {
  const n = size(dims);
  const idx = new Array<number>(dims.length).fill(0);
  for (let flat = 0; flat < n; flat++) {
    f(idx, flat);
    for (let i = dims.length - 1; i >= 0; i--) {
      if (++idx[i]! < dims[i]!) break;
      idx[i] = 0;
    }
  }
}

function broadcastIndex(idx: readonly number[], outRank: number, dims: readonly number[], st: readonly number[]): number {
  let o = 0;
  const off = outRank - dims.length;
  for (let i = 0; i < dims.length; i++) o += (dims[i] === 1 ? 0 : idx[i + off]!) * st[i]!;
  return o;
}

function binary(a: Arr, b: Arr, out: readonly number[], f: (x: number, y: number) => number): Arr {
  const sa = strides(a.dims);
  const sb = strides(b.dims);
  const data = new Float64Array(size(out));
  forEachIndex(out, (idx, flat) => {
    data[flat] = f(a.data[broadcastIndex(idx, out.length, a.dims, sa)]!, b.data[broadcastIndex(idx, out.length, b.dims, sb)]!);
  });
  return { dims: [...out], data };
}

export function miniEvaluate(outputs: readonly Node[], feeds: ReadonlyMap<number, Float64Array>): Float64Array[] {
  const vals = new Map<number, Arr>();
  for (const n of topoSort(outputs)) {
    const ins = n.inputs.map((i) => vals.get(i.id)!);
    const shape = [...n.shape];
    let v: Arr;
    switch (n.op) {
      case 'input': {
        const f = feeds.get((n.attrs as unknown as { index: number }).index);
        if (!f) throw new Error('missing feed');
        v = { dims: shape, data: f };
        break;
      }
      case 'const': {
        const t = (n.attrs as unknown as { value: { data: ArrayLike<number> } }).value;
        v = { dims: shape, data: Float64Array.from(t.data) };
        break;
      }
      case 'reshape': v = { dims: shape, data: ins[0]!.data }; break;
      case 'transpose': {
        const perm = (n.attrs as unknown as { perm: number[] }).perm;
        const x = ins[0]!;
        const sx = strides(x.dims);
        const data = new Float64Array(size(shape));
        forEachIndex(shape, (idx, flat) => {
          let o = 0;
          for (let i = 0; i < perm.length; i++) o += idx[i]! * sx[perm[i]!]!;
          data[flat] = x.data[o]!;
        });
        v = { dims: shape, data };
        break;
      }
      case 'slice': {
        const { starts, steps } = n.attrs as unknown as { starts: number[]; steps: number[] };
        const x = ins[0]!;
        const sx = strides(x.dims);
        const data = new Float64Array(size(shape));
        forEachIndex(shape, (idx, flat) => {
          let o = 0;
          for (let i = 0; i < idx.length; i++) o += (starts[i]! + idx[i]! * steps[i]!) * sx[i]!;
          data[flat] = x.data[o]!;
        });
        v = { dims: shape, data };
        break;
      }
      case 'concat': {
        const axis = (n.attrs as unknown as { axis: number }).axis;
        const data = new Float64Array(size(shape));
        const so = strides(shape);
        let base = 0;
        for (const x of ins) {
          const sx = strides(x.dims);
          forEachIndex(x.dims, (idx, flat) => {
            let o = 0;
            for (let i = 0; i < idx.length; i++) o += (i === axis ? idx[i]! + base : idx[i]!) * so[i]!;
            data[o] = x.data[flat]!;
            void sx;
          });
          base += x.dims[axis]!;
        }
        v = { dims: shape, data };
        break;
      }
      case 'add': v = binary(ins[0]!, ins[1]!, shape, (p, q) => p + q); break;
      case 'sub': v = binary(ins[0]!, ins[1]!, shape, (p, q) => p - q); break;
      case 'mul': v = binary(ins[0]!, ins[1]!, shape, (p, q) => p * q); break;
      case 'neg': v = { dims: shape, data: ins[0]!.data.map((p) => -p) }; break;
      case 'matmul': {
        const [a, b] = ins as [Arr, Arr];
        const r = shape.length;
        const m = shape[r - 2]!;
        const nn = shape[r - 1]!;
        const k = a.dims[a.dims.length - 1]!;
        const batch = shape.slice(0, r - 2);
        const ab = a.dims.slice(0, -2);
        const bb = b.dims.slice(0, -2);
        const sa = strides(ab);
        const sb = strides(bb);
        const data = new Float64Array(size(shape));
        forEachIndex(batch, (idx, flat) => {
          const oa = broadcastIndex(idx, batch.length, ab, sa) * m * k;
          const ob = broadcastIndex(idx, batch.length, bb, sb) * k * nn;
          const oo = flat * m * nn;
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < nn; j++) {
              let s = 0;
              for (let t = 0; t < k; t++) s += a.data[oa + i * k + t]! * b.data[ob + t * nn + j]!;
              data[oo + i * nn + j] = s;
            }
          }
        });
        v = { dims: shape, data };
        break;
      }
      default:
        throw new Error(`miniEvaluate: op ${n.op} not supported`);
    }
    vals.set(n.id, v);
  }
  return outputs.map((o) => vals.get(o.id)!.data);
}
