/**
 * A saved model (src/nn/registry.ts) as a `Denoiser` in its data units, [lo, lo + r]:
 *
 *   denoiser role:  D(x, σ) = lo + r · f_θ((x − lo)/r, σ/r)
 *   diffusion role: one reverse-free step. With u = (x − lo)/r, x_s = 2u − 1 and σ_s = 2σ/r, pick t
 *                   with σ_t = √((1 − ᾱ_t)/ᾱ_t) nearest σ_s (a host number σ is required), form
 *                   x_t = √ᾱ_t · x_s (so x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) n when σ_t = σ_s), predict ε (or v)
 *                   and return lo + r · (x̂₀ + 1)/2 with x̂₀ = x0FromEps / x0FromV.
 *
 * The parameters become graph constants (ONNX initializers).
 *
 * @example
 *   const { params, meta } = loadModel(bytes, json);
 *   const d = modelDenoiser({ params, meta });
 *   const f = rt.compile((x: Sym) => d.denoise(x, 0.05), [spec([1, 1, 256, 256])]);
 */
import { MedreconError } from '../core/errors.js';
import type { HostTensor } from '../core/tensor.js';
import { type Tree, flattenTree, unflattenTree } from '../core/tree.js';
import { type Sym, add, constant, full, isSym, mul, sub } from '../ir/sym.js';
import type { Denoiser } from '../nn/denoiser.js';
import { dataRangeWidth } from '../nn/models/drunet.js';
import { type LoadedModel, modelEntry } from '../nn/registry.js';
import { x0FromEps, x0FromV } from './objectives.js';
import { makeSchedule, timestepForSigma } from './schedules.js';

/** Whether a tree leaf is a host tensor (not a Sym). */
export const isHostLeaf = (x: unknown): x is HostTensor =>
  typeof x === 'object' && x !== null && !isSym(x) && Array.isArray((x as HostTensor).dims) && ArrayBuffer.isView((x as HostTensor).data);

/** Host parameter tree → constant Syms. */
export function constantParams(params: Tree<HostTensor>): Tree<Sym> {
  const { leaves, def } = flattenTree(params, isHostLeaf);
  return unflattenTree(def, leaves.map((l) => constant(l)));
}

/** The `Denoiser` view of a saved model (see the module comment). */
export function modelDenoiser(model: LoadedModel, opts: { readonly name?: string } = {}): Denoiser {
  const { meta } = model;
  const entry = modelEntry(meta.kind);
  const p = constantParams(model.params);
  const r = dataRangeWidth(meta.dataRange);
  const lo = meta.dataRange === 'unit' ? 0 : meta.dataRange === 'signed' ? -1 : meta.dataRange.min;
  const toUnit = (x: Sym) => (lo === 0 && r === 1 ? x : mul(sub(x, lo), 1 / r));
  const fromUnit = (u: Sym) => (lo === 0 && r === 1 ? u : add(mul(u, r), lo));
  const name = opts.name ?? meta.name ?? meta.kind;
  if (entry.role === 'denoiser') {
    return {
      name, dataRange: meta.dataRange,
      denoise: (x, sigma) => {
        const N = x.shape[0]!;
        const s = isSym(sigma) ? (sigma.rank === 0 ? mul(full([N], 1), sigma) : sigma) : full([N], sigma);
        return fromUnit(entry.apply(p, toUnit(x), r === 1 ? s : mul(s, 1 / r), meta.config));
      },
    };
  }
  const dm = meta.diffusion!;
  const sched = makeSchedule(dm.schedule, dm.T);
  return {
    name, dataRange: meta.dataRange,
    denoise: (x, sigma) => {
      if (isSym(sigma)) throw new MedreconError('INVALID_ARGUMENT', `modelDenoiser: a diffusion prior needs σ as a number (it selects the timestep), got a Sym`);
      const N = x.shape[0]!;
      const t = timestepForSigma(sched, (2 * sigma) / r);
      const ab = sched.alphaBars[t]!;
      const xs = sub(mul(toUnit(x), 2), 1);
      const xt = mul(xs, Math.sqrt(ab));
      const tt = full([N], t);
      const out = entry.apply(p, xt, tt, meta.config);
      const x0 = dm.prediction === 'v' ? x0FromV(xt, out, tt, sched) : x0FromEps(xt, out, tt, sched);
      return fromUnit(mul(add(x0, 1), 0.5));
    },
  };
}
