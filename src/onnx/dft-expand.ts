/**
 * Expansion of the IR `dft` op into MatMuls against constant DFT matrices (no `dft` node), so the
 * DFT runs as ORT GEMMs: O(N·(N1+N2)) instead of ORT's O(N²) `DFT` kernel for non-power-of-two N.
 *
 * Maths: y_k = Σ_n x_n w^{kn}, w = exp(∓2πi/N) (− forward, + inverse), unnormalised, complex as a
 * trailing axis of size 2. On interleaved (re, im) rows, multiplying by a complex a + ib is the real
 * 2×2 block [[a, b], [−b, a]] acting on the row vector (re, im), so a dense length-N DFT of the last
 * non-complex axis is one real MatMul x[..., 2N] · M[2N, 2N].
 *
 * Factored plan (Cooley–Tukey, N = N1·N2, n = N2·n1 + n2, k = k1 + N1·k2):
 *   y[k1 + N1·k2] = Σ_{n2} W_{N2}^{n2·k2} · ( W_N^{n2·k1} · Σ_{n1} x[N2·n1 + n2] · W_{N1}^{n1·k1} )
 * 1. one Transpose brings n2 in front of the free rows and n1 next to the complex axis;
 * 2. stage 1 = one batched MatMul (batch n2) against G_{n2} = F_{N1}·diag(W_N^{n2·k1}), the twiddles
 *    folded in; its weight is stacked as [G, i·G] so the output holds both z and i·z;
 * 3. stage 2 = one MatMul from the left by the real [K2, 2·N2] matrix [Re F_{N2} | Im F_{N2}], which
 *    contracts (s, n2) and yields Re·z + Im·(i·z) = F_{N2}·z in interleaved form, with no
 *    elementwise complex arithmetic;
 * 4. one Transpose puts (k2, k1) back in natural order.
 * Angles use the exactly reduced integer (k·n) mod N in float64, rounded to float32 once.
 *
 * @example
 *   const y = expandDft(x, 1, false); // x: [B, N, 2] → y: [B, N, 2], equal to dft(x, 1, false)
 */
import { MedreconError } from '../core/errors.js';
import { tensor } from '../core/tensor.js';
import { type Sym, constant, matmul, normAxis, reshape, transpose } from '../ir/sym.js';

/** exp(∓2πi·m/N) (− forward, + inverse) for an integer m, computed in float64. */
function root(m: number, n: number, inverse: boolean): [number, number] {
  const r = ((m % n) + n) % n;
  const t = (2 * Math.PI * r) / n;
  return [Math.cos(t), inverse ? Math.sin(t) : -Math.sin(t)];
}

/**
 * Fill the real [2R, 2C] block of `out` (at `offset`) such that (interleaved row x) · block =
 * interleaved row of y_k = Σ_n x_n · c(n, k).
 */
function fillBlock(out: Float32Array, offset: number, rows: number, cols: number, coef: (n: number, k: number) => [number, number]): void {
  const w = 2 * cols;
  for (let n = 0; n < rows; n++) {
    for (let k = 0; k < cols; k++) {
      const [a, b] = coef(n, k);
      const r0 = offset + 2 * n * w + 2 * k;
      const r1 = r0 + w;
      out[r0] = a; // re_in → re_out
      out[r0 + 1] = b; // re_in → im_out
      out[r1] = -b; // im_in → re_out
      out[r1 + 1] = a; // im_in → im_out
    }
  }
}

/** Smallest N at which the factored plan is used (below it one dense MatMul is cheaper). */
const FACTOR_MIN = 48;
/** Largest sub-DFT size; a length with no split into factors ≤ this stays dense (e.g. large primes). */
const FACTOR_MAX = 128;

/** The split N = n1·n2 with n1 ≤ n2 closest to √N, or null when none has both factors in [2, FACTOR_MAX]. */
export function splitLength(n: number): [number, number] | null {
  if (n < FACTOR_MIN) return null;
  for (let a = Math.floor(Math.sqrt(n)); a >= 2; a--) {
    if (n % a === 0) {
      const b = n / a;
      return b <= FACTOR_MAX ? [a, b] : null;
    }
  }
  return null;
}

function checkComplex(x: Sym, axis: number): number {
  const r = x.rank;
  const a = normAxis(axis, r, 'dft');
  if (r < 2 || x.shape[r - 1] !== 2 || a === r - 1) {
    throw new MedreconError('SHAPE_MISMATCH', `expandDft: needs [..., 2] and a non-complex axis; got axis ${axis} of [${x.shape.join(', ')}]`, { op: 'dft' });
  }
  return a;
}

const prod = (d: readonly number[]) => d.reduce((p, v) => p * v, 1);

/**
 * Transpose `x`, viewed as `dims`, by `perm`, with the fewest axes: size-1 axes are dropped and
 * runs of axes that stay adjacent are merged first, so ORT sees e.g. a plain single-axis move
 * (which it runs with block copies) instead of a general 5-D permutation (measured 5–7× slower).
 * Returns the result viewed as dims permuted.
 */
export function permuteView(x: Sym, dims: readonly number[], perm: readonly number[]): Sym {
  const keep = perm.filter((p) => dims[p] !== 1);
  // Groups: maximal runs in `keep` (output order) whose input axes are consecutive among kept axes.
  const kept = [...keep].sort((a, b) => a - b);
  const rank = new Map(kept.map((a, i) => [a, i]));
  const groups: number[][] = [];
  for (const p of keep) {
    const g = groups[groups.length - 1];
    if (g && rank.get(p) === rank.get(g[g.length - 1]!)! + 1) g.push(p);
    else groups.push([p]);
  }
  const outDims = perm.map((p) => dims[p]!);
  if (groups.length <= 1) return reshape(x, outDims);
  const order = [...groups].sort((a, b) => a[0]! - b[0]!);
  const inDims = order.map((g) => prod(g.map((a) => dims[a]!)));
  const gperm = groups.map((g) => order.indexOf(g));
  return reshape(transpose(reshape(x, inDims), gperm), outDims);
}

/** Dense DFT of the axis just before the complex axis of v: [..., N, 2] → [..., N, 2]. */
function denseLast(v: Sym, inverse: boolean): Sym {
  const n = v.shape[v.rank - 2]!;
  const m = new Float32Array(4 * n * n);
  fillBlock(m, 0, n, n, (i, k) => root(i * k, n, inverse));
  const lead = v.shape.slice(0, -2);
  const y = matmul(reshape(v, [prod(lead), 2 * n]), constant(tensor([2 * n, 2 * n], m)));
  return reshape(y, [...lead, n, 2]);
}

/**
 * The complex DFT of `x` along `axis`, built from Sym primitives only (transpose, reshape, matmul,
 * constants); numerically equal to the IR op `dft(x, axis, inverse)` (unnormalised both ways).
 *
 * @example expandDft(x, -2, true) // inverse DFT along the last non-complex axis
 */
export function expandDft(x: Sym, axis: number, inverse: boolean): Sym {
  const a = checkComplex(x, axis);
  const r = x.rank;
  const n = x.shape[a]!;
  if (n <= 1 || x.size === 0) return x;
  const P = prod(x.shape.slice(0, a));
  const Q = prod(x.shape.slice(a + 1, r - 1));
  const split = splitLength(n);
  if (!split) {
    // Dense: move the axis next to the complex axis, one MatMul, move it back.
    if (Q === 1) return denseLast(x, inverse);
    const v = permuteView(x, [P, n, Q, 2], [0, 2, 1, 3]);
    return reshape(permuteView(denseLast(v, inverse), [P, Q, n, 2], [0, 2, 1, 3]), x.shape);
  }
  const [n1, n2] = split;
  // Free rows of the GEMMs: Q when the axis has trailing axes, else the leading P.
  const last = Q === 1;
  const Po = last ? 1 : P;
  const Qr = last ? P : Q;
  // [P, n1, n2, Q, 2] → [Po, n2, Qr, n1, 2]
  const v = reshape(permuteView(x, [P, n1, n2, Q, 2], last ? [3, 2, 0, 1, 4] : [0, 2, 3, 1, 4]), [Po, 1, n2, Qr, 2 * n1]);
  // Stage 1: weight [2, n2, 2·n1, 2·n1]: s = 0 → G_{n2}, s = 1 → i·G_{n2}; G_{n2}(j, k1) = W_{n1}^{j·k1} W_N^{n2·k1}.
  const g = new Float32Array(2 * n2 * 4 * n1 * n1);
  for (let s = 0; s < 2; s++) {
    for (let m = 0; m < n2; m++) {
      fillBlock(g, (s * n2 + m) * 4 * n1 * n1, n1, n1, (j, k1) => {
        const [c, d] = root(j * k1 * n2 + m * k1, n, inverse); // W_{n1}^{j k1} = W_N^{n2 j k1}
        return s === 0 ? [c, d] : [-d, c];
      });
    }
  }
  const z = matmul(v, constant(tensor([2, n2, 2 * n1, 2 * n1], g))); // [Po, 2, n2, Qr, 2·n1]
  // Stage 2: [Re F | Im F] (k2 × (s, n2)) from the left.
  const f = new Float32Array(n2 * 2 * n2);
  for (let k = 0; k < n2; k++) {
    for (let m = 0; m < n2; m++) {
      const [c, d] = root(k * m, n2, inverse);
      f[k * 2 * n2 + m] = c;
      f[k * 2 * n2 + n2 + m] = d;
    }
  }
  const y = matmul(constant(tensor([n2, 2 * n2], f)), reshape(z, [Po, 2 * n2, Qr * 2 * n1])); // [Po, k2, Qr·k1·2]
  // [Po, k2, Qr, k1, 2] → [P, k2, k1, Q, 2]
  return reshape(permuteView(y, [Po, n2, Qr, n1, 2], last ? [2, 1, 3, 0, 4] : [0, 1, 3, 2, 4]), x.shape);
}
