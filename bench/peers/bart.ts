/**
 * BART peer for bench/classical.ts: writes k-space, coil maps and the sampling pattern as .cfl/.hdr
 * (src/io/cfl.ts), runs `bart pics`, times the process, reads the image back.
 *
 * Axis order. BART arrays are column-major with dims [x, y, z, coils, …]; src/io/cfl.ts maps a C-order
 * tensor [d_{n−1}, …, d_0, 2] to BART [d_0, …, d_{n−1}] without moving bytes. So our k-space
 * [coils, H, W, 2] is written as [coils, 1, H, W, 2] → BART [W, H, 1, coils] (x = our column axis W,
 * y = our row axis H), the maps likewise, the line mask [W] as a real pattern [1, 1, H, W] → BART
 * [W, H]. BART's image [W, H] reads back as [H, W, 2]. (`bart show -m` on the written files prints
 * these dims; checked when the script first ran.) BART's centred FFT over x and y matches our fftc over
 * (H, W).
 *
 * Never installs anything: `bartVersion()` returns null when `bart` is not on PATH.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import { readCfl, writeCfl } from '../../src/io/cfl.js';

/** `bart version` or null when BART is not installed. */
export function bartVersion(): string | null {
  const r = spawnSync('bart', ['version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return r.stdout.trim();
}

export interface BartCase {
  readonly dir: string;
  /** BART dims of each written file (from `bart show -m`). */
  readonly dims: Record<string, string>;
  dispose(): void;
}

function write(dir: string, name: string, t: HostTensor, real = false): void {
  const { hdr, cfl } = writeCfl(t, real ? { real: true } : {});
  writeFileSync(join(dir, `${name}.hdr`), hdr);
  writeFileSync(join(dir, `${name}.cfl`), cfl);
}

/**
 * Write k-space y [C, H, W, 2], maps [C, H, W, 2] and the line mask [W] for BART.
 * @example const c = writeBartCase(y, maps, mask); bartPics(c, ['-S', '-l1', '-r', '0.01']);
 */
export function writeBartCase(y: HostTensor, maps: HostTensor, mask: ArrayLike<number>): BartCase {
  const [C, H, W] = y.dims as [number, number, number, number];
  const dir = mkdtempSync(join(tmpdir(), 'medrecon-bart-'));
  write(dir, 'ksp', tensor([C, 1, H, W, 2], y.data as Float32Array));
  write(dir, 'sens', tensor([C, 1, H, W, 2], maps.data as Float32Array));
  const pat = new Float32Array(H * W);
  for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) pat[i * W + j] = Number(mask[j]);
  write(dir, 'pat', tensor([H, W], pat), true);
  const dims: Record<string, string> = {};
  for (const n of ['ksp', 'sens', 'pat']) {
    const r = spawnSync('bart', ['show', '-m', join(dir, n)], { encoding: 'utf8' });
    const aod = r.status === 0 ? r.stdout.split('\n').find((l) => l.startsWith('AoD:')) : undefined;
    dims[n] = aod ? `[${aod.slice(4).trim().split(/\s+/).join(', ')}]` : `bart show -m failed: ${r.stderr.trim()}`;
  }
  return { dir, dims, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * `bart pics <args> -p pat ksp sens out` in the case folder; returns the image [H, W, 2] and the
 * process wall time (ms, file reading/writing included).
 */
export function bartPics(c: BartCase, args: readonly string[], threads?: number): { image: HostTensor<'float32'>; ms: number; log: string } {
  const env = { ...process.env, ...(threads ? { OMP_NUM_THREADS: String(threads) } : {}) };
  const t0 = performance.now();
  const r = spawnSync('bart', ['pics', ...args, '-p', 'pat', 'ksp', 'sens', 'out'], { cwd: c.dir, encoding: 'utf8', env });
  const ms = performance.now() - t0;
  if (r.error || r.status !== 0) throw new Error(`bart pics ${args.join(' ')} failed: ${(r.error?.message ?? r.stderr).trim()}`);
  const img = readCfl(readFileSync(join(c.dir, 'out.hdr')), readFileSync(join(c.dir, 'out.cfl')));
  return { image: img, ms, log: (r.stdout + r.stderr).trim() };
}
