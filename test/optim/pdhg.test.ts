import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { tensor } from '../../src/core/tensor.js';
import { createInterpExecutor } from '../../src/interp/index.js';
import { type Sym, spec } from '../../src/ir/index.js';
import { loadMriSlices } from '../../src/io/fixtures.js';
import { linearOperator } from '../../src/physics/operator.js';
import { pdhg } from '../../src/optim/pdhg.js';
import { tvProxDual } from '../../src/optim/tv.js';
import { maxAbsDiff, relErr } from './helpers.js';

const ex = createInterpExecutor();
const H = 16;
const img = loadMriSlices('heldout');
const clean = new Float32Array(H * H);
for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) clean[i * H + j] = img.data[(40 + i) * 128 + 40 + j]!;
const noise = new Rng(31).normal(H * H, 0, 0.1);
const b = tensor([1, 1, H, H], clean.map((v, i) => v + noise[i]!));

describe('PDHG (Chambolle–Pock) for ½‖Ax − y‖² + λTV(x)', () => {
  it('denoising (A = I): converges to the TV prox; the primal–dual gap decreases to ~0', async () => {
    const lam = 0.1;
    const I = linearOperator('id', [1, 1, H, H], [1, 1, H, H], (x) => x, (x) => x);
    const gaps: number[] = [];
    const r = await pdhg(ex, { physics: I, y: b, lambda: lam, bounds: [-5, 5], maxIter: 600, onGap: (_, g) => gaps.push(g), trace: true });
    // reference prox by warm-started FGP blocks (float64)
    const block = ex.compile((bb: Sym, q: Sym) => tvProxDual(bb, lam, { iterations: 100, q0: q }), [spec([1, 1, H, H]), spec([2, 1, 1, H, H])]);
    let q: unknown = tensor([2, 1, 1, H, H], new Float32Array(2 * H * H));
    let ref: Float32Array = new Float32Array();
    for (let i = 0; i < 5; i++) {
      const o = (await block.run(b, q as never)) as unknown as { x: { toHost(): Promise<{ data: Float32Array }> }; q: unknown };
      q = o.q;
      ref = (await o.x.toHost()).data;
    }
    expect(relErr(r.image.data, ref)).toBeLessThan(2e-3);
    expect(gaps[0]!).toBeGreaterThan(100 * gaps[gaps.length - 1]!);
    expect(gaps[gaps.length - 1]!).toBeLessThan(1e-3);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(-1e-9); // weak duality
    expect(r.gap).toBe(gaps[gaps.length - 1]);
    // the objective ends below its start
    const obj = r.info.trace!.map((t) => t.objective);
    expect(obj[obj.length - 1]!).toBeLessThan(obj[0]!);
  });

  it('inpainting-like A (random mask) with box [0, 1]: gap → 0 and the box holds', async () => {
    const m = new Rng(32).uniform(H * H).map((v) => (v < 0.6 ? 1 : 0));
    const M = tensor([1, 1, H, H], m);
    const { constant } = await import('../../src/ir/sym.js');
    const A = linearOperator('mask', [1, 1, H, H], [1, 1, H, H], (x) => x.mul(constant(M)), (y) => y.mul(constant(M)));
    const y = tensor([1, 1, H, H], clean.map((v, i) => v * m[i]!));
    const gaps: number[] = [];
    const r = await pdhg(ex, { physics: A, y, lambda: 0.02, bounds: [0, 1], maxIter: 400, onGap: (_, g) => gaps.push(g) });
    expect(gaps[gaps.length - 1]!).toBeLessThan(1e-3 * gaps[0]!);
    expect(Math.min(...r.image.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...r.image.data)).toBeLessThanOrEqual(1);
    // fills the holes: closer to the clean image than the masked data
    expect(relErr(r.image.data, clean)).toBeLessThan(0.5 * relErr(y.data, clean));
    expect(maxAbsDiff(r.image.data, clean)).toBeLessThan(1);
  });

  it('without finite bounds the gap is NaN; options are validated', async () => {
    const I = linearOperator('id', [1, 1, H, H], [1, 1, H, H], (x) => x, (x) => x);
    const r = await pdhg(ex, { physics: I, y: b, lambda: 0.1, maxIter: 3 });
    expect(Number.isNaN(r.gap)).toBe(true);
    expect(r.info.iterations).toBe(3);
    await expect(pdhg(ex, { physics: I, y: b, lambda: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(pdhg(ex, { physics: I, y: b, lambda: 1, tv: { dims: 2 } } as never)).rejects.toMatchObject({ code: 'UNKNOWN_OPTION' });
  });

  it('without per-iteration consumers only the last iteration computes the objective: same iterate, same objective', async () => {
    const m = new Rng(33).uniform(H * H).map((v) => (v < 0.5 ? 1 : 0));
    const { constant } = await import('../../src/ir/sym.js');
    const M = tensor([1, 1, H, H], m);
    const A = linearOperator('mask', [1, 1, H, H], [1, 1, H, H], (x) => x.mul(constant(M)), (y) => y.mul(constant(M)));
    const y = tensor([1, 1, H, H], clean.map((v, i) => v * m[i]!));
    const opts = { physics: A, y, lambda: 0.03, bounds: [0, 1] as const, normK: 3, tau: 0.99, sigma: 0.11 };
    const quiet = await pdhg(ex, { ...opts, maxIter: 25 });
    const traced = await pdhg(ex, { ...opts, maxIter: 25, trace: true });
    expect(traced.info.trace!.length).toBe(25);
    expect(quiet.info.trace).toBeUndefined();
    expect(quiet.info.iterations).toBe(25);
    expect(quiet.info.stoppedBy).toBe('maxIter');
    expect(maxAbsDiff(quiet.image.data, traced.image.data)).toBe(0);
    expect(quiet.info.objective).toBe(traced.info.trace![24]!.objective);
    expect(quiet.gap).toBe(traced.gap);
    expect(Number.isFinite(quiet.info.objective) && Number.isFinite(quiet.gap)).toBe(true);
    // a tolerance still stops at the first iteration whose change is small enough
    const rels = traced.info.trace!.map((t) => t.relChange);
    const tol = rels[9]! * 1.0001;
    const first = rels.findIndex((r) => r <= tol) + 1;
    const stopped = await pdhg(ex, { ...opts, maxIter: 25, tol });
    expect(stopped.info.stoppedBy).toBe('tolerance');
    expect(stopped.info.iterations).toBe(first);
  });
});
