/**
 * Composite ops: values against direct float64 formulas and numpy-derived numbers, and FD
 * gradchecks of each composite (float64 reference interpreter).
 *
 * The numpy numbers were made with numpy 2.4 by:
 *   x = (np.arange(12).reshape(3,4)*0.5 - 1) + 1j*np.cos(np.arange(12)).reshape(3,4)
 *   fftc  = np.fft.fftshift(np.fft.fftn(np.fft.ifftshift(x, (0,1)), axes=(0,1), norm='ortho'), (0,1))
 *   ifftc = np.fft.fftshift(np.fft.ifftn(np.fft.ifftshift(x, (0,1)), axes=(0,1), norm='ortho'), (0,1))
 *   gelu  = [0.5*v*(1 + math.erf(v/math.sqrt(2))) for v in (-3,-1,-0.5,0,0.5,1,3)]
 * and the bilinear references with the PyTorch coordinate rule written out in numpy
 * (src = (dst+0.5)*in/out - 0.5 clamped at 0; align_corners: src = dst*(in-1)/(out-1)) on
 * img = np.sin(np.arange(12).reshape(3,4)), resized to 5×2. The 1-D resize values
 * [0, .25, .75, 1.25, 1.75, 2.25, 2.75, 3] are PyTorch's documented output for
 * interpolate(arange(4), size=8, mode='linear', align_corners=False).
 */
import { describe, expect, it } from 'vitest';
import { evaluateRaw } from '../../src/interp/index.js';
import type { RawTensor } from '../../src/interp/raw.js';
import * as C from '../../src/ir/composite.js';
import * as S from '../../src/ir/sym.js';
import type { Sym } from '../../src/ir/sym.js';
import { gradcheck, randRaw } from '../autodiff/check.js';

const rawOf = (dims: number[], data: number[]): RawTensor => ({ dims, dtype: 'float32', data: new Float64Array(data) });
const ev = (f: (...xs: Sym[]) => Sym, ins: RawTensor[]): Float64Array => {
  const xs = ins.map((t, i) => S.input(i, `x${i}`, t.dims, t.dtype));
  return evaluateRaw([f(...xs).node], ins)[0]!.data;
};
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!), `index ${i}: ${a[i]} vs ${b[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]!)));
};

describe('softmax family', () => {
  const x = rawOf([2, 3], [1, 2, 3, 1000, 1001, 999]);
  const ref = (row: number[]) => {
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return { p: e.map((v) => v / s), lse: m + Math.log(s) };
  };
  const rows = [[1, 2, 3], [1000, 1001, 999]].map(ref);
  it('softmax, logSoftmax, logSumExp are stable and exact', () => {
    close(ev((t) => C.softmax(t, -1), [x]), rows.flatMap((r) => r.p), 1e-12);
    close(ev((t) => C.logSoftmax(t, 1), [x]), rows.flatMap((r) => r.p.map(Math.log)), 1e-12);
    close(ev((t) => C.logSumExp(t, -1), [x]), rows.map((r) => r.lse), 1e-12);
    expect(C.logSumExp(S.input(0, 'x', [2, 3]), 1, true).shape).toEqual([2, 1]);
  });
  it('gradients (the stopGradient shift does not change them)', () => {
    const x0 = randRaw([3, 4], 1, 2);
    for (const f of [(t: Sym) => C.softmax(t, 0), (t: Sym) => C.logSoftmax(t, -1), (t: Sym) => C.logSumExp(t, [0, 1])]) {
      expect(gradcheck(f, [x0], [true]).failures).toEqual([]);
    }
  });
});

describe('activations', () => {
  const xs = [-3, -1, -0.5, 0, 0.5, 1, 3];
  const x = rawOf([7], xs);
  it('values', () => {
    close(ev(C.gelu, [x]), [-0.00404969409489031, -0.15865525393145707, -0.15426876936299344, 0.0, 0.34573123063700656, 0.8413447460685429, 2.99595030590511], 1e-7);
    close(ev(C.silu, [x]), xs.map((v) => v / (1 + Math.exp(-v))), 1e-12);
    close(ev((t) => C.leakyRelu(t, 0.2), [x]), xs.map((v) => (v > 0 ? v : 0.2 * v)), 1e-7);
    close(ev((t) => C.elu(t, 1.5), [x]), xs.map((v) => (v > 0 ? v : 1.5 * (Math.exp(v) - 1))), 1e-12);
  });
  it('gradients', () => {
    const x0 = randRaw([9], 2, 1.5);
    for (const f of [C.gelu, C.silu, (t: Sym) => C.leakyRelu(t, 0.1), (t: Sym) => C.elu(t)]) expect(gradcheck(f, [x0], [true]).failures).toEqual([]);
  });
});

describe('statistics and normalisation', () => {
  const x0 = randRaw([2, 4, 3, 2], 3, 2);
  const d = x0.data;
  it('meanVar and variance (ddof 1)', () => {
    // over axes [1, 3] of [2,4,3,2]
    const mu: number[] = [];
    const v: number[] = [];
    const v1: number[] = [];
    for (let n = 0; n < 2; n++) for (let h = 0; h < 3; h++) {
      const vals: number[] = [];
      for (let c = 0; c < 4; c++) for (let w = 0; w < 2; w++) vals.push(d[((n * 4 + c) * 3 + h) * 2 + w]!);
      const m = vals.reduce((a, b) => a + b, 0) / vals.length;
      const ss = vals.reduce((a, b) => a + (b - m) ** 2, 0);
      mu.push(m);
      v.push(ss / vals.length);
      v1.push(ss / (vals.length - 1));
    }
    close(ev((t) => C.meanVar(t, [1, 3])[0], [x0]), mu, 1e-12);
    close(ev((t) => C.meanVar(t, [1, -1])[1], [x0]), v, 1e-12);
    close(ev((t) => C.variance(t, [1, 3], false, 1), [x0]), v1, 1e-7);
    expect(C.meanVar(S.input(0, 'x', [2, 4, 3, 2]), [1, 3], true)[1].shape).toEqual([2, 1, 3, 1]);
  });
  it('layerNorm / groupNorm / instanceNorm agree with the direct formula', () => {
    const eps = 1e-5;
    const norm = (vals: number[]) => {
      const m = vals.reduce((a, b) => a + b, 0) / vals.length;
      const v = vals.reduce((a, b) => a + (b - m) ** 2, 0) / vals.length;
      return vals.map((x) => (x - m) / Math.sqrt(v + eps));
    };
    // groupNorm with 2 groups on [2, 4, 3, 2]: each (n, g) block is contiguous (2·3·2 = 12 values)
    const gn: number[] = [];
    for (let b = 0; b < 4; b++) gn.push(...norm(Array.from(d.slice(b * 12, b * 12 + 12))));
    close(ev((t) => C.groupNorm(t, 2, eps), [x0]), gn, 1e-7);
    const inorm: number[] = [];
    for (let b = 0; b < 8; b++) inorm.push(...norm(Array.from(d.slice(b * 6, b * 6 + 6))));
    close(ev((t) => C.instanceNorm(t, eps), [x0]), inorm, 1e-7);
    close(ev((t) => C.groupNorm(t, 4, eps), [x0]), inorm, 1e-7);
    const ln: number[] = [];
    for (let b = 0; b < 24; b++) ln.push(...norm(Array.from(d.slice(b * 2, b * 2 + 2))));
    close(ev((t) => C.layerNorm(t, -1, eps), [x0]), ln, 1e-7);
    // affine: per-channel weight and bias
    const w = rawOf([4], [1, 2, 3, 4]);
    const bias = rawOf([4], [0.5, 0, -0.5, 1]);
    const aff = ev((t, ww, bb) => C.instanceNorm(t, eps, ww, bb), [x0, w, bias]);
    close(aff, inorm.map((v, i) => v * w.data[Math.floor(i / 6) % 4]! + bias.data[Math.floor(i / 6) % 4]!), 1e-7);
    expect(() => C.groupNorm(S.input(0, 'x', [2, 4, 3, 2]), 3)).toThrow(/INVALID_ARGUMENT/);
  });
  it('gradients', () => {
    const x1 = randRaw([2, 4, 3], 4);
    expect(gradcheck((t) => C.layerNorm(t, [1, 2]), [x1], [true]).failures).toEqual([]);
    expect(gradcheck((t) => C.groupNorm(t, 2), [x1], [true]).failures).toEqual([]);
    expect(gradcheck((t, w, b) => C.instanceNorm(t, 1e-5, w, b), [x1, randRaw([4], 5), randRaw([4], 6)], [true, true, true]).failures).toEqual([]);
    expect(gradcheck((t) => C.variance(t, 0, false, 1), [x1], [true]).failures).toEqual([]);
  });
});

describe('scaledDotProductAttention', () => {
  const [L, Lk, dd, dv] = [3, 4, 2, 3];
  const q = randRaw([L, dd], 7);
  const k = randRaw([Lk, dd], 8);
  const v = randRaw([Lk, dv], 9);
  const maskData = [1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0];
  const ref = (masked: boolean) => {
    const out: number[] = [];
    for (let i = 0; i < L; i++) {
      const s: number[] = [];
      for (let j = 0; j < Lk; j++) {
        let a = 0;
        for (let t = 0; t < dd; t++) a += q.data[i * dd + t]! * k.data[j * dd + t]!;
        s.push(masked && !maskData[i * Lk + j] ? -Infinity : a / Math.sqrt(dd));
      }
      const m = Math.max(...s);
      const e = s.map((z) => Math.exp(z - m));
      const z = e.reduce((a, b) => a + b, 0);
      for (let c = 0; c < dv; c++) out.push(e.reduce((acc, ej, j) => acc + (ej / z) * v.data[j * dv + c]!, 0));
    }
    return out;
  };
  it('values, with and without a mask', () => {
    close(ev((a, b, c) => C.scaledDotProductAttention(a!, b!, c!), [q, k, v]), ref(false), 1e-7);
    const mask = { dims: [L, Lk], dtype: 'bool' as const, data: new Float64Array(maskData) };
    close(ev((a, b, c, m) => C.scaledDotProductAttention(a!, b!, c!, m), [q, k, v, mask]), ref(true), 1e-7);
  });
  it('gradients w.r.t. q, k, v', () => {
    const f = (a: Sym, b: Sym, c: Sym) => C.scaledDotProductAttention(S.reshape(a, [1, L, dd]), S.reshape(b, [1, Lk, dd]), S.reshape(c, [1, Lk, dv]));
    expect(gradcheck(f, [q, k, v], [true, true, true]).failures).toEqual([]);
  });
});

describe('resampling', () => {
  it('resizeBilinear matches PyTorch values', () => {
    const ramp = rawOf([1, 1, 1, 4], [0, 1, 2, 3]);
    close(ev((t) => C.resizeBilinear(t, [1, 8]), [ramp]), [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3], 1e-7);
    close(ev((t) => C.resizeBilinear(t, [1, 7], { alignCorners: true }), [ramp]), [0, 0.5, 1, 1.5, 2, 2.5, 3], 1e-7);
    close(ev((t) => C.resizeBilinear(t, [1, 2]), [ramp]), [0.5, 2.5], 1e-7);
    const img = rawOf([1, 1, 3, 4], [0.0, 0.8414709848078965, 0.9092974268256817, 0.1411200080598672, -0.7568024953079282, -0.9589242746631385, -0.27941549819892586, 0.6569865987187891, 0.9893582466233818, 0.4121184852417566, -0.5440211108893698, -0.9999902065507035]);
    close(ev((t) => C.resizeBilinear(t, [5, 2]), [img]), [0.42073549240394825, 0.5252087174427744, -0.09070405855184444, 0.39063945056963734, -0.8578633849855333, 0.1887855502599316, 0.07729766556532831, -0.3876891751280494, 0.7007383659325692, -0.7720056587200366], 1e-6);
    close(ev((t) => C.resizeBilinear(t, [5, 2], { alignCorners: true }), [img]), [0.0, 0.1411200080598672, -0.3784012476539641, 0.39905330338932815, -0.7568024953079282, 0.6569865987187891, 0.11627787565772679, -0.1715018039159572, 0.9893582466233818, -0.9999902065507035], 1e-6);
  });
  it('upsampleNearest repeats (np.repeat on each spatial axis)', () => {
    const x = rawOf([1, 1, 2, 2], [1, 2, 3, 4]);
    close(ev((t) => C.upsampleNearest(t, [2, 3]), [x]), [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4], 0);
  });
  it('gradients', () => {
    expect(gradcheck((t) => C.resizeBilinear(t, [5, 3]), [randRaw([1, 2, 3, 4], 10)], [true]).failures).toEqual([]);
    expect(gradcheck((t) => C.upsampleNearest(t, 2), [randRaw([1, 2, 2, 3], 11)], [true]).failures).toEqual([]);
  });
});

describe('complex helpers and centered FFT', () => {
  const zin = [-1.0, 1.0, -0.5, 0.5403023058681398, 0.0, -0.4161468365471424, 0.5, -0.9899924966004454, 1.0, -0.6536436208636119, 1.5, 0.28366218546322625, 2.0, 0.960170286650366, 2.5, 0.7539022543433046, 3.0, -0.14550003380861354, 3.5, -0.9111302618846769, 4.0, -0.8390715290764524, 4.5, 0.004425697988050785];
  const z = rawOf([3, 4, 2], zin);
  it('fftc / ifftc match numpy (odd axis: ifftshift ≠ fftshift)', () => {
    close(ev((t) => C.fftc(t, [0, 1]), [z]), [0.27785258829340076, -0.34897242804179873, -0.4051203595591659, 0.15891686807416727, 0.506359774875561, 4.64162311893829, 0.04383268891951421, 1.3818422492448237, -0.8660254037844388, 0.06484757265644286, 0.9077386067356267, 0.7228701273531835, 6.062177826491071, -0.11922919543208348, 0.8243122008332509, -1.009180680215694, -0.27785258829340076, -0.34897242804179873, -0.043832688919514175, 1.381842249244824, -0.506359774875561, -3.35837688106171, 0.40512035955916587, 0.15891686807416716]);
    close(ev((t) => C.ifftc(t, [-3, -2]), [z]), [-0.27785258829340076, -0.34897242804179873, 0.40512035955916587, 0.15891686807416716, -0.506359774875561, -3.35837688106171, -0.043832688919514175, 1.381842249244824, -0.8660254037844388, 0.06484757265644286, 0.8243122008332509, -1.009180680215694, 6.062177826491071, -0.11922919543208348, 0.9077386067356267, 0.7228701273531835, 0.27785258829340076, -0.34897242804179873, 0.04383268891951421, 1.3818422492448237, 0.506359774875561, 4.64162311893829, -0.4051203595591659, 0.15891686807416727]);
    close(ev((t) => C.ifftc(C.fftc(t, [0, 1]), [0, 1]), [z]), zin, 1e-6);
    expect(() => C.fftc(S.input(0, 'x', [3, 4, 2]), [2])).toThrow(/SHAPE_MISMATCH/);
  });
  it('roll / fftshift / ifftshift match np.roll for odd and even n', () => {
    const x = rawOf([5], [0, 1, 2, 3, 4]);
    close(ev((t) => C.fftshift(t, 0), [x]), [3, 4, 0, 1, 2], 0);
    close(ev((t) => C.ifftshift(t, 0), [x]), [2, 3, 4, 0, 1], 0);
    close(ev((t) => C.roll(t, -7, 0), [x]), [2, 3, 4, 0, 1], 0);
    close(ev((t) => C.fftshift(t, 0), [rawOf([4], [0, 1, 2, 3])]), [2, 3, 0, 1], 0);
  });
  it('complex arithmetic', () => {
    const a = rawOf([2, 2], [1, 2, -0.5, 3]);
    const b = rawOf([2, 2], [3, -1, 2, 0.25]);
    close(ev((p, q) => C.cmul(p!, q!), [a, b]), [1 * 3 - 2 * -1, 1 * -1 + 2 * 3, -0.5 * 2 - 3 * 0.25, -0.5 * 0.25 + 3 * 2], 1e-12);
    close(ev(C.cconj, [a]), [1, -2, -0.5, -3], 0);
    close(ev(C.cabs2, [a]), [5, 9.25], 1e-12);
    close(ev((t) => C.cabs(t, 0), [a]), [Math.sqrt(5), Math.sqrt(9.25)], 1e-12);
    close(ev((t, s) => C.cscale(t, s!), [a, rawOf([2], [2, -1])]), [2, 4, 0.5, -3], 0);
    close(ev((r, i) => C.complex(r, i!), [rawOf([2], [1, 2]), rawOf([2], [3, 4])]), [1, 3, 2, 4], 0);
    close(ev(C.real, [a]), [1, -0.5], 0);
    close(ev(C.imag, [a]), [2, 3], 0);
  });
  it('gradients', () => {
    const z0 = randRaw([3, 5, 2], 12);
    const w0 = randRaw([3, 5, 2], 13);
    expect(gradcheck((t) => C.fftc(t, [0, 1]), [z0], [true]).failures).toEqual([]);
    expect(gradcheck((t) => C.ifftc(t, 1), [z0], [true]).failures).toEqual([]);
    expect(gradcheck((p, q) => C.cmul(p!, q!), [z0, w0], [true, true]).failures).toEqual([]);
    expect(gradcheck((t) => C.cabs(t), [z0], [true]).failures).toEqual([]);
    expect(gradcheck((t) => C.cabs2(C.cconj(t)), [z0], [true]).failures).toEqual([]);
    expect(gradcheck((t, s) => C.cscale(t, s!), [z0, randRaw([3, 5], 14)], [true, true]).failures).toEqual([]);
    expect(gradcheck((r, i) => C.complex(C.real(S.stack([r, i!], -1)), C.imag(S.stack([r, i!], -1))), [randRaw([4], 1), randRaw([4], 2)], [true, true]).failures).toEqual([]);
  });
});
