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
import { type HostTensor, MedreconError, tensor } from '../index.js';
import { npyToHost, readNpy, writeNpy } from '../io/npy.js';
import { isHdf5, readFastMri, writeFastMri } from '../io/hdf5.js';

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
  if (st.isDirectory()) throw new MedreconError('UNSUPPORTED', `${path}: is a folder (DICOM series folders are not available yet)`);
  return new Uint8Array(readFileSync(path));
}

/** The extension used to pick a codec: '.nii.gz' kept whole, otherwise the last one, lower-cased. */
export function extOf(path: string): string {
  const p = path.toLowerCase();
  if (p.endsWith('.nii.gz')) return '.nii.gz';
  return extname(p);
}

/**
 * Read an array file as float32: `.npy` (any supported dtype), `.h5` (fastMRI: k-space [.., 2], or
 * `dataset` 'reconstruction_rss'/'reconstruction_esc'). Other formats: "not available yet".
 */
export async function readArray(path: string, opts: { dataset?: string } = {}): Promise<HostTensor<'float32'>> {
  const ext = extOf(path);
  const bytes = readBytes(path);
  if (ext === '.npy') {
    const t = npyToHost(readNpy(bytes));
    return t.dtype === 'float32' ? (t as HostTensor<'float32'>) : tensor(t.dims, Float32Array.from(t.data));
  }
  if (ext === '.h5' || ext === '.hdf5' || isHdf5(bytes)) {
    const f = await readFastMri(bytes);
    const ds = opts.dataset ?? 'kspace';
    if (ds === 'kspace') return f.kspace;
    const r = ds === 'reconstruction_rss' ? f.reconstruction?.rss : ds === 'reconstruction_esc' ? f.reconstruction?.esc : undefined;
    if (!r) throw new MedreconError('INVALID_ARGUMENT', `${path}: no dataset '${ds}'`);
    return r;
  }
  throw notAvailable(`reading '${ext || path}' files`, `a codec for ${ext || 'this format'} in src/io`);
}

/** Write a float32 array by extension: `.npy`, `.h5` (complex [.., 2] as fastMRI k-space). */
export async function writeArray(path: string, t: HostTensor<'float32'>): Promise<void> {
  const ext = extOf(path);
  let bytes: Uint8Array;
  if (ext === '.npy') bytes = writeNpy(t);
  else if (ext === '.h5') {
    if (t.dims[t.dims.length - 1] === 2 && (t.dims.length === 4 || t.dims.length === 5)) bytes = await writeFastMri({ kspace: t });
    else throw new MedreconError('SHAPE_MISMATCH', `.h5 output holds complex k-space [slices, (coils,) H, W, 2], got ${fmtShape(t.dims)} (write images as .npy)`);
  } else if (ext === '.png' || ext === '.nii' || ext === '.nii.gz' || ext === '.cfl' || ext === '.npz' || ext === '') {
    throw notAvailable(`writing '${ext || 'DICOM folder'}' output`, `the ${ext || 'DICOM'} writer in src/io`);
  } else throw new UsageError(`unknown output extension '${ext}' (use .npy or .h5)`);
  mkdirSync(dirname(path) || '.', { recursive: true });
  writeFileSync(path, bytes);
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
