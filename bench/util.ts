/** Shared helpers of the benchmark scripts (not part of the library). */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, whether run from bench/ (vite-node) or dist/bench/ (compiled). */
export function repoRoot(metaUrl: string): string {
  const here = dirname(fileURLToPath(metaUrl));
  return resolve(here, here.includes('dist') ? '../..' : '..');
}

/** Median wall time (ms) of `fn` after `warmup` calls, over at least `minRuns` runs and `minMs` ms. */
export async function timeIt(fn: () => Promise<unknown>, { warmup = 2, minRuns = 5, minMs = 1500 } = {}): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const t0 = performance.now();
  while (times.length < minRuns || performance.now() - t0 < minMs) {
    const s = performance.now();
    await fn();
    times.push(performance.now() - s);
    if (times.length > 2000) break;
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Median ms of NumPy's `np.fft.fft2` on complex64 [b, h, w] in a python3 subprocess, or null with the reason. */
export function numpyFft2(b: number, h: number, w: number): { ms: number | null; note?: string } {
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
