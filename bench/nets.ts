/**
 * Network benchmark (issue 5): the continuous U-Net (cU-Net, src/nn/models/cunet.ts) against the
 * baseline DDPM U-Net (src/nn/models/unet.ts), side by side in one run. Prints tables and writes
 * bench/results/nets.json.
 *
 *   npm run bench:nets                    # full run (~15–20 min on 2 cores)
 *   npm run bench:nets -- --budget 120    # training budget per model in seconds (default 240)
 *   npm run bench:nets -- --quick         # smoke run: 20 s budget, 64² timings only; writes to the temp dir
 *   options: --lr X (Adam lr of the quality runs, default 1e-3), --only counts,forward,step,quality,
 *            --models cunet,unet, --library-init (keep the library's output-layer init in the quality
 *            runs), --out PATH (default bench/results/nets.json; --quick: <tmpdir>/nets.quick.json)
 *
 * What is measured (every timed or memory-measured case runs in its own child process — a fork of
 * this script with `--child <task>` — so that `process.resourceUsage().maxRSS` is that case's peak):
 *
 * 1. Parameters and multiply-accumulates (MACs) per forward. MACs come from `countMacs`
 *    (src/nn/models/macs.ts) over the traced IR graph: every conv and every matmul with no constant
 *    operand (attention, time MLP, FiLM); element-wise work, norms and the bilinear resampling
 *    matmuls are not counted (thop's convention; the resampling MACs are reported apart). Reference
 *    configurations on 3×64×64: cU-Net nf = 16, attention at enc4 and dec1 — both the authors' model
 *    (timeConditioning 'none', 8,811,875 parameters with the frozen 1000×256 table, as they count)
 *    and medrecon's default with FiLM in every ODE block; U-Net dim 64, mults 1,2,4,8.
 * 2. Forward time per call at 64², 128², 256², batch 1 and 8 (reference configs, FiLM cU-Net,
 *    3 channels): ORT CPU through createRuntime({ threads: all cores }), parameters resident as ORT
 *    tensors, median after a warm-up call (timeIt: ≥ 3 runs and ≥ 2 s). A case whose predicted time
 *    (previous size's time × MAC ratio) exceeds 60 s per call is skipped with a note.
 * 3. Training-step time: one compiled makeTrainStep (Adam, ε-prediction epsLoss, linear β schedule,
 *    T = 1000) at 3×64×64, batch 8, reference configs; the batch is fixed and resident (host data
 *    pipeline excluded). Median after a warm-up step.
 * 4. Quality after the same wall-clock budget on the same data: single-channel configurations
 *    (cU-Net nf 8 vs U-Net dim 16 — about 2.5 M parameters and 0.6–0.7 GMAC per 64² image each, so
 *    equal budgets buy about as many steps), ε-prediction, linear schedule, Adam (β = 0.9, 0.99),
 *    global-norm clipping 1.0, batch 8 of random 64² crops with flips of the 256² MRI training
 *    slices (.cache/meddata/sets/mri_train.npy, else the 128² fixtures), mapped to [−1, 1]. The
 *    output conv of both models starts at zero (ADM's zero-initialised output layer): with the
 *    library's initialisation the cU-Net's first output is ~10² – 10³ in rms (each of the nine
 *    augmented ODE blocks integrates dh/dt = F(h) + h, ≈ e× growth per block), its ε-loss starts
 *    near 10⁵ and a few-minute budget is spent undoing that (both initial losses are reported). Both
 *    models see the identical sequence of crops, timesteps and noise (one seed). The budget clock
 *    starts after the step graph is compiled and its first step has run. Evaluation: 64² centre
 *    crops of every held-out slice (mri_test.npy, else the held-out fixtures), y = x + σn in unit
 *    range (one seeded noise draw shared by both models); in [−1, 1] units the noise is 2σ, so
 *    t = timestepForSigma(schedule, 2σ), x_t = √ᾱ_t (2y − 1), x̂₀ = x0FromEps(x_t, ε̂(x_t, t), t),
 *    clipped to [−1, 1] and mapped back to [0, 1]. PSNR / SSIM with the fastMRI convention (data
 *    range = max of the clean crops, taken as one volume).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, getPriority, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/rng.js';
import { type HostTensor, tensor } from '../src/core/tensor.js';
import { type Tree, flattenTree } from '../src/core/tree.js';
import { coefficients, epsLoss, linearSchedule, timestepForSigma, x0FromEps } from '../src/diffusion/index.js';
import { loadMriSlices } from '../src/io/fixtures.js';
import { readNpy } from '../src/io/npy.js';
import { type Sym, spec, trace } from '../src/ir/index.js';
import { psnr, ssim } from '../src/metrics/index.js';
import { type CunetConfig, countCunetParams } from '../src/nn/models/cunet.js';
import { countMacs } from '../src/nn/models/macs.js';
import type { UnetConfig } from '../src/nn/models/unet.js';
import { countParams } from '../src/nn/params.js';
import { type ModelConfig, modelEntry } from '../src/nn/registry.js';
import { createRuntime } from '../src/node/index.js';
import { type RunArg, type Runtime, type RuntimeTensor, isRuntimeTensor } from '../src/runtime/index.js';
import { adam, makeTrainStep, specTree, withClipping } from '../src/train/index.js';
import { randomCrops } from '../src/train/data.js';
import { repoRoot } from './util.js';

type Model = 'cunet' | 'unet';
const MODELS: readonly Model[] = ['cunet', 'unet'];

/** Reference configurations (3×64×64). `cunet` = medrecon's default (FiLM on); `cunetAuthors` = the authors' HEAD model. */
const REF = {
  cunet: { channels: 3, nf: 16 } satisfies CunetConfig,
  cunetAuthors: { channels: 3, nf: 16, timeConditioning: 'none' } satisfies CunetConfig,
  unet: { channels: 3, dim: 64, dimMults: [1, 2, 4, 8] } satisfies UnetConfig,
} as const;
/** Single-channel MRI configurations of the training comparison. */
const MRI = {
  cunet: { channels: 1, nf: 8 } satisfies CunetConfig,
  unet: { channels: 1, dim: 16, dimMults: [1, 2, 4, 8] } satisfies UnetConfig,
} as const;
const SIGMAS = [0.02, 0.05, 0.1, 0.2];
const SKIP_ABOVE_MS = 60_000;
const CROP = 64;
const TRAIN_BATCH = 8;
const SEED = 5;

// ======================================================================== arguments
interface Args { quick: boolean; budget: number; lr: number; only: Set<string>; models: Model[]; zeroHead: boolean; out: string | null; child: string | null }
function parseArgs(argv: readonly string[]): Args {
  const a: Args = { quick: false, budget: NaN, lr: 1e-3, only: new Set(['counts', 'forward', 'step', 'quality']), models: [...MODELS], zeroHead: true, out: null, child: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench:nets: ${k} needs a value`);
      return v;
    };
    if (k === '--quick') a.quick = true;
    else if (k === '--budget') a.budget = Number(val());
    else if (k === '--lr') a.lr = Number(val());
    else if (k === '--only') a.only = new Set(val().split(','));
    else if (k === '--out') a.out = val();
    else if (k === '--models') a.models = val().split(',') as Model[];
    else if (k === '--library-init') a.zeroHead = false;
    else if (k === '--child') a.child = val();
    else throw new Error(`bench:nets: unknown argument '${k}' (--quick, --budget S, --lr X, --only LIST, --models LIST, --library-init, --out PATH)`);
  }
  if (Number.isNaN(a.budget)) a.budget = a.quick ? 20 : 240;
  if (!(a.budget > 0) || !(a.lr > 0)) throw new Error('bench:nets: --budget and --lr must be positive');
  return a;
}

// ======================================================================== child tasks
type Task =
  | { kind: 'forward'; model: Model; size: number; batch: number }
  | { kind: 'step'; model: Model; size: number; batch: number }
  | { kind: 'quality'; model: Model; budgetS: number; lr: number; zeroHead: boolean };
interface Timed { ms: number; minMs: number; runs: number; compileMs: number; rssMb: number; loadAvg: number }
interface QualityOut {
  steps: number; trainS: number; compileS: number; rssMb: number; initLoss: number; initLossLibrary: number; lossStart: number; lossEnd: number;
  curve: { step: number; s: number; loss: number }[];
  data: { train: string; test: string; evalImages: number };
  eval: { sigma: number; t: number; noisy: Metrics; model: Metrics }[];
}
interface Metrics { psnr: number; ssim: number }

const threads = availableParallelism();
const refConfig = (m: Model): ModelConfig => (m === 'cunet' ? REF.cunet : REF.unet);
const rssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

function disposeTree(t: unknown): void {
  for (const l of flattenTree(t as Tree<RuntimeTensor>, isRuntimeTensor).leaves) l.dispose();
}
/** The same tree with every host leaf uploaded once as an ORT tensor (parameters stay resident). */
function uploadTree(rt: Runtime, t: Tree<HostTensor>): RunArg {
  const walk = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === 'object' && 'data' in x && 'dims' in x) return rt.tensor(x as HostTensor);
    return Object.fromEntries(Object.entries(x as object).map(([k, v]) => [k, walk(v)]));
  };
  return walk(t) as RunArg;
}

/** Median and minimum wall time (ms) of `fn` after `warmup` calls, over ≥ `minRuns` runs and ≥ `minMs` ms (bench/util timeIt, plus the minimum). */
async function timeRuns(fn: () => Promise<unknown>, { warmup = 1, minRuns = 3, minMs = 2000 } = {}): Promise<{ ms: number; minMs: number; runs: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const t0 = performance.now();
  while (times.length < minRuns || (performance.now() - t0 < minMs && times.length < 200)) {
    const s = performance.now();
    await fn();
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, minMs: times[0]!, runs: times.length };
}

/** Runtime, reference configuration, registry entry, channels and initial parameters of a model. */
function referenceSetup(model: Model) {
  const cfg = refConfig(model);
  const e = modelEntry(model);
  return { rt: createRuntime({ threads }), cfg, e, C: e.channels(cfg), p: e.init(new Rng(0), cfg) };
}

async function childForward(t: Extract<Task, { kind: 'forward' }>): Promise<Timed> {
  const { rt, cfg, e, C, p } = referenceSetup(t.model);
  const t0 = performance.now();
  const f = rt.compile((pp: Tree<Sym>, x: Sym, tt: Sym) => e.apply(pp, x, tt, cfg), [specTree(p), spec([t.batch, C, t.size, t.size]), spec([t.batch])]);
  await f.ready();
  const compileMs = performance.now() - t0;
  const rng = new Rng(1);
  const params = uploadTree(rt, p);
  const x = rt.tensor(rng.normalTensor([t.batch, C, t.size, t.size]));
  const tt = rt.tensor(tensor([t.batch], Float32Array.from({ length: t.batch }, () => rng.int(1000))));
  const r = await timeRuns(async () => disposeTree(await f.run(params, x, tt)), { warmup: 1, minRuns: 3, minMs: 2000 });
  return { ...r, compileMs, rssMb: rssMb(), loadAvg: loadavg()[0]! };
}

function epsLossFn(model: Model, cfg: ModelConfig) {
  const e = modelEntry(model);
  const sched = linearSchedule(1000);
  return (p: Tree<Sym>, b: Tree<Sym>): Sym => {
    const { x0, t, eps } = b as { x0: Sym; t: Sym; eps: Sym };
    return epsLoss((xt, tt) => e.apply(p, xt, tt, cfg), x0, t, eps, sched);
  };
}
const batchSpecs = (B: number, C: number, S: number) => ({ x0: spec([B, C, S, S]), t: spec([B], 'int32'), eps: spec([B, C, S, S]) });

async function childStep(t: Extract<Task, { kind: 'step' }>): Promise<Timed & { loss: number }> {
  const { rt, cfg, e, C, p } = referenceSetup(t.model);
  const t0 = performance.now();
  const ts = makeTrainStep(rt, epsLossFn(t.model, cfg), adam({ lr: 2e-4 }), { params: specTree(p), batch: batchSpecs(t.batch, C, t.size) });
  const rng = new Rng(2);
  const batch = {
    x0: rt.tensor(rng.normalTensor([t.batch, C, t.size, t.size], 0, 0.5)),
    t: rt.tensor(tensor([t.batch], Int32Array.from({ length: t.batch }, () => rng.int(1000)), 'int32')),
    eps: rt.tensor(rng.normalTensor([t.batch, C, t.size, t.size])),
  };
  let params: RunArg = uploadTree(rt, p);
  let state: RunArg = uploadTree(rt, ts.init(p));
  let loss = NaN;
  const one = async () => {
    const r = await ts.step(params, state, batch);
    disposeTree(params);
    disposeTree(state);
    params = r.params;
    state = r.state;
    loss = (await r.loss.toHost()).data[0]!;
    r.loss.dispose();
  };
  await one(); // compiles the session
  const compileMs = performance.now() - t0;
  const r = await timeRuns(one, { warmup: 1, minRuns: 3, minMs: 3000 });
  return { ...r, compileMs, rssMb: rssMb(), loadAvg: loadavg()[0]!, loss };
}

/** Training images [N, 1, H, W] in [−1, 1] and held-out 64² centre crops [M, 1, 64, 64] in [0, 1]. */
function loadData(root: string): { train: HostTensor<'float32'>; test: HostTensor<'float32'>; trainNote: string; testNote: string } {
  const sets = resolve(root, '.cache/meddata/sets');
  const npy = (name: string): HostTensor<'float32'> | null => {
    const f = resolve(sets, name);
    if (!existsSync(f)) return null;
    const a = readNpy(readFileSync(f));
    if (a.descr !== '<f4' || a.shape.length !== 3) throw new Error(`bench:nets: ${name}: expected float32 [N, H, W], got ${a.descr} [${a.shape.join(', ')}]`);
    const [n, h, w] = a.shape as [number, number, number];
    return tensor([n, 1, h, w], a.data as Float32Array);
  };
  const tr = npy('mri_train.npy');
  const te = npy('mri_test.npy');
  const train = tr ?? loadMriSlices('train');
  const test = te ?? loadMriSlices('heldout');
  const signed = new Float32Array(train.data.length);
  for (let i = 0; i < signed.length; i++) signed[i] = 2 * train.data[i]! - 1;
  const [M, , H, W] = test.dims as [number, number, number, number];
  const crops = new Float32Array(M * CROP * CROP);
  const y0 = (H - CROP) >> 1;
  const x0 = (W - CROP) >> 1;
  for (let m = 0; m < M; m++) for (let i = 0; i < CROP; i++) for (let j = 0; j < CROP; j++) crops[(m * CROP + i) * CROP + j] = test.data[(m * H + y0 + i) * W + x0 + j]!;
  return {
    train: tensor(train.dims, signed),
    test: tensor([M, 1, CROP, CROP], crops),
    trainNote: `${tr ? '.cache/meddata/sets/mri_train.npy' : 'data/fixtures mri_t1_train.npy'} [${train.dims.join(', ')}]`,
    testNote: `${te ? '.cache/meddata/sets/mri_test.npy' : 'data/fixtures mri_t1_heldout.npy'} [${test.dims.join(', ')}], 64² centre crops`,
  };
}

/** The shared evaluation set: clean crops and one seeded noisy draw per σ (identical for both models). */
function evalSet(test: HostTensor<'float32'>) {
  const rng = new Rng(SEED).fork(99);
  return SIGMAS.map((sigma) => {
    const n = rng.normal(test.data.length);
    const y = new Float32Array(test.data.length);
    for (let i = 0; i < y.length; i++) y[i] = test.data[i]! + sigma * n[i]!;
    return { sigma, noisy: tensor(test.dims, y) };
  });
}

/** With `on`, the output conv's weight and bias set to zero (ADM's zero-initialised output layer). */
function zeroHead(p: Tree<HostTensor>, on: boolean): Tree<HostTensor> {
  if (!on) return p;
  const q = p as { head?: { w: HostTensor; b?: HostTensor }; finalConv?: { w: HostTensor; b?: HostTensor } };
  const conv = q.head ?? q.finalConv!;
  conv.w.data.fill(0);
  conv.b?.data.fill(0);
  return p;
}

async function childQuality(t: Extract<Task, { kind: 'quality' }>, root: string): Promise<QualityOut> {
  const rt = createRuntime({ threads });
  const cfg: ModelConfig = MRI[t.model];
  const e = modelEntry(t.model);
  const sched = linearSchedule(1000);
  const data = loadData(root);
  const rng = new Rng(SEED);
  const p0 = zeroHead(e.init(rng.fork(1), cfg), t.zeroHead);
  const cropRng = rng.fork(2);
  const tRng = rng.fork(3);
  const epsRng = rng.fork(4);
  const nextBatch = () => ({
    x0: randomCrops(cropRng, data.train, TRAIN_BATCH, CROP, { flips: true }),
    t: tensor([TRAIN_BATCH], Int32Array.from({ length: TRAIN_BATCH }, () => tRng.int(1000)), 'int32'),
    eps: epsRng.normalTensor([TRAIN_BATCH, 1, CROP, CROP]),
  });
  // the loss of the library's own initialisation on the first batch (before any zeroing)
  const firstBatch = nextBatch();
  const lossGraph = rt.compile(epsLossFn(t.model, cfg), [specTree(p0), batchSpecs(TRAIN_BATCH, 1, CROP)]);
  const libInit = e.init(rng.fork(1), cfg);
  const initLossLibrary = ((await lossGraph.runHost(libInit, firstBatch)) as HostTensor).data[0]!;
  const initLoss = ((await lossGraph.runHost(p0, firstBatch)) as HostTensor).data[0]!;
  await rt.releaseSessions();
  let pending: ReturnType<typeof nextBatch> | null = firstBatch;
  const c0 = performance.now();
  const ts = makeTrainStep(rt, epsLossFn(t.model, cfg), withClipping(adam({ lr: t.lr, beta1: 0.9, beta2: 0.99 }), 1), { params: specTree(p0), batch: batchSpecs(TRAIN_BATCH, 1, CROP) });
  let params: RunArg = uploadTree(rt, p0);
  let state: RunArg = uploadTree(rt, ts.init(p0));
  const losses: number[] = [];
  const one = async () => {
    const r = await ts.step(params, state, pending ?? nextBatch());
    pending = null;
    disposeTree(params);
    disposeTree(state);
    params = r.params;
    state = r.state;
    losses.push((await r.loss.toHost()).data[0]!);
    r.loss.dispose();
  };
  await one(); // compile + session; not counted in the budget
  const compileS = (performance.now() - c0) / 1000;
  const t0 = performance.now();
  const curve: QualityOut['curve'] = [];
  let lastLog = 0;
  while (performance.now() - t0 < t.budgetS * 1000) {
    await one();
    const s = (performance.now() - t0) / 1000;
    if (s - lastLog >= t.budgetS / 10 || s >= t.budgetS) {
      const w = losses.slice(-Math.min(25, losses.length));
      curve.push({ step: losses.length - 1, s: Number(s.toFixed(1)), loss: w.reduce((a, b) => a + b, 0) / w.length });
      console.log(`    ${t.model}: step ${losses.length - 1}, ${s.toFixed(0)} s, loss (mean of last ${w.length}) ${curve[curve.length - 1]!.loss.toFixed(4)}`);
      lastLog = s;
    }
  }
  const trainS = (performance.now() - t0) / 1000;
  const steps = losses.length - 1;
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const k = Math.max(1, Math.floor(losses.length / 10));

  // ---------------------------------------------------------------- evaluation
  const test = data.test;
  const M = test.dims[0]!;
  const denoise = rt.compile((pp: Tree<Sym>, y: Sym, tt: Sym) => {
    const { a } = coefficients(sched, tt, 4);
    const xt = a.mul(y);
    return x0FromEps(xt, e.apply(pp, xt, tt, cfg), tt, sched);
  }, [specTree(p0), spec([M, 1, CROP, CROP]), spec([M])]);
  const R = test.data.reduce((m, v) => Math.max(m, v), 0);
  const out: QualityOut['eval'] = [];
  for (const { sigma, noisy } of evalSet(test)) {
    const ts_ = timestepForSigma(sched, 2 * sigma);
    const ys = new Float32Array(noisy.data.length);
    for (let i = 0; i < ys.length; i++) ys[i] = 2 * noisy.data[i]! - 1;
    const x0 = (await denoise.runHost(params, tensor(noisy.dims, ys), tensor([M], new Float32Array(M).fill(ts_)))) as HostTensor<'float32'>;
    const xh = new Float32Array(x0.data.length);
    for (let i = 0; i < xh.length; i++) xh[i] = (Math.min(1, Math.max(-1, x0.data[i]!)) + 1) / 2;
    const den = tensor(test.dims, xh);
    out.push({ sigma, t: ts_, noisy: { psnr: psnr(test, noisy, R), ssim: ssim(test, noisy, R) }, model: { psnr: psnr(test, den, R), ssim: ssim(test, den, R) } });
  }
  return {
    steps, trainS, compileS, rssMb: rssMb(), initLoss, initLossLibrary, lossStart: mean(losses.slice(0, k)), lossEnd: mean(losses.slice(-k)), curve,
    data: { train: data.trainNote, test: data.testNote, evalImages: M }, eval: out,
  };
}

// ======================================================================== parent
function runChild<T>(task: Task): Promise<T> {
  const script = fileURLToPath(import.meta.url);
  return new Promise((res, rej) => {
    const cp: ChildProcess = fork(script, ['--child', JSON.stringify(task)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let got: { ok: true; value: T } | { ok: false; error: string } | null = null;
    cp.on('message', (m) => { got = m as typeof got; });
    cp.on('error', rej);
    cp.on('exit', (code) => {
      if (got?.ok) res(got.value);
      else rej(new Error(`child ${JSON.stringify(task)} failed (exit ${code}): ${got && !got.ok ? got.error : 'no result'}`));
    });
  });
}

function countsOf(model: Model | 'cunetAuthors', cfg: ModelConfig, sizes: readonly number[]) {
  const e = modelEntry(model === 'cunetAuthors' ? 'cunet' : model);
  const p = e.init(new Rng(0), cfg);
  const C = e.channels(cfg);
  const macs: Record<string, { macs: number; convMacs: number; matmulMacs: number; resampleMacs: number }> = {};
  for (const s of sizes) {
    const tr = trace((pp: Tree<Sym>, x: Sym, t: Sym) => e.apply(pp, x, t, cfg), [specTree(p), spec([1, C, s, s]), spec([1])]);
    macs[`${s}`] = countMacs(tr.outputs);
  }
  const params = countParams(p);
  const authors = model === 'unet' ? params : countCunetParams(p as never, cfg as CunetConfig);
  return { config: cfg, params, paramsAuthorsCount: authors, macsPerImage: macs };
}

const fmt = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : String(v));
const gm = (v: number) => `${(v / 1e9).toFixed(3)} G`;
const mp = (v: number) => `${(v / 1e6).toFixed(3)} M`;

async function main(args: Args, root: string): Promise<void> {
  const tStart = performance.now();
  const load0 = loadavg()[0]!;
  const outPath = args.out ? resolve(args.out) : args.quick ? resolve(tmpdir(), 'nets.quick.json') : resolve(root, 'bench/results/nets.json');
  const machine = {
    platform: `${process.platform} ${process.arch}`, node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'cpu',
    memGb: Math.round(totalmem() / 2 ** 30), niceness: getPriority(), ortThreads: threads, ort: ortVersion(root), loadAverageStart: load0,
  };
  console.log(`# medrecon network benchmark — cU-Net vs DDPM U-Net${args.quick ? ' (--quick smoke run)' : ''}`);
  console.log(`machine: ${machine.cpus} × ${machine.cpuModel}; ORT CPU (onnxruntime-node ${machine.ort}), ${threads} threads, float32; load average at start ${load0.toFixed(2)}`);
  if (load0 > 0.5) console.log(`note: the machine is not idle (load ${load0.toFixed(2)}): timings may be inflated; cU-Net and U-Net cases run back to back so both see the same conditions`);
  const notes: string[] = [];
  const results: Record<string, unknown> = {};

  // ---------------------------------------------------------------- 1. counts
  type Counts = ReturnType<typeof countsOf>;
  let ref: Record<'cunet' | 'cunetAuthors' | 'unet', Counts> | null = null;
  if (args.only.has('counts') || args.only.has('forward')) {
    const sizes = [64, 128, 256];
    ref = { cunet: countsOf('cunet', REF.cunet, sizes), cunetAuthors: countsOf('cunetAuthors', REF.cunetAuthors, [64]), unet: countsOf('unet', REF.unet, sizes) };
    const mri = { cunet: countsOf('cunet', MRI.cunet, [64]), unet: countsOf('unet', MRI.unet, [64]) };
    results.counts = { macsMethod: 'countMacs (src/nn/models/macs.ts) over the traced IR graph: conv + matmul MACs with no constant operand; bilinear resampling matmuls reported apart (resampleMacs), element-wise work not counted (thop convention)', reference: ref, mri };
    console.log('\n## Parameters and MACs per forward (batch 1)\n');
    console.log('| model | config | params | MACs 64² | MACs 128² | MACs 256² |');
    console.log('|---|---|---|---|---|---|');
    const row = (name: string, c: Counts, cfgS: string) => console.log(`| ${name} | ${cfgS} | ${mp(c.paramsAuthorsCount)}${c.paramsAuthorsCount !== c.params ? ` (${mp(c.params)} trainable)` : ''} | ${['64', '128', '256'].map((s) => (c.macsPerImage[s] ? gm(c.macsPerImage[s]!.macs) : '—')).join(' | ')} |`);
    row('cU-Net (authors)', ref.cunetAuthors, 'nf 16, attn enc4+dec1, no FiLM, 3 ch');
    row('cU-Net (FiLM)', ref.cunet, 'nf 16, attn enc4+dec1, FiLM, 3 ch');
    row('U-Net', ref.unet, 'dim 64, mults 1,2,4,8, 3 ch');
    row('cU-Net MRI', mri.cunet, 'nf 8, 1 ch');
    row('U-Net MRI', mri.unet, 'dim 16, 1 ch');
    console.log(`\nparams ratio cU-Net/U-Net: ${fmt((100 * ref.cunetAuthors.paramsAuthorsCount) / ref.unet.params)} % (authors' count), ${fmt((100 * ref.cunet.params) / ref.unet.params)} % (FiLM model, trainable); MACs ratio at 64²: ${fmt((100 * ref.cunetAuthors.macsPerImage['64']!.macs) / ref.unet.macsPerImage['64']!.macs)} % (authors), ${fmt((100 * ref.cunet.macsPerImage['64']!.macs) / ref.unet.macsPerImage['64']!.macs)} % (FiLM)`);
  }

  // ---------------------------------------------------------------- 2. forward time
  type FwdRow = { model: Model; size: number; batch: number; ms: number | null; minMs?: number; runs?: number; compileMs: number | null; rssMb: number | null; gmacPerS: number | null; loadAvg?: number; note?: string };
  const fwd: FwdRow[] = [];
  if (args.only.has('forward') && ref) {
    const sizes = args.quick ? [64] : [64, 128, 256];
    console.log('\n## Forward time per call (reference configs, 3 channels; each case in its own process)\n');
    for (const batch of [1, 8]) {
      for (const size of sizes) {
        for (const model of MODELS) {
          const macs = ref[model].macsPerImage[`${size}`]!.macs * batch;
          const prev = fwd.filter((r) => r.model === model && r.batch === batch && r.ms !== null).pop();
          const predicted = prev ? prev.ms! * (macs / (ref[model].macsPerImage[`${prev.size}`]!.macs * batch)) : 0;
          if (predicted > SKIP_ABOVE_MS) {
            const note = `skipped: predicted ${(predicted / 1000).toFixed(0)} s per call (> 60 s) from ${prev!.size}² × MAC ratio`;
            fwd.push({ model, size, batch, ms: null, compileMs: null, rssMb: null, gmacPerS: null, note });
            console.log(`  ${model.padEnd(5)} ${size}² × ${batch}: ${note}`);
            continue;
          }
          const r = await runChild<Timed>({ kind: 'forward', model, size, batch });
          fwd.push({ model, size, batch, ms: r.ms, minMs: r.minMs, runs: r.runs, compileMs: r.compileMs, rssMb: r.rssMb, gmacPerS: macs / (r.ms * 1e6), loadAvg: r.loadAvg });
          console.log(`  ${model.padEnd(5)} ${size}² × ${batch}: ${fmt(r.ms)} ms/call (min ${fmt(r.minMs)}, ${r.runs} runs; compile ${fmt(r.compileMs / 1000)} s), peak RSS ${r.rssMb} MB, ${fmt(macs / (r.ms * 1e6))} GMAC/s, load ${r.loadAvg.toFixed(1)}`);
        }
      }
    }
    console.log('\n| size | batch | cU-Net ms | U-Net ms | cU-Net / U-Net | cU-Net peak MB | U-Net peak MB |');
    console.log('|---|---|---|---|---|---|---|');
    for (const batch of [1, 8]) for (const size of sizes) {
      const c = fwd.find((r) => r.model === 'cunet' && r.size === size && r.batch === batch)!;
      const u = fwd.find((r) => r.model === 'unet' && r.size === size && r.batch === batch)!;
      const ratio = c.ms !== null && u.ms !== null ? `${fmt(c.ms / u.ms, 2)}` : '—';
      console.log(`| ${size}² | ${batch} | ${c.ms === null ? 'skipped' : fmt(c.ms)} | ${u.ms === null ? 'skipped' : fmt(u.ms)} | ${ratio} | ${c.rssMb ?? '—'} | ${u.rssMb ?? '—'} |`);
    }
    results.forward = { method: 'ORT CPU via createRuntime({ threads: all cores }), params resident as ORT tensors, timeIt median (1 warm-up, ≥ 3 runs, ≥ 2 s); cU-Net = FiLM config', rows: fwd };
  }

  // ---------------------------------------------------------------- 3. training step
  const step: Partial<Record<Model, Timed & { loss: number }>> = {};
  if (args.only.has('step')) {
    console.log('\n## Training step (Adam, ε-prediction, linear schedule T = 1000; 3×64×64, batch 8; reference configs)\n');
    for (const model of MODELS) {
      const r = await runChild<Timed & { loss: number }>({ kind: 'step', model, size: 64, batch: 8 });
      step[model] = r;
      console.log(`  ${model.padEnd(5)}: ${fmt(r.ms)} ms/step (compile + first step ${fmt(r.compileMs / 1000)} s), peak RSS ${r.rssMb} MB`);
    }
    results.trainStep = { method: 'one compiled makeTrainStep (adam lr 2e-4, epsLoss, linearSchedule(1000)) at [8, 3, 64, 64]; fixed resident batch; timeIt median (1 warm-up, ≥ 3 runs, ≥ 3 s)', ...step };
  }

  // ---------------------------------------------------------------- 4. quality after equal budgets
  const quality: Partial<Record<Model, QualityOut>> = {};
  if (args.only.has('quality')) {
    console.log(`\n## Quality after ${args.budget} s of training each (single channel: cU-Net nf 8 vs U-Net dim 16; lr ${args.lr})\n`);
    for (const model of args.models) {
      const r = await runChild<QualityOut>({ kind: 'quality', model, budgetS: args.budget, lr: args.lr, zeroHead: args.zeroHead });
      quality[model] = r;
      console.log(`  ${model.padEnd(5)}: ${r.steps} steps in ${fmt(r.trainS)} s (${fmt((1000 * r.trainS) / r.steps, 0)} ms/step; compile ${fmt(r.compileS)} s), loss at init ${fmt(r.initLoss, 3)} (library init: ${fmt(r.initLossLibrary, 1)}), first/last 10 % of steps ${r.lossStart.toFixed(3)} → ${r.lossEnd.toFixed(4)}, peak RSS ${r.rssMb} MB`);
    }
    const done = args.models.map((m) => [m, quality[m]!] as const);
    const first = done[0]![1];
    const label = (m: Model) => (m === 'cunet' ? 'cU-Net' : 'U-Net');
    console.log(`\ndata: train ${first.data.train}; test ${first.data.test} (${first.data.evalImages} images)\n`);
    console.log(`| σ (unit range) | t | noisy PSNR / SSIM | ${done.map(([m]) => `${label(m)} PSNR / SSIM`).join(' | ')} |`);
    console.log(`|---|---|---|${done.map(() => '---|').join('')}`);
    first.eval.forEach((e0, i) => {
      console.log(`| ${e0.sigma} | ${e0.t} | ${fmt(e0.noisy.psnr, 2)} / ${e0.noisy.ssim.toFixed(3)} | ${done.map(([, q]) => `${fmt(q.eval[i]!.model.psnr, 2)} / ${q.eval[i]!.model.ssim.toFixed(3)}`).join(' | ')} |`);
    });
    results.quality = {
      method: 'equal wall-clock budget per model after compile + first step; output conv zero-initialised (zeroHead) unless --library-init; ε-prediction, linearSchedule(1000), Adam (β 0.9, 0.99) + global-norm clip 1.0, batch 8 random 64² crops with flips, images mapped to [−1, 1], identical seeded data stream; one-step x̂₀ = x0FromEps at t = timestepForSigma(2σ) from x_t = √ᾱ_t·(2y − 1), clipped to [−1, 1]; PSNR/SSIM fastMRI convention (R = max of the clean crops)',
      budgetS: args.budget, lr: args.lr, zeroHead: args.zeroHead, batch: TRAIN_BATCH, crop: CROP, configs: MRI, ...quality,
    };
  }

  // ---------------------------------------------------------------- claims
  const claims: { claim: string; paper: string; measured: string; value: number | null }[] = [];
  if (ref) {
    claims.push({ claim: 'parameters ≈ ¼ of the DDPM U-Net', paper: '8,811,875 / 35,710,339 = 24.7 % (authors\' code)', measured: `${fmt((100 * ref.cunetAuthors.paramsAuthorsCount) / ref.unet.params)} % authors' model (frozen table counted); ${fmt((100 * ref.cunet.params) / ref.unet.params)} % FiLM model (trainable only)`, value: ref.cunetAuthors.paramsAuthorsCount / ref.unet.params });
    claims.push({ claim: '≈ 30–40 % of the FLOPs', paper: '≈ 30 % (v4 abstract); thop 2.831 G / 7.206 G = 39.3 % at 3×64×64', measured: `${fmt((100 * ref.cunet.macsPerImage['64']!.macs) / ref.unet.macsPerImage['64']!.macs)} % at 64², ${fmt((100 * ref.cunet.macsPerImage['256']!.macs) / ref.unet.macsPerImage['256']!.macs)} % at 256² (FiLM model; conv + attention MACs)`, value: ref.cunet.macsPerImage['64']!.macs / ref.unet.macsPerImage['64']!.macs });
  }
  const pairs = fwd.filter((r) => r.model === 'cunet' && r.ms !== null).map((c) => ({ c, u: fwd.find((r) => r.model === 'unet' && r.size === c.size && r.batch === c.batch && r.ms !== null) })).filter((p) => p.u);
  if (pairs.length) {
    const ratios = pairs.map(({ c, u }) => ({ key: `${c.size}²×${c.batch}`, r: c.ms! / u!.ms! }));
    const best = ratios.reduce((a, b) => (b.r < a.r ? b : a));
    const worst = ratios.reduce((a, b) => (b.r > a.r ? b : a));
    claims.push({ claim: 'up to 70 % faster inference', paper: '"up to 70 % faster" (v1/v2 abstract); authors\' notebook: ≈ 16–17 % less CPU time per step at 64²', measured: `cU-Net time / U-Net time from ${fmt(best.r, 2)} (${best.key}: ${fmt(100 * (1 - best.r), 0)} % less time) to ${fmt(worst.r, 2)} (${worst.key}); per case: ${ratios.map((x) => `${x.key} ${fmt(x.r, 2)}`).join(', ')}`, value: best.r });
  }
  if (step.cunet && step.unet) claims.push({ claim: 'training step (not claimed)', paper: '—', measured: `cU-Net / U-Net step time at 3×64×64 ×8 = ${fmt(step.cunet.ms / step.unet.ms, 2)}`, value: step.cunet.ms / step.unet.ms });
  if (quality.cunet && quality.unet) {
    const d = quality.cunet.eval.map((ce, i) => ({ sigma: ce.sigma, dPsnr: ce.model.psnr - quality.unet!.eval[i]!.model.psnr }));
    claims.push({ claim: 'better noise robustness / quality', paper: 'qualitative (CelebA 64; notebook: 35.27 dB at σ 0.02 … 25.35 dB at σ 0.2 with multi-step reverse chains)', measured: `one-step denoising after equal ${args.budget} s budgets (single-channel MRI, ~equal params): cU-Net − U-Net PSNR = ${d.map((x) => `${x.sigma}: ${x.dPsnr >= 0 ? '+' : ''}${fmt(x.dPsnr, 2)} dB`).join(', ')}`, value: null });
  }
  if (claims.length) {
    console.log('\n## Paper claims vs measured\n');
    console.log('| claim | paper | measured |');
    console.log('|---|---|---|');
    for (const c of claims) console.log(`| ${c.claim} | ${c.paper} | ${c.measured} |`);
  }

  const load1 = loadavg()[0]!;
  if (load1 > 1.5) notes.push(`load average at the end ${load1.toFixed(2)}: other jobs shared the machine during the run`);
  notes.push('every timed case ran in its own child process (fork of this script), one at a time; peak memory = that process\'s maxRSS');
  const out = {
    date: new Date().toISOString(), command: `node dist/bench/nets.js ${process.argv.slice(2).join(' ')}`.trim(), quick: args.quick,
    machine: { ...machine, loadAverageEnd: load1 }, wallS: Math.round((performance.now() - tStart) / 1000), notes,
    configs: { reference: REF, mri: MRI }, ...results, claims,
  };
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, JSON.stringify(out, null, 2) + '\n');
  console.log(`\nwall time ${out.wallS} s; wrote ${outPath}`);
}

function ortVersion(root: string): string {
  try {
    return (JSON.parse(readFileSync(resolve(root, 'node_modules/onnxruntime-node/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

// ======================================================================== entry
const root = repoRoot(import.meta.url);
const args = parseArgs(process.argv.slice(2));
if (args.child) {
  const task = JSON.parse(args.child) as Task;
  try {
    const value = task.kind === 'forward' ? await childForward(task) : task.kind === 'step' ? await childStep(task) : await childQuality(task, root);
    if (process.send) process.send({ ok: true, value }, () => process.exit(0));
    else console.log(JSON.stringify(value)); // run by hand (no IPC channel)
  } catch (e) {
    if (process.send) process.send({ ok: false, error: (e as Error).stack ?? String(e) }, () => process.exit(1));
    else throw e;
  }
} else {
  await main(args, root);
}
