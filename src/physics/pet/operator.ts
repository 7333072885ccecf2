/**
 * 2D PET emission model on a parallel-beam geometry (lines of response = the CT projector's bins):
 *
 *   ȳ = m ⊙ (P x) + b,   m_i = n_i · a_i,   a_i = exp(−∫_i μ dl) = exp(−(P μ)_i),
 *
 * with x the activity image [H, W], P the distance-driven projector of `../ct` (line integrals, mm),
 * n the detector normalisation (efficiencies, default 1), a the attenuation factors from a μ-map in
 * 1/mm (computed once on the host with the same P), and b ≥ 0 the additive background (randoms +
 * scatter, in counts). The linear part A = diag(m) P is a `LinearOperator` (Aᵀ r = Pᵀ(m ⊙ r)).
 * The Poisson log-likelihood (up to the constant −Σ log y_i!) is
 *
 *   L(x) = Σ_i y_i log ȳ_i − ȳ_i       (terms with y_i = 0 contribute −ȳ_i).
 *
 * The sensitivity image of a set S of bins is s_S = A_Sᵀ 1 = P_Sᵀ(n a).
 *
 * @example
 *   const pet = petOperator({ geometry: parallelBeam({ imageSize: [128, 128], angles: fullArc(120) }), attenuation: mu });
 *   const f = executor.compile((x: Sym) => pet.mean(x), [spec([128, 128])]);
 */
import { MedreconError, checkOptions } from '../../core/errors.js';
import { type HostTensor, tensor } from '../../core/tensor.js';
import { type Sym, add, constant, gt, log, maximum, mul, sub, sum, where } from '../../ir/sym.js';
import { type LinearOperator, linearOperator } from '../operator.js';
import { type ParallelBeamGeometry, selectViews } from '../ct/geometry.js';
import { type CtProjector, ctProjector } from '../ct/projector.js';
import { adjointHost, forwardHost } from '../ct/tables.js';

export interface PetOptions {
  /** Parallel-beam geometry of the scanner's lines of response. */
  geometry: ParallelBeamGeometry;
  /** A projector already built for `geometry` (reuses its tables). */
  projector?: CtProjector;
  /** μ-map [H, W] in 1/mm (attenuation factors a = exp(−P μ)). */
  attenuation?: HostTensor;
  /** Detector normalisation n [V, n_det] (multiplicative, ≥ 0). */
  normalization?: HostTensor;
  /** Additive background b = randoms + scatter [V, n_det] (counts, ≥ 0). */
  background?: HostTensor;
}

export interface PetModel {
  readonly geometry: ParallelBeamGeometry;
  readonly projector: CtProjector;
  /** m = n ⊙ a [V, n_det]. */
  readonly factors: HostTensor<'float32'>;
  /** a = exp(−P μ) [V, n_det] (ones without a μ-map). */
  readonly attenuationFactors: HostTensor<'float32'>;
  readonly background: HostTensor<'float32'> | undefined;
  /** A = diag(m) P. */
  readonly A: LinearOperator;
  /** ȳ = A x + b (graph). */
  mean(x: Sym): Sym;
  /** Sensitivity image Aᵀ 1 = Pᵀ(m) [H, W] (host, float64 accumulation). */
  sensitivity(): HostTensor<'float32'>;
  /** The model restricted to views `idx` (an ordered subset). */
  subset(idx: ArrayLike<number>): PetModel;
}

function checkSino(name: string, t: HostTensor | undefined, V: number, D: number, nonneg: boolean): Float32Array | undefined {
  if (t === undefined) return undefined;
  if (t.dtype !== 'float32' || t.dims.length !== 2 || t.dims[0] !== V || t.dims[1] !== D) {
    throw new MedreconError('SHAPE_MISMATCH', `petOperator: ${name} must be float32 [${V}, ${D}], got ${t.dtype} [${t.dims.join(', ')}]`);
  }
  const d = t.data as Float32Array;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!) || (nonneg && d[i]! < 0)) throw new MedreconError('INVALID_ARGUMENT', `petOperator: ${name} must be finite${nonneg ? ' and ≥ 0' : ''} (index ${i}: ${d[i]})`);
  }
  return d;
}

function build(geometry: ParallelBeamGeometry, projector: CtProjector, att: Float32Array, norm: Float32Array | undefined, bg: Float32Array | undefined): PetModel {
  const [H, W] = geometry.imageSize;
  const V = geometry.angles.length;
  const D = geometry.nDetectors;
  const m = new Float32Array(V * D);
  for (let i = 0; i < m.length; i++) m[i] = att[i]! * (norm ? norm[i]! : 1);
  const factors = tensor([V, D], m);
  const background = bg ? tensor([V, D], bg) : undefined;
  let cm: Sym | undefined;
  let cb: Sym | undefined;
  const mSym = () => (cm ??= constant(factors));
  const A = linearOperator(`pet(${projector.name})`, [H, W], [V, D], (x) => mul(projector.forward(x), mSym()), (y) => projector.adjoint(mul(y, mSym())));
  return {
    geometry,
    projector,
    factors,
    attenuationFactors: tensor([V, D], att),
    background,
    A,
    mean(x: Sym): Sym {
      const ax = A.forward(x);
      return background ? add(ax, (cb ??= constant(background))) : ax;
    },
    sensitivity(): HostTensor<'float32'> {
      return tensor([H, W], Float32Array.from(adjointHost(projector.tables, m)));
    },
    subset(idx: ArrayLike<number>): PetModel {
      const g = selectViews(geometry, idx);
      const pick = (a: Float32Array | undefined) => {
        if (!a) return undefined;
        const out = new Float32Array(g.angles.length * D);
        for (let s = 0; s < idx.length; s++) out.set(a.subarray(idx[s]! * D, (idx[s]! + 1) * D), s * D);
        return out;
      };
      return build(g, ctProjector(g), pick(att)!, pick(norm), pick(bg));
    },
  };
}

/**
 * The PET model of the module comment.
 * @example const pet = petOperator({ geometry: g, attenuation: mu, background: tensor([V, D], bg) });
 */
export function petOperator(opts: PetOptions): PetModel {
  checkOptions('petOperator', opts, ['geometry', 'projector', 'attenuation', 'normalization', 'background']);
  const g = opts.geometry;
  if (!g || g.kind !== 'parallel') throw new MedreconError('INVALID_ARGUMENT', 'petOperator: geometry must be a parallel-beam geometry (parallelBeam(...))');
  const [H, W] = g.imageSize;
  const V = g.angles.length;
  const D = g.nDetectors;
  const P = opts.projector ?? ctProjector(g);
  if (P.tables.H !== H || P.tables.W !== W || P.tables.nViews !== V || P.tables.nDet !== D) throw new MedreconError('INVALID_ARGUMENT', 'petOperator: projector does not match the geometry');
  const norm = checkSino('normalization', opts.normalization, V, D, true);
  const bg = checkSino('background', opts.background, V, D, true);
  const att = new Float32Array(V * D).fill(1);
  if (opts.attenuation) {
    const mu = opts.attenuation;
    if (mu.dtype !== 'float32' || mu.dims.length !== 2 || mu.dims[0] !== H || mu.dims[1] !== W) throw new MedreconError('SHAPE_MISMATCH', `petOperator: attenuation must be float32 [${H}, ${W}], got [${mu.dims.join(', ')}]`);
    const li = forwardHost(P.tables, mu.data as Float32Array);
    for (let i = 0; i < att.length; i++) att[i] = Math.exp(-li[i]!);
  }
  return build(g, P, att, norm, bg);
}

/**
 * Poisson log-likelihood L = Σ y log ȳ − ȳ in the graph (terms with y = 0 give −ȳ; ȳ is floored at
 * 1e-30 inside the log).
 * @example const L = poissonLogLikelihood(y, pet.mean(x));
 */
export function poissonLogLikelihood(y: Sym, ybar: Sym): Sym {
  const ylog = where(gt(y, 0), mul(y, log(maximum(ybar, 1e-30))), 0);
  return sum(sub(ylog, ybar));
}

/**
 * Host version of `poissonLogLikelihood` (float64).
 * @example poissonLogLikelihoodHost(y.data, ybar.data)
 */
export function poissonLogLikelihoodHost(y: ArrayLike<number>, ybar: ArrayLike<number>): number {
  if (y.length !== ybar.length) throw new MedreconError('SHAPE_MISMATCH', `poissonLogLikelihoodHost: ${y.length} vs ${ybar.length} values`);
  let L = 0;
  for (let i = 0; i < y.length; i++) L += (y[i]! > 0 ? y[i]! * Math.log(Math.max(ybar[i]!, 1e-30)) : 0) - ybar[i]!;
  return L;
}
