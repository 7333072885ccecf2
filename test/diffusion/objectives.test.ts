import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import {
  type DiffusionModel, alphaBarAt, epsFromV, epsFromX0, epsLoss, linearSchedule, qSample, sigmoidSchedule, vFromX0Eps, vLoss, x0FromEps, x0FromV,
} from '../../src/diffusion/index.js';
import { interpret } from '../../src/interp/index.js';
import { type Sym, cast, full } from '../../src/ir/sym.js';

const s = linearSchedule();
const run = (fn: (...a: Sym[]) => Sym, ...args: HostTensor[]) => interpret(fn as never, args as never) as HostTensor;
const maxDiff = (a: HostTensor, b: HostTensor) => Array.from(a.data).reduce((m, v, i) => Math.max(m, Math.abs(v - b.data[i]!)), 0);

describe('diffusion objectives', () => {
  const rng = new Rng(7);
  const x0 = rng.normalTensor([3, 2, 4, 4]);
  const eps = rng.normalTensor([3, 2, 4, 4]);
  const t = tensor([3], [0, 250, 900], 'int32');

  it('gathers ᾱ_t and computes x_t = √ᾱ x₀ + √(1−ᾱ) ε by hand', () => {
    const ab = run((tt) => alphaBarAt(s, tt), t);
    expect(ab.data[1]).toBeCloseTo(s.alphaBars[250]!, 6);
    const xt = run((a, tt, e) => qSample(a, tt, e, s), x0, t, eps);
    const j = 32 + 5; // batch item 1
    expect(xt.data[j]).toBeCloseTo(Math.sqrt(s.alphaBars[250]!) * x0.data[j]! + Math.sqrt(1 - s.alphaBars[250]!) * eps.data[j]!, 5);
    // float t holding integers works the same
    const xtf = run((a, tt, e) => qSample(a, tt, e, s), x0, tensor([3], [0, 250, 900]), eps);
    expect(maxDiff(xt, xtf)).toBe(0);
  });
  it('x₀/ε/v conversions invert each other', () => {
    const xt = run((a, tt, e) => qSample(a, tt, e, s), x0, t, eps);
    const v = run((a, e, tt) => vFromX0Eps(a, e, tt, s), x0, eps, t);
    expect(maxDiff(run((a, e, tt) => x0FromEps(a, e, tt, s), xt, eps, t), x0)).toBeLessThan(1e-3);
    expect(maxDiff(run((a, b, tt) => epsFromX0(a, b, tt, s), xt, x0, t), eps)).toBeLessThan(2e-2); // t = 0: b = 0.01 amplifies rounding
    expect(maxDiff(run((a, b, tt) => x0FromV(a, b, tt, s), xt, v, t), x0)).toBeLessThan(1e-5);
    expect(maxDiff(run((a, b, tt) => epsFromV(a, b, tt, s), xt, v, t), eps)).toBeLessThan(1e-5);
    // v at t = 0 is ≈ ε (ᾱ ≈ 1), at large t ≈ −x₀
    expect(Math.abs(v.data[0]! - eps.data[0]!)).toBeLessThan(0.02 * (1 + Math.abs(x0.data[0]!)));
  });
  it('losses vanish for the oracle model and not for a wrong one; the model sees float32 t', () => {
    let seen = '';
    const oracleEps = (xtrue: Sym): DiffusionModel => (xt, tf) => { seen = tf.dtype; return epsFromX0(xt, xtrue, cast(tf, 'int32'), s); };
    const sg = sigmoidSchedule();
    const oracleV = (xtrue: Sym, tt: Sym): DiffusionModel => (xt) => vFromX0Eps(xtrue, epsFromX0(xt, xtrue, tt, sg), tt, sg);
    const tMid = tensor([3], [100, 500, 800], 'int32');
    const le = run((a, tt, e) => epsLoss(oracleEps(a), a, tt, e, s), x0, tMid, eps).data[0]!;
    expect(seen).toBe('float32');
    const lv = run((a, tt, e) => vLoss(oracleV(a, tt), a, tt, e, sg), x0, tMid, eps).data[0]!;
    expect(le).toBeLessThan(1e-8);
    expect(lv).toBeLessThan(1e-8);
    // the linear-schedule oracle is wrong under the sigmoid schedule
    const wrong = (xtrue: Sym, tt: Sym): DiffusionModel => (xt) => vFromX0Eps(xtrue, epsFromX0(xt, xtrue, tt, s), tt, s);
    expect(run((a, tt, e) => vLoss(wrong(a, tt), a, tt, e, sg), x0, tMid, eps).data[0]!).toBeGreaterThan(1e-3);
    const zero: DiffusionModel = (xt) => full(xt.shape, 0);
    const lz = run((a, tt, e) => epsLoss(zero, a, tt, e, s), x0, tMid, eps).data[0]!;
    expect(lz).toBeCloseTo(Array.from(eps.data).reduce((m, v) => m + v * v, 0) / eps.data.length, 5);
  });
  it('rejects a t of the wrong length', () => {
    expect(() => run((a, tt, e) => qSample(a, tt, e, s), x0, tensor([2], [1, 2], 'int32'), eps)).toThrow(/t must be \[3\]/);
  });
});
