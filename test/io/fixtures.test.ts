import { describe, expect, it } from 'vitest';
import { loadCtSlice, loadMriSlices } from '../../src/io/fixtures.js';

function stats(d: Float32Array) {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of d) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: sum / d.length };
}

describe('fixtures', () => {
  it('train MRI: 20 slices of 128², in [0, 1], with content', () => {
    const t = loadMriSlices('train');
    expect(t.dims).toEqual([20, 1, 128, 128]);
    const s = stats(t.data);
    expect(s.min).toBe(0);
    expect(s.max).toBeLessThanOrEqual(1);
    expect(s.max).toBeGreaterThan(0.7);
    expect(s.mean).toBeGreaterThan(0.1);
    // every slice has brain content
    for (let i = 0; i < 20; i++) expect(stats(t.data.subarray(i * 16384, (i + 1) * 16384)).mean).toBeGreaterThan(0.05);
  });
  it('held-out MRI: 8 slices of 128², different from the training slices', () => {
    const h = loadMriSlices('heldout');
    const t = loadMriSlices('train');
    expect(h.dims).toEqual([8, 1, 128, 128]);
    expect(stats(h.data).max).toBeLessThanOrEqual(1);
    for (let i = 0; i < 8; i++) {
      const a = h.data.subarray(i * 16384, (i + 1) * 16384);
      for (let j = 0; j < 20; j++) {
        const b = t.data.subarray(j * 16384, (j + 1) * 16384);
        let d = 0;
        for (let k = 0; k < a.length; k++) d += Math.abs(a[k]! - b[k]!);
        expect(d / a.length).toBeGreaterThan(0.01);
      }
    }
  });
  it('CT slice: HU range of CT_small and unit mapping', () => {
    const { hu, unit } = loadCtSlice();
    expect(hu.dims).toEqual([1, 1, 128, 128]);
    const s = stats(hu.data);
    expect(s.min).toBe(-896);
    expect(s.max).toBe(1167);
    const u = stats(unit.data);
    expect(u.min).toBeCloseTo(128 / 4096, 6);
    expect(u.max).toBeCloseTo(2191 / 4096, 6);
  });
  it('rejects an unknown split', () => {
    expect(() => loadMriSlices('test' as 'train')).toThrow(/split/);
  });
});
