/**
 * NumPy `.npz` codec: a ZIP archive of `.npy` members (`np.savez` stores, `np.savez_compressed`
 * deflates). The ZIP directory is parsed here (with ZIP64 fields, as numpy writes them) so every
 * size is validated before anything is allocated; members are inflated with a hard output bound
 * and their CRC-32 checked. Member names lose their `.npy` suffix (`arr_0.npy` → `arr_0`).
 *
 * @example
 *   const z = writeNpz({ kspace: k, mask: m }, { compress: true });
 *   const back = readNpz(z);                  // { kspace: NpyArray, mask: NpyArray }
 *   const t = npyToHost(back.kspace);
 */
import { zipSync, type Zippable } from 'fflate';
import { MedreconError, checkOptions } from '../core/errors.js';
import type { HostTensor } from '../core/tensor.js';
import { type NpyArray, type WriteNpyOptions, npyToHost, readNpy, writeNpy } from './npy.js';
import { crc32, inflateBounded, maxInflated } from './zutil.js';

function corrupt(msg: string): MedreconError {
  return new MedreconError('CORRUPT_FILE', `npz: ${msg}`);
}

interface Entry {
  name: string;
  method: number;
  crc: number;
  csize: number;
  usize: number;
  offset: number;
}

function findEocd(b: Uint8Array, dv: DataView): number {
  const stop = Math.max(0, b.length - 22 - 65535);
  for (let p = b.length - 22; p >= stop; p--) if (dv.getUint32(p, true) === 0x06054b50) return p;
  throw corrupt('no end-of-central-directory record (not a zip / truncated)');
}

function u64(dv: DataView, o: number): number {
  const v = dv.getBigUint64(o, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`64-bit field ${v} out of range`);
  return Number(v);
}

/** List the members of a ZIP archive (validated offsets and sizes). */
function listZip(b: Uint8Array): Entry[] {
  if (b.length < 22) throw corrupt(`file too short (${b.length} bytes)`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const e = findEocd(b, dv);
  let count = dv.getUint16(e + 10, true);
  let cdSize = dv.getUint32(e + 12, true);
  let cdOff = dv.getUint32(e + 16, true);
  if ((count === 0xffff || cdSize === 0xffffffff || cdOff === 0xffffffff) && e >= 20 && dv.getUint32(e - 20, true) === 0x07064b50) {
    const z = u64(dv, e - 12);
    if (z + 56 > b.length || dv.getUint32(z, true) !== 0x06064b50) throw corrupt('bad ZIP64 end record');
    count = u64(dv, z + 32);
    cdSize = u64(dv, z + 40);
    cdOff = u64(dv, z + 48);
  }
  if (cdOff + cdSize > b.length || count * 46 > cdSize) throw corrupt(`central directory (${count} entries, ${cdSize} bytes at ${cdOff}) exceeds the file`);
  const out: Entry[] = [];
  let p = cdOff;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdOff + cdSize || dv.getUint32(p, true) !== 0x02014b50) throw corrupt(`bad central directory entry ${i}`);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let csize = dv.getUint32(p + 20, true);
    let usize = dv.getUint32(p + 24, true);
    const nl = dv.getUint16(p + 28, true);
    const xl = dv.getUint16(p + 30, true);
    const cl = dv.getUint16(p + 32, true);
    let offset = dv.getUint32(p + 42, true);
    if (p + 46 + nl + xl + cl > cdOff + cdSize) throw corrupt(`central directory entry ${i} overruns`);
    const name = new TextDecoder().decode(b.subarray(p + 46, p + 46 + nl));
    // ZIP64 extra field: the 0xFFFFFFFF fields, in order usize, csize, offset.
    for (let x = p + 46 + nl; x + 4 <= p + 46 + nl + xl; ) {
      const id = dv.getUint16(x, true);
      const len = dv.getUint16(x + 2, true);
      if (x + 4 + len > p + 46 + nl + xl) throw corrupt('bad extra field');
      if (id === 1) {
        let q = x + 4;
        const take = (): number => {
          if (q + 8 > x + 4 + len) throw corrupt('short ZIP64 extra field');
          const v = u64(dv, q);
          q += 8;
          return v;
        };
        if (usize === 0xffffffff) usize = take();
        if (csize === 0xffffffff) csize = take();
        if (offset === 0xffffffff) offset = take();
      }
      x += 4 + len;
    }
    out.push({ name, method, crc, csize, usize, offset });
    p += 46 + nl + xl + cl;
  }
  return out;
}

function extract(b: Uint8Array, en: Entry): Uint8Array {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (en.offset + 30 > b.length || dv.getUint32(en.offset, true) !== 0x04034b50) throw corrupt(`bad local header for '${en.name}'`);
  const start = en.offset + 30 + dv.getUint16(en.offset + 26, true) + dv.getUint16(en.offset + 28, true);
  if (start + en.csize > b.length) throw corrupt(`member '${en.name}' (${en.csize} bytes) exceeds the file`);
  const comp = b.subarray(start, start + en.csize);
  let raw: Uint8Array;
  if (en.method === 0) {
    if (en.usize !== en.csize) throw corrupt(`stored member '${en.name}' has sizes ${en.csize} ≠ ${en.usize}`);
    raw = comp;
  } else if (en.method === 8) {
    if (en.usize > maxInflated(en.csize)) throw corrupt(`member '${en.name}' claims ${en.usize} bytes from ${en.csize} compressed`);
    raw = inflateBounded(comp, 'deflate', en.usize, `npz member '${en.name}'`);
    if (raw.length !== en.usize) throw corrupt(`member '${en.name}' inflated to ${raw.length} bytes, directory says ${en.usize}`);
  } else {
    throw new MedreconError('UNSUPPORTED', `npz: compression method ${en.method} of '${en.name}' is not supported (only stored and deflate)`);
  }
  if (crc32(raw) !== en.crc) throw corrupt(`CRC mismatch in member '${en.name}'`);
  return raw;
}

/** Decode `.npz` bytes into `{ name: NpyArray }` (names without `.npy`). */
export function readNpz(bytes: Uint8Array): Record<string, NpyArray> {
  const out: Record<string, NpyArray> = {};
  for (const en of listZip(bytes)) {
    if (en.name.endsWith('/')) continue;
    const key = en.name.endsWith('.npy') ? en.name.slice(0, -4) : en.name;
    if (key === '__proto__') throw corrupt('bad member name');
    out[key] = readNpy(extract(bytes, en));
  }
  return out;
}

/** `readNpz` followed by `npyToHost` on every member. */
export function readNpzHost(bytes: Uint8Array, opts: { integer?: boolean } = {}): Record<string, HostTensor> {
  const a = readNpz(bytes);
  const out: Record<string, HostTensor> = {};
  for (const k of Object.keys(a)) out[k] = npyToHost(a[k]!, opts);
  return out;
}

export interface WriteNpzOptions {
  /** Deflate members (`np.savez_compressed`); default false (stored, like `np.savez`). */
  compress?: boolean;
  /** Per-member `.npy` options (e.g. `{ kspace: { descr: '<c8' } }`). */
  npy?: Record<string, WriteNpyOptions>;
}

/** Encode `{ name: HostTensor }` as `.npz` (members `name.npy`). */
export function writeNpz(arrays: Record<string, HostTensor>, opts: WriteNpzOptions = {}): Uint8Array {
  checkOptions('writeNpz', opts, ['compress', 'npy']);
  const z: Zippable = {};
  for (const [k, t] of Object.entries(arrays)) {
    if (k.length === 0 || k.includes('/')) throw new MedreconError('INVALID_ARGUMENT', `writeNpz: bad member name '${k}'`);
    z[`${k}.npy`] = [writeNpy(t, opts.npy?.[k] ?? {}), { level: opts.compress ? 6 : 0 }];
  }
  return zipSync(z, { mtime: new Date('2000-01-01T00:00:00Z') });
}
