/**
 * CT projector timing (not a test): `npx vite-node test/physics/ct/timing.ts [N] [views]`.
 * Prints the table sizes and build time, and the ORT (CPU, 2 threads) time of forward, adjoint and
 * FBP for each forward/adjoint method. Compare with skimage on the same machine:
 *   /usr/bin/python3 -c "import numpy as np, time; from skimage.transform import radon, iradon; ..."
 */
import { tensor } from '../../../src/core/tensor.js';
import type { Sym } from '../../../src/ir/sym.js';
import { spec } from '../../../src/ir/trace.js';
import { createRuntime } from '../../../src/node/index.js';
import { buildTables, ctProjector, describeTables, fbpGraph, fullArc, parallelBeam } from '../../../src/physics/ct/index.js';

const N = Number(process.argv[2] ?? 256);
const V = Number(process.argv[3] ?? 180);
const rt = createRuntime({ threads: 2 });
const g = parallelBeam({ imageSize: [N, N], angles: fullArc(V) });
const t = buildTables(g);
console.log(describeTables(t));
const x = tensor([N, N], new Float32Array(N * N).fill(0.01));
const y = tensor([V, g.nDetectors], new Float32Array(V * g.nDetectors).fill(1));
async function time(label: string, f: (s: Sym) => Sym, inp: typeof x, reps = 5): Promise<number> {
  const t0 = performance.now();
  const ex = rt.compile(f, [spec(inp.dims)]);
  const o = await ex.run(inp);
  (o as { dispose(): void }).dispose();
  const t1 = performance.now();
  for (let i = 0; i < reps; i++) ((await ex.run(inp)) as { dispose(): void }).dispose();
  const ms = (performance.now() - t1) / reps;
  console.log(`${label}: first call (compile + run) ${(t1 - t0).toFixed(0)} ms, then ${ms.toFixed(1)} ms`);
  return ms;
}
for (const [fwd, adj] of [['scatter', 'gather'], ['gather', 'gather'], ['gather', 'scatter']] as const) {
  const A = ctProjector(g, { tables: t, forward: fwd, adjoint: adj });
  const a = await time(`forward (${fwd})`, (s) => A.forward(s), x);
  const b = await time(`adjoint (${adj})`, (s) => A.adjoint(s), y);
  console.log(`  forward + adjoint: ${(a + b).toFixed(1)} ms`);
}
const A = ctProjector(g, { tables: t });
await time('fbp (ramp)', fbpGraph(g, { projector: A }), y);
