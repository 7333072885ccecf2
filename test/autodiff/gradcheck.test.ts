/**
 * Finite-difference gradchecks of every VJP rule over the whole per-op case registry
 * (test/opcases.ts), evaluated by the float64 reference interpreter; plus second-order checks and
 * a meta-test that the check catches wrong rules.
 */
import { describe, expect, it } from 'vitest';
import { VJP_RULES, type VjpTable, backward, grad, jvp } from '../../src/autodiff/index.js';
import { evaluateRaw } from '../../src/interp/index.js';
import { OP_NAMES } from '../../src/ir/ops.js';
import * as S from '../../src/ir/sym.js';
import type { Sym } from '../../src/ir/sym.js';
import { OP_CASES, allOpCases, caseInputs } from '../opcases.js';
import { dot, gradcheck, randRaw } from './check.js';

describe('VJP rule table', () => {
  it('has exactly one rule per op', () => {
    expect(Object.keys(VJP_RULES).sort()).toEqual([...OP_NAMES].sort());
  });
});

describe('gradcheck over OP_CASES (float64 interpreter, central differences)', () => {
  const cases = allOpCases();
  it('covers every op with cases', () => {
    expect(new Set(cases.map(([op]) => op)).size).toBe(Object.keys(OP_CASES).length);
  });
  it.each(cases.map(([op, c]) => [`${op}: ${c.name}`, c] as const))('%s', (_name, c) => {
    const xs = caseInputs(c, 3);
    // the graph must build and its backward must build even where nothing is differentiated
    const syms = xs.map((t, i) => S.input(i, `x${i}`, t.dims, t.dtype));
    const y = c.fn(...syms);
    const floatIns = syms.filter((s) => s.dtype === 'float32');
    if (y.dtype === 'float32' && floatIns.length) {
      const gs = backward([y], [S.onesLike(y)], floatIns);
      gs.forEach((g, i) => expect(g.shape).toEqual(floatIns[i]!.shape));
    }
    if (y.dtype !== 'float32' || !c.diff.some(Boolean)) return;
    const res = gradcheck(c.fn, xs, c.diff, { seed: 5 });
    expect(res.failures, `worst ${res.worst}`).toEqual([]);
    expect(res.checked).toBeGreaterThan(0);
  });
});

describe('non-differentiable paths give zero gradients', () => {
  const zeroGrad = (f: (x: Sym) => Sym, dims: number[]) => {
    const x = S.input(0, 'x', dims);
    const [g] = backward([f(x)], [S.onesLike(f(x))], [x]);
    return Array.from(evaluateRaw([g!.node], [randRaw(dims, 2)])[0]!.data);
  };
  it('stopGradient, floor, sign, comparisons, float→int casts', () => {
    for (const f of [S.stopGradient, S.floor, S.sign, (x: Sym) => S.cast(S.cast(x, 'int32'), 'float32'), (x: Sym) => S.cast(S.gt(x, 0), 'float32')]) {
      expect(zeroGrad(f, [4])).toEqual([0, 0, 0, 0]);
    }
  });
});

describe('tie conventions', () => {
  it('reduceMax splits equally among ties; maximum gives ties to the first argument', () => {
    const x = S.input(0, 'x', [4]);
    const y = S.input(1, 'y', [4]);
    const [gx] = backward([S.max(x)], [S.full([], 1)], [x]);
    const [ga, gb] = backward([S.maximum(x, y)], [S.onesLike(x)], [x, y]);
    const feed = { dims: [4], dtype: 'float32' as const, data: new Float64Array([1, 3, 3, 2]) };
    const [g1, g2, g3] = evaluateRaw([gx!.node, ga!.node, gb!.node], [feed, feed]);
    expect(Array.from(g1!.data)).toEqual([0, 0.5, 0.5, 0]);
    expect(Array.from(g2!.data)).toEqual([1, 1, 1, 1]);
    expect(Array.from(g3!.data)).toEqual([0, 0, 0, 0]);
  });
});

describe('the gradcheck can fail', () => {
  const wrong = (patch: Partial<VjpTable>): VjpTable => ({ ...VJP_RULES, ...patch }) as VjpTable;
  it('catches a slightly wrong unary rule', () => {
    const rules = wrong({ sin: (_n, ct, [x]) => [S.mul(S.mul(ct, S.cos(x!)), 1.001)] });
    const c = OP_CASES.sin[2]!;
    expect(gradcheck(c.fn, caseInputs(c, 3), c.diff, { rules }).ok).toBe(false);
    expect(gradcheck(c.fn, caseInputs(c, 3), c.diff).ok).toBe(true);
  });
  it('catches a wrong movement rule (slice transpose off by one)', () => {
    const rules = wrong({ slice: (n, ct, [x]) => [S.pad(ct, [[n.attrs.starts[0]! + 1, x!.shape[0]! - n.attrs.starts[0]! - 1 - ct.shape[0]!]])] });
    const f = (x: Sym) => S.sliceAxis(x, 0, 2, 6);
    expect(gradcheck(f, [randRaw([10], 1)], [true], { rules }).ok).toBe(false);
    expect(gradcheck(f, [randRaw([10], 1)], [true]).ok).toBe(true);
  });
  it('catches a wrong conv weight gradient (missing a transpose)', () => {
    const rules = wrong({ conv: (n, ct, xs, out) => {
      const [gx, gw] = VJP_RULES.conv(n, ct, xs, out);
      return [gx!, S.flip(gw!, [2, 3])];
    } });
    const c = OP_CASES.conv[2]!;
    expect(gradcheck(c.fn, caseInputs(c, 3), c.diff, { rules }).ok).toBe(false);
  });
});

describe('second order', () => {
  // H·v of L(x) = Σ f(x) ⊙ r checked against central differences of ⟨∇L(x), v⟩.
  const smooth: [string, (x: Sym) => Sym, number][] = [
    ['tanh', S.tanh, 1],
    ['sigmoid∘sin', (x) => S.sigmoid(S.sin(x)), 1],
    ['erf', S.erf, 1],
    ['softplus·exp', (x) => S.mul(S.softplus(x), S.exp(S.mul(x, 0.3))), 1],
    ['pow(x, x) on x>0', (x) => S.pow(S.add(S.abs(x), 0.5), S.add(S.abs(x), 0.5)), 1],
    ['x / (1 + x²) and sqrt', (x) => S.add(S.div(x, S.add(S.mul(x, x), 1)), S.sqrt(S.add(S.mul(x, x), 1))), 1],
    ['matmul x·xᵀ', (x) => S.matmul(S.reshape(x, [2, 3]), S.transpose(S.reshape(x, [2, 3]))), 1],
    ['logSumExp-like', (x) => S.log(S.sum(S.exp(S.reshape(x, [2, 3])), 1)), 1],
  ];
  it.each(smooth)('%s: grad of grad matches FD of grad', (_n, f) => {
    const dims = [6];
    const x0 = randRaw(dims, 11, 0.8);
    const r = randRaw(f(S.input(0, 'x', dims)).shape, 12);
    const v = randRaw(dims, 13);
    const L = (x: Sym, rr: Sym) => S.sum(S.mul(f(x), rr));
    const x = S.input(0, 'x', dims);
    const rS = S.input(1, 'r', r.dims);
    const vS = S.input(2, 'v', dims);
    const g = grad(L)(x, rS) as Sym;
    const gv = S.sum(S.mul(g, vS));
    const hv = (grad((xx: Sym) => S.sum(S.mul(grad(L)(xx, rS) as Sym, vS)))(x) as Sym);
    const an = evaluateRaw([hv.node], [x0, r, v])[0]!.data;
    const h = 1e-6;
    for (let j = 0; j < 6; j++) {
      const xp = { ...x0, data: new Float64Array(x0.data) };
      xp.data[j]! += h;
      const xm = { ...x0, data: new Float64Array(x0.data) };
      xm.data[j]! -= h;
      const fd = (evaluateRaw([gv.node], [xp, r, v])[0]!.data[0]! - evaluateRaw([gv.node], [xm, r, v])[0]!.data[0]!) / (2 * h);
      expect(Math.abs(an[j]! - fd) / (1 + Math.abs(fd))).toBeLessThan(1e-6);
    }
  });
});

describe('jvp', () => {
  it('matches ⟨J t, r⟩ = ⟨t, Jᵀ r⟩ and FD for a small network', () => {
    const f = (x: Sym, w: Sym) => S.tanh(S.matmul(w, S.sin(x)));
    const x = S.input(0, 'x', [4, 2]);
    const w = S.input(1, 'w', [3, 4]);
    const tx = S.input(2, 'tx', [4, 2]);
    const tw = S.input(3, 'tw', [3, 4]);
    const { out, tangentOut } = jvp(f, [x, w], [tx, tw]);
    const feeds = [randRaw([4, 2], 1), randRaw([3, 4], 2), randRaw([4, 2], 3), randRaw([3, 4], 4)];
    const [jt] = evaluateRaw([(tangentOut as Sym).node], feeds);
    const h = 1e-6;
    const shifted = (s: number) => feeds.slice(0, 2).map((t, i) => ({ ...t, data: t.data.map((v, j) => v + s * h * feeds[2 + i]!.data[j]!) }));
    const yp = evaluateRaw([(out as Sym).node], shifted(1))[0]!.data;
    const ym = evaluateRaw([(out as Sym).node], shifted(-1))[0]!.data;
    jt!.data.forEach((v, i) => expect(Math.abs(v - (yp[i]! - ym[i]!) / (2 * h))).toBeLessThan(1e-7));
    // and it does not depend on any placeholder beyond the four inputs
    expect(dot(jt!.data, jt!.data)).toBeGreaterThan(0);
  });
});
