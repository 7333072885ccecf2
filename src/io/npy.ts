/**
 * NumPy `.npy` codec (format versions 1.0, 2.0 and 3.0), C order only.
 *
 * Layout: magic `\x93NUMPY`, major, minor, header length (uint16 LE for v1, uint32 LE for v2/v3),
 * a Python-literal dict `{'descr': '<f4', 'fortran_order': False, 'shape': (20, 128, 128), }`
 * padded with spaces and a newline, then the raw little-endian data.
 *
 * Supported `descr`: `<f4` → float32, `|u1` (or `<u1`, `|b1`) → uint8 / bool, `<i2` → int16,
 * `<i4` → int32. `readNpy` keeps the stored element type (`NpyArray`); `npyToHost` converts it to a
 * `HostTensor` (uint8 and int16 widen to float32 unless asked for int32).
 *
 * @example
 *   const a = readNpy(readFileSync('data/fixtures/mri_t1_train.npy')); // a.descr === '|u1'
 *   const t = npyToHost(a);                                            // float32 HostTensor
 */
import { MedreconError } from '../core/errors.js';
import { type HostTensor, sizeOf, tensor } from '../core/tensor.js';

export type NpyDescr = '<f4' | '|u1' | '|b1' | '<i2' | '<i4';

export interface NpyArray {
  readonly descr: NpyDescr;
  readonly shape: readonly number[];
  readonly data: Float32Array | Uint8Array | Int16Array | Int32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ITEM: Record<NpyDescr, number> = { '<f4': 4, '|u1': 1, '|b1': 1, '<i2': 2, '<i4': 4 };

function corrupt(msg: string, details: Record<string, unknown> = {}): MedreconError {
  return new MedreconError('CORRUPT_FILE', `npy: ${msg}`, details);
}

function normDescr(d: string): NpyDescr {
  switch (d) {
    case '<f4': return '<f4';
    case '|u1': case '<u1': case 'u1': return '|u1';
    case '|b1': return '|b1';
    case '<i2': return '<i2';
    case '<i4': return '<i4';
    case '|i1': case '>f4': case '>i2': case '>i4': case '<f8': case '<i8':
      throw new MedreconError('UNSUPPORTED', `npy: dtype '${d}' is not supported (use <f4, |u1, |b1, <i2 or <i4)`, { descr: d });
    default:
      throw corrupt(`unknown dtype descr '${d}'`, { descr: d });
  }
}

/** Parse the header dict (a restricted Python literal) into descr, fortran_order and shape. */
function parseHeader(h: string): { descr: string; fortran: boolean; shape: number[] } {
  const descrM = /'descr'\s*:\s*'([^']*)'/.exec(h);
  const fortM = /'fortran_order'\s*:\s*(True|False)/.exec(h);
  const shapeM = /'shape'\s*:\s*\(([^)]*)\)/.exec(h);
  if (!h.trim().startsWith('{') || !descrM || !fortM || !shapeM) throw corrupt('malformed header dict', { header: h.slice(0, 200) });
  const parts = shapeM[1]!.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const shape = parts.map((p) => {
    if (!/^\d+$/.test(p)) throw corrupt(`bad shape entry '${p}'`);
    const v = Number(p);
    if (!Number.isSafeInteger(v)) throw corrupt(`shape entry ${p} too large`);
    return v;
  });
  return { descr: descrM[1]!, fortran: fortM[1] === 'True', shape };
}

/** Decode `.npy` bytes. Throws CORRUPT_FILE on a bad magic, header or size; never trusts sizes blindly. */
export function readNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10) throw corrupt(`file too short (${bytes.length} bytes)`);
  for (let i = 0; i < 6; i++) if (bytes[i] !== MAGIC[i]) throw corrupt('bad magic (not a .npy file)');
  const major = bytes[6]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let hlen: number;
  let hstart: number;
  if (major === 1) {
    hlen = dv.getUint16(8, true);
    hstart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw corrupt('file too short for a v2 header');
    hlen = dv.getUint32(8, true);
    hstart = 12;
  } else {
    throw corrupt(`unsupported format version ${major}.${bytes[7]}`);
  }
  if (hstart + hlen > bytes.length) throw corrupt(`header length ${hlen} exceeds the file (${bytes.length} bytes)`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(hstart, hstart + hlen));
  const { descr: rawDescr, fortran, shape } = parseHeader(header);
  if (fortran) throw new MedreconError('UNSUPPORTED', 'npy: Fortran-order arrays are not supported');
  const descr = normDescr(rawDescr);
  const n = sizeOf(shape);
  const start = hstart + hlen;
  const nbytes = n * ITEM[descr];
  if (!Number.isSafeInteger(nbytes) || start + nbytes > bytes.length) {
    throw corrupt(`data truncated: shape (${shape.join(', ')}) needs ${nbytes} bytes, file has ${bytes.length - start}`);
  }
  const body = new Uint8Array(nbytes); // an owned, aligned copy (Node's Buffer.slice would not copy)
  body.set(bytes.subarray(start, start + nbytes));
  const bdv = new DataView(body.buffer);
  let data: NpyArray['data'];
  switch (descr) {
    case '<f4': {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = bdv.getFloat32(4 * i, true);
      data = a;
      break;
    }
    case '<i4': {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) a[i] = bdv.getInt32(4 * i, true);
      data = a;
      break;
    }
    case '<i2': {
      const a = new Int16Array(n);
      for (let i = 0; i < n; i++) a[i] = bdv.getInt16(2 * i, true);
      data = a;
      break;
    }
    case '|u1':
    case '|b1':
      data = body;
      break;
  }
  return { descr, shape, data };
}

/**
 * Convert to a HostTensor: `<f4` → float32; `<i4` → int32; `|b1` → bool; `|u1`, `<i2` → float32
 * (exact), or int32 with `{ integer: true }`.
 */
export function npyToHost(a: NpyArray, opts: { integer?: boolean } = {}): HostTensor {
  switch (a.descr) {
    case '<f4': return tensor(a.shape, a.data as Float32Array, 'float32');
    case '<i4': return tensor(a.shape, a.data as Int32Array, 'int32');
    case '|b1': return tensor(a.shape, a.data as Uint8Array, 'bool');
    default: return opts.integer ? tensor(a.shape, Int32Array.from(a.data), 'int32') : tensor(a.shape, Float32Array.from(a.data), 'float32');
  }
}

/** Encode a HostTensor as `.npy` v1.0 (float32 → `<f4`, int32 → `<i4`, bool → `|b1`). */
export function writeNpy(t: HostTensor): Uint8Array {
  const descr = t.dtype === 'float32' ? '<f4' : t.dtype === 'int32' ? '<i4' : '|b1';
  const shape = t.dims.length === 1 ? `(${t.dims[0]},)` : `(${t.dims.join(', ')})`;
  let h = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + h.length + 1;
  h += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const item = ITEM[descr];
  const out = new Uint8Array(10 + h.length + t.data.length * item);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  dv.setUint16(8, h.length, true);
  for (let i = 0; i < h.length; i++) out[10 + i] = h.charCodeAt(i);
  const start = 10 + h.length;
  if (t.dtype === 'float32') for (let i = 0; i < t.data.length; i++) dv.setFloat32(start + 4 * i, t.data[i]!, true);
  else if (t.dtype === 'int32') for (let i = 0; i < t.data.length; i++) dv.setInt32(start + 4 * i, t.data[i]!, true);
  else out.set(t.data, start);
  return out;
}
