/**
 * Physics benchmark (issue 3): forward + adjoint times and dot tests of every operator at the sizes
 * of the evaluation cases, and the CT projector against scikit-image's radon / unfiltered iradon.
 * Prints markdown tables and writes bench/results/physics.json.
 *
 *   npm run bench:physics
 *
 * Executor: ONNX Runtime CPU through createRuntime({ threads: 2 }) (float32). Times are medians of
 * repeated runs after warm-up (bench/util.ts timeIt), inputs already on the executor, outputs left
 * there (the device → host copy is not counted). Dot tests: src/physics/algorithms.ts dotTest on the
 * same runtime (float32), x, y ~ N(0, I) seeded.
 * Peers: /usr/bin/python3 with Debian's python3-skimage (the script installs nothing; it says when a
 * peer is skipped).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { Rng } from '../src/core/rng.js';
import { type Sym, spec } from '../src/ir/index.js';
import { createRuntime } from '../src/node/index.js';
import type { RuntimeTensor } from '../src/runtime/index.js';
import { dotTest } from '../src/physics/algorithms.js';
import { ctProjector, fullArc, parallelBeam } from '../src/physics/ct/index.js';
import { randomMask, senseOp, simulateCoilMaps, singleCoilCartesian } from '../src/physics/mri/index.js';
import type { LinearOperator } from '../src/physics/operator.js';
import { petOperator } from '../src/physics/pet/index.js';
import { loadCases, petPhantom } from './peers/cases.js';
import { repoRoot, timeIt } from './util.js';

const root = repoRoot(import.meta.url);
const rt = createRuntime({ threads: 2 });
const cases = loadCases(root);
const N = cases.size;
console.log(`# medrecon physics benchmark — ${cases.note}`);
const load0 = loadavg()[0]!;
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; ORT CPU, 2 threads, float32; load average at start ${load0.toFixed(2)}\n`);

interface OpRow {
  operator: string;
  size: string;
  setupMs: number;
  forwardMs: number;
  adjointMs: number;
  fwdAdjMs: number;
  dotRelError: number;
  dotNormalizedError: number;
}
const rows: OpRow[] = [];

async function bench(name: string, size: string, make: () => LinearOperator): Promise<OpRow> {
  const t0 = performance.now();
  const A = make();
  const fwd = rt.compile((x: Sym) => A.forward(x), [spec(A.inShape)]);
  const adj = rt.compile((y: Sym) => A.adjoint(y), [spec(A.outShape)]);
  await fwd.ready();
  await adj.ready();
  const setupMs = performance.now() - t0;
  const rng = new Rng(11);
  const x = rt.tensor(rng.fork(1).normalTensor(A.inShape));
  const y = rt.tensor(rng.fork(2).normalTensor(A.outShape));
  const run = (f: typeof fwd, v: RuntimeTensor) => async () => ((await f.run(v)) as RuntimeTensor).dispose();
  const forwardMs = await timeIt(run(fwd, x), { minMs: 1000 });
  const adjointMs = await timeIt(run(adj, y), { minMs: 1000 });
  const d = await dotTest(rt, A, 3);
  x.dispose();
  y.dispose();
  const r: OpRow = { operator: name, size, setupMs, forwardMs, adjointMs, fwdAdjMs: forwardMs + adjointMs, dotRelError: d.relError, dotNormalizedError: d.normalizedError };
  rows.push(r);
  console.log(`${name.padEnd(22)} ${size.padEnd(26)} fwd ${forwardMs.toFixed(2).padStart(8)} ms  adj ${adjointMs.toFixed(2).padStart(8)} ms  dot ${d.relError.toExponential(1)}`);
  return r;
}

// ---------------------------------------------------------------- MRI
const mask = (n: number) => randomMask(n, { acceleration: 4, centerFraction: 0.08, seed: 0 });
await bench('single-coil Cartesian', `${N}², 4× mask`, () => singleCoilCartesian({ shape: [N, N], mask: mask(N) }));
await bench('SENSE', `${N}² × 8 coils, 4× mask`, () => senseOp({ maps: simulateCoilMaps({ coils: 8, shape: [N, N] }), mask: mask(N) }));
await bench('SENSE', '320² × 15 coils, 4× mask', () => senseOp({ maps: simulateCoilMaps({ coils: 15, shape: [320, 320] }), mask: mask(320) }));

// ---------------------------------------------------------------- CT (skimage's radon grid: ⌈N√2⌉ bins of one pixel)
const nDet = Math.ceil(N * Math.SQRT2);
const px = cases.ctPixelMm;
const ctGeom = (views: number) => parallelBeam({ imageSize: [N, N], pixelSize: px, nDetectors: nDet, angles: fullArc(views) });
// plain path (symmetry: 'off') and the dihedral-symmetric path (the default where the geometry qualifies)
const ct180plain = await bench('CT parallel beam', `${N}², 180 views × ${nDet} bins, plain`, () => ctProjector(ctGeom(180), { symmetry: 'off' }));
const ct180 = await bench('CT parallel beam', `${N}², 180 views × ${nDet} bins, symmetric`, () => ctProjector(ctGeom(180), { symmetry: 'auto' }));
await bench('CT parallel beam', `${N}², 60 views × ${nDet} bins, plain`, () => ctProjector(ctGeom(60), { symmetry: 'off' }));
await bench('CT parallel beam', `${N}², 60 views × ${nDet} bins, symmetric`, () => ctProjector(ctGeom(60), { symmetry: 'auto' }));

// ---------------------------------------------------------------- PET
const phantom = petPhantom(cases.mri.image);
await bench('PET (attenuated)', `${N}², 180 views × ${nDet} bins`, () => petOperator({ geometry: parallelBeam({ imageSize: [N, N], pixelSize: 1, nDetectors: nDet, angles: fullArc(180) }), attenuation: phantom.mu }).A);

// ---------------------------------------------------------------- skimage radon + iradon(filter_name=None)
let skimage: { version: string | null; radonMs: number | null; iradonNoFilterMs: number | null; note?: string } = { version: null, radonMs: null, iradonNoFilterMs: null };
{
  const py = '/usr/bin/python3';
  const peer = resolve(root, 'bench/peers/skimage_ct.py');
  const v = spawnSync(py, [peer, 'version'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) {
    skimage.note = `skimage skipped: ${(v.error?.message ?? v.stderr).trim().split('\n').pop()} (apt-get install -y python3-skimage)`;
    console.log(skimage.note);
  } else {
    const s = spawnSync(py, [peer, 'speed', String(N), '180'], { encoding: 'utf8' });
    if (s.status !== 0) skimage.note = `skimage speed run failed: ${s.stderr.trim().split('\n').pop()}`;
    else {
      const o = JSON.parse(s.stdout) as { radonMs: number; iradonNoFilterMs: number };
      skimage = { version: (JSON.parse(v.stdout) as { skimage: string }).skimage, radonMs: o.radonMs, iradonNoFilterMs: o.iradonNoFilterMs };
    }
  }
}
const skTotal = skimage.radonMs !== null && skimage.iradonNoFilterMs !== null ? skimage.radonMs + skimage.iradonNoFilterMs : null;
const speedup = skTotal !== null ? skTotal / ct180.fwdAdjMs : null;
const speedupPlain = skTotal !== null ? skTotal / ct180plain.fwdAdjMs : null;

// ---------------------------------------------------------------- tables
const f = (v: number, d = 2) => v.toFixed(d);
console.log('\n## Operator speed and dot tests (ORT CPU, 2 threads, float32)\n');
console.log('| operator | size | forward (ms) | adjoint (ms) | fwd + adj (ms) | dot test rel. error | normalised | setup (ms) |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.operator} | ${r.size} | ${f(r.forwardMs)} | ${f(r.adjointMs)} | ${f(r.fwdAdjMs)} | ${r.dotRelError.toExponential(1)} | ${r.dotNormalizedError.toExponential(1)} | ${f(r.setupMs, 0)} |`);
console.log(`\nsetup = build (CT: distance-driven tables), compile and ORT session creation, once per geometry.`);
console.log('\n## CT projector vs scikit-image (256², 180 views)\n');
console.log('| | forward (ms) | adjoint (ms) | total (ms) |');
console.log('|---|---:|---:|---:|');
console.log(`| medrecon ctProjector, plain (distance-driven, exact adjoint; symmetry: 'off') | ${f(ct180plain.forwardMs)} | ${f(ct180plain.adjointMs)} | ${f(ct180plain.fwdAdjMs)} |`);
console.log(`| medrecon ctProjector, symmetric (same matrix, 8-fold dihedral symmetry; the default) | ${f(ct180.forwardMs)} | ${f(ct180.adjointMs)} | ${f(ct180.fwdAdjMs)} |`);
if (skTotal !== null) {
  console.log(`| skimage ${skimage.version} radon(circle=False) + iradon(filter_name=None) | ${f(skimage.radonMs!)} | ${f(skimage.iradonNoFilterMs!)} | ${f(skTotal)} |`);
  console.log(`\nspeed-up ${f(speedup!, 1)}× symmetric, ${f(speedupPlain!, 1)}× plain (target ≥ 10×: ${speedup! >= 10 ? 'met' : 'NOT met'}). skimage's iradon(filter_name=None) is an interpolating back-projection (not the exact adjoint of its radon), single-threaded NumPy.`);
} else console.log(`| skimage | skipped | | |\n\n${skimage.note}`);

const out = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? null, runtime: 'onnxruntime-node CPU, 2 threads, float32', loadAvgStart: load0, loadAvgEnd: loadavg()[0] },
  data: { from: cases.from, note: cases.note, ctPixelMm: px, nDet },
  operators: rows,
  ctVsSkimage: {
    size: `${N}²`, views: 180, projector: 'symmetric',
    medreconForwardMs: ct180.forwardMs, medreconAdjointMs: ct180.adjointMs, medreconMs: ct180.fwdAdjMs,
    plain: { forwardMs: ct180plain.forwardMs, adjointMs: ct180plain.adjointMs, ms: ct180plain.fwdAdjMs, speedup: speedupPlain },
    skimage, skimageMs: skTotal, speedup, target: 10, met: speedup !== null ? speedup >= 10 : null,
  },
};
mkdirSync(resolve(root, 'bench/results'), { recursive: true });
writeFileSync(resolve(root, 'bench/results/physics.json'), JSON.stringify(out, null, 2) + '\n');
console.log(`\nload average at end ${loadavg()[0]!.toFixed(2)} (other jobs on this 2-core machine inflate the times)`);
console.log('wrote bench/results/physics.json');
