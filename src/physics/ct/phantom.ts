/**
 * Disk phantoms with exact (analytic) line integrals, for tests and benchmarks.
 *
 * A disk of centre (cx, cy) mm, radius r mm and value μ (1/mm) has, along a line at distance d from
 * its centre, the line integral 2√(r² − d²)·μ (0 when d ≥ r). Phantoms are sums of disks.
 *
 * @example
 *   const disks = [{ cx: 0, cy: 0, r: 80, value: 0.02 }];
 *   const img = diskImage(g, disks);        // [H, W], area-averaged with 8×8 subsamples per pixel
 *   const sino = diskSinogram(g, disks);    // [V, n_det] exact line integrals of the bin-centre rays
 */
import { type HostTensor, tensor } from '../../core/tensor.js';
import type { CtGeometry } from './geometry.js';
import { rayOf } from './tables.js';

export interface Disk {
  readonly cx: number;
  readonly cy: number;
  readonly r: number;
  readonly value: number;
}

/**
 * Rasterise disks on the geometry's pixel grid (value = covered area fraction × μ, by s×s subsamples).
 * @example diskImage(g, [{ cx: 0, cy: 0, r: 50, value: 0.02 }])
 */
export function diskImage(g: CtGeometry, disks: readonly Disk[], supersample = 8): HostTensor<'float32'> {
  const [H, W] = g.imageSize;
  const px = g.pixelSize;
  const out = new Float32Array(H * W);
  const s = supersample;
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < W; j++) {
      let acc = 0;
      for (let a = 0; a < s; a++) {
        for (let b = 0; b < s; b++) {
          const X = (j - (W - 1) / 2 - 0.5 + (b + 0.5) / s) * px;
          const Y = ((H - 1) / 2 - i + 0.5 - (a + 0.5) / s) * px;
          for (const d of disks) if ((X - d.cx) ** 2 + (Y - d.cy) ** 2 < d.r * d.r) acc += d.value;
        }
      }
      out[i * W + j] = acc / (s * s);
    }
  }
  return tensor([H, W], out);
}

/**
 * Exact line integrals Σ_disks 2√(r² − d²)·μ along the centre ray of every bin → [V, n_det].
 * @example diskSinogram(g, [{ cx: 10, cy: 0, r: 30, value: 0.01 }])
 */
export function diskSinogram(g: CtGeometry, disks: readonly Disk[]): HostTensor<'float32'> {
  const V = g.angles.length;
  const n = g.nDetectors;
  const out = new Float32Array(V * n);
  const r4 = new Float64Array(4);
  for (let v = 0; v < V; v++) {
    for (let k = 0; k < n; k++) {
      rayOf(g, g.angles[v]!, k + 0.5, r4);
      const [px, py, dx, dy] = r4 as unknown as [number, number, number, number];
      let acc = 0;
      for (const d of disks) {
        // distance from the disk centre to the line {P + λ d}
        const dist = Math.abs((d.cx - px) * dy - (d.cy - py) * dx);
        if (dist < d.r) acc += 2 * Math.sqrt(d.r * d.r - dist * dist) * d.value;
      }
      out[v * n + k] = acc;
    }
  }
  return tensor([V, n], out);
}
