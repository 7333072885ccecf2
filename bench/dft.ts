/**
 * DFT benchmark: ORT's `DFT` op vs our MatMul expansion (`expandDft`) vs NumPy's `np.fft.fft2`, for
 * complex 2D DFTs over the last two non-complex axes. Prints a table, writes bench/results/dft.json.
 *
 *   npx tsc -p . && node dist/bench/dft.js      (or: npx vite-node bench/dft.ts)
 *
 * Times are medians after warm-up, measured side by side in one run; only ratios are meaningful.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { tensor } from '../src/core/tensor.js';
import { type Sym, dft, spec } from '../src/ir/index.js';
import { createRuntime } from '../src/node/index.js';
import { numpyFft2, repoRoot, timeIt } from './util.js';

const root = repoRoot(import.meta.url);

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
