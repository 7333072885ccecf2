/**
 * fastMRI HDF5 codec (read and write), on bytes, through h5wasm's in-memory file system.
 *
 * Layout (as the fastMRI dataset stores it, written by h5py):
 * - `kspace`: complex64, `[slices, coils, H, W]` (multi-coil) or `[slices, H, W]` (single-coil). h5py
 *   stores complex64 as an HDF5 compound `{r: <f4, i: <f4}` (8 bytes, r at offset 0, i at 4); we
 *   read and write exactly that, so h5py reads our files as `complex64`. On the JS side k-space is
 *   a float32 HostTensor with a trailing (re, im) axis: `[slices, coils, H, W, 2]` / `[slices, H, W, 2]`.
 *   Also accepted on read: compound `{r, i}` of float64 (→ float32), `{real, imag}` member names, and
 *   a plain float dataset whose last axis is 2.
 * - `reconstruction_rss` / `reconstruction_esc`: float32 `[slices, H', W']` (H' = W' = 320 in fastMRI).
 * - `ismrmrd_header`: a string dataset with the ISMRMRD XML header; `header` holds its parsed
 *   encoded/recon matrix sizes, fields of view and the phase-encode limits.
 * - `mask` (test sets): float/bool `[W]` sampling mask.
 * - Root attributes: `max` (max of the reconstruction volume), `norm`, `acquisition`, `patient_id`,
 *   and in test sets `acceleration`, `num_low_frequency`.
 *
 * Reading copies the bytes into h5wasm's MEMFS, opens the file, reads k-space slice by slice
 * (so the wasm heap holds one slice at a time), then closes and unlinks it. HDF5 errors are
 * turned into `MedreconError('CORRUPT_FILE')` (h5wasm's throwing error handler is switched on
 * only for the duration of our calls, so nothing is printed to stderr). A decoded size above
 * `maxBytes` (default 2 GiB) is refused before any allocation, so a lying header cannot
 * allocate gigabytes.
 *
 * In the browser the same code works once h5wasm's wasm has loaded (the functions are async and
 * await `h5wasm.ready`).
 *
 * @example
 *   const f = await readFastMri(readFileSync('file1000001.h5'));
 *   f.kspace.dims;              // [36, 15, 640, 368, 2]  (slices, coils, H, W, re/im)
 *   f.header?.encodedSize;      // [640, 368, 1]
 *   const bytes = await writeFastMri({ kspace: f.kspace, attrs: { acquisition: 'CORPD_FBK' } });
 */
import h5wasm from 'h5wasm';
import { MedreconError } from '../core/errors.js';
import { type HostTensor, sizeOf, tensor } from '../core/tensor.js';

/** The ISMRMRD header fields fastMRI code reads. Sizes are `[x, y, z]` as in the XML. */
export interface FastMriHeader {
  /** `encoding/encodedSpace/matrixSize` [x, y, z], e.g. [640, 368, 1]. */
  readonly encodedSize: readonly [number, number, number];
  /** `encoding/reconSpace/matrixSize` [x, y, z], e.g. [320, 320, 1]. */
  readonly reconSize: readonly [number, number, number];
  /** `encoding/encodedSpace/fieldOfView_mm` [x, y, z]. */
  readonly encodedFovMm?: readonly [number, number, number];
  /** `encoding/reconSpace/fieldOfView_mm` [x, y, z]. */
  readonly reconFovMm?: readonly [number, number, number];
  /** `encoding/encodingLimits/kspace_encoding_step_1` {minimum, maximum, center} (phase encodes). */
  readonly phaseEncodeLimits?: { readonly minimum: number; readonly maximum: number; readonly center: number };
  /** `acquisitionSystemInformation/systemVendor`, `systemModel`, `systemFieldStrength_T`. */
  readonly systemVendor?: string;
  readonly systemModel?: string;
  readonly fieldStrengthT?: number;
}

/** A root attribute value: a number, a string, or a small numeric array. */
export type Hdf5AttrValue = number | string | readonly number[];

/** Root attributes of a fastMRI file (known keys typed, others kept). */
export interface FastMriAttrs {
  readonly max?: number;
  readonly norm?: number;
  readonly acquisition?: string;
  readonly patient_id?: string;
  readonly acceleration?: number;
  readonly num_low_frequency?: number;
  readonly [key: string]: Hdf5AttrValue | undefined;
}

export interface FastMriFile {
  /** float32 `[slices, coils, H, W, 2]` (multi-coil) or `[slices, H, W, 2]` (single-coil). */
  readonly kspace: HostTensor<'float32'>;
  readonly multicoil: boolean;
  /** `reconstruction_rss` / `reconstruction_esc` as float32 `[slices, H', W']` when present. */
  readonly reconstruction?: { readonly rss?: HostTensor<'float32'>; readonly esc?: HostTensor<'float32'> };
  /** The `mask` dataset (test sets) as float32 when present. */
  readonly mask?: HostTensor<'float32'>;
  /** Parsed `ismrmrd_header` (absent when the file has no header or it lacks the matrix sizes). */
  readonly header?: FastMriHeader;
  /** The raw ISMRMRD XML. */
  readonly headerXml?: string;
  readonly attrs: FastMriAttrs;
}

export interface ReadFastMriOptions {
  /** Refuse files whose decoded arrays exceed this many bytes (default 2 GiB). */
  readonly maxBytes?: number;
  /** Read only slices [start, stop) of k-space and reconstructions. */
  readonly slices?: readonly [number, number];
}

export interface WriteFastMriInput {
  /** float32 `[slices, coils, H, W, 2]` or `[slices, H, W, 2]`. */
  readonly kspace: HostTensor<'float32'>;
  readonly reconstruction?: { readonly rss?: HostTensor<'float32'>; readonly esc?: HostTensor<'float32'> };
  readonly mask?: HostTensor;
  /** Header XML to store verbatim; else one is generated from `header` (or from the shapes). */
  readonly headerXml?: string;
  readonly header?: Partial<FastMriHeader>;
  /** Root attributes; `max` defaults to the max of `reconstruction.rss`/`esc` when one is given. */
  readonly attrs?: FastMriAttrs;
  /** gzip level 1–9 for k-space and reconstructions (chunked by slice); default: no compression. */
  readonly compression?: number;
}

/** One dataset of an HDF5 file, as `medrecon info` shows it. */
export interface Hdf5DatasetInfo {
  readonly path: string;
  readonly shape: readonly number[] | null;
  /** numpy-like type string: '<f4', '<f8', '<i4', 'complex64' ({r,i} of f4), 'string', 'compound', ... */
  readonly dtype: string;
  readonly attrs: Readonly<Record<string, Hdf5AttrValue>>;
}

export interface Hdf5Summary {
  readonly groups: readonly string[];
  readonly datasets: readonly Hdf5DatasetInfo[];
  readonly attrs: Readonly<Record<string, Hdf5AttrValue>>;
}

// ---------------------------------------------------------------------------------------------
// h5wasm plumbing

type H5Module = Awaited<typeof h5wasm.ready>;
type H5Metadata = ReturnType<H5Module['get_dataset_metadata']>;

const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;
const H5T_COMPOUND = 6;
const DEFAULT_MAX_BYTES = 2 ** 31;
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

let fileCounter = 0;

function corrupt(msg: string, cause?: unknown): MedreconError {
  return new MedreconError('CORRUPT_FILE', `hdf5: ${msg}`, {}, cause === undefined ? undefined : { cause });
}

/** The most telling line of an HDF5 error stack (or of any error). */
function briefError(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  const lines = s.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  // HDF5 stacks end with the innermost cause: "#006: ... in H5F__super_read(): file signature not found"
  const frames = lines.filter((l) => /^#\d+:/.test(l));
  if (frames.length > 0) {
    const last = frames[frames.length - 1]!;
    const m = /in (\w+)\(\): (.*)$/.exec(last);
    return m ? `${m[2]} (${m[1]})` : last;
  }
  return lines[0] ?? 'unknown error';
}

/** Whether the bytes carry the HDF5 superblock signature at 0, 512, 1024, 2048, ... */
function hasHdf5Signature(bytes: Uint8Array): boolean {
  for (let off = 0; off + 8 <= bytes.length; off = off === 0 ? 512 : off * 2) {
    let ok = true;
    for (let i = 0; i < 8; i++) if (bytes[off + i] !== HDF5_SIGNATURE[i]) { ok = false; break; }
    if (ok) return true;
  }
  return false;
}

/** Whether these bytes look like an HDF5 file (signature check only; no parsing). */
export function isHdf5(bytes: Uint8Array): boolean {
  return hasHdf5Signature(bytes);
}

async function module(): Promise<H5Module> {
  try {
    return await h5wasm.ready;
  } catch (e) {
    throw new MedreconError('UNSUPPORTED', `hdf5: h5wasm could not load its wasm (${briefError(e)})`, {}, { cause: e });
  }
}

/** Run `fn` with h5wasm's throwing error handler active (HDF5 errors become exceptions, no stderr). */
function withThrowing<T>(M: H5Module, fn: () => T): T {
  M.activate_throwing_error_handler();
  try {
    return fn();
  } finally {
    M.deactivate_throwing_error_handler();
  }
}

/** Open `bytes` read-only in MEMFS, run `fn`, always close and unlink. Errors → CORRUPT_FILE. */
async function withOpenFile<T>(bytes: Uint8Array, fn: (f: InstanceType<typeof h5wasm.File>, M: H5Module) => T): Promise<T> {
  if (!(bytes instanceof Uint8Array)) throw new MedreconError('INVALID_ARGUMENT', 'hdf5: expected a Uint8Array');
  if (!hasHdf5Signature(bytes)) throw corrupt(`not an HDF5 file (no signature; ${bytes.length} bytes)`);
  const M = await module();
  const name = `/medrecon-read-${++fileCounter}.h5`;
  M.FS.writeFile(name, bytes);
  let file: InstanceType<typeof h5wasm.File> | undefined;
  try {
    return withThrowing(M, () => {
      file = new h5wasm.File(name, 'r');
      return fn(file, M);
    });
  } catch (e) {
    if (e instanceof MedreconError) throw e;
    throw corrupt(briefError(e), e);
  } finally {
    try {
      if (file) withThrowing(M, () => file!.close());
    } catch {
      /* a file that failed to open has nothing to close */
    }
    try {
      M.FS.unlink(name);
    } catch {
      /* already gone */
    }
  }
}

function isDataset(x: unknown): x is InstanceType<typeof h5wasm.Dataset> {
  return x instanceof h5wasm.Dataset;
}

function getDataset(f: InstanceType<typeof h5wasm.File>, path: string): InstanceType<typeof h5wasm.Dataset> | undefined {
  if (!f.keys().includes(path)) return undefined;
  const d = f.get(path);
  return isDataset(d) ? d : undefined;
}

function dtypeString(m: H5Metadata): string {
  if (m.type === H5T_COMPOUND) {
    const members = m.compound_type?.members ?? [];
    const names = members.map((x) => x.name).join(',');
    if (members.length === 2 && members.every((x) => x.type === H5T_FLOAT)) {
      if (/^(r,i|real,imag)$/.test(names)) return members[0]!.size === 4 ? 'complex64' : 'complex128';
    }
    return `compound{${names}}`;
  }
  if (m.type === H5T_STRING) return 'string';
  const end = m.size === 1 ? '|' : m.littleEndian ? '<' : '>';
  if (m.type === H5T_FLOAT) return `${end}f${m.size}`;
  if (m.type === H5T_INTEGER) return `${end}${m.signed ? 'i' : 'u'}${m.size}`;
  return `class${m.type}`;
}

function toAttrValue(v: unknown): Hdf5AttrValue | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array && v.length < 4096) return Array.from(v);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const arr = Array.from(v as unknown as ArrayLike<number | bigint>, (x) => Number(x));
    return arr.length === 1 ? arr[0]! : arr;
  }
  if (Array.isArray(v)) {
    if (v.length === 1) return toAttrValue(v[0]);
    if (v.every((x) => typeof x === 'number' || typeof x === 'bigint')) return v.map((x) => Number(x));
    if (v.every((x) => typeof x === 'string')) return v.join(', ');
  }
  return undefined;
}

function readAttrs(obj: { attrs: Record<string, { value: unknown }> }): Record<string, Hdf5AttrValue> {
  const out: Record<string, Hdf5AttrValue> = {};
  for (const [k, a] of Object.entries(obj.attrs)) {
    let v: unknown;
    try {
      v = a.value;
    } catch {
      continue; // an attribute type h5wasm cannot decode: skip it
    }
    const c = toAttrValue(v);
    if (c !== undefined) out[k] = c;
  }
  return out;
}

/** Read a numeric dataset as float32 (all of it, or rows [s0, s1) of its first axis). */
function readFloat(d: InstanceType<typeof h5wasm.Dataset>, name: string, maxBytes: number, rows?: readonly [number, number]): HostTensor<'float32'> {
  const m = d.metadata;
  const shape = [...(m.shape ?? [])];
  if (m.type !== H5T_FLOAT && m.type !== H5T_INTEGER) throw corrupt(`${name}: expected a numeric dataset, got ${dtypeString(m)}`);
  if (rows && shape.length > 0) shape[0] = rows[1] - rows[0];
  const n = sizeOf(shape);
  if (n * m.size > maxBytes) throw corrupt(`${name}: ${n * m.size} bytes exceed the limit of ${maxBytes}`);
  const raw = rows && shape.length > 0 ? d.slice([[rows[0], rows[1]]]) : d.value;
  if (!ArrayBuffer.isView(raw) || raw instanceof DataView) throw corrupt(`${name}: could not read numeric data`);
  const arr = raw as unknown as ArrayLike<number | bigint>;
  if (arr.length !== n) throw corrupt(`${name}: read ${arr.length} values, shape needs ${n}`);
  const out = raw instanceof Float32Array ? raw : Float32Array.from(arr, (x) => Number(x));
  return tensor(shape, out);
}

/** Read complex k-space as float32 [..., 2], one first-axis slice at a time through the wasm heap. */
function readComplex(
  f: InstanceType<typeof h5wasm.File>,
  M: H5Module,
  path: string,
  maxBytes: number,
  rows?: readonly [number, number],
): { data: Float32Array; shape: number[] } {
  const d = getDataset(f, path)!;
  const m = d.metadata;
  const fileShape = m.shape;
  if (!fileShape || fileShape.length < 2) throw corrupt(`${path}: expected at least 2 dims, got [${(fileShape ?? []).join(', ')}]`);
  let rOff = 0;
  let iOff = 0;
  let width = 4;
  let elemShape: number[];
  let plainFloat = false;
  if (m.type === H5T_COMPOUND) {
    const mem = m.compound_type?.members ?? [];
    const re = mem.find((x) => x.name === 'r' || x.name === 'real');
    const im = mem.find((x) => x.name === 'i' || x.name === 'imag');
    if (!re || !im || re.type !== H5T_FLOAT || im.type !== H5T_FLOAT || re.size !== im.size || (re.size !== 4 && re.size !== 8)) {
      throw corrupt(`${path}: compound type ${dtypeString(m)} is not complex {r, i}`);
    }
    rOff = re.offset;
    iOff = im.offset;
    width = re.size;
    elemShape = [...fileShape];
  } else if (m.type === H5T_FLOAT && fileShape[fileShape.length - 1] === 2 && (m.size === 4 || m.size === 8)) {
    plainFloat = true;
    width = m.size;
    elemShape = fileShape.slice(0, -1);
  } else {
    throw corrupt(`${path}: expected complex data, got ${dtypeString(m)} [${fileShape.join(', ')}]`);
  }
  const s0 = rows ? rows[0] : 0;
  const s1 = rows ? rows[1] : fileShape[0]!;
  if (!(Number.isInteger(s0) && Number.isInteger(s1) && 0 <= s0 && s0 < s1 && s1 <= fileShape[0]!)) {
    throw new MedreconError('INVALID_ARGUMENT', `hdf5: slices [${s0}, ${s1}) out of range for ${fileShape[0]} slices`);
  }
  const perSlice = sizeOf(elemShape.slice(1)); // complex elements per first-axis slice
  const nSlices = s1 - s0;
  const outBytes = nSlices * perSlice * 8;
  if (!Number.isSafeInteger(outBytes) || outBytes > maxBytes || perSlice * m.size > M.MAXIMUM_MEMORY / 2) {
    throw corrupt(`${path}: ${nSlices} × [${elemShape.slice(1).join(', ')}] complex exceeds the limit of ${maxBytes} bytes`);
  }
  const out = new Float32Array(nSlices * perSlice * 2);
  const sliceBytes = perSlice * (plainFloat ? 2 * width : m.size);
  const ptr = M._malloc(Math.max(1, sliceBytes));
  if (!ptr) throw corrupt(`${path}: could not allocate ${sliceBytes} bytes in the wasm heap`);
  try {
    const count = fileShape.map((n, i) => BigInt(i === 0 ? 1 : n));
    const strides = fileShape.map(() => 1n);
    for (let s = 0; s < nSlices; s++) {
      const offset = fileShape.map((_, i) => BigInt(i === 0 ? s0 + s : 0));
      const status = M.get_dataset_data(f.file_id, path, count, offset, strides, BigInt(ptr));
      if (status < 0) throw corrupt(`${path}: read of slice ${s0 + s} failed`);
      // HEAPU8 may be replaced when memory grows: take the view after the read
      const view = new DataView(M.HEAPU8.buffer, M.HEAPU8.byteOffset + ptr, sliceBytes);
      const base = s * perSlice * 2;
      const stride = plainFloat ? 2 * width : m.size;
      const io = plainFloat ? width : iOff;
      const ro = plainFloat ? 0 : rOff;
      if (width === 4) {
        for (let k = 0; k < perSlice; k++) {
          out[base + 2 * k] = view.getFloat32(k * stride + ro, true);
          out[base + 2 * k + 1] = view.getFloat32(k * stride + io, true);
        }
      } else {
        for (let k = 0; k < perSlice; k++) {
          out[base + 2 * k] = view.getFloat64(k * stride + ro, true);
          out[base + 2 * k + 1] = view.getFloat64(k * stride + io, true);
        }
      }
    }
  } finally {
    M._free(ptr);
  }
  return { data: out, shape: [nSlices, ...elemShape.slice(1), 2] };
}

function readString(d: InstanceType<typeof h5wasm.Dataset>): string | undefined {
  const v: unknown = d.value;
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// ISMRMRD header

function xmlBlock(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<(?:\\w+:)?${tag}\\b[^>]*>([\\s\\S]*?)</(?:\\w+:)?${tag}>`).exec(xml);
  return m ? m[1] : undefined;
}

function xmlNumber(xml: string | undefined, tag: string): number | undefined {
  if (xml === undefined) return undefined;
  const v = xmlBlock(xml, tag);
  if (v === undefined) return undefined;
  const n = Number(v.trim());
  return Number.isFinite(n) ? n : undefined;
}

function xyz(block: string | undefined): [number, number, number] | undefined {
  if (block === undefined) return undefined;
  const x = xmlNumber(block, 'x');
  const y = xmlNumber(block, 'y');
  const z = xmlNumber(block, 'z');
  return x !== undefined && y !== undefined ? [x, y, z ?? 1] : undefined;
}

/**
 * Parse the ISMRMRD XML header fields fastMRI uses (first `<encoding>` block). Returns undefined
 * when the matrix sizes are missing.
 *
 * @example
 *   parseIsmrmrdHeader(xml)?.encodedSize; // [640, 368, 1]
 */
export function parseIsmrmrdHeader(xml: string): FastMriHeader | undefined {
  const enc = xmlBlock(xml, 'encoding');
  if (enc === undefined) return undefined;
  const encSpace = xmlBlock(enc, 'encodedSpace');
  const recSpace = xmlBlock(enc, 'reconSpace');
  const encodedSize = xyz(encSpace && xmlBlock(encSpace, 'matrixSize'));
  const reconSize = xyz(recSpace && xmlBlock(recSpace, 'matrixSize'));
  if (!encodedSize || !reconSize) return undefined;
  const encodedFovMm = xyz(encSpace && xmlBlock(encSpace, 'fieldOfView_mm'));
  const reconFovMm = xyz(recSpace && xmlBlock(recSpace, 'fieldOfView_mm'));
  const lim = xmlBlock(enc, 'encodingLimits');
  const k1 = lim && xmlBlock(lim, 'kspace_encoding_step_1');
  const min = xmlNumber(k1, 'minimum');
  const max = xmlNumber(k1, 'maximum');
  const center = xmlNumber(k1, 'center');
  const sys = xmlBlock(xml, 'acquisitionSystemInformation');
  const vendor = sys && xmlBlock(sys, 'systemVendor');
  const model = sys && xmlBlock(sys, 'systemModel');
  const field = xmlNumber(sys, 'systemFieldStrength_T');
  return {
    encodedSize,
    reconSize,
    ...(encodedFovMm ? { encodedFovMm } : {}),
    ...(reconFovMm ? { reconFovMm } : {}),
    ...(min !== undefined && max !== undefined && center !== undefined ? { phaseEncodeLimits: { minimum: min, maximum: max, center } } : {}),
    ...(vendor !== undefined ? { systemVendor: vendor.trim() } : {}),
    ...(model !== undefined ? { systemModel: model.trim() } : {}),
    ...(field !== undefined ? { fieldStrengthT: field } : {}),
  };
}

function fmtXyz(tag: string, v: readonly [number, number, number]): string {
  return `<${tag}><x>${v[0]}</x><y>${v[1]}</y><z>${v[2]}</z></${tag}>`;
}

/**
 * A minimal ISMRMRD XML header with the fields `parseIsmrmrdHeader` reads.
 *
 * @example
 *   makeIsmrmrdHeader({ encodedSize: [640, 368, 1], reconSize: [320, 320, 1] });
 */
export function makeIsmrmrdHeader(h: FastMriHeader): string {
  const encFov = h.encodedFovMm ?? [h.encodedSize[0], h.encodedSize[1], 1];
  const recFov = h.reconFovMm ?? [h.reconSize[0], h.reconSize[1], 1];
  const lim = h.phaseEncodeLimits ?? { minimum: 0, maximum: h.encodedSize[1] - 1, center: Math.floor(h.encodedSize[1] / 2) };
  const sys =
    h.systemVendor !== undefined || h.systemModel !== undefined || h.fieldStrengthT !== undefined
      ? `<acquisitionSystemInformation>${h.systemVendor !== undefined ? `<systemVendor>${h.systemVendor}</systemVendor>` : ''}${
          h.systemModel !== undefined ? `<systemModel>${h.systemModel}</systemModel>` : ''
        }${h.fieldStrengthT !== undefined ? `<systemFieldStrength_T>${h.fieldStrengthT}</systemFieldStrength_T>` : ''}</acquisitionSystemInformation>`
      : '';
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n<ismrmrdHeader xmlns="http://www.ismrm.org/ISMRMRD">' +
    sys +
    '<encoding>' +
    `<encodedSpace>${fmtXyz('matrixSize', h.encodedSize)}${fmtXyz('fieldOfView_mm', encFov)}</encodedSpace>` +
    `<reconSpace>${fmtXyz('matrixSize', h.reconSize)}${fmtXyz('fieldOfView_mm', recFov)}</reconSpace>` +
    `<encodingLimits><kspace_encoding_step_1><minimum>${lim.minimum}</minimum><maximum>${lim.maximum}</maximum><center>${lim.center}</center></kspace_encoding_step_1></encodingLimits>` +
    '<trajectory>cartesian</trajectory></encoding></ismrmrdHeader>'
  );
}

// ---------------------------------------------------------------------------------------------
// public API

/**
 * Decode a fastMRI HDF5 file. Throws `CORRUPT_FILE` on a file that is not HDF5, is truncated,
 * lacks `kspace`, or whose arrays exceed `maxBytes`.
 *
 * @example
 *   const { kspace, reconstruction, header, attrs } = await readFastMri(bytes);
 */
export async function readFastMri(bytes: Uint8Array, opts: ReadFastMriOptions = {}): Promise<FastMriFile> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  return withOpenFile(bytes, (f, M) => {
    const keys = f.keys();
    if (!keys.includes('kspace') || !getDataset(f, 'kspace')) throw corrupt(`no 'kspace' dataset (datasets: ${keys.join(', ') || 'none'})`);
    const { data, shape } = readComplex(f, M, 'kspace', maxBytes, opts.slices);
    const multicoil = shape.length === 5;
    if (shape.length !== 4 && shape.length !== 5) throw corrupt(`kspace: expected [slices, (coils,) H, W], got [${shape.slice(0, -1).join(', ')}]`);
    const recon: { rss?: HostTensor<'float32'>; esc?: HostTensor<'float32'> } = {};
    for (const [key, name] of [['rss', 'reconstruction_rss'], ['esc', 'reconstruction_esc']] as const) {
      const d = getDataset(f, name);
      if (d) recon[key] = readFloat(d, name, maxBytes, opts.slices);
    }
    const maskDs = getDataset(f, 'mask');
    const mask = maskDs ? readFloat(maskDs, 'mask', maxBytes) : undefined;
    const hdrDs = getDataset(f, 'ismrmrd_header');
    const headerXml = hdrDs ? readString(hdrDs) : undefined;
    const header = headerXml !== undefined ? parseIsmrmrdHeader(headerXml) : undefined;
    const attrs = readAttrs(f as unknown as { attrs: Record<string, { value: unknown }> });
    return {
      kspace: tensor(shape, data),
      multicoil,
      ...(recon.rss || recon.esc ? { reconstruction: recon } : {}),
      ...(mask ? { mask } : {}),
      ...(header ? { header } : {}),
      ...(headerXml !== undefined ? { headerXml } : {}),
      attrs,
    };
  });
}

function checkComplex(t: HostTensor, where: string): void {
  if (t.dtype !== 'float32') throw new MedreconError('DTYPE_MISMATCH', `${where}: kspace must be float32 with a trailing (re, im) axis`);
  const d = t.dims;
  if ((d.length !== 4 && d.length !== 5) || d[d.length - 1] !== 2) {
    throw new MedreconError('SHAPE_MISMATCH', `${where}: kspace must be [slices, coils, H, W, 2] or [slices, H, W, 2], got [${d.join(', ')}]`);
  }
}

function maxOf(t: HostTensor): number {
  let m = -Infinity;
  for (let i = 0; i < t.data.length; i++) if (t.data[i]! > m) m = t.data[i]!;
  return m;
}

/**
 * Encode a fastMRI-layout HDF5 file (k-space as h5py's complex64 compound `{r, i}`), returning its
 * bytes. h5py reads it back as `complex64`; fastMRI's data loaders read it unchanged.
 *
 * @example
 *   const bytes = await writeFastMri({ kspace, reconstruction: { rss }, attrs: { acquisition: 'CORPD_FBK' } });
 */
export async function writeFastMri(input: WriteFastMriInput): Promise<Uint8Array> {
  const { kspace } = input;
  checkComplex(kspace, 'writeFastMri');
  const slices = kspace.dims[0]!;
  const H = kspace.dims[kspace.dims.length - 3]!;
  const W = kspace.dims[kspace.dims.length - 2]!;
  for (const [k, r] of Object.entries(input.reconstruction ?? {})) {
    if (!r) continue;
    if (r.dtype !== 'float32' || r.dims.length !== 3 || r.dims[0] !== slices) {
      throw new MedreconError('SHAPE_MISMATCH', `writeFastMri: reconstruction.${k} must be float32 [${slices}, H', W'], got [${r.dims.join(', ')}]`);
    }
  }
  const level = input.compression;
  if (level !== undefined && !(Number.isInteger(level) && level >= 1 && level <= 9)) {
    throw new MedreconError('INVALID_ARGUMENT', `writeFastMri: compression must be an integer 1..9, got ${level}`);
  }
  const M = await module();
  const name = `/medrecon-write-${++fileCounter}.h5`;
  try {
    return withThrowing(M, () => {
      const f = new h5wasm.File(name, 'w');
      try {
        const n = kspace.data.length / 2;
        const re = new Float32Array(n);
        const im = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          re[i] = kspace.data[2 * i]!;
          im[i] = kspace.data[2 * i + 1]!;
        }
        const kshape = kspace.dims.slice(0, -1);
        const chunking = (shape: readonly number[]) => (level !== undefined ? { chunks: [1, ...shape.slice(1)], compression: level } : {});
        f.create_dataset({
          name: 'kspace',
          data: new Map<string, Float32Array>([['r', re], ['i', im]]),
          shape: kshape,
          dtype: [['r', '<f'], ['i', '<f']],
          ...chunking(kshape),
        });
        const recon = input.reconstruction ?? {};
        for (const [key, t] of [['reconstruction_rss', recon.rss], ['reconstruction_esc', recon.esc]] as const) {
          if (t) f.create_dataset({ name: key, data: t.data as Float32Array, shape: [...t.dims], dtype: '<f', ...chunking(t.dims) });
        }
        if (input.mask) f.create_dataset({ name: 'mask', data: Float32Array.from(input.mask.data), shape: [...input.mask.dims], dtype: '<f' });
        const hdr: FastMriHeader = {
          encodedSize: input.header?.encodedSize ?? [H, W, 1],
          reconSize: input.header?.reconSize ?? (recon.rss ? [recon.rss.dims[1]!, recon.rss.dims[2]!, 1] : recon.esc ? [recon.esc.dims[1]!, recon.esc.dims[2]!, 1] : [H, W, 1]),
          ...input.header,
        };
        f.create_dataset({ name: 'ismrmrd_header', data: input.headerXml ?? makeIsmrmrdHeader(hdr) });
        const attrs: Record<string, Hdf5AttrValue | undefined> = { ...input.attrs };
        const ref = recon.rss ?? recon.esc;
        if (attrs['max'] === undefined && ref) attrs['max'] = maxOf(ref);
        for (const [k, v] of Object.entries(attrs)) {
          if (v === undefined) continue;
          if (typeof v === 'string') f.create_attribute(k, v);
          else if (typeof v === 'number') f.create_attribute(k, v, null, Number.isInteger(v) && Math.abs(v) < 2 ** 31 && k !== 'max' && k !== 'norm' ? '<i' : '<d');
          else f.create_attribute(k, Float64Array.from(v), [v.length], '<d');
        }
      } finally {
        f.close();
      }
      return new Uint8Array(M.FS.readFile(name));
    });
  } catch (e) {
    if (e instanceof MedreconError) throw e;
    throw new MedreconError('INVALID_ARGUMENT', `hdf5: write failed: ${briefError(e)}`, {}, { cause: e });
  } finally {
    try {
      M.FS.unlink(name);
    } catch {
      /* not created */
    }
  }
}

/**
 * List the groups, datasets (shape, dtype, attributes) and root attributes of any HDF5 file, without
 * reading dataset values.
 *
 * @example
 *   (await inspectHdf5(bytes)).datasets.map((d) => `${d.path} ${d.dtype} [${d.shape}]`);
 */
export async function inspectHdf5(bytes: Uint8Array): Promise<Hdf5Summary> {
  return withOpenFile(bytes, (f, M) => {
    const names = M.get_names(f.file_id, '/', true);
    const groups: string[] = [];
    const datasets: Hdf5DatasetInfo[] = [];
    for (const n of names.slice(0, 10_000)) {
      const e = f.get(n);
      if (isDataset(e)) {
        const m = e.metadata;
        datasets.push({ path: n, shape: m.shape ? [...m.shape] : null, dtype: dtypeString(m), attrs: readAttrs(e as unknown as { attrs: Record<string, { value: unknown }> }) });
      } else if (e instanceof h5wasm.Group) groups.push(n);
    }
    return { groups, datasets, attrs: readAttrs(f as unknown as { attrs: Record<string, { value: unknown }> }) };
  });
}
