/**
 * A minimal line chart as an 8-bit RGB image (for loss curves): one or more series of (x, y)
 * points, linear x axis, linear or log₁₀ y axis, tick labels in the built-in 5×7 font.
 *
 * @example
 *   const img = lineChart([{ x: steps, y: losses, color: [31, 119, 180] }], { logY: true, title: 'LOSS' });
 *   writeFileSync('loss.png', encodePng(img));
 */
import { MedreconError, checkOptions } from '../core/errors.js';
import { type Image8, drawText, textWidth } from './png.js';

export interface Series {
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly color?: readonly [number, number, number];
}

export interface ChartOptions {
  readonly width?: number;
  readonly height?: number;
  readonly logY?: boolean;
  readonly title?: string;
  readonly xLabel?: string;
}

const fmt = (v: number): string => {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e4 || a < 1e-2)) return v.toExponential(0).replace('e+', 'E').replace('e', 'E');
  return String(Number(v.toPrecision(3)));
};

/** Render the series (see the module comment). Non-finite points (and y ≤ 0 on a log axis) are skipped. */
export function lineChart(series: readonly Series[], opts: ChartOptions = {}): Image8 {
  checkOptions('lineChart', opts, ['width', 'height', 'logY', 'title', 'xLabel']);
  const W = opts.width ?? 640;
  const H = opts.height ?? 360;
  if (!(Number.isInteger(W) && W >= 120 && Number.isInteger(H) && H >= 80)) throw new MedreconError('INVALID_ARGUMENT', `lineChart: size must be at least 120×80, got ${W}×${H}`);
  const ty = (v: number) => (opts.logY ? Math.log10(v) : v);
  const ok = (x: number, y: number) => Number.isFinite(x) && Number.isFinite(y) && (!opts.logY || y > 0);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const s of series) {
    if (s.x.length !== s.y.length) throw new MedreconError('SHAPE_MISMATCH', `lineChart: x has ${s.x.length} points, y has ${s.y.length}`);
    for (let i = 0; i < s.x.length; i++) {
      if (!ok(s.x[i]!, s.y[i]!)) continue;
      x0 = Math.min(x0, s.x[i]!); x1 = Math.max(x1, s.x[i]!);
      y0 = Math.min(y0, ty(s.y[i]!)); y1 = Math.max(y1, ty(s.y[i]!));
    }
  }
  const data = new Uint8Array(W * H * 3).fill(255);
  const img: Image8 = { width: W, height: H, channels: 3, data };
  const L = 56, R = 12, T = opts.title ? 22 : 10, B = 28;
  const set = (px: number, py: number, c: readonly number[]) => {
    if (px < 0 || py < 0 || px >= W || py >= H) return;
    data.set(c, (py * W + px) * 3);
  };
  // Axes box.
  for (let px = L; px < W - R; px++) { set(px, T, [0, 0, 0]); set(px, H - B, [0, 0, 0]); }
  for (let py = T; py <= H - B; py++) { set(L, py, [0, 0, 0]); set(W - R - 1, py, [0, 0, 0]); }
  if (opts.title) drawText(img, opts.title, Math.max(0, (W - textWidth(opts.title)) >> 1), 6, 0);
  if (opts.xLabel) drawText(img, opts.xLabel, W - R - textWidth(opts.xLabel), H - 10, 0);
  if (!(x1 >= x0 && y1 >= y0)) return img; // nothing to draw
  if (x1 === x0) { x0 -= 0.5; x1 += 0.5; }
  if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
  const pad = 0.04 * (y1 - y0);
  y0 -= pad; y1 += pad;
  const mx = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - R - 1 - L);
  const my = (y: number) => H - B - ((ty(y) - y0) / (y1 - y0)) * (H - B - T);
  // Ticks: 5 on each axis, with light grid lines.
  for (let k = 0; k <= 4; k++) {
    const xv = x0 + ((x1 - x0) * k) / 4;
    const px = Math.round(mx(xv));
    for (let py = T + 1; py < H - B; py += 3) set(px, py, [220, 220, 220]);
    const lbl = fmt(xv);
    drawText(img, lbl, Math.min(W - textWidth(lbl), Math.max(0, px - (textWidth(lbl) >> 1))), H - B + 5, 0);
    const yv = y0 + ((y1 - y0) * k) / 4;
    const py = Math.round(H - B - ((yv - y0) / (y1 - y0)) * (H - B - T));
    for (let qx = L + 1; qx < W - R - 1; qx += 3) set(qx, py, [220, 220, 220]);
    const yl = fmt(opts.logY ? 10 ** yv : yv);
    drawText(img, yl, Math.max(0, L - 4 - textWidth(yl)), py - 3, 0);
  }
  // Series as connected segments.
  for (const s of series) {
    const c = s.color ?? [31, 119, 180];
    let prev: [number, number] | undefined;
    for (let i = 0; i < s.x.length; i++) {
      if (!ok(s.x[i]!, s.y[i]!)) { prev = undefined; continue; }
      const p: [number, number] = [mx(s.x[i]!), my(s.y[i]!)];
      if (prev) {
        const n = Math.max(1, Math.ceil(Math.max(Math.abs(p[0] - prev[0]), Math.abs(p[1] - prev[1]))));
        for (let k = 0; k <= n; k++) set(Math.round(prev[0] + ((p[0] - prev[0]) * k) / n), Math.round(prev[1] + ((p[1] - prev[1]) * k) / n), c);
      } else set(Math.round(p[0]), Math.round(p[1]), c);
      prev = p;
    }
  }
  return img;
}
