import { describe, expect, it } from 'vitest';
import {
  cosineSchedule, linearBetas, linearSchedule, makeSchedule, scheduleFromBetas, sigmaAt, sigmoidBetas, sigmoidSchedule, timestepForSigma,
} from '../../src/diffusion/index.js';

describe('diffusion schedules', () => {
  it('linear: β₁ = 1e-4, β_T = 0.02, DDPM ᾱ_T ≈ 4.04e-5', () => {
    const s = linearSchedule();
    expect(s.T).toBe(1000);
    expect(s.betas[0]).toBeCloseTo(1e-4, 12);
    expect(s.betas[999]).toBeCloseTo(0.02, 12);
    expect(s.betas[1]! - s.betas[0]!).toBeCloseTo(0.0199 / 999, 12);
    expect(s.alphaBars[0]).toBeCloseTo(1 - 1e-4, 12);
    expect(s.alphaBars[1]).toBeCloseTo((1 - 1e-4) * (1 - s.betas[1]!), 12);
    expect(s.alphaBars[999]! / 4.0358e-5).toBeGreaterThan(0.995);
    expect(s.alphaBars[999]! / 4.0358e-5).toBeLessThan(1.005);
    expect(s.sigmas[0]).toBeCloseTo(Math.sqrt(1e-4 / (1 - 1e-4)), 12);
  });
  it('sigmoid: bounded by the range, symmetric about the middle, steep in the middle', () => {
    const b = sigmoidBetas(1000);
    expect(b[0]).toBeCloseTo(1e-4 + 0.0199 / (1 + Math.exp(6)), 12);
    for (const i of [0, 10, 300, 499]) expect(b[i]! + b[999 - i]!).toBeCloseTo(1e-4 + 0.02, 12);
    expect(b[500]! - b[499]!).toBeGreaterThan(b[1]! - b[0]!);
    expect(sigmoidSchedule().kind).toBe('sigmoid');
  });
  it('cosine: ᾱ_0 ≈ 1, ᾱ(t) = f(t)/f(0) where unclipped, β capped at 0.999', () => {
    const s = cosineSchedule();
    const f = (t: number) => Math.cos(((t / 1000 + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    expect(s.alphaBars[0]).toBeGreaterThan(0.9999);
    expect(s.alphaBars[0]).toBeLessThan(1);
    for (const i of [0, 100, 499, 900]) expect(s.alphaBars[i]!).toBeCloseTo(f(i + 1) / f(0), 9);
    expect(s.alphaBars[499]).toBeCloseTo(0.4937, 3);
    expect(s.betas[999]).toBe(0.999);
    expect(Math.max(...s.betas)).toBeLessThanOrEqual(0.999);
  });
  it('ᾱ strictly decreases and σ strictly increases for every schedule', () => {
    for (const k of ['linear', 'sigmoid', 'cosine'] as const) {
      const s = makeSchedule(k, 1000);
      for (let i = 1; i < s.T; i++) {
        expect(s.alphaBars[i]!).toBeLessThan(s.alphaBars[i - 1]!);
        expect(s.sigmas[i]!).toBeGreaterThan(s.sigmas[i - 1]!);
      }
    }
  });
  it('t ↔ σ lookups invert each other', () => {
    const s = linearSchedule();
    for (const t of [0, 1, 17, 500, 998, 999]) {
      expect(timestepForSigma(s, s.sigmas[t]!)).toBe(t);
      expect(timestepForSigma(s, s.sigmas[t]!, 'continuous')).toBeCloseTo(t, 9);
      expect(sigmaAt(s, t)).toBeCloseTo(s.sigmas[t]!, 12);
    }
    for (const t of [3.25, 250.5, 998.9]) expect(timestepForSigma(s, sigmaAt(s, t), 'continuous')).toBeCloseTo(t, 9);
    expect(timestepForSigma(s, sigmaAt(s, 250.4))).toBe(250);
    expect(timestepForSigma(s, sigmaAt(s, 250.6))).toBe(251);
    expect(timestepForSigma(s, 1e-9)).toBe(0);
    expect(timestepForSigma(s, 1e9)).toBe(999);
    // σ = 0.1 in the data's units sits near step 24 of the DDPM schedule
    const t = timestepForSigma(s, 0.1);
    expect(s.sigmas[t - 1]!).toBeLessThan(0.1);
    expect(s.sigmas[t + 1]!).toBeGreaterThan(0.1);
  });
  it('validates inputs', () => {
    expect(() => linearBetas(1)).toThrow(/T must/);
    expect(() => linearBetas(10, 0.1, 0.01)).toThrow(/betaStart/);
    expect(() => scheduleFromBetas(new Float64Array([0.1, 1]))).toThrow(/not in/);
    expect(() => sigmaAt(linearSchedule(10), 9.5)).toThrow(/t must/);
    expect(scheduleFromBetas(new Float64Array([0.1, 0.2])).alphaBars[1]).toBeCloseTo(0.72, 12);
  });
});
