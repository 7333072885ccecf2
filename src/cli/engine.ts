/**
 * What the CLI runs: measurement simulation and reconstruction for MRI, CT and PET, built on the
 * public physics (`mri`, CT projector/FBP, PET model, noise) and solvers (CG, PDHG, FISTA, PnP,
 * MLEM/OSEM). Every function takes an `Executor` (the CLI passes `createRuntime()`).
 *
 * Conventions (as in `medrecon recon --help`):
 * - MRI k-space y [H, W, 2] (single coil) or [C, H, W, 2]; F the centred orthonormal 2-D FFT;
 *   mask [W] (phase-encode lines) or [H, W]; coil maps [C, H, W, 2].
 *   Scaling: y is divided by s = max |zero-filled image| before iterating, so `lambda` is relative to
 *   an image of maximum ≈ 1 and an operator of norm ≤ 1; the result is multiplied back by s.
 *   - zero-filled: |Fᴴy| (single coil) or RSS √Σ_c |Fᴴy_c|².
 *   - cg-sense: CG on AᴴA x = Aᴴy (A = M F S), `iterations` CG steps (early stopping regularises).
 *   - tv: PDHG for ½‖Ax − y‖² + λ TV(x) (complex isotropic TV).
 *   - wavelet: FISTA for ½‖Ax − y‖² + λ‖Ψx‖₁ (db4, detail bands, complex magnitudes).
 *   - pnp-tv: PnP-FISTA with the TV denoiser, σ_k from 3λ down to λ/3 (log schedule).
 *   - pnp-net: PnP-PGD with a network denoiser (a shipped or trained model; magnitude models keep
 *     the image phase, `magnitudeDenoiser`), σ_k from 10λ down to λ (log schedule), λ in units of the
 *     image maximum.
 * - CT sinogram p [V, n_det] of line integrals (or counts c with I0: p = −log(max(c, 1)/I0));
 *   parallel beam, angles in radians, square pixels of `pixelSize` mm; image in 1/mm.
 *   TV: the operator is scaled to unit norm and the data to an FBP maximum of 1 (λ relative).
 * - PET counts y [V, n_det] ~ Poisson(a ⊙ P x) with attenuation factors a = exp(−P μ).
 *
 * @example
 *   const ex = createRuntime();
 *   const { image } = await reconMri(ex, { kspace }, { method: 'tv', lambda: 0.01, iterations: 50 });
 */
import {
  type Executor,
  type HostTensor,
  type LinearOperator,
  MedreconError,
  Rng,
  type Sym,
  ctProjector,
  fbp,
  type FbpFilter,
  fullArc,
  mlem,
  mri,
  noisySinogram,
  opNorm,
  osem,
  parallelBeam,
  type ParallelBeamGeometry,
  petOperator,
  pinvCG,
  poissonSamples,
  scaleOp,
  spec,
  tensor,
} from '../index.js';
import { type Denoiser, affineDenoiser, fista, logSchedule, magnitudeDenoiser, pdhg, pnp, tvDenoiser, waveletPrior } from '../index.js';

/** Called after each iteration with (done, total). */
export type OnStep = (done: number, total: number) => void;

export interface SolveResult {
  /** The image [H, W] (magnitude for MRI). */
  readonly image: HostTensor<'float32'>;
  readonly iterations: number;
  /** Denoiser / network evaluations (PnP); 0 otherwise. */
  readonly nfe: number;
  readonly notes: string[];
}

const shapeStr = (d: readonly number[]) => `[${d.join(', ')}]`;

function magnitude(t: HostTensor): HostTensor<'float32'> {
  const n = t.data.length / 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.hypot(t.data[2 * i]!, t.data[2 * i + 1]!);
  return tensor(t.dims.slice(0, -1), out);
}

function scaled(t: HostTensor, s: number): HostTensor<'float32'> {
  return tensor(t.dims, Float32Array.from(t.data as ArrayLike<number>, (v) => v * s));
}

function maxOf(a: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) if (a[i]! > m) m = a[i]!;
  return m;
}

// ------------------------------------------------------------------ MRI

export const MRI_METHODS = ['zero-filled', 'cg-sense', 'tv', 'wavelet', 'pnp-tv', 'pnp-net'] as const;
export type MriMethod = (typeof MRI_METHODS)[number];

export interface MriData {
  /** k-space [H, W, 2] or [C, H, W, 2]. */
  readonly kspace: HostTensor<'float32'>;
  /** Sampling mask [W] or [H, W]; default: the non-zero pattern of k-space. */
  readonly mask?: HostTensor;
  /** Coil maps [C, H, W, 2]; default (multi-coil): ESPIRiT from the calibration centre. */
  readonly maps?: HostTensor<'float32'>;
}

export interface MriReconOptions {
  readonly method: MriMethod;
  /** The network denoiser of 'pnp-net' (in the image's normalised units [0, 1]). */
  readonly denoiser?: Denoiser;
  readonly lambda?: number;
  readonly iterations?: number;
  readonly onStep?: OnStep;
}

/** Default λ and iteration counts per method (relative scaling, see the module comment). */
export const MRI_DEFAULTS: Readonly<Record<MriMethod, { lambda: number; iterations: number }>> = {
  'zero-filled': { lambda: 0, iterations: 0 },
  'cg-sense': { lambda: 0, iterations: 10 },
  tv: { lambda: 0.001, iterations: 200 },
  wavelet: { lambda: 0.001, iterations: 100 },
  'pnp-tv': { lambda: 0.001, iterations: 60 },
  'pnp-net': { lambda: 0.01, iterations: 60 },
};

/** Geometry of MRI k-space: coils (1 for [H, W, 2]), H, W. */
export function mriDims(k: HostTensor): { C: number; H: number; W: number; multi: boolean } {
  const d = k.dims;
  if ((d.length !== 3 && d.length !== 4) || d[d.length - 1] !== 2) {
    throw new MedreconError('SHAPE_MISMATCH', `mri: k-space must be [H, W, 2] or [coils, H, W, 2] (complex as a trailing re/im axis), got ${shapeStr(d)}`);
  }
  const multi = d.length === 4;
  return { C: multi ? d[0]! : 1, H: d[d.length - 3]!, W: d[d.length - 2]!, multi };
}

/** The [H, W] 0/1 mask of the k-space samples that are non-zero in any coil. */
export function maskFromKspace(k: HostTensor): HostTensor<'float32'> {
  const { C, H, W } = mriDims(k);
  const m = new Float32Array(H * W);
  const n = H * W;
  for (let c = 0; c < C; c++) for (let i = 0; i < n; i++) if (k.data[2 * (c * n + i)] !== 0 || k.data[2 * (c * n + i) + 1] !== 0) m[i] = 1;
  return tensor([H, W], m);
}

/** Check a user mask against the k-space grid: [W] or [H, W]. */
export function checkMask(mask: HostTensor, H: number, W: number): HostTensor {
  const d = mask.dims;
  const ok = (d.length === 1 && d[0] === W) || (d.length === 2 && d[0] === H && d[1] === W);
  if (!ok) throw new MedreconError('SHAPE_MISMATCH', `mri: mask ${shapeStr(d)} does not match k-space ${shapeStr([H, W])} (expected [${W}] or [${H}, ${W}])`);
  return mask;
}

/** Width of the contiguous sampled block around column ⌊W/2⌋ in every row of an [H, W] mask. */
export function centreWidth(mask: HostTensor, H: number, W: number): number {
  const full = mask.dims.length === 1 ? mask.data : undefined;
  const col = (w: number) => {
    if (full) return full[w] !== 0;
    for (let h = 0; h < H; h++) if (mask.data[h * W + w] === 0) return false;
    return true;
  };
  const c = Math.floor(W / 2);
  if (!col(c)) return 0;
  let lo = c;
  let hi = c;
  while (lo > 0 && col(lo - 1)) lo--;
  while (hi < W - 1 && col(hi + 1)) hi++;
  return hi - lo + 1;
}

/**
 * ESPIRiT maps from the fully sampled centre of multi-coil k-space (calibration region: the centre
 * block, at most 24 lines, kernel 6 or less).
 */
export function estimateMaps(kspace: HostTensor<'float32'>, mask: HostTensor): HostTensor<'float32'> {
  const { H, W } = mriDims(kspace);
  const cw = Math.min(24, centreWidth(mask, H, W));
  if (cw < 4) throw new MedreconError('INVALID_ARGUMENT', `mri: cannot estimate coil maps: only ${cw} fully sampled centre lines (need ≥ 4; pass --maps FILE)`);
  const ch = Math.min(24, H);
  const kernel = Math.min(6, cw, ch);
  return mri.espirit(kspace, { calibSize: [ch, cw], kernelSize: kernel }).maps;
}

async function run1(ex: Executor, fn: (x: Sym) => Sym, x: HostTensor): Promise<HostTensor> {
  const f = ex.compile(fn, [spec(x.dims)]);
  return (await f.runHost(x)) as HostTensor;
}

/**
 * Reconstruct one MRI slice (see the module comment for the methods).
 * @example await reconMri(ex, { kspace }, { method: 'cg-sense', iterations: 10 })
 */
export async function reconMri(ex: Executor, data: MriData, opts: MriReconOptions): Promise<SolveResult & { maps?: HostTensor<'float32'> }> {
  const { kspace } = data;
  const { C, H, W, multi } = mriDims(kspace);
  const method = opts.method;
  const d = MRI_DEFAULTS[method];
  const lambda = opts.lambda ?? d.lambda;
  const iters = opts.iterations ?? d.iterations;
  const notes: string[] = [];
  const zf = magnitudeOrRss(await run1(ex, (y) => mri.zeroFilled(y, { coils: multi }), kspace));
  if (method === 'zero-filled') return { image: zf, iterations: 0, nfe: 0, notes };
  const mask = data.mask ? checkMask(data.mask, H, W) : maskFromKspace(kspace);
  let maps = data.maps;
  if (multi && !maps) {
    maps = estimateMaps(kspace, mask);
    notes.push('coil maps estimated with ESPIRiT');
  }
  if (maps && (maps.dims.length !== 4 || maps.dims[0] !== C || maps.dims[1] !== H || maps.dims[2] !== W || maps.dims[3] !== 2)) {
    throw new MedreconError('SHAPE_MISMATCH', `mri: coil maps ${shapeStr(maps.dims)} do not match k-space ${shapeStr(kspace.dims)} (expected [${C}, ${H}, ${W}, 2])`);
  }
  const A: LinearOperator = multi ? mri.senseOp({ maps: maps!, mask }) : mri.singleCoilCartesian({ shape: [H, W], mask });
  const s = Math.max(maxOf(zf.data), 1e-30);
  const y = scaled(kspace, 1 / s);
  const step = (r: { iteration: number }) => void opts.onStep?.(r.iteration, iters);
  let x: HostTensor;
  let iterations = iters;
  let nfe = 0;
  if (method === 'cg-sense') {
    const r = await pinvCG(ex, A, y, { maxIter: iters, tol: 0, onIteration: (it) => void opts.onStep?.(it.iteration, iters) });
    x = await r.x.toHost();
    r.x.dispose();
    iterations = r.iterations;
  } else if (method === 'tv') {
    const r = await pdhg(ex, { physics: A, y, lambda, tv: { complex: true }, maxIter: iters, callback: step });
    x = r.image;
    iterations = r.info.iterations;
  } else if (method === 'wavelet') {
    const r = await fista(ex, { physics: A, y, prior: waveletPrior(lambda, { complex: true, wavelet: 'db4' }), maxIter: iters, lipschitz: 1, backtracking: true, callback: step });
    x = r.image;
    iterations = r.info.iterations;
  } else if (method === 'pnp-net') {
    if (!opts.denoiser) throw new MedreconError('INVALID_ARGUMENT', 'mri pnp-net: needs a denoiser (e.g. the shipped mri-drunet)');
    const sigma = logSchedule(10 * lambda, lambda, iters);
    const r = await pnp(ex, { physics: A, y, denoiser: magnitudeDenoiser(opts.denoiser), algorithm: 'pgd', sigma, step: 1, maxIter: iters, callback: step });
    x = r.image;
    iterations = r.info.iterations;
    nfe = r.info.nfe;
  } else {
    const sigma = logSchedule(3 * lambda, lambda / 3, iters);
    const r = await pnp(ex, { physics: A, y, denoiser: tvDenoiser(), algorithm: 'fista', sigma, step: 1, maxIter: iters, callback: step });
    x = r.image;
    iterations = r.info.iterations;
    nfe = r.info.nfe;
  }
  const out = scaled(magnitude(x), s);
  if (maps) {
    // outside the coil support (ESPIRiT zeroes the maps there) the image is not determined by the data
    const n = H * W;
    for (let i = 0; i < n; i++) {
      let e = 0;
      for (let c = 0; c < C; c++) e += maps.data[2 * (c * n + i)]! ** 2 + maps.data[2 * (c * n + i) + 1]! ** 2;
      if (e === 0) out.data[i] = 0;
    }
  }
  return { image: out, iterations, nfe, notes, ...(maps ? { maps } : {}) };
}

function magnitudeOrRss(t: HostTensor): HostTensor<'float32'> {
  return t.dtype === 'float32' ? (t as HostTensor<'float32'>) : tensor(t.dims, Float32Array.from(t.data as ArrayLike<number>));
}

export type MaskType = 'random' | 'equispaced';

export interface MriSimOptions {
  readonly coils: number;
  readonly acceleration: number;
  readonly centerFraction: number;
  readonly maskType: MaskType;
  readonly seed: number;
  /** Complex Gaussian noise std per component (k-space units = image units, orthonormal FFT). */
  readonly noise: number;
  /** Apply a smooth phase to a real image (as real MRI has). */
  readonly phase?: boolean;
}

/**
 * Simulate MRI k-space from an image [H, W] (real) or [H, W, 2] (complex): fastMRI line mask,
 * simulated birdcage coil maps (coils > 1), y = M ⊙ (F(S x) + n).
 * @example await simulateMri(ex, img, { coils: 8, acceleration: 4, centerFraction: 0.08, maskType: 'random', seed: 0, noise: 0.005 })
 */
export async function simulateMri(ex: Executor, image: HostTensor<'float32'>, o: MriSimOptions): Promise<{ kspace: HostTensor<'float32'>; mask: HostTensor<'float32'>; maps?: HostTensor<'float32'> }> {
  const complex = image.dims.length === 3 && image.dims[2] === 2;
  if (!complex && image.dims.length !== 2) throw new MedreconError('SHAPE_MISMATCH', `simulate mri: image must be [H, W] or complex [H, W, 2], got ${shapeStr(image.dims)}`);
  const [H, W] = image.dims as [number, number];
  let x: HostTensor<'float32'>;
  if (complex) x = image;
  else if (o.phase) x = mri.withSmoothPhase(image.data, [H, W]);
  else {
    const z = new Float32Array(H * W * 2);
    for (let i = 0; i < H * W; i++) z[2 * i] = image.data[i]!;
    x = tensor([H, W, 2], z);
  }
  const lineOpts = { acceleration: o.acceleration, centerFraction: o.centerFraction, seed: o.seed };
  const m = o.maskType === 'random' ? mri.randomMask(W, lineOpts) : mri.equispacedMask(W, lineOpts);
  const mask = tensor([W], Float32Array.from(m));
  const maps = o.coils > 1 ? mri.simulateCoilMaps({ coils: o.coils, shape: [H, W] }) : undefined;
  const full = maps ? mri.senseOp({ maps }) : mri.singleCoilCartesian({ shape: [H, W] });
  const k = await run1(ex, (v) => full.forward(v), x);
  const out = Float32Array.from(k.data as ArrayLike<number>);
  const noise = o.noise > 0 ? new Rng(o.seed).fork(11).normal(out.length, 0, o.noise) : undefined;
  for (let i = 0; i < out.length; i++) {
    const w = (i >> 1) % W;
    out[i] = m[w] ? out[i]! + (noise ? noise[i]! : 0) : 0;
  }
  return { kspace: tensor(k.dims, out), mask, ...(maps ? { maps } : {}) };
}

// ------------------------------------------------------------------ CT

export const CT_METHODS = ['fbp', 'tv', 'pnp-net'] as const;
export type CtMethod = (typeof CT_METHODS)[number];

/** 0.0192 /mm: water at ≈ 70 keV. μ = μ_water (1 + HU/1000), clipped at 0. */
export const MU_WATER_CT = 0.0192;
/** 0.0096 /mm: water at 511 keV (PET μ-maps). */
export const MU_WATER_PET = 0.0096;

export function huToMu(hu: HostTensor): HostTensor<'float32'> {
  return tensor(hu.dims, Float32Array.from(hu.data as ArrayLike<number>, (v) => Math.max(0, MU_WATER_CT * (1 + v / 1000))));
}

/** Square image size that a parallel-beam detector of nDet bins covers: ⌊(nDet − 1)/√2⌋. */
export function sizeForDetectors(nDet: number): number {
  return Math.max(1, Math.floor((nDet - 1) / Math.SQRT2));
}

export interface CtGeometryOptions {
  readonly imageSize: readonly [number, number];
  /** View angles in radians. */
  readonly angles: ArrayLike<number>;
  /** mm per pixel (default 1); detector pitch = pixel size. */
  readonly pixelSize?: number;
  readonly nDetectors?: number;
}

export function ctGeometry(o: CtGeometryOptions): ParallelBeamGeometry {
  return parallelBeam({ imageSize: o.imageSize, angles: o.angles, pixelSize: o.pixelSize ?? 1, ...(o.nDetectors !== undefined ? { nDetectors: o.nDetectors } : {}) });
}

/** n angles over `arcDeg` degrees, in radians. */
export function anglesFor(views: number, arcDeg: number): Float64Array {
  return fullArc(views, (arcDeg * Math.PI) / 180);
}

/** Line integrals from raw counts: p = −log(max(c, 1)/I0). */
export function countsToLineIntegrals(c: HostTensor, I0: number): HostTensor<'float32'> {
  return tensor(c.dims, Float32Array.from(c.data as ArrayLike<number>, (v) => -Math.log(Math.max(v, 1) / I0)));
}

export interface CtReconOptions {
  readonly method: CtMethod;
  /** 'pnp-net': a denoiser in Hounsfield units (e.g. the shipped ct-drunet); λ is its final σ in HU. */
  readonly denoiser?: Denoiser;
  readonly filter?: FbpFilter;
  readonly lambda?: number;
  readonly iterations?: number;
  readonly onStep?: OnStep;
}

export const CT_DEFAULTS = { lambda: 0.001, iterations: 150 } as const;
/** 'pnp-net': final denoiser σ in HU and iterations (σ_k from 10λ down to λ). */
export const CT_PNP_DEFAULTS = { lambda: 5, iterations: 30 } as const;

/**
 * Reconstruct a parallel-beam sinogram [V, n_det] (line integrals) → μ image [H, W] (1/mm).
 * @example await reconCt(ex, sino, ctGeometry({ imageSize: [128, 128], angles: anglesFor(60, 180) }), { method: 'fbp' })
 */
export async function reconCt(ex: Executor, sino: HostTensor<'float32'>, g: ParallelBeamGeometry, opts: CtReconOptions): Promise<SolveResult> {
  const V = g.angles.length;
  if (sino.dims.length !== 2 || sino.dims[0] !== V || sino.dims[1] !== g.nDetectors) {
    throw new MedreconError('SHAPE_MISMATCH', `ct: sinogram ${shapeStr(sino.dims)} does not match the geometry [${V} views, ${g.nDetectors} detectors]`);
  }
  const P = ctProjector(g);
  const f = (await fbp(ex, sino, g, { filter: opts.filter ?? 'ramp', projector: P })) as HostTensor<'float32'>;
  if (opts.method === 'fbp') return { image: f, iterations: 0, nfe: 0, notes: [] };
  const iters = opts.iterations ?? CT_DEFAULTS.iterations;
  const lambda = opts.lambda ?? CT_DEFAULTS.lambda;
  const nrm = (await opNorm(ex, P, { iterations: 30, tol: 1e-3 })).norm;
  const s = Math.max(maxOf(f.data), 1e-30);
  const A = scaleOp(P, 1 / nrm);
  const y = scaled(sino, 1 / (nrm * s));
  if (opts.method === 'pnp-net') {
    if (!opts.denoiser) throw new MedreconError('INVALID_ARGUMENT', 'ct pnp-net: needs a denoiser in HU (e.g. the shipped ct-drunet)');
    // The iterate is μ/s; the denoiser works in HU = 1000·μ/μ_water − 1000 = a·(μ/s) + b.
    const a = (1000 * s) / MU_WATER_CT;
    const sigmaHu = opts.lambda ?? CT_PNP_DEFAULTS.lambda;
    const its = opts.iterations ?? CT_PNP_DEFAULTS.iterations;
    const r = await pnp(ex, {
      physics: A, y, denoiser: affineDenoiser(opts.denoiser, a, -1000), algorithm: 'pgd', step: 1, maxIter: its,
      sigma: logSchedule((10 * sigmaHu) / a, sigmaHu / a, its), x0: scaled(f, 1 / s), callback: (rec) => void opts.onStep?.(rec.iteration, its),
    });
    return { image: scaled(r.image, s), iterations: r.info.iterations, nfe: r.info.nfe, notes: [] };
  }
  const r = await pdhg(ex, { physics: A, y, lambda, bounds: [0, Infinity], maxIter: iters, callback: (rec) => void opts.onStep?.(rec.iteration, iters) });
  return { image: scaled(r.image, s), iterations: r.info.iterations, nfe: 0, notes: [] };
}

export interface CtSimOptions {
  readonly views: number;
  readonly arcDeg: number;
  readonly pixelSize: number;
  /** Blank-scan counts; 0 = noiseless. */
  readonly i0: number;
  readonly seed: number;
}

/**
 * Simulate a parallel-beam sinogram of a μ image [H, W] (1/mm): line integrals p = P μ, and with
 * I0 > 0 Beer–Lambert counts c ~ Poisson(I0 e^{−p}) and p̂ = −log(max(c, 1)/I0).
 */
export async function simulateCt(ex: Executor, mu: HostTensor<'float32'>, o: CtSimOptions): Promise<{ sinogram: HostTensor<'float32'>; counts?: HostTensor<'float32'>; angles: Float64Array; geometry: ParallelBeamGeometry }> {
  if (mu.dims.length !== 2) throw new MedreconError('SHAPE_MISMATCH', `simulate ct: image must be [H, W], got ${shapeStr(mu.dims)}`);
  const angles = anglesFor(o.views, o.arcDeg);
  const g = ctGeometry({ imageSize: [mu.dims[0]!, mu.dims[1]!], angles, pixelSize: o.pixelSize });
  const P = ctProjector(g);
  const p = (await run1(ex, (x) => P.forward(x), mu)) as HostTensor<'float32'>;
  if (!(o.i0 > 0)) return { sinogram: p, angles, geometry: g };
  const { counts, sinogram } = noisySinogram(p, new Rng(o.seed).fork(21), { I0: o.i0 });
  return { sinogram, counts, angles, geometry: g };
}

// ------------------------------------------------------------------ PET

export const PET_METHODS = ['mlem', 'osem'] as const;
export type PetMethod = (typeof PET_METHODS)[number];

export interface PetReconOptions {
  readonly method: PetMethod;
  readonly iterations?: number;
  readonly subsets?: number;
  /** μ-map [H, W] in 1/mm. */
  readonly attenuation?: HostTensor;
  readonly pixelSize?: number;
  readonly imageSize: readonly [number, number];
  /** Radians (default: V views over 180°). */
  readonly angles?: ArrayLike<number>;
  readonly onStep?: OnStep;
}

export const PET_DEFAULTS = { mlem: 40, osem: 5, subsets: 8 } as const;

/**
 * MLEM / OSEM of PET counts [V, n_det].
 * @example await reconPet(ex, counts, { method: 'osem', subsets: 8, iterations: 5, imageSize: [128, 128] })
 */
export async function reconPet(ex: Executor, counts: HostTensor<'float32'>, o: PetReconOptions): Promise<SolveResult> {
  if (counts.dims.length !== 2) throw new MedreconError('SHAPE_MISMATCH', `pet: counts must be [views, detectors], got ${shapeStr(counts.dims)}`);
  const [V, D] = counts.dims as [number, number];
  if (o.attenuation && (o.attenuation.dims.length !== 2 || o.attenuation.dims[0] !== o.imageSize[0] || o.attenuation.dims[1] !== o.imageSize[1])) {
    throw new MedreconError('SHAPE_MISMATCH', `pet: attenuation map ${shapeStr(o.attenuation.dims)} does not match the image size ${shapeStr(o.imageSize)}`);
  }
  const g = ctGeometry({ imageSize: o.imageSize, angles: o.angles ?? fullArc(V), pixelSize: o.pixelSize ?? 1, nDetectors: D });
  const pet = petOperator({ geometry: g, ...(o.attenuation ? { attenuation: o.attenuation } : {}) });
  const iters = o.iterations ?? (o.method === 'mlem' ? PET_DEFAULTS.mlem : PET_DEFAULTS.osem);
  const callback = (r: { iteration: number }) => void o.onStep?.(r.iteration, iters);
  const r =
    o.method === 'mlem'
      ? await mlem(ex, counts, pet, { iterations: iters, objective: false, callback })
      : await osem(ex, counts, pet, { iterations: iters, subsets: o.subsets ?? PET_DEFAULTS.subsets, objective: false, callback });
  return { image: r.image as HostTensor<'float32'>, iterations: r.info.iterations, nfe: 0, notes: [] };
}

export interface PetSimOptions {
  readonly views: number;
  /** Expected total counts Σ ȳ (the image is scaled to give it). */
  readonly counts: number;
  readonly pixelSize: number;
  readonly attenuation?: HostTensor;
  readonly seed: number;
}

/**
 * Simulate PET counts y ~ Poisson(a ⊙ P (s·x)), with s chosen so Σ ȳ = `counts`.
 * Returns the counts, s, and the scaled activity s·x (what MLEM/OSEM estimate).
 */
export async function simulatePet(ex: Executor, activity: HostTensor<'float32'>, o: PetSimOptions): Promise<{ counts: HostTensor<'float32'>; scale: number; activity: HostTensor<'float32'> }> {
  if (activity.dims.length !== 2) throw new MedreconError('SHAPE_MISMATCH', `simulate pet: image must be [H, W], got ${shapeStr(activity.dims)}`);
  const [H, W] = activity.dims as [number, number];
  if (o.attenuation && (o.attenuation.dims.length !== 2 || o.attenuation.dims[0] !== H || o.attenuation.dims[1] !== W)) {
    throw new MedreconError('SHAPE_MISMATCH', `simulate pet: attenuation map ${shapeStr(o.attenuation.dims)} does not match the image ${shapeStr(activity.dims)}`);
  }
  for (const v of activity.data) if (!(v >= 0)) throw new MedreconError('INVALID_ARGUMENT', 'simulate pet: activity must be ≥ 0 and finite');
  const g = ctGeometry({ imageSize: [H, W], angles: fullArc(o.views), pixelSize: o.pixelSize });
  const pet = petOperator({ geometry: g, ...(o.attenuation ? { attenuation: o.attenuation } : {}) });
  const ybar = (await run1(ex, (x) => pet.A.forward(x), activity)) as HostTensor<'float32'>;
  let tot = 0;
  for (const v of ybar.data) tot += v;
  if (!(tot > 0)) throw new MedreconError('INVALID_ARGUMENT', 'simulate pet: the activity image is zero');
  const s = o.counts / tot;
  const y = poissonSamples(Float64Array.from(ybar.data, (v) => Math.max(0, v * s)), new Rng(o.seed).fork(31));
  return { counts: tensor(ybar.dims, Float32Array.from(y)), scale: s, activity: scaled(activity, s) };
}

/** A water μ-map (1/mm) on the support of an image (pixels above 2 % of its maximum). */
export function waterMuMap(img: HostTensor, mu = MU_WATER_PET): HostTensor<'float32'> {
  const t = 0.02 * maxOf(img.data as ArrayLike<number>);
  return tensor(img.dims, Float32Array.from(img.data as ArrayLike<number>, (v) => (v > t ? mu : 0)));
}
