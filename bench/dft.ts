/**
 * DFT benchmark: ORT's `DFT` op vs our MatMul expansion (`expandDft`) vs NumPy's `np.fft.fft2`, for
 * complex 2D DFTs over the last two non-complex axes. Prints a table, writes bench/results/dft.json.
 *
 *   npx tsc -p . && node dist/bench/dft.js      (or: npx vite-node bench/dft.ts)
 *
 * Times are medians after warm-up, measured side by side in one run; only ratios are meaningful.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tensor } from '../src/core/tensor.js';
import { type Sym, dft, spec } from '../src/ir/index.js';
import { createRuntime } from '../src/node/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, here.includes('dist') ? '../..' : '..');

async function timeIt(fn: () => Promise<unknown>, { warmup = 2, minRuns = 5, minMs = 1500 } = {}): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const t0 = performance.now();
  while (times.length < minRuns || performance.now() - t0 < minMs) {
    const s = performance.now();
    await fn();
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Median ms of np.fft.fft2 on complex64 [B, H, W], or null (with the reason) when NumPy is unavailable. */
function numpyFft2(b: number, h: number, w: number): { ms: number | null; note?: string } {
  const code = `
import time, numpy as np
x = (np.random.rand(${b},${h},${w}) + 1j*np.random.rand(${b},${h},${w})).astype(np.complex64)
for _ in range(2): np.fft.fft2(x)
ts = []
t0 = time.perf_counter()
while len(ts) < 5 or time.perf_counter() - t0 < 1.5:
    s = time.perf_counter(); np.fft.fft2(x); ts.append(time.perf_counter() - s)
print(sorted(ts)[len(ts)//2] * 1e3)`;
  const r = spawnSync('python3', ['-c', code], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return { ms: null, note: `numpy skipped: ${(r.error?.message ?? r.stderr).trim().split('\n').pop()}` };
  return { ms: Number(r.stdout.trim()) };
}

const rt = createRuntime();
const cases = [
  [1, 320, 320],
  [15, 640, 368],
] as const;
const fft2 = (x: Sym) => dft(dft(x, -2), -3);
const rows: Record<string, number | string | null>[] = [];
for (const [b, h, w] of cases) {
  const dims = [b, h, w, 2];
  const x = tensor(dims, Float32Array.from({ length: b * h * w * 2 }, () => Math.random() - 0.5));
  const onnx = rt.compile(fft2, [spec(dims)], { dft: 'onnx' });
  const ours = rt.compile(fft2, [spec(dims)], { dft: 'expand' });
  const tOnnx = await timeIt(() => onnx.runHost(x));
  const tOurs = await timeIt(() => ours.runHost(x));
  // Agreement between the two ORT paths (relative L2).
  const [ya, yb] = [(await onnx.runHost(x)) as { data: Float32Array }, (await ours.runHost(x)) as { data: Float32Array }];
  let num = 0;
  let den = 0;
  for (let i = 0; i < ya.data.length; i++) {
    num += (ya.data[i]! - yb.data[i]!) ** 2;
    den += ya.data[i]! ** 2;
  }
  const np = numpyFft2(b, h, w);
  const row = {
    shape: `${b}x${h}x${w}`,
    ortDftMs: +tOnnx.toFixed(3),
    expandMs: +tOurs.toFixed(3),
    numpyMs: np.ms === null ? null : +np.ms.toFixed(3),
    expandOverNumpy: np.ms === null ? null : +(tOurs / np.ms).toFixed(2),
    ortDftOverExpand: +(tOnnx / tOurs).toFixed(2),
    expandOnnxNodes: ours.nodeCount,
    relDiffVsOrtDft: +Math.sqrt(num / den).toExponential(2),
    note: np.note ?? '',
  };
  rows.push(row);
}
console.log('complex 2D DFT (forward, last two non-complex axes), median ms; runHost includes host copies');
console.table(rows);
mkdirSync(resolve(root, 'bench/results'), { recursive: true });
writeFileSync(resolve(root, 'bench/results/dft.json'), JSON.stringify({ date: new Date().toISOString(), rows }, null, 2) + '\n');
