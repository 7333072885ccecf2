import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import { type HostTensor, tensor } from '../../../src/core/tensor.js';
import { createInterpExecutor } from '../../../src/interp/index.js';
import { fftc } from '../../../src/ir/composite.js';
import type { Executor } from '../../../src/ir/executor.js';
import { type Sym, mul, spec, sub, sum } from '../../../src/ir/index.js';
import { createRuntime } from '../../../src/node/index.js';
import {
  cartesian3d, coilCombine, fftcLast, ifftcLast, rss, senseOp, senseOpWithMaps, singleCoilCartesian, zeroFilled,
} from '../../../src/physics/mri/cartesian.js';
import { simulateCoilMaps } from '../../../src/physics/mri/coils.js';
import type { LinearOperator } from '../../../src/physics/operator.js';

const interp = createInterpExecutor();
const rng = new Rng(11);
const rnd = (dims: readonly number[]) => rng.normalTensor(dims);
const lineMask = (W: number) => Array.from({ length: W }, (_, i) => (i % 3 === 1 ? 0 : 1));

/**
 * Relative dot-test error |⟨Ax, y⟩ − ⟨x, Aᴴy⟩| / |⟨Ax, y⟩|, difference formed inside the graph, with
 * y = A x₂ + n for random x₂, n (an arbitrary y, but one that keeps ⟨Ax, y⟩ away from the
 * cancellation of two independent random vectors, so float32 sums measure the adjoint, not rounding).
 */
async function dotTest(ex: Executor, A: LinearOperator, extra?: { spec: readonly number[]; value: HostTensor; make: (m: Sym) => LinearOperator }): Promise<number> {
  const x = rnd(A.inShape);
  const y = rnd(A.outShape);
  const f = (op: LinearOperator, xs: Sym, ns: Sym) => {
    const ys = op.forward(xs).mul(0.7).add(ns);
    const a = sum(mul(op.forward(xs), ys));
    const b = sum(mul(xs, op.adjoint(ys)));
    return [sub(a, b), a];
  };
  const out = extra
    ? await ex.compile((xs: Sym, ys: Sym, m: Sym) => f(extra.make(m), xs, ys), [spec(A.inShape), spec(A.outShape), spec(extra.spec)]).runHost(x, y, extra.value)
    : await ex.compile((xs: Sym, ys: Sym) => f(A, xs, ys), [spec(A.inShape), spec(A.outShape)]).runHost(x, y);
  const [d, a] = out as HostTensor[];
  return Math.abs(d!.data[0]!) / Math.abs(a!.data[0]!);
}

describe('MRI operators: dot tests (float64 interpreter, < 1e-10)', () => {
  const maps = rnd([3, 6, 8, 2]);
  const cases: [string, () => LinearOperator][] = [
    ['single coil, line mask', () => singleCoilCartesian({ shape: [6, 8], mask: lineMask(8) })],
    ['single coil, odd sizes, 2D mask', () => singleCoilCartesian({ shape: [5, 7], mask: rnd([5, 7]).data.map((v) => (v > 0 ? 1 : 0)) })],
    ['single coil, batch dims', () => singleCoilCartesian({ shape: [4, 6], mask: lineMask(6), batch: [2, 3] })],
    ['SENSE', () => senseOp({ maps, mask: lineMask(8) })],
    ['SENSE, odd sizes', () => senseOp({ maps: rnd([2, 5, 6, 2]), mask: lineMask(6) })],
    ['3D single coil', () => cartesian3d({ shape: [4, 6, 5], mask: rnd([6, 5]).data.map((v) => (v > -0.3 ? 1 : 0)) })],
    ['3D multi coil', () => cartesian3d({ shape: [3, 4, 6], mask: lineMask(6), maps: rnd([2, 3, 4, 6, 2]) })],
  ];
  for (const [name, make] of cases) {
    it(name, async () => {
      expect(await dotTest(interp, make())).toBeLessThan(1e-10);
    });
  }
  it('SENSE with maps as a graph input', async () => {
    const A = senseOp({ maps, mask: lineMask(8) });
    expect(await dotTest(interp, A, { spec: [3, 6, 8, 2], value: maps, make: (m) => senseOpWithMaps(m, lineMask(8)) })).toBeLessThan(1e-10);
  });
  it('a wrong-adjoint operator fails the dot test (the test can fail)', async () => {
    const A = singleCoilCartesian({ shape: [6, 8], mask: lineMask(8) });
    const bad = { ...A, adjoint: (y: Sym) => ifftcLast(y, 2) } as LinearOperator;
    expect(await dotTest(interp, bad)).toBeGreaterThan(1e-3);
  });
});

describe('MRI operators: values', () => {
  it('match numpy fastMRI fft2c references (scripts/mri-ops.py, H=6, W=5)', async () => {
    const r = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'mri-ops.json'), 'utf8')) as Record<string, number[]> & { H: number; W: number; C: number };
    const { H, W, C } = r;
    const x = tensor([H, W, 2], r.x!);
    const S = tensor([C, H, W, 2], r.maps!);
    const y = tensor([C, H, W, 2], r.y!);
    const A1 = singleCoilCartesian({ shape: [H, W], mask: r.mask! });
    const As = senseOp({ maps: S, mask: r.mask! });
    const [o1, o2, o3] = (await interp.compile((a: Sym, b: Sym) => [A1.forward(a), As.forward(a), As.adjoint(b)], [spec([H, W, 2]), spec([C, H, W, 2])]).runHost(x, y)) as HostTensor[];
    const close = (got: ArrayLike<number>, want: number[]) => {
      let e = 0;
      let m = 0;
      for (let i = 0; i < want.length; i++) { e = Math.max(e, Math.abs(got[i]! - want[i]!)); m = Math.max(m, Math.abs(want[i]!)); }
      expect(e / m).toBeLessThan(1e-6);
    };
    close(o1!.data, r.single!);
    close(o2!.data, r.sense!);
    close(o3!.data, r.senseAdjoint!);
  });
  it('unmasked single coil is unitary: ‖A‖ = 1, AᴴA = I, fftcLast = composite fftc', async () => {
    const A = singleCoilCartesian({ shape: [6, 7] });
    const x = rnd([6, 7, 2]);
    const [ax, aha, ref] = (await interp.compile((v: Sym) => [A.forward(v), A.adjoint(A.forward(v)), fftc(v, [0, 1])], [spec([6, 7, 2])]).runHost(x)) as HostTensor[];
    const n2 = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));
    expect(Math.abs(n2(ax!.data) / n2(x.data) - 1)).toBeLessThan(1e-6);
    for (let i = 0; i < x.data.length; i++) {
      expect(aha!.data[i]).toBeCloseTo(x.data[i]!, 5);
      expect(ax!.data[i]).toBeCloseTo(ref!.data[i]!, 5);
    }
  });
  it('rss, coilCombine and zeroFilled', async () => {
    const maps = simulateCoilMaps({ coils: 4, shape: [8, 10] });
    const x = rnd([8, 10, 2]);
    const A = senseOp({ maps });
    const [r, cc, zf] = (await interp.compile((v: Sym) => {
      const k = A.forward(v);
      const imgs = ifftcLast(k, 2);
      return [rss(imgs), coilCombine(imgs, maps), zeroFilled(k, { coils: true })];
    }, [spec([8, 10, 2])]).runHost(x)) as HostTensor[];
    for (let i = 0; i < 80; i++) {
      const mag = Math.hypot(x.data[2 * i]!, x.data[2 * i + 1]!);
      expect(r!.data[i]).toBeCloseTo(mag, 5); // Σ|S_c|² = 1 → rss = |x|
      expect(zf!.data[i]).toBeCloseTo(mag, 5);
      expect(cc!.data[2 * i]).toBeCloseTo(x.data[2 * i]!, 5);
      expect(cc!.data[2 * i + 1]).toBeCloseTo(x.data[2 * i + 1]!, 5);
    }
  });
  it('rejects bad masks and maps', () => {
    expect(() => singleCoilCartesian({ shape: [6, 8], mask: [1, 0, 1] })).toThrow(/mask/);
    expect(() => senseOp({ maps: rnd([2, 6, 8]) })).toThrow(/maps/);
    expect(() => singleCoilCartesian({ shape: [6, 8], foo: 1 } as never)).toThrow(/unknown option/);
  });
});

describe('MRI operators on ONNX Runtime (float32)', () => {
  const rt = createRuntime({ threads: 1 });
  it('dot tests at 64²–128² < 1e-5 and parity with the interpreter', async () => {
    const maps = simulateCoilMaps({ coils: 4, shape: [96, 80] });
    const mask = lineMask(80);
    for (const A of [singleCoilCartesian({ shape: [128, 128], mask: lineMask(128) }), senseOp({ maps, mask }), cartesian3d({ shape: [8, 64, 48], mask: lineMask(48) })]) {
      expect(await dotTest(rt, A)).toBeLessThan(1e-5);
    }
    const A = senseOp({ maps, mask });
    const x = rnd([96, 80, 2]);
    const f = (v: Sym) => A.adjoint(A.forward(v));
    const a = (await rt.compile(f, [spec([96, 80, 2])]).runHost(x)) as HostTensor;
    const b = (await interp.compile(f, [spec([96, 80, 2])]).runHost(x)) as HostTensor;
    let e = 0;
    let m = 0;
    for (let i = 0; i < a.data.length; i++) { e = Math.max(e, Math.abs(a.data[i]! - b.data[i]!)); m = Math.max(m, Math.abs(b.data[i]!)); }
    expect(e / m).toBeLessThan(1e-5);
    const g = (v: Sym) => [fftcLast(v, 2), fftc(v, [0, 1])];
    const [p, q] = (await rt.compile(g, [spec([96, 80, 2])]).runHost(x)) as HostTensor[];
    for (let i = 0; i < p!.data.length; i += 97) expect(p!.data[i]).toBeCloseTo(q!.data[i]!, 3);
  });
});
