/**
 * Recipe: train the DnCNN-style denoiser (nn/models/dncnn) for additive Gaussian noise of known σ
 * on 2-D images, and evaluate it. Host data in, host parameters out; the training step is one
 * compiled graph (see step.ts).
 *
 * Training: each step draws `batch` random `crop`×`crop` patches with flips from `train`
 * [N, C, H, W], adds σ·n (n ~ N(0, 1)), and minimises mean((dncnn(y) − x)²) with Adam. The learning
 * rate is `lr` for the first 70 % of the steps, then `lr / 4`.
 *
 * Evaluation: PSNR per image with data range max(image) (fastMRI convention), averaged, for the
 * noisy input and for the denoised output.
 *
 * @example
 *   const r = await trainDenoiser(rt, loadMriSlices('train'), { width: 16, depth: 4, steps: 300 });
 *   const ev = await evaluateDenoiser(rt, r.params, loadMriSlices('heldout'), { sigma: 0.1, seed: 1 });
 *   console.log(ev.psnrDenoised - ev.psnrNoisy); // dB gained
 */
import { checkOptions } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { HostTensor } from '../core/tensor.js';
import type { Tree } from '../core/tree.js';
import { type Sym } from '../ir/sym.js';
import { spec } from '../ir/trace.js';
import { psnr } from '../metrics/index.js';
import { type DncnnConfig, type DncnnParams, dncnn, initDncnn } from '../nn/models/dncnn.js';
import type { RunArg, Runtime, RuntimeTensor } from '../runtime/index.js';
import { treeToHost } from './checkpoint.js';
import { addGaussianNoise, randomCrops, sliceBatch } from './data.js';
import { adam } from './optimizers.js';
import { makeTrainStep, specTree } from './step.js';

export interface TrainDenoiserOptions {
  width?: number;
  depth?: number;
  batch?: number;
  crop?: number;
  steps?: number;
  lr?: number;
  /** Noise std in the units of the data (default 0.1 for unit-range images). */
  sigma?: number;
  seed?: number;
  /** Stop early once this much wall time (ms) has passed. */
  timeBudgetMs?: number;
  /** Called every `logEvery` steps with the mean loss since the previous call. */
  onLog?: (info: { step: number; loss: number; elapsedMs: number; lr: number }) => void;
  logEvery?: number;
}

export interface TrainDenoiserResult {
  readonly params: DncnnParams<HostTensor>;
  readonly config: DncnnConfig & { sigma: number };
  readonly losses: number[];
  readonly steps: number;
  readonly elapsedMs: number;
}

const KEYS = ['width', 'depth', 'batch', 'crop', 'steps', 'lr', 'sigma', 'seed', 'timeBudgetMs', 'onLog', 'logEvery'];

export async function trainDenoiser(rt: Runtime, train: HostTensor, opts: TrainDenoiserOptions = {}): Promise<TrainDenoiserResult> {
  checkOptions('trainDenoiser', opts, KEYS);
  const { width = 16, depth = 4, batch = 8, crop = 48, steps = 300, lr = 2e-3, sigma = 0.1, seed = 0, logEvery = 50 } = opts;
  const C = train.dims[1]!;
  const rng = new Rng(seed);
  const config = { channels: C, width, depth, sigma };
  const p0 = initDncnn(rng.fork(1), { channels: C, width, depth });
  const dataRng = rng.fork(2);
  const lossFn = (p: Tree<Sym>, b: Tree<Sym>): Sym => {
    const { noisy, clean } = b as { noisy: Sym; clean: Sym };
    return dncnn(p as DncnnParams<Sym>, noisy).sub(clean).square().mean();
  };
  const bs = spec([batch, C, crop, crop]);
  const ts = makeTrainStep(rt, lossFn, adam({ lr }), { params: specTree(p0), batch: { noisy: bs, clean: bs } });
  let params: RunArg = p0;
  let state: RunArg = ts.init(p0);
  const losses: number[] = [];
  const t0 = performance.now();
  let acc = 0;
  let n = 0;
  let k = 0;
  for (; k < steps; k++) {
    if (opts.timeBudgetMs !== undefined && performance.now() - t0 > opts.timeBudgetMs) break;
    const clean = randomCrops(dataRng, train, batch, crop, { flips: true });
    const noisy = addGaussianNoise(dataRng, clean, sigma);
    const stepLr = k < 0.7 * steps ? lr : lr / 4;
    const r = await ts.step(params, state, { noisy, clean }, stepLr);
    params = r.params;
    state = r.state;
    const l = (await r.loss.toHost()).data[0]!;
    losses.push(l);
    acc += l;
    n++;
    if (opts.onLog && (k + 1) % logEvery === 0) {
      opts.onLog({ step: k + 1, loss: acc / n, elapsedMs: performance.now() - t0, lr: stepLr });
      acc = 0;
      n = 0;
    }
  }
  const host = (await treeToHost(params as Tree<RuntimeTensor | HostTensor>)) as unknown as DncnnParams<HostTensor>;
  return { params: host, config, losses, steps: k, elapsedMs: performance.now() - t0 };
}

export interface DenoiserEvaluation {
  /** Mean PSNR (dB) of the noisy inputs and of the denoised outputs; per-image values. */
  readonly psnrNoisy: number;
  readonly psnrDenoised: number;
  readonly perImage: { noisy: number; denoised: number }[];
  readonly denoised: HostTensor<'float32'>;
  readonly noisy: HostTensor<'float32'>;
}

/** Denoise `clean + σ·n` (seeded) with the DnCNN parameters and report PSNRs (see the module comment). */
export async function evaluateDenoiser(rt: Runtime, params: DncnnParams<HostTensor>, clean: HostTensor<'float32'>, opts: { sigma?: number; seed?: number } = {}): Promise<DenoiserEvaluation> {
  checkOptions('evaluateDenoiser', opts, ['sigma', 'seed']);
  const sigma = opts.sigma ?? 0.1;
  const noisy = addGaussianNoise(new Rng(opts.seed ?? 12345), clean, sigma);
  const fwd = rt.compile((p: Tree<Sym>, x: Sym) => dncnn(p as DncnnParams<Sym>, x), [specTree(params), spec(clean.dims)]);
  const denoised = (await fwd.runHost(params, noisy)) as HostTensor<'float32'>;
  const perImage: { noisy: number; denoised: number }[] = [];
  for (let i = 0; i < clean.dims[0]!; i++) {
    const g = sliceBatch(clean, i, 1);
    perImage.push({ noisy: psnr(g, sliceBatch(noisy, i, 1)), denoised: psnr(g, sliceBatch(denoised, i, 1)) });
  }
  const mean = (f: (x: { noisy: number; denoised: number }) => number) => perImage.reduce((a, x) => a + f(x), 0) / perImage.length;
  return { psnrNoisy: mean((x) => x.noisy), psnrDenoised: mean((x) => x.denoised), perImage, denoised, noisy };
}
