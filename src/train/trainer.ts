/**
 * Train any registry model (src/nn/registry.ts) on images, for one of two objectives:
 *
 * Images are first normalised, u = (x − lo)/r, with [lo, lo + r] the data range (so a model always
 * works in unit-range units; `modelDenoiser` maps back):
 *   denoise:    σ_i ~ U[σ_min, σ_max] (data units), s_i = σ_i / r, y_i = u_i + s_i n_i,
 *               loss = mean((f_θ(y, s) − u)²), or with 'inverse-variance' weighting
 *               loss = mean_i( mean((f_θ(y_i, s_i) − u_i)²) / (s_i² + ε²) ) · ε²,  ε = weightingEps (0.01)
 *               or with 'edm' weighting (the default for a DRUNet with preconditioning 'edm')
 *               loss = mean_i( mean((f_θ(y_i, s_i) − u_i)²) / c_out(s_i)² ),  c_out = s·σ_d/√(s² + σ_d²),
 *               i.e. the plain MSE of the network's raw output against its unit-variance target;
 *               σ_i optionally log-uniform (sigmaSampling)
 *   diffusion:  x₀ = 2u − 1 ∈ [−1, 1], t_i ~ U{0..T−1}, ε ~ N(0, I),
 *               x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε,  loss = mean((f_θ(x_t, t) − ε)²)  ('eps')
 *               or mean((f_θ(x_t, t) − v)²), v = √ᾱ_t ε − √(1−ᾱ_t) x₀       ('v')
 *
 * One compiled graph per step (valueAndGrad + optional global-norm clipping + Adam/AdamW); an
 * EMA of the weights, e ← d_k e + (1 − d_k) θ with the warmed-up d_k = min(d, (1+k)/(10+k)), runs as
 * a second small graph. Learning rate: linear warm-up then cosine decay (`warmupCosine`). All
 * randomness (crops, augmentation, σ, t, noise) comes from one seeded `Rng` whose state is saved in
 * every checkpoint, so `resume` continues bit-identically to an uninterrupted run.
 *
 * @example
 *   const r = await trainModel(rt, images, {
 *     kind: 'drunet', config: { channels: 1, widths: [16, 32, 64], blocksPerLevel: 1 },
 *     objective: { kind: 'denoise', sigmaMin: 0, sigmaMax: 0.2 }, steps: 2000, crop: 64,
 *     onCheckpoint: (file, step) => save(file), checkpointEvery: 500,
 *   });
 *   const file = saveModel(r.params, r.meta);
 */
import { MedreconError, checkOptions } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { type HostTensor, tensor } from '../core/tensor.js';
import { type Tree, flattenTree } from '../core/tree.js';
import type { Sym } from '../ir/sym.js';
import { spec } from '../ir/trace.js';
import { type JsonValue, type ParamsFile, isHostTensor } from '../io/safetensors.js';
import { makeSchedule } from '../diffusion/schedules.js';
import { epsLoss, vLoss } from '../diffusion/objectives.js';
import type { DataRange } from '../nn/denoiser.js';
import { dataRangeWidth, edmOutputScale } from '../nn/models/drunet.js';
import { cloneParams, countParams } from '../nn/params.js';
import { type ModelConfig, type ModelKind, type SavedModelMeta, modelEntry } from '../nn/registry.js';
import type { Compiled, RunArg, Runtime, RuntimeTensor } from '../runtime/index.js';
import { type AugmentOptions, augmentedCrops, checkAugment } from './augment.js';
import { type Checkpoint, saveCheckpoint, treeToHost } from './checkpoint.js';
import { withClipping } from './clip.js';
import { emaDecay, emaUpdate } from './ema.js';
import { adam, adamw } from './optimizers.js';
import { warmupCosine } from './schedule.js';
import { makeTrainStep, specTree } from './step.js';

export type Objective =
  | {
      readonly kind: 'denoise'; readonly sigmaMin: number; readonly sigmaMax: number;
      /**
       * 'uniform' (default): plain MSE. 'inverse-variance': each image's MSE divided by s² + ε²
       * (s = σ/r, ε = 0.01), which equalises the PSNR weight of every noise level — without it the
       * low-σ regime (where the network must be close to the identity) contributes almost nothing.
       */
      readonly weighting?: 'uniform' | 'inverse-variance' | 'edm';
      /** ε of the inverse-variance weighting, in normalised units (default 0.01; larger = closer to uniform). */
      readonly weightingEps?: number;
      /**
       * How σ is drawn from [σ_min, σ_max]: 'uniform' (default) or 'log-uniform' (equal mass per octave,
       * so the low noise levels of late plug-and-play iterations are trained as often as the high ones;
       * needs σ_min > 0).
       */
      readonly sigmaSampling?: 'uniform' | 'log-uniform';
    }
  | { readonly kind: 'diffusion'; readonly schedule: 'linear' | 'sigmoid' | 'cosine'; readonly T?: number; readonly prediction: 'eps' | 'v' };

export interface TrainModelOptions {
  readonly kind: ModelKind;
  readonly config: ModelConfig;
  readonly objective: Objective;
  /** Units of `images` (default 'unit'). */
  readonly dataRange?: DataRange;
  readonly name?: string;
  readonly batch?: number;
  readonly crop?: number;
  /** Total steps (the cosine schedule's length). */
  readonly steps: number;
  readonly lr?: number;
  readonly minLr?: number;
  readonly warmupSteps?: number;
  readonly optimizer?: 'adam' | 'adamw';
  readonly weightDecay?: number;
  /** Clip gradients to this global norm (default: no clipping). */
  readonly clipNorm?: number;
  /** EMA decay d (default 0.999; 0 disables the EMA). */
  readonly emaDecay?: number;
  readonly augment?: AugmentOptions;
  readonly seed?: number;
  /** Stop (with a final checkpoint) once this much wall time has passed in this call. */
  readonly timeBudgetMs?: number;
  readonly logEvery?: number;
  readonly onLog?: (rec: TrainLogRecord) => void;
  readonly checkpointEvery?: number;
  /** Receives every checkpoint (and the final one) as a safetensors + JSON pair. */
  readonly onCheckpoint?: (file: ParamsFile, step: number) => void | Promise<void>;
  /** Continue from a checkpoint written by this function (same options). */
  readonly resume?: Checkpoint;
  /**
   * Start from these parameters instead of a random initialisation (fine-tuning, e.g. a shipped
   * model on your own data): the same tree and shapes as `kind` + `config` initialise to. A fresh
   * optimiser state, schedule and EMA start from them. Ignored when resuming (the checkpoint has them).
   */
  readonly init?: Tree<HostTensor>;
  /** Extra facts for the model card (data, split, licence…). */
  readonly provenance?: { readonly [k: string]: JsonValue };
  /** Called after every step (progress bars). */
  readonly onStep?: (step: number, total: number) => void;
}

export interface TrainLogRecord {
  readonly step: number;
  /** Mean loss over the steps since the previous record. */
  readonly loss: number;
  readonly lr: number;
  readonly elapsedMs: number;
  readonly msPerStep: number;
}

export interface TrainModelResult {
  /** The weights to use: the EMA when enabled, else the raw parameters. */
  readonly params: Tree<HostTensor>;
  readonly rawParams: Tree<HostTensor>;
  readonly meta: SavedModelMeta;
  /** Steps completed in total (including resumed ones) and in this call. */
  readonly step: number;
  readonly stepsThisRun: number;
  readonly elapsedMs: number;
  readonly losses: number[];
  /** The final checkpoint. */
  readonly checkpoint: ParamsFile;
}

const KEYS = [
  'kind', 'config', 'objective', 'dataRange', 'name', 'batch', 'crop', 'steps', 'lr', 'minLr', 'warmupSteps', 'optimizer',
  'weightDecay', 'clipNorm', 'emaDecay', 'augment', 'seed', 'timeBudgetMs', 'logEvery', 'onLog', 'checkpointEvery',
  'onCheckpoint', 'resume', 'provenance', 'onStep', 'init',
];

/** The JSON-serialisable part of the options, stored in checkpoints (resume checks it matches). */
function recipeOf(o: TrainModelOptions, batch: number, crop: number): { [k: string]: JsonValue } {
  return {
    kind: o.kind, config: o.config as unknown as JsonValue, objective: o.objective as unknown as JsonValue,
    dataRange: (o.dataRange ?? 'unit') as unknown as JsonValue, batch, crop, steps: o.steps, lr: o.lr ?? 1e-3,
    minLr: o.minLr ?? 0, warmupSteps: o.warmupSteps ?? 0, optimizer: o.optimizer ?? 'adam', weightDecay: o.weightDecay ?? (o.optimizer === 'adamw' ? 1e-4 : 0),
    clipNorm: o.clipNorm ?? 0, emaDecay: o.emaDecay ?? 0.999, augment: (o.augment ?? {}) as unknown as JsonValue, seed: o.seed ?? 0,
  };
}

/** `init` when it has the tree structure and leaf shapes of `fresh` (else a typed error). */
function checkedInit(init: Tree<HostTensor>, fresh: Tree<HostTensor>): Tree<HostTensor> {
  const a = flattenTree(init, isHostTensor);
  const b = flattenTree(fresh, isHostTensor);
  const sig = (l: readonly HostTensor[]) => l.map((t) => t.dims.join('×')).join(',');
  if (JSON.stringify(a.def) !== JSON.stringify(b.def) || sig(a.leaves as HostTensor[]) !== sig(b.leaves as HostTensor[])) {
    throw new MedreconError('SHAPE_MISMATCH', `trainModel: init parameters do not fit this model (${a.leaves.length} tensors vs ${b.leaves.length} expected for the kind and config); fine-tune with the model's own kind and config`);
  }
  return init;
}

/** The loss weighting a denoising run uses: the objective's, else 'edm' for an EDM-preconditioned DRUNet, else 'uniform'. */
export function denoiseWeighting(kind: ModelKind, config: ModelConfig, o: Extract<Objective, { kind: 'denoise' }>): 'uniform' | 'inverse-variance' | 'edm' {
  if (o.weighting) return o.weighting;
  return kind === 'drunet' && (config as { preconditioning?: string }).preconditioning === 'edm' ? 'edm' : 'uniform';
}

function checkObjective(o: Objective): void {
  if (o.kind === 'denoise') {
    if (o.weighting !== undefined && o.weighting !== 'uniform' && o.weighting !== 'inverse-variance' && o.weighting !== 'edm') {
      throw new MedreconError('INVALID_ARGUMENT', `trainModel: weighting must be 'uniform', 'inverse-variance' or 'edm', got ${String(o.weighting)}`);
    }
    if (o.sigmaSampling !== undefined && o.sigmaSampling !== 'uniform' && o.sigmaSampling !== 'log-uniform') {
      throw new MedreconError('INVALID_ARGUMENT', `trainModel: sigmaSampling must be 'uniform' or 'log-uniform', got ${String(o.sigmaSampling)}`);
    }
    if ((o.sigmaSampling === 'log-uniform' || o.weighting === 'edm') && !(o.sigmaMin > 0)) {
      throw new MedreconError('INVALID_ARGUMENT', `trainModel: ${o.weighting === 'edm' ? "weighting 'edm'" : "sigmaSampling 'log-uniform'"} needs sigmaMin > 0, got ${o.sigmaMin}`);
    }
    if (o.weightingEps !== undefined && !(o.weightingEps > 0 && Number.isFinite(o.weightingEps))) throw new MedreconError('INVALID_ARGUMENT', `trainModel: weightingEps must be > 0, got ${o.weightingEps}`);
    if (!(o.sigmaMin >= 0 && o.sigmaMax >= o.sigmaMin && Number.isFinite(o.sigmaMax))) {
      throw new MedreconError('INVALID_ARGUMENT', `trainModel: denoise objective needs 0 ≤ sigmaMin ≤ sigmaMax, got [${o.sigmaMin}, ${o.sigmaMax}]`);
    }
  } else if (o.kind === 'diffusion') {
    if (!['linear', 'sigmoid', 'cosine'].includes(o.schedule)) throw new MedreconError('INVALID_ARGUMENT', `trainModel: schedule must be linear, sigmoid or cosine, got ${String(o.schedule)}`);
    if (!['eps', 'v'].includes(o.prediction)) throw new MedreconError('INVALID_ARGUMENT', `trainModel: prediction must be eps or v, got ${String(o.prediction)}`);
    const T = o.T ?? 1000;
    if (!Number.isInteger(T) || T < 2) throw new MedreconError('INVALID_ARGUMENT', `trainModel: T must be an integer ≥ 2, got ${T}`);
  } else {
    throw new MedreconError('INVALID_ARGUMENT', `trainModel: objective.kind must be 'denoise' or 'diffusion'`);
  }
}

function positiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new MedreconError('INVALID_ARGUMENT', `trainModel: ${name} must be a positive integer, got ${v}`);
}

/** Train a model (see the module comment). `images` is float32 [N, C, H, W] in `dataRange` units. */
export async function trainModel(rt: Runtime, images: HostTensor, opts: TrainModelOptions): Promise<TrainModelResult> {
  checkOptions('trainModel', opts, KEYS);
  const entry = modelEntry(opts.kind);
  checkObjective(opts.objective);
  const role = opts.objective.kind === 'denoise' ? 'denoiser' : 'diffusion';
  if (entry.role !== role) throw new MedreconError('INVALID_ARGUMENT', `trainModel: model ${opts.kind} is a ${entry.role} network; it cannot be trained with the ${opts.objective.kind} objective`);
  if (images.dtype !== 'float32' || images.dims.length !== 4) throw new MedreconError('SHAPE_MISMATCH', `trainModel: images must be float32 [N, C, H, W], got ${images.dtype} [${images.dims.join(', ')}]`);
  const C = entry.channels(opts.config);
  if (images.dims[1] !== C) throw new MedreconError('SHAPE_MISMATCH', `trainModel: images have ${images.dims[1]} channels, the model takes ${C}`);
  for (let i = 0; i < images.data.length; i++) {
    if (!Number.isFinite(images.data[i]!)) throw new MedreconError('NON_FINITE_INPUT', `trainModel: images contain a non-finite value at flat index ${i}`);
  }
  const batch = opts.batch ?? 8;
  const crop = opts.crop ?? Math.min(64, images.dims[2]!, images.dims[3]!);
  positiveInt('batch', batch);
  positiveInt('crop', crop);
  positiveInt('steps', opts.steps);
  const mult = entry.sizeMultiple(opts.config);
  if (crop % mult) throw new MedreconError('INVALID_ARGUMENT', `trainModel: crop ${crop} must be a multiple of ${mult} for this ${opts.kind} configuration`);
  checkAugment('trainModel', opts.augment ?? {});
  const dataRange = opts.dataRange ?? 'unit';
  const r = dataRangeWidth(dataRange);
  const lo = dataRange === 'unit' ? 0 : dataRange === 'signed' ? -1 : dataRange.min;
  const lr = opts.lr ?? 1e-3;
  const emaD = opts.emaDecay ?? 0.999;
  if (!(emaD >= 0 && emaD < 1)) throw new MedreconError('INVALID_ARGUMENT', `trainModel: emaDecay must be in [0, 1), got ${emaD}`);
  const recipe = recipeOf(opts, batch, crop);
  // Work in normalised units u = (x − lo)/r: denoisers see u and σ/r; diffusion sees x₀ = 2u − 1.
  const unit = lo === 0 && r === 1 ? (images as HostTensor<'float32'>) : tensor(images.dims, Float32Array.from(images.data as Float32Array, (v) => (v - lo) / r));

  // Parameters, optimiser state, EMA and the data Rng: fresh or from the checkpoint.
  const rootRng = new Rng(opts.seed ?? 0);
  let rng: Rng;
  let params: RunArg;
  let state: RunArg | undefined;
  let ema: RunArg | undefined;
  let step0 = 0;
  const base = opts.optimizer === 'adamw' ? adamw({ lr, weightDecay: opts.weightDecay ?? 1e-4 }) : adam({ lr });
  const optimizer = opts.clipNorm ? withClipping(base, opts.clipNorm) : base;
  let p0: Tree<HostTensor>;
  if (opts.resume) {
    const ck = opts.resume;
    const saved = (ck.config as { [k: string]: JsonValue } | null)?.recipe;
    if (JSON.stringify(saved) !== JSON.stringify(recipe)) throw new MedreconError('INVALID_ARGUMENT', 'trainModel: the checkpoint was written with different training options; resume with the same ones');
    if (!ck.rng || !ck.state) throw new MedreconError('CORRUPT_FILE', 'trainModel: the checkpoint has no Rng or optimiser state');
    p0 = ck.params;
    const st = ck.state as { opt: Tree<HostTensor>; ema?: Tree<HostTensor> };
    state = st.opt;
    ema = st.ema;
    rng = ck.rng;
    step0 = ck.step;
  } else {
    p0 = entry.init(rootRng.fork(1), opts.config);
    if (opts.init) p0 = checkedInit(opts.init, p0);
    rng = rootRng.fork(2);
  }
  params = p0;
  state ??= optimizer.init(p0);
  if (emaD > 0) ema ??= cloneParams(p0);

  const xs = spec([batch, C, crop, crop]);
  const nspec = spec([batch]);
  let lossFn: (p: Tree<Sym>, b: Tree<Sym>) => Sym;
  let batchSpecs: Tree<ReturnType<typeof spec>>;
  if (opts.objective.kind === 'denoise') {
    const weighting = denoiseWeighting(opts.kind, opts.config, opts.objective);
    const eps = opts.objective.weightingEps ?? 0.01;
    const sd = (opts.config as { sigmaData?: number }).sigmaData ?? 0.25;
    lossFn = (p, b) => {
      const { noisy, clean, sigma } = b as { noisy: Sym; clean: Sym; sigma: Sym };
      const se = entry.apply(p, noisy, sigma, opts.config).sub(clean).square();
      if (weighting === 'uniform') return se.mean();
      const perImage = se.mean([1, 2, 3]); // [N]
      if (weighting === 'edm') return perImage.div(edmOutputScale(sigma, sd).square()).mean();
      return perImage.div(sigma.square().add(eps * eps)).mean().mul(eps * eps);
    };
    batchSpecs = { noisy: xs, clean: xs, sigma: nspec };
  } else {
    const sched = makeSchedule(opts.objective.schedule, opts.objective.T ?? 1000);
    const model = (p: Tree<Sym>) => (xt: Sym, t: Sym) => entry.apply(p, xt, t, opts.config);
    const lossOf = opts.objective.prediction === 'v' ? vLoss : epsLoss;
    lossFn = (p, b) => {
      const { x0, t, eps } = b as { x0: Sym; t: Sym; eps: Sym };
      return lossOf(model(p), x0, t, eps, sched);
    };
    batchSpecs = { x0: xs, t: nspec, eps: xs };
  }
  const ts = makeTrainStep(rt, lossFn, optimizer, { params: specTree(p0), batch: batchSpecs });
  const emaStep: Compiled | undefined = emaD > 0
    ? rt.compile((e: Tree<Sym>, p: Tree<Sym>, d: Sym) => emaUpdate(e, p, d), [specTree(p0), specTree(p0), spec([])], { name: 'ema_update' })
    : undefined;
  const schedule = opts.steps > (opts.warmupSteps ?? 0)
    ? warmupCosine({ baseLr: lr, warmupSteps: opts.warmupSteps ?? 0, totalSteps: opts.steps, minLr: opts.minLr ?? 0 })
    : () => lr;

  const T = opts.objective.kind === 'diffusion' ? (opts.objective.T ?? 1000) : 0;
  const makeBatch = (): Tree<HostTensor> => {
    const clean = augmentedCrops(rng, unit, batch, crop, opts.augment ?? {});
    if (opts.objective.kind === 'denoise') {
      const { sigmaMin, sigmaMax } = opts.objective;
      const logU = opts.objective.sigmaSampling === 'log-uniform';
      const sig = new Float32Array(batch);
      for (let i = 0; i < batch; i++) {
        const u = rng.nextUniform();
        sig[i] = (logU ? sigmaMin * (sigmaMax / sigmaMin) ** u : sigmaMin + (sigmaMax - sigmaMin) * u) / r;
      }
      const n = rng.normal(clean.data.length);
      const per = clean.data.length / batch;
      const noisy = new Float32Array(clean.data.length);
      for (let i = 0; i < noisy.length; i++) noisy[i] = clean.data[i]! + sig[Math.floor(i / per)]! * n[i]!;
      return { noisy: tensor(clean.dims, noisy), clean, sigma: tensor([batch], sig) };
    }
    const x0 = new Float32Array(clean.data.length);
    for (let i = 0; i < x0.length; i++) x0[i] = 2 * clean.data[i]! - 1;
    const t = new Float32Array(batch);
    for (let i = 0; i < batch; i++) t[i] = rng.int(T);
    const eps = rng.normal(x0.length);
    return { x0: tensor(clean.dims, x0), t: tensor([batch], t), eps: tensor(clean.dims, eps) };
  };

  const meta = (): SavedModelMeta => ({
    kind: opts.kind, config: opts.config, role: entry.role, dataRange,
    ...(opts.objective.kind === 'diffusion' ? { diffusion: { schedule: opts.objective.schedule, T, prediction: opts.objective.prediction } } : {}),
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    training: {
      ...(opts.provenance ?? {}), objective: opts.objective as unknown as JsonValue, steps: step, batch, crop, lr, optimizer: opts.optimizer ?? 'adam',
      emaDecay: emaD, augment: (opts.augment ?? {}) as unknown as JsonValue, seed: opts.seed ?? 0, parameters: countParams(p0),
    },
  });
  const checkpoint = async (): Promise<ParamsFile> =>
    saveCheckpoint({
      params: params as Tree<HostTensor | RuntimeTensor>,
      state: { opt: state as Tree<HostTensor | RuntimeTensor>, ...(ema !== undefined ? { ema: ema as Tree<HostTensor | RuntimeTensor> } : {}) },
      optimizer, rng, step, config: { recipe, meta: meta() as unknown as JsonValue },
    });

  const logEvery = opts.logEvery ?? 50;
  const losses: number[] = [];
  const t0 = performance.now();
  let tLog = t0;
  let acc = 0;
  let nAcc = 0;
  let step = step0;
  while (step < opts.steps) {
    if (opts.timeBudgetMs !== undefined && performance.now() - t0 > opts.timeBudgetMs) break;
    const stepLr = schedule(step);
    const out = await ts.step(params, state, makeBatch(), stepLr);
    params = out.params;
    state = out.state;
    if (emaStep) ema = (await emaStep.run(ema!, params, tensor([], [emaDecay(step, emaD)]))) as Tree<RuntimeTensor>;
    const l = (await out.loss.toHost()).data[0]!;
    if (!Number.isFinite(l)) throw new MedreconError('RUNTIME_FAILURE', `trainModel: the loss became ${l} at step ${step + 1}; lower the learning rate or enable clipNorm`);
    losses.push(l);
    acc += l;
    nAcc++;
    step++;
    opts.onStep?.(step, opts.steps);
    if (opts.onLog && (step % logEvery === 0 || step === opts.steps)) {
      const now = performance.now();
      opts.onLog({ step, loss: acc / nAcc, lr: stepLr, elapsedMs: now - t0, msPerStep: (now - tLog) / nAcc });
      tLog = now;
      acc = 0;
      nAcc = 0;
    }
    if (opts.onCheckpoint && opts.checkpointEvery && step % opts.checkpointEvery === 0 && step < opts.steps) await opts.onCheckpoint(await checkpoint(), step);
  }
  const final = await checkpoint();
  if (opts.onCheckpoint) await opts.onCheckpoint(final, step);
  const rawParams = await treeToHost(params as Tree<HostTensor | RuntimeTensor>);
  const emaHost = ema !== undefined ? await treeToHost(ema as Tree<HostTensor | RuntimeTensor>) : undefined;
  return { params: emaHost ?? rawParams, rawParams, meta: meta(), step, stepsThisRun: step - step0, elapsedMs: performance.now() - t0, losses, checkpoint: final };
}
