import { describe, expect, it } from 'vitest';
import { isMedreconError } from '../../src/core/errors.js';
import { tensor } from '../../src/core/tensor.js';
import { npyToHost, readNpy, writeNpy } from '../../src/io/npy.js';

function npyBytes(descr: string, shape: string, body: Uint8Array, major = 1): Uint8Array {
  let h = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const pre = major === 1 ? 10 : 12;
  h += ' '.repeat((64 - ((pre + h.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(pre + h.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, h.length, true);
  else dv.setUint32(8, h.length, true);
  for (let i = 0; i < h.length; i++) out[pre + i] = h.charCodeAt(i);
  out.set(body, pre + h.length);
  return out;
}

const expectCorrupt = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(isMedreconError(e, 'CORRUPT_FILE'), String(e)).toBe(true);
    return;
  }
  throw new Error('expected CORRUPT_FILE');
};

describe('npy reader', () => {
  it('reads <f4, |u1, <i2, <i4 in C order', () => {
    const f = new Float32Array([1.5, -2, 3.25, 0, 7, 8]);
    const a = readNpy(npyBytes('<f4', '(2, 3)', new Uint8Array(f.buffer)));
    expect(a.descr).toBe('<f4');
    expect(a.shape).toEqual([2, 3]);
    expect([...a.data]).toEqual([...f]);

    const u = readNpy(npyBytes('|u1', '(4,)', new Uint8Array([0, 1, 254, 255])));
    expect([...u.data]).toEqual([0, 1, 254, 255]);
    expect(npyToHost(u).dtype).toBe('float32');
    expect(npyToHost(u, { integer: true }).dtype).toBe('int32');

    const s = readNpy(npyBytes('<i2', '(3,)', new Uint8Array(new Int16Array([-1024, 5, 3071]).buffer)));
    expect([...s.data]).toEqual([-1024, 5, 3071]);

    const i = readNpy(npyBytes('<i4', '()', new Uint8Array(new Int32Array([-7]).buffer), 2));
    expect(i.shape).toEqual([]);
    expect([...npyToHost(i).data]).toEqual([-7]);
  });
  it('round-trips writeNpy for every HostTensor dtype', () => {
    for (const t of [tensor([2, 2], [1, 2, 3, 4.5]), tensor([3], [1, -2, 3], 'int32'), tensor([2], [1, 0], 'bool')]) {
      const b = readNpy(writeNpy(t));
      const h = npyToHost(b);
      expect(h.dtype).toBe(t.dtype);
      expect(h.dims).toEqual(t.dims);
      expect([...h.data]).toEqual([...t.data]);
    }
  });
  it('rejects bad magic, truncated data, lying header length, unknown dtype', () => {
    const good = npyBytes('<f4', '(4,)', new Uint8Array(16));
    const badMagic = good.slice();
    badMagic[1] = 0;
    expectCorrupt(() => readNpy(badMagic));
    expectCorrupt(() => readNpy(good.subarray(0, good.length - 1)));
    expectCorrupt(() => readNpy(good.subarray(0, 5)));
    const lying = good.slice();
    new DataView(lying.buffer).setUint16(8, 60000, true);
    expectCorrupt(() => readNpy(lying));
    expectCorrupt(() => readNpy(npyBytes('<zz', '(1,)', new Uint8Array(4))));
    expectCorrupt(() => readNpy(npyBytes('<f4', '(1e12,)', new Uint8Array(4))));
    expectCorrupt(() => readNpy(npyBytes('<f4', '(100000000000, 100000000000)', new Uint8Array(4))));
  });
});
