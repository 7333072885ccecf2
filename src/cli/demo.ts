/**
 * `medrecon demo`: reconstruct the bundled cases (data/fixtures) with the best methods available now
 * and print method / PSNR / SSIM / time. Today: MRI ×4 (the held-out ch2 T1 slices of data/fixtures) zero-filled;
 * CT and PET rows say what they are waiting for. The comparison PNG is written when the PNG montage
 * writer lands.
 */
import { tensor } from '../index.js';
import { loadMriSlices } from '../io/fixtures.js';
import { computeMetrics } from './metrics.js';
import { lineMask, simulateMriSingleCoil, zeroFilled } from './mri.js';
import { type CliIo, COMMON_HELP, num, parse, Progress, str, table, writeArray } from './common.js';

export const DEMO_HELP = `Usage: medrecon demo [--slices N] [--acceleration R] [--out-dir DIR] [--json]

Reconstruct the bundled MRI, CT and PET cases (data/fixtures) with the best methods available and
print a table of method, PSNR, SSIM and time (fastMRI metric conventions).

Options:
  --slices N          number of held-out MRI slices (default 4)
  --acceleration R    MRI undersampling (default 4, centre fraction 0.08, random lines, seed 0)
  --out-dir DIR       write reconstructions (.npy) there (comparison PNG: when the PNG writer lands)

Examples:
  medrecon demo
  medrecon demo --slices 8 --json

${COMMON_HELP}`;

interface Row {
  readonly case: string;
  readonly method: string;
  readonly psnr: number | null;
  readonly ssim: number | null;
  readonly timeMs: number | null;
  readonly note?: string;
}

export async function runDemo(args: readonly string[], io: CliIo): Promise<number> {
  const { values: v } = parse(args, { slices: { type: 'string' }, acceleration: { type: 'string' }, 'out-dir': { type: 'string' } }, 0);
  if (v.help) {
    io.out(DEMO_HELP + '\n');
    return 0;
  }
  const nWanted = num(v['slices'], 'slices', { int: true, min: 1 }) ?? 4;
  const acc = num(v['acceleration'], 'acceleration', { min: 1 }) ?? 4;
  const outDir = str(v['out-dir']);
  const rows: Row[] = [];

  const all = loadMriSlices('heldout'); // [N, 1, 128, 128] in [0, 1]
  const [N, , H, W] = all.dims as [number, number, number, number];
  const n = Math.min(nWanted, N);
  const bar = new Progress(io, v.quiet, 'demo', n);
  const gt = new Float32Array(n * H * W);
  const zf = new Float32Array(n * H * W);
  const t0 = performance.now();
  try {
    for (let s = 0; s < n; s++) {
      const img = tensor([H, W], all.data.subarray(s * H * W, (s + 1) * H * W));
      gt.set(img.data, s * H * W);
      const mask = lineMask(W, { acceleration: acc, centerFraction: 0.08, seed: s, type: 'random' });
      const k = await simulateMriSingleCoil(img, mask, { noise: 0, seed: s });
      zf.set((await zeroFilled(k)).data, s * H * W);
      bar.update(s + 1);
    }
  } finally {
    bar.stop();
  }
  const timeMs = performance.now() - t0;
  const ref = tensor([n, H, W], gt);
  const rec = tensor([n, H, W], zf);
  const m = computeMetrics(ref, rec);
  const mriCase = `MRI ×${acc} (${n} slices ${H}×${W})`;
  rows.push({ case: mriCase, method: 'zero-filled', psnr: m.psnr, ssim: m.ssim, timeMs });
  rows.push({ case: mriCase, method: 'tv / pnp / diffusion', psnr: null, ssim: null, timeMs: null, note: 'not available yet (MRI solvers not in the public API)' });
  rows.push({ case: 'CT sparse-view (CT_small)', method: 'fbp / tv / pnp', psnr: null, ssim: null, timeMs: null, note: 'not available yet (CT projectors not in the public API)' });
  rows.push({ case: 'PET', method: 'mlem / osem', psnr: null, ssim: null, timeMs: null, note: 'not available yet (PET projector not in the public API)' });
  if (outDir !== undefined) {
    await writeArray(`${outDir}/mri_reference.npy`, ref);
    await writeArray(`${outDir}/mri_zero_filled.npy`, rec);
  }
  if (v.json) {
    io.out(JSON.stringify({ rows, png: null }) + '\n');
    return 0;
  }
  const fmt = (x: number | null, d: number) => (x === null ? '—' : x.toFixed(d));
  io.out(
    table([
      ['case', 'method', 'PSNR dB', 'SSIM', 'time ms', ''],
      ...rows.map((r) => [r.case, r.method, fmt(r.psnr, 2), fmt(r.ssim, 4), fmt(r.timeMs, 0), r.note ?? '']),
    ]),
  );
  io.out(`comparison PNG: not available yet (needs the PNG montage writer in src/io)${outDir !== undefined ? `; arrays written to ${outDir}` : ''}\n`);
  return 0;
}
