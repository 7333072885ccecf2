import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../../src/core/rng.js';
import { tensor } from '../../../src/core/tensor.js';
import { npyToHost, readNpy, writeNpy } from '../../../src/io/npy.js';
import { readNpz, readNpzHost, writeNpz } from '../../../src/io/npz.js';
import { readCfl, writeCfl } from '../../../src/io/cfl.js';
import { FIXTURES, expectCode, fixture, sum } from './helpers.js';

interface Exp {
  shape: number[];
  sum: number;
  flat: number[];
  last: number;
}
const EXP = JSON.parse(readFileSync(join(FIXTURES, 'npy', 'expected.json'), 'utf8')) as Record<string, Exp> & { npz: { kspace: number[]; mask: number[] } };

describe('npy files written by NumPy', () => {
  for (const [name, e] of Object.entries(EXP) as [string, Exp][]) {
    if (name === 'npz') continue;
    it(name, () => {
      const t = npyToHost(readNpy(fixture('npy', name)));
      expect(t.dims).toEqual(e.shape);
      expect(sum(t.data)).toBeCloseTo(e.sum, 3);
      for (let i = 0; i < e.flat.length; i++) expect(t.data[i]).toBeCloseTo(e.flat[i]!, 5);
      expect(t.data[t.data.length - 1]).toBeCloseTo(e.last, 5);
    });
  }
  it('dtypes map as documented', () => {
    expect(npyToHost(readNpy(fixture('npy', 'i8.npy'))).dtype).toBe('int32');
    expect(npyToHost(readNpy(fixture('npy', 'b1.npy'))).dtype).toBe('bool');
    expect(readNpy(fixture('npy', 'c16_fortran_be.npy')).descr).toBe('<c16');
  });
});

describe('npy write → read', () => {
  const rng = new Rng(9);
  const t = tensor([3, 4, 5], rng.normal(60));
  it('every writable descr, C and Fortran order', () => {
    const ints = tensor([3, 4, 5], Array.from({ length: 60 }, (_, i) => i * 3 - 50));
    for (const fortranOrder of [false, true]) {
      for (const descr of ['<f4', '<f8', '<i2', '<i4', '<i8'] as const) {
        const src = descr === '<f4' || descr === '<f8' ? t : ints;
        const back = npyToHost(readNpy(writeNpy(src, { descr, fortranOrder })));
        expect(back.dims).toEqual([3, 4, 5]);
        expect([...back.data]).toEqual([...src.data]);
      }
      const u = tensor([2, 3], [0, 1, 2, 200, 254, 255]);
      expect([...npyToHost(readNpy(writeNpy(u, { descr: '|u1', fortranOrder }))).data]).toEqual([0, 1, 2, 200, 254, 255]);
      for (const descr of ['<c8', '<c16'] as const) {
        const c = tensor([3, 4, 2], rng.normal(24));
        const a = readNpy(writeNpy(c, { descr, fortranOrder }));
        expect(a.shape).toEqual([3, 4]);
        expect([...npyToHost(a).data]).toEqual([...c.data]);
      }
    }
  });
  it('Fortran order on disk is the transpose (checked byte by byte)', () => {
    const m = tensor([2, 3], [1, 2, 3, 4, 5, 6]);
    const b = writeNpy(m, { descr: '<f4', fortranOrder: true });
    const vals = new Float32Array(b.slice(b.length - 24).buffer);
    expect([...vals]).toEqual([1, 4, 2, 5, 3, 6]);
  });
  it('rejects values the descr cannot hold, and complex without a trailing 2', () => {
    expectCode(() => writeNpy(tensor([2], [1.5, 2]), { descr: '<i4' }), 'INVALID_ARGUMENT');
    expectCode(() => writeNpy(tensor([2], [40000, 2]), { descr: '<i2' }), 'INVALID_ARGUMENT');
    expectCode(() => writeNpy(tensor([3]), { descr: '<c8' }), 'INVALID_ARGUMENT');
  });
  it('int64 outside int32 is UNSUPPORTED, float16 UNSUPPORTED', () => {
    const b = writeNpy(tensor([1], [0]), { descr: '<i8' });
    new DataView(b.buffer).setBigInt64(b.length - 8, 2n ** 40n, true);
    expectCode(() => readNpy(b), 'UNSUPPORTED');
    const h = writeNpy(tensor([2], [0, 0]), { descr: '<i2' });
    const s = new TextDecoder('latin1').decode(h).replace("'<i2'", "'<f2'");
    expectCode(() => readNpy(Uint8Array.from(s, (c) => c.charCodeAt(0))), 'UNSUPPORTED');
  });
});

describe('npz', () => {
  it('reads NumPy savez (stored) and savez_compressed (deflated)', () => {
    for (const f of ['stored.npz', 'deflated.npz']) {
      const z = readNpzHost(fixture('npy', f));
      expect(Object.keys(z).sort()).toEqual(['kspace', 'mask']);
      expect(z['kspace']!.dims).toEqual([2, 3]);
      [...z['kspace']!.data].forEach((v, i) => expect(v).toBeCloseTo(EXP.npz.kspace[i]!, 6));
      expect([...z['mask']!.data]).toEqual(EXP.npz.mask);
    }
  });
  it('write → read, stored and deflated, with per-member options', () => {
    const rng = new Rng(2);
    const k = tensor([4, 8, 8, 2], rng.normal(512));
    const mask = tensor([8], [1, 0, 1, 1, 0, 0, 1, 0], 'int32');
    for (const compress of [false, true]) {
      const bytes = writeNpz({ k, mask }, { compress, npy: { k: { descr: '<c8' } } });
      const z = readNpz(bytes);
      expect(z['k']!.descr).toBe('<c8');
      expect(z['k']!.shape).toEqual([4, 8, 8]);
      const h = readNpzHost(bytes);
      expect([...h['k']!.data]).toEqual([...k.data]);
      expect([...h['mask']!.data]).toEqual([...mask.data]);
    }
    const zeros = tensor([64, 64]);
    expect(writeNpz({ zeros }, { compress: true }).length).toBeLessThan(writeNpz({ zeros }).length / 10);
  });
  it('detects CRC mismatch', () => {
    const b = writeNpz({ a: tensor([4], [1, 2, 3, 4]) });
    const i = b.length - 22 - 46 - 5 - 30; // somewhere in the member data (stored)
    const bad = b.slice();
    bad[i] = bad[i]! ^ 0xff;
    expectCode(() => readNpz(bad), 'CORRUPT_FILE');
  });
});

describe('BART cfl/hdr', () => {
  it('dims reversed + trailing complex axis; bytes identical; header format', () => {
    const rng = new Rng(4);
    const k = tensor([2, 3, 5, 2], rng.normal(60)); // [coils, phase, readout, re/im]
    const { hdr, cfl } = writeCfl(k);
    expect(hdr).toBe('# Dimensions\n5 3 2 1 1 1 1 1 1 1 1 1 1 1 1 1\n');
    expect(cfl.length).toBe(60 * 4);
    expect(new Float32Array(cfl.slice().buffer)[1]).toBe(k.data[1]); // (re, im) interleaved as stored
    const back = readCfl(hdr, cfl);
    expect(back.dims).toEqual([2, 3, 5, 2]);
    expect([...back.data]).toEqual([...k.data]);
    // BART element (i0=readout 4, i1=phase 1, i2=coil 1) is tensor [1, 1, 4]
    const idx = 4 + 5 * (1 + 3 * 1);
    expect(back.data[2 * idx]).toBe(k.data[((1 * 3 + 1) * 5 + 4) * 2]);
  });
  it('real data, header from bytes, and validation', () => {
    const r = writeCfl(tensor([2, 2], [1, 2, 3, 4]), { real: true, minDims: 2 });
    expect(r.hdr).toBe('# Dimensions\n2 2\n');
    expect([...readCfl(new TextEncoder().encode(r.hdr), r.cfl).data]).toEqual([1, 0, 2, 0, 3, 0, 4, 0]);
    expectCode(() => writeCfl(tensor([2, 3])), 'INVALID_ARGUMENT');
    expectCode(() => readCfl('# Dimensions\n2 3\n', new Uint8Array(40)), 'CORRUPT_FILE');
    expectCode(() => readCfl('nothing', new Uint8Array(8)), 'CORRUPT_FILE');
    expectCode(() => readCfl('# Dimensions\n2 x\n', new Uint8Array(8)), 'CORRUPT_FILE');
  });
});
