import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import { type HostTensor, tensor } from '../../../src/core/tensor.js';
import { interpret } from '../../../src/interp/index.js';
import type { Sym } from '../../../src/ir/sym.js';
import { sinusoidalEmbedding, sinusoidalTable } from '../../../src/nn/embedding.js';
import {
  type AttentionParams, type ResBlockParams, attentionBlock, conv2d, film, initAttention, initResBlock, pixelUnshuffle, resBlock,
} from '../../../src/nn/layers.js';

const run = (fn: (...a: never[]) => Sym, args: unknown[]) => interpret(fn as never, args as never) as HostTensor;

describe('embeddings', () => {
  it('interleaved embedding equals the authors\' frozen table rows', () => {
    const tab = sinusoidalTable(1000, 16);
    const ts = [0, 1, 17, 999];
    const e = run((t: Sym) => sinusoidalEmbedding(t, 16, 'interleaved'), [tensor([4], ts)]);
    ts.forEach((t, r) => {
      for (let j = 0; j < 16; j++) expect(e.data[r * 16 + j]).toBeCloseTo(tab.data[t * 16 + j]!, 3);
    });
    expect(tab.data[5 * 16 + 0]).toBeCloseTo(Math.sin(5), 6);
    expect(tab.data[5 * 16 + 3]).toBeCloseTo(Math.cos(5 * 10000 ** (-2 / 16)), 6);
  });
  it('halves layout: [sin | cos] with ω_j = 10000^(−j/(h−1))', () => {
    const e = run((t: Sym) => sinusoidalEmbedding(t, 8), [tensor([1], [3])]);
    const w = [0, 1, 2, 3].map((j) => 10000 ** (-j / 3));
    w.forEach((wj, j) => {
      expect(e.data[j]).toBeCloseTo(Math.sin(3 * wj), 5);
      expect(e.data[4 + j]).toBeCloseTo(Math.cos(3 * wj), 5);
    });
  });
});

describe('blocks', () => {
  const rng = new Rng(3);
  it('FiLM: x·(1+scale)+shift per channel', () => {
    const x = rng.normalTensor([1, 2, 2, 2]);
    const p = { w: tensor([1, 4], [1, 2, 3, 4]), b: tensor([4], [0, 0, 0, 0]) };
    const te = tensor([1, 1], [1]);
    const s = 1 / (1 + Math.exp(-1)); // silu(1)
    const y = run((pp: { w: Sym; b: Sym }, xx: Sym, t: Sym) => film(pp, xx, t), [p, x, te]);
    for (let i = 0; i < 8; i++) {
      const c = i < 4 ? 0 : 1;
      expect(y.data[i]).toBeCloseTo(x.data[i]! * (1 + (c + 1) * s) + (c + 3) * s, 5);
    }
  });
  it('pixelUnshuffle channel order (c p1 p2)', () => {
    const x = tensor([1, 1, 2, 2], [1, 2, 3, 4]);
    const y = run((xx: Sym) => pixelUnshuffle(xx, 2), [x]);
    expect(y.dims).toEqual([1, 4, 1, 1]);
    expect([...y.data]).toEqual([1, 2, 3, 4]);
  });
  it('attention block is equivariant to permuting positions and changes the input', () => {
    const p = initAttention(rng, 4, 2, 3);
    const x = rng.normalTensor([1, 4, 1, 5]);
    const perm = [3, 0, 4, 1, 2];
    const xp = tensor([1, 4, 1, 5], Array.from({ length: 20 }, (_, i) => x.data[Math.floor(i / 5) * 5 + perm[i % 5]!]!));
    const f = (pp: AttentionParams<Sym>, xx: Sym) => attentionBlock(pp, xx, 2);
    const y = run(f, [p, x]);
    const yp = run(f, [p, xp]);
    for (let i = 0; i < 20; i++) expect(yp.data[i]).toBeCloseTo(y.data[Math.floor(i / 5) * 5 + perm[i % 5]!]!, 4);
    expect(Math.max(...y.data.map((v, i) => Math.abs(v - x.data[i]!)))).toBeGreaterThan(1e-3);
  });
  it('ddpm res block: zero-init conv2 makes it the skip path', () => {
    const p = initResBlock(rng, 8, 16, 6, 'ddpm');
    expect(p.skip?.w.dims).toEqual([16, 8, 1, 1]);
    const x = rng.normalTensor([2, 8, 4, 4]);
    const te = rng.normalTensor([2, 6]);
    const y = run((pp: ResBlockParams<Sym>, xx: Sym, t: Sym) => resBlock(pp, xx, t, 'ddpm', 4), [p, x, te]);
    const s = run((pp: ResBlockParams<Sym>, xx: Sym) => conv2d(pp.skip!, xx), [p, x]);
    expect(y.dims).toEqual([2, 16, 4, 4]);
    for (let i = 0; i < y.data.length; i++) expect(y.data[i]).toBeCloseTo(s.data[i]!, 5);
    const q = initResBlock(rng, 8, 16, 6, 'lucidrains');
    const yl = run((pp: ResBlockParams<Sym>, xx: Sym, t: Sym) => resBlock(pp, xx, t, 'lucidrains', 4), [q, x, te]);
    expect(yl.dims).toEqual([2, 16, 4, 4]);
    expect(Math.abs(yl.data[0]! - run((pp: ResBlockParams<Sym>, xx: Sym) => conv2d(pp.skip!, xx), [q, x]).data[0]!)).toBeGreaterThan(1e-4);
  });
});
