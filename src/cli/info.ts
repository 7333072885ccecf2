/**
 * `medrecon info <file>`: what is in a file (format, shapes, dtypes, header fields, value range).
 * Formats: .npy, .safetensors, fastMRI/any HDF5 (.h5); others report "not available yet".
 */
import { readSafetensors } from '../io/safetensors.js';
import { npyToHost, readNpy } from '../io/npy.js';
import { inspectHdf5, isHdf5, readFastMri } from '../io/hdf5.js';
import { type CliIo, COMMON_HELP, extOf, fmtShape, notAvailable, parse, readBytes, stats, UsageError } from './common.js';

export const INFO_HELP = `Usage: medrecon info <file> [--json]

Show what is in a file: format, array shapes and dtypes, header fields, value range.
Formats: .npy, .h5 (fastMRI k-space and any HDF5), .safetensors.

Examples:
  medrecon info data/fixtures/mri_t1_heldout.npy
  medrecon info file1000001.h5 --json

${COMMON_HELP}`;

type Json = string | number | boolean | null | readonly Json[] | { readonly [k: string]: Json };

function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

async function describe(path: string): Promise<{ format: string; entries: Record<string, Json> }> {
  const ext = extOf(path);
  const bytes = readBytes(path);
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
  throw notAvailable(`'info' for '${ext || path}' files`, `a codec for ${ext || 'this format'} in src/io`);
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
