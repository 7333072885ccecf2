/**
 * ESPIRiT coil-sensitivity calibration (Uecker et al., MRM 2014), as BART `ecalib -m 1` and SigPy
 * `mri.app.EspiritCalib` compute it, in float64 host code.
 *
 * Input: centred multi-coil k-space y [C, H, W, 2] (fastMRI layout; only the fully sampled centre
 * is read). Steps:
 * 1. Calibration region: the centre `calibSize` block of k-space (start ⌊n/2⌋ − ⌊cs/2⌋ per axis).
 * 2. Calibration matrix 𝒜: one row per k×k patch position (stride 1), columns (coil, ky, kx),
 *    n = C·k² columns. Its right singular vectors with σ > thresh·σ_max span the signal subspace;
 *    they are the eigenvectors of 𝒜ᴴ𝒜 (n×n Hermitian), or 𝒜ᴴu/σ for the eigenvectors u of 𝒜𝒜ᴴ
 *    when there are fewer patches than columns (many coils); the smaller Gram is solved as its real
 *    symmetric embedding [[Re, −Im], [Im, Re]] by Householder tridiagonalisation + implicit QL.
 * 3. Image-domain operator: with the kernels r_κ (rows of Vᴴ) and Q = Σ_κ r_κ r_κᴴ, the k-space
 *    consistency y_c(q) = (1/k²) Σ_{i,c′,j} Q[(c,i),(c′,j)] y_{c′}(q − i + j) becomes, per pixel x,
 *      G(x)[c, c′] = (1/k²) Σ_d H_{cc′}(d) e^{+2πi d·(x − ⌊N/2⌋)/N},  H_{cc′}(d) = Σ_{i−j=d} Q[(c,i),(c′,j)],
 *    a C×C Hermitian matrix whose eigenvalue-1 eigenvector is the coil-sensitivity vector S(x).
 *    G is evaluated separably from the (2k−1)² displacement kernels (no full-size FFTs needed).
 * 4. Per pixel, the top eigenpair of G(x) by repeated squaring (G^{2^s}, s = `squarings`) followed
 *    by power iterations, or — where the previous pixel of the row converged — by `warmIters` power
 *    iterations started from that pixel's eigenvector; maps = top eigenvector, zeroed where its
 *    eigenvalue < `crop`.
 * 5. Phase: each pixel's map is rotated so coil 0 is real and ≥ 0 (SigPy's convention), so maps are
 *    defined up to the object phase, which the image absorbs.
 *
 * Cost at 256² × 8 coils (k = 6, calib 24): a 576² symmetric eigenproblem plus ≈ 5·C³ per pixel —
 * about a second in Node.
 *
 * @example
 *   const { maps, eigenvalues } = espirit(kspace, { calibSize: 24, kernelSize: 6, thresh: 0.02, crop: 0.95 });
 */
import { MedreconError, checkOptions } from '../../core/errors.js';
import { type HostTensor, tensor } from '../../core/tensor.js';

export interface EspiritOptions {
  /** Calibration region (fully sampled k-space centre) [ch, cw] or one size for both (default 24). */
  calibSize?: number | readonly [number, number];
  /** k-space kernel width k (patches k×k; default 6). */
  kernelSize?: number;
  /** Keep singular vectors with σ > thresh·σ_max (default 0.02). Larger = fewer kernels, smoother maps. */
  thresh?: number;
  /** Zero the maps where the top eigenvalue of G(x) is below `crop` (default 0.95; 0 keeps all). */
  crop?: number;
  /** Repeated squarings in the per-pixel power method (default 5 → G³²). */
  squarings?: number;
  /** Power iterations with G^{2^s} after the squarings (default 3). */
  powerIters?: number;
  /**
   * Power iterations with G(x) started from the previous pixel's eigenvector (same row), used
   * instead of the squarings where that pixel's eigenvalue was ≥ crop/2 (default 8; 0 disables).
   */
  warmIters?: number;
}

export interface EspiritResult {
  /** Coil maps [C, H, W, 2] (float32). */
  maps: HostTensor<'float32'>;
  /** Top eigenvalue of G(x) per pixel [H, W] (≈ 1 inside the object). */
  eigenvalues: HostTensor<'float32'>;
  /** Number of k-space kernels kept (singular values above thresh·σ_max). */
  numKernels: number;
}

/**
 * Eigen-decomposition of a real symmetric n×n matrix `a` (row-major, overwritten by eigenvectors in
 * columns); returns the eigenvalues (ascending). Householder tridiagonalisation + implicit QL
 * (the tred2/tql2 algorithm of the EISPACK family).
 */
export function symmetricEigen(a: Float64Array, n: number): Float64Array {
  const V = a; // tred2 below indexes V transposed (V[col·n + row]) so its inner loops are contiguous
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) d[j] = V[j * n + (n - 1)]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = V[j * n + (i - 1)]!;
        V[j * n + i] = 0;
        V[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        V[i * n + j] = f;
        g = e[j]! + V[j * n + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[j * n + k]! * d[k]!;
          e[k]! += V[j * n + k]! * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k <= i - 1; k++) V[j * n + k]! -= f * e[k]! + g * d[k]!;
        d[j] = V[j * n + (i - 1)]!;
        V[j * n + i] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    V[i * n + (n - 1)] = V[i * n + i]!;
    V[i * n + i] = 1;
    const h = d[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[(i + 1) * n + k]! / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[(i + 1) * n + k]! * V[j * n + k]!;
        for (let k = 0; k <= i; k++) V[j * n + k]! -= g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) V[(i + 1) * n + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[j * n + (n - 1)]!;
    V[j * n + (n - 1)] = 0;
  }
  V[(n - 1) * n + (n - 1)] = 1;
  e[0] = 0;
  // tql2 (the storage now holds the transpose: eigenvectors as rows, so rotations walk contiguous memory)
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new MedreconError('INTERNAL', 'symmetricEigen: QL iteration did not converge');
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          const r0 = i * n;
          const r1 = r0 + n;
          for (let k = 0; k < n; k++) {
            const hv = V[r1 + k]!;
            const vv = V[r0 + k]!;
            V[r1 + k] = s * vv + c * hv;
            V[r0 + k] = c * vv - s * hv;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
  // sort ascending (selection sort on rows), then back to eigenvectors in columns
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    for (let j = i + 1; j < n; j++) if (d[j]! < d[k]!) k = j;
    if (k !== i) {
      const t = d[i]!;
      d[i] = d[k]!;
      d[k] = t;
      const ri = V.slice(i * n, i * n + n);
      V.copyWithin(i * n, k * n, k * n + n);
      V.set(ri, k * n);
    }
  }
  transposeSquare(V, n);
  return d;
}

function transposeSquare(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const t = a[i * n + j]!;
      a[i * n + j] = a[j * n + i]!;
      a[j * n + i] = t;
    }
  }
}

/** ESPIRiT coil maps from centred multi-coil k-space [C, H, W, 2]. See the module comment. */
export function espirit(kspace: HostTensor, opts: EspiritOptions = {}): EspiritResult {
  checkOptions('espirit', opts, ['calibSize', 'kernelSize', 'thresh', 'crop', 'squarings', 'powerIters', 'warmIters']);
  if (kspace.dims.length !== 4 || kspace.dims[3] !== 2) throw new MedreconError('SHAPE_MISMATCH', `espirit: k-space must be [coils, H, W, 2], got [${kspace.dims.join(', ')}]`);
  const [C, H, W] = kspace.dims as [number, number, number, number];
  const cs = opts.calibSize ?? 24;
  const [ch, cw] = typeof cs === 'number' ? [cs, cs] : cs;
  const k = opts.kernelSize ?? 6;
  const thresh = opts.thresh ?? 0.02;
  const crop = opts.crop ?? 0.95;
  const squarings = opts.squarings ?? 5;
  const powerIters = opts.powerIters ?? 3;
  const warmIters = opts.warmIters ?? 8;
  if (!Number.isInteger(k) || k < 1) throw new MedreconError('INVALID_ARGUMENT', `espirit: kernelSize must be a positive integer, got ${k}`);
  if (!Number.isInteger(ch) || !Number.isInteger(cw) || ch < k || cw < k || ch > H || cw > W) {
    throw new MedreconError('INVALID_ARGUMENT', `espirit: calibSize [${ch}, ${cw}] must lie in [kernelSize, image size] (kernel ${k}, image [${H}, ${W}])`);
  }
  if (!(thresh >= 0 && thresh < 1)) throw new MedreconError('INVALID_ARGUMENT', `espirit: thresh must be in [0, 1), got ${thresh}`);
  const y = kspace.data;
  // 1–2. calibration matrix rows (patches) → Gram matrix 𝒜ᴴ𝒜 (n×n complex)
  const y0 = Math.floor(H / 2) - Math.floor(ch / 2);
  const x0 = Math.floor(W / 2) - Math.floor(cw / 2);
  const kk = k * k;
  const n = C * kk;
  const nby = ch - k + 1;
  const nbx = cw - k + 1;
  const rows = nby * nbx;
  const pr = new Float64Array(rows * n);
  const pi = new Float64Array(rows * n);
  for (let by = 0; by < nby; by++) {
    for (let bx = 0; bx < nbx; bx++) {
      const r = by * nbx + bx;
      for (let c = 0; c < C; c++) {
        for (let iy = 0; iy < k; iy++) {
          for (let ix = 0; ix < k; ix++) {
            const src = 2 * ((c * H + y0 + by + iy) * W + x0 + bx + ix);
            const col = c * kk + iy * k + ix;
            pr[r * n + col] = Number(y[src]);
            pi[r * n + col] = Number(y[src + 1]);
          }
        }
      }
    }
  }
  // Signal subspace from the smaller Gram matrix: 𝒜ᴴ𝒜 (n×n) or 𝒜𝒜ᴴ (rows×rows, then v = 𝒜ᴴu/σ).
  // Both are solved through the real symmetric embedding [[Re, −Im], [Im, Re]], in which every
  // complex eigenvector z appears twice (z and i·z), hence the ½ in Q = ½ Σ_j conj(v_j) v_jᵀ.
  const colSide = n <= rows;
  const m = colSide ? n : rows;
  const N2 = 2 * m;
  const E = new Float64Array(N2 * N2);
  const len = colSide ? rows : n; // contraction length
  // element (a, b) of the Gram: colSide Σ_r conj(p[r,a]) p[r,b]; else Σ_a p[r=a', a] conj(p[s=b', a])
  const at = (i: number, l: number) => (colSide ? l * n + i : i * n + l);
  for (let a = 0; a < m; a++) {
    for (let b = a; b < m; b++) {
      let gr = 0;
      let gi = 0;
      for (let l = 0; l < len; l++) {
        const ar = pr[at(a, l)]!;
        const ai = pi[at(a, l)]!;
        const br = pr[at(b, l)]!;
        const bi = pi[at(b, l)]!;
        gr += ar * br + ai * bi;
        gi += colSide ? ar * bi - ai * br : ai * br - ar * bi;
      }
      E[a * N2 + b] = gr;
      E[b * N2 + a] = gr;
      E[(m + a) * N2 + m + b] = gr;
      E[(m + b) * N2 + m + a] = gr;
      E[a * N2 + m + b] = -gi;
      E[(m + b) * N2 + a] = -gi;
      E[(m + a) * N2 + b] = gi;
      E[b * N2 + m + a] = gi;
    }
  }
  const lam = symmetricEigen(E, N2);
  const lmax = lam[N2 - 1]!;
  const cut = thresh * thresh * lmax;
  const kept: number[] = [];
  for (let j = 0; j < N2; j++) if (lam[j]! > cut && lam[j]! > 0) kept.push(j);
  // 3. Q = Σ_κ r_κ r_κᴴ = ½ Σ_j conj(v_j) v_jᵀ over the right singular vectors v_j
  const Qr = new Float64Array(n * n);
  const Qi = new Float64Array(n * n);
  const zr = new Float64Array(n);
  const zi = new Float64Array(n);
  for (const j of kept) {
    if (colSide) {
      for (let a = 0; a < n; a++) { zr[a] = E[a * N2 + j]!; zi[a] = E[(n + a) * N2 + j]!; }
    } else {
      // v = 𝒜ᴴ u / σ, u = (E[0..rows), E[rows..2rows)) column j
      const sig = Math.sqrt(lam[j]!);
      zr.fill(0);
      zi.fill(0);
      for (let r = 0; r < rows; r++) {
        const ur = E[r * N2 + j]!;
        const ui = E[(rows + r) * N2 + j]!;
        for (let a = 0; a < n; a++) {
          const xr = pr[r * n + a]!;
          const xi = pi[r * n + a]!;
          zr[a]! += (xr * ur + xi * ui) / sig;
          zi[a]! += (xr * ui - xi * ur) / sig;
        }
      }
    }
    for (let a = 0; a < n; a++) {
      const ar = zr[a]!;
      const ai = zi[a]!;
      if (ar === 0 && ai === 0) continue;
      for (let b = 0; b < n; b++) {
        const br = zr[b]!;
        const bi = zi[b]!;
        Qr[a * n + b]! += 0.5 * (ar * br + ai * bi);
        Qi[a * n + b]! += 0.5 * (ar * bi - ai * br);
      }
    }
  }
  // displacement kernels H_{cc'}(d), d ∈ [−(k−1), k−1]², for c ≤ c'
  const D = 2 * k - 1;
  const pairs: [number, number][] = [];
  for (let c = 0; c < C; c++) for (let c2 = c; c2 < C; c2++) pairs.push([c, c2]);
  const P = pairs.length;
  const pc = Int32Array.from(pairs.map((q) => q[0]));
  const pc2 = Int32Array.from(pairs.map((q) => q[1]));
  const Hr = new Float64Array(P * D * D);
  const Hi = new Float64Array(P * D * D);
  pairs.forEach(([c, c2], p) => {
    for (let iy = 0; iy < k; iy++) for (let ix = 0; ix < k; ix++) {
      const a = c * kk + iy * k + ix;
      for (let jy = 0; jy < k; jy++) for (let jx = 0; jx < k; jx++) {
        const b = c2 * kk + jy * k + jx;
        const o = p * D * D + (iy - jy + k - 1) * D + (ix - jx + k - 1);
        Hr[o]! += Qr[a * n + b]! / kk;
        Hi[o]! += Qi[a * n + b]! / kk;
      }
    }
  });
  // separable evaluation: T_p[dy][x] = Σ_dx H_p(dy, dx) e^{2πi dx (x − cx)/W}
  const ex = (N: number, len: number): [Float64Array, Float64Array] => {
    const re = new Float64Array(D * len);
    const im = new Float64Array(D * len);
    const c0 = Math.floor(N / 2);
    for (let d = 0; d < D; d++) for (let x = 0; x < len; x++) {
      const t = (2 * Math.PI * (((d - k + 1) * (x - c0)) % N)) / N;
      re[d * len + x] = Math.cos(t);
      im[d * len + x] = Math.sin(t);
    }
    return [re, im];
  };
  const [Exr, Exi] = ex(W, W);
  const [Eyr, Eyi] = ex(H, H);
  const Tr = new Float64Array(P * D * W);
  const Ti = new Float64Array(P * D * W);
  for (let p = 0; p < P; p++) for (let dy = 0; dy < D; dy++) for (let dx = 0; dx < D; dx++) {
    const hr = Hr[p * D * D + dy * D + dx]!;
    const hi = Hi[p * D * D + dy * D + dx]!;
    if (hr === 0 && hi === 0) continue;
    const o = (p * D + dy) * W;
    for (let x = 0; x < W; x++) {
      const er = Exr[dx * W + x]!;
      const ei = Exi[dx * W + x]!;
      Tr[o + x]! += hr * er - hi * ei;
      Ti[o + x]! += hr * ei + hi * er;
    }
  }
  // 4. per row: G(y, x) for all pairs, then per-pixel top eigenvector
  const maps = new Float32Array(2 * C * H * W);
  const eig = new Float32Array(H * W);
  const Gr = new Float64Array(P * W);
  const Gi = new Float64Array(P * W);
  const Ar = new Float64Array(C * C);
  const Ai = new Float64Array(C * C);
  const Br = new Float64Array(C * C);
  const Bi = new Float64Array(C * C);
  const Sr = new Float64Array(C * C);
  const Si = new Float64Array(C * C);
  const vr = new Float64Array(C);
  const vi = new Float64Array(C);
  const wr = new Float64Array(C);
  const wi = new Float64Array(C);
  const sq = (xr: Float64Array, xi: Float64Array, or: Float64Array, oi: Float64Array) => {
    let norm = 0;
    for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) {
      let sr = 0;
      let si = 0;
      for (let l = 0; l < C; l++) {
        const ar = xr[i * C + l]!;
        const ai = xi[i * C + l]!;
        const br = xr[l * C + j]!;
        const bi = xi[l * C + j]!;
        sr += ar * br - ai * bi;
        si += ar * bi + ai * br;
      }
      or[i * C + j] = sr;
      oi[i * C + j] = si;
      if (i === j) norm += sr;
    }
    if (norm > 0) for (let i = 0; i < C * C; i++) { or[i]! /= norm; oi[i]! /= norm; }
  };
  let warm = false;
  for (let yy = 0; yy < H; yy++) {
    warm = false;
    Gr.fill(0);
    Gi.fill(0);
    for (let p = 0; p < P; p++) for (let dy = 0; dy < D; dy++) {
      const er = Eyr[dy * H + yy]!;
      const ei = Eyi[dy * H + yy]!;
      const o = (p * D + dy) * W;
      for (let x = 0; x < W; x++) {
        const tr = Tr[o + x]!;
        const ti = Ti[o + x]!;
        Gr[p * W + x]! += tr * er - ti * ei;
        Gi[p * W + x]! += tr * ei + ti * er;
      }
    }
    for (let x = 0; x < W; x++) {
      for (let p = 0; p < P; p++) {
        const c = pc[p]!;
        const c2 = pc2[p]!;
        Ar[c * C + c2] = Gr[p * W + x]!;
        Ai[c * C + c2] = Gi[p * W + x]!;
        Ar[c2 * C + c] = Gr[p * W + x]!;
        Ai[c2 * C + c] = -Gi[p * W + x]!;
      }
      if (warm && warmIters > 0) {
        // warm start from the previous pixel's eigenvector: plain power iterations with A
        for (let it = 0; it < warmIters; it++) {
          const nn = Math.sqrt(cmatvec(Ar, Ai, vr, vi, wr, wi, C));
          if (!(nn > 0)) break;
          for (let i = 0; i < C; i++) { vr[i] = wr[i]! / nn; vi[i] = wi[i]! / nn; }
        }
      } else {
      // B = A^{2^s} (trace-normalised)
      let cur: [Float64Array, Float64Array] = [Ar, Ai];
      let nxt: [Float64Array, Float64Array] = [Br, Bi];
      let spare: [Float64Array, Float64Array] = [Sr, Si];
      for (let s = 0; s < squarings; s++) {
        sq(cur[0], cur[1], nxt[0], nxt[1]);
        if (s === 0) { cur = nxt; nxt = spare; } else { const t = cur; cur = nxt; nxt = t; }
      }
      const [Mr, Mi] = cur;
      let jb = 0;
      for (let j = 1; j < C; j++) if (Mr[j * C + j]! > Mr[jb * C + jb]!) jb = j;
      for (let i = 0; i < C; i++) { vr[i] = Mr[i * C + jb]!; vi[i] = Mi[i * C + jb]!; }
      for (let it = 0; it <= powerIters; it++) {
        let nn = 0;
        for (let i = 0; i < C; i++) nn += vr[i]! ** 2 + vi[i]! ** 2;
        nn = Math.sqrt(nn);
        if (!(nn > 0)) break;
        for (let i = 0; i < C; i++) { vr[i]! /= nn; vi[i]! /= nn; }
        if (it === powerIters) break;
        cmatvec(Mr, Mi, vr, vi, wr, wi, C);
        vr.set(wr);
        vi.set(wi);
      }
      }
      // λ = vᴴ A v (A is the original G(x))
      cmatvec(Ar, Ai, vr, vi, wr, wi, C);
      let lr = 0;
      for (let i = 0; i < C; i++) lr += vr[i]! * wr[i]! + vi[i]! * wi[i]!;
      const pix = yy * W + x;
      eig[pix] = lr;
      warm = lr >= 0.5 * crop && lr > 0;
      if (lr < crop) continue;
      // 5. rotate so coil 0 is real ≥ 0
      const m0 = Math.hypot(vr[0]!, vi[0]!);
      const pr0 = m0 > 0 ? vr[0]! / m0 : 1;
      const pi0 = m0 > 0 ? -vi[0]! / m0 : 0;
      for (let c = 0; c < C; c++) {
        const o = 2 * (c * H * W + pix);
        maps[o] = vr[c]! * pr0 - vi[c]! * pi0;
        maps[o + 1] = vr[c]! * pi0 + vi[c]! * pr0;
      }
    }
  }
  return { maps: tensor([C, H, W, 2], maps), eigenvalues: tensor([H, W], eig), numKernels: kept.length / 2 };
}

/** w = M v for a complex C×C matrix (split re/im, row-major); returns ‖w‖². */
function cmatvec(Mr: Float64Array, Mi: Float64Array, vr: Float64Array, vi: Float64Array, wr: Float64Array, wi: Float64Array, C: number): number {
  let nn = 0;
  for (let i = 0; i < C; i++) {
    let sr = 0;
    let si = 0;
    for (let l = 0; l < C; l++) {
      sr += Mr[i * C + l]! * vr[l]! - Mi[i * C + l]! * vi[l]!;
      si += Mr[i * C + l]! * vi[l]! + Mi[i * C + l]! * vr[l]!;
    }
    wr[i] = sr;
    wi[i] = si;
    nn += sr * sr + si * si;
  }
  return nn;
}
