import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import type { HostTensor } from '../../src/core/tensor.js';
import { evaluate } from '../../src/interp/index.js';
import { type Sym, add, conv, mul, relu, spec, trace } from '../../src/ir/index.js';
import { createRuntime } from '../../src/node/index.js';
import { lowerToOnnx } from '../../src/onnx/lower.js';

const rt = createRuntime({ threads: 1 });

async function parity(fn: (x: Sym, w: Sym, b: Sym) => Sym, bdims: number[]) {
  const rng = new Rng(5);
  const specs = [spec([2, 3, 7, 6]), spec([4, 3, 3, 3]), spec(bdims)];
  const ins = specs.map((s) => rng.normalTensor(s.dims));
  const t = trace(fn, specs);
  const want = evaluate(t.outputs.map((o) => o.node), ins)[0]!;
  const got = (await rt.compile(fn, specs).runHost(...ins)) as HostTensor;
  for (let i = 0; i < want.data.length; i++) expect(Math.abs(got.data[i]! - want.data[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(want.data[i]!)));
  return lowerToOnnx(t).graph.nodes.map((n) => `${n.opType}/${n.inputs.length}`);
}

describe('conv + per-channel bias lowering peephole', () => {
  it('fuses add(conv, b[1,O,1,1]) into one Conv with a bias input, also under relu', async () => {
    const ops = await parity((x, w, b) => relu(add(conv(x, w, { padding: 1 }), b)), [1, 4, 1, 1]);
    expect(ops).toContain('Conv/3');
    expect(ops.some((o) => o.startsWith('Add'))).toBe(false);
  });
  it('fuses a bias given as [O,1,1] added on the left', async () => {
    const ops = await parity((x, w, b) => add(b, conv(x, w, { padding: 1 })), [4, 1, 1]);
    expect(ops).toContain('Conv/3');
  });
  it('does not fuse when the conv result has another use', async () => {
    const ops = await parity((x, w, b) => {
      const c = conv(x, w, { padding: 1 });
      return mul(add(c, b), c);
    }, [1, 4, 1, 1]);
    expect(ops).toContain('Conv/2');
    expect(ops.some((o) => o.startsWith('Add'))).toBe(true);
  });
  it('does not fuse a bias that varies along a spatial axis', async () => {
    const ops = await parity((x, w, b) => add(conv(x, w, { padding: 1 }), b), [1, 4, 7, 1]);
    expect(ops).toContain('Conv/2');
  });
});
