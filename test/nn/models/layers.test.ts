import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import { type HostTensor, tensor } from '../../../src/core/tensor.js';
import { interpret } from '../../../src/interp/index.js';
import type { Sym } from '../../../src/ir/sym.js';
import { sinusoidalEmbedding, sinusoidalTable } from '../../../src/nn/embedding.js';
import {
  type AttentionParams, type LinearAttentionParams, type ResBlockParams, attentionBlock, conv2d, downsample, film, initAttention, initDownsample,
  initLinearAttention, initResBlock, initUpsample, linearAttentionBlock, pixelUnshuffle, resBlock, upsample,
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

describe('linear attention and resampling', () => {
  it('linear attention equals a direct evaluation (1 head)', () => {
    const rng = new Rng(8);
    const C = 2;
    const d = 2;
    const n = 3;
    const p = initLinearAttention(rng, C, 1, d);
    const x = rng.normalTensor([1, C, 1, n]);
    const y = run((pp: LinearAttentionParams<Sym>, xx: Sym) => linearAttentionBlock(pp, xx, 1), [p, x]);
    // reference in plain JS
    const X = (c: number, i: number) => x.data[c * n + i]!;
    const xn = (c: number, i: number) => {
      let s = 0;
      for (let k = 0; k < C; k++) s += X(k, i) ** 2;
      return (X(c, i) / Math.sqrt(s)) * Math.sqrt(C);
    };
    const W = p.qkv.w.data;
    const qkv = (r: number, i: number) => { let s = 0; for (let c = 0; c < C; c++) s += W[r * C + c]! * xn(c, i); return s; };
    const q = (a: number, i: number) => { const e = [0, 1].map((b) => Math.exp(qkv(b, i))); return e[a]! / (e[0]! + e[1]!) / Math.sqrt(d); };
    const k = (a: number, i: number) => { const e = [0, 1, 2].map((j) => Math.exp(qkv(d + a, j))); return e[i]! / (e[0]! + e[1]! + e[2]!); };
    const v = (a: number, i: number) => qkv(2 * d + a, i);
    const o = (e: number, i: number) => { let s = 0; for (let a = 0; a < d; a++) { let ctx = 0; for (let j = 0; j < n; j++) ctx += k(a, j) * v(e, j); s += ctx * q(a, i); } return s; };
    const Wo = 'b' in p.out ? p.out : { w: p.out.w, b: tensor([C], [0, 0]) };
    const z = (c: number, i: number) => { let s = Wo.b.data[c]!; for (let e = 0; e < d; e++) s += Wo.w.data[c * d + e]! * o(e, i); return s; };
    for (let i = 0; i < n; i++) {
      const nz = Math.sqrt(z(0, i) ** 2 + z(1, i) ** 2);
      for (let c = 0; c < C; c++) expect(y.data[c * n + i]).toBeCloseTo(X(c, i) + (z(c, i) / nz) * Math.sqrt(C), 4);
    }
  });
  it('down-sampling kinds halve the size; up-sampling doubles it', () => {
    const rng = new Rng(9);
    const x = rng.normalTensor([2, 3, 8, 6]);
    for (const kind of ['conv', 'avgpool', 'unshuffle'] as const) {
      const p = initDownsample(rng, 3, 5, kind);
      const y = run((pp: never, xx: Sym) => downsample(pp, xx, kind), [p, x]);
      expect(y.dims).toEqual([2, kind === 'avgpool' ? 3 : 5, 4, 3]);
      if (kind === 'avgpool') expect(y.data[0]).toBeCloseTo((x.data[0]! + x.data[1]! + x.data[6]! + x.data[7]!) / 4, 5);
    }
    const u = run((pp: never, xx: Sym) => upsample(pp, xx), [initUpsample(rng, 3, 4), x]);
    expect(u.dims).toEqual([2, 4, 16, 12]);
  });
});
