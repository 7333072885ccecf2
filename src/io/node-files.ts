/**
 * Node-only file helpers around the byte codecs (they use `node:fs`; the codecs themselves do not).
 *
 * @example
 *   const ct = await readDicomDir('scans/ct-series');           // Volume (LPS)
 *   await writeNiftiFile('out/recon.nii.gz', recon);             // gzip from the extension
 *   const k = await readCflFiles('bart/kspace');                 // bart/kspace.hdr + .cfl
 */
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { HostTensor } from '../core/tensor.js';
import { readCfl, writeCfl, type WriteCflOptions } from './cfl.js';
import { type ReadDicomSeriesOptions, readDicomSeries } from './dicom/read.js';
import { type WriteDicomOptions, writeDicomSeries } from './dicom/write.js';
import { type ReadNiftiOptions, type WriteNiftiOptions, readNifti, writeNifti } from './nifti.js';
import type { Volume } from './volume.js';

const bytesOf = async (p: string): Promise<Uint8Array> => {
  const b = await readFile(p);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};

/** Read a `.nii` / `.nii.gz` file. */
export async function readNiftiFile(path: string, opts: ReadNiftiOptions = {}): Promise<Volume> {
  return readNifti(await bytesOf(path), opts);
}

/** Write a volume as NIfTI; `.gz` in the name turns gzip on unless `opts.gzip` says otherwise. */
export async function writeNiftiFile(path: string, vol: Volume, opts: WriteNiftiOptions = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, writeNifti(vol, { gzip: path.endsWith('.gz'), ...opts }));
}

/** Read every regular, non-hidden file of `dir` (one level, or recursively) as a DICOM series. */
export async function readDicomDir(dir: string, opts: ReadDicomSeriesOptions & { recursive?: boolean } = {}): Promise<Volume> {
  const { recursive, ...seriesOpts } = opts;
  const files: { name: string; bytes: Uint8Array }[] = [];
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const e of (await readdir(d)).sort()) {
      if (e.startsWith('.')) continue;
      const p = join(d, e);
      const s = await stat(p);
      if (s.isDirectory()) {
        if (recursive) await walk(p, join(rel, e));
      } else if (s.isFile()) files.push({ name: join(rel, e), bytes: await bytesOf(p) });
    }
  };
  await walk(dir, '');
  return readDicomSeries(files, seriesOpts);
}

/** Write a volume as a DICOM series into `dir` (created); returns the file paths. */
export async function writeDicomDir(dir: string, vol: Volume, opts: WriteDicomOptions = {}): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const out: string[] = [];
  for (const f of writeDicomSeries(vol, opts)) {
    const p = join(dir, f.name);
    await writeFile(p, f.bytes);
    out.push(p);
  }
  return out;
}

const cflBase = (p: string): string => p.replace(/\.(cfl|hdr)$/, '');

/** Read a BART pair given `name`, `name.cfl` or `name.hdr`. */
export async function readCflFiles(path: string): Promise<HostTensor<'float32'>> {
  const base = cflBase(path);
  return readCfl(await bytesOf(`${base}.hdr`), await bytesOf(`${base}.cfl`));
}

/** Write a BART pair `name.hdr` + `name.cfl`. */
export async function writeCflFiles(path: string, t: HostTensor, opts: WriteCflOptions = {}): Promise<void> {
  const base = cflBase(path);
  await mkdir(dirname(base) || '.', { recursive: true });
  const { hdr, cfl } = writeCfl(t, opts);
  await writeFile(`${base}.hdr`, hdr);
  await writeFile(`${base}.cfl`, cfl);
}
