import { describe, expect, it } from 'vitest';
import { isMedreconError } from '../../src/core/errors.js';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import type { Tree } from '../../src/core/tree.js';
import { interpret } from '../../src/interp/index.js';
import type { Sym } from '../../src/ir/sym.js';
import { type Optimizer, adam, adamw, sgd } from '../../src/train/optimizers.js';

type P = { a: HostTensor; b: HostTensor[] };
const p0: P = { a: tensor([2], [1, -2]), b: [tensor([], [0.5])] };
// gradient sequence for 3 steps
const G: P[] = [
  { a: tensor([2], [0.1, -0.3]), b: [tensor([], [2])] },
  { a: tensor([2], [-0.2, 0.1]), b: [tensor([], [1])] },
  { a: tensor([2], [0.4, 0.0]), b: [tensor([], [-1])] },
];
const flat = (p: P): number[] => [...p.a.data, ...p.b[0]!.data];

function run(opt: Optimizer, steps: number, lr?: number): { params: number[][]; state: Tree<HostTensor> } {
  let params: Tree<HostTensor> = p0;
  let state = opt.init(p0);
  const trail: number[][] = [];
  for (let k = 0; k < steps; k++) {
    const args: Tree<HostTensor>[] = [params, G[k]!, state];
    if (lr !== undefined) args.push(tensor([], [lr]));
    const out = interpret((p: Tree<Sym>, g: Tree<Sym>, s: Tree<Sym>, l?: Sym) => {
      const r = opt.update(p, g, s, l);
      return [r.params, r.state];
    }, args) as [Tree<HostTensor>, Tree<HostTensor>];
    [params, state] = out;
    trail.push(flat(params as P));
  }
  return { params: trail, state };
}

/** Plain float64 references, one scalar at a time. */
function refSgd(lr: number, mu: number, nesterov: boolean, wd: number): number[][] {
  const p = flat(p0);
  const buf = p.map(() => 0);
  const out: number[][] = [];
  for (let k = 0; k < 3; k++) {
    const g = flat(G[k]!);
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]! + wd * p[i]!;
      buf[i] = mu * buf[i]! + gi;
      const d = mu === 0 ? gi : nesterov ? gi + mu * buf[i]! : buf[i]!;
      p[i] = p[i]! - lr * d;
    }
    out.push([...p]);
  }
  return out;
}
function refAdam(lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean): number[][] {
  const p = flat(p0);
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const out: number[][] = [];
  for (let k = 0; k < 3; k++) {
    const t = k + 1;
    const g = flat(G[k]!);
    for (let i = 0; i < p.length; i++) {
      const gi = decoupled ? g[i]! : g[i]! + wd * p[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * gi;
      v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
      const mh = m[i]! / (1 - b1 ** t);
      const vh = v[i]! / (1 - b2 ** t);
      const base = decoupled ? p[i]! * (1 - lr * wd) : p[i]!;
      p[i] = base - (lr * mh) / (Math.sqrt(vh) + eps);
    }
    out.push([...p]);
  }
  return out;
}

const close = (a: number[][], b: number[][], tol = 2e-6) => {
  expect(a.length).toBe(b.length);
  a.forEach((row, k) => row.forEach((x, i) => expect(Math.abs(x - b[k]![i]!), `step ${k} elem ${i}: ${x} vs ${b[k]![i]}`).toBeLessThan(tol)));
};

describe('optimisers (interpreted graphs vs float64 references)', () => {
  it('sgd: hand-computed first steps', () => {
    const r = run(sgd({ lr: 0.1 }), 2);
    // p1 = p0 − 0.1·g0 ; p2 = p1 − 0.1·g1
    close(r.params, [
      [0.99, -1.97, 0.3],
      [1.01, -1.98, 0.2],
    ]);
  });
  it('sgd with momentum: hand-computed', () => {
    const r = run(sgd({ lr: 0.1, momentum: 0.9 }), 2);
    // b1 = g0, p1 = p0 − 0.1 g0; b2 = 0.9 g0 + g1, p2 = p1 − 0.1 b2
    close(r.params, [
      [0.99, -1.97, 0.3],
      [0.99 - 0.1 * (0.09 - 0.2), -1.97 - 0.1 * (-0.27 + 0.1), 0.3 - 0.1 * (1.8 + 1)],
    ]);
  });
  it('sgd: momentum, nesterov and weight decay match the reference', () => {
    close(run(sgd({ lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.1 }), 3).params, refSgd(0.05, 0.8, true, 0.1));
    close(run(sgd({ lr: 0.05, momentum: 0.5, weightDecay: 0.01 }), 3).params, refSgd(0.05, 0.5, false, 0.01));
  });
  it('adam: first step is −lr·g/(|g|+ε), and 3 steps match the reference', () => {
    const r = run(adam({ lr: 0.01 }), 3);
    close([r.params[0]!], [[1 - 0.01, -2 + 0.01, 0.5 - 0.01]], 1e-6);
    close(r.params, refAdam(0.01, 0.9, 0.999, 1e-8, 0, false));
    expect((r.state as { step: HostTensor }).step.data[0]).toBe(3);
  });
  it('adam with L2 and adamw with decoupled decay match their references (and differ)', () => {
    const a = run(adam({ lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1 }), 3).params;
    const w = run(adamw({ lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1 }), 3).params;
    close(a, refAdam(0.01, 0.8, 0.99, 1e-6, 0.1, false));
    close(w, refAdam(0.01, 0.8, 0.99, 1e-6, 0.1, true));
    expect(Math.abs(a[2]![0]! - w[2]![0]!)).toBeGreaterThan(1e-4);
  });
  it('lr as a graph input overrides the constant', () => {
    close(run(adam({ lr: 123 }), 3, 0.01).params, refAdam(0.01, 0.9, 0.999, 1e-8, 0, false));
    close(run(sgd({ lr: 1 }), 2, 0.1).params, refSgd(0.1, 0, false, 0).slice(0, 2));
  });
  it('validates options and state', () => {
    const e = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return isMedreconError(err) ? err.code : 'other';
      }
      return 'ok';
    };
    expect(e(() => adam({ lr: 0.1, beta3: 1 } as never))).toBe('UNKNOWN_OPTION');
    expect(e(() => adam({ lr: -1 }))).toBe('INVALID_ARGUMENT');
    expect(e(() => adam({ lr: 1, beta1: 1 }))).toBe('INVALID_ARGUMENT');
    expect(e(() => sgd({ lr: 1, nesterov: true }))).toBe('INVALID_ARGUMENT');
    const st = adam({ lr: 1 }).init(p0) as { step: HostTensor; m: P; v: P };
    expect(st.step.dims).toEqual([]);
    expect(st.m.b[0]!.dims).toEqual([]);
    expect([...st.v.a.data]).toEqual([0, 0]);
  });
});
