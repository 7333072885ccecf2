/**
 * `medrecon train`: train a denoiser or a diffusion prior on image files, with checkpoints, exact
 * resume, a JSONL log, a loss-curve PNG and a progress bar. Writes into --out:
 *   model.safetensors + model.json      the weights to use (EMA) and their metadata / model card facts
 *   checkpoint.safetensors + .json      parameters, optimiser state, EMA, Rng state, step
 *   log.jsonl                           one JSON record per log interval (step, loss, lr, ms/step)
 *   run.json                            the log / checkpoint cadence, reused by --resume
 *   loss.png                            the loss curve (log scale)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type DataRange, type HostTensor, type JsonValue, type LoadedModel, type ModelConfig, type ModelKind, type Objective, type TrainLogRecord, type TrainModelOptions,
  MODEL_KINDS, MedreconError, encodePng, lineChart, loadCheckpoint, saveModel, tensor, trainModel,
} from '../index.js';
import { createRuntime, loadShippedModel } from '../node/index.js';
import { type CliIo, COMMON_HELP, Progress, choice, fmtShape, num, parse, readArray, str, UsageError } from './common.js';

export const TRAIN_HELP = `Usage: medrecon train --model KIND --out DIR IMAGES... [options]
       medrecon train --resume DIR IMAGES... [--steps N] [--time-budget S]

Train a σ-conditional denoiser (--model drunet | dncnn) or a diffusion prior (--model cunet | unet)
on 2-D images: .npy/.nii/.nii.gz/DICOM, [H, W], [N, H, W] (one channel) or [N, C, H, W]. Random
crops with flips, small rotations and intensity scaling; Adam/AdamW, warm-up + cosine learning
rate, gradient clipping, EMA of the weights; a checkpoint every --checkpoint-every steps and at the
end (parameters, optimiser state, EMA and the Rng state, so --resume continues bit-identically).

Model:
  --model KIND           ${MODEL_KINDS.join(' | ')}
  --config JSON          model configuration merged over the defaults, e.g. '{"widths":[32,64,128]}'
                         (channels come from the data)
Objective:
  --sigma MIN,MAX        denoisers: σ range in data units (default 0,0.2 of the data range width)
  --loss-weighting W     denoisers: uniform (plain MSE, default) | inverse-variance (MSE/(s²+ε²): equal
                         weight per noise level, keeps the network near the identity at small σ)
                         | edm (MSE/c_out², the default for drunet with "preconditioning":"edm")
  --weighting-eps E      ε of inverse-variance, normalised units (default 0.01; larger = nearer uniform)
  --sigma-sampling S     denoisers: uniform (default) | log-uniform (equal mass per octave; MIN > 0)
  --schedule S           diffusion: linear | sigmoid | cosine (default linear), T = --T (default 1000)
  --prediction P         diffusion: eps | v (default eps)
Data:
  --data-range R         unit | signed | MIN,MAX[,UNIT] (default: unit when the data lie in [0, 1])
  --crop N --batch N     crop size (default 64) and batch (default 8)
  --rotate DEG           rotations θ ~ U[−DEG, DEG] (default 0)
  --intensity A,B        intensity scale ~ U[A, B] (default 1,1)
  --zoom A,B             zoom out by z ~ log-U[A, B], 1 ≤ A ≤ B (default 1,1): anatomy z× smaller
  --no-flips             no random flips
Optimisation:
  --steps N              total steps (default 1000); --lr (1e-3), --min-lr (0), --warmup N (0)
  --optimizer O          adam | adamw (default adam); --weight-decay W (AdamW, default 1e-4)
  --clip N               clip gradients to global norm N; --ema D (default 0.999, 0 = off)
  --seed N               seed of initialisation and data (default 0)
  --device D             cpu (default) | cuda (needs ORT's CUDA provider and a GPU)
  --threads N            CPU threads for ONNX Runtime (default: its own choice, all cores)
  --time-budget S        stop after S seconds (checkpoint written; continue with --resume)
  --checkpoint-every N   default 500; --log-every N (default 50)
Output:
  --out DIR              output folder (created); --name NAME (stored in model.json)
  --resume DIR           continue the run in DIR with its stored options (only --steps is ignored
                         unless equal; --time-budget applies to this call)
  --init MODEL           fine-tune: start from a shipped model's or a saved model's (.json) weights, with its
                         kind, configuration, data range (and diffusion schedule); a fresh optimiser/schedule

Examples:
  medrecon train --model drunet --out runs/mri-den data/fixtures/mri_t1_train.npy --steps 2000 --sigma 0,0.2
  medrecon train --model cunet --config '{"nf":8,"levels":3,"attention":["mid"]}' --out runs/prior img.npy
  medrecon train --resume runs/mri-den data/fixtures/mri_t1_train.npy --time-budget 600

${COMMON_HELP}`;

const DEFAULT_CONFIGS: Readonly<Record<ModelKind, Record<string, JsonValue>>> = {
  drunet: { widths: [16, 32, 64, 128], blocksPerLevel: 1 },
  dncnn: { width: 32, depth: 8 },
  cunet: { nf: 8, levels: 3, attention: ['mid'] },
  unet: { dim: 16, dimMults: [1, 2, 4] },
};

function pair(v: string | undefined, name: string): [number, number] | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(',').map((x) => Number(x));
  if (parts.length !== 2 || parts.some((x) => !Number.isFinite(x))) throw new UsageError(`--${name} expects two numbers A,B, got '${v}'`);
  return parts as [number, number];
}

function parseRange(v: string | undefined, data: HostTensor): DataRange {
  if (v === undefined) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < data.data.length; i++) {
      const x = data.data[i]!;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    if (lo >= 0 && hi <= 1) return 'unit';
    throw new UsageError(`the data lie in [${lo}, ${hi}], not [0, 1]: give --data-range MIN,MAX[,UNIT] (e.g. --data-range=-1024,1024,HU for CT; note the '=' before a negative value)`);
  }
  if (v === 'unit' || v === 'signed') return v;
  const parts = v.split(',');
  const min = Number(parts[0]);
  const max = Number(parts[1]);
  if (parts.length < 2 || parts.length > 3 || !Number.isFinite(min) || !Number.isFinite(max) || !(max > min)) {
    throw new UsageError(`--data-range must be unit, signed or MIN,MAX[,UNIT] with MIN < MAX, got '${v}'`);
  }
  return parts[2] !== undefined ? { min, max, unit: parts[2] } : { min, max };
}

/** Images [N, C, H, W] from files ([H, W] and [N, H, W] get one channel), concatenated. */
async function loadImages(paths: readonly string[]): Promise<HostTensor<'float32'>> {
  const parts: HostTensor<'float32'>[] = [];
  for (const p of paths) {
    const a = await readArray(p);
    const d = a.dims;
    const dims = d.length === 2 ? [1, 1, d[0]!, d[1]!] : d.length === 3 ? [d[0]!, 1, d[1]!, d[2]!] : d.length === 4 ? [...d] : null;
    if (!dims) throw new MedreconError('SHAPE_MISMATCH', `${p}: expected [H, W], [N, H, W] or [N, C, H, W] images, got ${fmtShape(d)}`);
    parts.push(tensor(dims, a.data));
  }
  const [c, h, w] = parts[0]!.dims.slice(1);
  for (const [i, t] of parts.entries()) {
    if (t.dims[1] !== c || t.dims[2] !== h || t.dims[3] !== w) throw new MedreconError('SHAPE_MISMATCH', `${paths[i]}: image size ${fmtShape(t.dims.slice(1))} differs from ${fmtShape([c!, h!, w!])}`);
  }
  const n = parts.reduce((s, t) => s + t.dims[0]!, 0);
  const out = new Float32Array(n * c! * h! * w!);
  let o = 0;
  for (const t of parts) {
    out.set(t.data, o);
    o += t.data.length;
  }
  return tensor([n, c!, h!, w!], out);
}

type Recipe = Omit<TrainModelOptions, 'onLog' | 'onCheckpoint' | 'resume' | 'onStep' | 'timeBudgetMs' | 'logEvery' | 'checkpointEvery'>;

export async function runTrain(args: readonly string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse(args, {
    model: { type: 'string' }, config: { type: 'string' }, sigma: { type: 'string' }, schedule: { type: 'string' }, prediction: { type: 'string' }, 'loss-weighting': { type: 'string' }, init: { type: 'string' }, 'sigma-sampling': { type: 'string' }, 'weighting-eps': { type: 'string' }, zoom: { type: 'string' },
    T: { type: 'string' }, 'data-range': { type: 'string' }, crop: { type: 'string' }, batch: { type: 'string' }, rotate: { type: 'string' },
    intensity: { type: 'string' }, 'no-flips': { type: 'boolean', default: false }, steps: { type: 'string' }, lr: { type: 'string' },
    'min-lr': { type: 'string' }, warmup: { type: 'string' }, optimizer: { type: 'string' }, 'weight-decay': { type: 'string' },
    clip: { type: 'string' }, ema: { type: 'string' }, seed: { type: 'string' }, 'time-budget': { type: 'string' },
    'checkpoint-every': { type: 'string' }, 'log-every': { type: 'string' }, device: { type: 'string' }, threads: { type: 'string' }, out: { type: 'string' }, resume: { type: 'string' }, name: { type: 'string' },
  }, Infinity);
  if (v.help) {
    io.out(TRAIN_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('give at least one image file to train on');
  const resumeDir = str(v.resume);
  const outDir = str(v.out) ?? resumeDir;
  if (!outDir) throw new UsageError('--out DIR is required (or --resume DIR)');
  const images = await loadImages(positionals);

  let recipe: Recipe;
  let resume: TrainModelOptions['resume'];
  let initModel: LoadedModel | undefined;
  if (resumeDir) {
    const ckJson = join(resumeDir, 'checkpoint.json');
    if (!existsSync(ckJson)) throw new MedreconError('INVALID_ARGUMENT', `--resume ${resumeDir}: no checkpoint.json there`);
    resume = loadCheckpoint(new Uint8Array(readFileSync(join(resumeDir, 'checkpoint.safetensors'))), readFileSync(ckJson, 'utf8'));
    const r = (resume.config as { recipe?: Record<string, JsonValue> } | null)?.recipe;
    if (!r) throw new MedreconError('CORRUPT_FILE', `${ckJson}: no training recipe in the checkpoint`);
    const meta = (resume.config as { meta?: { name?: string; training?: Record<string, JsonValue> } }).meta;
    recipe = { ...(r as unknown as Recipe), ...(meta?.name !== undefined ? { name: meta.name } : {}), ...(meta?.training ? { provenance: meta.training } : {}) };
    // A resumed run keeps every stored option; the recipe's minLr etc. are already explicit.
  } else {
    const initName = str(v.init);
    if (initName !== undefined) {
      initModel = loadShippedModel(initName);
      if (v.model !== undefined && v.model !== initModel.meta.kind) throw new UsageError(`--init ${initName} is a ${initModel.meta.kind}, not --model ${String(v.model)}`);
    }
    const kind = initModel ? initModel.meta.kind : choice(v.model, 'model', MODEL_KINDS);
    if (!kind) throw new UsageError('--model is required (drunet, dncnn, cunet or unet)');
    let user: Record<string, JsonValue> = {};
    if (v.config !== undefined) {
      try {
        user = JSON.parse(String(v.config)) as Record<string, JsonValue>;
      } catch {
        throw new UsageError(`--config must be a JSON object, got '${String(v.config)}'`);
      }
      if (typeof user !== 'object' || user === null || Array.isArray(user)) throw new UsageError('--config must be a JSON object');
    }
    const config = { ...DEFAULT_CONFIGS[kind], ...(initModel ? (initModel.meta.config as Record<string, JsonValue>) : {}), ...user, channels: images.dims[1]! } as unknown as ModelConfig;
    const dataRange = initModel && v['data-range'] === undefined ? initModel.meta.dataRange : parseRange(str(v['data-range']), images);
    const dif = initModel?.meta.diffusion; // a fine-tuned prior keeps its schedule unless told otherwise
    const width = dataRange === 'unit' ? 1 : dataRange === 'signed' ? 2 : dataRange.max - dataRange.min;
    let objective: Objective;
    if (kind === 'drunet' || kind === 'dncnn') {
      if (v.schedule !== undefined || v.prediction !== undefined) throw new UsageError('--schedule/--prediction apply to diffusion models (cunet, unet)');
      const [a, b] = pair(str(v.sigma), 'sigma') ?? [0, 0.2 * width];
      const weighting = choice(v['loss-weighting'], 'loss-weighting', ['uniform', 'inverse-variance', 'edm'] as const);
      const weps = num(v['weighting-eps'], 'weighting-eps', { min: Number.MIN_VALUE });
      const sampling = choice(v['sigma-sampling'], 'sigma-sampling', ['uniform', 'log-uniform'] as const);
      objective = {
        kind: 'denoise', sigmaMin: a, sigmaMax: b, ...(weighting ? { weighting } : {}), ...(weps !== undefined ? { weightingEps: weps } : {}),
        ...(sampling ? { sigmaSampling: sampling } : {}),
      };
    } else {
      if (v.sigma !== undefined || v['loss-weighting'] !== undefined || v['sigma-sampling'] !== undefined) throw new UsageError('--sigma, --loss-weighting and --sigma-sampling apply to denoisers (drunet, dncnn)');
      objective = {
        kind: 'diffusion', schedule: choice(v.schedule, 'schedule', ['linear', 'sigmoid', 'cosine'] as const) ?? dif?.schedule ?? 'linear',
        T: num(v.T, 'T', { int: true, min: 2 }) ?? dif?.T ?? 1000, prediction: choice(v.prediction, 'prediction', ['eps', 'v'] as const) ?? dif?.prediction ?? 'eps',
      };
    }
    const intensity = pair(str(v.intensity), 'intensity');
    const zoom = pair(str(v.zoom), 'zoom');
    const wd = num(v['weight-decay'], 'weight-decay', { min: 0 });
    const clip = num(v.clip, 'clip', { min: 0 });
    recipe = {
      kind, config, objective, dataRange,
      batch: num(v.batch, 'batch', { int: true, min: 1 }) ?? 8,
      crop: num(v.crop, 'crop', { int: true, min: 1 }) ?? Math.min(64, images.dims[2]!, images.dims[3]!),
      steps: num(v.steps, 'steps', { int: true, min: 1 }) ?? 1000,
      lr: num(v.lr, 'lr', { min: 0 }) ?? 1e-3,
      minLr: num(v['min-lr'], 'min-lr', { min: 0 }) ?? 0,
      warmupSteps: num(v.warmup, 'warmup', { int: true, min: 0 }) ?? 0,
      optimizer: choice(v.optimizer, 'optimizer', ['adam', 'adamw'] as const) ?? 'adam',
      ...(wd !== undefined ? { weightDecay: wd } : {}),
      ...(clip ? { clipNorm: clip } : {}),
      emaDecay: num(v.ema, 'ema', { min: 0, max: 0.999999 }) ?? 0.999,
      augment: { flips: !v['no-flips'], maxRotationDeg: num(v.rotate, 'rotate', { min: 0, max: 180 }) ?? 0, ...(intensity ? { intensity } : {}), ...(zoom ? { zoom } : {}) },
      seed: num(v.seed, 'seed', { int: true, min: 0 }) ?? 0,
      ...(str(v.name) !== undefined ? { name: str(v.name)! } : {}),
      provenance: { data: positionals.map((p) => p.split('/').slice(-2).join('/')), images: fmtShape(images.dims), ...(initName !== undefined ? { init: initName } : {}) },
    };
  }
  mkdirSync(outDir, { recursive: true });
  const logPath = join(outDir, 'log.jsonl');
  if (!resumeDir) writeFileSync(logPath, '');
  const budget = num(v['time-budget'], 'time-budget', { min: 0 });
  // Logging/checkpoint cadence: flags, else what the first call of this run stored, else defaults.
  const runPath = join(outDir, 'run.json');
  const stored = resumeDir && existsSync(runPath) ? (JSON.parse(readFileSync(runPath, 'utf8')) as { logEvery?: number; checkpointEvery?: number }) : {};
  const logEvery = num(v['log-every'], 'log-every', { int: true, min: 1 }) ?? stored.logEvery ?? 50;
  const checkpointEvery = num(v['checkpoint-every'], 'checkpoint-every', { int: true, min: 1 }) ?? stored.checkpointEvery ?? 500;
  writeFileSync(runPath, JSON.stringify({ logEvery, checkpointEvery }) + '\n');
  const bar = new Progress(io, v.quiet || v.json, `train ${recipe.kind}`, recipe.steps);
  const threads = num(v.threads, 'threads', { int: true, min: 1 });
  const rt = createRuntime({ device: choice(v.device, 'device', ['cpu', 'cuda'] as const) ?? 'cpu', ...(threads !== undefined ? { threads } : {}) });
  const onLog = (rec: TrainLogRecord) => {
    appendFileSync(logPath, JSON.stringify(rec) + '\n');
    if (!io.errIsTTY && !v.quiet && !v.json) io.err(`step ${rec.step}/${recipe.steps}  loss ${rec.loss.toExponential(3)}  lr ${rec.lr.toExponential(2)}  ${rec.msPerStep.toFixed(0)} ms/step\n`);
  };
  let result;
  try {
    result = await trainModel(rt, images, {
      ...recipe,
      ...(resume ? { resume } : {}),
      ...(initModel ? { init: initModel.params } : {}),
      ...(budget !== undefined ? { timeBudgetMs: budget * 1000 } : {}),
      logEvery,
      checkpointEvery,
      onLog,
      onStep: (s) => bar.update(s),
      onCheckpoint: (file) => {
        writeFileSync(join(outDir, 'checkpoint.safetensors'), file.safetensors);
        writeFileSync(join(outDir, 'checkpoint.json'), file.configJson);
      },
    });
  } finally {
    bar.stop();
  }
  // Wall time across runs: add this call's time to what the previous calls recorded.
  // (the previous calls' total is in the model.json they wrote)
  let prevWall = 0;
  if (resume && existsSync(join(outDir, 'model.json'))) {
    const prev = JSON.parse(readFileSync(join(outDir, 'model.json'), 'utf8')) as { config?: { training?: { wallSeconds?: number } } };
    prevWall = Number(prev.config?.training?.wallSeconds ?? 0);
  }
  const wallSeconds = prevWall + result.elapsedMs / 1000;
  const meta = { ...result.meta, training: { ...(result.meta.training ?? {}), wallSeconds: Math.round(wallSeconds * 10) / 10 } };
  const model = saveModel(result.params, meta);
  writeFileSync(join(outDir, 'model.safetensors'), model.safetensors);
  writeFileSync(join(outDir, 'model.json'), model.configJson);
  // Loss curve over the whole log (all runs).
  const recs = readFileSync(logPath, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as TrainLogRecord);
  writeFileSync(join(outDir, 'loss.png'), encodePng(lineChart([{ x: recs.map((r) => r.step), y: recs.map((r) => r.loss) }], { logY: true, title: `${recipe.kind} training loss`, xLabel: 'STEP' })));
  const summary = {
    out: outDir, kind: recipe.kind, step: result.step, totalSteps: recipe.steps, stepsThisRun: result.stepsThisRun,
    seconds: Math.round(result.elapsedMs / 100) / 10, wallSeconds: meta.training.wallSeconds, lastLoss: result.losses.at(-1) ?? null,
    finished: result.step >= recipe.steps,
  };
  if (v.json) io.out(JSON.stringify(summary) + '\n');
  else {
    io.out(`trained ${recipe.kind}: step ${result.step}/${recipe.steps} (${result.stepsThisRun} this run, ${summary.seconds} s), last loss ${summary.lastLoss?.toExponential(3) ?? '-'}\n`);
    io.out(`wrote ${join(outDir, 'model.json')} (+ .safetensors), checkpoint, log.jsonl, loss.png${summary.finished ? '' : `; continue with --resume ${outDir}`}\n`);
  }
  return 0;
}
