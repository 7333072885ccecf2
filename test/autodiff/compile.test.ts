/**
 * Gradient and transposed graphs compile to ONNX and run in ONNX Runtime with the same numbers as
 * the reference interpreter (float32 tolerance).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import { grad, jvp, linearTranspose } from '../../src/autodiff/index.js';
import { interpret } from '../../src/interp/index.js';
import { cmul, fftc, gelu, groupNorm } from '../../src/ir/composite.js';
import * as S from '../../src/ir/sym.js';
import type { Sym } from '../../src/ir/sym.js';
import { type SymFn, spec } from '../../src/ir/trace.js';
import { createRuntime } from '../../src/node/index.js';

const rnd = (dims: number[], seed: number): HostTensor => tensor(dims, new Rng(seed).normal(dims.reduce((a, b) => a * b, 1)));

async function agree(fn: SymFn, args: HostTensor[], tol = 1e-4): Promise<void> {
  const rt = createRuntime();
  const f = rt.compile(fn, args.map((a) => spec(a.dims)));
  const got = (await f.runHost(...args)) as HostTensor | HostTensor[];
  const want = interpret(fn, args) as HostTensor | HostTensor[];
  const g = Array.isArray(got) ? got : [got];
  const w = Array.isArray(want) ? want : [want];
  expect(g.length).toBe(w.length);
  g.forEach((t, k) => {
    expect(t.dims).toEqual(w[k]!.dims);
    t.data.forEach((v, i) => expect(Math.abs(v - w[k]!.data[i]!), `out ${k} [${i}]`).toBeLessThanOrEqual(tol * (1 + Math.abs(w[k]!.data[i]!))));
  });
}

describe('compiled gradients (ORT vs interpreter)', () => {
  it('grad of a small conv net w.r.t. its weights and input', async () => {
    const loss = (w1: Sym, w2: Sym, x: Sym) => {
      const h = gelu(groupNorm(S.conv(x, w1, { stride: 2, padding: 1 }), 2));
      return S.avgPool(S.conv(h, w2, { padding: 'same', groups: 2 }), 2).square().mean();
    };
    await agree((w1: Sym, w2: Sym, x: Sym) => grad(loss, [0, 1, 2])(w1, w2, x), [rnd([4, 3, 3, 3], 1), rnd([4, 2, 3, 3], 2), rnd([2, 3, 8, 8], 3)]);
  });
  it('linearTranspose of an MRI forward operator, used inside a compiled function', async () => {
    const coils = S.constant(rnd([2, 6, 5, 2], 4));
    const mask = S.constant(tensor([1, 1, 5, 1], [1, 0, 1, 1, 0]));
    const A = (x: Sym) => S.mul(fftc(cmul(S.unsqueeze(x, 0), coils), [1, 2]), mask);
    const At = linearTranspose((x) => A(x as Sym), spec([6, 5, 2]));
    await agree((x: Sym, y: Sym) => [At(y) as Sym, At(A(x)) as Sym], [rnd([6, 5, 2], 5), rnd([2, 6, 5, 2], 6)]);
  });
  it('jvp (double-vjp) compiles', async () => {
    await agree((x: Sym, t: Sym) => jvp((v: Sym) => S.tanh(S.pad(v, [[1, 2]], 'reflect')), [x], [t]).tangentOut as Sym, [rnd([5], 7), rnd([5], 8)]);
  });
});
