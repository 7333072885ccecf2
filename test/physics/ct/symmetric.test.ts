import { describe, expect, it } from 'vitest';
import { grad } from '../../../src/autodiff/index.js';
import { Rng } from '../../../src/core/rng.js';
import type { HostTensor } from '../../../src/core/tensor.js';
import { createInterpExecutor } from '../../../src/interp/index.js';
import type { Executor } from '../../../src/ir/executor.js';
import type { Sym } from '../../../src/ir/sym.js';
import { specOf } from '../../../src/ir/trace.js';
import { createRuntime } from '../../../src/node/index.js';
import { dotTest } from '../../../src/physics/algorithms.js';
import {
  type CtGeometry, buildTables, ctProjector, fanBeam, fullArc, limitedAngle, parallelBeam, sparseView, symmetryPlan,
} from '../../../src/physics/ct/index.js';

const interp = createInterpExecutor();
const ort = createRuntime({ threads: 1 });

async function apply(ex: Executor, f: (x: Sym) => Sym, x: HostTensor): Promise<HostTensor> {
  return (await ex.compile(f, [specOf(x)]).runHost(x)) as HostTensor;
}

/** max |a − b| / max |b|. */
function relMax(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0, n = 0;
  for (let i = 0; i < b.length; i++) { m = Math.max(m, Math.abs(a[i]! - b[i]!)); n = Math.max(n, Math.abs(b[i]!)); }
  return m / n;
}

/** The symmetric projector's forward and adjoint agree with the plain one (float32 rounding). */
async function agrees(ex: Executor, g: CtGeometry, tol = 1e-5): Promise<void> {
  const A = ctProjector(g);
  const B = ctProjector(g, { symmetry: 'off' });
  expect(A.symmetric).not.toBeNull();
  expect(B.symmetric).toBeNull();
  const x = new Rng(2).normalTensor(g.imageSize);
  const y = new Rng(3).normalTensor([g.angles.length, g.nDetectors]);
  expect(relMax((await apply(ex, (s) => A.forward(s), x)).data, (await apply(ex, (s) => B.forward(s), x)).data), 'forward').toBeLessThan(tol);
  expect(relMax((await apply(ex, (s) => A.adjoint(s), y)).data, (await apply(ex, (s) => B.adjoint(s), y)).data), 'adjoint').toBeLessThan(tol);
}

describe('CT projector: dihedral symmetry (symmetry: auto)', () => {
  it('plans: fullArc(180) has 46 orbits (0° and 45° of size 2); non-qualifying geometries fall back', () => {
    const p = symmetryPlan(parallelBeam({ imageSize: [64, 64], angles: fullArc(180) }));
    expect(p.ok).toBe(true);
    if (p.ok) {
      expect(p.repAngles.length).toBe(46);
      expect(new Set(p.slot).size).toBe(180);
    }
    const base = { imageSize: [32, 32] as const };
    const fallbacks: [string, CtGeometry][] = [
      ['limited angle', parallelBeam({ ...base, angles: limitedAngle(30, (2 * Math.PI) / 3) })],
      ['sparse view, odd count', parallelBeam({ ...base, angles: sparseView(45) })],
      ['fullArc, odd count', parallelBeam({ ...base, angles: fullArc(9) })],
      ['fan beam', fanBeam({ ...base, angles: fullArc(16, 2 * Math.PI), sourceToIso: 100, sourceToDetector: 200 })],
      ['non-square', parallelBeam({ imageSize: [32, 24], angles: fullArc(16) })],
      ['detector offset', parallelBeam({ ...base, angles: fullArc(16), detectorOffset: 0.5 })],
      ['repeated angle', parallelBeam({ ...base, angles: [...fullArc(8), Math.PI] })],
      ['almost closed', parallelBeam({ ...base, angles: Float64Array.from(fullArc(8), (a, i) => (i === 3 ? a + 1e-6 : a)) })],
    ];
    for (const [name, g] of fallbacks) {
      expect(symmetryPlan(g).ok, name).toBe(false);
      const A = ctProjector(g);
      expect(A.symmetric, name).toBeNull();
      expect(A.name, name).not.toMatch(/symmetric/);
    }
    // explicit non-default methods use the plain path
    expect(ctProjector(parallelBeam({ ...base, angles: fullArc(8) }), { forward: 'gather' }).symmetric).toBeNull();
    expect(() => ctProjector(parallelBeam({ ...base, angles: fullArc(8) }), { symmetry: 'on' as never })).toThrow(/'auto' or 'off'/);
  });

  it('dot test < 1e-10 on the interpreter: even and odd N, orbits of size 2 and 4, angles beyond π', async () => {
    const gs: CtGeometry[] = [
      parallelBeam({ imageSize: [12, 12], pixelSize: 1.3, detectorSpacing: 1.1, angles: fullArc(8) }),
      parallelBeam({ imageSize: [11, 11], angles: fullArc(12) }),
      parallelBeam({ imageSize: [10, 10], angles: fullArc(4) }), // only the 2-member orbits {0, π/2}, {π/4, 3π/4}
      parallelBeam({ imageSize: [9, 9], angles: [0, Math.PI / 4 + Math.PI, Math.PI / 2, (3 * Math.PI) / 4 - 2 * Math.PI] }),
    ];
    for (const g of gs) {
      const A = ctProjector(g);
      expect(A.symmetric).not.toBeNull();
      const r = await dotTest(interp, A, 3);
      expect(r.relError).toBeLessThan(1e-10);
    }
  });

  it('agrees with the plain projector (interpreter): orbits of size < 4, odd N, shifted arcs, angles beyond π', async () => {
    await agrees(interp, parallelBeam({ imageSize: [16, 16], angles: fullArc(4) }), 1e-6);
    await agrees(interp, parallelBeam({ imageSize: [15, 15], pixelSize: 0.7, detectorSpacing: 0.9, angles: fullArc(8, Math.PI, Math.PI / 16) }), 1e-6);
    await agrees(interp, parallelBeam({ imageSize: [13, 13], angles: [0, Math.PI / 4 + Math.PI, Math.PI / 2, (3 * Math.PI) / 4 - 2 * Math.PI] }), 1e-6);
    await agrees(interp, parallelBeam({ imageSize: [14, 14], angles: fullArc(24) }), 1e-6);
  });

  it('ORT (float32), 64², fullArc(180): agrees with the plain projector, dot test, ≈ 4× smaller tables', async () => {
    const g = parallelBeam({ imageSize: [64, 64], angles: fullArc(180) });
    await agrees(ort, g);
    const A = ctProjector(g);
    const r = await dotTest(ort, A, 1);
    expect(r.relError).toBeLessThan(1e-5);
    expect(r.normalizedError).toBeLessThan(1e-6);
    const full = buildTables(g, { forwardLayout: false });
    expect(A.symmetric!.tables.adjointBytes).toBeLessThan(full.adjointBytes / 3.8);
    expect(A.symmetric!.graphTableBytes).toBeLessThan(full.adjointBytes / 7.5);
    // the full tables are still there on demand (PET, host matvecs)
    expect(A.tables.nViews).toBe(180);
    // prebuilt representative tables are accepted
    expect(ctProjector(g, { tables: A.symmetric!.tables }).symmetric).not.toBeNull();
    expect(ctProjector(g, { tables: full }).symmetric).toBeNull();
  });

  it('ORT, 63² (odd), fullArc(60) and a sparse even view count agree with the plain projector', async () => {
    await agrees(ort, parallelBeam({ imageSize: [63, 63], angles: fullArc(60) }));
    await agrees(ort, parallelBeam({ imageSize: [48, 48], angles: sparseView(20) }));
  });

  it('inside a compiled graph with a gradient: ∇‖Ax‖² = 2AᵀAx', async () => {
    const g = parallelBeam({ imageSize: [32, 32], angles: fullArc(36) });
    const A = ctProjector(g);
    expect(A.symmetric).not.toBeNull();
    const x = new Rng(7).normalTensor([32, 32]);
    const gr = (await ort.compile(grad((s: Sym) => A.forward(s).square().sum()), [specOf(x)]).runHost(x)) as HostTensor;
    const ref = await apply(ort, (s) => A.adjoint(A.forward(s)).mul(2), x);
    expect(relMax(gr.data, ref.data)).toBeLessThan(1e-5);
  });
});
