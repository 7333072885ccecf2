/**
 * MLEM and OSEM for the PET emission model ȳ = A x + b (A = diag(n a) P, see physics/pet):
 *
 *   OSEM, subset S (views v ≡ s mod n_subsets, interleaved):
 *     x ← x / s_S ⊙ A_Sᵀ( y_S / ȳ_S(x) ),    s_S = A_Sᵀ 1   (the subset's sensitivity image),
 *   with 0/0 := 0 (bins where ȳ = 0 and pixels where s_S = 0 give 0). MLEM is OSEM with one subset.
 *   MLEM increases the Poisson log-likelihood L(x) = Σ y log ȳ − ȳ monotonically (Shepp & Vardi 1982;
 *   Lange & Carson 1984); OSEM (Hudson & Larkin 1994) is ≈ n_subsets times faster early on but does
 *   not converge to the ML solution.
 *
 * One compiled step per subset (x, y_S, s_S ↦ x′, ‖x′ − x‖/‖x′‖); the iterate, y_S and s_S stay on the
 * executor between steps. With `objective` (default true) the full L(x) is evaluated after each
 * iteration by one extra compiled forward (disable it when timing iterations).
 *
 * Default start: the uniform image with the measured total counts, x₀ = max(Σ y − Σ b, ε) / Σ s.
 *
 * @example
 *   const pet = petOperator({ geometry: g, attenuation: mu });
 *   const r = await mlem(executor, y, pet, { iterations: 50, trace: true });
 *   const o = await osem(executor, y, pet, { subsets: 10, iterations: 5 });
 */
import { MedreconError, checkOptions } from '../core/errors.js';
import { type HostTensor, assertFinite, tensor } from '../core/tensor.js';
import type { DeviceTensor, Executor } from '../ir/executor.js';
import { type Sym, div, gt, maximum, mul, sqrt, sub, sum, where } from '../ir/sym.js';
import { spec } from '../ir/trace.js';
import { type PetModel, poissonLogLikelihood } from '../physics/pet/operator.js';
import { ITER_OPTION_KEYS, IterationLoop, type IterOptions, positiveInt, readScalar, release } from './loop.js';
import type { ReconResult } from './types.js';

export interface EmOptions extends IterOptions {
  /** Number of (full) iterations; alias of maxIter (default 20). */
  readonly iterations?: number;
  /** Start image [H, W] (> 0 where activity may be; default uniform, see the module comment). */
  readonly x0?: HostTensor;
  /** Evaluate L(x) after each iteration (default true). */
  readonly objective?: boolean;
}

export interface OsemOptions extends EmOptions {
  /** Number of ordered subsets of views (default 1 = MLEM). */
  readonly subsets?: number;
}

const EM_KEYS = [...ITER_OPTION_KEYS, 'iterations', 'x0', 'objective'] as const;

/** Views of subset s: v ≡ s (mod n). */
export function subsetViews(nViews: number, nSubsets: number, s: number): Int32Array {
  const out: number[] = [];
  for (let v = s; v < nViews; v += nSubsets) out.push(v);
  return Int32Array.from(out);
}

function sliceViews(y: HostTensor, idx: Int32Array, D: number): HostTensor {
  const src = y.data as Float32Array;
  const out = new Float32Array(idx.length * D);
  for (let s = 0; s < idx.length; s++) out.set(src.subarray(idx[s]! * D, (idx[s]! + 1) * D), s * D);
  return tensor([idx.length, D], out);
}

/** One EM update on a model (graph): returns the new iterate and the relative change. */
export function emStep(model: PetModel, x: Sym, y: Sym, sens: Sym): { x: Sym; rel: Sym } {
  const ybar = model.mean(x);
  const ratio = where(gt(ybar, 0), div(y, maximum(ybar, 1e-30)), 0);
  const bp = model.A.adjoint(ratio);
  const xn = where(gt(sens, 0), div(mul(x, bp), maximum(sens, 1e-30)), 0);
  const d = sub(xn, x);
  return { x: xn, rel: div(sqrt(sum(mul(d, d))), maximum(sqrt(sum(mul(xn, xn))), 1e-30)) };
}

async function run(method: string, executor: Executor, y: HostTensor, pet: PetModel, nSubsets: number, opts: EmOptions): Promise<ReconResult> {
  const [H, W] = pet.geometry.imageSize;
  const V = pet.geometry.angles.length;
  const D = pet.geometry.nDetectors;
  if (y.dtype !== 'float32' || y.dims.length !== 2 || y.dims[0] !== V || y.dims[1] !== D) {
    throw new MedreconError('SHAPE_MISMATCH', `${method}: y must be float32 [${V}, ${D}], got ${y.dtype} [${y.dims.join(', ')}]`);
  }
  const yd = y.data as Float32Array;
  assertFinite(y, `${method}: counts y`);
  for (let i = 0; i < yd.length; i++) if (!(yd[i]! >= 0)) throw new MedreconError('INVALID_ARGUMENT', `${method}: y must be ≥ 0 (index ${i}: ${yd[i]})`);
  if (nSubsets > V) throw new MedreconError('INVALID_ARGUMENT', `${method}: subsets (${nSubsets}) exceeds the number of views (${V})`);
  const loop = new IterationLoop(method, { ...opts, maxIter: opts.maxIter ?? opts.iterations }, { maxIter: 20 });

  // subsets, their data and sensitivity images (host, then on the executor)
  const subsets = Array.from({ length: nSubsets }, (_, s) => {
    const idx = subsetViews(V, nSubsets, s);
    const model = nSubsets === 1 ? pet : pet.subset(idx);
    const ys = nSubsets === 1 ? y : sliceViews(y, idx, D);
    const sens = model.sensitivity();
    const step = executor.compile((xv: Sym, yv: Sym, sv: Sym) => emStep(model, xv, yv, sv), [spec([H, W]), spec(ys.dims), spec([H, W])]);
    return { step, y: executor.tensor(ys), sens: executor.tensor(sens), sensHost: sens };
  });

  let x: HostTensor | DeviceTensor;
  if (opts.x0) {
    if (opts.x0.dims.length !== 2 || opts.x0.dims[0] !== H || opts.x0.dims[1] !== W) throw new MedreconError('SHAPE_MISMATCH', `${method}: x0 must be [${H}, ${W}], got [${opts.x0.dims.join(', ')}]`);
    x = opts.x0;
  } else {
    let sy = 0;
    for (let i = 0; i < yd.length; i++) sy += yd[i]!;
    if (pet.background) for (const b of pet.background.data) sy -= b;
    let ss = 0;
    for (const s of subsets) for (const v of s.sensHost.data) ss += v;
    const c = Math.max(sy, 1e-6) / Math.max(ss, 1e-30);
    x = tensor([H, W], new Float32Array(H * W).fill(c));
  }
  const wantObj = opts.objective ?? true;
  const llFn = wantObj ? executor.compile((xv: Sym, yv: Sym) => poissonLogLikelihood(yv, pet.mean(xv)), [spec([H, W]), spec([V, D])]) : undefined;
  const yFull = wantObj ? (nSubsets === 1 ? subsets[0]!.y : executor.tensor(y)) : undefined;

  const x0 = x;
  let objective = Number.NaN;
  try {
    for (let k = 1; ; k++) {
      let rel = 0;
      for (const s of subsets) {
        const o = (await s.step.run(x, s.y, s.sens)) as unknown as { x: DeviceTensor; rel: DeviceTensor };
        release(x, [x0]);
        x = o.x;
        rel = await readScalar(o.rel);
        o.rel.dispose();
      }
      if (llFn) {
        const l = (await llFn.run(x, yFull!)) as DeviceTensor;
        objective = await readScalar(l);
        l.dispose();
      }
      const cur = x;
      if (await loop.step(k, objective, nSubsets === 1 ? rel : Number.NaN, () => ('toHost' in cur ? cur.toHost() : Promise.resolve(cur)))) break;
    }
    const image = 'toHost' in x ? await x.toHost() : x;
    return loop.result(image, objective);
  } finally {
    release(x, [x0]);
    for (const s of subsets) {
      s.y.dispose();
      s.sens.dispose();
    }
    if (yFull && nSubsets !== 1) yFull.dispose();
  }
}

/**
 * MLEM (see the module comment).
 * @example const { image, info } = await mlem(ex, y, pet, { iterations: 100, trace: true });
 */
export async function mlem(executor: Executor, y: HostTensor, pet: PetModel, opts: EmOptions = {}): Promise<ReconResult> {
  checkOptions('mlem', opts, EM_KEYS);
  return run('mlem', executor, y, pet, 1, opts);
}

/**
 * OSEM with `subsets` interleaved view subsets (see the module comment).
 * @example const { image } = await osem(ex, y, pet, { subsets: 8, iterations: 4 });
 */
export async function osem(executor: Executor, y: HostTensor, pet: PetModel, opts: OsemOptions = {}): Promise<ReconResult> {
  checkOptions('osem', opts, [...EM_KEYS, 'subsets']);
  const n = positiveInt('osem', 'subsets', opts.subsets ?? 1);
  const { subsets: _s, ...rest } = opts;
  return run(n === 1 ? 'mlem' : 'osem', executor, y, pet, n, rest);
}
