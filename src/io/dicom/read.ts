/// <reference path="./dcmjs.d.ts" />
/**
 * DICOM reading: single files (one or many frames) and series (many single-frame files) → Volume.
 *
 * Parsing is dcmjs's (`DicomMessage.readFile`, naturalized datasets); pixel decoding is ours:
 * native pixel data in implicit/explicit VR little endian, deflated explicit LE, explicit VR big
 * endian (byte-swapped here), and RLE Lossless (./rle.ts). Other encapsulated syntaxes (JPEG,
 * JPEG-LS, JPEG 2000, …) throw UNSUPPORTED "unsupported transfer syntax <UID> (<name>)".
 *
 * Values: stored samples are masked to BitsStored (sign-extended when PixelRepresentation = 1) and
 * rescaled `v = RescaleSlope · stored + RescaleIntercept` (per file; also read from the enhanced
 * multi-frame PixelValueTransformationSequence). Result is int32 when every value is an integer,
 * else float32. MONOCHROME1 is NOT inverted (see `meta.dicom.PhotometricInterpretation`).
 *
 * Geometry (`meta.space = 'LPS'`): data dims `[slices, rows, columns]` (`[…, 3]` for RGB);
 * affine columns are rowCos·Δcol (i = column index), colCos·Δrow (j = row index), the step between
 * consecutive slice positions (k), and the first slice's ImagePositionPatient. Slice positions come
 * from ImagePositionPatient (per file, or per frame from PerFrameFunctionalGroupsSequence, or
 * GridFrameOffsetVector for RT dose); without them the slice step is SpacingBetweenSlices or
 * SliceThickness (else 1) along the normal rowCos × colCos.
 *
 * Series sorting: by d = IPP · (rowCos × colCos) when every file has both, else by InstanceNumber,
 * else by name. `meta.window` = first WindowCenter/WindowWidth, for display.
 *
 * @example
 *   const v = readDicom(bytes);                               // one file
 *   const s = readDicomSeries(files.map(f => ({ name: f.name, bytes: f.bytes })));
 *   toPng(slice(s, 10), { window: s.meta.window });
 */
import { data as dcmData, log as dcmLog } from 'dcmjs';
import { MedreconError, checkOptions } from '../../core/errors.js';
import { tensor } from '../../core/tensor.js';
import type { Volume } from '../volume.js';
import { decodeRleFrame } from './rle.js';
import { EXPLICIT_BE, RLE_LOSSLESS, SUPPORTED_TRANSFER_SYNTAXES, transferSyntaxName } from './transfer-syntax.js';

export type Dataset = Record<string, unknown>;

export interface DicomFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

function corrupt(msg: string, details: Record<string, unknown> = {}): MedreconError {
  return new MedreconError('CORRUPT_FILE', `dicom: ${msg}`, details);
}

/** First numeric value of a naturalized element (number, numeric string or array of those). */
export function num(x: unknown): number | undefined {
  const v = Array.isArray(x) ? x[0] : x;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** All numeric values of a multi-valued element, or undefined unless exactly `len` are numbers. */
export function nums(x: unknown, len: number): number[] | undefined {
  const arr = Array.isArray(x) ? x : typeof x === 'string' ? x.split('\\') : x === undefined ? [] : [x];
  const out = arr.map((v) => num(v));
  if (out.length !== len || out.some((v) => v === undefined)) return undefined;
  return out as number[];
}

function item(x: unknown): Dataset | undefined {
  const v = Array.isArray(x) ? x[0] : x;
  return v && typeof v === 'object' && !(v instanceof ArrayBuffer) ? (v as Dataset) : undefined;
}

/**
 * Parse one DICOM Part-10 file with dcmjs. Returns the naturalized dataset, its transfer syntax and
 * dcmjs's validation messages (`warnings`, e.g. an element longer than the file: dcmjs then reads
 * what is there; pixel data is checked for completeness separately). dcmjs's console logging is
 * silenced for the call.
 */
export function parseDicom(bytes: Uint8Array): { dataset: Dataset; transferSyntax: string; warnings: string[] } {
  if (bytes.length < 132 || bytes[128] !== 0x44 || bytes[129] !== 0x49 || bytes[130] !== 0x43 || bytes[131] !== 0x4d) {
    throw corrupt('not a DICOM Part-10 file (no "DICM" after the 128-byte preamble)');
  }
  const ab = bytes.slice().buffer;
  // dcmjs logs to the console; silence it and keep its validation messages as parse warnings.
  const vlog = dcmLog.getLogger('validation.dcmjs');
  const level = dcmLog.getLevel();
  const [warn0, error0] = [vlog.warn, vlog.error];
  const warnings: string[] = [];
  dcmLog.setLevel('silent', false);
  vlog.warn = vlog.error = (...a: unknown[]) => {
    if (warnings.length < 20) warnings.push(a.map(String).join(' '));
  };
  let ds: Dataset;
  let meta: Dataset;
  try {
    const msg = dcmData.DicomMessage.readFile(ab);
    ds = dcmData.DicomMetaDictionary.naturalizeDataset(msg.dict);
    meta = dcmData.DicomMetaDictionary.naturalizeDataset(msg.meta);
  } catch (e) {
    if (e instanceof MedreconError) throw e;
    throw new MedreconError('CORRUPT_FILE', `dicom: parse failed (${(e as Error)?.message ?? String(e)})`, {}, { cause: e });
  } finally {
    dcmLog.setLevel(level, false);
    vlog.warn = warn0;
    vlog.error = error0;
  }
  const ts = typeof meta['TransferSyntaxUID'] === 'string' ? (meta['TransferSyntaxUID'] as string).replace(/\0/g, '').trim() : '';
  if (!ts) throw corrupt('missing TransferSyntaxUID');
  return { dataset: ds, transferSyntax: ts, warnings };
}

interface PixelLayout {
  rows: number;
  cols: number;
  frames: number;
  spp: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  signed: boolean;
  planar: boolean;
}

function layoutOf(ds: Dataset): PixelLayout {
  const rows = num(ds['Rows']);
  const cols = num(ds['Columns']);
  const frames = num(ds['NumberOfFrames']) ?? 1;
  const spp = num(ds['SamplesPerPixel']) ?? 1;
  const ba = num(ds['BitsAllocated']);
  if (rows === undefined || cols === undefined || ba === undefined) throw corrupt('missing Rows, Columns or BitsAllocated');
  for (const [k, v, hi] of [['Rows', rows, 65535], ['Columns', cols, 65535], ['NumberOfFrames', frames, 2 ** 31 - 1]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > hi) throw corrupt(`bad ${k} ${v}`);
  }
  if (spp !== 1 && spp !== 3) throw new MedreconError('UNSUPPORTED', `dicom: SamplesPerPixel ${spp} is not supported (1 or 3)`);
  if (ba !== 8 && ba !== 16 && ba !== 32) throw new MedreconError('UNSUPPORTED', `dicom: BitsAllocated ${ba} is not supported (8, 16 or 32)`);
  const bs = num(ds['BitsStored']) ?? ba;
  const hb = num(ds['HighBit']) ?? bs - 1;
  if (!(bs >= 1 && bs <= ba && hb >= bs - 1 && hb < ba)) throw corrupt(`bad BitsStored ${bs} / HighBit ${hb} for BitsAllocated ${ba}`);
  return { rows, cols, frames, spp, bitsAllocated: ba, bitsStored: bs, highBit: hb, signed: num(ds['PixelRepresentation']) === 1, planar: num(ds['PlanarConfiguration']) === 1 };
}

function pixelFragments(ds: Dataset): ArrayBuffer[] {
  const pd = ds['PixelData'];
  const arr = Array.isArray(pd) ? pd : pd instanceof ArrayBuffer ? [pd] : undefined;
  if (!arr || arr.length === 0 || !arr.every((x) => x instanceof ArrayBuffer)) {
    if (ds['FloatPixelData'] !== undefined || ds['DoubleFloatPixelData'] !== undefined) throw new MedreconError('UNSUPPORTED', 'dicom: float pixel data is not supported');
    throw corrupt('no PixelData');
  }
  return arr as ArrayBuffer[];
}

/** Decode all frames to stored sample values (after BitsStored masking), pixel-interleaved. */
function decodeStored(ds: Dataset, ts: string, L: PixelLayout): Float64Array {
  if (!SUPPORTED_TRANSFER_SYNTAXES.includes(ts)) {
    throw new MedreconError('UNSUPPORTED', `unsupported transfer syntax ${ts} (${transferSyntaxName(ts)})`, { transferSyntax: ts });
  }
  const frags = pixelFragments(ds);
  const bps = L.bitsAllocated / 8;
  const framePixels = L.rows * L.cols;
  const frameBytes = framePixels * L.spp * bps;
  const total = frameBytes * L.frames;
  let raw: Uint8Array;
  let le = ts !== EXPLICIT_BE;
  if (ts === RLE_LOSSLESS) {
    const inBytes = frags.reduce((s, f) => s + f.byteLength, 0);
    if (total > 64 * inBytes + 4096) throw corrupt(`RLE data of ${inBytes} bytes cannot hold ${L.frames} frames of ${frameBytes} bytes`);
    let frames = frags;
    if (frags.length !== L.frames) {
      if (L.frames === 1) {
        const cat = new Uint8Array(inBytes);
        let o = 0;
        for (const f of frags) {
          cat.set(new Uint8Array(f), o);
          o += f.byteLength;
        }
        frames = [cat.buffer];
      } else throw corrupt(`${frags.length} RLE fragments for ${L.frames} frames`);
    }
    raw = new Uint8Array(total);
    frames.forEach((f, k) => raw.set(decodeRleFrame(new Uint8Array(f), framePixels, bps, L.spp), k * frameBytes));
    le = true;
  } else {
    if (frags.length !== 1) throw corrupt(`native pixel data in ${frags.length} fragments`);
    raw = new Uint8Array(frags[0]!);
    if (raw.length < total) throw corrupt(`PixelData has ${raw.length} bytes, ${L.frames} × ${L.rows} × ${L.cols} × ${L.spp} × ${bps} B need ${total}`);
  }
  const n = framePixels * L.spp * L.frames;
  const out = new Float64Array(n);
  const dv = new DataView(raw.buffer, raw.byteOffset, total);
  const shift = L.highBit + 1 - L.bitsStored;
  const bits = L.bitsStored;
  const get = bps === 1 ? (i: number) => dv.getUint8(i) : bps === 2 ? (i: number) => dv.getUint16(2 * i, le) : (i: number) => dv.getUint32(4 * i, le);
  const full = shift === 0 && bits === L.bitsAllocated;
  for (let i = 0; i < n; i++) {
    let v = get(i);
    if (!full) v = Math.floor(v / 2 ** shift) % 2 ** bits;
    if (L.signed && v >= 2 ** (bits - 1)) v -= 2 ** bits;
    out[i] = v;
  }
  if (L.spp === 3 && L.planar && ts !== RLE_LOSSLESS) {
    // planar (RRR…GGG…BBB…) per frame → interleaved
    const tmp = new Float64Array(n);
    for (let f = 0; f < L.frames; f++) {
      const b = f * framePixels * 3;
      for (let p = 0; p < framePixels; p++) for (let c = 0; c < 3; c++) tmp[b + 3 * p + c] = out[b + c * framePixels + p]!;
    }
    return tmp;
  }
  return out;
}

function rescaleOf(ds: Dataset): { slope: number; inter: number } {
  let slope = num(ds['RescaleSlope']);
  let inter = num(ds['RescaleIntercept']);
  if (slope === undefined) {
    const pv = item(item(ds['SharedFunctionalGroupsSequence'])?.['PixelValueTransformationSequence']) ?? item(item(ds['PerFrameFunctionalGroupsSequence'])?.['PixelValueTransformationSequence']);
    slope = num(pv?.['RescaleSlope']);
    inter = inter ?? num(pv?.['RescaleIntercept']);
  }
  return { slope: slope === undefined || slope === 0 ? 1 : slope, inter: inter ?? 0 };
}

const KEEP = [
  'SOPClassUID', 'SOPInstanceUID', 'Modality', 'Manufacturer', 'PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'PatientAge',
  'StudyInstanceUID', 'StudyDate', 'StudyTime', 'StudyID', 'StudyDescription', 'AccessionNumber', 'ReferringPhysicianName',
  'SeriesInstanceUID', 'SeriesNumber', 'SeriesDescription', 'SeriesDate', 'SeriesTime', 'FrameOfReferenceUID', 'InstanceNumber',
  'ImageType', 'PhotometricInterpretation', 'BitsAllocated', 'BitsStored', 'PixelRepresentation', 'RescaleSlope', 'RescaleIntercept',
  'RescaleType', 'WindowCenter', 'WindowWidth', 'SliceThickness', 'SpacingBetweenSlices', 'PixelSpacing', 'ImageOrientationPatient',
  'ImagePositionPatient', 'BodyPartExamined', 'MagneticFieldStrength', 'RepetitionTime', 'EchoTime', 'KVP', 'DoseGridScaling', 'DoseUnits',
  'NumberOfFrames', 'Rows', 'Columns',
];

/** JSON-compatible copy of the identifying / descriptive elements of a dataset. */
function summarize(ds: Dataset, ts: string): Record<string, unknown> {
  const out: Record<string, unknown> = { TransferSyntaxUID: ts };
  for (const k of KEEP) {
    const v = ds[k];
    if (v === undefined || v === null) continue;
    try {
      out[k] = JSON.parse(JSON.stringify(v));
    } catch {
      /* not JSON-compatible: skip */
    }
  }
  return out;
}

interface Geometry {
  rowCos: number[];
  colCos: number[];
  ps: [number, number]; // [row spacing (between rows), column spacing]
  ipp: number[] | undefined;
}

function geometryOf(ds: Dataset): Geometry {
  const shared = item(ds['SharedFunctionalGroupsSequence']);
  const pf0 = item(ds['PerFrameFunctionalGroupsSequence']);
  const iop = nums(ds['ImageOrientationPatient'], 6) ?? nums(item(shared?.['PlaneOrientationSequence'])?.['ImageOrientationPatient'], 6) ?? nums(item(pf0?.['PlaneOrientationSequence'])?.['ImageOrientationPatient'], 6);
  const ps = nums(ds['PixelSpacing'], 2) ?? nums(item(shared?.['PixelMeasuresSequence'])?.['PixelSpacing'], 2) ?? nums(ds['ImagerPixelSpacing'], 2) ?? [1, 1];
  const ipp = nums(ds['ImagePositionPatient'], 3) ?? nums(item(item(ds['PerFrameFunctionalGroupsSequence'])?.['PlanePositionSequence'])?.['ImagePositionPatient'], 3);
  const norm = (v: number[]) => {
    const l = Math.hypot(v[0]!, v[1]!, v[2]!);
    return l > 0 ? v.map((x) => x / l) : undefined;
  };
  const r = iop ? norm(iop.slice(0, 3)) : undefined;
  const c = iop ? norm(iop.slice(3, 6)) : undefined;
  return { rowCos: r && c ? r : [1, 0, 0], colCos: r && c ? c : [0, 1, 0], ps: [ps[0]! > 0 ? ps[0]! : 1, ps[1]! > 0 ? ps[1]! : 1], ipp };
}

function cross(a: number[], b: number[]): number[] {
  return [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
}
const dot = (a: number[], b: number[]) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;

function buildAffine(g: Geometry, positions: (number[] | undefined)[], fallbackStep: number): { affine: number[][]; dz: number } {
  const n = cross(g.rowCos, g.colCos);
  const first = positions[0] ?? g.ipp ?? [0, 0, 0];
  let step = n.map((x) => x * fallbackStep);
  const last = positions[positions.length - 1];
  if (positions.length > 1 && positions[0] && last) {
    const s = last.map((x, k) => (x - first[k]!) / (positions.length - 1));
    if (Math.hypot(s[0]!, s[1]!, s[2]!) > 1e-6) step = s;
  }
  const c0 = g.rowCos.map((x) => x * g.ps[1]);
  const c1 = g.colCos.map((x) => x * g.ps[0]);
  const affine = [0, 1, 2].map((r) => [c0[r]!, c1[r]!, step[r]!, first[r]!]).concat([[0, 0, 0, 1]]);
  return { affine, dz: Math.hypot(step[0]!, step[1]!, step[2]!) };
}

function toTensor(values: Float64Array, dims: number[]): Volume['data'] {
  let allInt = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v > 2147483647 || v < -2147483648) {
      allInt = false;
      break;
    }
  }
  return allInt ? tensor(dims, Int32Array.from(values), 'int32') : tensor(dims, Float32Array.from(values), 'float32');
}

function windowOf(ds: Dataset): { center: number; width: number } | undefined {
  const c = num(ds['WindowCenter']);
  const w = num(ds['WindowWidth']);
  return c !== undefined && w !== undefined && w > 0 ? { center: c, width: w } : undefined;
}

/** Rescaled values and layout of one parsed file. */
function decodeFile(dataset: Dataset, transferSyntax: string): { values: Float64Array; L: PixelLayout } {
  const L = layoutOf(dataset);
  const values = decodeStored(dataset, transferSyntax, L);
  const { slope, inter } = rescaleOf(dataset);
  if (slope !== 1 || inter !== 0) for (let i = 0; i < values.length; i++) values[i] = values[i]! * slope + inter;
  return { values, L };
}

/** Per-frame positions of a multi-frame file (PerFrameFunctionalGroups or GridFrameOffsetVector). */
function framePositions(ds: Dataset, g: Geometry, frames: number): (number[] | undefined)[] {
  const pf = ds['PerFrameFunctionalGroupsSequence'];
  if (Array.isArray(pf) && pf.length === frames) {
    const pos = pf.map((f) => nums(item(item(f)?.['PlanePositionSequence'])?.['ImagePositionPatient'], 3));
    if (pos.every((p) => p)) return pos;
  }
  const gfov = ds['GridFrameOffsetVector'];
  if (g.ipp && Array.isArray(gfov) && gfov.length === frames) {
    const off = gfov.map((x) => num(x));
    if (off.every((x) => x !== undefined)) {
      const n = cross(g.rowCos, g.colCos);
      return off.map((o) => g.ipp!.map((x, k) => x + o! * n[k]!));
    }
  }
  return [g.ipp];
}

/**
 * Decode one DICOM file into a Volume `[frames, rows, columns]` (see module doc).
 * `meta`: { format: 'dicom', space: 'LPS', dicom: {...identifiers, TransferSyntaxUID}, window? }.
 */
export function readDicom(bytes: Uint8Array): Volume {
  const { dataset, transferSyntax, warnings } = parseDicom(bytes);
  const { values, L } = decodeFile(dataset, transferSyntax);
  const g = geometryOf(dataset);
  const step = num(dataset['SpacingBetweenSlices']) ?? num(dataset['SliceThickness']) ?? num(item(item(dataset['SharedFunctionalGroupsSequence'])?.['PixelMeasuresSequence'])?.['SliceThickness']) ?? 1;
  const { affine, dz } = buildAffine(g, framePositions(dataset, g, L.frames), step);
  const dims = L.spp === 3 ? [L.frames, L.rows, L.cols, 3] : [L.frames, L.rows, L.cols];
  const spacing = [dz, g.ps[0], g.ps[1]];
  if (L.spp === 3) spacing.push(1);
  const window = windowOf(dataset);
  return { data: toTensor(values, dims), spacing, affine, meta: { format: 'dicom', space: 'LPS', dicom: summarize(dataset, transferSyntax), ...(window ? { window } : {}), parseWarnings: warnings } };
}

export interface ReadDicomSeriesOptions {
  /** Pick this SeriesInstanceUID when the files hold several series (else that is an error). */
  seriesUid?: string;
  /** Skip files that fail to parse instead of throwing (listed in `meta.skipped`). */
  skipInvalid?: boolean;
}

/**
 * Decode a series (one single-frame file per slice, any order) into one Volume `[slices, rows, cols]`.
 * Files without pixel data (DICOMDIR, reports) are skipped. A single multi-frame file is read as
 * `readDicom` would. Throws INVALID_ARGUMENT for several series without `seriesUid`, UNSUPPORTED for
 * mixed sizes or orientations.
 */
export function readDicomSeries(files: readonly DicomFile[], opts: ReadDicomSeriesOptions = {}): Volume {
  checkOptions('readDicomSeries', opts, ['seriesUid', 'skipInvalid']);
  const parsed: { name: string; dataset: Dataset; ts: string; warnings: string[] }[] = [];
  const skipped: string[] = [];
  for (const f of files) {
    try {
      const { dataset, transferSyntax, warnings } = parseDicom(f.bytes);
      if (dataset['PixelData'] === undefined) {
        skipped.push(f.name);
        continue;
      }
      parsed.push({ name: f.name, dataset, ts: transferSyntax, warnings });
    } catch (e) {
      if (opts.skipInvalid && e instanceof MedreconError && e.code === 'CORRUPT_FILE') skipped.push(f.name);
      else if (e instanceof MedreconError) throw new MedreconError(e.code, `${f.name}: ${e.message}`, { ...e.details, file: f.name }, { cause: e });
      else throw e;
    }
  }
  if (parsed.length === 0) throw corrupt('no image files in the series', { skipped });
  const bySeries = new Map<string, typeof parsed>();
  for (const p of parsed) {
    const uid = String(p.dataset['SeriesInstanceUID'] ?? '');
    bySeries.set(uid, [...(bySeries.get(uid) ?? []), p]);
  }
  let group: typeof parsed;
  if (opts.seriesUid !== undefined) {
    const g = bySeries.get(opts.seriesUid);
    if (!g) throw new MedreconError('INVALID_ARGUMENT', `readDicomSeries: series ${opts.seriesUid} not found`, { series: [...bySeries.keys()] });
    group = g;
  } else if (bySeries.size > 1) {
    throw new MedreconError('INVALID_ARGUMENT', `readDicomSeries: the files hold ${bySeries.size} series; pass { seriesUid } (${[...bySeries.keys()].join(', ')})`, { series: [...bySeries.keys()] });
  } else group = parsed;
  if (group.length === 1) {
    const only = group[0]!;
    const i = files.findIndex((f) => f.name === only.name);
    const v = readDicom(files[i]!.bytes);
    return { ...v, meta: { ...v.meta, files: [only.name], sortedBy: 'single', skipped } };
  }
  // geometry and sort
  const geos = group.map((p) => geometryOf(p.dataset));
  const g0 = geos[0]!;
  for (const g of geos) {
    if (Math.abs(dot(g.rowCos, g0.rowCos) - 1) > 1e-4 || Math.abs(dot(g.colCos, g0.colCos) - 1) > 1e-4) throw new MedreconError('UNSUPPORTED', 'dicom: series has mixed slice orientations');
  }
  const normal = cross(g0.rowCos, g0.colCos);
  let sortedBy: 'position' | 'instance' | 'name';
  const keyed = group.map((p, k) => ({ p, g: geos[k]!, inst: num(p.dataset['InstanceNumber']), d: geos[k]!.ipp ? dot(geos[k]!.ipp!, normal) : undefined }));
  if (keyed.every((x) => x.d !== undefined)) {
    sortedBy = 'position';
    keyed.sort((a, b) => a.d! - b.d! || (a.inst ?? 0) - (b.inst ?? 0) || (a.p.name < b.p.name ? -1 : 1));
  } else if (keyed.every((x) => x.inst !== undefined)) {
    sortedBy = 'instance';
    keyed.sort((a, b) => a.inst! - b.inst! || (a.p.name < b.p.name ? -1 : 1));
  } else {
    sortedBy = 'name';
    keyed.sort((a, b) => (a.p.name < b.p.name ? -1 : a.p.name > b.p.name ? 1 : 0));
  }
  const L0 = layoutOf(keyed[0]!.p.dataset);
  const per = L0.rows * L0.cols * L0.spp;
  const all = new Float64Array(per * keyed.length);
  keyed.forEach((x, k) => {
    const { values, L } = decodeFile(x.p.dataset, x.p.ts);
    if (L.rows !== L0.rows || L.cols !== L0.cols || L.spp !== L0.spp) throw new MedreconError('UNSUPPORTED', `dicom: ${x.p.name} is ${L.rows}×${L.cols}×${L.spp}, series is ${L0.rows}×${L0.cols}×${L0.spp}`);
    if (L.frames !== 1) throw new MedreconError('UNSUPPORTED', `dicom: ${x.p.name} has ${L.frames} frames; series of multi-frame files are not supported`);
    all.set(values, k * per);
  });
  const ds0 = keyed[0]!.p.dataset;
  const step = num(ds0['SpacingBetweenSlices']) ?? num(ds0['SliceThickness']) ?? 1;
  const positions = keyed.map((x) => x.g.ipp);
  const { affine, dz } = buildAffine(g0, positions, step);
  let uniform = true;
  if (sortedBy === 'position' && keyed.length > 2) {
    const ds = keyed.slice(1).map((x, k) => x.d! - keyed[k]!.d!);
    uniform = ds.every((d) => Math.abs(d - ds[0]!) <= 1e-3 * Math.max(1, Math.abs(ds[0]!)));
  }
  const dims = L0.spp === 3 ? [keyed.length, L0.rows, L0.cols, 3] : [keyed.length, L0.rows, L0.cols];
  const spacing = [dz, g0.ps[0], g0.ps[1]];
  if (L0.spp === 3) spacing.push(1);
  const window = windowOf(ds0);
  return {
    data: toTensor(all, dims),
    spacing,
    affine,
    meta: {
      format: 'dicom', space: 'LPS', dicom: summarize(ds0, keyed[0]!.p.ts), ...(window ? { window } : {}),
      files: keyed.map((x) => x.p.name), sortedBy, uniformSpacing: uniform, skipped,
      parseWarnings: keyed.flatMap((x) => x.p.warnings.map((w) => `${x.p.name}: ${w}`)),
    },
  };
}
