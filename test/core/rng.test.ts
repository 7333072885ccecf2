import { describe, expect, it } from 'vitest';
import { Rng, philox4x32 } from '../../src/core/rng.js';

describe('Philox4x32-10', () => {
  it('matches the Random123 known-answer vectors', () => {
    expect([...philox4x32(0, 0, 0, 0, 0, 0)]).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    const m = 0xffffffff;
    expect([...philox4x32(m, m, m, m, m, m)]).toEqual([0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]);
  });
  it('matches the Random123 pi-digits vector', () => {
    // counter = 243f6a88 85a308d3 13198a2e 03707344, key = a4093822 299f31d0
    expect([...philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0)]).toEqual([
      0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1,
    ]);
  });
});

describe('Rng', () => {
  it('normal samples have mean 0, variance 1, and light tails', () => {
    const x = new Rng(123).normal(200_000);
    let m = 0;
    for (const v of x) m += v;
    m /= x.length;
    let v2 = 0;
    let k4 = 0;
    for (const v of x) {
      v2 += (v - m) ** 2;
      k4 += (v - m) ** 4;
    }
    v2 /= x.length;
    k4 /= x.length;
    expect(Math.abs(m)).toBeLessThan(0.01); // sd of the mean ≈ 0.0022
    expect(Math.abs(v2 - 1)).toBeLessThan(0.015);
    expect(Math.abs(k4 / (v2 * v2) - 3)).toBeLessThan(0.08); // Gaussian kurtosis
  });
  it('normalTensor honours mean and std', () => {
    const t = new Rng(5).normalTensor([100, 100], 2, 0.5);
    expect(t.dims).toEqual([100, 100]);
    const m = t.data.reduce((a, b) => a + b, 0) / t.data.length;
    expect(m).toBeCloseTo(2, 1);
  });
  it('uniform lies in (0, 1) with mean 1/2', () => {
    const u = new Rng(9).uniform(100_000);
    let m = 0;
    let outside = 0;
    for (const v of u) {
      if (!(v > 0 && v < 1)) outside++;
      m += v;
    }
    expect(outside).toBe(0);
    expect(Math.abs(m / u.length - 0.5)).toBeLessThan(0.005);
  });
  it('is reproducible, and state()/fromState resume the stream', () => {
    const a = new Rng(42);
    a.normal(7);
    const s = a.state();
    const next = a.uniform(10);
    const b = Rng.fromState(s);
    expect([...b.uniform(10)]).toEqual([...next]);
    expect([...new Rng(42).uniform(5)]).toEqual([...new Rng(42).uniform(5)]);
    expect([...new Rng(42).uniform(5)]).not.toEqual([...new Rng(43).uniform(5)]);
  });
  it('forks are independent of the parent and of each other', () => {
    const r = new Rng(1);
    const a = [...r.fork(0).uniform(4)];
    const b = [...r.fork(1).uniform(4)];
    expect(a).not.toEqual(b);
    expect(a).not.toEqual([...new Rng(1).uniform(4)]);
    expect([...r.fork(0).uniform(4)]).toEqual(a);
  });
});
