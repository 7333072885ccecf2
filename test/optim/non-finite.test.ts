/** Algorithms refuse NaN/Inf measurements with a typed error instead of returning a NaN image. */
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/core/tensor.js';
import { createInterpExecutor } from '../../src/interp/index.js';
import { fista, mlem, pdhg } from '../../src/optim/index.js';
import { fbp, fullArc, identityOp, parallelBeam, petOperator } from '../../src/physics/index.js';

const ex = createInterpExecutor();
const withNaN = (dims: number[], k: number) => {
  const t = tensor(dims, new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(1));
  t.data[k] = Number.NaN;
  return t;
};

describe('non-finite measurements', () => {
  it('FISTA and PDHG on host y', async () => {
    const A = identityOp([4, 4]);
    await expect(fista(ex, { physics: A, y: withNaN([4, 4], 5), maxIter: 2 })).rejects.toMatchObject({ code: 'NON_FINITE_INPUT' });
    await expect(pdhg(ex, { physics: A, y: withNaN([4, 4], 0), lambda: 0.1, maxIter: 2 })).rejects.toMatchObject({ code: 'NON_FINITE_INPUT' });
  });
  it('FBP and MLEM', async () => {
    const g = parallelBeam({ imageSize: [8, 8], angles: fullArc(6) });
    const sino = withNaN([6, g.nDetectors], 3);
    await expect(fbp(ex, sino, g)).rejects.toMatchObject({ code: 'NON_FINITE_INPUT' });
    const pet = petOperator({ geometry: g });
    const counts = withNaN([6, g.nDetectors], 2);
    counts.data[2] = Number.POSITIVE_INFINITY;
    await expect(mlem(ex, counts, pet, { iterations: 1 })).rejects.toMatchObject({ code: 'NON_FINITE_INPUT' });
  });
});
