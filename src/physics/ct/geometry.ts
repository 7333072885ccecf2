/**
 * 2D CT acquisition geometries (host objects, millimetres and radians).
 *
 * Image coordinates. The image x has shape [H, W] (row i, column j); pixels are squares of side
 * `pixelSize` Δ (mm). Pixel (i, j) is centred at
 *   X = (j − (W−1)/2)·Δ,   Y = ((H−1)/2 − i)·Δ        (X to the right, Y up, isocentre at the centre).
 *
 * Parallel beam, view angle θ: detector axis t = (cos θ, sin θ), ray direction e = (−sin θ, cos θ);
 * the ray of detector coordinate s is {s·t + λe}, so s = X cos θ + Y sin θ (Kak & Slaney). Bin k is
 * centred at s_k = (k − (n−1)/2)·δ + offset (δ = `detectorSpacing`, mm). At θ = 0 the rays are
 * vertical and s = X (summing the image over its rows), as skimage's `radon` at 0°.
 *
 * Fan beam, source angle β: source S = R·(sin β, −cos β) (R = `sourceToIso`), central ray e(β) as
 * above, detector at distance D = `sourceToDetector` from the source. Equiangular (curved) detector:
 * bin k at fan angle γ_k = (k − (n−1)/2)·δ/D (δ is the arc length at distance D, mm), ray direction
 * cos γ·e + sin γ·t. Flat detector: bin k at u_k = (k − (n−1)/2)·δ on the line S + D·e + u·t.
 *
 * Angle helpers: `fullArc(n, arc)` (n views evenly over [0, arc), arc = π for parallel, 2π for fan
 * by default), `sparseView(n, kind)` (a full arc with few views), `limitedAngle(n, arc)` (arc < π:
 * a missing wedge).
 *
 * @example
 *   const g = parallelBeam({ imageSize: [256, 256], pixelSize: 1, nDetectors: 363, detectorSpacing: 1, angles: fullArc(180) });
 *   const f = fanBeam({ imageSize: [256, 256], pixelSize: 1, nDetectors: 512, detectorSpacing: 1.5,
 *                       angles: fullArc(360, 2 * Math.PI), sourceToIso: 500, sourceToDetector: 1000, detector: 'flat' });
 */
import { MedreconError, checkOptions } from '../../core/errors.js';

export type DetectorShape = 'equiangular' | 'flat';

interface CommonGeometry {
  /** [H, W] image size in pixels. */
  readonly imageSize: readonly [number, number];
  /** Pixel side in mm. */
  readonly pixelSize: number;
  readonly nDetectors: number;
  /** Detector bin pitch in mm (arc length at the detector radius for equiangular detectors). */
  readonly detectorSpacing: number;
  /** Shift of the detector centre in mm along the detector axis (default 0). */
  readonly detectorOffset: number;
  /** View angles in radians. */
  readonly angles: Float64Array;
}

export interface ParallelBeamGeometry extends CommonGeometry {
  readonly kind: 'parallel';
}

export interface FanBeamGeometry extends CommonGeometry {
  readonly kind: 'fan';
  /** Source to isocentre distance R (mm). */
  readonly sourceToIso: number;
  /** Source to detector distance D (mm), D > R. */
  readonly sourceToDetector: number;
  readonly detector: DetectorShape;
}

export type CtGeometry = ParallelBeamGeometry | FanBeamGeometry;

export interface ParallelBeamOptions {
  imageSize: readonly [number, number];
  pixelSize?: number;
  /** Default: ⌈√(H² + W²)·Δ/δ⌉ + 1, enough to cover the image diagonal. */
  nDetectors?: number;
  detectorSpacing?: number;
  detectorOffset?: number;
  /** Radians; default fullArc(180). */
  angles?: ArrayLike<number>;
}

export interface FanBeamOptions extends ParallelBeamOptions {
  sourceToIso: number;
  sourceToDetector: number;
  /** Default 'equiangular'. */
  detector?: DetectorShape;
}

function posNum(where: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new MedreconError('INVALID_ARGUMENT', `${where}: ${name} must be a positive finite number, got ${String(v)}`);
  return v;
}
function posInt(where: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new MedreconError('INVALID_ARGUMENT', `${where}: ${name} must be a positive integer, got ${String(v)}`);
  return v;
}

function common(where: string, o: ParallelBeamOptions, defaultDet: (H: number, W: number, px: number, ds: number) => number): CommonGeometry {
  if (!Array.isArray(o.imageSize) || o.imageSize.length !== 2) throw new MedreconError('INVALID_ARGUMENT', `${where}: imageSize must be [H, W]`);
  const H = posInt(where, 'imageSize[0]', o.imageSize[0]);
  const W = posInt(where, 'imageSize[1]', o.imageSize[1]);
  const pixelSize = posNum(where, 'pixelSize', o.pixelSize ?? 1);
  const detectorSpacing = posNum(where, 'detectorSpacing', o.detectorSpacing ?? pixelSize);
  const nDetectors = posInt(where, 'nDetectors', o.nDetectors ?? defaultDet(H, W, pixelSize, detectorSpacing));
  const detectorOffset = o.detectorOffset ?? 0;
  if (!Number.isFinite(detectorOffset)) throw new MedreconError('INVALID_ARGUMENT', `${where}: detectorOffset must be finite`);
  const angles = Float64Array.from(o.angles ?? fullArc(180));
  if (angles.length === 0) throw new MedreconError('INVALID_ARGUMENT', `${where}: angles must not be empty`);
  for (const a of angles) if (!Number.isFinite(a)) throw new MedreconError('INVALID_ARGUMENT', `${where}: angles must be finite`);
  return { imageSize: [H, W], pixelSize, nDetectors, detectorSpacing, detectorOffset, angles };
}

/**
 * Parallel-beam geometry.
 * @example parallelBeam({ imageSize: [128, 128], angles: fullArc(60) }) // δ = Δ = 1 mm, 183 bins
 */
export function parallelBeam(opts: ParallelBeamOptions): ParallelBeamGeometry {
  checkOptions('parallelBeam', opts, ['imageSize', 'pixelSize', 'nDetectors', 'detectorSpacing', 'detectorOffset', 'angles']);
  const c = common('parallelBeam', opts, (H, W, px, ds) => Math.ceil((Math.hypot(H, W) * px) / ds) + 1);
  return { kind: 'parallel', ...c };
}

/**
 * Fan-beam geometry (equiangular or flat detector). The default detector count covers the image's
 * circumscribed circle as seen from the source.
 * @example fanBeam({ imageSize: [128, 128], angles: fullArc(360, 2 * Math.PI), sourceToIso: 300, sourceToDetector: 600, detectorSpacing: 2 })
 */
export function fanBeam(opts: FanBeamOptions): FanBeamGeometry {
  checkOptions('fanBeam', opts, ['imageSize', 'pixelSize', 'nDetectors', 'detectorSpacing', 'detectorOffset', 'angles', 'sourceToIso', 'sourceToDetector', 'detector']);
  const R = posNum('fanBeam', 'sourceToIso', opts.sourceToIso);
  const D = posNum('fanBeam', 'sourceToDetector', opts.sourceToDetector);
  const detector = opts.detector ?? 'equiangular';
  if (detector !== 'equiangular' && detector !== 'flat') throw new MedreconError('INVALID_ARGUMENT', `fanBeam: detector must be 'equiangular' or 'flat', got '${String(detector)}'`);
  const c = common('fanBeam', { ...opts, angles: opts.angles ?? fullArc(360, 2 * Math.PI) }, (H, W, px, ds) => {
    const rad = (Math.hypot(H, W) * px) / 2;
    if (rad >= R) return 1;
    const gmax = Math.asin(rad / R);
    const half = detector === 'flat' ? D * Math.tan(gmax) : D * gmax;
    return 2 * Math.ceil(half / ds) + 2;
  });
  const [H, W] = c.imageSize;
  if (R <= (Math.hypot(H, W) * c.pixelSize) / 2) throw new MedreconError('INVALID_ARGUMENT', `fanBeam: the source (sourceToIso = ${R} mm) must lie outside the image's circumscribed circle (radius ${((Math.hypot(H, W) * c.pixelSize) / 2).toFixed(1)} mm)`);
  if (D <= R) throw new MedreconError('INVALID_ARGUMENT', `fanBeam: sourceToDetector (${D}) must exceed sourceToIso (${R})`);
  return { kind: 'fan', ...c, sourceToIso: R, sourceToDetector: D, detector };
}

/**
 * n view angles evenly spaced over [start, start + arc): θ_k = start + k·arc/n.
 * @example fullArc(180)               // 0°, 1°, …, 179° (parallel beam)
 * @example fullArc(360, 2 * Math.PI)  // fan beam full scan
 */
export function fullArc(nViews: number, arc = Math.PI, start = 0): Float64Array {
  posInt('fullArc', 'nViews', nViews);
  posNum('fullArc', 'arc', arc);
  return Float64Array.from({ length: nViews }, (_, k) => start + (k * arc) / nViews);
}

/**
 * A sparse-view scan: n views evenly over the full arc (π for 'parallel', 2π for 'fan').
 * @example sparseView(60)  // every third degree
 */
export function sparseView(nViews: number, kind: 'parallel' | 'fan' = 'parallel'): Float64Array {
  return fullArc(nViews, kind === 'fan' ? 2 * Math.PI : Math.PI);
}

/**
 * A limited-angle scan: n views evenly over [start, start + arc) with arc < π (missing wedge).
 * @example limitedAngle(120, (2 * Math.PI) / 3)  // 120° of a 180° parallel scan
 */
export function limitedAngle(nViews: number, arc: number, start = 0): Float64Array {
  posNum('limitedAngle', 'arc', arc);
  if (arc >= Math.PI) throw new MedreconError('INVALID_ARGUMENT', `limitedAngle: arc must be < π (got ${arc}); use fullArc for complete scans`);
  return fullArc(nViews, arc, start);
}

/** A copy of `g` restricted to the views `idx` (used for ordered subsets). */
export function selectViews<G extends CtGeometry>(g: G, idx: ArrayLike<number>): G {
  const angles = Float64Array.from(idx, (i) => {
    if (!Number.isInteger(i) || i < 0 || i >= g.angles.length) throw new MedreconError('INVALID_ARGUMENT', `selectViews: view index ${i} out of range [0, ${g.angles.length})`);
    return g.angles[i]!;
  });
  return { ...g, angles };
}

/** Angular step Δθ of a geometry (mean spacing; for one view, π for parallel and 2π for fan). */
export function angularStep(g: CtGeometry): number {
  const V = g.angles.length;
  if (V < 2) return g.kind === 'parallel' ? Math.PI : 2 * Math.PI;
  return Math.abs(g.angles[V - 1]! - g.angles[0]!) / (V - 1);
}
