/**
 * Filtered back-projection for parallel- and fan-beam (equiangular and flat) geometries.
 *
 * Filter (as skimage's `iradon`): the spatial ramp kernel at unit sample spacing,
 *   h[0] = ¼,  h[m] = −1/(π m)² for odd m,  0 for even m ≠ 0,
 * zero-padded to N = max(64, 2^⌈log2(2·n_det)⌉), and its Fourier filter H = 2·Re FFT(h), multiplied
 * by a window of the normalised frequency |ν| ≤ ½ (cycles/sample), optionally stretched by
 * `frequencyScaling` s ∈ (0, 1] (window(|ν|/s), zero above s/2):
 *   'ramp' 1,  'shepp-logan' sin(πν)/(πν),  'cosine' cos(πν),  'hann' (1 + cos 2πν)/2.
 * The rows of the sinogram are filtered in the graph: zero-pad to N, DFT, × H, inverse DFT, crop.
 *
 * Reconstruction (units: the sinogram holds line integrals, the image attenuation in 1/mm):
 * - parallel:  f = Δθ/(2ρΔ²) · Aᵀ q,  q = filter(p), Δθ the view step, Δ the pixel size, ρ the
 *   redundancy (1 for arcs ≤ π, arc/π beyond: 2 for a 360° scan). With arc = π this is skimage's
 *   π/(2·n_views) (Aᵀ of the distance-driven matrix is Δ²/δ times the interpolating back-projection).
 * - fan beam (Kak & Slaney ch. 3): pre-weight p by cos γ (γ the bin's fan angle); for the
 *   equiangular detector the ramp kernel becomes h[m]·(mα/sin mα)² (α = δ/D the angular pitch);
 *   filter; back-project with the distance weight R/L(p, β) (R source-to-isocentre, L source-to-pixel
 *   distance), and scale by Δβ/(2ρΔ²) with ρ = arc/π (= 2 for a full 360° scan). Both detector
 *   shapes reduce to this one formula because Aᵀ already carries the 1/(L·Δγ) of the fan geometry.
 *   Short scans (π + fan < arc < 2π) are reconstructed without Parker weights (ρ = arc/π): expect
 *   low-frequency errors there — use a full scan.
 *
 * @example
 *   const img = await fbp(executor, sino, g, { filter: 'hann' });  // [H, W] in 1/mm
 */
import { MedreconError, checkOptions } from '../../core/errors.js';
import { type HostTensor, assertFinite, tensor } from '../../core/tensor.js';
import type { Executor } from '../../ir/executor.js';
import { type Sym, constant, dft, mul, pad, reshape, sliceAxis, squeeze, stack, zerosLike } from '../../ir/sym.js';
import { spec } from '../../ir/trace.js';
import { type CtGeometry, angularStep } from './geometry.js';
import { type CtProjector, ctProjector } from './projector.js';

export type FbpFilter = 'ramp' | 'shepp-logan' | 'cosine' | 'hann';
export const FBP_FILTERS: readonly FbpFilter[] = ['ramp', 'shepp-logan', 'cosine', 'hann'];

export interface FbpOptions {
  /** Default 'ramp'. */
  filter?: FbpFilter;
  /** Fraction s ∈ (0, 1] of the Nyquist band kept (default 1). */
  frequencyScaling?: number;
  /** Reuse a projector built for the same geometry (its tables). */
  projector?: CtProjector;
}

/** FFT length used for a detector of n bins: max(64, 2^⌈log2(2n)⌉). */
export function filterLength(nDet: number): number {
  return Math.max(64, 2 ** Math.ceil(Math.log2(2 * nDet)));
}

/**
 * The Fourier filter H[i], i < N (real, even), for `filter` and scaling s; `angularPitch` α turns on
 * the equiangular fan-beam kernel h[m]·(mα/sin mα)².
 * @example fourierFilter(1024, 'shepp-logan')
 */
export function fourierFilter(N: number, filter: FbpFilter = 'ramp', frequencyScaling = 1, angularPitch = 0): Float64Array {
  if (!Number.isInteger(N) || N < 2 || N % 2 !== 0) throw new MedreconError('INVALID_ARGUMENT', `fourierFilter: N must be an even integer ≥ 2, got ${N}`);
  if (!FBP_FILTERS.includes(filter)) throw new MedreconError('INVALID_ARGUMENT', `fourierFilter: unknown filter '${String(filter)}' (known: ${FBP_FILTERS.join(', ')})`);
  const s = frequencyScaling;
  if (!(s > 0 && s <= 1)) throw new MedreconError('INVALID_ARGUMENT', `fourierFilter: frequencyScaling must be in (0, 1], got ${s}`);
  const h = new Float64Array(N);
  h[0] = 0.25;
  for (let i = 1; i < N; i++) {
    const m = i <= N / 2 ? i : i - N;
    if (m % 2 === 0) continue;
    let v = -1 / (Math.PI * m) ** 2;
    if (angularPitch > 0) {
      const a = m * angularPitch;
      v *= (a / Math.sin(a)) ** 2;
    }
    h[i] = v;
  }
  const H = new Float64Array(N);
  for (let k = 0; k < N; k++) {
    let acc = 0;
    for (let m = 0; m < N; m++) acc += h[m]! * Math.cos((2 * Math.PI * ((k * m) % N)) / N);
    const nu = Math.abs(k <= N / 2 ? k : k - N) / N;
    let w = 1;
    if (nu > s / 2) w = 0;
    else {
      const x = nu / s;
      if (filter === 'shepp-logan') w = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      else if (filter === 'cosine') w = Math.cos(Math.PI * x);
      else if (filter === 'hann') w = 0.5 * (1 + Math.cos(2 * Math.PI * x));
    }
    H[k] = 2 * acc * w;
  }
  return H;
}

/** Fan angle γ of every bin of a fan geometry. */
function fanAngles(g: CtGeometry & { kind: 'fan' }): Float64Array {
  const n = g.nDetectors;
  return Float64Array.from({ length: n }, (_, k) => {
    const c = (k - (n - 1) / 2) * g.detectorSpacing + g.detectorOffset;
    return g.detector === 'equiangular' ? c / g.sourceToDetector : Math.atan(c / g.sourceToDetector);
  });
}

/**
 * The FBP as a graph function sino [V, n_det] ↦ image [H, W] (so it compiles into larger graphs).
 * @example const rec = fbpGraph(g, { filter: 'ramp' }); executor.compile(rec, [spec([V, nDet])]);
 */
export function fbpGraph(geometry: CtGeometry, opts: FbpOptions = {}): (sino: Sym) => Sym {
  checkOptions('fbp', opts, ['filter', 'frequencyScaling', 'projector']);
  const filter = opts.filter ?? 'ramp';
  const A = opts.projector ?? ctProjector(geometry);
  if (A.geometry !== geometry && (A.tables.nViews !== geometry.angles.length || A.tables.nDet !== geometry.nDetectors)) {
    throw new MedreconError('INVALID_ARGUMENT', 'fbp: the projector does not belong to this geometry');
  }
  const [H, W] = geometry.imageSize;
  const V = geometry.angles.length;
  const nDet = geometry.nDetectors;
  const N = filterLength(nDet);
  const dTheta = angularStep(geometry);
  const arc = dTheta * V;
  const rho = Math.max(1, arc / Math.PI);
  const scale = dTheta / (2 * rho * geometry.pixelSize ** 2);
  const alpha = geometry.kind === 'fan' && geometry.detector === 'equiangular' ? geometry.detectorSpacing / geometry.sourceToDetector : 0;
  const Hf = fourierFilter(N, filter, opts.frequencyScaling ?? 1, alpha);
  let preWeight: HostTensor | undefined;
  let omega: HostTensor | undefined;
  if (geometry.kind === 'fan') {
    preWeight = tensor([1, nDet], Float32Array.from(fanAngles(geometry), Math.cos));
    // ω[p, v] = R / L(p, β_v), L the source-to-pixel distance
    const R = geometry.sourceToIso;
    const om = new Float32Array(H * W * V);
    const px = geometry.pixelSize;
    for (let v = 0; v < V; v++) {
      const b = geometry.angles[v]!;
      const sx = R * Math.sin(b);
      const sy = -R * Math.cos(b);
      for (let i = 0; i < H; i++) {
        const Y = ((H - 1) / 2 - i) * px;
        for (let j = 0; j < W; j++) {
          const X = (j - (W - 1) / 2) * px;
          om[(i * W + j) * V + v] = R / Math.hypot(X - sx, Y - sy);
        }
      }
    }
    omega = tensor([H * W, V], om);
  }
  let cFilter: Sym | undefined;
  let cPre: Sym | undefined;
  let cOmega: Sym | undefined;
  return (sino: Sym): Sym => {
    cFilter ??= constant(tensor([1, N, 1], Float32Array.from(Hf)));
    let p = sino;
    if (preWeight) p = mul(p, (cPre ??= constant(preWeight)));
    const padded = pad(p, [[0, 0], [0, N - nDet]]);
    const z = stack([padded, zerosLike(padded)], -1); // [V, N, 2]
    const Z = mul(dft(z, 1), cFilter);
    const q = sliceAxis(squeeze(sliceAxis(dft(Z, 1, true), 2, 0, 1), 2), 1, 0, nDet);
    const qn = mul(q, scale / N);
    if (omega) return A.weightedAdjoint(qn, (cOmega ??= constant(omega)));
    return A.adjoint(reshape(qn, [V, nDet]));
  };
}

/**
 * Filtered back-projection of `sinogram` [V, n_det] (line integrals) → image [H, W] (1/mm).
 * @example const img = await fbp(ex, sino, parallelBeam({ imageSize: [256, 256], angles: fullArc(180) }), { filter: 'shepp-logan' });
 */
export async function fbp(executor: Executor, sinogram: HostTensor, geometry: CtGeometry, opts: FbpOptions = {}): Promise<HostTensor> {
  const V = geometry.angles.length;
  const nDet = geometry.nDetectors;
  if (sinogram.dims.length !== 2 || sinogram.dims[0] !== V || sinogram.dims[1] !== nDet) {
    throw new MedreconError('SHAPE_MISMATCH', `fbp: sinogram must be [${V}, ${nDet}], got [${sinogram.dims.join(', ')}]`);
  }
  assertFinite(sinogram, 'fbp: sinogram');
  const f = executor.compile(fbpGraph(geometry, opts), [spec([V, nDet])]);
  return (await f.runHost(sinogram)) as HostTensor;
}
