import { describe, expect, it } from 'vitest';
import { isMedreconError } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/rng.js';
import { type HostTensor, tensor } from '../../../src/core/tensor.js';
import { createInterpExecutor } from '../../../src/interp/index.js';
import type { Executor } from '../../../src/ir/executor.js';
import type { Sym } from '../../../src/ir/sym.js';
import { specOf } from '../../../src/ir/trace.js';
import { createRuntime } from '../../../src/node/index.js';
import { dotTest } from '../../../src/physics/algorithms.js';
import {
  type CtGeometry, adjointHost, buildTables, ctProjector, diskImage, diskSinogram, fanBeam, fbp, fourierFilter, forwardHost,
  fullArc, limitedAngle, noisySinogram, parallelBeam, sparseView,
} from '../../../src/physics/ct/index.js';

const interp = createInterpExecutor();
const ort = createRuntime({ threads: 1 });

async function apply(ex: Executor, f: (x: Sym) => Sym, x: HostTensor): Promise<HostTensor> {
  return (await ex.compile(f, [specOf(x)]).runHost(x)) as HostTensor;
}

/** Small geometries (non-square image to catch H/W mix-ups). */
function small(): [string, CtGeometry][] {
  const base = { imageSize: [12, 15] as const, pixelSize: 1.3 };
  return [
    ['parallel', parallelBeam({ ...base, detectorSpacing: 1.1, angles: fullArc(17) })],
    ['fan equiangular', fanBeam({ ...base, angles: fullArc(13, 2 * Math.PI), sourceToIso: 40, sourceToDetector: 80, detectorSpacing: 2.2 })],
    ['fan flat', fanBeam({ ...base, angles: fullArc(13, 2 * Math.PI), sourceToIso: 40, sourceToDetector: 70, detectorSpacing: 2, detector: 'flat', detectorOffset: 0.7 })],
    ['sparse-view', parallelBeam({ ...base, angles: sparseView(5) })],
    ['limited-angle', parallelBeam({ ...base, angles: limitedAngle(9, Math.PI / 2, 0.3) })],
  ];
}

describe('CT geometry', () => {
  it('angle helpers and validation', () => {
    expect(Array.from(fullArc(4))).toEqual([0, Math.PI / 4, Math.PI / 2, (3 * Math.PI) / 4]);
    expect(fullArc(3, 2 * Math.PI)[2]).toBeCloseTo((4 * Math.PI) / 3, 12);
    expect(sparseView(6, 'fan')[1]).toBeCloseTo(Math.PI / 3, 12);
    expect(() => limitedAngle(10, Math.PI)).toThrow(/arc must be < π/);
    expect(parallelBeam({ imageSize: [100, 100] }).nDetectors).toBe(143);
    try {
      parallelBeam({ imageSize: [8, 8], foo: 1 } as never);
      expect.unreachable();
    } catch (e) {
      expect(isMedreconError(e, 'UNKNOWN_OPTION')).toBe(true);
    }
    expect(() => fanBeam({ imageSize: [64, 64], sourceToIso: 30, sourceToDetector: 60 })).toThrow(/outside the image/);
    expect(() => fanBeam({ imageSize: [8, 8], sourceToIso: 30, sourceToDetector: 20 })).toThrow(/must exceed/);
  });
});

describe('CT projector: exact adjoint', () => {
  for (const [name, g] of small()) {
    it(`${name}: dot test < 1e-10 on the interpreter (all forward/adjoint methods), host tables agree`, async () => {
      const t = buildTables(g);
      for (const forward of ['gather', 'scatter'] as const) {
        for (const adjoint of ['gather', 'scatter'] as const) {
          const A = ctProjector(g, { tables: t, forward, adjoint });
          const r = await dotTest(interp, A, 3);
          expect(r.relError, `${forward}/${adjoint}`).toBeLessThan(1e-10);
        }
      }
      // graph forward == host forward (float64)
      const x = new Rng(5).normalTensor(g.imageSize);
      const y = await apply(interp, (v) => ctProjector(g, { tables: t }).forward(v), x);
      const yh = forwardHost(t, x.data as Float32Array);
      let m = 0;
      for (let i = 0; i < yh.length; i++) m = Math.max(m, Math.abs(y.data[i]! - yh[i]!));
      expect(m).toBeLessThan(1e-5);
      // the two host layouts are transposes of each other
      const yr = new Rng(6).normal(yh.length);
      const aty = adjointHost(t, yr);
      let l = 0, r = 0;
      for (let i = 0; i < yh.length; i++) l += yh[i]! * yr[i]!;
      for (let i = 0; i < aty.length; i++) r += x.data[i]! * aty[i]!;
      expect(Math.abs(l - r) / Math.abs(l)).toBeLessThan(1e-12);
    });
  }

  it('ORT (float32): dot tests at 64², 60 views for parallel and both fan detectors', async () => {
    const gs: CtGeometry[] = [
      parallelBeam({ imageSize: [64, 64], angles: fullArc(60) }),
      fanBeam({ imageSize: [64, 64], angles: fullArc(60, 2 * Math.PI), sourceToIso: 120, sourceToDetector: 240, detectorSpacing: 2 }),
      fanBeam({ imageSize: [64, 64], angles: fullArc(60, 2 * Math.PI), sourceToIso: 120, sourceToDetector: 240, detectorSpacing: 2, detector: 'flat' }),
    ];
    for (const g of gs) {
      const r = await dotTest(ort, ctProjector(g), 1);
      expect(r.normalizedError).toBeLessThan(1e-5);
      expect(r.relError).toBeLessThan(1e-4);
    }
  });

  it('ORT forward/adjoint match the float64 interpreter', async () => {
    const g = parallelBeam({ imageSize: [20, 20], angles: fullArc(24) });
    const A = ctProjector(g);
    const x = new Rng(2).uniformTensor([20, 20]);
    const y = new Rng(3).normalTensor([24, g.nDetectors]);
    for (const [f, v] of [[(s: Sym) => A.forward(s), x], [(s: Sym) => A.adjoint(s), y]] as const) {
      const a = await apply(ort, f, v);
      const b = await apply(interp, f, v);
      let m = 0, n = 0;
      for (let i = 0; i < a.data.length; i++) { m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!)); n = Math.max(n, Math.abs(b.data[i]!)); }
      expect(m / n).toBeLessThan(1e-5);
    }
  });

  it('rejects bad options', () => {
    const g = parallelBeam({ imageSize: [8, 8], angles: fullArc(4) });
    expect(() => ctProjector(g, { forward: 'dense' as never })).toThrow(/gather' or 'scatter/);
    expect(() => ctProjector(g, { forward: 'gather', tables: buildTables(g, { forwardLayout: false }) })).toThrow(/forward layout/);
  });
});

describe('CT projector: line integrals of a disk', () => {
  const disks = [{ cx: 6, cy: -4, r: 30, value: 0.02 }];
  const cases: CtGeometry[] = [
    parallelBeam({ imageSize: [96, 96], pixelSize: 1, angles: fullArc(12) }),
    fanBeam({ imageSize: [96, 96], angles: fullArc(12, 2 * Math.PI), sourceToIso: 200, sourceToDetector: 400, detectorSpacing: 2, detector: 'equiangular' }),
    fanBeam({ imageSize: [96, 96], angles: fullArc(12, 2 * Math.PI), sourceToIso: 200, sourceToDetector: 400, detectorSpacing: 2, detector: 'flat' }),
  ];
  for (const g of cases) {
    it(`${g.kind}${g.kind === 'fan' ? ` ${g.detector}` : ''}: projection ≈ 2√(r²−d²)·μ within 2 % away from the rim`, async () => {
      const A = ctProjector(g);
      const y = await apply(ort, (v) => A.forward(v), diskImage(g, disks));
      const ref = diskSinogram(g, disks);
      const refInner = diskSinogram(g, [{ ...disks[0]!, r: 27 }]); // bins whose ray passes ≥ 3 mm inside the rim
      let worst = 0, count = 0;
      for (let i = 0; i < ref.data.length; i++) {
        if (refInner.data[i]! <= 0) continue;
        count++;
        worst = Math.max(worst, Math.abs(y.data[i]! - ref.data[i]!) / ref.data[i]!);
      }
      expect(count).toBeGreaterThan(100);
      expect(worst).toBeLessThan(0.02);
      // outside the shadow: exactly zero
      let outside = 0;
      for (let i = 0; i < ref.data.length; i++) if (ref.data[i] === 0 && diskSinogram(g, [{ ...disks[0]!, r: 33 }]).data[i] === 0) outside = Math.max(outside, Math.abs(y.data[i]!));
      expect(outside).toBe(0);
    });
  }
});

describe('FBP', () => {
  it('filters match skimage _get_fourier_filter(64, name) (ramp, shepp-logan, cosine); hann is the symmetric window', () => {
    // /usr/bin/python3 -c "from skimage.transform.radon_transform import _get_fourier_filter as f; print(f(64, name)[[0,1,5,16,31,32,40,63], 0])"  (skimage 0.19.3)
    const ref: Record<string, number[]> = {
      ramp: [0.006330515402529435, 0.03051260854933452, 0.1562031541017631, 0.5, 0.9694873914506654, 0.9936694845974705, 0.749982867709821, 0.03051260854933452],
      'shepp-logan': [0.006330515402529435, 0.03050035630747646, 0.15463960983426753, 0.4501581580785531, 0.6363369334099406, 0.6325896410930536, 0.5881465423125237, 0.03050035630747646],
      cosine: [0.006330515402529435, 0.030475854776042418, 0.15152194132627378, 0.35355339059327384, 0.047570491588239235, 0.0, 0.28700601803020737, 0.030475854776042418],
    };
    const at = [0, 1, 5, 16, 31, 32, 40, 63];
    for (const [name, vals] of Object.entries(ref)) {
      const H = fourierFilter(64, name as 'ramp');
      at.forEach((k, i) => expect(H[k]).toBeCloseTo(vals[i]!, 12));
    }
    const ramp = fourierFilter(64, 'ramp');
    const hann = fourierFilter(64, 'hann');
    expect(hann[16]).toBeCloseTo(ramp[16]! * 0.5, 12);
    expect(hann[32]).toBeCloseTo(0, 12);
    const half = fourierFilter(64, 'ramp', 0.5);
    expect(half[20]).toBe(0);
    expect(half[8]).toBeCloseTo(ramp[8]!, 12);
    expect(() => fourierFilter(64, 'ramp', 0)).toThrow(/frequencyScaling/);
  });

  const disks = [{ cx: 0, cy: 0, r: 40, value: 0.02 }];
  const cases: CtGeometry[] = [
    parallelBeam({ imageSize: [128, 128], angles: fullArc(180) }),
    parallelBeam({ imageSize: [128, 128], pixelSize: 0.8, detectorSpacing: 1.1, angles: fullArc(120) }),
    fanBeam({ imageSize: [128, 128], angles: fullArc(360, 2 * Math.PI), sourceToIso: 200, sourceToDetector: 400, detectorSpacing: 2, detector: 'equiangular' }),
    fanBeam({ imageSize: [128, 128], angles: fullArc(360, 2 * Math.PI), sourceToIso: 200, sourceToDetector: 400, detectorSpacing: 2, detector: 'flat' }),
  ];
  for (const g of cases) {
    it(`disk phantom reconstructs its value within 1 % in the interior: ${g.kind}${g.kind === 'fan' ? ` ${g.detector}` : ` Δ=${g.pixelSize}`}`, async () => {
      const sino = diskSinogram(g, disks);
      const A = ctProjector(g);
      for (const filter of ['ramp', 'shepp-logan', 'cosine', 'hann'] as const) {
        const img = await fbp(ort, sino, g, { filter, projector: A });
        const [H, W] = g.imageSize;
        let worst = 0, outside = 0;
        for (let i = 0; i < H; i++) {
          for (let j = 0; j < W; j++) {
            const X = (j - (W - 1) / 2) * g.pixelSize, Y = ((H - 1) / 2 - i) * g.pixelSize;
            const r = Math.hypot(X, Y);
            const v = img.data[i * W + j]!;
            if (r < 0.8 * 40) worst = Math.max(worst, Math.abs(v - 0.02) / 0.02);
            if (r > 50 && r < 0.45 * W * g.pixelSize) outside = Math.max(outside, Math.abs(v));
          }
        }
        expect(worst, filter).toBeLessThan(0.01);
        expect(outside, filter).toBeLessThan(0.02 * 0.05);
      }
    });
  }

  it('checks the sinogram shape', async () => {
    const g = parallelBeam({ imageSize: [8, 8], angles: fullArc(4) });
    await expect(fbp(ort, tensor([4, 3]), g)).rejects.toThrow(/sinogram must be/);
  });
});

describe('transmission noise', () => {
  it('p̂ = −log(counts/I0) has mean ≈ p and variance ≈ e^p / I0; low counts are floored at one', () => {
    const n = 20000;
    const p = tensor([2, n], Float32Array.from({ length: 2 * n }, (_, i) => (i < n ? 2 : 9)));
    const { sinogram, counts } = noisySinogram(p, new Rng(11), { I0: 1e4 });
    let m = 0, v = 0;
    for (let i = 0; i < n; i++) m += sinogram.data[i]!;
    m /= n;
    for (let i = 0; i < n; i++) v += (sinogram.data[i]! - m) ** 2;
    v /= n - 1;
    expect(Math.abs(m - 2)).toBeLessThan(0.005);
    expect(v / (Math.exp(2) / 1e4)).toBeGreaterThan(0.95);
    expect(v / (Math.exp(2) / 1e4)).toBeLessThan(1.05);
    // mean count 1e4·e^−9 ≈ 1.23: Poisson mean and the floor at one count
    let c = 0, maxP = 0;
    for (let i = n; i < 2 * n; i++) { c += counts.data[i]!; maxP = Math.max(maxP, sinogram.data[i]!); }
    expect(c / n).toBeCloseTo(1e4 * Math.exp(-9), 1);
    expect(maxP).toBeCloseTo(Math.log(1e4), 4);
    // reproducible
    expect(noisySinogram(p, new Rng(11), { I0: 1e4 }).sinogram.data).toEqual(sinogram.data);
    expect(() => noisySinogram(tensor([4]), new Rng(1), { I0: 10 })).toThrow(/sinogram/);
  });
});
