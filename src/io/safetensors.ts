/**
 * safetensors codec (the format as documented by its authors):
 *
 *   [u64 LE  N][N bytes of UTF-8 JSON header, space-padded][byte buffer]
 *   header = { "<name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, ...,
 *              "__metadata__": { "<key>": "<string>" } }
 *
 * Offsets are relative to the start of the byte buffer; the tensors must tile the buffer exactly
 * (no holes, no overlap), and every tensor's byte size must equal numel · itemsize. Data is
 * little-endian, row-major. The writer pads the header with spaces so the buffer starts at a
 * multiple of 8 bytes and orders tensors by decreasing alignment, then by name.
 *
 * Supported dtypes: F32 ↔ float32, I32 ↔ int32, BOOL ↔ bool, F16 (read as float32; written from
 * float32 with round-to-nearest-even when asked). Every size is checked against the real byte length
 * before anything is allocated, so a lying header yields `CORRUPT_FILE`, never a huge allocation.
 *
 * @example
 *   const bytes = writeSafetensors({ 'conv.w': w }, { metadata: { model: 'dncnn' } });
 *   const { tensors, metadata } = readSafetensors(bytes);
 */
import { MedreconError } from '../core/errors.js';
import { type HostTensor, sizeOf, tensor } from '../core/tensor.js';
import { type Tree, type TreeDef, flattenTree, treeDefKey, unflattenTree } from '../core/tree.js';

export type SafetensorsDType = 'F32' | 'I32' | 'BOOL' | 'F16';
const ITEMSIZE: Record<SafetensorsDType, number> = { F32: 4, I32: 4, F16: 2, BOOL: 1 };
/** dtypes defined by the format that this build does not decode. */
const OTHER_SPEC_DTYPES = new Set(['F64', 'BF16', 'I64', 'I16', 'I8', 'U8', 'U16', 'U32', 'U64', 'F8_E4M3', 'F8_E5M2']);
/** Largest header accepted (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function corrupt(msg: string, details: Record<string, unknown> = {}): MedreconError {
  return new MedreconError('CORRUPT_FILE', `safetensors: ${msg}`, details);
}

// ------------------------------------------------------------------ float16

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

/** IEEE binary16 bits → number (exact). */
export function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** number → IEEE binary16 bits, rounding the float32 value to nearest, ties to even; overflow → ±Inf. */
export function f32ToF16(v: number): number {
  f32buf[0] = v;
  const x = u32buf[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN (quiet)
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // underflows to ±0
    mant |= 0x800000; // implicit bit
    const shift = 14 - e; // 14..24
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let r = mant >>> shift;
    if (rest > half || (rest === half && (r & 1))) r++;
    return sign | r; // a carry into bit 10 gives the smallest normal, which is correct
  }
  let r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (r & 1))) r++; // a carry may overflow into Inf: correct
  return sign | r;
}

// ------------------------------------------------------------------ read

export interface SafetensorsFile {
  readonly tensors: Record<string, HostTensor>;
  readonly metadata: Record<string, string>;
  /** The stored dtype of each tensor (F16 tensors are returned as float32). */
  readonly storedDtypes: Record<string, SafetensorsDType>;
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Decode safetensors bytes. Throws CORRUPT_FILE on any inconsistency, UNSUPPORTED for valid dtypes we do not decode. */
export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) throw corrupt(`file too short (${bytes.length} bytes)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  const n = hi * 4294967296 + lo;
  if (n > MAX_HEADER_BYTES) throw corrupt(`header length ${n} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  if (8 + n > bytes.length) throw corrupt(`header length ${n} exceeds the file (${bytes.length} bytes)`);
  if (n < 2) throw corrupt(`header length ${n} is too small`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw corrupt(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (!isObj(header)) throw corrupt('header is not a JSON object');
  const bufStart = 8 + n;
  const bufLen = bytes.length - bufStart;

  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isObj(v)) throw corrupt('__metadata__ must be an object of strings');
      for (const [k, s] of Object.entries(v)) {
        if (typeof s !== 'string') throw corrupt(`__metadata__.${k} is not a string`);
        metadata[k] = s;
      }
      continue;
    }
    if (!isObj(v)) throw corrupt(`entry '${name}' is not an object`);
    const { dtype, shape, data_offsets: off } = v;
    if (typeof dtype !== 'string') throw corrupt(`entry '${name}' has no dtype`);
    if (!(dtype in ITEMSIZE)) {
      if (OTHER_SPEC_DTYPES.has(dtype)) throw new MedreconError('UNSUPPORTED', `safetensors: dtype ${dtype} of '${name}' is not supported (F32, I32, BOOL, F16)`, { name, dtype });
      throw corrupt(`entry '${name}' has unknown dtype '${dtype}'`, { name, dtype });
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) throw corrupt(`entry '${name}' has an invalid shape`);
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) throw corrupt(`entry '${name}' has invalid data_offsets`);
    const [begin, end] = off as [number, number];
    if (begin > end || end > bufLen) throw corrupt(`entry '${name}' offsets [${begin}, ${end}] lie outside the ${bufLen}-byte buffer`, { name });
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(numel) || numel * ITEMSIZE[dtype as SafetensorsDType] !== end - begin) {
      throw corrupt(`entry '${name}' has ${end - begin} bytes but shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${numel * ITEMSIZE[dtype as SafetensorsDType]}`, { name });
    }
    entries.push({ name, dtype: dtype as SafetensorsDType, shape: shape as number[], begin, end });
  }
  // The tensors must tile the buffer: sorted by offset, each starts where the previous ended.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of sorted) {
    if (e.begin !== pos) throw corrupt(e.begin < pos ? `entry '${e.name}' overlaps the previous tensor` : `hole in the byte buffer before '${e.name}'`);
    pos = e.end;
  }
  if (pos !== bufLen) throw corrupt(`byte buffer has ${bufLen} bytes but the tensors cover ${pos}`);

  const tensors: Record<string, HostTensor> = {};
  const storedDtypes: Record<string, SafetensorsDType> = {};
  for (const e of entries) {
    const raw = bytes.subarray(bufStart + e.begin, bufStart + e.end);
    tensors[e.name] = decode(e.dtype, e.shape, raw);
    storedDtypes[e.name] = e.dtype;
  }
  return { tensors, metadata, storedDtypes };
}

/** An owned copy starting at offset 0 (Node's Buffer.slice returns a view, so do not use it). */
function ownedCopy(raw: Uint8Array): ArrayBuffer {
  const c = new Uint8Array(raw.length);
  c.set(raw);
  return c.buffer;
}

function decode(dtype: SafetensorsDType, shape: number[], raw: Uint8Array): HostTensor {
  const n = sizeOf(shape);
  const rdv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (dtype) {
    case 'F32': {
      const a = LITTLE_ENDIAN_HOST ? new Float32Array(ownedCopy(raw)) : new Float32Array(n);
      if (!LITTLE_ENDIAN_HOST) for (let i = 0; i < n; i++) a[i] = rdv.getFloat32(4 * i, true);
      return tensor(shape, a, 'float32');
    }
    case 'I32': {
      const a = LITTLE_ENDIAN_HOST ? new Int32Array(ownedCopy(raw)) : new Int32Array(n);
      if (!LITTLE_ENDIAN_HOST) for (let i = 0; i < n; i++) a[i] = rdv.getInt32(4 * i, true);
      return tensor(shape, a, 'int32');
    }
    case 'F16': {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = f16ToF32(rdv.getUint16(2 * i, true));
      return tensor(shape, a, 'float32');
    }
    case 'BOOL': {
      const a = new Uint8Array(n);
      for (let i = 0; i < n; i++) a[i] = raw[i] ? 1 : 0;
      return tensor(shape, a, 'bool');
    }
  }
}

// ------------------------------------------------------------------ write

export interface WriteSafetensorsOptions {
  /** String key/value pairs stored under `__metadata__`. */
  metadata?: Record<string, string>;
  /** Store float32 tensors as F16: all of them (`true`) or those for which the predicate holds. */
  float16?: boolean | ((name: string) => boolean);
}

/** Encode a flat record of host tensors. Names must be non-empty and not `__metadata__`. */
export function writeSafetensors(tensors: Readonly<Record<string, HostTensor>>, opts: WriteSafetensorsOptions = {}): Uint8Array {
  const f16 = opts.float16 ?? false;
  const items = Object.entries(tensors).map(([name, t]) => {
    if (name.length === 0 || name === '__metadata__') throw new MedreconError('INVALID_ARGUMENT', `safetensors: invalid tensor name '${name}'`);
    const st: SafetensorsDType =
      t.dtype === 'int32' ? 'I32' : t.dtype === 'bool' ? 'BOOL' : (typeof f16 === 'function' ? f16(name) : f16) ? 'F16' : 'F32';
    if (t.data.length !== sizeOf(t.dims)) throw new MedreconError('SHAPE_MISMATCH', `safetensors: '${name}' has ${t.data.length} elements for dims [${t.dims.join(', ')}]`);
    return { name, t, st, nbytes: t.data.length * ITEMSIZE[st] };
  });
  items.sort((a, b) => ITEMSIZE[b.st] - ITEMSIZE[a.st] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (opts.metadata && Object.keys(opts.metadata).length > 0) {
    for (const [k, v] of Object.entries(opts.metadata)) if (typeof v !== 'string') throw new MedreconError('INVALID_ARGUMENT', `safetensors: metadata '${k}' must be a string`);
    header.__metadata__ = { ...opts.metadata };
  }
  let off = 0;
  for (const it of items) {
    header[it.name] = { dtype: it.st, shape: [...it.t.dims], data_offsets: [off, off + it.nbytes] };
    off += it.nbytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + off);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, json.length, true);
  dv.setUint32(4, 0, true);
  out.set(json, 8);
  let p = 8 + json.length;
  for (const { t, st } of items) {
    const d = t.data;
    if (st === 'F32') for (let i = 0; i < d.length; i++, p += 4) dv.setFloat32(p, d[i]!, true);
    else if (st === 'I32') for (let i = 0; i < d.length; i++, p += 4) dv.setInt32(p, d[i]!, true);
    else if (st === 'F16') for (let i = 0; i < d.length; i++, p += 2) dv.setUint16(p, f32ToF16(d[i]!), true);
    else for (let i = 0; i < d.length; i++, p += 1) out[p] = d[i] ? 1 : 0;
  }
  return out;
}

// ------------------------------------------------------------------ parameter trees

/** True for a HostTensor-shaped value (dtype, dims array and a typed array). */
export function isHostTensor(x: unknown): x is HostTensor {
  if (typeof x !== 'object' || x === null) return false;
  const t = x as { dtype?: unknown; dims?: unknown; data?: unknown };
  return typeof t.dtype === 'string' && Array.isArray(t.dims) && (t.data instanceof Float32Array || t.data instanceof Int32Array || t.data instanceof Uint8Array);
}

/** JSON-serialisable configuration value. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [k: string]: JsonValue };

export interface ParamsFile {
  /** The tensors, named by the dotted paths of the tree (`layers.0.w`). */
  readonly safetensors: Uint8Array;
  /** `{ format: 'medrecon-params', version: 1, config, tree }`, pretty-printed. */
  readonly configJson: string;
}

const FORMAT = 'medrecon-params';

/**
 * Save a parameter tree (nested objects/arrays of HostTensor) and a JSON config. Tensor names are
 * the tree's dotted paths; the tree structure is kept in the JSON so arrays come back as arrays.
 *
 * @example
 *   const { safetensors, configJson } = saveParams(params, { model: 'dncnn', width: 32 });
 *   const back = loadParams(safetensors, configJson); // back.params deep-equals params
 */
export function saveParams(tree: Tree<HostTensor>, config: JsonValue = null, opts: WriteSafetensorsOptions = {}): ParamsFile {
  const { leaves, def, paths } = flattenTree(tree, isHostTensor);
  const flat: Record<string, HostTensor> = {};
  paths.forEach((p, i) => {
    const name = p === '' ? '__root__' : p;
    if (name in flat) throw new MedreconError('INVALID_ARGUMENT', `saveParams: two leaves share the path '${name}' (keys must not contain '.')`);
    flat[name] = leaves[i]!;
  });
  const metadata = { ...(opts.metadata ?? {}), format: FORMAT, tree: treeDefKey(def) };
  const safetensors = writeSafetensors(flat, { ...opts, metadata });
  const configJson = JSON.stringify({ format: FORMAT, version: 1, config, tree: def, names: paths.map((p) => (p === '' ? '__root__' : p)) }, null, 2);
  return { safetensors, configJson };
}

function isTreeDef(x: unknown): x is TreeDef {
  if (!isObj(x)) return false;
  if (x.kind === 'leaf') return true;
  if (x.kind === 'array') return Array.isArray(x.children) && x.children.every(isTreeDef);
  if (x.kind === 'object') return Array.isArray(x.keys) && x.keys.every((k) => typeof k === 'string') && Array.isArray(x.children) && x.children.length === x.keys.length && x.children.every(isTreeDef);
  return false;
}

/** Inverse of `saveParams`. Throws CORRUPT_FILE when the JSON and the tensors do not match. */
export function loadParams<C extends JsonValue = JsonValue>(bytes: Uint8Array, configJson: string): { params: Tree<HostTensor>; config: C; metadata: Record<string, string> } {
  let j: unknown;
  try {
    j = JSON.parse(configJson);
  } catch (e) {
    throw corrupt(`params JSON does not parse (${(e as Error).message})`);
  }
  if (!isObj(j) || j.format !== FORMAT || j.version !== 1 || !isTreeDef(j.tree) || !Array.isArray(j.names)) throw corrupt(`params JSON is not a ${FORMAT} v1 document`);
  const { tensors, metadata } = readSafetensors(bytes);
  const def = j.tree;
  if (metadata.tree !== undefined && metadata.tree !== treeDefKey(def)) throw corrupt('the tree structure in the JSON does not match the safetensors metadata');
  const names = j.names as unknown[];
  const leaves = names.map((nm) => {
    if (typeof nm !== 'string' || !(nm in tensors)) throw corrupt(`tensor '${String(nm)}' named in the JSON is missing from the safetensors file`);
    return tensors[nm]!;
  });
  if (Object.keys(tensors).length !== leaves.length) throw corrupt(`safetensors file has ${Object.keys(tensors).length} tensors, the JSON names ${leaves.length}`);
  let params: Tree<HostTensor>;
  try {
    params = unflattenTree(def, leaves);
  } catch (e) {
    throw corrupt(`tree structure does not match the tensors (${(e as Error).message})`);
  }
  return { params, config: j.config as C, metadata };
}

