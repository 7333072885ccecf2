import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMedreconError } from '../../../src/core/errors.js';
import { tensor } from '../../../src/core/tensor.js';
import { inspectHdf5, isHdf5, makeIsmrmrdHeader, parseIsmrmrdHeader, readFastMri, writeFastMri } from '../../../src/io/hdf5.js';

const HERE = new URL('.', import.meta.url).pathname;
const multi = () => new Uint8Array(readFileSync(join(HERE, 'ref_multicoil.h5')));
const single = () => new Uint8Array(readFileSync(join(HERE, 'ref_singlecoil_gzip.h5')));

async function expectCorrupt(p: Promise<unknown>): Promise<void> {
  await expect(p).rejects.toSatisfy((e: unknown) => isMedreconError(e, 'CORRUPT_FILE'));
}

describe('readFastMri on h5py-written reference files', () => {
  it('multi-coil: kspace [2,3,8,6,2] equals the formula, rss, header and attrs', async () => {
    const f = await readFastMri(multi());
    expect(f.multicoil).toBe(true);
    expect(f.kspace.dims).toEqual([2, 3, 8, 6, 2]);
    const [S, C, H, W] = [2, 3, 8, 6];
    let maxErr = 0;
    for (let s = 0; s < S; s++)
      for (let c = 0; c < C; c++)
        for (let h = 0; h < H; h++)
          for (let w = 0; w < W; w++) {
            const i = ((s * C + c) * H + h) * W + w;
            maxErr = Math.max(maxErr, Math.abs(f.kspace.data[2 * i]! - Math.fround(100 * s + 10 * c + h + w / 10)));
            maxErr = Math.max(maxErr, Math.abs(f.kspace.data[2 * i + 1]! - Math.fround(-(h * W + w) / 7)));
          }
    expect(maxErr).toBe(0);
    const rss = f.reconstruction!.rss!;
    expect(rss.dims).toEqual([2, 4, 4]);
    expect(rss.data[1 * 16 + 2 * 4 + 3]).toBeCloseTo(1 + 2 / 4 + 3 / 16, 6);
    expect(f.reconstruction!.esc).toBeUndefined();
    expect(f.header).toMatchObject({
      encodedSize: [16, 6, 1],
      reconSize: [4, 4, 1],
      encodedFovMm: [280, 140, 4.5],
      phaseEncodeLimits: { minimum: 0, maximum: 5, center: 3 },
      systemVendor: 'SIEMENS',
      fieldStrengthT: 2.89362,
    });
    expect(f.attrs.acquisition).toBe('CORPD_FBK');
    expect(f.attrs.patient_id).toBe('abc123');
    expect(f.attrs.max).toBe(1.9375);
    expect(f.attrs.norm).toBeCloseTo(6.37867546, 6);
  });

  it('single-coil, gzip-chunked, vlen-string header, mask and integer attrs', async () => {
    const f = await readFastMri(single());
    expect(f.multicoil).toBe(false);
    expect(f.kspace.dims).toEqual([3, 5, 4, 2]);
    const i = (2 * 5 + 3) * 4 + 1; // s=2, h=3, w=1
    expect(f.kspace.data[2 * i]).toBeCloseTo(2 + 3 / 4 - 1 / 8, 6);
    expect(f.kspace.data[2 * i + 1]).toBeCloseTo(1, 6);
    expect(Array.from(f.mask!.data)).toEqual([1, 0, 1, 1]);
    expect(f.header?.encodedSize).toEqual([10, 6, 1]);
    expect(f.attrs.acceleration).toBe(4);
    expect(f.attrs.num_low_frequency).toBe(2);
  });

  it('reads a slice range only', async () => {
    const f = await readFastMri(multi(), { slices: [1, 2] });
    expect(f.kspace.dims).toEqual([1, 3, 8, 6, 2]);
    expect(f.kspace.data[0]).toBeCloseTo(100, 6);
    expect(f.reconstruction!.rss!.dims).toEqual([1, 4, 4]);
    await expect(readFastMri(multi(), { slices: [1, 5] })).rejects.toSatisfy((e: unknown) => isMedreconError(e, 'INVALID_ARGUMENT'));
  });

  it('inspectHdf5 lists datasets with numpy-like dtypes', async () => {
    const s = await inspectHdf5(multi());
    const byPath = Object.fromEntries(s.datasets.map((d) => [d.path, d]));
    expect(byPath['kspace']).toMatchObject({ dtype: 'complex64', shape: [2, 3, 8, 6] });
    expect(byPath['reconstruction_rss']).toMatchObject({ dtype: '<f4', shape: [2, 4, 4] });
    expect(byPath['ismrmrd_header']!.dtype).toBe('string');
    expect(s.attrs['acquisition']).toBe('CORPD_FBK');
  });
});

describe('writeFastMri → readFastMri round-trip', () => {
  const k = tensor([2, 2, 3, 4, 2], Float32Array.from({ length: 96 }, (_, i) => Math.sin(i) * 1e-4));
  const rss = tensor([2, 3, 3], Float32Array.from({ length: 18 }, (_, i) => i / 7));

  it('preserves k-space bitwise, rss, attrs and a generated header', async () => {
    const bytes = await writeFastMri({ kspace: k, reconstruction: { rss }, attrs: { acquisition: 'SIM', patient_id: 'sim-1', norm: 2.5 }, header: { fieldStrengthT: 3 } });
    expect(isHdf5(bytes)).toBe(true);
    const f = await readFastMri(bytes);
    expect(f.kspace.dims).toEqual(k.dims);
    expect(Array.from(f.kspace.data)).toEqual(Array.from(k.data));
    expect(Array.from(f.reconstruction!.rss!.data)).toEqual(Array.from(rss.data));
    expect(f.attrs).toMatchObject({ acquisition: 'SIM', patient_id: 'sim-1', norm: 2.5, max: Math.fround(17 / 7) });
    expect(f.header).toMatchObject({ encodedSize: [3, 4, 1], reconSize: [3, 3, 1], fieldStrengthT: 3 });
  });

  it('single-coil with gzip compression and a verbatim header', async () => {
    const sk = tensor([1, 3, 4, 2], Float32Array.from({ length: 24 }, (_, i) => i - 5));
    const xml = makeIsmrmrdHeader({ encodedSize: [6, 4, 1], reconSize: [3, 3, 1] });
    const bytes = await writeFastMri({ kspace: sk, headerXml: xml, compression: 6 });
    const f = await readFastMri(bytes);
    expect(f.multicoil).toBe(false);
    expect(Array.from(f.kspace.data)).toEqual(Array.from(sk.data));
    expect(f.headerXml).toBe(xml);
    expect(parseIsmrmrdHeader(xml)?.encodedSize).toEqual([6, 4, 1]);
  });

  it('rejects bad shapes', async () => {
    await expect(writeFastMri({ kspace: tensor([2, 3, 4]) })).rejects.toSatisfy((e: unknown) => isMedreconError(e, 'SHAPE_MISMATCH'));
    await expect(writeFastMri({ kspace: k, reconstruction: { rss: tensor([3, 3, 3]) } })).rejects.toSatisfy((e: unknown) => isMedreconError(e, 'SHAPE_MISMATCH'));
  });

  const py = '/usr/bin/python3';
  const hasH5py = existsSync(py) && (() => {
    try {
      execFileSync(py, ['-c', 'import h5py'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!hasH5py)('h5py reads our file as complex64 with the same values', async () => {
    const bytes = await writeFastMri({ kspace: k, reconstruction: { rss }, attrs: { acquisition: 'SIM' } });
    const dir = mkdtempSync(join(tmpdir(), 'medrecon-h5-'));
    try {
      const p = join(dir, 'x.h5');
      writeFileSync(p, bytes);
      const out = execFileSync(py, ['-c', `import h5py, json; f = h5py.File(${JSON.stringify(p)}); k = f['kspace'][()]; print(json.dumps([str(k.dtype), list(k.shape), float(k[1,0,2,3].real), float(k[1,0,2,3].imag), f.attrs['acquisition'], float(f.attrs['max'])]))`]).toString();
      const [dtype, shape, re, im, acq, max] = JSON.parse(out) as [string, number[], number, number, string, number];
      const i = ((1 * 2 + 0) * 3 + 2) * 4 + 3;
      expect(dtype).toBe('complex64');
      expect(shape).toEqual([2, 2, 3, 4]);
      expect(re).toBe(k.data[2 * i]);
      expect(im).toBe(k.data[2 * i + 1]);
      expect(acq).toBe('SIM');
      expect(max).toBe(Math.fround(17 / 7));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('corrupt input → CORRUPT_FILE, no crash, no hang', () => {
  it('not HDF5 / empty / junk', async () => {
    await expectCorrupt(readFastMri(new Uint8Array(0)));
    await expectCorrupt(readFastMri(new Uint8Array(1000).fill(7)));
    await expectCorrupt(inspectHdf5(new TextEncoder().encode('hello world, not hdf5')));
  });

  it('truncated at many lengths', async () => {
    const b = multi();
    for (const n of [8, 100, 512, 2048, 4096, 8000, b.length - 100, b.length - 1]) await expectCorrupt(readFastMri(b.subarray(0, n)));
  });

  it('bit flips: either decodes or throws CORRUPT_FILE (never another error)', async () => {
    const b = multi();
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let t = 0; t < 60; t++) {
      const c = b.slice();
      for (let j = 0; j < 4; j++) c[Math.floor(rnd() * c.length)]! ^= 1 << Math.floor(rnd() * 8);
      try {
        const f = await readFastMri(c);
        expect(f.kspace.dims.length).toBeGreaterThanOrEqual(4);
      } catch (e) {
        expect(isMedreconError(e, 'CORRUPT_FILE')).toBe(true);
      }
    }
    // the module still works afterwards
    expect((await readFastMri(b)).kspace.dims).toEqual([2, 3, 8, 6, 2]);
  });

  it('a file without kspace, and an oversized dataset against maxBytes', async () => {
    await expectCorrupt(readFastMri(await writeFastMriWithoutKspace()));
    await expectCorrupt(readFastMri(multi(), { maxBytes: 1000 }));
  });
});

async function writeFastMriWithoutKspace(): Promise<Uint8Array> {
  const h5wasm = (await import('h5wasm')).default;
  const M = await h5wasm.ready;
  const f = new h5wasm.File('/nokspace.h5', 'w');
  f.create_dataset({ name: 'image', data: new Float32Array([1, 2, 3]) });
  f.close();
  const bytes = new Uint8Array(M.FS.readFile('/nokspace.h5'));
  M.FS.unlink('/nokspace.h5');
  return bytes;
}
