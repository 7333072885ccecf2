/**
 * Dihedral symmetry of a parallel-beam scan on a square, centred pixel grid: which views are the
 * same projection of a flipped / transposed image (used by `ctProjector`'s `symmetry: 'auto'`).
 *
 * With P_θ the parallel projection at angle θ (s = X cos θ + Y sin θ, ./geometry.ts), a square
 * image x [N, N] and a detector symmetric about the isocentre (offset 0, bin k ↔ n−1−k is s ↔ −s):
 *   P_{r}        x = P_r x                                  (member 0, identity)
 *   P_{π−r}      x = P_r flipLR(x)                          (member 1: X → −X)
 *   P_{π/2−r}    x = reverse_s P_r xᵀ                       (member 2: X ↔ Y, then s → −s)
 *   P_{π/2+r}    x = P_r flipLR(xᵀ)                         (member 3: (X, Y) → (Y, −X), a 90° turn)
 *   P_{θ+π}      x = reverse_s P_θ x
 * (x(i, j) ↦ flipLR: x(i, N−1−j); xᵀ: x(j, i).) These were found by trying all 8 dihedral image
 * transforms × detector reversal against the host matvec `forwardHost` on a random image at
 * r = 0.3, π/4 and 0 (matches to 1e−15 relative; the distance-driven weights are built from the
 * same doubles up to rounding), and `ctProjector` re-checks them at build time on a small image.
 * So every view is one member of the orbit of a representative angle r ∈ [0, π/4]; a scan whose
 * angle set (mod π) is a union of whole orbits needs the system matrix of the representatives only
 * (≈ V/4 views), applied to the 4 transformed images stacked as channels; and, since
 * P_θ rot180(x) = reverse_s P_θ x, only to the top half of the image (the bottom half enters as the
 * top half of rot180(x)), 8 channels in all (see `symmetricProjector` in ./projector.ts).
 *
 * Orbits of r = 0 ({0, π/2}) and r = π/4 ({π/4, 3π/4}) have 2 members; their unused channels are
 * computed and dropped (forward) or fed zeros (adjoint).
 *
 * @example
 *   const plan = symmetryPlan(parallelBeam({ imageSize: [256, 256], angles: fullArc(180) }));
 *   // plan.ok: 46 representatives (0°, 1°, …, 45°) for 180 views
 */
import { MedreconError } from '../../core/errors.js';
import { type CtGeometry, parallelBeam } from './geometry.js';
import { buildTables, forwardHost } from './tables.js';

/** Angles closer than this (radians, mod π) are the same view. */
export const SYMMETRY_TOLERANCE = 1e-9;

export type SymmetryPlan =
  | {
      readonly ok: true;
      /** Representative angles r_g ∈ [0, π/4] (radians), one per orbit (R of them). */
      readonly repAngles: Float64Array;
      /** Per view v: the computed row it is, m·R + g (member m of orbit g). */
      readonly slot: Int32Array;
      /** Per view v: 1 when that row is read with the detector reversed. */
      readonly flip: Uint8Array;
    }
  | { readonly ok: false; readonly reason: string };

/** Member m of the orbit of r, as an angle: [r, π − r, π/2 − r, π/2 + r][m]. */
export function memberAngle(r: number, m: number): number {
  return [r, Math.PI - r, Math.PI / 2 - r, Math.PI / 2 + r][m]!;
}

/** Member 2 reads the projection of xᵀ with the detector reversed (see the module comment). */
export const MEMBER_FLIP: readonly number[] = [0, 0, 1, 0];

/**
 * Decide whether `g` qualifies (parallel beam, H = W, detector offset 0, angle set mod π a union
 * of whole orbits, no repeated angle) and, if so, map each view to (orbit, member, flip).
 * @example const p = symmetryPlan(g); if (!p.ok) console.log(p.reason);
 */
export function symmetryPlan(g: CtGeometry, tol = SYMMETRY_TOLERANCE): SymmetryPlan {
  if (g.kind !== 'parallel') return { ok: false, reason: 'not a parallel-beam geometry' };
  const [H, W] = g.imageSize;
  if (H !== W) return { ok: false, reason: `image ${H}×${W} is not square` };
  if (g.detectorOffset !== 0) return { ok: false, reason: 'detector offset is not 0' };
  const V = g.angles.length;
  const PI = Math.PI;
  // per view: φ = θ − nπ ∈ [−tol, π − tol), extra detector reversal when n is odd
  const phi = new Float64Array(V);
  const extra = new Uint8Array(V);
  for (let v = 0; v < V; v++) {
    const th = g.angles[v]!;
    const n = Math.floor((th + tol) / PI);
    phi[v] = th - n * PI;
    extra[v] = ((n % 2) + 2) % 2;
  }
  // repeated angles (mod π) are not supported (the adjoint's un-permute must be one-to-one)
  const order = Array.from(phi.keys()).sort((a, b) => phi[a]! - phi[b]!);
  for (let i = 1; i < V; i++) if (phi[order[i]!]! - phi[order[i - 1]!]! <= tol) return { ok: false, reason: 'repeated view angle (mod π)' };
  if (V > 1 && phi[order[0]!]! + PI - phi[order[V - 1]!]! <= tol) return { ok: false, reason: 'repeated view angle (mod π)' };
  // candidates (r, m) per view with r = the representative in [0, π/4]
  const cands: { v: number; m: number; r: number }[] = [];
  for (let v = 0; v < V; v++) {
    for (let m = 0; m < 4; m++) {
      const p = phi[v]!;
      const r = [p, PI - p, PI / 2 - p, p - PI / 2][m]!;
      if (r >= -tol && r <= PI / 4 + tol) cands.push({ v, m, r: Math.min(Math.max(r, 0), PI / 4) });
    }
  }
  // cluster representatives; the orbit's angle is the value of a member-0 view (bit-exact identity)
  cands.sort((a, b) => a.r - b.r);
  const cluster = new Int32Array(cands.length);
  const reps: number[] = [];
  const repFirst: number[] = [];
  for (let i = 0; i < cands.length; i++) {
    if (i === 0 || cands[i]!.r - cands[repFirst[repFirst.length - 1]!]!.r > tol) {
      repFirst.push(i);
      reps.push(Number.NaN);
    }
    cluster[i] = reps.length - 1;
  }
  for (let i = 0; i < cands.length; i++) {
    const c = cands[i]!;
    if (c.m === 0 && Number.isNaN(reps[cluster[i]!]!)) reps[cluster[i]!] = Math.max(phi[c.v]!, 0);
  }
  // assign each view: member priority 0, 1, 3, 2 (0 and 1 keep the row/column mode of the
  // distance-driven model; 3 avoids the detector reversal of 2)
  const prio = [0, 1, 3, 2];
  const R0 = reps.length;
  const best = new Int32Array(V).fill(-1);
  for (let i = 0; i < cands.length; i++) {
    const c = cands[i]!;
    const b = best[c.v]!;
    if (b < 0 || prio[c.m]! < prio[cands[b]!.m]!) best[c.v] = i;
  }
  const perOrbit = new Int32Array(R0);
  for (let v = 0; v < V; v++) perOrbit[cluster[best[v]!]!]!++;
  // keep the orbits that views use; each must have a member-0 view and be complete
  const gIndex = new Int32Array(R0).fill(-1);
  const repAngles: number[] = [];
  for (let k = 0; k < R0; k++) {
    if (perOrbit[k] === 0) continue;
    const r = reps[k]!;
    if (Number.isNaN(r)) return { ok: false, reason: 'angle set is not closed under θ → π/2 − θ, θ → π/2 + θ' };
    const distinct: number[] = [];
    for (let m = 0; m < 4; m++) {
      const a = ((memberAngle(r, m) % PI) + PI) % PI;
      if (!distinct.some((d) => Math.abs(d - a) <= tol || PI - Math.abs(d - a) <= tol)) distinct.push(a);
    }
    if (perOrbit[k] !== distinct.length) return { ok: false, reason: `angle set is not closed under θ → π/2 − θ, θ → π/2 + θ (orbit of ${((r * 180) / PI).toFixed(4)}° has ${perOrbit[k]} of ${distinct.length} members)` };
    gIndex[k] = repAngles.length;
    repAngles.push(r);
  }
  const R = repAngles.length;
  const slot = new Int32Array(V);
  const flip = new Uint8Array(V);
  for (let v = 0; v < V; v++) {
    const c = cands[best[v]!]!;
    slot[v] = c.m * R + gIndex[cluster[best[v]!]!]!;
    flip[v] = extra[v]! ^ MEMBER_FLIP[c.m]!;
  }
  return { ok: true, repAngles: Float64Array.from(repAngles), slot, flip };
}

/** The image transform of member m on a host image [N, N] (row-major): T_m x. */
export function memberImageHost(x: ArrayLike<number>, N: number, m: number): Float64Array {
  const o = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      // member 0: x(i, j); 1: x(i, N−1−j); 2: x(j, i); 3: x(N−1−j, i)
      const [a, b] = m === 0 ? [i, j] : m === 1 ? [i, N - 1 - j] : m === 2 ? [j, i] : [N - 1 - j, i];
      o[i * N + j] = x[a * N + b]!;
    }
  }
  return o;
}

let identitiesChecked = false;

/**
 * Check the member identities (and θ + π = reversed detector) once per process on a 9×9 random
 * image with the host matvec (a few ms): throws INTERNAL if the projector's conventions ever drift
 * from the hard-coded transforms.
 */
export function checkSymmetryIdentities(): void {
  if (identitiesChecked) return;
  const N = 9;
  const x = Float64Array.from({ length: N * N }, (_, i) => (Math.sin(i * 12.9898 + 1) * 43758.5453) % 1);
  const at = (a: number) => buildTables(parallelBeam({ imageSize: [N, N], nDetectors: 15, angles: [a] }));
  for (const r of [0.3, Math.PI / 4, 0]) {
    const rep = at(r);
    for (let m = 0; m < 4; m++) {
      const y = forwardHost(rep, memberImageHost(x, N, m));
      for (const extraPi of [0, 1]) {
        const ref = forwardHost(at(memberAngle(r, m) + extraPi * Math.PI), x);
        const n = ref.length;
        const fl = MEMBER_FLIP[m]! ^ extraPi;
        let e = 0, mx = 0;
        for (let k = 0; k < n; k++) {
          e = Math.max(e, Math.abs(y[fl ? n - 1 - k : k]! - ref[k]!));
          mx = Math.max(mx, Math.abs(ref[k]!));
        }
        if (!(e <= 1e-6 * mx)) throw new MedreconError('INTERNAL', `ctProjector symmetry: member ${m} of r = ${r} (+${extraPi}π) does not match the projection (${e} vs ${mx})`);
      }
    }
  }
  identitiesChecked = true;
}
