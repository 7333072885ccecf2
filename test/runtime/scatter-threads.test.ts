/**
 * ONNX Runtime's CPU ScatterND with reduction='add' loses updates when its duplicate targets are
 * split over intra-op threads (microsoft/onnxruntime#18048; reproduced with ORT 1.30 here). The
 * runtime runs graphs that contain it on one intra-op thread: this checks the result is exact and
 * repeatable on a 2-thread runtime, at a size where ORT does parallelise.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { tensor } from '../../src/core/tensor.js';
import { type Sym, spec } from '../../src/ir/index.js';
import { constant, gather, scatterAdd } from '../../src/ir/sym.js';
import { trace } from '../../src/ir/trace.js';
import { lowerToOnnx } from '../../src/onnx/lower.js';
import { createRuntime } from '../../src/node/index.js';

describe('scatterAdd with duplicate indices on a multi-threaded runtime', () => {
  it('is exact and the same on every run (2 M updates into 1,000 rows × 3)', async () => {
    const rt = createRuntime({ threads: 2 });
    const n = 2_000_000;
    const rows = 1000;
    const rng = new Rng(1);
    const idx = Int32Array.from({ length: n }, () => Math.floor(rng.nextUniform() * rows));
    const I = constant(tensor([n], idx, 'int32'));
    const f = rt.compile((u: Sym) => scatterAdd(I, u, 0, [rows, 3]), [spec([n, 3])]);
    expect(f.onnx.length).toBeGreaterThan(0);
    const u = tensor([n, 3], Float32Array.from({ length: 3 * n }, (_, i) => (i % 7) * 0.25)); // sums are exact in float32
    const exact = new Float64Array(rows * 3);
    for (let i = 0; i < n; i++) for (let t = 0; t < 3; t++) exact[idx[i]! * 3 + t] += ((i * 3 + t) % 7) * 0.25;
    for (let k = 0; k < 3; k++) {
      const y = ((await f.runHost(u)) as { data: Float32Array }).data;
      let e = 0;
      for (let i = 0; i < y.length; i++) e = Math.max(e, Math.abs(y[i]! - exact[i]!));
      expect(e).toBe(0);
    }
  });
  it('the lowering flags graphs with a ScatterND-add whose targets may repeat, and only those', () => {
    const withScatter = lowerToOnnx(trace((u: Sym) => scatterAdd(constant(tensor([4], [0, 1, 1, 2], 'int32')), u, 0, [3]), [spec([4])]));
    const withGather = lowerToOnnx(trace((x: Sym) => gather(x, constant(tensor([2], [0, 2], 'int32')), 0), [spec([3])]));
    // constant indices without repeats (e.g. zero-filling sampled k-space lines) cannot race
    const unique = lowerToOnnx(trace((u: Sym) => scatterAdd(constant(tensor([3], [2, 0, 1], 'int32')), u, 0, [4]), [spec([3])]));
    // indices that are graph inputs might repeat
    const dynamic = lowerToOnnx(trace((u: Sym, i: Sym) => scatterAdd(i, u, 0, [4]), [spec([3]), spec([3], 'int32')]));
    expect(withScatter.needsSerialScatter).toBe(true);
    expect(withGather.needsSerialScatter).toBe(false);
    expect(unique.needsSerialScatter).toBe(false);
    expect(dynamic.needsSerialScatter).toBe(true);
  });
});
