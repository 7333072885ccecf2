/**
 * NumPy `.npy` codec (format versions 1.0, 2.0 and 3.0).
 *
 * Layout: magic `\x93NUMPY`, major, minor, header length (uint16 LE for v1, uint32 LE for v2/v3),
 * a Python-literal dict `{'descr': '<f4', 'fortran_order': False, 'shape': (20, 128, 128), }`
 * padded with spaces and a newline, then the raw data.
 *
 * Read: `descr` `f4 f8 i1 u1 b1 i2 u2 i4 u4 i8 u8 c8 c16` in either byte order (`<`, `>`, `|`, `=`),
 * C or Fortran order. `readNpy` returns the values in C order with a little-endian-named `descr`
 * (`NpyArray`): big-endian data is byte-swapped, Fortran data transposed (element (i0, …, in) of the
 * result is element (i0, …, in) of the array numpy saw). 64-bit integers are narrowed to Int32Array
 * (UNSUPPORTED if any value is outside int32). Complex arrays keep `shape` and hold interleaved
 * (re, im) pairs, so `data.length = 2·∏shape`.
 *
 * `npyToHost` converts to a HostTensor: `<f4 <f8` → float32; `<i4 <i8` → int32; `|b1` → bool;
 * `|u1 |i1 <i2 <u2 <u4` → float32 (exact for all but huge u4), or int32 with `{ integer: true }`;
 * complex → float32 with a trailing axis of 2 (re, im).
 *
 * `writeNpy(t, { descr, fortranOrder })` writes v1.0 (v2.0 if the header needs it), little endian.
 *
 * @example
 *   const a = readNpy(readFileSync('data/fixtures/mri_t1_train.npy')); // a.descr === '|u1'
 *   const t = npyToHost(a);                                            // float32 HostTensor
 *   const k = writeNpy(tensor([4, 4, 2]), { descr: '<c8' });           // complex64 [4, 4]
 */
import { MedreconError } from '../core/errors.js';
import { type HostTensor, sizeOf, tensor } from '../core/tensor.js';

export type NpyDescr = '<f4' | '<f8' | '|u1' | '|i1' | '|b1' | '<i2' | '<u2' | '<i4' | '<u4' | '<i8' | '<u8' | '<c8' | '<c16';

export interface NpyArray {
  readonly descr: NpyDescr;
  readonly shape: readonly number[];
  /** C-order values; complex types interleave (re, im); 64-bit integers narrowed to Int32Array. */
  readonly data: Float32Array | Float64Array | Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Bytes per stored element. */
const ITEM: Record<NpyDescr, number> = { '<f4': 4, '<f8': 8, '|u1': 1, '|i1': 1, '|b1': 1, '<i2': 2, '<u2': 2, '<i4': 4, '<u4': 4, '<i8': 8, '<u8': 8, '<c8': 8, '<c16': 16 };

function corrupt(msg: string, details: Record<string, unknown> = {}): MedreconError {
  return new MedreconError('CORRUPT_FILE', `npy: ${msg}`, details);
}

/** Normalize a numpy descr to its little-endian name and a byte order. */
function normDescr(d: string): { descr: NpyDescr; le: boolean } {
  const m = /^([<>|=]?)([a-zA-Z])(\d+)$/.exec(d);
  if (!m) {
    if (/^[<>|=]?(O|[SUV]\d*|[mM]8(\[\w+\])?)$/.test(d)) throw new MedreconError('UNSUPPORTED', `npy: dtype '${d}' is not supported`, { descr: d });
    throw corrupt(`unknown dtype descr '${d}'`, { descr: d });
  }
  const le = m[1] !== '>';
  const key = m[2]! + m[3]!;
  const table: Record<string, NpyDescr> = {
    f4: '<f4', f8: '<f8', u1: '|u1', i1: '|i1', b1: '|b1', i2: '<i2', u2: '<u2', i4: '<i4', u4: '<u4', i8: '<i8', u8: '<u8', c8: '<c8', c16: '<c16',
  };
  const descr = table[key];
  if (descr) return { descr, le };
  if (/^[fiucbmMUSV]$/.test(m[2]!)) throw new MedreconError('UNSUPPORTED', `npy: dtype '${d}' is not supported`, { descr: d });
  throw corrupt(`unknown dtype descr '${d}'`, { descr: d });
}

/** Parse the header dict (a restricted Python literal) into descr, fortran_order and shape. */
function parseHeader(h: string): { descr: string; fortran: boolean; shape: number[] } {
  const descrM = /'descr'\s*:\s*'([^']*)'/.exec(h);
  const fortM = /'fortran_order'\s*:\s*(True|False)/.exec(h);
  const shapeM = /'shape'\s*:\s*\(([^)]*)\)/.exec(h);
  if (!h.trim().startsWith('{') || !fortM || !shapeM) throw corrupt('malformed header dict', { header: h.slice(0, 200) });
  if (!descrM) {
    if (/'descr'\s*:\s*\[/.test(h)) throw new MedreconError('UNSUPPORTED', 'npy: structured dtypes are not supported');
    throw corrupt('malformed header dict', { header: h.slice(0, 200) });
  }
  const parts = shapeM[1]!.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const shape = parts.map((p) => {
    if (!/^\d+L?$/.test(p)) throw corrupt(`bad shape entry '${p}'`);
    const v = Number(p.replace('L', ''));
    if (!Number.isSafeInteger(v)) throw corrupt(`shape entry ${p} too large`);
    return v;
  });
  return { descr: descrM[1]!, fortran: fortM[1] === 'True', shape };
}

function allocFor(descr: NpyDescr, n: number): NpyArray['data'] {
  switch (descr) {
    case '<f4': return new Float32Array(n);
    case '<f8': return new Float64Array(n);
    case '|u1': case '|b1': return new Uint8Array(n);
    case '|i1': return new Int8Array(n);
    case '<i2': return new Int16Array(n);
    case '<u2': return new Uint16Array(n);
    case '<i4': case '<i8': case '<u8': return new Int32Array(n);
    case '<u4': return new Uint32Array(n);
    case '<c8': return new Float32Array(2 * n);
    case '<c16': return new Float64Array(2 * n);
  }
}

/**
 * Permute a C-order array of `dims` (with `comp` scalars per element) by reversing its axes:
 * out[i_{n-1}, …, i_0] = in[i_0, …, i_{n-1}]. Used to turn Fortran order into C order and back.
 */
function reverseAxes<T extends NpyArray['data']>(src: T, dims: readonly number[], comp: number): T {
  const nd = dims.length;
  if (nd < 2) return src;
  const out = new (src.constructor as new (n: number) => T)(src.length);
  const rdims = [...dims].reverse();
  const ostr = new Array<number>(nd); // stride in `out` of input axis a (out axis nd-1-a)
  let acc = 1;
  for (let a = nd - 1; a >= 0; a--) {
    ostr[nd - 1 - a] = acc;
    acc *= rdims[a]!;
  }
  const idx = new Array<number>(nd).fill(0);
  const n = sizeOf(dims);
  let o = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < comp; c++) out[o * comp + c] = src[i * comp + c]!;
    for (let a = nd - 1; a >= 0; a--) {
      idx[a]!++;
      o += ostr[a]!;
      if (idx[a]! < dims[a]!) break;
      o -= ostr[a]! * dims[a]!;
      idx[a] = 0;
    }
  }
  return out;
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
  const { descr, le } = normDescr(rawDescr);
  const n = sizeOf(shape);
  const start = hstart + hlen;
  const item = ITEM[descr];
  const nbytes = n * item;
  if (!Number.isSafeInteger(nbytes) || start + nbytes > bytes.length) {
    throw corrupt(`data truncated: shape (${shape.join(', ')}) needs ${nbytes} bytes, file has ${bytes.length - start}`);
  }
  const bdv = new DataView(bytes.buffer, bytes.byteOffset + start, nbytes);
  let data = allocFor(descr, n);
  switch (descr) {
    case '<f4': case '<c8': { const a = data as Float32Array; for (let i = 0; i < a.length; i++) a[i] = bdv.getFloat32(4 * i, le); break; }
    case '<f8': case '<c16': { const a = data as Float64Array; for (let i = 0; i < a.length; i++) a[i] = bdv.getFloat64(8 * i, le); break; }
    case '|u1': case '|b1': (data as Uint8Array).set(bytes.subarray(start, start + n)); break;
    case '|i1': { const a = data as Int8Array; for (let i = 0; i < n; i++) a[i] = bdv.getInt8(i); break; }
    case '<i2': { const a = data as Int16Array; for (let i = 0; i < n; i++) a[i] = bdv.getInt16(2 * i, le); break; }
    case '<u2': { const a = data as Uint16Array; for (let i = 0; i < n; i++) a[i] = bdv.getUint16(2 * i, le); break; }
    case '<i4': { const a = data as Int32Array; for (let i = 0; i < n; i++) a[i] = bdv.getInt32(4 * i, le); break; }
    case '<u4': { const a = data as Uint32Array; for (let i = 0; i < n; i++) a[i] = bdv.getUint32(4 * i, le); break; }
    case '<i8': case '<u8': {
      const a = data as Int32Array;
      for (let i = 0; i < n; i++) {
        const v = descr === '<i8' ? bdv.getBigInt64(8 * i, le) : bdv.getBigUint64(8 * i, le);
        if (v > 2147483647n || v < -2147483648n) throw new MedreconError('UNSUPPORTED', `npy: ${rawDescr} value ${v} at index ${i} does not fit in int32`);
        a[i] = Number(v);
      }
      break;
    }
  }
  if (fortran) data = reverseAxes(data, [...shape].reverse(), descr === '<c8' || descr === '<c16' ? 2 : 1);
  return { descr, shape, data };
}

/**
 * Convert to a HostTensor: `<f4 <f8` → float32; `<i4 <i8 <u8` → int32; `|b1` → bool; other integers →
 * float32 (exact), or int32 with `{ integer: true }`; `<c8 <c16` → float32 `[...shape, 2]`.
 */
export function npyToHost(a: NpyArray, opts: { integer?: boolean } = {}): HostTensor {
  switch (a.descr) {
    case '<f4': return tensor(a.shape, a.data as Float32Array, 'float32');
    case '<f8': return tensor(a.shape, Float32Array.from(a.data), 'float32');
    case '<i4': case '<i8': case '<u8': return tensor(a.shape, a.data as Int32Array, 'int32');
    case '|b1': return tensor(a.shape, a.data as Uint8Array, 'bool');
    case '<c8': return tensor([...a.shape, 2], a.data as Float32Array, 'float32');
    case '<c16': return tensor([...a.shape, 2], Float32Array.from(a.data), 'float32');
    case '<u4':
      if (opts.integer) {
        for (let i = 0; i < a.data.length; i++) if (a.data[i]! > 2147483647) throw new MedreconError('UNSUPPORTED', `npy: <u4 value ${a.data[i]} does not fit in int32`);
      }
      return opts.integer ? tensor(a.shape, Int32Array.from(a.data), 'int32') : tensor(a.shape, Float32Array.from(a.data), 'float32');
    default:
      return opts.integer ? tensor(a.shape, Int32Array.from(a.data), 'int32') : tensor(a.shape, Float32Array.from(a.data), 'float32');
  }
}

export interface WriteNpyOptions {
  /**
   * Stored type (default from the dtype: float32 → `<f4`, int32 → `<i4`, bool → `|b1`).
   * `<c8`/`<c16` need a trailing axis of 2 (re, im) that becomes the complex element.
   * Integer descrs need integer values inside their range (else INVALID_ARGUMENT).
   */
  descr?: '<f4' | '<f8' | '|u1' | '|b1' | '<i2' | '<i4' | '<i8' | '<c8' | '<c16';
  /** Store in Fortran order (`fortran_order: True`); the logical array is the same. */
  fortranOrder?: boolean;
}

/** Encode a HostTensor as `.npy` (v1.0; v2.0 when the header exceeds 65535 bytes), little endian. */
export function writeNpy(t: HostTensor, opts: WriteNpyOptions = {}): Uint8Array {
  const descr: NpyDescr = opts.descr ?? (t.dtype === 'float32' ? '<f4' : t.dtype === 'int32' ? '<i4' : '|b1');
  if (!(descr in ITEM)) throw new MedreconError('INVALID_ARGUMENT', `writeNpy: descr '${String(descr)}' cannot be written`);
  const cplx = descr === '<c8' || descr === '<c16';
  let shapeArr = [...t.dims];
  if (cplx) {
    if (shapeArr.length < 1 || shapeArr[shapeArr.length - 1] !== 2) throw new MedreconError('INVALID_ARGUMENT', `writeNpy: complex output needs a trailing axis of 2, got [${t.dims.join(', ')}]`);
    shapeArr = shapeArr.slice(0, -1);
  }
  let src: ArrayLike<number> = t.data;
  if (opts.fortranOrder) src = reverseAxes(Float64Array.from(t.data), shapeArr, cplx ? 2 : 1);
  const shape = shapeArr.length === 1 ? `(${shapeArr[0]},)` : `(${shapeArr.join(', ')})`;
  let h = `{'descr': '${descr}', 'fortran_order': ${opts.fortranOrder ? 'True' : 'False'}, 'shape': ${shape}, }`;
  const v2 = h.length + 12 > 65535;
  const pre = v2 ? 12 : 10;
  h += ' '.repeat((64 - ((pre + h.length + 1) % 64)) % 64) + '\n';
  const item = ITEM[descr];
  const n = sizeOf(shapeArr);
  const out = new Uint8Array(pre + h.length + n * item);
  out.set(MAGIC, 0);
  out[6] = v2 ? 2 : 1;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (v2) dv.setUint32(8, h.length, true);
  else dv.setUint16(8, h.length, true);
  for (let i = 0; i < h.length; i++) out[pre + i] = h.charCodeAt(i);
  const s = pre + h.length;
  const intCheck = (v: number, lo: number, hi: number, i: number): number => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new MedreconError('INVALID_ARGUMENT', `writeNpy: value ${v} at ${i} is not representable as ${descr}`);
    return v;
  };
  const m = src.length;
  switch (descr) {
    case '<f4': case '<c8': for (let i = 0; i < m; i++) dv.setFloat32(s + 4 * i, src[i]!, true); break;
    case '<f8': case '<c16': for (let i = 0; i < m; i++) dv.setFloat64(s + 8 * i, src[i]!, true); break;
    case '|u1': for (let i = 0; i < m; i++) out[s + i] = intCheck(src[i]!, 0, 255, i); break;
    case '|b1': for (let i = 0; i < m; i++) out[s + i] = src[i] ? 1 : 0; break;
    case '<i2': for (let i = 0; i < m; i++) dv.setInt16(s + 2 * i, intCheck(src[i]!, -32768, 32767, i), true); break;
    case '<i4': for (let i = 0; i < m; i++) dv.setInt32(s + 4 * i, intCheck(src[i]!, -2147483648, 2147483647, i), true); break;
    case '<i8': for (let i = 0; i < m; i++) dv.setBigInt64(s + 8 * i, BigInt(intCheck(src[i]!, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, i)), true); break;
    default: throw new MedreconError('INVALID_ARGUMENT', `writeNpy: descr '${descr}' cannot be written`);
  }
  return out;
}
