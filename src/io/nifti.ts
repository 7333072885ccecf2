/**
 * NIfTI-1 and NIfTI-2 codec (single-file `.nii`, optionally gzipped `.nii.gz`), on bytes.
 *
 * Reading: the header is parsed by hand (both endiannesses; detected from `sizeof_hdr` = 348 / 540),
 * every field that sizes an allocation is validated against the byte length first. Voxel values are
 * `value = scl_slope · stored + scl_inter` when `scl_slope` is finite and non-zero (else stored).
 * Layout: NIfTI stores x fastest, so dims `[nx, ny, nz, nt]` become the C-order tensor
 * `[nt, nz, ny, nx]` (see volume.ts); 1D/2D images are padded to `[1, ny, nx]`.
 *
 * Affine (RAS+, `meta.space = 'RAS'`): `sform` rows when `sform_code > 0`; else the qform
 * (quaternion b, c, d with a = √(1 − b² − c² − d²), R·diag(dx, dy, qfac·dz) + qoffset) when
 * `qform_code > 0`; else `diag(dx, dy, dz)` (NIfTI "method 1").
 *
 * Storage type → tensor: integer types without scaling → int32 (uint32 → int32 if every value fits,
 * else float32); float types or any scaling → float32. `{ float: true }` forces float32.
 *
 * Writing (little endian): `sform` = the volume affine (converted to RAS when `meta.space` is 'LPS'),
 * `qform` = its rotation/zoom decomposition; codes, slope/intercept, units, descrip, intent and the
 * datatype are taken from `meta.nifti` when the volume came from `readNifti`, so read → write keeps
 * them. Integer output dtypes quantize `stored = round((value − inter) / slope)`; with no slope known
 * and non-integer or out-of-range data, a slope/intercept covering the data range is chosen.
 *
 * @example
 *   const v = readNifti(gzBytes);                       // gzip detected from the magic
 *   const out = writeNifti(v, { gzip: true });          // same datatype, scaling and orientation
 *   const f32 = writeNifti(v, { dtype: 'float32', version: 2 });
 */
import { MedreconError, checkOptions } from '../core/errors.js';
import { tensor } from '../core/tensor.js';
import { gzipSync } from 'fflate';
import { type Volume, affineToSpace, spaceOf } from './volume.js';
import { inflateBounded, isGzip, maxInflated } from './zutil.js';

export type NiftiDType = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

const CODE_TO_DTYPE: Record<number, NiftiDType> = { 2: 'uint8', 4: 'int16', 8: 'int32', 16: 'float32', 64: 'float64', 256: 'int8', 512: 'uint16', 768: 'uint32' };
const DTYPE_TO_CODE: Record<NiftiDType, number> = { uint8: 2, int16: 4, int32: 8, float32: 16, float64: 64, int8: 256, uint16: 512, uint32: 768 };
const DTYPE_BYTES: Record<NiftiDType, number> = { uint8: 1, int8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4, float64: 8 };
const UNSUPPORTED_CODES: Record<number, string> = { 1: 'binary', 32: 'complex64', 128: 'rgb24', 1024: 'int64', 1280: 'uint64', 1536: 'float128', 1792: 'complex128', 2048: 'complex256', 2304: 'rgba32' };
const DTYPE_RANGE: Record<NiftiDType, [number, number]> = {
  uint8: [0, 255], int8: [-128, 127], int16: [-32768, 32767], uint16: [0, 65535],
  int32: [-2147483648, 2147483647], uint32: [0, 4294967295], float32: [-Infinity, Infinity], float64: [-Infinity, Infinity],
};

/** Header fields kept in `Volume.meta.nifti` (JSON-compatible). */
export interface NiftiHeaderInfo {
  version: 1 | 2;
  littleEndian: boolean;
  datatype: NiftiDType;
  dim: number[]; // dim[0..7]
  pixdim: number[]; // pixdim[0..7]; pixdim[0] is qfac
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  calMin: number;
  calMax: number;
  qformCode: number;
  sformCode: number;
  quatern: [number, number, number]; // b, c, d
  qoffset: [number, number, number];
  srow: number[][]; // 3×4
  xyztUnits: number;
  intentCode: number;
  intentName: string;
  descrip: string;
  dimInfo: number;
  sliceCode: number;
  sliceStart: number;
  sliceEnd: number;
  sliceDuration: number;
  toffset: number;
}

function corrupt(msg: string, details: Record<string, unknown> = {}): MedreconError {
  return new MedreconError('CORRUPT_FILE', `nifti: ${msg}`, details);
}

function cstr(b: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    const c = b[off + i]!;
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/** Parse and validate a NIfTI-1/2 header from the first bytes of an (uncompressed) file. */
export function readNiftiHeader(b: Uint8Array): NiftiHeaderInfo {
  if (b.length < 348) throw corrupt(`file too short for a header (${b.length} bytes)`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const s = dv.getInt32(0, true);
  let le: boolean;
  let version: 1 | 2;
  if (s === 348 || s === 540) [le, version] = [true, s === 348 ? 1 : 2];
  else {
    const sb = dv.getInt32(0, false);
    if (sb === 348 || sb === 540) [le, version] = [false, sb === 348 ? 1 : 2];
    else throw corrupt(`bad sizeof_hdr ${s} (not NIfTI)`);
  }
  const i16 = (o: number) => dv.getInt16(o, le);
  const i32 = (o: number) => dv.getInt32(o, le);
  const f32 = (o: number) => dv.getFloat32(o, le);
  const f64 = (o: number) => dv.getFloat64(o, le);
  const i64 = (o: number): number => {
    const v = dv.getBigInt64(o, le);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`64-bit field at ${o} out of range (${v})`);
    return Number(v);
  };
  let h: NiftiHeaderInfo;
  if (version === 1) {
    const magic = cstr(b, 344, 4);
    if (magic === 'ni1') throw new MedreconError('UNSUPPORTED', 'nifti: two-file NIfTI (.hdr/.img) is not supported; convert to a single .nii');
    if (magic !== 'n+1') throw corrupt(`bad magic '${magic}'`);
    const code = i16(70);
    h = {
      version, littleEndian: le, datatype: dtypeOf(code),
      dim: Array.from({ length: 8 }, (_, k) => i16(40 + 2 * k)),
      pixdim: Array.from({ length: 8 }, (_, k) => f32(76 + 4 * k)),
      voxOffset: f32(108), sclSlope: f32(112), sclInter: f32(116), calMax: f32(124), calMin: f32(128),
      qformCode: i16(252), sformCode: i16(254),
      quatern: [f32(256), f32(260), f32(264)], qoffset: [f32(268), f32(272), f32(276)],
      srow: [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => f32(280 + 16 * r + 4 * c))),
      xyztUnits: b[123]!, intentCode: i16(68), intentName: cstr(b, 328, 16), descrip: cstr(b, 148, 80),
      dimInfo: b[39]!, sliceCode: b[122]!, sliceStart: i16(74), sliceEnd: i16(120), sliceDuration: f32(132), toffset: f32(136),
    };
  } else {
    if (b.length < 540) throw corrupt(`file too short for a NIfTI-2 header (${b.length} bytes)`);
    const m = [...b.subarray(4, 12)];
    if (m[0] !== 0x6e || m[1] !== 0x2b || m[2] !== 0x32 || m[3] !== 0) {
      if (m[0] === 0x6e && m[1] === 0x69 && m[2] === 0x32) throw new MedreconError('UNSUPPORTED', 'nifti: two-file NIfTI-2 (.hdr/.img) is not supported');
      throw corrupt('bad NIfTI-2 magic');
    }
    h = {
      version, littleEndian: le, datatype: dtypeOf(i16(12)),
      dim: Array.from({ length: 8 }, (_, k) => i64(16 + 8 * k)),
      pixdim: Array.from({ length: 8 }, (_, k) => f64(104 + 8 * k)),
      voxOffset: i64(168), sclSlope: f64(176), sclInter: f64(184), calMax: f64(192), calMin: f64(200),
      qformCode: i32(344), sformCode: i32(348),
      quatern: [f64(352), f64(360), f64(368)], qoffset: [f64(376), f64(384), f64(392)],
      srow: [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => f64(400 + 32 * r + 8 * c))),
      xyztUnits: i32(500), intentCode: i32(504), intentName: cstr(b, 508, 16), descrip: cstr(b, 240, 80),
      dimInfo: b[524]!, sliceCode: i32(496), sliceStart: i64(224), sliceEnd: i64(232), sliceDuration: f64(208), toffset: f64(216),
    };
  }
  const nd = h.dim[0]!;
  if (!(nd >= 1 && nd <= 7)) throw corrupt(`dim[0] = ${nd} is not in 1..7`);
  for (let k = 1; k <= nd; k++) {
    const d = h.dim[k]!;
    if (!Number.isInteger(d) || d < 1 || d > 2 ** 31 - 1) throw corrupt(`dim[${k}] = ${d} is not a positive size`);
  }
  if (!Number.isInteger(h.voxOffset) || h.voxOffset < (version === 1 ? 348 : 540) || h.voxOffset > 2 ** 40) throw corrupt(`bad vox_offset ${h.voxOffset}`);
  return h;
}

function dtypeOf(code: number): NiftiDType {
  const d = CODE_TO_DTYPE[code];
  if (d) return d;
  if (UNSUPPORTED_CODES[code]) throw new MedreconError('UNSUPPORTED', `nifti: datatype ${code} (${UNSUPPORTED_CODES[code]}) is not supported`, { datatype: code });
  throw corrupt(`unknown datatype code ${code}`, { datatype: code });
}

/** Number of voxels and C-order dims from dim[]; throws on a product beyond the safe range. */
function shapeOf(h: NiftiHeaderInfo): { dims: number[]; n: number } {
  const nd = h.dim[0]!;
  const fort = h.dim.slice(1, nd + 1);
  while (fort.length < 3) fort.push(1);
  let n = 1;
  for (const d of fort) {
    n *= d;
    if (!Number.isSafeInteger(n)) throw corrupt(`dims [${fort.join(', ')}] overflow`);
  }
  return { dims: fort.reverse(), n };
}

/** Fields of the affine computed from the header (NIfTI method 3 → 2 → 1). */
export function niftiAffine(h: NiftiHeaderInfo): number[][] {
  const last = [0, 0, 0, 1];
  if (h.sformCode > 0) return [...h.srow.map((r) => [...r]), last];
  const [dx, dy, dz] = [h.pixdim[1] || 1, h.pixdim[2] || 1, h.pixdim[3] || 1];
  if (h.qformCode > 0) {
    const [b, c, d] = h.quatern;
    let a2 = 1 - (b * b + c * c + d * d);
    let [bb, cc, dd] = [b, c, d];
    if (a2 < 1e-7) {
      const s = 1 / Math.sqrt(b * b + c * c + d * d);
      [bb, cc, dd] = [b * s, c * s, d * s];
      a2 = 0;
    }
    const a = Math.sqrt(a2);
    const R = [
      [a * a + bb * bb - cc * cc - dd * dd, 2 * (bb * cc - a * dd), 2 * (bb * dd + a * cc)],
      [2 * (bb * cc + a * dd), a * a + cc * cc - bb * bb - dd * dd, 2 * (cc * dd - a * bb)],
      [2 * (bb * dd - a * cc), 2 * (cc * dd + a * bb), a * a + dd * dd - cc * cc - bb * bb],
    ];
    const qfac = h.pixdim[0]! < 0 ? -1 : 1;
    const z = [dx, dy, qfac * dz];
    return [0, 1, 2].map((r) => [R[r]![0]! * z[0]!, R[r]![1]! * z[1]!, R[r]![2]! * z[2]!, h.qoffset[r]!]).concat([last]);
  }
  return [
    [dx, 0, 0, 0],
    [0, dy, 0, 0],
    [0, 0, dz, 0],
    last,
  ];
}

export interface ReadNiftiOptions {
  /** Always return float32 data (default: int32 for unscaled integer storage). */
  float?: boolean;
}

/**
 * Decode a `.nii` or `.nii.gz` byte buffer into a Volume (`meta.space = 'RAS'`,
 * `meta.nifti`: NiftiHeaderInfo, `meta.format = 'nifti'`).
 * Throws CORRUPT_FILE for a bad/lying header or truncated data, UNSUPPORTED for valid but
 * unhandled content (complex/RGB/64-bit integer voxels, two-file pairs).
 */
export function readNifti(bytes: Uint8Array, opts: ReadNiftiOptions = {}): Volume {
  checkOptions('readNifti', opts, ['float']);
  let b = bytes;
  if (isGzip(bytes)) {
    // Peek the header first, then bound the full decompression by what the header needs.
    const head = inflateBounded(bytes, 'gzip', maxInflated(bytes.length), 'nifti', 540);
    const h0 = readNiftiHeader(head);
    const need = h0.voxOffset + shapeOf(h0).n * DTYPE_BYTES[h0.datatype];
    if (need > maxInflated(bytes.length)) throw corrupt(`header claims ${need} bytes, impossible from ${bytes.length} compressed bytes`);
    b = inflateBounded(bytes, 'gzip', need + 1024 * 1024, 'nifti');
  }
  const h = readNiftiHeader(b);
  const { dims, n } = shapeOf(h);
  const item = DTYPE_BYTES[h.datatype];
  const off = h.voxOffset;
  if (n * item > b.length - off) throw corrupt(`data truncated: dims [${dims.join(', ')}] × ${item} B need ${n * item} bytes after offset ${off}, file has ${Math.max(0, b.length - off)}`);
  const dv = new DataView(b.buffer, b.byteOffset + off, n * item);
  const le = h.littleEndian;
  const slope = h.sclSlope;
  const scaled = Number.isFinite(slope) && slope !== 0 && !(slope === 1 && (h.sclInter === 0 || !Number.isFinite(h.sclInter)));
  const inter = scaled && Number.isFinite(h.sclInter) ? h.sclInter : 0;
  const isFloatStore = h.datatype === 'float32' || h.datatype === 'float64';
  const get = getter(h.datatype, dv, le);
  let data: Float32Array | Int32Array;
  let dtype: 'float32' | 'int32';
  let asFloat = opts.float === true || scaled || isFloatStore;
  if (!asFloat && h.datatype === 'uint32') {
    for (let i = 0; i < n; i++) if (get(i) > 2147483647) { asFloat = true; break; }
  }
  if (asFloat) {
    data = new Float32Array(n);
    if (scaled) for (let i = 0; i < n; i++) data[i] = get(i) * slope + inter;
    else for (let i = 0; i < n; i++) data[i] = get(i);
    dtype = 'float32';
  } else {
    data = new Int32Array(n);
    for (let i = 0; i < n; i++) data[i] = get(i);
    dtype = 'int32';
  }
  const nd = h.dim[0]!;
  const pix = h.pixdim.slice(1, Math.max(nd, 3) + 1).map((p) => (Number.isFinite(p) && p !== 0 ? Math.abs(p) : 1));
  while (pix.length < 3) pix.push(1);
  return {
    data: tensor(dims, data, dtype) as Volume['data'],
    spacing: pix.reverse(),
    affine: niftiAffine(h),
    meta: { format: 'nifti', space: 'RAS', nifti: h },
  };
}

function getter(dt: NiftiDType, dv: DataView, le: boolean): (i: number) => number {
  switch (dt) {
    case 'uint8': return (i) => dv.getUint8(i);
    case 'int8': return (i) => dv.getInt8(i);
    case 'int16': return (i) => dv.getInt16(2 * i, le);
    case 'uint16': return (i) => dv.getUint16(2 * i, le);
    case 'int32': return (i) => dv.getInt32(4 * i, le);
    case 'uint32': return (i) => dv.getUint32(4 * i, le);
    case 'float32': return (i) => dv.getFloat32(4 * i, le);
    case 'float64': return (i) => dv.getFloat64(8 * i, le);
  }
}

/**
 * Choose `(slope, inter)` so that `stored = round((v − inter) / slope)` covers `[min, max]` of `data`
 * within the integer range `[lo, hi]`. Integer data already inside the range → (1, 0).
 */
export function chooseRescale(data: ArrayLike<number>, lo: number, hi: number): { slope: number; inter: number } {
  let mn = Infinity;
  let mx = -Infinity;
  let allInt = true;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < mn) mn = v;
    if (v > mx) mx = v;
    if (allInt && !Number.isInteger(v)) allInt = false;
  }
  if (mn === Infinity) return { slope: 1, inter: 0 };
  if (allInt && mn >= lo && mx <= hi) return { slope: 1, inter: 0 };
  if (mx === mn) return { slope: 1, inter: Math.fround(mn) };
  const slope = Math.fround((mx - mn) / (hi - lo));
  const inter = Math.fround(mn - lo * slope);
  return { slope, inter };
}

export interface WriteNiftiOptions {
  /** Storage type (default: `meta.nifti.datatype` if present, else float32 / int32 from the data). */
  dtype?: 'uint8' | 'int16' | 'int32' | 'float32' | 'float64';
  /** Rescale slope/intercept written to the header; values are stored as (v − inter)/slope. */
  slope?: number;
  inter?: number;
  /** 1 (348-byte header, default) or 2 (540-byte header). */
  version?: 1 | 2;
  /** gzip the output (`.nii.gz`). */
  gzip?: boolean;
  /** Header `descrip` (≤ 79 chars). */
  description?: string;
}

function qformFromAffine(A: number[][]): { quatern: [number, number, number]; qoffset: [number, number, number]; zooms: [number, number, number]; qfac: number } {
  const col = (c: number) => [A[0]![c]!, A[1]![c]!, A[2]![c]!];
  const cols = [col(0), col(1), col(2)];
  const zooms = cols.map((v) => Math.hypot(v[0]!, v[1]!, v[2]!) || 1) as [number, number, number];
  const R = cols.map((v, k) => v.map((x) => x / zooms[k]!)); // R[k] is column k
  const det =
    R[0]![0]! * (R[1]![1]! * R[2]![2]! - R[2]![1]! * R[1]![2]!) -
    R[1]![0]! * (R[0]![1]! * R[2]![2]! - R[2]![1]! * R[0]![2]!) +
    R[2]![0]! * (R[0]![1]! * R[1]![2]! - R[1]![1]! * R[0]![2]!);
  let qfac = 1;
  if (det < 0) {
    qfac = -1;
    R[2] = R[2]!.map((x) => -x);
  }
  // r(i, j) = row i, column j = R[j][i]
  const r = (i: number, j: number) => R[j]![i]!;
  let a = r(0, 0) + r(1, 1) + r(2, 2) + 1;
  let b: number, c: number, d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r(2, 1) - r(1, 2))) / a;
    c = (0.25 * (r(0, 2) - r(2, 0))) / a;
    d = (0.25 * (r(1, 0) - r(0, 1))) / a;
  } else {
    const xd = 1 + r(0, 0) - (r(1, 1) + r(2, 2));
    const yd = 1 + r(1, 1) - (r(0, 0) + r(2, 2));
    const zd = 1 + r(2, 2) - (r(0, 0) + r(1, 1));
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r(0, 1) + r(1, 0))) / b;
      d = (0.25 * (r(0, 2) + r(2, 0))) / b;
      a = (0.25 * (r(2, 1) - r(1, 2))) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r(0, 1) + r(1, 0))) / c;
      d = (0.25 * (r(1, 2) + r(2, 1))) / c;
      a = (0.25 * (r(0, 2) - r(2, 0))) / c;
    } else {
      d = 0.5 * Math.sqrt(Math.max(zd, 0));
      b = d === 0 ? 0 : (0.25 * (r(0, 2) + r(2, 0))) / d;
      c = d === 0 ? 0 : (0.25 * (r(1, 2) + r(2, 1))) / d;
      a = d === 0 ? 1 : (0.25 * (r(1, 0) - r(0, 1))) / d;
    }
    if (a < 0) [b, c, d] = [-b, -c, -d];
  }
  return { quatern: [b, c, d], qoffset: [A[0]![3]!, A[1]![3]!, A[2]![3]!], zooms, qfac };
}

/**
 * Encode a Volume as a single-file NIfTI (`.nii`, or `.nii.gz` with `{ gzip: true }`), little endian.
 * Data dims `[z, y, x]` / `[t, z, y, x]` (any rank 1..7) become NIfTI dim = reversed dims.
 */
export function writeNifti(vol: Volume, opts: WriteNiftiOptions = {}): Uint8Array {
  checkOptions('writeNifti', opts, ['dtype', 'slope', 'inter', 'version', 'gzip', 'description']);
  const src = (vol.meta['nifti'] ?? undefined) as Partial<NiftiHeaderInfo> | undefined;
  const dims = [...vol.data.dims];
  if (dims.length < 1 || dims.length > 7) throw new MedreconError('INVALID_ARGUMENT', `writeNifti: rank ${dims.length} is not in 1..7`);
  const version = opts.version ?? 1;
  if (version !== 1 && version !== 2) throw new MedreconError('INVALID_ARGUMENT', `writeNifti: version must be 1 or 2`);
  const dtype: NiftiDType = opts.dtype ?? (src?.datatype && ['uint8', 'int16', 'int32', 'float32', 'float64'].includes(src.datatype) ? src.datatype : vol.data.dtype === 'int32' ? 'int32' : 'float32');
  if (!(dtype in DTYPE_TO_CODE) || !['uint8', 'int16', 'int32', 'float32', 'float64'].includes(dtype)) throw new MedreconError('INVALID_ARGUMENT', `writeNifti: dtype '${dtype}' cannot be written`);
  const isInt = dtype !== 'float32' && dtype !== 'float64';
  let slope = opts.slope;
  let inter = opts.inter;
  if (slope === undefined && inter === undefined) {
    const ms = src?.sclSlope;
    const keep = ms !== undefined && Number.isFinite(ms) && ms !== 0 && opts.dtype === undefined;
    if (keep) {
      slope = ms;
      inter = Number.isFinite(src?.sclInter ?? NaN) ? src!.sclInter! : 0;
    } else if (isInt) {
      const [lo, hi] = DTYPE_RANGE[dtype];
      ({ slope, inter } = chooseRescale(vol.data.data, lo, hi));
    }
  }
  slope = slope ?? 1;
  inter = inter ?? 0;
  if (!Number.isFinite(slope) || slope === 0 || !Number.isFinite(inter)) throw new MedreconError('INVALID_ARGUMENT', `writeNifti: bad slope/inter ${slope}/${inter}`);
  if (version === 1) for (const d of dims) if (d > 32767) throw new MedreconError('INVALID_ARGUMENT', `writeNifti: dim ${d} exceeds NIfTI-1's 32767; use version 2`);
  const A = spaceOf(vol) === 'LPS' ? affineToSpace(vol.affine, 'LPS', 'RAS') : vol.affine.map((r) => [...r]);
  const q = qformFromAffine(A);
  const hsz = version === 1 ? 348 : 540;
  const voxOffset = hsz + 4;
  const item = DTYPE_BYTES[dtype];
  const n = vol.data.data.length;
  const out = new Uint8Array(voxOffset + n * item);
  const dv = new DataView(out.buffer);
  const fdims = [...dims].reverse();
  const dim = [fdims.length, ...fdims, ...new Array<number>(7 - fdims.length).fill(1)];
  const sp = [...vol.spacing].reverse();
  const pixdim = [q.qfac, ...fdims.map((_, k) => (k < 3 ? q.zooms[k]! : sp[k] ?? 1)), ...new Array<number>(7 - fdims.length).fill(1)];
  for (let k = 0; k < 3 && k < sp.length; k++) if (Number.isFinite(sp[k]!) && sp[k]! > 0 && Math.abs(sp[k]! - q.zooms[k]!) > 1e-4 * sp[k]!) pixdim[k + 1] = q.zooms[k]!;
  const qcode = src?.qformCode !== undefined && src.qformCode > 0 ? src.qformCode : src?.qformCode === 0 && (src.sformCode ?? 0) > 0 ? 0 : 1;
  const scode = src?.sformCode !== undefined && src.sformCode > 0 ? src.sformCode : src?.sformCode === 0 && (src.qformCode ?? 0) > 0 ? 0 : 2;
  const descrip = (opts.description ?? src?.descrip ?? 'medrecon').slice(0, 79);
  const units = src?.xyztUnits ?? 10; // mm + s
  const cal = [src?.calMin ?? 0, src?.calMax ?? 0];
  const putStr = (o: number, s: string, len: number) => {
    for (let i = 0; i < Math.min(s.length, len - 1); i++) out[o + i] = s.charCodeAt(i) & 0x7f;
  };
  if (version === 1) {
    dv.setInt32(0, 348, true);
    out[39] = src?.dimInfo ?? 0;
    dim.forEach((d, k) => dv.setInt16(40 + 2 * k, d, true));
    dv.setInt16(68, src?.intentCode ?? 0, true);
    dv.setInt16(70, DTYPE_TO_CODE[dtype], true);
    dv.setInt16(72, item * 8, true);
    pixdim.forEach((p, k) => dv.setFloat32(76 + 4 * k, p, true));
    dv.setFloat32(108, voxOffset, true);
    dv.setFloat32(112, slope, true);
    dv.setFloat32(116, inter, true);
    out[123] = units;
    dv.setFloat32(124, cal[1]!, true);
    dv.setFloat32(128, cal[0]!, true);
    putStr(148, descrip, 80);
    dv.setInt16(252, qcode, true);
    dv.setInt16(254, scode, true);
    q.quatern.forEach((v, k) => dv.setFloat32(256 + 4 * k, v, true));
    q.qoffset.forEach((v, k) => dv.setFloat32(268 + 4 * k, v, true));
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) dv.setFloat32(280 + 16 * r + 4 * c, A[r]![c]!, true);
    putStr(328, src?.intentName ?? '', 16);
    out.set([0x6e, 0x2b, 0x31, 0], 344);
  } else {
    dv.setInt32(0, 540, true);
    out.set([0x6e, 0x2b, 0x32, 0, 0x0d, 0x0a, 0x1a, 0x0a], 4);
    dv.setInt16(12, DTYPE_TO_CODE[dtype], true);
    dv.setInt16(14, item * 8, true);
    dim.forEach((d, k) => dv.setBigInt64(16 + 8 * k, BigInt(d), true));
    pixdim.forEach((p, k) => dv.setFloat64(104 + 8 * k, p, true));
    dv.setBigInt64(168, BigInt(voxOffset), true);
    dv.setFloat64(176, slope, true);
    dv.setFloat64(184, inter, true);
    dv.setFloat64(192, cal[1]!, true);
    dv.setFloat64(200, cal[0]!, true);
    putStr(240, descrip, 80);
    dv.setInt32(344, qcode, true);
    dv.setInt32(348, scode, true);
    q.quatern.forEach((v, k) => dv.setFloat64(352 + 8 * k, v, true));
    q.qoffset.forEach((v, k) => dv.setFloat64(376 + 8 * k, v, true));
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) dv.setFloat64(400 + 32 * r + 8 * c, A[r]![c]!, true);
    dv.setInt32(500, units, true);
    dv.setInt32(504, src?.intentCode ?? 0, true);
    putStr(508, src?.intentName ?? '', 16);
    out[524] = src?.dimInfo ?? 0;
  }
  // voxels
  const d = vol.data.data;
  const o = voxOffset;
  if (dtype === 'float32') for (let i = 0; i < n; i++) dv.setFloat32(o + 4 * i, (d[i]! - inter) / slope, true);
  else if (dtype === 'float64') for (let i = 0; i < n; i++) dv.setFloat64(o + 8 * i, (d[i]! - inter) / slope, true);
  else {
    const [lo, hi] = DTYPE_RANGE[dtype];
    const q2 = (v: number) => {
      const s = Math.round((v - inter) / slope);
      return Number.isNaN(s) ? 0 : s < lo ? lo : s > hi ? hi : s;
    };
    if (dtype === 'uint8') for (let i = 0; i < n; i++) out[o + i] = q2(d[i]!);
    else if (dtype === 'int16') for (let i = 0; i < n; i++) dv.setInt16(o + 2 * i, q2(d[i]!), true);
    else for (let i = 0; i < n; i++) dv.setInt32(o + 4 * i, q2(d[i]!), true);
  }
  return opts.gzip ? gzipSync(out, { level: 6 }) : out;
}
