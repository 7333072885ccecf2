import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/core/tensor.js';
import { createInterpExecutor } from '../../src/interp/index.js';
import { type Sym, spec } from '../../src/ir/index.js';
import { add, mul, sum } from '../../src/ir/sym.js';
import { loadMriSlices } from '../../src/io/fixtures.js';
import { createRuntime } from '../../src/node/index.js';
import { tvDiv, tvGrad, tvNorm, tvProx, tvProxDual, tvProxGap } from '../../src/optim/tv.js';
import { evalHost, maxAbsDiff, randn, relErr } from './helpers.js';

const ex = createInterpExecutor();

describe('TV: gradient, divergence, norm', () => {
  const cases = [
    { name: '2D real', shape: [2, 1, 5, 7], opts: {} },
    { name: '3D real', shape: [1, 1, 3, 4, 5], opts: { ndim: 3 as const } },
    { name: '2D complex', shape: [1, 1, 4, 6, 2], opts: { complex: true } },
    { name: '3D complex', shape: [1, 3, 4, 5, 2], opts: { ndim: 3 as const, complex: true } },
  ];
  for (const c of cases) {
    it(`div = −∇ᴴ exactly (${c.name})`, async () => {
      const x = randn(c.shape, 1);
      const nd = c.opts.ndim ?? 2;
      const p = randn([nd, ...c.shape], 2);
      // ⟨∇x, p⟩ + ⟨x, div p⟩ in float64 (interpreter), relative to |⟨∇x, p⟩|
      const out = await evalHost(ex, (x: Sym, p: Sym) => {
        const a = sum(mul(tvGrad(x, c.opts), p));
        const b = sum(mul(x, tvDiv(p, c.opts)));
        return add(a, b).div(a.abs());
      }, x, p);
      expect(Math.abs(out.data[0]!)).toBeLessThan(1e-12);
    });
  }
  it('gradient values and Neumann boundary by hand; TV of a step edge', async () => {
    // x = [[0, 1, 3], [0, 1, 3]]: ∂_w = [1, 2, 0] per row, ∂_h = 0
    const x = tensor([1, 1, 2, 3], [0, 1, 3, 0, 1, 3]);
    const g = await evalHost(ex, (x: Sym) => tvGrad(x), x);
    expect(Array.from(g.data)).toEqual([0, 0, 0, 0, 0, 0, 1, 2, 0, 1, 2, 0]);
    const tv = await evalHost(ex, (x: Sym) => tvNorm(x), x);
    expect(tv.data[0]).toBeCloseTo(6, 6);
    // complex: isotropic over (direction, re/im): z = (3, 4)·step → |∇z| = 5 at the edge
    const z = tensor([1, 1, 1, 2, 2], [0, 0, 3, 4]);
    const tz = await evalHost(ex, (z: Sym) => tvNorm(z, { complex: true }), z);
    expect(tz.data[0]).toBeCloseTo(5, 6);
  });
});

describe('TV prox (FGP)', () => {
  const H = 16;
  const img = loadMriSlices('heldout');
  const noise = randn([H * H], 3, 0.1).data;
  const b = new Float32Array(H * H);
  for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) b[i * H + j] = img.data[(40 + i) * 128 + 40 + j]! + noise[i * H + j]!;
  const bt = tensor([1, 1, H, H], b);
  const lam = 0.1;

  it('duality gap decreases to ~0 with warm-started blocks (float64) and the default 50 iterations are within 0.3 % of the optimum', async () => {
    // high-accuracy reference: 40 warm-started blocks of 100 FGP iterations on the interpreter
    const block = ex.compile((b: Sym, q: Sym) => {
      const o = tvProxDual(b, lam, { iterations: 100, q0: q });
      return { x: o.x, q: o.q, gap: tvProxGap(b, o.q, lam) };
    }, [spec([1, 1, H, H]), spec([2, 1, 1, H, H])]);
    let q: unknown = tensor([2, 1, 1, H, H], new Float32Array(2 * H * H));
    const gaps: number[] = [];
    let ref: Float32Array | undefined;
    for (let i = 0; i < 30; i++) {
      const o = (await block.run(bt, q as never)) as Record<string, { toHost(): Promise<{ data: Float32Array }> }>;
      q = o.q;
      gaps.push((await o.gap!.toHost()).data[0]!);
      if (i === 29) ref = (await o.x!.toHost()).data;
    }
    expect(gaps[0]).toBeGreaterThan(gaps[29]!);
    expect(gaps[29]).toBeLessThan(1e-7);
    expect(gaps[29]).toBeGreaterThanOrEqual(-1e-9);
    // the one-graph prox (ORT, float32, default 50 iterations) against the reference
    const rt = createRuntime({ threads: 1 });
    const x50 = await evalHost(rt, (b: Sym) => tvProx(b, lam), bt);
    expect(relErr(x50.data, ref!)).toBeLessThan(3e-3);
    const x200 = await evalHost(ex, (b: Sym) => tvProx(b, lam, { iterations: 200 }), bt);
    expect(relErr(x200.data, ref!)).toBeLessThan(2e-4);
    // and it is a real denoising (far from the input)
    expect(relErr(x50.data, b)).toBeGreaterThan(0.05);
  });

  it('per-batch λ broadcasts; λ = 0 is the identity; complex TV prox is phase-equivariant', async () => {
    const two = tensor([2, 1, H, H], new Float32Array([...b, ...b]));
    const lamB = tensor([2, 1, 1, 1], [lam, 0]);
    const out = await evalHost(ex, (x: Sym, l: Sym) => tvProx(x, l, { iterations: 20 }), two, lamB);
    const single = await evalHost(ex, (x: Sym) => tvProx(x, lam, { iterations: 20 }), bt);
    expect(maxAbsDiff(out.data.subarray(0, H * H), single.data)).toBeLessThan(1e-6);
    expect(maxAbsDiff(out.data.subarray(H * H), b)).toBeLessThan(1e-6);
    // complex: prox(e^{iφ} b) = e^{iφ} prox(b) for a global phase φ (re/im treated jointly)
    const c = Math.cos(0.7);
    const s = Math.sin(0.7);
    const z = new Float32Array(2 * H * H);
    for (let i = 0; i < H * H; i++) [z[2 * i], z[2 * i + 1]] = [c * b[i]!, s * b[i]!];
    const pz = await evalHost(ex, (x: Sym) => tvProx(x, lam, { iterations: 20, complex: true }), tensor([1, 1, H, H, 2], z));
    const expected = new Float32Array(2 * H * H);
    for (let i = 0; i < H * H; i++) [expected[2 * i], expected[2 * i + 1]] = [c * single.data[i]!, s * single.data[i]!];
    expect(maxAbsDiff(pz.data, expected)).toBeLessThan(1e-6);
  });

  it('rejects bad options', () => {
    expect(() => tvProx(null as unknown as Sym, -1)).toThrow(/weight/);
  });
});
