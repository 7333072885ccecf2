import { describe, expect, it } from 'vitest';
import { isMedreconError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import { f16ToF32, f32ToF16, loadParams, readSafetensors, saveParams, writeSafetensors } from '../../src/io/safetensors.js';

function build(header: object, body: Uint8Array, lenOverride?: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setUint32(0, lenOverride ?? json.length, true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (isMedreconError(e)) return e.code;
    return `non-medrecon: ${String(e)}`;
  }
  return 'ok';
};

describe('safetensors', () => {
  const rng = new Rng(3);
  const tensors: Record<string, HostTensor> = {
    'a.w': rng.normalTensor([3, 2, 3, 3]),
    'a.b': tensor([3], [1, 2, 3]),
    idx: tensor([2, 2], [0, -1, 7, 2147483647], 'int32'),
    mask: tensor([5], [1, 0, 1, 1, 0], 'bool'),
    s: tensor([], [4.5]),
    empty: tensor([0, 4]),
  };

  it('round-trips F32, I32, BOOL, scalars, empty tensors and metadata', () => {
    const bytes = writeSafetensors(tensors, { metadata: { model: 'x', note: 'é' } });
    const hlen = new DataView(bytes.buffer).getUint32(0, true);
    expect((8 + hlen) % 8).toBe(0); // buffer aligned
    const back = readSafetensors(bytes);
    expect(back.metadata).toEqual({ model: 'x', note: 'é' });
    expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [k, t] of Object.entries(tensors)) {
      expect(back.tensors[k]!.dtype).toBe(t.dtype);
      expect(back.tensors[k]!.dims).toEqual(t.dims);
      expect([...back.tensors[k]!.data]).toEqual([...t.data]);
    }
  });

  it('reads a hand-built file with the documented layout', () => {
    const body = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);
    const f = build({ __metadata__: { k: 'v' }, x: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] } }, body);
    const r = readSafetensors(f);
    expect([...r.tensors.x!.data]).toEqual([1, 2, 3, 4]);
    expect(r.metadata.k).toBe('v');
  });

  it('float16: exact values, rounding to nearest even, specials, subnormals', () => {
    expect(f32ToF16(1)).toBe(0x3c00);
    expect(f32ToF16(-2)).toBe(0xc000);
    expect(f32ToF16(65504)).toBe(0x7bff);
    expect(f32ToF16(65520)).toBe(0x7c00); // rounds to Inf
    expect(f32ToF16(Infinity)).toBe(0x7c00);
    expect(Number.isNaN(f16ToF32(f32ToF16(NaN)))).toBe(true);
    expect(f32ToF16(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(f32ToF16(2 ** -25)).toBe(0x0000); // tie → even (0)
    expect(f32ToF16(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 → even (2)
    expect(f32ToF16(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(f32ToF16(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(f16ToF32(0x3555)).toBeCloseTo(0.333251953125, 12);
    expect(f16ToF32(0x8000)).toBe(-0);
    // every finite f16 survives f16 → f32 → f16
    for (let h = 0; h < 0x10000; h++) {
      const e = (h >>> 10) & 0x1f;
      if (e === 31) continue;
      if (f32ToF16(f16ToF32(h)) !== h) throw new Error(`f16 ${h.toString(16)} does not round-trip`);
    }
  });

  it('writes F16 on request and reads it back as float32 within half-precision error', () => {
    const w = rng.normalTensor([64]);
    const bytes = writeSafetensors({ w, b: tensor([2], [1, 2]) }, { float16: (n) => n === 'w' });
    const r = readSafetensors(bytes);
    expect(r.storedDtypes).toEqual({ w: 'F16', b: 'F32' });
    for (let i = 0; i < 64; i++) expect(Math.abs(r.tensors.w!.data[i]! - w.data[i]!)).toBeLessThanOrEqual(Math.abs(w.data[i]!) * 2 ** -11 + 2 ** -25);
  });

  it('rejects truncated files, lying headers and unknown dtypes with CORRUPT_FILE', () => {
    const good = writeSafetensors(tensors);
    for (const cut of [0, 4, 7, 8, 20, good.length - 1]) expect(code(() => readSafetensors(good.subarray(0, cut)))).toBe('CORRUPT_FILE');
    const body = new Uint8Array(16);
    const cases: [string, Uint8Array][] = [
      ['header length > file', build({ x: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, body, 1000)],
      ['huge header length', build({}, body, 0xfffffff0)],
      ['end past buffer', build({ x: { dtype: 'F32', shape: [8], data_offsets: [0, 32] } }, body)],
      ['size mismatch', build({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, body)],
      ['lying huge shape', build({ x: { dtype: 'F32', shape: [1e9, 1e9], data_offsets: [0, 16] } }, body)],
      ['negative dim', build({ x: { dtype: 'F32', shape: [-4], data_offsets: [0, 16] } }, body)],
      ['begin > end', build({ x: { dtype: 'F32', shape: [0], data_offsets: [16, 0] } }, body)],
      ['overlap', build({ x: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, y: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, body)],
      ['hole', build({ x: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, body)],
      ['unknown dtype', build({ x: { dtype: 'Q7', shape: [4], data_offsets: [0, 16] } }, body)],
      ['not an object', build([1, 2] as unknown as object, body)],
      ['metadata not strings', build({ __metadata__: { a: 1 }, x: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, body)],
      ['missing offsets', build({ x: { dtype: 'F32', shape: [4] } }, body)],
    ];
    for (const [what, bytes] of cases) expect(code(() => readSafetensors(bytes)), what).toBe('CORRUPT_FILE');
    expect(code(() => readSafetensors(build({ x: { dtype: 'BF16', shape: [8], data_offsets: [0, 16] } }, body)))).toBe('UNSUPPORTED');
  });

  it('fuzz: random bit flips and truncations never hang and fail only with CORRUPT_FILE/UNSUPPORTED', () => {
    const good = writeSafetensors({ a: rng.normalTensor([4, 4]), b: tensor([3], [1, 2, 3], 'int32') }, { metadata: { m: 'x' } });
    const hlen = new DataView(good.buffer).getUint32(0, true);
    const fz = new Rng(77);
    const seen = new Set<string>();
    for (let trial = 0; trial < 3000; trial++) {
      const b = good.slice();
      const nflip = 1 + fz.int(3);
      for (let k = 0; k < nflip; k++) {
        const pos = fz.int(Math.min(b.length, 8 + hlen)); // flip inside the length field or header
        b[pos] = b[pos]! ^ (1 << fz.int(8));
      }
      const cut = fz.int(4) === 0 ? fz.int(b.length + 1) : b.length;
      const c = code(() => readSafetensors(b.subarray(0, cut)));
      seen.add(c);
      expect(['ok', 'CORRUPT_FILE', 'UNSUPPORTED']).toContain(c);
    }
    expect(seen.has('CORRUPT_FILE')).toBe(true);
  });
});

describe('saveParams / loadParams', () => {
  it('round-trips a nested tree with arrays and a config', () => {
    const rng = new Rng(1);
    const params = { layers: [{ w: rng.normalTensor([4, 1, 3, 3]), b: tensor([4]) }, { w: rng.normalTensor([1, 4, 3, 3]), b: tensor([1]) }], scale: tensor([], [0.5]) };
    const { safetensors, configJson } = saveParams(params, { model: 'dncnn', depth: 2 });
    const names = Object.keys(readSafetensors(safetensors).tensors).sort();
    expect(names).toEqual(['layers.0.b', 'layers.0.w', 'layers.1.b', 'layers.1.w', 'scale']);
    const back = loadParams<{ model: string; depth: number }>(safetensors, configJson);
    expect(back.config).toEqual({ model: 'dncnn', depth: 2 });
    const p = back.params as typeof params;
    expect(Array.isArray(p.layers)).toBe(true);
    expect([...p.layers[1]!.w.data]).toEqual([...params.layers[1]!.w.data]);
    expect(p.scale.data[0]).toBe(0.5);
  });
  it('detects a JSON that does not match the tensors', () => {
    const a = saveParams({ w: tensor([2]) }, null);
    const b = saveParams({ v: tensor([2]) }, null);
    expect(code(() => loadParams(a.safetensors, b.configJson))).toBe('CORRUPT_FILE');
    expect(code(() => loadParams(a.safetensors, '{nope'))).toBe('CORRUPT_FILE');
  });
});
