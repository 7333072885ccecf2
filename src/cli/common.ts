/**
 * Shared pieces of the `medrecon` command line: the I/O context (so tests run commands in-process),
 * usage errors, argument parsing on `util.parseArgs`, array files by extension, the progress bar.
 *
 * Exit codes: 0 ok, 1 failure (bad file, failed computation, feature not available yet), 2 usage.
 */
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import {
  type HostTensor,
  MedreconError,
  type Volume,
  type WindowSpec,
  encodePng,
  firstNonFinite,
  isHdf5,
  montage,
  npyToHost,
  readDicom,
  readFastMri,
  readNifti,
  readNpy,
  readNpz,
  tensor,
  toPng,
  writeFastMri,
  writeNifti,
  writeNpy,
  writeNpz,
} from '../index.js';
import { readCflFiles, readDicomDir, writeCflFiles, writeDicomDir } from '../node/index.js';

/** Where a command writes, and what it knows about its terminal. */
export interface CliIo {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** Whether stderr is an interactive terminal (progress bars only then). */
  readonly errIsTTY: boolean;
  /** The stream the progress bar writes to (defaults to process.stderr when errIsTTY). */
  readonly progressStream?: NodeJS.WritableStream;
}

/** A command-line usage error: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A feature whose library pieces have not landed yet: exit code 1 with one clear line. */
export function notAvailable(what: string, needs: string): MedreconError {
  return new MedreconError('UNSUPPORTED', `${what} is not available yet (needs ${needs})`);
}

export interface CommonFlags {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly debug: boolean;
  readonly help: boolean;
}

export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h', default: false },
  json: { type: 'boolean', default: false },
  quiet: { type: 'boolean', short: 'q', default: false },
  debug: { type: 'boolean', default: false },
} as const;

export const COMMON_HELP = `Common options:
  --json        machine-readable output on stdout
  -q, --quiet   no progress bar
  --debug       print stack traces on errors
  -h, --help    this help`;

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }>;

/** util.parseArgs with our conventions: unknown options and bad values are usage errors. */
export interface Parsed {
  readonly values: { readonly help: boolean; readonly json: boolean; readonly quiet: boolean; readonly debug: boolean; readonly [k: string]: string | boolean | undefined };
  readonly positionals: readonly string[];
}

export function parse(args: readonly string[], options: OptionSpec, maxPositionals: number): Parsed {
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true }) as unknown as Parsed;
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.split('\n')[0]! : String(e));
  }
  if (parsed.positionals.length > maxPositionals && !parsed.values.help) {
    throw new UsageError(`unexpected argument '${parsed.positionals[maxPositionals]}'`);
  }
  return parsed;
}

/** A number option: undefined when absent, a usage error when not a finite number (or out of range). */
export function num(v: unknown, name: string, opts: { int?: boolean; min?: number; max?: number } = {}): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got '${String(v)}'`);
  if (opts.int && !Number.isInteger(n)) throw new UsageError(`--${name} expects an integer, got '${v}'`);
  if (opts.min !== undefined && n < opts.min) throw new UsageError(`--${name} must be ≥ ${opts.min}, got ${n}`);
  if (opts.max !== undefined && n > opts.max) throw new UsageError(`--${name} must be ≤ ${opts.max}, got ${n}`);
  return n;
}

/** One of a fixed set of choices. */
export function choice<T extends string>(v: unknown, name: string, choices: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !choices.includes(v as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got '${String(v)}'`);
  return v as T;
}

/** A string option (usage error when given as a flag without value cannot happen: parseArgs checks). */
export function str(v: string | boolean | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function readBytes(path: string): Uint8Array {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new MedreconError('INVALID_ARGUMENT', `${path}: no such file or folder`);
  }
  if (st.isDirectory()) throw new MedreconError('INVALID_ARGUMENT', `${path}: is a folder (only DICOM series folders can be read as a folder)`);
  return new Uint8Array(readFileSync(path));
}

/** Whether `path` is an existing folder. */
export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The extension used to pick a codec: '.nii.gz' kept whole, otherwise the last one, lower-cased. */
export function extOf(path: string): string {
  const p = path.toLowerCase();
  if (p.endsWith('.nii.gz')) return '.nii.gz';
  return extname(p);
}

/** DICOM: the 'DICM' magic at byte 128 (or a .dcm/.ima name). */
export function isDicom(bytes: Uint8Array, path = ''): boolean {
  const e = extOf(path);
  if (e === '.dcm' || e === '.ima') return true;
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

function toF32(t: HostTensor): HostTensor<'float32'> {
  return t.dtype === 'float32' ? (t as HostTensor<'float32'>) : tensor(t.dims, Float32Array.from(t.data as ArrayLike<number>));
}

/**
 * Read an array file as float32, by extension: `.npy` (any supported dtype); `.npz` (the array
 * `dataset`, else the only/first one); `.nii`/`.nii.gz` (C-order [z, y, x], scaled); DICOM file
 * (`.dcm` or 'DICM' magic) or a series folder ([slices, rows, cols], rescaled); BART `.cfl`/`.hdr`
 * (complex as a trailing axis of 2); `.h5` (fastMRI: k-space [.., 2], or `dataset`
 * 'reconstruction_rss'/'reconstruction_esc').
 */
export async function readArray(path: string, opts: { dataset?: string } = {}): Promise<HostTensor<'float32'>> {
  const t = await readArrayRaw(path, opts);
  // every computation of the CLI refuses NaN/Inf inputs rather than turning them into a NaN image
  const k = firstNonFinite(t);
  if (k >= 0) {
    throw new MedreconError('NON_FINITE_INPUT', `${path}: ${t.data[k]} at flat index ${k} of ${fmtShape(t.dims)} (medrecon needs finite values; clean or mask the input first)`, { path, index: k });
  }
  return t;
}

async function readArrayRaw(path: string, opts: { dataset?: string }): Promise<HostTensor<'float32'>> {
  if (isDir(path)) return toF32((await readDicomDir(path)).data);
  const ext = extOf(path);
  if (ext === '.cfl' || ext === '.hdr') return readCflFiles(path);
  const bytes = readBytes(path);
  if (ext === '.npy') return toF32(npyToHost(readNpy(bytes)));
  if (ext === '.npz') {
    const all = readNpz(bytes);
    const names = Object.keys(all);
    const name = opts.dataset !== undefined && opts.dataset in all ? opts.dataset : names[0];
    if (name === undefined) throw new MedreconError('CORRUPT_FILE', `${path}: the .npz archive holds no arrays`);
    return toF32(npyToHost(all[name]!));
  }
  if (ext === '.nii' || ext === '.nii.gz') return toF32(readNifti(bytes, { float: true }).data);
  if (ext === '.h5' || ext === '.hdf5' || isHdf5(bytes)) {
    const f = await readFastMri(bytes);
    const ds = opts.dataset ?? 'kspace';
    if (ds === 'kspace') return f.kspace;
    const r = ds === 'reconstruction_rss' ? f.reconstruction?.rss : ds === 'reconstruction_esc' ? f.reconstruction?.esc : undefined;
    if (!r) throw new MedreconError('INVALID_ARGUMENT', `${path}: no dataset '${ds}'`);
    return r;
  }
  if (isDicom(bytes, path)) return toF32(readDicom(bytes).data);
  throw new MedreconError('UNSUPPORTED', `${path}: unknown file format '${ext}' (read: .npy, .npz, .nii, .nii.gz, .h5, .cfl, DICOM file or folder)`);
}

/** Output formats of `writeArray`. */
export type OutFormat = 'npy' | 'npz' | 'nifti' | 'png' | 'h5' | 'cfl' | 'dicom';

/** The output format of a path: by extension; a trailing '/', an existing folder or `format` 'dicom' → DICOM series. */
export function outFormat(path: string, format?: string): OutFormat {
  if (format === 'dicom' || path.endsWith('/') || isDir(path)) return 'dicom';
  const ext = extOf(path);
  const byExt: Record<string, OutFormat> = { '.npy': 'npy', '.npz': 'npz', '.nii': 'nifti', '.nii.gz': 'nifti', '.png': 'png', '.h5': 'h5', '.cfl': 'cfl' };
  const f = byExt[ext];
  if (!f) throw new UsageError(`unknown output extension '${ext || path}' (use .npy, .npz, .nii, .nii.gz, .png, .h5, .cfl, or a folder path ending in '/' for DICOM)`);
  return f;
}

export interface WriteOptions {
  /** 'dicom' forces a DICOM series folder. */
  readonly format?: string;
  /** DICOM modality. */
  readonly modality?: 'MR' | 'CT' | 'PT' | 'OT';
  /** Pixel size in mm (NIfTI/DICOM spacing). */
  readonly pixelSize?: number;
  /** PNG display window. */
  readonly window?: WindowSpec;
  /** DICOM output: a source series folder whose patient/study identifiers are carried over. */
  readonly dicomSource?: string;
}

/** An image [H, W] or [S, H, W] as a Volume [S, H, W] with `pixelSize` mm voxels. */
export function asVolume(t: HostTensor<'float32'>, pixelSize = 1): Volume {
  const dims = t.dims.length === 2 ? [1, ...t.dims] : [...t.dims];
  const p = pixelSize;
  return {
    data: tensor(dims, t.data),
    spacing: dims.map(() => p),
    affine: [
      [p, 0, 0, 0],
      [0, p, 0, 0],
      [0, 0, p, 0],
      [0, 0, 0, 1],
    ],
    meta: { space: 'RAS' },
  };
}

/**
 * Write a float32 array by format (see `outFormat`): .npy, .npz ('image'), .nii/.nii.gz, .png
 * (images [H, W]; [S, H, W] as a montage; complex [.., 2] as magnitude), .h5 (complex k-space
 * [.., 2] as fastMRI `kspace`; real images [S, H, W] as `reconstruction_rss` with a zero k-space of
 * the same grid), .cfl (BART), DICOM series folder (real images).
 */
export async function writeArray(path: string, t: HostTensor<'float32'>, opts: WriteOptions = {}): Promise<void> {
  const fmt = outFormat(path, opts.format);
  const complex = t.dims.length >= 3 && t.dims[t.dims.length - 1] === 2;
  if (fmt === 'dicom') {
    if (complex) throw new MedreconError('SHAPE_MISMATCH', `DICOM output holds real images [H, W] or [S, H, W], got ${fmtShape(t.dims)} (write k-space as .npy or .h5)`);
    const source = opts.dicomSource === undefined ? undefined : await readDicomDir(opts.dicomSource, { skipInvalid: true });
    await writeDicomDir(path, asVolume(squeezeLead(t), opts.pixelSize), { modality: opts.modality ?? 'OT', seriesDescription: 'medrecon reconstruction', ...(source ? { source } : {}) });
    return;
  }
  if (fmt === 'cfl') {
    await writeCflFiles(path, t);
    return;
  }
  let bytes: Uint8Array;
  if (fmt === 'npy') bytes = writeNpy(t);
  else if (fmt === 'npz') bytes = writeNpz({ image: t });
  else if (fmt === 'nifti') bytes = writeNifti(asVolume(squeezeLead(t), opts.pixelSize), { gzip: path.toLowerCase().endsWith('.gz') });
  else if (fmt === 'png') {
    const img = squeezeLead(complex ? magnitudeOf(t) : t);
    if (img.dims.length === 2) bytes = toPng(img, opts.window ? { window: opts.window } : {});
    else if (img.dims.length === 3) {
      const [S, H, W] = img.dims as [number, number, number];
      const parts = Array.from({ length: S }, (_, s) => tensor([H, W], img.data.subarray(s * H * W, (s + 1) * H * W)));
      bytes = encodePng(montage(parts, { columns: Math.min(S, 4), ...(opts.window ? { window: opts.window } : {}) }));
    } else throw new MedreconError('SHAPE_MISMATCH', `.png output holds an image [H, W] or [S, H, W], got ${fmtShape(t.dims)}`);
  } else {
    if (complex && (t.dims.length === 4 || t.dims.length === 5)) bytes = await writeFastMri({ kspace: t });
    else if (complex && t.dims.length === 3) bytes = await writeFastMri({ kspace: tensor([1, ...t.dims], t.data) });
    else {
      const img = squeezeLead(t);
      const v = img.dims.length === 2 ? tensor([1, ...img.dims], img.data) : img;
      if (v.dims.length !== 3) throw new MedreconError('SHAPE_MISMATCH', `.h5 output holds k-space [.., H, W, 2] or images [S, H, W], got ${fmtShape(t.dims)}`);
      bytes = await writeFastMri({ kspace: tensor([...v.dims, 2], new Float32Array(v.data.length * 2)), reconstruction: { rss: v } });
    }
  }
  mkdirSync(dirname(path) || '.', { recursive: true });
  writeFileSync(path, bytes);
}

/** Drop leading axes of length 1 while the rank exceeds 2. */
export function squeezeLead(t: HostTensor<'float32'>): HostTensor<'float32'> {
  const d = [...t.dims];
  while (d.length > 2 && d[0] === 1) d.shift();
  return tensor(d, t.data);
}

function magnitudeOf(t: HostTensor<'float32'>): HostTensor<'float32'> {
  const n = t.data.length / 2;
  const m = new Float32Array(n);
  for (let i = 0; i < n; i++) m[i] = Math.hypot(t.data[2 * i]!, t.data[2 * i + 1]!);
  return tensor(t.dims.slice(0, -1), m);
}

/** A progress bar with ETA on stderr, only when stderr is a TTY and not --quiet. */
export class Progress {
  private bar: cliProgress.SingleBar | undefined;
  constructor(io: CliIo, quiet: boolean, label: string, total: number) {
    if (quiet || !io.errIsTTY) return;
    this.bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`,
        stream: io.progressStream ?? process.stderr,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0);
  }
  update(value: number): void {
    this.bar?.update(value);
  }
  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

export function fmtShape(d: readonly number[]): string {
  return `[${d.join(', ')}]`;
}

/** Min, max, mean of a tensor (for `info`). */
export function stats(t: HostTensor): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let s = 0;
  for (let i = 0; i < t.data.length; i++) {
    const v = t.data[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    s += v;
  }
  return { min, max, mean: t.data.length ? s / t.data.length : NaN };
}

/** A plain-text table with aligned columns. */
export function table(rows: readonly (readonly string[])[]): string {
  const w = rows[0]!.map((_, j) => Math.max(...rows.map((r) => (r[j] ?? '').length)));
  return rows.map((r) => r.map((c, j) => c.padEnd(w[j]!)).join('  ').trimEnd()).join('\n') + '\n';
}
