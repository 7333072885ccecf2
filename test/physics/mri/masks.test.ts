import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  acceleration, centerLines, equispacedFractionMask, equispacedMask, gaussianMask1d, maskToTensor, poissonDiscMask, randomMask, roundHalfEven,
} from '../../../src/physics/mri/masks.js';
import { RandomState } from '../../../src/physics/mri/mt19937.js';

/** Produced by `python3 scripts/mri-masks.py` (numpy RandomState driving fastMRI's mask maths). */
interface Fixture {
  masks: { kind: string; numCols: number; centerFractions: number[]; accelerations: number[]; seed: number | number[]; numLowFrequencies: number; lines: number[] }[];
  raw: { seed: number | number[]; uniform: number[]; randint: number[]; randintHighs: number[] }[];
}
const fx = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'fastmri-masks.json'), 'utf8')) as Fixture;
const lines = (m: Uint8Array) => [...m].flatMap((v, i) => (v ? [i] : []));

describe('RandomState (MT19937) matches numpy', () => {
  for (const r of fx.raw) {
    it(`seed ${JSON.stringify(r.seed)}`, () => {
      const rs = new RandomState(r.seed);
      expect([...rs.uniform(5)]).toEqual(r.uniform); // bit-exact float64
      expect(r.randintHighs.map((h) => rs.randint(0, h))).toEqual(r.randint);
    });
  }
  it('rejects bad seeds', () => {
    expect(() => new RandomState(-1)).toThrow(/seed/);
    expect(() => new RandomState(2 ** 32)).toThrow(/seed/);
    expect(() => new RandomState([])).toThrow(/non-empty/);
  });
});

describe('fastMRI masks: exact line sets', () => {
  const fns = { random: randomMask, equispaced: equispacedMask, equispaced_fraction: equispacedFractionMask } as const;
  for (const c of fx.masks) {
    it(`${c.kind} W=${c.numCols} R=${c.accelerations} cf=${c.centerFractions} seed=${JSON.stringify(c.seed).slice(0, 24)}`, () => {
      const m = fns[c.kind as keyof typeof fns](c.numCols, { acceleration: c.accelerations, centerFraction: c.centerFractions, seed: c.seed });
      expect(lines(m)).toEqual(c.lines);
    });
  }
  it('centre-fraction and acceleration semantics', () => {
    expect(roundHalfEven(2.5)).toBe(2);
    expect(roundHalfEven(3.5)).toBe(4);
    expect(roundHalfEven(25.6)).toBe(26);
    // n_low = round(368·0.08) = 29 centre lines starting at ⌊(368 − 29 + 1)/2⌋ = 170
    expect(lines(centerLines(368, 29))).toEqual(Array.from({ length: 29 }, (_, i) => 170 + i));
    const m = randomMask(368, { acceleration: 4, centerFraction: 0.08, seed: 5 });
    for (let i = 170; i < 199; i++) expect(m[i]).toBe(1);
    // mean acceleration over seeds ≈ 4 (expected count W/R)
    let tot = 0;
    for (let s = 0; s < 200; s++) tot += lines(randomMask(368, { acceleration: 4, centerFraction: 0.08, seed: s })).length;
    expect(tot / 200).toBeGreaterThan(368 / 4 - 2);
    expect(tot / 200).toBeLessThan(368 / 4 + 2);
    expect(lines(equispacedMask(16, { acceleration: 4, centerFraction: 0.125, offset: 1 }))).toEqual([1, 5, 7, 8, 9, 13]);
    expect(() => randomMask(10, { acceleration: [4, 8], centerFraction: [0.08] })).toThrow(/same/);
    expect(() => randomMask(10, { acceleration: 4, centerFraction: 0.08, bogus: 1 } as never)).toThrow(/unknown option/);
  });
});

describe('variable-density masks', () => {
  it('Poisson disc hits the acceleration within ±10 %, samples the calibration box, is seeded', () => {
    for (const R of [4, 8]) {
      const m = poissonDiscMask([96, 80], { acceleration: R, calib: [12, 12], seed: 3 });
      expect(Math.abs(acceleration(m) - R) / R).toBeLessThan(0.1);
      for (let y = 42; y < 54; y++) for (let x = 34; x < 46; x++) expect(m[y * 80 + x]).toBe(1);
      expect(lines(m)).toEqual(lines(poissonDiscMask([96, 80], { acceleration: R, calib: [12, 12], seed: 3 })));
    }
    const a = poissonDiscMask([64, 64], { acceleration: 5, seed: 1 });
    const b = poissonDiscMask([64, 64], { acceleration: 5, seed: 2 });
    expect(lines(a)).not.toEqual(lines(b));
    // denser at the centre than at the edge
    let inner = 0;
    let outer = 0;
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) {
      const r = Math.hypot(y - 32, x - 32);
      if (r < 10) inner += a[y * 64 + x]!;
      else if (r > 20 && r < 30) outer += a[y * 64 + x]!;
    }
    expect(inner / (Math.PI * 100)).toBeGreaterThan(1.5 * (outer / (Math.PI * (900 - 400))));
  });
  it('Gaussian 1D mask: round(W/R) lines, centre kept, seeded', () => {
    const m = gaussianMask1d(256, { acceleration: 4, centerFraction: 0.08, seed: 9 });
    expect(lines(m).length).toBe(64);
    expect(lines(centerLines(256, 20)).every((i) => m[i] === 1)).toBe(true);
    expect(lines(m)).toEqual(lines(gaussianMask1d(256, { acceleration: 4, centerFraction: 0.08, seed: 9 })));
    expect(maskToTensor(m, [3, 256]).data[256 + 128]).toBe(1);
  });
});
