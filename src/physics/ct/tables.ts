/**
 * Distance-driven (DD) system matrix of a 2D CT geometry, precomputed once on the host in two
 * gather-friendly layouts that hold the SAME float32 weights (so the adjoint is an exact transpose).
 *
 * Model (De Man & Basu 2004, 2D). Each bin k is the strip between its two boundary rays. For bin k
 * pick the axis its central ray runs along most ("row mode" when |e_y| ≥ |e_x|: step over the H image
 * rows; otherwise "column mode": step over the W columns). On every line ℓ of that family, the two
 * boundary rays cut the line at continuous pixel positions lo ≤ hi (the bin's footprint), and
 *   A[k, pixel c of line ℓ] = L_k · |[c − ½, c + ½] ∩ [lo, hi]| / (hi − lo),
 * with L_k = Δ / |cos| the length of the central ray per line (mm). Summing over the line gives
 * L_k (the footprint average of the image times the path length), so A x ≈ ∫ μ dl (line integrals
 * in (1/mm)·mm). Along a line the footprints of consecutive bins tile the line, so Aᵀ is an
 * area-weighted back-projection without the Moiré of ray-driven adjoints.
 *
 * Layouts (all padding slots have weight 0):
 * - forward: for bin b = v·n_det + k and line slot ℓ < K (K = max(H, W)): `fIdx[b, ℓ]`, the offset of
 *   the first pixel of the footprint in the buffer [x.flat ; xᵀ.flat] (row-mode lines index x,
 *   column-mode lines index xᵀ), and `fW[b, ℓ, t]`, t < T, the weights of the T consecutive pixels
 *   from there. In the graph: y[b] = Σ_ℓ Σ_t fW[b,ℓ,t] · buf[fIdx[b,ℓ] + t].
 * - adjoint: for pixel p = i·W + j and view v: `aIdx[p, v] = v·n_det + k₀` (first bin that touches p
 *   in view v) and `aW[p, v, t]`, t < T', the weights of bins k₀ … k₀+T'−1:
 *   (Aᵀ y)[p] = Σ_v Σ_t aW[p,v,t] · y.flat[aIdx[p,v] + t].
 *
 * @example
 *   const t = buildTables(parallelBeam({ imageSize: [64, 64], angles: fullArc(90) }));
 *   const y = forwardHost(t, image.data);   // host matvec (for tests and attenuation maps)
 */
import { MedreconError } from '../../core/errors.js';
import type { CtGeometry } from './geometry.js';

export interface ProjectorTables {
  readonly H: number;
  readonly W: number;
  readonly nViews: number;
  readonly nDet: number;
  /** Line slots per bin (max(H, W), or H / W when only one mode occurs). */
  readonly K: number;
  /** Pixels per footprint slot. */
  readonly T: number;
  /** Bins per (pixel, view) slot. */
  readonly Ta: number;
  /** Whether any bin uses column mode (then the buffer holds xᵀ too). */
  readonly usesColumns: boolean;
  /** Empty when the forward (bin) layout was not requested. */
  readonly fIdx: Int32Array; // [B, K]
  readonly fW: Float32Array; // [B, K, T]
  readonly aIdx: Int32Array; // [P, V]
  readonly aW: Float32Array; // [P, V, Ta]
  /** Non-zero weights (the sparse matrix's nnz). */
  readonly nnz: number;
  /** Bytes of the forward and adjoint tables. */
  readonly forwardBytes: number;
  readonly adjointBytes: number;
  /** Milliseconds spent building. */
  readonly buildMs: number;
}

interface Footprint {
  v: number;
  k: number;
  line: number;
  col: boolean;
  c0: number;
  n: number;
  w: Float64Array;
}

/**
 * The ray of detector position `bIndex` at view angle `theta`: out = [Px, Py, dx, dy] (mm, unit
 * direction). Bin k spans bIndex ∈ [k, k + 1]; its centre is bIndex = k + ½.
 * @example const r = new Float64Array(4); rayOf(g, g.angles[0], 10.5, r);
 */
export function rayOf(g: CtGeometry, theta: number, bIndex: number, out: Float64Array): void {
  const n = g.nDetectors;
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  // t = (c, s), e = (−s, c)
  const coord = (bIndex - n / 2) * g.detectorSpacing + g.detectorOffset;
  if (g.kind === 'parallel') {
    out[0] = coord * c;
    out[1] = coord * s;
    out[2] = -s;
    out[3] = c;
    return;
  }
  const R = g.sourceToIso;
  const D = g.sourceToDetector;
  out[0] = R * s;
  out[1] = -R * c;
  if (g.detector === 'equiangular') {
    const gam = coord / D;
    const cg = Math.cos(gam);
    const sg = Math.sin(gam);
    out[2] = -s * cg + c * sg;
    out[3] = c * cg + s * sg;
  } else {
    const dx = -s * D + c * coord;
    const dy = c * D + s * coord;
    const nn = Math.hypot(dx, dy);
    out[2] = dx / nn;
    out[3] = dy / nn;
  }
}

/**
 * Visit every non-empty (bin, line) footprint of the DD matrix. Deterministic: two passes see the
 * same doubles.
 */
function forEachFootprint(g: CtGeometry, visit: (f: Footprint) => void): void {
  const [H, W] = g.imageSize;
  const px = g.pixelSize;
  const n = g.nDetectors;
  const rb = new Float64Array(4);
  const ra = new Float64Array(4);
  const rc = new Float64Array(4);
  const w = new Float64Array(Math.max(H, W) + 2);
  const f: Footprint = { v: 0, k: 0, line: 0, col: false, c0: 0, n: 0, w };
  for (let v = 0; v < g.angles.length; v++) {
    const theta = g.angles[v]!;
    f.v = v;
    for (let k = 0; k < n; k++) {
      rayOf(g, theta, k, ra);
      rayOf(g, theta, k + 1, rb);
      rayOf(g, theta, k + 0.5, rc);
      const col = Math.abs(rc[3]!) < Math.abs(rc[2]!);
      f.k = k;
      f.col = col;
      let nLines: number, len: number, L: number;
      let a0: number, s0: number, a1: number, s1: number;
      if (!col) {
        // row mode: position along row i = A + i·B, B = −dx/dy, A = Px/Δ + ((H−1)/2 − Py/Δ)·dx/dy + (W−1)/2
        nLines = H;
        len = W;
        L = px / Math.abs(rc[3]!);
        const ta = ra[2]! / ra[3]!;
        const tb = rb[2]! / rb[3]!;
        a0 = ra[0]! / px + ((H - 1) / 2 - ra[1]! / px) * ta + (W - 1) / 2;
        s0 = -ta;
        a1 = rb[0]! / px + ((H - 1) / 2 - rb[1]! / px) * tb + (W - 1) / 2;
        s1 = -tb;
      } else {
        // column mode: row position along column j = A + j·B, B = −dy/dx, A = (H−1)/2 − Py/Δ + ((W−1)/2 + Px/Δ)·dy/dx
        nLines = W;
        len = H;
        L = px / Math.abs(rc[2]!);
        const ta = ra[3]! / ra[2]!;
        const tb = rb[3]! / rb[2]!;
        a0 = (H - 1) / 2 - ra[1]! / px + ((W - 1) / 2 + ra[0]! / px) * ta;
        s0 = -ta;
        a1 = (H - 1) / 2 - rb[1]! / px + ((W - 1) / 2 + rb[0]! / px) * tb;
        s1 = -tb;
      }
      for (let l = 0; l < nLines; l++) {
        const p0 = a0 + l * s0;
        const p1 = a1 + l * s1;
        const lo = Math.min(p0, p1);
        const hi = Math.max(p0, p1);
        const width = hi - lo;
        if (!(width > 0)) continue;
        const c0 = Math.max(0, Math.floor(lo - 0.5) + 1);
        const c1 = Math.min(len - 1, Math.ceil(hi + 0.5) - 1);
        if (c1 < c0) continue;
        let cnt = 0;
        for (let c = c0; c <= c1; c++) {
          const ov = Math.min(c + 0.5, hi) - Math.max(c - 0.5, lo);
          w[cnt++] = ov > 0 ? (L * ov) / width : 0;
        }
        f.line = l;
        f.c0 = c0;
        f.n = cnt;
        visit(f);
      }
    }
  }
}

/**
 * Build both tables for `g`. Cost: O(views · bins · lines); memory: 4 + 4T bytes per (bin, line)
 * slot and 4 + 4T' bytes per (pixel, view) slot (see `describeTables`).
 * @example const t = buildTables(g); console.log(describeTables(t));
 */
export function buildTables(g: CtGeometry, opts: { forwardLayout?: boolean } = {}): ProjectorTables {
  const wantF = opts.forwardLayout ?? true;
  const t0 = performance.now();
  const [H, W] = g.imageSize;
  const V = g.angles.length;
  const nDet = g.nDetectors;
  const P = H * W;
  const B = V * nDet;
  // pass 1: sizes
  let T = 1;
  let anyRow = false;
  let anyCol = false;
  const kmin = new Int32Array(P * V).fill(0x7fffffff);
  const kmax = new Int32Array(P * V).fill(-1);
  forEachFootprint(g, (f) => {
    if (f.col) anyCol = true;
    else anyRow = true;
    if (f.n > T) T = f.n;
    for (let t = 0; t < f.n; t++) {
      if (f.w[t] === 0) continue;
      const c = f.c0 + t;
      const p = f.col ? c * W + f.line : f.line * W + c;
      const q = p * V + f.v;
      if (f.k < kmin[q]!) kmin[q] = f.k;
      if (f.k > kmax[q]!) kmax[q] = f.k;
    }
  });
  let Ta = 1;
  for (let q = 0; q < P * V; q++) if (kmax[q]! >= 0) Ta = Math.max(Ta, kmax[q]! - kmin[q]! + 1);
  const K = anyRow && anyCol ? Math.max(H, W) : anyCol ? W : H;
  const bytes = ((wantF ? B * K * (1 + T) : 0) + P * V * (1 + Ta)) * 4;
  if (bytes > 2 ** 31 - 1) {
    throw new MedreconError('UNSUPPORTED', `ctProjector: the system-matrix tables would need ${(bytes / 2 ** 30).toFixed(2)} GiB (${V} views × ${nDet} bins × ${K} lines); reduce views, bins or image size`, { bytes });
  }
  const fIdx = new Int32Array(wantF ? B * K : 0);
  const fW = new Float32Array(wantF ? B * K * T : 0);
  const aIdx = new Int32Array(P * V);
  const aW = new Float32Array(P * V * Ta);
  for (let q = 0; q < P * V; q++) aIdx[q] = (q % V) * nDet + (kmax[q]! >= 0 ? kmin[q]! : 0);
  let nnz = 0;
  const colBase = P;
  // pass 2: fill (identical doubles → identical float32 weights in both layouts)
  forEachFootprint(g, (f) => {
    const b = f.v * nDet + f.k;
    const slot = b * K + f.line;
    const len = f.col ? H : W;
    if (wantF) fIdx[slot] = (f.col ? colBase : 0) + f.line * len + f.c0;
    const wb = slot * T;
    for (let t = 0; t < f.n; t++) {
      const wt = Math.fround(f.w[t]!);
      if (wt === 0) continue;
      if (wantF) fW[wb + t] = wt;
      nnz++;
      const c = f.c0 + t;
      const p = f.col ? c * W + f.line : f.line * W + c;
      const q = p * V + f.v;
      aW[q * Ta + (f.k - kmin[q]!)] = wt;
    }
  });
  return {
    H, W, nViews: V, nDet, K, T, Ta, usesColumns: anyCol,
    fIdx, fW, aIdx, aW, nnz,
    forwardBytes: fIdx.byteLength + fW.byteLength,
    adjointBytes: aIdx.byteLength + aW.byteLength,
    buildMs: performance.now() - t0,
  };
}

/** One-line summary: sizes, nnz, fill of the padded layouts, build time. */
export function describeTables(t: ProjectorTables): string {
  const mb = (b: number) => (b / 2 ** 20).toFixed(1);
  const B = t.nViews * t.nDet;
  const fwd = t.fIdx.length ? `forward [${B}, ${t.K}, ${t.T}] ${mb(t.forwardBytes)} MiB (fill ${((100 * t.nnz) / (B * t.K * t.T)).toFixed(0)} %), ` : 'no forward layout, ';
  return `${t.H}×${t.W}, ${t.nViews} views × ${t.nDet} bins: nnz ${t.nnz}, ${fwd}` +
    `adjoint [${t.H * t.W}, ${t.nViews}, ${t.Ta}] ${mb(t.adjointBytes)} MiB (fill ${((100 * t.nnz) / (t.H * t.W * t.nViews * t.Ta)).toFixed(0)} %), built in ${t.buildMs.toFixed(0)} ms`;
}

/**
 * Host matvec y = A x (float64 accumulation) with the forward table; x: H·W values (row-major).
 * @example const sino = forwardHost(t, mu.data); // [views·bins]
 */
export function forwardHost(t: ProjectorTables, x: ArrayLike<number>): Float64Array {
  const P = t.H * t.W;
  if (t.fIdx.length === 0) return forwardHostFromAdjoint(t, x);
  if (x.length !== P) throw new MedreconError('SHAPE_MISMATCH', `forwardHost: expected ${P} values, got ${x.length}`);
  const buf = new Float64Array(2 * P + t.T);
  for (let i = 0; i < t.H; i++) {
    for (let j = 0; j < t.W; j++) {
      const v = x[i * t.W + j]!;
      buf[i * t.W + j] = v;
      buf[P + j * t.H + i] = v;
    }
  }
  const B = t.nViews * t.nDet;
  const y = new Float64Array(B);
  const { K, T, fIdx, fW } = t;
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let l = 0; l < K; l++) {
      const slot = b * K + l;
      const o = fIdx[slot]!;
      const wb = slot * T;
      for (let q = 0; q < T; q++) s += fW[wb + q]! * buf[o + q]!;
    }
    y[b] = s;
  }
  return y;
}

function forwardHostFromAdjoint(t: ProjectorTables, x: ArrayLike<number>): Float64Array {
  const P = t.H * t.W;
  const B = t.nViews * t.nDet;
  const V = t.nViews;
  const { Ta, aIdx, aW } = t;
  const y = new Float64Array(B + Ta);
  for (let p = 0; p < P; p++) {
    const xv = x[p]!;
    if (xv === 0) continue;
    for (let v = 0; v < V; v++) {
      const q = p * V + v;
      const o = aIdx[q]!;
      for (let r = 0; r < Ta; r++) y[o + r] += aW[q * Ta + r]! * xv;
    }
  }
  return y.subarray(0, B);
}

/**
 * Host matvec x = Aᵀ y with the adjoint table; y: views·bins values.
 * @example const bp = adjointHost(t, sino);
 */
export function adjointHost(t: ProjectorTables, y: ArrayLike<number>): Float64Array {
  const B = t.nViews * t.nDet;
  if (y.length !== B) throw new MedreconError('SHAPE_MISMATCH', `adjointHost: expected ${B} values, got ${y.length}`);
  const yp = new Float64Array(B + t.Ta);
  for (let i = 0; i < B; i++) yp[i] = y[i]!;
  const P = t.H * t.W;
  const V = t.nViews;
  const { Ta, aIdx, aW } = t;
  const x = new Float64Array(P);
  for (let p = 0; p < P; p++) {
    let s = 0;
    for (let v = 0; v < V; v++) {
      const q = p * V + v;
      const o = aIdx[q]!;
      for (let r = 0; r < Ta; r++) s += aW[q * Ta + r]! * yp[o + r]!;
    }
    x[p] = s;
  }
  return x;
}
