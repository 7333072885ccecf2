/**
 * Continuous U-Net (cU-Net) of "The Missing U for Efficient Diffusion Models" (Calvo-Ordoñez et al.,
 * arXiv 2310.20092), laid out as the authors' `ConvSODEUNet` (methods.md §1.3.4):
 *
 *   h₀ = g_φ(x) = act(Conv1×1(Norm(act(Conv3×3(Norm(x))))))            C → nf → 2nf
 *   encoder level i = 1..L (c_i = 2nf·2^{i−1}):  h = ODE_i(h) [→ attn] → skip_i;
 *                                                h = bilinear½(act(Conv1×1(h)))  c_i → 2c_i
 *   bottleneck: h = ODE_mid(h) [→ attn]                                   c = 2nf·2^L
 *   decoder level j = 1..L (c = 2nf·2^{L−j}): h = act(Conv1×1(concat(bilinear×2(h), skip_{L+1−j})))
 *                                            h = ODE(h) [→ attn]
 *   y = Conv1×1(h)                                                       2nf → outChannels
 *
 * Each ODE block integrates over s ∈ [0, 1] with a fixed-step solver (Euler, midpoint, or RK4 in
 * torchdiffeq's 3/8-rule form; `steps` steps) and returns h(1). Right-hand sides, with
 * F(h) = act(Conv3×3(FiLM(Norm(act(Conv3×3(Norm(h)))), temb))):
 *   - 'augmented' (authors' code): dh/dt = F(h) + h on the channel-stacked state;
 *   - 'secondOrder' (paper maths): h = [x; v] (halves), dx/dt = v, dv/dt = f(h), where f is F
 *     with the last conv mapping c → c/2 and no final activation.
 * FiLM (scale, shift) = Linear_{D→2c}(SiLU(temb)) reaches every ODE block (the authors' HEAD code
 * builds it but never passes it on; set timeConditioning 'none' to reproduce that model and its
 * 8,811,875-parameter count). temb = interleaved sinusoidal embedding of t (the authors' frozen
 * 1000×D table, computed on the fly; equal rows for integer t), optionally followed by a time MLP.
 * Attention: lucidrains-style multi-head self-attention with RMSNorm (4 heads × 32 by default),
 * after the ODE block of the listed positions ('enc1'..'encL', 'mid', 'dec1'..'decL').
 *
 * @example
 *   const cfg = { channels: 3, nf: 16 };
 *   const p = initCunet(new Rng(0), cfg);
 *   const eps = cunet(p, x, t, cfg);   // x: Sym [N, 3, H, W] (H, W divisible by 2^4), t: Sym [N]
 */
import { MedreconError, checkOptions } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import type { HostTensor } from '../../core/tensor.js';
import { resizeBilinear } from '../../ir/composite.js';
import { type Sym, add, concat, mul, sliceAxis } from '../../ir/sym.js';
import { type TimeMlpParams, initTimeMlp, sinusoidalEmbedding, timeMlp } from '../embedding.js';
import {
  type ActivationName, type AttentionParams, type Conv2dParams, type LinearParams, type NormKind, type NormParams,
  activation, applyNorm, attentionBlock, conv2d, film, initAttention, initConv2d, initFilm, initNormKind,
} from '../layers.js';
import { countParams } from '../params.js';

export type OdeSolver = 'euler' | 'midpoint' | 'rk4';
export type OdeForm = 'augmented' | 'secondOrder';

export type CunetConfig = {
  /** Input channels (3 for RGB, 1 magnitude, 2 complex MRI). */
  readonly channels: number;
  /** Output channels (default = channels). */
  readonly outChannels?: number;
  /** Base width nf (16 in the paper): the first level has 2·nf channels. */
  readonly nf: number;
  /** Encoder levels L (default 4); input sizes must be divisible by 2^L. */
  readonly levels?: number;
  /** Attention positions (default ['enc4', 'dec1'] = the paper's 2 blocks). */
  readonly attention?: readonly string[];
  readonly attnHeads?: number;
  readonly attnDimHead?: number;
  /** Norm in g_φ and the ODE functions: 'instance' (default, no parameters) or 'group' (GroupNorm(8), affine). */
  readonly norm?: NormKind;
  readonly activation?: ActivationName;
  readonly odeForm?: OdeForm;
  readonly solver?: OdeSolver;
  /** Solver steps over [0, 1] (default 1: RK4 = 4 evaluations per block, as the authors). */
  readonly steps?: number;
  /** 'film' (default) or 'none' (the authors' HEAD model). */
  readonly timeConditioning?: 'film' | 'none';
  /** Width D of the sinusoidal embedding (default 256). */
  readonly timeEmbDim?: number;
  /** Insert Linear(D→4D) → GELU → Linear(4D→4D) after the sinusoid (default false, as the authors). */
  readonly timeMlp?: boolean;
  /** Init gain of the output 1×1 conv (default 1, the authors'; 0 = zero-init, as DDPM, so training starts at loss ≈ 1). */
  readonly headGain?: number;
};

type Resolved = Required<Omit<CunetConfig, 'outChannels'>> & { readonly outChannels: number };

const KEYS = ['channels', 'outChannels', 'nf', 'levels', 'attention', 'attnHeads', 'attnDimHead', 'norm', 'activation', 'odeForm', 'solver', 'steps', 'timeConditioning', 'timeEmbDim', 'timeMlp', 'headGain'];

export function resolveCunetConfig(cfg: CunetConfig): Resolved {
  checkOptions('cunet', cfg, KEYS);
  const r: Resolved = {
    channels: cfg.channels, outChannels: cfg.outChannels ?? cfg.channels, nf: cfg.nf, levels: cfg.levels ?? 4,
    attention: cfg.attention ?? ['enc4', 'dec1'], attnHeads: cfg.attnHeads ?? 4, attnDimHead: cfg.attnDimHead ?? 32,
    norm: cfg.norm ?? 'instance', activation: cfg.activation ?? 'softplus', odeForm: cfg.odeForm ?? 'augmented',
    solver: cfg.solver ?? 'rk4', steps: cfg.steps ?? 1, timeConditioning: cfg.timeConditioning ?? 'film',
    timeEmbDim: cfg.timeEmbDim ?? 256, timeMlp: cfg.timeMlp ?? false, headGain: cfg.headGain ?? 1,
  };
  for (const k of ['channels', 'outChannels', 'nf', 'levels', 'steps', 'attnHeads', 'attnDimHead', 'timeEmbDim'] as const) {
    if (!Number.isInteger(r[k]) || r[k] < 1) throw new MedreconError('INVALID_ARGUMENT', `cunet: ${k} must be a positive integer, got ${r[k]}`);
  }
  const valid = new Set(['mid', ...Array.from({ length: r.levels }, (_, i) => [`enc${i + 1}`, `dec${i + 1}`]).flat()]);
  for (const a of r.attention) if (!valid.has(a)) throw new MedreconError('INVALID_ARGUMENT', `cunet: unknown attention position '${a}' (valid: ${[...valid].join(', ')})`);
  if (!(r.headGain >= 0 && Number.isFinite(r.headGain))) throw new MedreconError('INVALID_ARGUMENT', `cunet: headGain must be ≥ 0, got ${r.headGain}`);
  if (!['euler', 'midpoint', 'rk4'].includes(r.solver)) throw new MedreconError('INVALID_ARGUMENT', `cunet: unknown solver '${r.solver}'`);
  if (!['augmented', 'secondOrder'].includes(r.odeForm)) throw new MedreconError('INVALID_ARGUMENT', `cunet: unknown odeForm '${r.odeForm}'`);
  return r;
}

type NormP<T> = NormParams<T> | Record<string, never>;
export type OdeFuncParams<T> = {
  readonly norm1: NormP<T>;
  readonly conv1: Conv2dParams<T>;
  readonly norm2: NormP<T>;
  readonly film?: LinearParams<T>;
  readonly conv2: Conv2dParams<T>;
};
export type CunetParams<T> = {
  readonly temb?: TimeMlpParams<T>;
  readonly init: { readonly norm1: NormP<T>; readonly conv1: Conv2dParams<T>; readonly norm2: NormP<T>; readonly conv2: Conv2dParams<T> };
  readonly enc: readonly { readonly ode: OdeFuncParams<T>; readonly attn?: AttentionParams<T>; readonly down: Conv2dParams<T> }[];
  readonly mid: { readonly ode: OdeFuncParams<T>; readonly attn?: AttentionParams<T> };
  readonly dec: readonly { readonly up: Conv2dParams<T>; readonly ode: OdeFuncParams<T>; readonly attn?: AttentionParams<T> }[];
  readonly head: Conv2dParams<T>;
};

/** Channel width of the ODE state at encoder level i (1-based), the bottleneck (i = L+1). */
const width = (r: Resolved, i: number) => 2 * r.nf * 2 ** (i - 1);

function initOdeFunc(rng: Rng, r: Resolved, c: number): OdeFuncParams<HostTensor> {
  const out = r.odeForm === 'secondOrder' ? c / 2 : c;
  if (r.odeForm === 'secondOrder' && c % 2) throw new MedreconError('INVALID_ARGUMENT', `cunet: secondOrder form needs an even width, got ${c}`);
  const base = {
    norm1: initNormKind(r.norm, c),
    conv1: initConv2d(rng.fork(0), c, c, 3, { gain: 1 }),
    norm2: initNormKind(r.norm, c),
    conv2: initConv2d(rng.fork(1), c, out, 3, { gain: 0.5 }),
  };
  if (r.timeConditioning === 'none') return base;
  return { ...base, film: initFilm(r.timeMlp ? 4 * r.timeEmbDim : r.timeEmbDim, c) };
}

export function initCunet(rng: Rng, cfg: CunetConfig): CunetParams<HostTensor> {
  const r = resolveCunetConfig(cfg);
  const L = r.levels;
  const has = (pos: string) => r.attention.includes(pos);
  const attn = (k: number, c: number) => initAttention(rng.fork(k), c, r.attnHeads, r.attnDimHead);
  const enc = Array.from({ length: L }, (_, i) => {
    const c = width(r, i + 1);
    const e = { ode: initOdeFunc(rng.fork(100 + i), r, c), down: initConv2d(rng.fork(200 + i), c, 2 * c, 1, { gain: 1 }) };
    return has(`enc${i + 1}`) ? { ...e, attn: attn(300 + i, c) } : e;
  });
  const cm = width(r, L + 1);
  const mid = has('mid') ? { ode: initOdeFunc(rng.fork(400), r, cm), attn: attn(401, cm) } : { ode: initOdeFunc(rng.fork(400), r, cm) };
  const dec = Array.from({ length: L }, (_, j) => {
    const c = width(r, L - j);
    const d = { up: initConv2d(rng.fork(500 + j), 2 * c + c, c, 1, { gain: 1 }), ode: initOdeFunc(rng.fork(600 + j), r, c) };
    return has(`dec${j + 1}`) ? { ...d, attn: attn(700 + j, c) } : d;
  });
  const core = {
    init: {
      norm1: initNormKind(r.norm, r.channels), conv1: initConv2d(rng.fork(1), r.channels, r.nf, 3, { gain: 1 }),
      norm2: initNormKind(r.norm, r.nf), conv2: initConv2d(rng.fork(2), r.nf, 2 * r.nf, 1, { gain: 1 }),
    },
    enc, mid, dec,
    head: initConv2d(rng.fork(3), 2 * r.nf, r.outChannels, 1, { gain: r.headGain }),
  };
  return r.timeMlp ? { temb: initTimeMlp(rng.fork(4), r.timeEmbDim, 4 * r.timeEmbDim), ...core } : core;
}

/**
 * Parameter count as the authors' `sum(p.numel() for p in model.parameters())`: the trainable
 * tree plus, when `includeFrozenTable` (default true), the frozen n_steps × D embedding table
 * (n_steps = 1000) that `nn.Embedding` registers as a parameter.
 */
export function countCunetParams(p: CunetParams<HostTensor>, cfg: CunetConfig, opts: { includeFrozenTable?: boolean; nSteps?: number } = {}): number {
  const r = resolveCunetConfig(cfg);
  return countParams(p) + (opts.includeFrozenTable ?? true ? (opts.nSteps ?? 1000) * r.timeEmbDim : 0);
}

/** F(h) of the ODE block (see the module comment). */
function odeRhs(p: OdeFuncParams<Sym>, h: Sym, temb: Sym | undefined, r: Resolved): Sym {
  const act = (x: Sym) => activation(r.activation, x);
  let y = act(conv2d(p.conv1, applyNorm(r.norm, p.norm1, h)));
  y = applyNorm(r.norm, p.norm2, y);
  if (p.film && temb) y = film(p.film, y, temb);
  y = conv2d(p.conv2, y);
  if (r.odeForm === 'augmented') return add(act(y), h);
  const c = h.shape[1]!;
  return concat([sliceAxis(h, 1, c / 2, c), y], 1); // d[x; v]/dt = [v; f(x, v)]
}

/**
 * Fixed-step integration of dh/ds = f(h) over s ∈ [0, 1] with `steps` steps of size δ = 1/steps:
 * euler h += δk₁; midpoint h += δ f(h + δk₁/2); rk4 (3/8 rule) k₂ = f(h + δk₁/3),
 * k₃ = f(h + δ(k₂ − k₁/3)), k₄ = f(h + δ(k₁ − k₂ + k₃)), h += δ(k₁ + 3k₂ + 3k₃ + k₄)/8.
 * @example odeIntegrate((h) => h.neg(), h0, 'rk4', 4)   // ≈ h0·e^{−1}
 */
export function odeIntegrate(f: (h: Sym) => Sym, h0: Sym, solver: OdeSolver, steps: number): Sym {
  const d = 1 / steps;
  let h = h0;
  for (let s = 0; s < steps; s++) {
    const k1 = f(h);
    if (solver === 'euler') h = add(h, mul(k1, d));
    else if (solver === 'midpoint') h = add(h, mul(f(add(h, mul(k1, d / 2))), d));
    else {
      const k2 = f(add(h, mul(k1, d / 3)));
      const k3 = f(add(h, mul(add(k2, mul(k1, -1 / 3)), d)));
      const k4 = f(add(h, mul(add(k1.sub(k2), k3), d)));
      h = add(h, mul(add(add(k1, k4), mul(add(k2, k3), 3)), d / 8));
    }
  }
  return h;
}

/**
 * The cU-Net forward: x [N, C, H, W] (H, W divisible by 2^levels), t [N] float timesteps → [N, outC, H, W].
 */
export function cunet(p: CunetParams<Sym>, x: Sym, t: Sym, cfg: CunetConfig): Sym {
  const r = resolveCunetConfig(cfg);
  const L = r.levels;
  const [N, C, H, W] = x.shape as [number, number, number, number];
  if (x.rank !== 4 || C !== r.channels) throw new MedreconError('SHAPE_MISMATCH', `cunet: expected x [N, ${r.channels}, H, W], got [${x.shape.join(', ')}]`);
  if (H % 2 ** L || W % 2 ** L) throw new MedreconError('SHAPE_MISMATCH', `cunet: H, W (${H}×${W}) must be divisible by 2^${L}`);
  if (t.rank !== 1 || t.shape[0] !== N) throw new MedreconError('SHAPE_MISMATCH', `cunet: t must be [${N}], got [${t.shape.join(', ')}]`);
  const act = (z: Sym) => activation(r.activation, z);
  let temb: Sym | undefined;
  if (r.timeConditioning === 'film') {
    temb = sinusoidalEmbedding(t, r.timeEmbDim, 'interleaved');
    if (p.temb) temb = timeMlp(p.temb, temb);
  }
  const ode = (q: OdeFuncParams<Sym>, h: Sym) => odeIntegrate((z) => odeRhs(q, z, temb, r), h, r.solver, r.steps);
  const attn = (a: AttentionParams<Sym> | undefined, h: Sym) => (a ? attentionBlock(a, h, r.attnHeads) : h);
  let h = act(conv2d(p.init.conv1, applyNorm(r.norm, p.init.norm1, x)));
  h = act(conv2d(p.init.conv2, applyNorm(r.norm, p.init.norm2, h)));
  const skips: Sym[] = [];
  for (const e of p.enc) {
    h = attn(e.attn, ode(e.ode, h));
    skips.push(h);
    h = act(conv2d(e.down, h));
    h = resizeBilinear(h, [h.shape[2]! / 2, h.shape[3]! / 2]);
  }
  h = attn(p.mid.attn, ode(p.mid.ode, h));
  for (const d of p.dec) {
    const s = skips.pop()!;
    h = resizeBilinear(h, [s.shape[2]!, s.shape[3]!]);
    h = act(conv2d(d.up, concat([h, s], 1)));
    h = attn(d.attn, ode(d.ode, h));
  }
  return conv2d(p.head, h);
}
