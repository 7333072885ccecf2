/**
 * The interpreter against NumPy / SciPy float64 references (fixtures/numpy_ref.json, produced by
 * fixtures/make_numpy_ref.py: conv by explicit PyTorch window sums cross-checked with
 * scipy.signal.correlate, convTranspose as the exact adjoint of that conv, avgPool by PyTorch's
 * definition, dft by numpy.fft, erf by scipy.special.erf, pad by np.pad, gather by np.take, ...).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type DType, tensor } from '../../src/core/tensor.js';
import * as S from '../../src/ir/sym.js';
import type { Sym } from '../../src/ir/sym.js';
import { type TensorSpec, spec, trace } from '../../src/ir/trace.js';
import { evaluateRaw, toRaw } from '../../src/interp/index.js';

interface Enc { dims: number[]; dtype: DType; data: number[] }
interface RefCase { name: string; kind: string; opts: Record<string, unknown>; inputs: Enc[]; output: Enc }

const fixture = JSON.parse(readFileSync(new URL('./fixtures/numpy_ref.json', import.meta.url), 'utf8')) as { cases: RefCase[] };

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- fixture options are untyped JSON

function build(kind: string, o: Opts, xs: Sym[]): Sym {
  const [a, b] = xs as [Sym, Sym];
  switch (kind) {
    case 'conv': return S.conv(a, b, o);
    case 'convTranspose': return S.convTranspose(a, b, o);
    case 'avgPool': return S.avgPool(a, o.kernel, o);
    case 'dft': return S.dft(a, o.axis, o.inverse);
    case 'erf': return S.erf(a);
    case 'softplus': return S.softplus(a);
    case 'sigmoid': return S.sigmoid(a);
    case 'tanh': return S.tanh(a);
    case 'pow': return S.pow(a, b);
    case 'pad': return S.pad(a, o.widths, o.mode, o.value);
    case 'slice': return S.slice(a, o.specs.map((s: (number | null)[]) => s.map((v) => (v === null ? undefined : v))));
    case 'transpose': return S.transpose(a, o.perm);
    case 'flip': return S.flip(a, o.axes);
    case 'expand': return S.expand(a, o.shape);
    case 'concat': return S.concat(xs, o.axis);
    case 'sum': return S.sum(a, o.axes, o.keepdims);
    case 'mean': return S.mean(a, o.axes, o.keepdims);
    case 'max': return S.max(a, o.axes, o.keepdims);
    case 'min': return S.min(a, o.axes, o.keepdims);
    case 'matmul': return S.matmul(a, b);
    case 'gather': return S.gather(a, b, o.axis);
    case 'scatterAdd': return S.scatterAdd(a, b, o.axis, o.shape);
    case 'cast': return S.cast(a, o.to);
  }
  throw new Error(`unknown fixture kind ${kind}`);
}

describe('interpreter vs NumPy/SciPy references', () => {
  it('fixture has the expected coverage', () => {
    const kinds = new Set(fixture.cases.map((c) => c.kind));
    for (const k of ['conv', 'convTranspose', 'avgPool', 'dft', 'erf', 'pad', 'slice', 'gather', 'scatterAdd', 'matmul']) expect(kinds.has(k)).toBe(true);
    expect(fixture.cases.filter((c) => c.kind === 'dft').length).toBeGreaterThanOrEqual(20);
  });

  for (const c of fixture.cases) {
    it(c.name, () => {
      const specs: TensorSpec[] = c.inputs.map((e) => spec(e.dims, e.dtype));
      const t = trace((...xs: Sym[]) => build(c.kind, c.opts as Opts, xs), specs);
      const feeds = c.inputs.map((e) => toRaw(tensor(e.dims, e.data, e.dtype)));
      const [y] = evaluateRaw([t.outputs[0]!.node], feeds);
      expect(y!.dims).toEqual(c.output.dims);
      expect(y!.dtype).toBe(c.output.dtype);
      const want = c.output.data;
      let scale = 1;
      for (const v of want) scale = Math.max(scale, Math.abs(v));
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(y!.data[i]! - want[i]!));
      // float64 against float64: agreement to ~1e-13 of the largest magnitude (dft N=64 sums 64 terms)
      expect(worst).toBeLessThanOrEqual(2e-13 * scale);
    });
  }
});
