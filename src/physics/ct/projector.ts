/**
 * The CT projector as a `LinearOperator`: x [H, W] (attenuation, 1/mm) ↦ sinogram [views, bins] of
 * line integrals (dimensionless: (1/mm)·mm), with the distance-driven system matrix A of
 * `./tables.ts`, precomputed once per geometry and embedded in the graph as constants.
 *
 * Two exact ways to apply each direction (all four are the same matrix A and its exact transpose):
 * - 'gather' forward:  y[b] = Σ_ℓ Σ_t fW[b,ℓ,t] · buf[fIdx[b,ℓ] + t]  (Gather of T-tuples, Mul, ReduceSum)
 * - 'scatter' forward: y = Σ_t shift_t(scatterAdd(aIdx, aW ⊙ x))      (ScatterND-add from the pixel table)
 * - 'gather' adjoint:  x[p] = Σ_v Σ_t aW[p,v,t] · y[aIdx[p,v] + t]      (Gather from the pixel table)
 * - 'scatter' adjoint: the IR transpose of the 'gather' forward (scatterAdd)
 * Defaults are the fastest measured on ONNX Runtime CPU (see the module README in ./index.ts).
 *
 * @example
 *   const A = ctProjector(parallelBeam({ imageSize: [256, 256], angles: fullArc(180) }));
 *   const f = executor.compile((x: Sym) => A.forward(x), [spec([256, 256])]);
 */
import { checkOptions, MedreconError } from '../../core/errors.js';
import { tensor } from '../../core/tensor.js';
import { type Sym, concat, constant, gather, mul, pad, reshape, scatterAdd, sliceAxis, stack, sum, transpose } from '../../ir/sym.js';
import { type LinearOperator, linearOperator } from '../operator.js';
import type { CtGeometry } from './geometry.js';
import { type ProjectorTables, buildTables } from './tables.js';

export type ApplyMethod = 'gather' | 'scatter';

export interface CtProjectorOptions {
  /** How the forward is applied (default 'scatter': measured fastest, and needs only the pixel table). */
  forward?: ApplyMethod;
  /** How the adjoint is applied (default 'gather'). */
  adjoint?: ApplyMethod;
  /** Reuse prebuilt tables (must belong to the same geometry). */
  tables?: ProjectorTables;
}

/** A CT projector: the operator plus its geometry and host tables. */
export interface CtProjector extends LinearOperator {
  readonly geometry: CtGeometry;
  readonly tables: ProjectorTables;
  /**
   * Back-projection with an extra weight per (pixel, view): x[p] = Σ_v ω[p, v] Σ_t A[bins, p] y
   * (ω: [H·W, V] host tensor, e.g. the fan-beam FBP distance weight). Uses the pixel table.
   */
  weightedAdjoint(y: Sym, omega: Sym): Sym;
}

/** [n + T − 1] zero-padded, then the T shifted copies stacked: out[j, t] = v[j + t]. */
function tuples(v: Sym, T: number): Sym {
  const n = v.shape[0]!;
  if (T === 1) return reshape(v, [n, 1]);
  const p = pad(v, [[0, T - 1]]);
  return stack(Array.from({ length: T }, (_, t) => sliceAxis(p, 0, t, t + n)), 1);
}

/**
 * Build the projector of `geometry` (tables are built here unless passed in; see `describeTables`
 * for their size).
 * @example const A = ctProjector(g); const { relError } = await dotTest(executor, A);
 */
export function ctProjector(geometry: CtGeometry, opts: CtProjectorOptions = {}): CtProjector {
  checkOptions('ctProjector', opts, ['forward', 'adjoint', 'tables']);
  const fwd = opts.forward ?? 'scatter';
  const adj = opts.adjoint ?? 'gather';
  for (const [k, m] of [['forward', fwd], ['adjoint', adj]] as const) {
    if (m !== 'gather' && m !== 'scatter') throw new MedreconError('INVALID_ARGUMENT', `ctProjector: ${k} must be 'gather' or 'scatter', got '${String(m)}'`);
  }
  const needF = fwd === 'gather' || adj === 'scatter';
  const t = opts.tables ?? buildTables(geometry, { forwardLayout: needF });
  if (needF && t.fIdx.length === 0) throw new MedreconError('INVALID_ARGUMENT', 'ctProjector: the given tables lack the forward layout that this forward/adjoint choice needs');
  const [H, W] = geometry.imageSize;
  const V = geometry.angles.length;
  const D = geometry.nDetectors;
  if (t.H !== H || t.W !== W || t.nViews !== V || t.nDet !== D) throw new MedreconError('INVALID_ARGUMENT', 'ctProjector: tables do not match the geometry');
  const P = H * W;
  const B = V * D;
  const c: { fIdx?: Sym; fW?: Sym; aIdx?: Sym; aW?: Sym } = {};
  const fIdx = () => (c.fIdx ??= constant(tensor([B, t.K], t.fIdx, 'int32')));
  const fW = () => (c.fW ??= constant(tensor([B, t.K, t.T], t.fW)));
  const aIdx = () => (c.aIdx ??= constant(tensor([P, V], t.aIdx, 'int32')));
  const aW = () => (c.aW ??= constant(tensor([P, V, t.Ta], t.aW)));
  const bufLen = t.usesColumns ? 2 * P : P;

  /** [x.flat ; xᵀ.flat] (the second half only when some bins use column mode). */
  const buffer = (x: Sym): Sym => {
    const flat = reshape(x, [P]);
    return t.usesColumns ? concat([flat, reshape(transpose(x, [1, 0]), [P])], 0) : flat;
  };
  const unbuffer = (buf: Sym): Sym => {
    const a = reshape(sliceAxis(buf, 0, 0, P), [H, W]);
    if (!t.usesColumns) return a;
    return a.add(transpose(reshape(sliceAxis(buf, 0, P, 2 * P), [W, H]), [1, 0]));
  };

  const forwardGather = (x: Sym): Sym => {
    const g = gather(tuples(buffer(x), t.T), fIdx(), 0); // [B, K, T]
    return reshape(sum(mul(g, fW()), [1, 2]), [V, D]);
  };
  const adjointScatter = (y: Sym): Sym => {
    const upd = mul(fW(), reshape(y, [B, 1, 1])); // [B, K, T]
    const tup = scatterAdd(fIdx(), upd, 0, [bufLen, t.T]); // tup[j, s] = Σ over slots with fIdx = j of weight·y
    // buf[i] = Σ_s tup[i − s, s]
    let buf: Sym | undefined;
    for (let s = 0; s < t.T; s++) {
      const col = reshape(sliceAxis(tup, 1, s, s + 1), [bufLen]);
      const sh = s === 0 ? col : sliceAxis(pad(col, [[s, 0]]), 0, 0, bufLen);
      buf = buf ? buf.add(sh) : sh;
    }
    return unbuffer(buf!);
  };
  const adjointGather = (y: Sym): Sym => {
    const g = gather(tuples(reshape(y, [B]), t.Ta), aIdx(), 0); // [P, V, Ta]
    return reshape(sum(mul(g, aW()), [1, 2]), [H, W]);
  };
  const forwardScatter = (x: Sym): Sym => {
    const upd = mul(aW(), reshape(x, [P, 1, 1])); // [P, V, Ta]
    const tup = scatterAdd(aIdx(), upd, 0, [B, t.Ta]);
    let y: Sym | undefined;
    for (let s = 0; s < t.Ta; s++) {
      const col = reshape(sliceAxis(tup, 1, s, s + 1), [B]);
      const sh = s === 0 ? col : sliceAxis(pad(col, [[s, 0]]), 0, 0, B);
      y = y ? y.add(sh) : sh;
    }
    return reshape(y!, [V, D]);
  };
  const weightedAdjoint = (y: Sym, omega: Sym): Sym => {
    const g = gather(tuples(reshape(y, [B]), t.Ta), aIdx(), 0); // [P, V, Ta]
    return reshape(sum(mul(sum(mul(g, aW()), 2), omega), 1), [H, W]);
  };
  const op = linearOperator(
    `ct(${geometry.kind}${geometry.kind === 'fan' ? `,${geometry.detector}` : ''})`,
    [H, W],
    [V, D],
    fwd === 'gather' ? forwardGather : forwardScatter,
    adj === 'gather' ? adjointGather : adjointScatter,
  );
  return { ...op, geometry, tables: t, weightedAdjoint };
}
