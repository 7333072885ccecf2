/**
 * `medrecon info <file>`: what is in a file (format, shapes, dtypes, header fields, value range).
 * Formats: .npy, .safetensors, fastMRI/any HDF5 (.h5); others report "not available yet".
 */
import { type Volume, inspectHdf5, isHdf5, npyToHost, readCfl, readDicom, readFastMri, readNifti, readNpy, readNpz, readSafetensors } from '../index.js';
import { readDicomDir } from '../node/index.js';
import { MedreconError } from '../index.js';
import { type CliIo, COMMON_HELP, extOf, fmtShape, isDicom, isDir, parse, readBytes, stats, UsageError } from './common.js';

export const INFO_HELP = `Usage: medrecon info <file> [--json]

Show what is in a file: format, array shapes and dtypes, header fields, value range.
Formats: .npy, .npz, .nii / .nii.gz (NIfTI-1/2), DICOM file or series folder, .cfl/.hdr (BART),
.h5 (fastMRI k-space and any HDF5), .safetensors.

Examples:
  medrecon info data/fixtures/mri_t1_heldout.npy
  medrecon info file1000001.h5 --json
  medrecon info t1.nii.gz
  medrecon info path/to/dicom-series/

${COMMON_HELP}`;

type Json = string | number | boolean | null | readonly Json[] | { readonly [k: string]: Json };

function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

function volumeEntries(v: Volume): Record<string, Json> {
  const s = stats(v.data);
  return { dtype: v.data.dtype, shape: v.data.dims, spacing: v.spacing.map((x) => Number(x.toPrecision(6))), min: finite(s.min), max: finite(s.max), mean: finite(s.mean) };
}

function dicomEntries(v: Volume): Record<string, Json> {
  const d = (v.meta['dicom'] ?? {}) as Record<string, unknown>;
  const pick: Record<string, Json> = {};
  for (const k of ['Modality', 'SeriesDescription', 'TransferSyntaxUID', 'PatientID', 'StudyInstanceUID']) {
    const x = d[k];
    if (typeof x === 'string' || typeof x === 'number') pick[k === 'Modality' ? 'modality' : k] = x;
  }
  return { ...volumeEntries(v), ...pick };
}

async function describe(path: string): Promise<{ format: string; entries: Record<string, Json> }> {
  if (isDir(path)) return { format: 'dicom series', entries: dicomEntries(await readDicomDir(path)) };
  const ext = extOf(path);
  if (ext === '.cfl' || ext === '.hdr') {
    const base = path.replace(/\.(cfl|hdr)$/i, '');
    const t = readCfl(readBytes(`${base}.hdr`), readBytes(`${base}.cfl`));
    const s = stats(t);
    return { format: 'cfl (BART)', entries: { dtype: 'complex64 (re, im as a trailing axis)', shape: t.dims, min: finite(s.min), max: finite(s.max) } };
  }
  const bytes = readBytes(path);
  if (ext === '.nii' || ext === '.nii.gz') {
    const v = readNifti(bytes);
    const h = v.meta['nifti'] as { version: number; datatype: string; sclSlope: number; sclInter: number; qformCode: number; sformCode: number; descrip: string };
    return {
      format: `nifti-${h.version}${bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (gzip)' : ''}`,
      entries: { ...volumeEntries(v), storedDtype: h.datatype, sclSlope: finite(h.sclSlope), sclInter: finite(h.sclInter), qformCode: h.qformCode, sformCode: h.sformCode, affine: v.affine as Json, descrip: h.descrip },
    };
  }
  if (ext === '.npz') {
    const all = readNpz(bytes);
    const arrays: Record<string, Json> = {};
    for (const [k, a] of Object.entries(all)) arrays[k] = { dtype: a.descr, shape: a.shape };
    return { format: 'npz', entries: { arrays } };
  }
  if (ext === '.npy') {
    const a = readNpy(bytes);
    const s = stats(npyToHost(a));
    return { format: 'npy', entries: { dtype: a.descr, shape: a.shape, min: finite(s.min), max: finite(s.max), mean: finite(s.mean) } };
  }
  if (ext === '.h5' || ext === '.hdf5' || isHdf5(bytes)) {
    const sum = await inspectHdf5(bytes);
    const entries: Record<string, Json> = {
      datasets: sum.datasets.map((d) => ({ path: d.path, dtype: d.dtype, shape: d.shape })),
      attrs: sum.attrs as Record<string, Json>,
    };
    if (sum.datasets.some((d) => d.path === 'kspace')) {
      const f = await readFastMri(bytes);
      entries['fastmri'] = {
        multicoil: f.multicoil,
        kspace: f.kspace.dims,
        ...(f.header ? { encodedSize: f.header.encodedSize, reconSize: f.header.reconSize } : {}),
        ...(f.header?.systemVendor ? { vendor: f.header.systemVendor } : {}),
        ...(f.header?.fieldStrengthT !== undefined ? { fieldStrengthT: f.header.fieldStrengthT } : {}),
      };
      return { format: 'hdf5 (fastMRI)', entries };
    }
    return { format: 'hdf5', entries };
  }
  if (ext === '.safetensors') {
    const st = readSafetensors(bytes);
    const tensors: Record<string, Json> = {};
    for (const [k, t] of Object.entries(st.tensors)) tensors[k] = { dtype: st.storedDtypes[k] ?? t.dtype, shape: t.dims };
    return { format: 'safetensors', entries: { tensors, metadata: st.metadata } };
  }
  if (isDicom(bytes, path)) return { format: 'dicom', entries: dicomEntries(readDicom(bytes)) };
  throw new MedreconError('UNSUPPORTED', `${path}: unknown file format '${ext}' (info reads .npy, .npz, .nii, .nii.gz, DICOM, .cfl/.hdr, .h5, .safetensors)`);
}

function show(v: Json): string {
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return fmtShape(v as number[]);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(6);
  if (v === null) return 'n/a';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export async function runInfo(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {}, 1);
  if (values.help) {
    io.out(INFO_HELP + '\n');
    return 0;
  }
  const file = positionals[0];
  if (file === undefined) throw new UsageError('info: missing <file>');
  const { format, entries } = await describe(file);
  if (values.json) {
    io.out(JSON.stringify({ file, format, ...entries }) + '\n');
    return 0;
  }
  const lines = [`file:    ${file}`, `format:  ${format}`];
  for (const [k, v] of Object.entries(entries)) {
    if (k === 'datasets' && Array.isArray(v)) {
      lines.push('datasets:');
      for (const d of v as { path: string; dtype: string; shape: number[] | null }[]) lines.push(`  ${d.path}  ${d.dtype}  ${d.shape && d.shape.length ? fmtShape(d.shape) : 'scalar'}`);
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      lines.push(`${k}:`);
      for (const [k2, v2] of Object.entries(v)) lines.push(`  ${k2}: ${show(v2 as Json)}`);
    } else lines.push(`${(k + ':').padEnd(8)} ${show(v)}`);
  }
  io.out(lines.join('\n') + '\n');
  return 0;
}
