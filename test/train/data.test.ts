import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { tensor } from '../../src/core/tensor.js';
import { addGaussianNoise, randomCrops, sliceBatch } from '../../src/train/data.js';

describe('data pipeline', () => {
  // image n has value 1000·n + 10·row + col, so every crop reveals where it came from
  const N = 3, H = 6, W = 7;
  const imgs = tensor([N, 1, H, W], Array.from({ length: N * H * W }, (_, k) => {
    const n = Math.floor(k / (H * W));
    const r = Math.floor((k % (H * W)) / W);
    return 1000 * n + 10 * r + (k % W);
  }));
  it('crops are contiguous windows, possibly flipped, of one image', () => {
    const c = randomCrops(new Rng(1), imgs, 64, 3, { flips: true });
    expect(c.dims).toEqual([64, 1, 3, 3]);
    const kinds = new Set<string>();
    for (let b = 0; b < 64; b++) {
      const v = Array.from(c.data.subarray(b * 9, b * 9 + 9));
      const n = Math.floor(v[0]! / 1000);
      const rc = v.map((x) => x - 1000 * n);
      const dr = Math.sign(rc[3]! - rc[0]!); // +10 normal, −10 flipped vertically
      const dc = Math.sign(rc[1]! - rc[0]!);
      kinds.add(`${dr},${dc}`);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(rc[i * 3 + j]).toBe(rc[0]! + dr * 10 * i + dc * j);
    }
    expect(kinds.size).toBe(4); // all four flip combinations occur
  });
  it('is reproducible and validates sizes', () => {
    expect([...randomCrops(new Rng(2), imgs, 4, 4).data]).toEqual([...randomCrops(new Rng(2), imgs, 4, 4).data]);
    expect(() => randomCrops(new Rng(0), imgs, 1, 8)).toThrow(/does not fit/);
  });
  it('adds noise with the requested σ and slices batches', () => {
    const x = tensor([1, 1, 100, 100]);
    const y = addGaussianNoise(new Rng(3), x, 0.1);
    const sd = Math.sqrt(y.data.reduce((a, v) => a + v * v, 0) / y.data.length);
    expect(sd).toBeCloseTo(0.1, 2);
    const s = sliceBatch(imgs, 1, 2);
    expect(s.dims).toEqual([2, 1, H, W]);
    expect(s.data[0]).toBe(1000);
  });
});
