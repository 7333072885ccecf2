import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/core/tensor.js';
import { createInterpExecutor } from '../../src/interp/index.js';
import { type Sym } from '../../src/ir/index.js';
import { add, mul, sum } from '../../src/ir/sym.js';
import { createRuntime } from '../../src/node/index.js';
import { daubechies, detailMask, dwt2, highPass, waveletPrior } from '../../src/optim/wavelet.js';
import { evalHost, maxAbsDiff, randn } from './helpers.js';

const ex = createInterpExecutor();

// pywt.Wavelet('dbN').rec_lo, PyWavelets 1.1.1 (Debian python3-pywt), printed with repr().
const PYWT_REC_LO: Record<number, number[]> = {
  2: [0.48296291314453416, 0.8365163037378079, 0.2241438680420134, -0.12940952255126037],
  3: [0.33267055295008263, 0.8068915093110925, 0.45987750211849154, -0.13501102001025458, -0.08544127388202666, 0.03522629188570953],
  4: [0.2303778133088965, 0.7148465705529157, 0.6308807679298589, -0.027983769416859854, -0.18703481171909309, 0.030841381835560764, 0.0328830116668852, -0.010597401785069032],
  8: [0.05441584224310401, 0.31287159091429995, 0.6756307362972898, 0.5853546836542067, -0.015829105256349306, -0.2840155429615469, 0.0004724845739132828, 0.12874742662047847, -0.017369301001807547, -0.044088253930794755, 0.013981027917398282, 0.008746094047405777, -0.004870352993451574, -0.00039174037337694705, 0.0006754494064505693, -0.00011747678412476953],
};

describe('Daubechies filters', () => {
  it('match PyWavelets rec_lo (db2, db3, db4, db8) and the db2 closed form', () => {
    for (const [n, ref] of Object.entries(PYWT_REC_LO)) expect(maxAbsDiff(daubechies(Number(n)), ref)).toBeLessThan(1e-13);
    const s3 = Math.sqrt(3);
    const d2 = [1 + s3, 3 + s3, 3 - s3, 1 - s3].map((v) => v / (4 * Math.SQRT2));
    expect(maxAbsDiff(daubechies(2), d2)).toBeLessThan(1e-15);
    expect(maxAbsDiff(daubechies(1), [Math.SQRT1_2, Math.SQRT1_2])).toBeLessThan(1e-16);
  });
  it('are orthonormal to their 2-shifts and have N vanishing moments (db1 … db10)', () => {
    for (let n = 1; n <= 10; n++) {
      const h = daubechies(n);
      const g = highPass(h);
      const L = h.length;
      for (let m = 0; m < n; m++) {
        let hh = 0;
        let hg = 0;
        for (let k = 0; k + 2 * m < L; k++) {
          hh += h[k]! * h[k + 2 * m]!;
          hg += h[k]! * g[k + 2 * m]!;
        }
        expect(Math.abs(hh - (m === 0 ? 1 : 0))).toBeLessThan(1e-12);
        expect(Math.abs(hg)).toBeLessThan(1e-12);
      }
      for (let p = 0; p < n; p++) {
        let mom = 0;
        for (let k = 0; k < L; k++) mom += g[k]! * k ** p;
        expect(Math.abs(mom)).toBeLessThan(1e-7 * L ** p);
      }
    }
  });
  it('rejects unknown orders', () => {
    expect(() => daubechies(0)).toThrow(/order/);
    expect(() => dwt2([8, 8], { wavelet: 'sym4' as 'db4' })).toThrow(/unknown wavelet/);
    expect(() => dwt2([12, 8], { levels: 3 })).toThrow(/levels/);
  });
});

describe('2D DWT (periodic, packed)', () => {
  const cases = [
    { shape: [2, 1, 16, 8], opts: { wavelet: 'haar' as const, levels: 3 } },
    { shape: [1, 1, 16, 16], opts: { wavelet: 'db2' as const, levels: 2 } },
    { shape: [1, 2, 16, 32], opts: { wavelet: 'db4' as const, levels: 3 } }, // level 3 band 2×4 < filter length: multi-wrap
    { shape: [1, 1, 8, 8, 2], opts: { wavelet: 'db3' as const, levels: 2, complex: true } },
  ];
  for (const c of cases) {
    it(`Wᵀ W = W Wᵀ = I and ⟨Wx, c⟩ = ⟨x, Wᵀc⟩ (${c.opts.wavelet}, ${c.opts.levels} levels, [${c.shape}])`, async () => {
      const W = dwt2(c.shape, c.opts);
      expect(W.outShape).toEqual(c.shape);
      const x = randn(c.shape, 4);
      const r1 = await evalHost(ex, (x: Sym) => W.adjoint(W.forward(x)), x);
      const r2 = await evalHost(ex, (x: Sym) => W.forward(W.adjoint(x)), x);
      expect(maxAbsDiff(r1.data, x.data)).toBeLessThan(1e-6); // float32 readback of a float64 result
      expect(maxAbsDiff(r2.data, x.data)).toBeLessThan(1e-6);
      const cc = randn(c.shape, 5);
      const dot = await evalHost(ex, (x: Sym, c: Sym) => {
        const a = sum(mul(W.forward(x), c));
        return add(a, mul(sum(mul(x, W.adjoint(c))), -1)).div(a.abs());
      }, x, cc);
      expect(Math.abs(dot.data[0]!)).toBeLessThan(1e-12);
      // energy preserved (orthogonal)
      const e = await evalHost(ex, (x: Sym) => sum(mul(W.forward(x), W.forward(x))).div(sum(mul(x, x))), x);
      expect(e.data[0]).toBeCloseTo(1, 6);
    });
  }
  it('Haar level 1 by hand; a constant image has no detail energy (db4); ORT matches the interpreter', async () => {
    const x = tensor([2, 2], [1, 2, 3, 4]);
    const c = await evalHost(ex, (x: Sym) => dwt2([2, 2], { wavelet: 'haar', levels: 1 }).forward(x), x);
    // LL = (1+2+3+4)/2, LH (columns high) = ((1−2)+(3−4))/2, HL = ((1+2)−(3+4))/2, HH = ((1−2)−(3−4))/2
    expect(maxAbsDiff(c.data, [5, -1, -2, 0])).toBeLessThan(1e-6);
    const ones = tensor([16, 16], new Float32Array(256).fill(1));
    const W = dwt2([16, 16], { wavelet: 'db4', levels: 3 });
    const co = await evalHost(ex, (x: Sym) => mul(W.forward(x), detailMask([16, 16], { levels: 3 })), ones);
    expect(maxAbsDiff(co.data, new Float32Array(256))).toBeLessThan(1e-6);
    const rt = createRuntime({ threads: 1 });
    const y = randn([1, 1, 32, 32], 6);
    const W2 = dwt2([1, 1, 32, 32], { wavelet: 'db4', levels: 3 });
    const a = await evalHost(rt, (x: Sym) => W2.forward(x), y);
    const b = await evalHost(ex, (x: Sym) => W2.forward(x), y);
    expect(maxAbsDiff(a.data, b.data)).toBeLessThan(1e-5);
  });
});

describe('wavelet-ℓ1 prior', () => {
  it('prox = Wᵀ soft(W v) keeps the approximation band and is the argmin (optimality of the soft threshold)', async () => {
    const shape = [1, 1, 16, 16];
    const v = randn(shape, 7);
    const g = waveletPrior(0.5, { wavelet: 'db2', levels: 2 });
    const W = dwt2(shape, { wavelet: 'db2', levels: 2 });
    const cv = (await evalHost(ex, (x: Sym) => W.forward(x), v)).data;
    const cp = (await evalHost(ex, (x: Sym) => W.forward(g.prox(x, 0.8)), v)).data;
    const t = 0.4;
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 16; j++) {
        const k = i * 16 + j;
        const approx = i < 4 && j < 4;
        const want = approx ? cv[k]! : Math.sign(cv[k]!) * Math.max(Math.abs(cv[k]!) - t, 0);
        expect(Math.abs(cp[k]! - want)).toBeLessThan(1e-5);
      }
    }
    // value: λ Σ|detail|
    const val = (await evalHost(ex, (x: Sym) => g.value!(x), v)).data[0]!;
    let ref = 0;
    for (let i = 0; i < 16; i++) for (let j = 0; j < 16; j++) if (!(i < 4 && j < 4)) ref += Math.abs(cv[i * 16 + j]!);
    expect(val).toBeCloseTo(0.5 * ref, 4);
  });
});
